//! ARGO005: an Application deploys into a namespace the repository does not declare and that
//! Argo CD is not told to create (repo-wide).

use std::collections::BTreeSet;

use super::app_spec;
use crate::diagnostics::RuleMeta;
use crate::diagnostics::Severity;
use crate::model::repo::Repo;
use crate::parse::node::Node;
use crate::rules::rule::{Ctx, Rule};

pub struct DestinationNamespace;

static META: RuleMeta = RuleMeta {
    id: "ARGO005",
    name: "argocd-undeclared-namespace",
    severity: Severity::Warning,
    category: "argocd",
    tags: &["reliability", "references"],
    summary: "An Application deploys into a namespace the repository neither declares nor creates",
    explanation: "If the destination namespace does not exist, the sync fails for every \
namespaced object. A GitOps repository should declare the Namespace (with its quota, limits and \
network policies) or tell Argo CD to create it (`syncOptions: [CreateNamespace=true]`). \
`default`, `kube-system`, `kube-public`, `kube-node-lease` and `argocd` are assumed to exist.",
    help: "add a Namespace manifest for it (with its ResourceQuota, LimitRange and default-deny NetworkPolicy), or add `CreateNamespace=true` to `syncPolicy.syncOptions`",
    fail_example: "spec:\n  destination:\n    namespace: payments\n",
    pass_example: "spec:\n  destination:\n    namespace: payments\n  syncPolicy:\n    syncOptions: [CreateNamespace=true]\n",
    security_severity: None,
    since: "0.1.0",
};

const ALWAYS: &[&str] = &[
    "default",
    "kube-system",
    "kube-public",
    "kube-node-lease",
    "argocd",
];

impl Rule for DestinationNamespace {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_repo(&self, repo: &Repo<'_>, ctx: &mut Ctx<'_>) {
        let declared: BTreeSet<&str> = repo
            .of_kind("", "Namespace")
            .filter_map(|n| n.obj.name)
            .collect();
        for o in &repo.objects {
            let Some(spec) = app_spec(&o.obj) else {
                continue;
            };
            let Some(ns_node) = spec.path(&["destination", "namespace"]) else {
                continue;
            };
            let Some(ns) = ns_node.as_str() else { continue };
            if ns.is_empty() || ns.contains("{{") || ALWAYS.contains(&ns) || declared.contains(ns) {
                continue;
            }
            let creates = spec
                .path(&["syncPolicy", "syncOptions"])
                .into_iter()
                .flat_map(Node::items)
                .any(|s| {
                    s.as_str()
                        .is_some_and(|t| t.replace(' ', "") == "CreateNamespace=true")
                });
            if !creates {
                ctx.report_at(
                    o.path,
                    ns_node.span,
                    Some(o.obj.logical_name()),
                    format!(
                        "{} deploys into namespace `{ns}`, which the repository does not declare",
                        o.obj.logical_name()
                    ),
                );
            }
        }
    }
}
