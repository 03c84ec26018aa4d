//! K8S002: a container image uses the `latest` tag or no tag at all.

use crate::diagnostics::RuleMeta;
use crate::diagnostics::Severity;
use crate::model::k8s::K8sObject;
use crate::rules::rule::{Ctx, Rule};

pub struct LatestImageTag;

static META: RuleMeta = RuleMeta {
    id: "K8S002",
    name: "latest-image-tag",
    severity: Severity::Warning,
    category: "kubernetes",
    tags: &["reliability", "supply-chain"],
    summary: "A container image uses the `latest` tag or no tag",
    explanation: "An image without a tag means `:latest`, and `latest` moves: two nodes can run \
different code under the same manifest, a rollback redeploys whatever is newest, and Git no longer \
records what runs. A pinned tag (better, a digest) makes the manifest say exactly what is deployed.",
    help: "pin the image to a version tag (`nginx:1.27.2`) or a digest (`nginx@sha256:…`)",
    fail_example: "spec:\n  containers:\n    - name: app\n      image: nginx:latest\n",
    pass_example: "spec:\n  containers:\n    - name: app\n      image: nginx:1.27.2\n",
    security_severity: None,
    since: "0.1.0",
};

/// What is wrong with an image reference's tag, if anything.
pub fn tag_problem(image: &str) -> Option<&'static str> {
    let image = image.trim();
    if image.is_empty() || image.contains("{{") || image.contains("${") || image.contains('$') {
        return None;
    }
    if image.contains('@') {
        return None; // pinned by digest
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.rsplit_once(':') {
        Some((_, "latest")) => Some("uses the `latest` tag"),
        Some((_, tag)) if !tag.is_empty() => None,
        _ => Some("has no tag, so it runs `latest`"),
    }
}

impl Rule for LatestImageTag {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_object(&self, obj: &K8sObject<'_>, ctx: &mut Ctx<'_>) {
        for c in obj.containers() {
            let Some(image_node) = c.node.get("image") else {
                continue;
            };
            let Some(image) = image_node.as_str() else {
                continue;
            };
            if let Some(problem) = tag_problem(image) {
                ctx.report(
                    image_node.span,
                    format!("image `{image}` of {} {problem}", c.display_name()),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::tag_problem;

    #[test]
    fn tags() {
        assert!(tag_problem("nginx").is_some());
        assert!(tag_problem("nginx:latest").is_some());
        assert!(tag_problem("registry:5000/team/app").is_some());
        assert!(tag_problem("registry:5000/team/app:1.2").is_none());
        assert!(tag_problem("nginx@sha256:abc").is_none());
        assert!(tag_problem("nginx:1.27").is_none());
        assert!(tag_problem("{{ .Values.image }}").is_none());
        assert!(tag_problem("${IMAGE}").is_none());
    }
}
