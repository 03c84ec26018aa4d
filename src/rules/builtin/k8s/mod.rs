//! Kubernetes rules: one file per rule, working on [`crate::model::k8s::K8sObject`] views.

pub mod host_namespaces;
pub mod latest_image_tag;
pub mod missing_resources;
pub mod namespace_default_deny;
pub mod namespace_limitrange;
pub mod namespace_quota;
pub mod privileged_container;
