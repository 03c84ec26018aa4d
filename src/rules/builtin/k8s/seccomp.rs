//! K8S014: a pod or container turns seccomp off (`Unconfined`, baseline profile).
//! K8S019: a container has no seccomp profile (restricted profile; a recommendation, since
//! kubelets started with `--seccomp-default` and some managed platforms apply
//! `RuntimeDefault` themselves).

use crate::diagnostics::RuleMeta;
use crate::diagnostics::Severity;
use crate::model::k8s::K8sObject;
use crate::rules::rule::{Ctx, Rule};

pub struct SeccompUnconfined;

static UNCONFINED: RuleMeta = RuleMeta {
    id: "K8S014",
    name: "seccomp-unconfined",
    severity: Severity::Error,
    category: "kubernetes",
    tags: &["security", "pod-security"],
    summary: "A pod or container turns seccomp off (`Unconfined`)",
    explanation: "Without a seccomp profile a container may call every system call of the kernel, \
including the rarely used ones where most container escapes start. `seccompProfile.type: \
Unconfined` removes the filter even where the node would apply `RuntimeDefault`; the baseline Pod \
Security profile forbids it.",
    help: "set `seccompProfile.type` to `RuntimeDefault` (or a `Localhost` profile)",
    fail_example: "spec:\n  securityContext:\n    seccompProfile:\n      type: Unconfined\n",
    pass_example: "spec:\n  securityContext:\n    seccompProfile:\n      type: RuntimeDefault\n",
    security_severity: Some("6.0"),
    since: "0.1.0",
};

impl Rule for SeccompUnconfined {
    fn meta(&self) -> &'static RuleMeta {
        &UNCONFINED
    }

    fn check_object(&self, obj: &K8sObject<'_>, ctx: &mut Ctx<'_>) {
        if let Some(t) = obj
            .pod_security_context()
            .and_then(|sc| sc.path(&["seccompProfile", "type"]))
            && t.as_str() == Some("Unconfined")
        {
            ctx.report(
                t.span,
                format!("{} runs with seccomp `Unconfined`", obj.logical_name()),
            );
        }
        for c in obj.containers() {
            if let Some(t) = c
                .security_context()
                .and_then(|sc| sc.path(&["seccompProfile", "type"]))
                && t.as_str() == Some("Unconfined")
            {
                ctx.report(
                    t.span,
                    format!(
                        "{} of {} runs with seccomp `Unconfined`",
                        c.display_name(),
                        obj.logical_name()
                    ),
                );
            }
        }
    }
}

pub struct SeccompMissing;

static META: RuleMeta = RuleMeta {
    id: "K8S019",
    name: "seccomp-profile-missing",
    severity: Severity::Info,
    category: "kubernetes",
    tags: &["security", "pod-security"],
    summary: "A container has no seccomp profile (`RuntimeDefault` recommended)",
    explanation: "Without a seccomp profile a container may call every system call of the kernel, \
including the rarely used ones where most container escapes start. `RuntimeDefault` blocks those \
at no cost for almost every application. The restricted Pod Security profile requires \
`seccompProfile.type` to be `RuntimeDefault` or `Localhost` on the pod or every container; an \
explicit `Unconfined` is reported by K8S014. This is a recommendation (info): kubelets started with \
`--seccomp-default` and some managed platforms already apply `RuntimeDefault`.",
    help: "set `securityContext.seccompProfile.type: RuntimeDefault` on the pod",
    fail_example: "spec:\n  containers:\n    - name: app\n      image: example/app:1.0.0\n",
    pass_example: "spec:\n  securityContext:\n    seccompProfile:\n      type: RuntimeDefault\n  containers:\n    - name: app\n      image: example/app:1.0.0\n",
    security_severity: Some("3.0"),
    since: "0.1.0",
};

impl Rule for SeccompMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_object(&self, obj: &K8sObject<'_>, ctx: &mut Ctx<'_>) {
        if obj.is_windows() {
            return;
        }
        let pod_type = obj
            .pod_security_context()
            .and_then(|sc| sc.path(&["seccompProfile", "type"]));
        for c in obj.containers() {
            let own = c
                .security_context()
                .and_then(|sc| sc.path(&["seccompProfile", "type"]));
            match own.or(pod_type).and_then(|t| t.as_str().map(|s| (t, s))) {
                Some((_, "RuntimeDefault" | "Localhost" | "Unconfined")) => {}
                _ if obj.partial => {}
                _ => {
                    ctx.report(
                        c.anchor_span(),
                        format!(
                            "{} of {} has no seccomp profile",
                            c.display_name(),
                            obj.logical_name()
                        ),
                    );
                }
            }
        }
    }
}
