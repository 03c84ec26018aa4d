//! The [`Rule`] trait and the [`Ctx`] a rule reports through. The engine stamps id, name,
//! severity and default help on every finding. Depends on `model`, `terraform`, `config`,
//! `diagnostics` and `source`.

use std::sync::Arc;

use crate::config::RuleOptions;
use crate::diagnostics::{Finding, Location, RuleMeta, new_finding};
use crate::model::k8s::K8sObject;
use crate::model::repo::Repo;
use crate::source::Span;

/// A built-in rule. Implement the hooks that apply; the engine calls them in parallel.
pub trait Rule: Send + Sync {
    fn meta(&self) -> &'static RuleMeta;

    /// Called for every complete Kubernetes object (in parallel across files).
    fn check_object(&self, _obj: &K8sObject<'_>, _ctx: &mut Ctx<'_>) {}

    /// Called once with the whole repository, after every per-document rule (cross-file
    /// rules). Report with [`Ctx::report_at`].
    fn check_repo(&self, _repo: &Repo<'_>, _ctx: &mut Ctx<'_>) {}

    /// Called for every document of a Helm values file, with the file's environment.
    fn check_values(
        &self,
        _doc: &crate::parse::node::Node,
        _env: Option<crate::config::env::Env>,
        _ctx: &mut Ctx<'_>,
    ) {
    }

    /// Called once with the Terraform model (stacks resolved). Report with
    /// [`Ctx::report_at`].
    fn check_terraform(&self, _tf: &crate::terraform::TfModel, _ctx: &mut Ctx<'_>) {}
}

/// Where a rule reports. The engine stamps id, name, severity and default help.
pub struct Ctx<'a> {
    /// Rule options from the configuration.
    pub options: &'a RuleOptions,
    meta: &'static RuleMeta,
    path: &'a Arc<str>,
    logical: Option<&'a str>,
    out: &'a mut Vec<Finding>,
}

impl<'a> Ctx<'a> {
    pub fn new(
        options: &'a RuleOptions,
        meta: &'static RuleMeta,
        path: &'a Arc<str>,
        logical: Option<&'a str>,
        out: &'a mut Vec<Finding>,
    ) -> Self {
        Ctx {
            options,
            meta,
            path,
            logical,
            out,
        }
    }

    /// The current file.
    pub fn path(&self) -> &str {
        self.path
    }

    /// Report a finding at `span` in the current file.
    pub fn report(&mut self, span: Span, message: impl Into<String>) -> &mut Finding {
        let (path, logical) = (self.path.clone(), self.logical.map(str::to_string));
        self.push(path, span, logical, message.into())
    }

    /// Report a finding anywhere (repo-wide rules).
    pub fn report_at(
        &mut self,
        path: &Arc<str>,
        span: Span,
        logical: Option<String>,
        message: impl Into<String>,
    ) -> &mut Finding {
        self.push(path.clone(), span, logical, message.into())
    }

    fn push(
        &mut self,
        path: Arc<str>,
        span: Span,
        logical: Option<String>,
        message: String,
    ) -> &mut Finding {
        let f = new_finding(self.meta, Location::new(path, Some(span)), message);
        self.out.push(Finding { logical, ..f });
        let last = self.out.len() - 1;
        &mut self.out[last]
    }
}
