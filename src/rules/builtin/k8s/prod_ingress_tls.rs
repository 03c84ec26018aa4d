//! K8S029: a prod Ingress serves plain HTTP (no `spec.tls`).

use crate::config::env::Env;
use crate::diagnostics::RuleMeta;
use crate::diagnostics::Severity;
use crate::model::k8s::K8sObject;
use crate::rules::rule::{Ctx, Rule};

pub struct ProdIngressTls;

static META: RuleMeta = RuleMeta {
    id: "K8S029",
    name: "prod-ingress-without-tls",
    severity: Severity::Warning,
    category: "kubernetes",
    tags: &["security", "network", "environment"],
    summary: "A prod Ingress has no TLS section, so it serves plain HTTP",
    explanation: "Without `spec.tls` the ingress controller serves the hosts over plain HTTP: \
cookies, tokens and personal data cross the internet readable and modifiable by anyone on the \
path. A cert-manager annotation alone does not enable TLS; the Ingress must list its hosts under \
`tls` with a `secretName`. Checked for prod Ingresses (environment from the path or the \
namespace suffix).",
    help: "add `spec.tls` with the Ingress's hosts and a `secretName` (cert-manager fills it when the issuer annotation is set)",
    fail_example: "# k8s/prod/web-ingress.yaml\nkind: Ingress\nspec:\n  rules:\n    - host: shop.example.com\n",
    pass_example: "# k8s/prod/web-ingress.yaml\nkind: Ingress\nspec:\n  tls:\n    - hosts: [shop.example.com]\n      secretName: shop-tls\n  rules:\n    - host: shop.example.com\n",
    security_severity: Some("5.0"),
    since: "0.1.0",
};

impl Rule for ProdIngressTls {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_object(&self, obj: &K8sObject<'_>, ctx: &mut Ctx<'_>) {
        if obj.kind != "Ingress"
            || !matches!(obj.group(), "networking.k8s.io" | "extensions")
            || obj.env != Some(Env::Prod)
            || obj.partial
        {
            return;
        }
        let Some(spec) = obj.root.get("spec").filter(|s| s.as_map().is_some()) else {
            return;
        };
        let has_tls = spec.get("tls").is_some_and(|t| t.items().next().is_some());
        if !has_tls {
            let span = spec
                .entry("rules")
                .map(|(k, _)| k.span)
                .unwrap_or_else(|| obj.name_span());
            ctx.report(
                span,
                format!("prod {} has no TLS section", obj.logical_name()),
            );
        }
    }
}
