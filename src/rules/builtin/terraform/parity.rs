//! PARITY001 staging and prod differ in what they deploy.

use std::collections::{BTreeMap, BTreeSet};

use crate::config::env::Env;
use crate::diagnostics::RuleMeta;
use crate::diagnostics::Severity;
use crate::model::repo::Repo;
use crate::rules::rule::{Ctx, Rule};
use crate::terraform::TfModel;
use crate::terraform::value::Loc;

pub struct Parity;

static META: RuleMeta = RuleMeta {
    id: "PARITY001",
    name: "environment-parity",
    severity: Severity::Warning,
    category: "environments",
    tags: &["environment", "reliability"],
    summary: "A module or application is deployed in prod but not in staging (or the other way round)",
    explanation: "Staging exists to rehearse prod. A module (Terraform module call in the \
environment's root stacks) or an Argo CD Application (matched by name with the environment word \
removed: `checkout-prod` ~ `checkout-staging`) present in prod but missing from staging is deployed \
to prod untested; one only in staging is tested but never shipped. Differences in sizing values \
are expected and not reported. Checked when both environments have stacks (or Applications).",
    help: "add the module to the other environment's stack (sized for it), or remove it where it is not meant to be",
    fail_example: "# environments/prod/main.tf\nmodule \"redis\" {\n  source = \"../../modules/redis\"\n}\n# environments/staging/main.tf has no module \"redis\"\n",
    pass_example: "# both environments/prod/main.tf and environments/staging/main.tf\nmodule \"redis\" {\n  source = \"../../modules/redis\"\n}\n",
    security_severity: None,
    since: "0.1.0",
};

/// An Application name without its environment words (`shop-checkout-prod` →
/// `shop-checkout`), nor the words of the directory that names its environment
/// (`argocd/prod-eu/ads-eu.yaml` → `ads`).
fn app_key(name: &str, path: &str) -> String {
    let dir_words: Vec<&str> = path
        .rsplit('/')
        .skip(1)
        .find(|seg| Env::from_name(seg).is_some())
        .map(|seg| seg.split(['-', '_', '.']).collect())
        .unwrap_or_default();
    name.split(['-', '_', '.'])
        .filter(|w| Env::from_name(w).is_none() && !dir_words.contains(w))
        .collect::<Vec<_>>()
        .join("-")
}

impl Rule for Parity {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_repo(&self, repo: &Repo<'_>, ctx: &mut Ctx<'_>) {
        type Place<'r> = (&'r std::sync::Arc<str>, crate::source::Span, String);
        let mut apps: BTreeMap<String, BTreeMap<String, Place<'_>>> = BTreeMap::new();
        for o in repo.of_kind("argoproj.io", "Application") {
            let Some(name) = o.obj.name else { continue };
            let env = match ctx.options.environments.resolve(o.path).0 {
                Some(s) => s.name.clone(),
                None => match o.obj.env {
                    Some(e) => e.as_str().to_string(),
                    None => continue,
                },
            };
            let span = o
                .obj
                .root
                .path(&["metadata", "name"])
                .map_or(o.doc_span, |n| n.span);
            apps.entry(env)
                .or_default()
                .entry(app_key(name, o.path))
                .or_insert((o.path, span, o.obj.logical_name()));
        }
        let (Some(prod), Some(staging)) = (apps.get("prod"), apps.get("staging")) else {
            return;
        };
        for (key, (path, span, logical)) in prod {
            if !staging.contains_key(key) {
                ctx.report_at(
                    path,
                    *span,
                    Some(logical.clone()),
                    format!("Application `{key}` is deployed in prod but not in staging"),
                );
            }
        }
        for (key, (path, span, logical)) in staging {
            if !prod.contains_key(key) {
                ctx.report_at(
                    path,
                    *span,
                    Some(logical.clone()),
                    format!("Application `{key}` is deployed in staging but not in prod"),
                );
            }
        }
    }

    fn check_terraform(&self, tf: &TfModel, ctx: &mut Ctx<'_>) {
        // env name -> module name -> first call place (the environments named prod and
        // staging are compared; regional copies like prod-eu are not).
        let mut calls: BTreeMap<&str, BTreeMap<&str, &Loc>> = BTreeMap::new();
        let has_stack: BTreeSet<&str> = tf
            .stacks
            .iter()
            .filter_map(|s| s.env_name.as_deref())
            .collect();
        for (env, name, at) in &tf.module_calls {
            calls
                .entry(env.as_ref())
                .or_default()
                .entry(name.as_str())
                .or_insert(at);
        }
        if !(has_stack.contains("prod") && has_stack.contains("staging")) {
            return;
        }
        let empty = BTreeMap::new();
        let prod = calls.get("prod").unwrap_or(&empty);
        let staging = calls.get("staging").unwrap_or(&empty);
        for (name, at) in prod {
            if !staging.contains_key(name) {
                ctx.report_at(
                    &at.path,
                    at.span,
                    None,
                    format!("module `{name}` is deployed in prod but not in staging"),
                );
            }
        }
        for (name, at) in staging {
            if !prod.contains_key(name) {
                ctx.report_at(
                    &at.path,
                    at.span,
                    None,
                    format!("module `{name}` is deployed in staging but not in prod"),
                );
            }
        }
    }
}
