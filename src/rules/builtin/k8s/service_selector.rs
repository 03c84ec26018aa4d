//! K8S028: a Service's selector matches no workload in its namespace (repo-wide).

use crate::diagnostics::Severity;
use crate::model::node::Node;
use crate::model::repo::{ObjectRef, Repo, selector_matches};

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
    o.obj.root.get("spec").is_some_and(|s| has_template(s, 2))
}
use crate::rules::{Ctx, Rule, RuleMeta};

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
no workload there, or when a custom resource there may create pods through an operator. \
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
            // Objects in the Service's scope: its namespace, and for objects without one,
            // the same directory.
            let scope: Vec<&ObjectRef<'_>> = repo
                .objects
                .iter()
                .filter(|o| {
                    o.obj.namespace == svc.obj.namespace
                        && (svc.obj.namespace.is_some() || o.dir() == svc.dir())
                })
                .collect();
            let workloads: Vec<&&ObjectRef<'_>> = scope
                .iter()
                .filter(|o| o.obj.pod_spec().is_some())
                .collect();
            // Pods made by operators from custom resources are not visible here: stay quiet.
            if workloads.is_empty() || scope.iter().any(|o| creates_pods(o)) {
                continue;
            }
            let matched = workloads
                .iter()
                .any(|o| selector_matches(sel, &o.obj.pod_labels()));
            if !matched {
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
