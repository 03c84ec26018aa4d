//! K8S009: a container binds a port on the node (hostPort).

use crate::diagnostics::RuleMeta;
use crate::diagnostics::Severity;
use crate::model::k8s::K8sObject;
use crate::parse::node::Node;
use crate::rules::rule::{Ctx, Rule};

pub struct HostPort;

static META: RuleMeta = RuleMeta {
    id: "K8S009",
    name: "host-port",
    severity: Severity::Error,
    category: "kubernetes",
    tags: &["security", "pod-security"],
    summary: "A container binds a port on the node's network interface (hostPort)",
    explanation: "A `hostPort` exposes the container on every address of its node, bypassing \
Services and NetworkPolicies, and limits scheduling to one such pod per node. The Pod Security \
Standards forbid host ports from the baseline profile up.",
    help: "remove `hostPort` and expose the port through a Service (ClusterIP, NodePort or LoadBalancer)",
    fail_example: "containers:\n  - name: web\n    ports:\n      - containerPort: 8080\n        hostPort: 80\n",
    pass_example: "containers:\n  - name: web\n    ports:\n      - containerPort: 8080\n",
    security_severity: Some("6.0"),
    since: "0.1.0",
};

impl Rule for HostPort {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_object(&self, obj: &K8sObject<'_>, ctx: &mut Ctx<'_>) {
        for c in obj.containers() {
            for port in c.node.get("ports").into_iter().flat_map(Node::items) {
                let Some(hp) = port.get("hostPort") else {
                    continue;
                };
                if hp.as_i64().is_some_and(|p| p != 0) {
                    ctx.report(
                        hp.span,
                        format!(
                            "{} of {} binds host port {}",
                            c.display_name(),
                            obj.logical_name(),
                            hp.key_text().unwrap_or("?")
                        ),
                    );
                }
            }
        }
    }
}
