//! K8S020: an image comes from a registry outside the configured allow-list.

use crate::diagnostics::RuleMeta;
use crate::diagnostics::Severity;
use crate::model::k8s::K8sObject;
use crate::rules::rule::{Ctx, Rule};

pub struct ImageRegistry;

static META: RuleMeta = RuleMeta {
    id: "K8S020",
    name: "image-registry-not-allowed",
    severity: Severity::Error,
    category: "kubernetes",
    tags: &["security", "supply-chain"],
    summary: "A container image comes from a registry outside `[kubernetes] allowed-registries`",
    explanation: "Platform teams mirror and scan images in their own registries; an image pulled \
straight from a public registry skips that scan, can disappear or change, and can be rate-limited \
in the middle of an incident. This rule runs only when `octolint.toml` lists the allowed \
registries (prefixes such as `registry.example.com/` or `ghcr.io/acme/`). An image without a \
registry host comes from Docker Hub (`docker.io/library/...`).",
    help: "mirror the image into an allowed registry and reference it there, or add the registry to `[kubernetes] allowed-registries`",
    fail_example: "# octolint.toml: [kubernetes] allowed-registries = [\"registry.example.com/\"]\ncontainers:\n  - name: web\n    image: nginx:1.27.2\n",
    pass_example: "containers:\n  - name: web\n    image: registry.example.com/mirror/nginx:1.27.2\n",
    security_severity: Some("5.0"),
    since: "0.1.0",
};

/// The fully qualified reference: Docker Hub names get their implicit host.
pub fn qualified(image: &str) -> String {
    let first = image.split('/').next().unwrap_or("");
    let has_host =
        image.contains('/') && (first.contains('.') || first.contains(':') || first == "localhost");
    if has_host {
        image.to_string()
    } else if image.contains('/') {
        format!("docker.io/{image}")
    } else {
        format!("docker.io/library/{image}")
    }
}

impl Rule for ImageRegistry {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_object(&self, obj: &K8sObject<'_>, ctx: &mut Ctx<'_>) {
        if ctx.options.allowed_registries.is_empty() {
            return;
        }
        for c in obj.containers() {
            let Some(node) = c.node.get("image") else {
                continue;
            };
            let Some(image) = node.as_str() else { continue };
            if image.contains("{{") || image.contains('$') || image.trim().is_empty() {
                continue;
            }
            let q = qualified(image.trim());
            let allowed = ctx.options.allowed_registries.iter().any(|r| {
                let r = r.trim_end_matches('/');
                q == r || q.starts_with(&format!("{r}/"))
            });
            if !allowed {
                ctx.report(
                    node.span,
                    format!(
                        "image `{image}` of {} is not from an allowed registry",
                        c.display_name()
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::qualified;

    #[test]
    fn qualifies_docker_hub_names() {
        assert_eq!(qualified("nginx:1"), "docker.io/library/nginx:1");
        assert_eq!(qualified("bitnami/redis:7"), "docker.io/bitnami/redis:7");
        assert_eq!(qualified("ghcr.io/acme/app:1"), "ghcr.io/acme/app:1");
        assert_eq!(qualified("localhost:5000/app"), "localhost:5000/app");
    }
}
