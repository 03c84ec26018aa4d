//! PARITY001 staging and prod differ in what they deploy.

use std::collections::{BTreeMap, BTreeSet};

use crate::diagnostics::Severity;
use crate::model::env::Env;
use crate::rules::{Ctx, Rule, RuleMeta};
use crate::terraform::TfModel;
use crate::terraform::value::Loc;

pub struct Parity;

static META: RuleMeta = RuleMeta {
    id: "PARITY001",
    name: "environment-parity",
    severity: Severity::Warning,
    category: "environments",
    tags: &["environment", "reliability"],
    summary: "A module is deployed in prod but not in staging (or the other way round)",
    explanation: "Staging exists to rehearse prod. A module (Terraform module call in the \
environment's root stacks) present in prod but missing from staging is deployed to prod untested; \
one only in staging is tested but never shipped. Differences in sizing values are expected and not \
reported. Checked when both environments have stacks.",
    help: "add the module to the other environment's stack (sized for it), or remove it where it is not meant to be",
    fail_example: "# environments/prod/main.tf\nmodule \"redis\" {\n  source = \"../../modules/redis\"\n}\n# environments/staging/main.tf has no module \"redis\"\n",
    pass_example: "# both environments/prod/main.tf and environments/staging/main.tf\nmodule \"redis\" {\n  source = \"../../modules/redis\"\n}\n",
    security_severity: None,
    since: "0.1.0",
};

impl Rule for Parity {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_terraform(&self, tf: &TfModel, ctx: &mut Ctx<'_>) {
        // env class -> module name -> first call place
        let mut calls: BTreeMap<Env, BTreeMap<&str, &Loc>> = BTreeMap::new();
        let mut has_stack: BTreeSet<Env> = BTreeSet::new();
        for s in &tf.stacks {
            if let Some(e) = s.env {
                has_stack.insert(e);
            }
        }
        for (env, name, at) in &tf.module_calls {
            calls
                .entry(*env)
                .or_default()
                .entry(name.as_str())
                .or_insert(at);
        }
        if !(has_stack.contains(&Env::Prod) && has_stack.contains(&Env::Staging)) {
            return;
        }
        let empty = BTreeMap::new();
        let prod = calls.get(&Env::Prod).unwrap_or(&empty);
        let staging = calls.get(&Env::Staging).unwrap_or(&empty);
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
