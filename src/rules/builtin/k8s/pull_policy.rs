//! K8S021: a moving image tag with `imagePullPolicy: IfNotPresent` or `Never`.

use crate::diagnostics::RuleMeta;
use crate::diagnostics::Severity;
use crate::model::k8s::K8sObject;
use crate::rules::builtin::k8s::latest_image_tag::tag_problem;
use crate::rules::rule::{Ctx, Rule};

pub struct PullPolicy;

static META: RuleMeta = RuleMeta {
    id: "K8S021",
    name: "stale-image-pull-policy",
    severity: Severity::Warning,
    category: "kubernetes",
    tags: &["reliability"],
    summary: "A `latest` or untagged image is pulled with `IfNotPresent` or `Never`",
    explanation: "`latest` moves, but `imagePullPolicy: IfNotPresent` (or `Never`) tells the \
kubelet to reuse whatever copy the node already has: nodes end up running different builds of \
the same manifest, depending on when each first pulled it. Either pin the image (then \
`IfNotPresent` is right) or let the policy default to `Always` for a moving tag.",
    help: "pin the image to a version or digest; otherwise remove `imagePullPolicy` (it defaults to `Always` for `latest`)",
    fail_example: "containers:\n  - name: web\n    image: nginx:latest\n    imagePullPolicy: IfNotPresent\n",
    pass_example: "containers:\n  - name: web\n    image: nginx:1.27.2\n    imagePullPolicy: IfNotPresent\n",
    security_severity: None,
    since: "0.1.0",
};

impl Rule for PullPolicy {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_object(&self, obj: &K8sObject<'_>, ctx: &mut Ctx<'_>) {
        for c in obj.containers() {
            let Some(policy) = c.node.get("imagePullPolicy") else {
                continue;
            };
            let Some(p @ ("IfNotPresent" | "Never")) = policy.as_str() else {
                continue;
            };
            let Some(image) = c.node.get("image").and_then(|n| n.as_str()) else {
                continue;
            };
            if tag_problem(image).is_some() {
                ctx.report(
                    policy.span,
                    format!(
                        "{} of {} pulls moving image `{image}` with `{p}`",
                        c.display_name(),
                        obj.logical_name()
                    ),
                );
            }
        }
    }
}
