//! The repository model: typed views over parsed documents (Kubernetes objects, their
//! containers and pod specs), the repository-wide index of objects by kind and namespace,
//! and the relations between files (Kustomize namespaces and patches, Argo CD Applications
//! and the environments of the directories they deploy).
//!
//! Depends on `source`, `config` and `parse`; knows nothing of rules, policies or output.

pub mod argocd;
pub mod build;
pub mod envs;
pub mod k8s;
pub mod kustomize;
pub mod origin;
pub mod repo;
