//! K8S004: a pod shares the node's network, PID or IPC namespace.

use crate::diagnostics::RuleMeta;
use crate::diagnostics::Severity;
use crate::model::k8s::K8sObject;
use crate::rules::rule::{Ctx, Rule};

pub struct HostNamespaces;

static META: RuleMeta = RuleMeta {
    id: "K8S004",
    name: "host-namespace-shared",
    severity: Severity::Error,
    category: "kubernetes",
    tags: &["security", "pod-security"],
    summary: "A pod shares the node's network, PID or IPC namespace",
    explanation: "`hostNetwork`, `hostPID` and `hostIPC` remove the isolation between the pod and \
the node: the pod can sniff or bind the node's interfaces, see and signal every process, or read \
shared memory of other workloads. The Pod Security Standards forbid them from the baseline \
profile up.",
    help: "remove `hostNetwork`/`hostPID`/`hostIPC` (or set them to `false`); expose ports through a Service instead",
    fail_example: "spec:\n  hostNetwork: true\n  containers:\n    - name: app\n      image: nginx:1.27\n",
    pass_example: "spec:\n  hostNetwork: false\n  containers:\n    - name: app\n      image: nginx:1.27\n",
    security_severity: Some("8.0"),
    since: "0.1.0",
};

impl Rule for HostNamespaces {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_object(&self, obj: &K8sObject<'_>, ctx: &mut Ctx<'_>) {
        let Some(pod) = obj.pod_spec() else { return };
        for (key, what) in [
            ("hostNetwork", "network"),
            ("hostPID", "process (PID)"),
            ("hostIPC", "IPC"),
        ] {
            if let Some(v) = pod.get(key)
                && v.as_bool() == Some(true)
            {
                ctx.report(
                    v.span,
                    format!(
                        "{} shares the node's {what} namespace (`{key}: true`)",
                        obj.logical_name()
                    ),
                );
            }
        }
    }
}
