//! K8S001: a container runs privileged.

use crate::diagnostics::RuleMeta;
use crate::diagnostics::Severity;
use crate::model::k8s::K8sObject;
use crate::rules::rule::{Ctx, Rule};

pub struct PrivilegedContainer;

static META: RuleMeta = RuleMeta {
    id: "K8S001",
    name: "privileged-container",
    severity: Severity::Error,
    category: "kubernetes",
    tags: &["security", "pod-security"],
    summary: "A container runs in privileged mode",
    explanation: "A privileged container has every capability and full access to the node's \
devices: a process that escapes it owns the node and every workload on it. The Pod Security \
Standards forbid it from the baseline profile up.",
    help: "remove `privileged: true`; grant only the capabilities the process needs under `securityContext.capabilities.add`",
    fail_example: "spec:\n  containers:\n    - name: app\n      image: nginx:1.27\n      securityContext:\n        privileged: true\n",
    pass_example: "spec:\n  containers:\n    - name: app\n      image: nginx:1.27\n      securityContext:\n        privileged: false\n",
    security_severity: Some("9.0"),
    since: "0.1.0",
};

impl Rule for PrivilegedContainer {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_object(&self, obj: &K8sObject<'_>, ctx: &mut Ctx<'_>) {
        for c in obj.containers() {
            let Some(flag) = c.node.path(&["securityContext", "privileged"]) else {
                continue;
            };
            if flag.as_bool() == Some(true) {
                ctx.report(
                    flag.span,
                    format!(
                        "{} of {} runs privileged",
                        c.display_name(),
                        obj.logical_name()
                    ),
                );
            }
        }
    }
}
