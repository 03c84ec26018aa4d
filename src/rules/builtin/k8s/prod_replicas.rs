//! K8S024: a prod Deployment, StatefulSet or Rollout runs fewer replicas than the minimum
//! (its HPA's `minReplicas` when an HPA scales it). Repo-wide, to see the HPAs.

use crate::config::env::Env;
use crate::diagnostics::RuleMeta;
use crate::diagnostics::{Location, Severity};
use crate::model::repo::{ObjectRef, Repo};
use crate::parse::node::Node;
use crate::rules::rule::{Ctx, Rule};

pub struct ProdReplicas;

static META: RuleMeta = RuleMeta {
    id: "K8S024",
    name: "prod-too-few-replicas",
    severity: Severity::Error,
    category: "kubernetes",
    tags: &["reliability", "environment"],
    summary: "A prod workload runs fewer replicas than the prod minimum (default 2)",
    explanation: "With one replica every node drain, eviction, rollout or crash is an outage. In \
prod, Deployments, StatefulSets and Argo Rollouts should run at least `prod-min-replicas` (default \
2, set in `[kubernetes]` of `octolint.toml`). When a HorizontalPodAutoscaler scales the workload, \
its `minReplicas` is what counts. The environment comes from the path (`prod`, `production`, \
`prd` in a directory or file name) or the namespace's suffix.",
    help: "raise `replicas` (or the HPA's `minReplicas`) to at least the prod minimum",
    fail_example: "# k8s/prod/api.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 1\n",
    pass_example: "# k8s/prod/api.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 3\n",
    security_severity: None,
    since: "0.1.0",
};

/// Deployments, StatefulSets and Rollouts.
pub fn is_scalable(o: &ObjectRef<'_>) -> bool {
    matches!(
        (o.obj.kind, o.obj.group()),
        ("Deployment" | "StatefulSet", "apps") | ("Rollout", "argoproj.io")
    )
}

/// The HPA in the object's namespace whose `scaleTargetRef` names it.
pub fn hpa_for<'r, 'a>(repo: &'r Repo<'a>, o: &ObjectRef<'a>) -> Option<&'r ObjectRef<'a>> {
    repo.of_kind("autoscaling", "HorizontalPodAutoscaler")
        .find(|h| {
            h.obj.namespace == o.obj.namespace
                && h.obj
                    .root
                    .path(&["spec", "scaleTargetRef", "kind"])
                    .and_then(Node::as_str)
                    == Some(o.obj.kind)
                && h.obj
                    .root
                    .path(&["spec", "scaleTargetRef", "name"])
                    .and_then(Node::as_str)
                    == o.obj.name
        })
}

impl Rule for ProdReplicas {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_repo(&self, repo: &Repo<'_>, ctx: &mut Ctx<'_>) {
        let min = ctx.options.prod_min_replicas;
        for o in repo
            .objects
            .iter()
            .filter(|o| o.obj.env == Some(Env::Prod) && is_scalable(o))
        {
            if let Some(h) = hpa_for(repo, o) {
                let node = h.obj.root.path(&["spec", "minReplicas"]);
                let value = node.map_or(Some(1), Node::as_i64);
                if let Some(v) = value
                    && v < min
                {
                    let span = node.map(|n| n.span).unwrap_or_else(|| h.obj.name_span());
                    let f = ctx.report_at(
                        h.path,
                        span,
                        Some(h.obj.logical_name()),
                        format!(
                            "prod HPA for {} allows {v} replica{} (minimum {min})",
                            o.obj.logical_name(),
                            if v == 1 { "" } else { "s" }
                        ),
                    );
                    f.related.push(
                        Location::new(o.path.clone(), Some(o.obj.name_span()))
                            .with_message("scaled workload"),
                    );
                }
                continue;
            }
            let node = o.obj.root.path(&["spec", "replicas"]);
            let Some(v) = node.map_or(Some(1), Node::as_i64) else {
                continue;
            };
            if v < min {
                let (span, how) = match node {
                    Some(n) => (
                        n.span,
                        format!("runs {v} replica{}", if v == 1 { "" } else { "s" }),
                    ),
                    None => (
                        o.obj.name_span(),
                        "sets no `replicas` (so runs 1)".to_string(),
                    ),
                };
                ctx.report_at(
                    o.path,
                    span,
                    Some(o.obj.logical_name()),
                    format!("prod {} {how} (minimum {min})", o.obj.logical_name()),
                );
            }
        }
    }
}
