//! K8S023: a workload runs as the `default` service account with its API token mounted.

use crate::diagnostics::RuleMeta;
use crate::diagnostics::Severity;
use crate::model::k8s::K8sObject;
use crate::parse::node::Node;
use crate::rules::rule::{Ctx, Rule};

pub struct DefaultServiceAccount;

static META: RuleMeta = RuleMeta {
    id: "K8S023",
    name: "default-service-account-token",
    severity: Severity::Warning,
    category: "kubernetes",
    tags: &["security", "rbac"],
    summary: "A pod runs as the `default` service account with its API token mounted",
    explanation: "Every pod gets a Kubernetes API token unless told otherwise. A pod that uses \
the namespace's `default` service account almost never needs the API, yet a process that is \
compromised can use the mounted token — and any permission someone once granted to `default` \
applies to every such pod. Give workloads that call the API their own service account, and turn \
the token off for the rest.",
    help: "set `automountServiceAccountToken: false` on the pod, or run it as a dedicated ServiceAccount that grants only what it needs",
    fail_example: "spec:\n  containers:\n    - name: web\n      image: example/web:1.0.0\n",
    pass_example: "spec:\n  serviceAccountName: web\n  automountServiceAccountToken: false\n  containers:\n    - name: web\n      image: example/web:1.0.0\n",
    security_severity: Some("4.0"),
    since: "0.1.0",
};

impl Rule for DefaultServiceAccount {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_object(&self, obj: &K8sObject<'_>, ctx: &mut Ctx<'_>) {
        if obj.partial {
            return;
        }
        let Some(pod) = obj.pod_spec() else { return };
        let sa = pod
            .get("serviceAccountName")
            .or_else(|| pod.get("serviceAccount"));
        let uses_default = sa.is_none_or(|n| n.is_null() || n.as_str() == Some("default"));
        let token_off = pod
            .get("automountServiceAccountToken")
            .and_then(Node::as_bool)
            == Some(false);
        if uses_default && !token_off {
            let span = sa.map(|n| n.span).unwrap_or_else(|| obj.name_span());
            ctx.report(
                span,
                format!(
                    "{} runs as the `default` service account with its API token mounted",
                    obj.logical_name()
                ),
            );
        }
    }
}
