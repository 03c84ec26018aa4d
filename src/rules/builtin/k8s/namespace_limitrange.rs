//! K8S006: a namespace declared in the repository has no LimitRange (repo-wide).

use crate::diagnostics::RuleMeta;
use crate::diagnostics::Severity;
use crate::model::repo::Repo;
use crate::rules::rule::{Ctx, Rule};

use super::namespace_report::{exempt, message, namespace_rules_doc, shadowed_by_build};

pub struct NamespaceLimitRange;

static META: RuleMeta = RuleMeta {
    id: "K8S006",
    name: "namespace-without-limitrange",
    severity: Severity::Warning,
    category: "kubernetes",
    tags: &["capacity", "multi-tenancy"],
    summary: "A namespace has no LimitRange giving containers default requests and limits",
    explanation: concat!(
        "A LimitRange gives every container that declares no resources a default request \
and limit, and can cap what one container may ask for. Without it, one manifest that forgets \
`resources` runs unbounded (or, under a ResourceQuota, is refused by the API server). Like the \
quota rule, a LimitRange counts for the declaration of its namespace nearest to it in the directory \
tree, so each environment needs its own.",
        namespace_rules_doc!()
    ),
    help: "add a LimitRange in the namespace with `type: Container` limits that set `default` and `defaultRequest` for cpu and memory",
    fail_example: "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: payments\n",
    pass_example: "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: payments\n---\napiVersion: v1\nkind: LimitRange\nmetadata:\n  name: defaults\n  namespace: payments\nspec:\n  limits:\n    - type: Container\n      default: {cpu: 500m, memory: 256Mi}\n      defaultRequest: {cpu: 100m, memory: 128Mi}\n",
    security_severity: None,
    since: "0.1.0",
};

impl Rule for NamespaceLimitRange {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_repo(&self, repo: &Repo<'_>, ctx: &mut Ctx<'_>) {
        let scope = repo.namespace_scope("", "LimitRange", &ctx.options.namespaces);
        for (i, ((ns, name), ranges)) in scope
            .namespaces
            .iter()
            .zip(&scope.names)
            .zip(&scope.members)
            .enumerate()
        {
            if exempt(ctx.options, name) || shadowed_by_build(repo, &scope, i) {
                continue;
            }
            let has_limits = ranges.iter().any(|r| {
                r.obj
                    .root
                    .path(&["spec", "limits"])
                    .is_some_and(|l| l.items().next().is_some())
            });
            if has_limits {
                continue;
            }
            let message = if ranges.is_empty() {
                message(name, "no LimitRange")
            } else {
                message(name, "a LimitRange that sets no limits")
            };
            ctx.report_at(
                ns.path,
                scope.anchor_span(ns, name),
                Some(format!("Namespace/{name}")),
                message,
            );
        }
    }
}
