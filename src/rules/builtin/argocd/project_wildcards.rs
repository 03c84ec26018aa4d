//! ARGO002: an AppProject allows any source repository, any destination or any cluster
//! resource (`*`).

use crate::diagnostics::RuleMeta;
use crate::diagnostics::Severity;
use crate::model::k8s::K8sObject;
use crate::parse::node::Node;
use crate::rules::rule::{Ctx, Rule};

pub struct ProjectWildcards;

static META: RuleMeta = RuleMeta {
    id: "ARGO002",
    name: "appproject-wildcard",
    severity: Severity::Warning,
    category: "argocd",
    tags: &["security", "multi-tenancy"],
    summary: "An AppProject allows every source repository, destination or cluster resource (`*`)",
    explanation: "An AppProject is the boundary between teams in Argo CD. `sourceRepos: ['*']` \
lets its Applications deploy from any repository; a destination with `*` as server or namespace \
lets them deploy anywhere; `clusterResourceWhitelist` with `group: '*'` and `kind: '*'` lets them \
create any cluster-scoped object (ClusterRoles, webhooks, CRDs). A project with wildcards is the \
`default` project under another name.",
    help: "list the repositories, destination namespaces/servers and cluster resource kinds the project really needs",
    fail_example: "kind: AppProject\nspec:\n  sourceRepos: ['*']\n  destinations:\n    - server: '*'\n      namespace: '*'\n",
    pass_example: "kind: AppProject\nspec:\n  sourceRepos: [https://github.com/acme/payments.git]\n  destinations:\n    - server: https://kubernetes.default.svc\n      namespace: payments\n",
    security_severity: Some("5.0"),
    since: "0.1.0",
};

fn is_star(n: Option<&Node>) -> bool {
    n.and_then(Node::as_str) == Some("*")
}

impl Rule for ProjectWildcards {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_object(&self, obj: &K8sObject<'_>, ctx: &mut Ctx<'_>) {
        if obj.kind != "AppProject" || obj.group() != "argoproj.io" {
            return;
        }
        let Some(spec) = obj.root.get("spec") else {
            return;
        };
        let name = obj.logical_name();
        for r in spec.get("sourceRepos").into_iter().flat_map(Node::items) {
            if r.as_str() == Some("*") {
                ctx.report(r.span, format!("{name} allows every source repository"));
            }
        }
        for d in spec.get("destinations").into_iter().flat_map(Node::items) {
            for key in ["server", "name", "namespace"] {
                if let Some((k, v)) = d.entry(key)
                    && v.as_str() == Some("*")
                {
                    let what = if key == "namespace" {
                        "namespace"
                    } else {
                        "cluster"
                    };
                    ctx.report(
                        k.span.cover(v.span),
                        format!("{name} allows deploying to any {what}"),
                    );
                }
            }
        }
        for c in spec
            .get("clusterResourceWhitelist")
            .into_iter()
            .flat_map(Node::items)
        {
            if is_star(c.get("group")) && is_star(c.get("kind")) {
                ctx.report(
                    c.span,
                    format!("{name} allows every cluster-scoped resource"),
                );
            }
        }
    }
}
