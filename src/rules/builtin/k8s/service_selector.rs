//! K8S028: a Service's selector matches no workload in its namespace (repo-wide).

use std::collections::HashMap;

use crate::diagnostics::Severity;
use crate::model::repo::{ObjectRef, Repo, selector_matches};
use crate::parse::node::Node;

/// A custom resource that looks like it makes pods (a `*template*` key near the top of its
/// spec), such as a LeaderWorkerSet or an operator's database cluster.
fn creates_pods(o: &ObjectRef<'_>) -> bool {
    let group = o.obj.group();
    let builtin = group.is_empty() || !group.contains('.') || group.ends_with(".k8s.io");
    if builtin {
        return false;
    }
    fn has_template(n: &Node, depth: usize) -> bool {
        n.as_map().is_some_and(|m| {
            m.iter().any(|(k, v)| {
                k.key_text()
                    .is_some_and(|t| t.to_ascii_lowercase().contains("template"))
                    || (depth > 0 && has_template(v, depth - 1))
            })
        })
    }
    // Operators' workload resources without a template key (the Prometheus operator's
    // `Prometheus` and `Alertmanager`, database clusters) say how many pods or which
    // containers to run at the top of their spec.
    const POD_KEYS: &[&str] = &["replicas", "instances", "containers", "podMetadata"];
    o.obj.root.get("spec").is_some_and(|s| {
        has_template(s, 2)
            || s.as_map().is_some_and(|m| {
                m.iter()
                    .any(|(k, _)| k.key_text().is_some_and(|t| POD_KEYS.contains(&t)))
            })
    })
}
use crate::diagnostics::RuleMeta;
use crate::rules::rule::{Ctx, Rule};

pub struct ServiceSelector;

static META: RuleMeta = RuleMeta {
    id: "K8S028",
    name: "service-selects-nothing",
    severity: Severity::Warning,
    category: "kubernetes",
    tags: &["reliability", "references"],
    summary: "A Service's selector matches the pods of no workload in its namespace",
    explanation: "A Service whose selector matches no pod has no endpoints: every request to it \
fails, usually because a label was renamed on one side only. The rule compares the selector with \
the pod template labels of every workload the repository deploys into the same namespace (for \
objects without a namespace, in the same directory). It stays quiet when the repository deploys \
no workload there, or when a custom resource there may create pods through an operator (a \
`*template*` key near the top of its spec, or `replicas`, `instances`, `containers` or \
`podMetadata` in it, like the Prometheus operator's `Prometheus` and `Alertmanager`). \
Services without a selector (external endpoints) are skipped, and the rule is off with \
`[kubernetes] check-references = false`.",
    help: "make the Service's `spec.selector` match the workload's pod template labels (or fix the labels)",
    fail_example: "kind: Service\nspec:\n  selector: {app: web}\n---\nkind: Deployment\nspec:\n  template:\n    metadata:\n      labels: {app: frontend}\n",
    pass_example: "kind: Service\nspec:\n  selector: {app: web}\n---\nkind: Deployment\nspec:\n  template:\n    metadata:\n      labels: {app: web, tier: frontend}\n",
    security_severity: None,
    since: "0.1.0",
};

impl Rule for ServiceSelector {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_repo(&self, repo: &Repo<'_>, ctx: &mut Ctx<'_>) {
        if !ctx.options.check_references {
            return;
        }
        // Per scope (namespace, or directory for objects without one): the pod labels of its
        // workloads, or None when the scope cannot be judged.
        type Scope<'a> = Option<Vec<Vec<(&'a str, &'a str)>>>;
        let mut scopes: HashMap<(Option<&str>, &str), Scope<'_>> = HashMap::new();
        for svc in repo.of_kind("", "Service") {
            let Some((key, sel)) = svc.obj.root.get("spec").and_then(|s| s.entry("selector"))
            else {
                continue;
            };
            if sel.as_map().is_none_or(<[_]>::is_empty) {
                continue;
            }
            let templated = sel.as_map().unwrap_or(&[]).iter().any(|(_, v)| {
                v.key_text()
                    .is_none_or(|t| t.contains("{{") || t.contains('$'))
            });
            if templated {
                continue;
            }
            let ns = svc.obj.namespace;
            let dir = if ns.is_some() { "" } else { svc.dir() };
            let scope = scopes.entry((ns, dir)).or_insert_with(|| {
                let members: Vec<&ObjectRef<'_>> = repo
                    .in_namespace(ns)
                    .filter(|o| ns.is_some() || o.dir() == dir)
                    .collect();
                // Pods made by operators from custom resources are not visible here.
                if members.iter().any(|o| creates_pods(o)) {
                    return None;
                }
                let labels: Vec<_> = members
                    .iter()
                    .filter(|o| o.obj.pod_spec().is_some())
                    .map(|o| o.obj.pod_labels())
                    .collect();
                (!labels.is_empty()).then_some(labels)
            });
            let Some(workloads) = scope else { continue };
            if !workloads.iter().any(|l| selector_matches(sel, l)) {
                ctx.report_at(
                    svc.path,
                    key.span,
                    Some(svc.obj.logical_name()),
                    format!(
                        "the selector of {} matches no workload in its namespace",
                        svc.obj.logical_name()
                    ),
                );
            }
        }
    }
}
