//! K8S022: a long-running container has no readiness or liveness probe.

use crate::diagnostics::RuleMeta;
use crate::diagnostics::Severity;
use crate::model::k8s::{ContainerKind, K8sObject};
use crate::rules::rule::{Ctx, Rule};

pub struct MissingProbes;

static META: RuleMeta = RuleMeta {
    id: "K8S022",
    name: "missing-probes",
    severity: Severity::Warning,
    category: "kubernetes",
    tags: &["reliability"],
    summary: "A container of a long-running workload has no readiness or liveness probe",
    explanation: "Without a readiness probe a pod receives traffic as soon as its process starts, \
before it can serve, and keeps receiving it when it can no longer serve; rolling updates then \
drop requests. Without a liveness probe a deadlocked process is never restarted. Deployments, \
StatefulSets, DaemonSets, ReplicaSets and Rollouts should probe every main container (init \
containers and Jobs are exempt).",
    help: "add a `readinessProbe` (when to send traffic) and a `livenessProbe` (when to restart) to the container",
    fail_example: "containers:\n  - name: api\n    image: example/api:1.4.0\n",
    pass_example: "containers:\n  - name: api\n    image: example/api:1.4.0\n    readinessProbe:\n      httpGet: {path: /ready, port: 8080}\n    livenessProbe:\n      httpGet: {path: /live, port: 8080}\n",
    security_severity: None,
    since: "0.1.0",
};

impl Rule for MissingProbes {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_object(&self, obj: &K8sObject<'_>, ctx: &mut Ctx<'_>) {
        if obj.partial || !obj.is_long_running() {
            return;
        }
        for c in obj.containers() {
            if c.kind != ContainerKind::Container {
                continue;
            }
            let missing: Vec<&str> = ["readinessProbe", "livenessProbe"]
                .into_iter()
                .filter(|p| c.node.get(p).is_none_or(|n| n.is_null()))
                .collect();
            if !missing.is_empty() {
                ctx.report(
                    c.anchor_span(),
                    format!(
                        "{} of {} has no {}",
                        c.display_name(),
                        obj.logical_name(),
                        missing
                            .iter()
                            .map(|m| format!("`{m}`"))
                            .collect::<Vec<_>>()
                            .join(" or ")
                    ),
                );
            }
        }
    }
}
