//! K8S016: a pod sets a sysctl outside the safe set.

use crate::diagnostics::RuleMeta;
use crate::diagnostics::Severity;
use crate::model::k8s::K8sObject;
use crate::parse::node::Node;
use crate::rules::rule::{Ctx, Rule};

pub struct UnsafeSysctl;

/// Namespaced sysctls the Pod Security baseline profile allows.
const SAFE: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
];

static META: RuleMeta = RuleMeta {
    id: "K8S016",
    name: "unsafe-sysctl",
    severity: Severity::Error,
    category: "kubernetes",
    tags: &["security", "pod-security"],
    summary: "A pod sets a sysctl outside the safe set",
    explanation: "Most kernel parameters are not isolated per pod: setting them from a pod changes \
the node for every workload on it, or can exhaust its resources. The baseline Pod Security profile \
allows only a short list of namespaced, safe sysctls.",
    help: "remove the sysctl, or set it on the node (or in a dedicated node pool) instead of the pod",
    fail_example: "spec:\n  securityContext:\n    sysctls:\n      - name: kernel.msgmax\n        value: \"65536\"\n",
    pass_example: "spec:\n  securityContext:\n    sysctls:\n      - name: net.ipv4.ip_local_port_range\n        value: \"1024 65535\"\n",
    security_severity: Some("6.0"),
    since: "0.1.0",
};

impl Rule for UnsafeSysctl {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_object(&self, obj: &K8sObject<'_>, ctx: &mut Ctx<'_>) {
        let sysctls = obj.pod_security_context().and_then(|sc| sc.get("sysctls"));
        for s in sysctls.into_iter().flat_map(Node::items) {
            let Some(name) = s.get("name") else { continue };
            let Some(text) = name.as_str() else { continue };
            if !SAFE.contains(&text) {
                ctx.report(
                    name.span,
                    format!("{} sets unsafe sysctl `{text}`", obj.logical_name()),
                );
            }
        }
    }
}
