//! K8S007: a namespace declared in the repository has no default-deny NetworkPolicy for
//! ingress and egress (repo-wide).
//!
//! A policy counts only in its own namespace (the peers' mistake is to let one empty-selector
//! policy anywhere pass every namespace), only when it selects every pod (`podSelector: {}`),
//! and only for the directions it denies: a direction listed in `policyTypes` with no rules.

use crate::diagnostics::RuleMeta;
use crate::diagnostics::{Location, Severity};
use crate::model::repo::{ObjectRef, Repo};
use crate::parse::node::Node;
use crate::rules::rule::{Ctx, Rule};

use super::namespace_report::{exempt, message, namespace_rules_doc, shadowed_by_build};

pub struct NamespaceDefaultDeny;

static META: RuleMeta = RuleMeta {
    id: "K8S007",
    name: "namespace-without-default-deny",
    severity: Severity::Warning,
    category: "kubernetes",
    tags: &["security", "network", "multi-tenancy"],
    summary: "A namespace has no default-deny NetworkPolicy for ingress and egress",
    explanation: concat!(
        "Kubernetes lets every pod talk to every other pod, in every namespace, until a \
NetworkPolicy selects it. A default-deny policy (`podSelector: {}` with `policyTypes: [Ingress, \
Egress]` and no rules) turns that into deny-by-default, so that every allowed flow is written \
down in an allow policy beside it. A compromised pod then cannot reach the database of another \
team or exfiltrate data to the internet.\n\n\
The policy must be in the namespace itself; a policy that selects only some pods does not count; \
an ingress-only (or egress-only) default-deny counts only for that direction, and the finding says \
which direction is missing.",
        namespace_rules_doc!()
    ),
    help: "add a NetworkPolicy in the namespace with `podSelector: {}`, `policyTypes: [Ingress, Egress]` and no `ingress`/`egress` rules, then allow the flows you need in separate policies",
    fail_example: "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: payments\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: deny-ingress\n  namespace: payments\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]\n",
    pass_example: "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: payments\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny\n  namespace: payments\nspec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress]\n",
    security_severity: Some("5.0"),
    since: "0.1.0",
};

/// Does this policy deny all traffic in `direction` (`Ingress`/`Egress`) for every pod?
fn denies(policy: &ObjectRef<'_>, direction: &str) -> bool {
    let Some(spec) = policy.obj.root.get("spec") else {
        return false;
    };
    let selects_all = spec.get("podSelector").is_some_and(|s| {
        s.is_null()
            || s.as_map().is_some_and(|m| {
                m.iter().all(|(_, v)| {
                    v.is_null()
                        || v.as_map().is_some_and(<[_]>::is_empty)
                        || v.as_seq().is_some_and(<[_]>::is_empty)
                })
            })
    });
    if !selects_all {
        return false;
    }
    let rules_key = if direction == "Ingress" {
        "ingress"
    } else {
        "egress"
    };
    let types: Vec<&str> = spec
        .get("policyTypes")
        .into_iter()
        .flat_map(Node::items)
        .filter_map(Node::as_str)
        .collect();
    let applies = if types.is_empty() {
        // Without policyTypes: Ingress always, Egress only when egress rules are present.
        direction == "Ingress"
    } else {
        types.contains(&direction)
    };
    let no_rules = spec
        .get(rules_key)
        .is_none_or(|r| r.is_null() || r.as_seq().is_some_and(<[_]>::is_empty));
    applies && no_rules
}

impl Rule for NamespaceDefaultDeny {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_repo(&self, repo: &Repo<'_>, ctx: &mut Ctx<'_>) {
        let scope = repo.namespace_scope(
            "networking.k8s.io",
            "NetworkPolicy",
            &ctx.options.namespaces,
        );
        for (i, ((ns, name), policies)) in scope
            .namespaces
            .iter()
            .zip(&scope.names)
            .zip(&scope.members)
            .enumerate()
        {
            if exempt(ctx.options, name) || shadowed_by_build(repo, &scope, i) {
                continue;
            }
            let missing: Vec<&str> = ["Ingress", "Egress"]
                .into_iter()
                .filter(|d| !policies.iter().any(|p| denies(p, d)))
                .collect();
            if missing.is_empty() {
                continue;
            }
            let message = match missing.as_slice() {
                [one] => message(
                    name,
                    &format!(
                        "no default-deny NetworkPolicy for {} traffic",
                        one.to_lowercase()
                    ),
                ),
                _ => message(name, "no default-deny NetworkPolicy"),
            };
            let f = ctx.report_at(
                ns.path,
                scope.anchor_span(ns, name),
                Some(format!("Namespace/{name}")),
                message,
            );
            for p in policies {
                f.related.push(
                    Location::new(p.path.clone(), Some(p.obj.name_span()))
                        .with_message(format!("NetworkPolicy `{}`", p.obj.name.unwrap_or("?"))),
                );
            }
        }
    }
}
