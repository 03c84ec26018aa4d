//! K8S008: a pod mounts a hostPath volume.

use crate::diagnostics::RuleMeta;
use crate::diagnostics::Severity;
use crate::model::k8s::K8sObject;
use crate::parse::node::Node;
use crate::rules::rule::{Ctx, Rule};

pub struct HostPath;

static META: RuleMeta = RuleMeta {
    id: "K8S008",
    name: "host-path-volume",
    severity: Severity::Error,
    category: "kubernetes",
    tags: &["security", "pod-security"],
    summary: "A pod mounts a directory of the node (hostPath volume)",
    explanation: "A hostPath volume gives the pod the node's files: `/var/run/docker.sock` or \
`/var/lib/kubelet` mean control of the node, `/etc` means its credentials. The Pod Security \
Standards forbid hostPath volumes from the baseline profile up.",
    help: "use an emptyDir, a ConfigMap/Secret, or a PersistentVolumeClaim instead; node agents that truly need host files belong in a dedicated, labelled namespace with a reasoned suppression",
    fail_example: "spec:\n  volumes:\n    - name: docker\n      hostPath:\n        path: /var/run/docker.sock\n",
    pass_example: "spec:\n  volumes:\n    - name: cache\n      emptyDir: {}\n",
    security_severity: Some("8.0"),
    since: "0.1.0",
};

impl Rule for HostPath {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_object(&self, obj: &K8sObject<'_>, ctx: &mut Ctx<'_>) {
        let Some(pod) = obj.pod_spec() else { return };
        for vol in pod.get("volumes").into_iter().flat_map(Node::items) {
            let Some((key, hp)) = vol.entry("hostPath") else {
                continue;
            };
            if hp.is_null() {
                continue;
            }
            let path = hp.get("path").and_then(Node::as_str).unwrap_or("?");
            let name = vol.get("name").and_then(Node::as_str).unwrap_or("?");
            ctx.report(
                key.span
                    .cover(hp.get("path").map(|p| p.span).unwrap_or(key.span)),
                format!(
                    "volume `{name}` of {} mounts the node's `{path}`",
                    obj.logical_name()
                ),
            );
        }
    }
}
