//! Kubernetes rules: one file per rule, working on [`crate::model::k8s::K8sObject`] views.

pub mod capabilities;
pub mod dangling_reference;
pub mod default_service_account;
pub mod host_namespaces;
pub mod host_path;
pub mod host_port;
pub mod image_registry;
pub mod latest_image_tag;
pub mod mac_override;
pub mod missing_probes;
pub mod missing_resources;
pub mod namespace_default_deny;
pub mod namespace_limitrange;
pub mod namespace_quota;
pub mod namespace_report;
pub mod privilege_escalation;
pub mod privileged_container;
pub mod proc_mount;
pub mod prod_ingress_tls;
pub mod prod_pdb;
pub mod prod_replicas;
pub mod pull_policy;
pub mod run_as_root;
pub mod seccomp;
pub mod secret_in_manifest;
pub mod service_selector;
pub mod unsafe_sysctl;
pub mod writable_root_fs;

use crate::model::k8s::{Container, K8sObject};

/// Is `path` the virtual file of a rendered Helm template (`<dir>/.octolint-render/<unit>/
/// <chart>/templates/…`, see `render::stage`)? Its values come from values files (checked
/// as themselves) or from functions run at install time (`randAlphaNum`, `genPrivateKey`), so
/// secrets in it are not committed to the repository.
pub(crate) fn helm_rendered(path: &str) -> bool {
    path.split_once("/.octolint-render/")
        .is_some_and(|(_, rest)| rest.contains("/templates/"))
}
use crate::parse::node::Node;
use crate::rules::rule::Ctx;

/// Check a boolean security setting that must be `want`: report the value where it is the
/// opposite, and the container's name where it is missing (not on partial objects). The
/// messages complete "<container> of <object> ...".
pub(crate) fn require_flag(
    ctx: &mut Ctx<'_>,
    obj: &K8sObject<'_>,
    c: &Container<'_>,
    value: Option<&Node>,
    want: bool,
    wrong: &str,
    missing: &str,
) {
    let (span, what) = match value.and_then(Node::as_bool) {
        Some(v) if v == want => return,
        Some(_) => (
            value.map(|n| n.span).unwrap_or_else(|| c.anchor_span()),
            wrong,
        ),
        None if obj.partial => return,
        None => (c.anchor_span(), missing),
    };
    ctx.report(
        span,
        format!("{} of {} {what}", c.display_name(), obj.logical_name()),
    );
}
pub mod dev_requests;
pub mod values_replicas;
