//! ARGO001: an Application uses Argo CD's `default` project.

use super::app_spec;
use crate::diagnostics::RuleMeta;
use crate::diagnostics::Severity;
use crate::model::k8s::K8sObject;
use crate::rules::rule::{Ctx, Rule};

pub struct DefaultProject;

static META: RuleMeta = RuleMeta {
    id: "ARGO001",
    name: "argocd-default-project",
    severity: Severity::Warning,
    category: "argocd",
    tags: &["security", "multi-tenancy"],
    summary: "An Argo CD Application (or ApplicationSet) uses the unrestricted `default` project",
    explanation: "Argo CD's `default` AppProject allows any source repository, any destination \
cluster and namespace, and any cluster-scoped resource. An Application in it can deploy anything \
anywhere, so a mistake (or a malicious commit) in one team's repository can overwrite another \
team's namespace or a cluster-wide object. Put Applications in AppProjects that list the \
repositories, destinations and resource kinds they may use.",
    help: "set `spec.project` to an AppProject that restricts `sourceRepos`, `destinations` and cluster resources",
    fail_example: "kind: Application\nspec:\n  project: default\n",
    pass_example: "kind: Application\nspec:\n  project: payments\n",
    security_severity: Some("5.0"),
    since: "0.1.0",
};

impl Rule for DefaultProject {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_object(&self, obj: &K8sObject<'_>, ctx: &mut Ctx<'_>) {
        let Some(spec) = app_spec(obj) else { return };
        match spec.get("project") {
            Some(p) if p.as_str() == Some("default") => {
                ctx.report(
                    p.span,
                    format!("{} uses the `default` project", obj.logical_name()),
                );
            }
            None if !obj.partial => {
                ctx.report(
                    obj.name_span(),
                    format!(
                        "{} sets no project, so it uses `default`",
                        obj.logical_name()
                    ),
                );
            }
            _ => {}
        }
    }
}
