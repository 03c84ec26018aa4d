//! K8S025: a multi-replica prod workload has no PodDisruptionBudget (repo-wide).

use crate::config::env::Env;
use crate::diagnostics::RuleMeta;
use crate::diagnostics::Severity;
use crate::model::repo::{Repo, selector_matches};
use crate::parse::node::Node;
use crate::rules::builtin::k8s::prod_replicas::{hpa_for, is_scalable};
use crate::rules::rule::{Ctx, Rule};

pub struct ProdPdb;

static META: RuleMeta = RuleMeta {
    id: "K8S025",
    name: "prod-missing-pdb",
    severity: Severity::Warning,
    category: "kubernetes",
    tags: &["reliability", "environment"],
    summary: "A multi-replica prod workload has no PodDisruptionBudget",
    explanation: "Node upgrades and autoscaler scale-downs evict pods. Without a \
PodDisruptionBudget nothing stops them from evicting every replica of a service at once, so \
running several replicas does not by itself keep it up. A PDB in the workload's namespace whose \
`selector.matchLabels` match its pod labels tells the cluster how many may go at a time. A \
workload counts as multi-replica when its `replicas` (or its HPA's `minReplicas`) is 2 or more.",
    help: "add a PodDisruptionBudget in the namespace with `selector.matchLabels` matching the pod labels and `maxUnavailable: 1` (or a `minAvailable`)",
    fail_example: "# k8s/prod/api.yaml: a Deployment with replicas: 3 and no PodDisruptionBudget\n",
    pass_example: "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: api\n  namespace: payments\nspec:\n  maxUnavailable: 1\n  selector:\n    matchLabels: {app: api}\n",
    security_severity: None,
    since: "0.1.0",
};

impl Rule for ProdPdb {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_repo(&self, repo: &Repo<'_>, ctx: &mut Ctx<'_>) {
        for o in repo
            .objects
            .iter()
            .filter(|o| o.obj.env == Some(Env::Prod) && is_scalable(o))
        {
            let replicas = match hpa_for(repo, o) {
                Some(h) => h
                    .obj
                    .root
                    .path(&["spec", "minReplicas"])
                    .map_or(Some(1), Node::as_i64),
                None => o
                    .obj
                    .root
                    .path(&["spec", "replicas"])
                    .and_then(Node::as_i64),
            };
            if replicas.is_none_or(|r| r < 2) {
                continue;
            }
            let labels = o.obj.pod_labels();
            let covered = repo.in_namespace(o.obj.namespace).any(|p| {
                let sel = p.obj.root.path(&["spec", "selector"]);
                p.obj.kind == "PodDisruptionBudget"
                    && p.obj.group() == "policy"
                    && (sel
                        .and_then(|s| s.get("matchLabels"))
                        .is_some_and(|m| selector_matches(m, &labels))
                        // Expression selectors are not evaluated: never a false alarm.
                        || sel.is_some_and(|s| s.get("matchExpressions").is_some()))
            });
            if !covered {
                ctx.report_at(
                    o.path,
                    o.obj.name_span(),
                    Some(o.obj.logical_name()),
                    format!("prod {} has no PodDisruptionBudget", o.obj.logical_name()),
                );
            }
        }
    }
}
