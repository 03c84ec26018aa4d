//! K8S018: a container's root filesystem is writable (recommendation).

use super::require_flag;
use crate::diagnostics::RuleMeta;
use crate::diagnostics::Severity;
use crate::model::k8s::K8sObject;
use crate::rules::rule::{Ctx, Rule};

pub struct WritableRootFs;

static META: RuleMeta = RuleMeta {
    id: "K8S018",
    name: "writable-root-filesystem",
    severity: Severity::Info,
    category: "kubernetes",
    tags: &["security", "hardening"],
    summary: "A container's root filesystem is writable",
    explanation: "With a read-only root filesystem an attacker who gets code execution cannot \
drop tools or modify the application's files, and drift between the image and what runs is \
impossible. Most applications need only a few writable paths (`/tmp`, a cache), which an \
`emptyDir` provides. This is a recommendation, not part of the Pod Security Standards.",
    help: "set `securityContext.readOnlyRootFilesystem: true` and mount an `emptyDir` where the process writes",
    fail_example: "containers:\n  - name: app\n    image: example/app:1.0.0\n",
    pass_example: "containers:\n  - name: app\n    image: example/app:1.0.0\n    securityContext:\n      readOnlyRootFilesystem: true\n",
    security_severity: Some("3.0"),
    since: "0.1.0",
};

impl Rule for WritableRootFs {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_object(&self, obj: &K8sObject<'_>, ctx: &mut Ctx<'_>) {
        for c in obj.containers() {
            let value = c
                .security_context()
                .and_then(|sc| sc.get("readOnlyRootFilesystem"));
            require_flag(
                ctx,
                obj,
                &c,
                value,
                true,
                "has a writable root filesystem",
                "has a writable root filesystem",
            );
        }
    }
}
