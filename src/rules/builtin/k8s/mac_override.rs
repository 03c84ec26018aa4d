//! K8S017: a pod or container disables AppArmor or sets custom SELinux options.

use crate::diagnostics::RuleMeta;
use crate::diagnostics::Severity;
use crate::model::k8s::K8sObject;
use crate::parse::node::Node;
use crate::rules::rule::{Ctx, Rule};

pub struct MacOverride;

static META: RuleMeta = RuleMeta {
    id: "K8S017",
    name: "apparmor-selinux-override",
    severity: Severity::Error,
    category: "kubernetes",
    tags: &["security", "pod-security"],
    summary: "A pod or container disables AppArmor or sets a custom SELinux user, role or type",
    explanation: "AppArmor and SELinux confine what a container may do even as root. \
`appArmorProfile.type: Unconfined` (or the older \
`container.apparmor.security.beta.kubernetes.io/<name>: unconfined` annotation) turns AppArmor \
off; an SELinux `user` or `role`, or a `type` other than the container types, can lift the \
SELinux confinement. The baseline Pod Security profile forbids both.",
    help: "remove the override: use `RuntimeDefault` (or a `Localhost` profile) for AppArmor and leave SELinux `user`/`role` unset with the default container type",
    fail_example: "securityContext:\n  appArmorProfile:\n    type: Unconfined\n",
    pass_example: "securityContext:\n  appArmorProfile:\n    type: RuntimeDefault\n",
    security_severity: Some("7.0"),
    since: "0.1.0",
};

const SELINUX_TYPES: &[&str] = &[
    "",
    "container_t",
    "container_init_t",
    "container_kvm_t",
    "container_engine_t",
];

fn check_context(sc: Option<&Node>, what: &str, ctx: &mut Ctx<'_>) {
    let Some(sc) = sc else { return };
    if let Some(t) = sc.path(&["appArmorProfile", "type"])
        && t.as_str() == Some("Unconfined")
    {
        ctx.report(
            t.span,
            format!("{what} runs without AppArmor (`Unconfined`)"),
        );
    }
    if let Some(se) = sc.get("seLinuxOptions") {
        for key in ["user", "role"] {
            if let Some(v) = se
                .get(key)
                .filter(|v| v.as_str().is_some_and(|s| !s.is_empty()))
            {
                ctx.report(v.span, format!("{what} sets a custom SELinux {key}"));
            }
        }
        if let Some(v) = se.get("type")
            && let Some(t) = v.as_str()
            && !SELINUX_TYPES.contains(&t)
        {
            ctx.report(v.span, format!("{what} sets SELinux type `{t}`"));
        }
    }
}

impl Rule for MacOverride {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_object(&self, obj: &K8sObject<'_>, ctx: &mut Ctx<'_>) {
        if obj.pod_spec().is_none() {
            return;
        }
        check_context(obj.pod_security_context(), &obj.logical_name(), ctx);
        for c in obj.containers() {
            check_context(
                c.security_context(),
                &format!("{} of {}", c.display_name(), obj.logical_name()),
                ctx,
            );
        }
        // The annotation form lives on the pod template's metadata.
        let meta = match obj.kind {
            "Pod" => obj.root.get("metadata"),
            "CronJob" => obj
                .root
                .path(&["spec", "jobTemplate", "spec", "template", "metadata"]),
            _ => obj.root.path(&["spec", "template", "metadata"]),
        };
        let annotations = meta
            .and_then(|m| m.get("annotations"))
            .and_then(Node::as_map);
        for (k, v) in annotations.unwrap_or(&[]) {
            let Some(key) = k.key_text() else { continue };
            if let Some(container) =
                key.strip_prefix("container.apparmor.security.beta.kubernetes.io/")
                && v.as_str() == Some("unconfined")
            {
                ctx.report(
                    v.span,
                    format!(
                        "container `{container}` of {} runs without AppArmor (`unconfined`)",
                        obj.logical_name()
                    ),
                );
            }
        }
    }
}
