//! Reporters: turn an [`Outcome`] into text, JSON, SARIF or GitHub annotations. Reporters
//! never parse or evaluate; they only format. Depends on `pipeline`, `diagnostics`, `rules`.

pub mod cost;
pub mod github;
pub mod json;
pub mod sarif;
pub mod summary;
pub mod text;

use std::path::PathBuf;

use crate::diagnostics::{Finding, Severity};
use crate::outcome::Outcome;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Sarif,
    Github,
    /// Markdown job summary (`$GITHUB_STEP_SUMMARY`).
    Summary,
}

#[derive(Clone, Debug)]
pub struct ReportOptions {
    /// Absolute directory the relative paths start from (SARIF `%SRCROOT%`).
    pub root: PathBuf,
    pub color: bool,
    pub show_suppressed: bool,
    /// SARIF `automationDetails.id`.
    pub category: String,
    /// The secrets of the run: masked in source excerpts wherever they appear (findings'
    /// texts are redacted earlier, by `redact::redact_all` in the pipeline).
    pub secrets: Option<std::sync::Arc<crate::redact::SecretSet>>,
}

/// Counts of unsuppressed findings per severity, plus suppressed ones.
#[derive(Debug, Default, Clone, Copy, serde::Serialize)]
pub struct Counts {
    pub error: usize,
    pub warning: usize,
    pub info: usize,
    pub suppressed: usize,
}

pub fn counts(findings: &[Finding]) -> Counts {
    let mut c = Counts::default();
    for f in findings {
        if f.suppressed.is_some() {
            c.suppressed += 1;
            continue;
        }
        match f.severity {
            Severity::Error => c.error += 1,
            Severity::Warning => c.warning += 1,
            Severity::Info => c.info += 1,
        }
    }
    c
}

pub fn render(format: Format, outcome: &Outcome, opts: &ReportOptions) -> String {
    match format {
        Format::Text => text::render(outcome, opts),
        Format::Json => json::render(outcome),
        Format::Sarif => sarif::render(outcome, opts),
        Format::Github => github::render(outcome, opts),
        Format::Summary => summary::render(outcome, opts, None),
    }
}

/// Unsuppressed findings of one rule at one severity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleCount {
    pub rule_id: String,
    pub rule_name: String,
    pub severity: Severity,
    pub count: usize,
}

/// Unsuppressed findings counted per rule and severity: most findings first, then by
/// severity (errors first) and rule id.
pub fn by_rule(findings: &[Finding]) -> Vec<RuleCount> {
    let mut map: std::collections::BTreeMap<(&str, Severity), (&str, usize)> =
        std::collections::BTreeMap::new();
    for f in findings.iter().filter(|f| f.suppressed.is_none()) {
        map.entry((&f.rule_id, f.severity))
            .or_insert((&f.rule_name, 0))
            .1 += 1;
    }
    let mut out: Vec<RuleCount> = map
        .into_iter()
        .map(|((id, severity), (name, count))| RuleCount {
            rule_id: id.to_string(),
            rule_name: name.to_string(),
            severity,
            count,
        })
        .collect();
    out.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(b.severity.cmp(&a.severity))
            .then_with(|| a.rule_id.cmp(&b.rule_id))
    });
    out
}
