//! K8S003: a container lacks CPU or memory requests or limits.

use crate::diagnostics::RuleMeta;
use crate::diagnostics::Severity;
use crate::model::k8s::{ContainerKind, K8sObject};
use crate::rules::rule::{Ctx, Rule};

pub struct MissingResources;

static META: RuleMeta = RuleMeta {
    id: "K8S003",
    name: "missing-resources",
    severity: Severity::Warning,
    category: "kubernetes",
    tags: &["reliability", "capacity"],
    summary: "A container has no CPU or memory requests or limits",
    explanation: "Without requests the scheduler packs pods blindly and a busy neighbour starves \
them; without a memory limit one leak can push the node into out-of-memory kills of unrelated \
pods; without limits a namespace's ResourceQuota cannot even admit the pod. Every container, init \
containers included, should say what it needs (`requests`) and the most it may use (`limits`).",
    help: "set `resources.requests` and `resources.limits` for both `cpu` and `memory` on the container",
    fail_example: "spec:\n  containers:\n    - name: app\n      image: nginx:1.27\n      resources:\n        requests:\n          cpu: 100m\n",
    pass_example: "spec:\n  containers:\n    - name: app\n      image: nginx:1.27\n      resources:\n        requests: {cpu: 100m, memory: 128Mi}\n        limits: {cpu: 500m, memory: 256Mi}\n",
    security_severity: None,
    since: "0.1.0",
};

impl Rule for MissingResources {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_object(&self, obj: &K8sObject<'_>, ctx: &mut Ctx<'_>) {
        if obj.partial {
            return;
        }
        for c in obj.containers() {
            // The API server rejects resources on ephemeral containers.
            if c.kind == ContainerKind::Ephemeral {
                continue;
            }
            let resources = c.node.get("resources");
            if resources.is_some_and(|r| !r.is_null() && r.as_map().is_none()) {
                continue; // a value we cannot read (templated): unknown, not missing
            }
            let mut missing = Vec::new();
            for section in ["requests", "limits"] {
                for res in ["cpu", "memory"] {
                    let set = resources
                        .and_then(|r| r.get(section))
                        .and_then(|s| s.get(res))
                        .is_some_and(|v| !v.is_null());
                    if !set {
                        missing.push(format!("{res} {}", &section[..section.len() - 1]));
                    }
                }
            }
            if !missing.is_empty() {
                ctx.report(
                    c.anchor_span(),
                    format!(
                        "{} of {} has no {}",
                        c.display_name(),
                        obj.logical_name(),
                        missing.join(", ")
                    ),
                );
            }
        }
    }
}
