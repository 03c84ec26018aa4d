//! SIZE002: a prod Helm values file runs fewer replicas than the prod minimum.

use crate::config::env::Env;
use crate::diagnostics::RuleMeta;
use crate::diagnostics::Severity;
use crate::parse::node::Node;
use crate::rules::rule::{Ctx, Rule};

pub struct ValuesReplicas;

static META: RuleMeta = RuleMeta {
    id: "SIZE002",
    name: "prod-values-replicas",
    severity: Severity::Error,
    category: "kubernetes",
    tags: &["reliability", "environment", "helm"],
    summary: "A prod Helm values file sets fewer replicas (or HPA minReplicas) than the prod minimum",
    explanation: "Charts take their replica count from values: a prod values file \
(`values-prod.yaml`, `values/prod/…`, `overlays/production/…`) with `replicaCount: 1` ships a single \
pod to prod, so every rollout, node drain or crash is an outage. The same holds for \
`autoscaling.minReplicas` when `autoscaling.enabled` is true. The minimum is \
`[kubernetes] prod-min-replicas` (default 2), as for K8S024 on manifests. `replicaCount` and \
`replicas` are checked at the top level and one level down (`server.replicaCount`).",
    help: "set replicaCount (or autoscaling.minReplicas) to at least the prod minimum in the prod values file",
    fail_example: "# values-prod.yaml\nreplicaCount: 1\n",
    pass_example: "# values-prod.yaml\nreplicaCount: 3\n",
    security_severity: None,
    since: "0.1.0",
};

fn check_level(node: &Node, prefix: &str, min: i64, ctx: &mut Ctx<'_>) {
    let hpa_on = node
        .path(&["autoscaling", "enabled"])
        .and_then(Node::as_bool)
        == Some(true);
    if hpa_on {
        if let Some(v) = node.path(&["autoscaling", "minReplicas"])
            && let Some(n) = v.as_i64()
            && n < min
        {
            ctx.report(
                v.span,
                format!("prod values set {prefix}autoscaling.minReplicas to {n}; the prod minimum is {min}"),
            );
        }
        return;
    }
    for key in ["replicaCount", "replicas"] {
        if let Some(v) = node.get(key)
            && let Some(n) = v.as_i64()
            && n < min
        {
            ctx.report(
                v.span,
                format!("prod values set {prefix}{key} to {n}; the prod minimum is {min}"),
            );
        }
    }
}

impl Rule for ValuesReplicas {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_values(&self, doc: &Node, env: Option<Env>, ctx: &mut Ctx<'_>) {
        if env != Some(Env::Prod) {
            return;
        }
        let min = ctx.options.prod_min_replicas;
        check_level(doc, "", min, ctx);
        for (k, v) in doc.as_map().unwrap_or(&[]) {
            if v.as_map().is_some()
                && let Some(name) = k.key_text()
                && name != "autoscaling"
            {
                check_level(v, &format!("{name}."), min, ctx);
            }
        }
    }
}
