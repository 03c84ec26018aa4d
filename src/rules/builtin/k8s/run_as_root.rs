//! K8S013: a container may run as root (no `runAsNonRoot: true`, or `runAsUser: 0`).

use super::require_flag;
use crate::diagnostics::RuleMeta;
use crate::diagnostics::Severity;
use crate::model::k8s::K8sObject;
use crate::rules::rule::{Ctx, Rule};

pub struct RunAsRoot;

static META: RuleMeta = RuleMeta {
    id: "K8S013",
    name: "run-as-root",
    severity: Severity::Warning,
    category: "kubernetes",
    tags: &["security", "pod-security"],
    summary: "A container may run as root: no `runAsNonRoot: true`, or `runAsUser: 0`",
    explanation: "Many images default to root. A process that runs as root inside the container \
needs only one kernel or runtime bug to be root on the node, and can read every file of the \
image. The restricted Pod Security profile requires `runAsNonRoot: true` (on the pod or every \
container) and forbids `runAsUser: 0`; the kubelet then refuses to start an image that would run \
as root.",
    help: "set `securityContext.runAsNonRoot: true` (pod or container) and a non-zero `runAsUser`; build the image with a non-root `USER`",
    fail_example: "spec:\n  containers:\n    - name: app\n      image: example/app:1.0.0\n      securityContext:\n        runAsUser: 0\n",
    pass_example: "spec:\n  securityContext:\n    runAsNonRoot: true\n    runAsUser: 10001\n  containers:\n    - name: app\n      image: example/app:1.0.0\n",
    security_severity: Some("5.0"),
    since: "0.1.0",
};

impl Rule for RunAsRoot {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_object(&self, obj: &K8sObject<'_>, ctx: &mut Ctx<'_>) {
        if obj.is_windows() {
            return;
        }
        // An explicit root user, at the pod level.
        if let Some(u) = obj
            .pod_security_context()
            .and_then(|sc| sc.get("runAsUser"))
            && u.as_i64() == Some(0)
        {
            ctx.report(
                u.span,
                format!("{} runs as root (`runAsUser: 0`)", obj.logical_name()),
            );
        }
        for c in obj.containers() {
            if let Some(u) = c.security_context().and_then(|sc| sc.get("runAsUser"))
                && u.as_i64() == Some(0)
            {
                ctx.report(
                    u.span,
                    format!(
                        "{} of {} runs as root (`runAsUser: 0`)",
                        c.display_name(),
                        obj.logical_name()
                    ),
                );
                continue;
            }
            require_flag(
                ctx,
                obj,
                &c,
                obj.effective_security(&c, "runAsNonRoot"),
                true,
                "may run as root (`runAsNonRoot: false`)",
                "does not set `runAsNonRoot: true` (pod or container)",
            );
        }
    }
}
