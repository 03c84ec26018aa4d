//! K8S005: a namespace declared in the repository has no ResourceQuota that bounds CPU and
//! memory requests and limits (repo-wide).
//!
//! The same namespace name often appears once per environment (`k8s/dev/…`, `k8s/prod/…`,
//! separate clusters). A ResourceQuota counts for the declaration of its namespace that is
//! nearest to it in the directory tree, so a quota in dev never hides a missing one in prod.

use crate::diagnostics::RuleMeta;
use crate::diagnostics::{Location, Severity};
use crate::model::repo::Repo;
use crate::parse::node::Node;
use crate::rules::rule::{Ctx, Rule};

use super::namespace_report::{exempt, message, namespace_rules_doc, shadowed_by_build};

pub struct NamespaceQuota;

static META: RuleMeta = RuleMeta {
    id: "K8S005",
    name: "namespace-without-quota",
    severity: Severity::Warning,
    category: "kubernetes",
    tags: &["capacity", "multi-tenancy"],
    summary: "A namespace has no ResourceQuota bounding CPU and memory requests and limits",
    explanation: concat!(
        "Without a ResourceQuota one team's runaway HPA or a leaking batch job can claim \
the whole cluster. A quota on `requests.cpu`, `requests.memory`, `limits.cpu` and `limits.memory` \
caps what a namespace can take, and makes the API server refuse pods that declare no resources.\n\n\
The rule looks at every Namespace the repository declares (namespaces it only deploys into, such \
as `kube-system`, are someone else's, unless listed in `[kubernetes] namespaces`). A quota counts when its `metadata.namespace` (or the \
`namespace:` of the kustomization that lists it) names the namespace, and it is the declaration \
nearest to the quota in the directory tree: with `k8s/dev/` and `k8s/prod/` both declaring \
`payments`, a quota under `k8s/dev/` says nothing about prod.",
        namespace_rules_doc!()
    ),
    help: "add a ResourceQuota in the namespace whose `spec.hard` sets `requests.cpu`, `requests.memory`, `limits.cpu` and `limits.memory`",
    fail_example: "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: payments\n",
    pass_example: "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: payments\n---\napiVersion: v1\nkind: ResourceQuota\nmetadata:\n  name: payments\n  namespace: payments\nspec:\n  hard:\n    requests.cpu: \"8\"\n    requests.memory: 16Gi\n    limits.cpu: \"16\"\n    limits.memory: 32Gi\n",
    security_severity: None,
    since: "0.1.0",
};

/// The four bounds a quota must set, with the short forms the API accepts.
const BOUNDS: &[(&str, &[&str])] = &[
    ("requests.cpu", &["requests.cpu", "cpu"]),
    ("requests.memory", &["requests.memory", "memory"]),
    ("limits.cpu", &["limits.cpu"]),
    ("limits.memory", &["limits.memory"]),
];

fn sets(hard: Option<&Node>, keys: &[&str]) -> bool {
    hard.is_some_and(|h| keys.iter().any(|k| h.get(k).is_some_and(|v| !v.is_null())))
}

impl Rule for NamespaceQuota {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_repo(&self, repo: &Repo<'_>, ctx: &mut Ctx<'_>) {
        let scope = repo.namespace_scope("", "ResourceQuota", &ctx.options.namespaces);
        for (i, ((ns, name), quotas)) in scope
            .namespaces
            .iter()
            .zip(&scope.names)
            .zip(&scope.members)
            .enumerate()
        {
            if exempt(ctx.options, name) || shadowed_by_build(repo, &scope, i) {
                continue;
            }
            let missing: Vec<&str> = BOUNDS
                .iter()
                .filter(|(_, keys)| {
                    !quotas
                        .iter()
                        .any(|q| sets(q.obj.root.path(&["spec", "hard"]), keys))
                })
                .map(|(label, _)| *label)
                .collect();
            if missing.is_empty() {
                continue;
            }
            let message = if quotas.is_empty() {
                message(name, "no ResourceQuota")
            } else {
                let bounds = missing
                    .iter()
                    .map(|m| format!("`{m}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                message(
                    name,
                    &format!("a ResourceQuota that does not bound {bounds}"),
                )
            };
            let f = ctx.report_at(
                ns.path,
                scope.anchor_span(ns, name),
                Some(format!("Namespace/{name}")),
                message,
            );
            for q in quotas {
                let span = q
                    .obj
                    .root
                    .path(&["spec", "hard"])
                    .map(|h| h.span)
                    .unwrap_or(q.obj.name_span());
                f.related.push(
                    Location::new(q.path.clone(), Some(span))
                        .with_message(format!("ResourceQuota `{}`", q.obj.name.unwrap_or("?"))),
                );
            }
        }
    }
}
