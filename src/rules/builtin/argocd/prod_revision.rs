//! ARGO003: a prod Application tracks `HEAD` (or sets no revision).
//! ARGO004: a prod Application syncs automatically where `[argocd] prod-manual-sync` requires
//! manual promotion.

use super::{app_env, app_spec, sources};
use crate::config::env::Env;
use crate::diagnostics::RuleMeta;
use crate::diagnostics::Severity;
use crate::model::k8s::K8sObject;
use crate::rules::rule::{Ctx, Rule};

pub struct ProdRevision;

static REVISION: RuleMeta = RuleMeta {
    id: "ARGO003",
    name: "prod-unpinned-revision",
    severity: Severity::Warning,
    category: "argocd",
    tags: &["reliability", "environment"],
    summary: "A prod Argo CD Application tracks `HEAD` instead of a pinned revision",
    explanation: "An Application whose `targetRevision` is `HEAD` (or empty, which means `HEAD`) \
deploys whatever was last pushed to the repository's default branch straight to prod: an \
unreviewed or half-merged change goes live at the next sync, and a rollback means a revert \
commit. Prod should follow a tag, a release branch or a commit that is promoted on purpose. The \
environment comes from the file's path, an `environment` label, the Application's name, or its \
destination namespace.",
    help: "set `targetRevision` to a tag (`v1.4.2`), a release branch or a commit SHA, and promote by changing it",
    fail_example: "# argocd/prod/web.yaml\nspec:\n  source:\n    targetRevision: HEAD\n",
    pass_example: "# argocd/prod/web.yaml\nspec:\n  source:\n    targetRevision: v1.4.2\n",
    security_severity: None,
    since: "0.1.0",
};

impl Rule for ProdRevision {
    fn meta(&self) -> &'static RuleMeta {
        &REVISION
    }

    fn check_object(&self, obj: &K8sObject<'_>, ctx: &mut Ctx<'_>) {
        let Some(spec) = app_spec(obj) else { return };
        if app_env(obj, spec) != Some(Env::Prod) || obj.partial {
            return;
        }
        for src in sources(spec) {
            match src.entry("targetRevision") {
                Some((_, v)) if v.as_str().is_some_and(|r| !r.is_empty() && r != "HEAD") => {}
                Some((k, v)) => {
                    ctx.report(
                        k.span.cover(v.span),
                        format!("prod {} tracks `HEAD`", obj.logical_name()),
                    );
                }
                None => {
                    ctx.report(
                        src.span,
                        format!(
                            "prod {} sets no `targetRevision`, so it tracks `HEAD`",
                            obj.logical_name()
                        ),
                    );
                }
            }
        }
    }
}

pub struct ProdAutoSync;

static AUTOSYNC: RuleMeta = RuleMeta {
    id: "ARGO004",
    name: "prod-automated-sync",
    severity: Severity::Warning,
    category: "argocd",
    tags: &["reliability", "environment"],
    summary: "A prod Application syncs automatically where promotion to prod must be manual",
    explanation: "Some teams promote to prod by hand: a person presses sync after checking \
staging. With `syncPolicy.automated`, every change that reaches the tracked revision goes live \
without that step. This rule runs only when `octolint.toml` sets `[argocd] prod-manual-sync = \
true`.",
    help: "remove `syncPolicy.automated` from the prod Application, or turn `prod-manual-sync` off if automated prod syncs are intended",
    fail_example: "# octolint.toml: [argocd] prod-manual-sync = true\nspec:\n  syncPolicy:\n    automated: {prune: true}\n",
    pass_example: "spec:\n  syncPolicy:\n    syncOptions: [CreateNamespace=false]\n",
    security_severity: None,
    since: "0.1.0",
};

impl Rule for ProdAutoSync {
    fn meta(&self) -> &'static RuleMeta {
        &AUTOSYNC
    }

    fn check_object(&self, obj: &K8sObject<'_>, ctx: &mut Ctx<'_>) {
        if !ctx.options.prod_manual_sync {
            return;
        }
        let Some(spec) = app_spec(obj) else { return };
        if app_env(obj, spec) != Some(Env::Prod) {
            return;
        }
        if let Some((k, v)) = spec.get("syncPolicy").and_then(|s| s.entry("automated"))
            && v.as_bool().is_none_or(|b| b)
        {
            ctx.report(
                k.span,
                format!(
                    "prod {} syncs automatically; promotion to prod must be manual",
                    obj.logical_name()
                ),
            );
        }
    }
}
