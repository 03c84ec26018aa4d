//! Rules: the [`Rule`] trait, rule metadata, the context that stamps findings, and the
//! explicit registry of built-in rules. Rules never print, read files or know the output
//! format. Depends on `model`, `diagnostics` and `source`.

pub mod builtin;
pub mod docs;
pub mod secrets;

use std::sync::Arc;

use crate::config::RuleOptions;
use crate::diagnostics::{Finding, Location, Severity};
use crate::model::k8s::K8sObject;
use crate::model::repo::Repo;
use crate::source::Span;

/// Everything known about a rule, declared once next to its code. It feeds `octolint rules`,
/// `octolint explain`, the SARIF rule catalogue and the pages under `rules/`.
#[derive(Debug)]
pub struct RuleMeta {
    /// Stable id, never reused (`K8S001`).
    pub id: &'static str,
    /// Kebab-case name of the bad pattern (`privileged-container`).
    pub name: &'static str,
    pub severity: Severity,
    /// Domain: `kubernetes`, `terraform`, `octolint`, ...
    pub category: &'static str,
    pub tags: &'static [&'static str],
    /// One line: what the rule finds.
    pub summary: &'static str,
    /// Markdown: why it matters.
    pub explanation: &'static str,
    /// Plain text: how to fix it (shown as `help:`).
    pub help: &'static str,
    /// A snippet that makes the rule fire.
    pub fail_example: &'static str,
    /// A snippet that keeps it quiet.
    pub pass_example: &'static str,
    /// SARIF `security-severity` (0.0–10.0) for security rules.
    pub security_severity: Option<&'static str>,
    /// Version that introduced the rule.
    pub since: &'static str,
}

impl RuleMeta {
    pub fn url(&self) -> String {
        if self.category == secrets::CUSTOM_CATEGORY {
            return "https://github.com/octolint/octolint/blob/main/docs/secrets.md#your-own-patterns"
                .into();
        }
        format!(
            "https://github.com/octolint/octolint/blob/main/rules/{}.md",
            self.id
        )
    }
}

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
        _doc: &crate::model::node::Node,
        _env: Option<crate::model::env::Env>,
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

/// A finding for `meta` with its defaults stamped.
pub fn new_finding(meta: &'static RuleMeta, location: Location, message: String) -> Finding {
    Finding {
        rule_id: Arc::from(meta.id),
        rule_name: Arc::from(meta.name),
        severity: meta.severity,
        message,
        help: Some(meta.help.to_string()).filter(|h| !h.is_empty()),
        location,
        related: Vec::new(),
        logical: None,
        fingerprint: String::new(),
        suppressed: None,
        redact: false,
        metadata: None,
    }
}

/// Every built-in rule, sorted by id.
pub fn registry() -> &'static [&'static dyn Rule] {
    builtin::ALL
}

/// Metadata of every rule (built-in rules and the engine's own `OCT` rules), sorted by id.
pub fn all_meta() -> Vec<&'static RuleMeta> {
    let mut v: Vec<&'static RuleMeta> = builtin::ENGINE_RULES.to_vec();
    v.extend(registry().iter().map(|r| r.meta()));
    v.extend(secrets::metas());
    v.extend(crate::policy::bundled_metas());
    v.sort_by_key(|m| m.id);
    v
}

pub fn find_meta(selector: &str) -> Option<&'static RuleMeta> {
    all_meta()
        .into_iter()
        .find(|m| m.id.eq_ignore_ascii_case(selector) || m.name == selector)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_sorted_and_documented() {
        let metas = all_meta();
        for w in metas.windows(2) {
            assert!(w[0].id < w[1].id, "duplicate or unsorted id {}", w[1].id);
        }
        let ids: Vec<&str> = registry().iter().map(|r| r.meta().id).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted, "registry must be sorted by id");
        for m in metas {
            assert!(!m.id.contains('/'), "{}", m.id);
            assert!(
                m.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-' || c.is_ascii_digit()),
                "{}",
                m.name
            );
            assert!(
                !m.summary.is_empty() && !m.explanation.is_empty() && !m.help.is_empty(),
                "{} lacks docs",
                m.id
            );
            assert!(
                !m.summary.ends_with('.'),
                "{} summary ends with a period",
                m.id
            );
        }
    }
}
