//! K8S012: a container may gain more privileges than its parent process.

use super::require_flag;
use crate::diagnostics::RuleMeta;
use crate::diagnostics::Severity;
use crate::model::k8s::K8sObject;
use crate::rules::rule::{Ctx, Rule};

pub struct PrivilegeEscalation;

static META: RuleMeta = RuleMeta {
    id: "K8S012",
    name: "privilege-escalation-allowed",
    severity: Severity::Warning,
    category: "kubernetes",
    tags: &["security", "pod-security"],
    summary: "A container does not set `allowPrivilegeEscalation: false`",
    explanation: "Unless `allowPrivilegeEscalation` is `false`, a process in the container can \
gain privileges through setuid binaries or file capabilities (`no_new_privs` is not set), turning \
a foothold as an unprivileged user into root inside the container. The restricted Pod Security \
profile requires it to be `false` on every container.",
    help: "set `securityContext.allowPrivilegeEscalation: false` on the container",
    fail_example: "containers:\n  - name: app\n    image: example/app:1.0.0\n",
    pass_example: "containers:\n  - name: app\n    image: example/app:1.0.0\n    securityContext:\n      allowPrivilegeEscalation: false\n",
    security_severity: Some("5.0"),
    since: "0.1.0",
};

impl Rule for PrivilegeEscalation {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_object(&self, obj: &K8sObject<'_>, ctx: &mut Ctx<'_>) {
        if obj.is_windows() {
            return;
        }
        for c in obj.containers() {
            let value = c
                .security_context()
                .and_then(|sc| sc.get("allowPrivilegeEscalation"));
            require_flag(
                ctx,
                obj,
                &c,
                value,
                false,
                "allows privilege escalation",
                "does not set `allowPrivilegeEscalation: false`",
            );
        }
    }
}
