//! Typed views over parsed files: value nodes, Kubernetes objects.
//! Depends on `source` and `parse`; knows nothing of rules or output.

pub mod env;
pub mod environments;
pub mod k8s;
pub mod node;
pub mod repo;
