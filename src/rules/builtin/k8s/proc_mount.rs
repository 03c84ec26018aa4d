//! K8S015: a container unmasks `/proc` (`procMount` other than `Default`).

use crate::diagnostics::RuleMeta;
use crate::diagnostics::Severity;
use crate::model::k8s::K8sObject;
use crate::rules::rule::{Ctx, Rule};

pub struct ProcMount;

static META: RuleMeta = RuleMeta {
    id: "K8S015",
    name: "proc-mount-unmasked",
    severity: Severity::Error,
    category: "kubernetes",
    tags: &["security", "pod-security"],
    summary: "A container unmasks `/proc` (`procMount: Unmasked`)",
    explanation: "The runtime masks parts of `/proc` (`/proc/kcore`, `/proc/sys`, …) that leak \
host information or let a process reconfigure the kernel. `procMount: Unmasked` removes that \
protection; the baseline Pod Security profile allows only `Default`.",
    help: "remove `procMount` or set it to `Default`",
    fail_example: "securityContext:\n  procMount: Unmasked\n",
    pass_example: "securityContext:\n  procMount: Default\n",
    security_severity: Some("7.0"),
    since: "0.1.0",
};

impl Rule for ProcMount {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_object(&self, obj: &K8sObject<'_>, ctx: &mut Ctx<'_>) {
        for c in obj.containers() {
            let Some(v) = c.security_context().and_then(|sc| sc.get("procMount")) else {
                continue;
            };
            if v.as_str().is_some_and(|s| s != "Default") {
                ctx.report(
                    v.span,
                    format!(
                        "{} of {} unmasks /proc",
                        c.display_name(),
                        obj.logical_name()
                    ),
                );
            }
        }
    }
}
