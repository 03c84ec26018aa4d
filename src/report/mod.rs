//! Reporters: turn an [`Outcome`] into text, JSON, SARIF or GitHub annotations. Reporters
//! never parse or evaluate; they only format. Depends on `pipeline`, `diagnostics`, `rules`.

pub mod cost;
pub mod github;
pub mod json;
pub mod sarif;
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
}

pub struct ReportOptions {
    /// Absolute directory the relative paths start from (SARIF `%SRCROOT%`).
    pub root: PathBuf,
    pub color: bool,
    pub show_suppressed: bool,
    /// SARIF `automationDetails.id`.
    pub category: String,
    /// The secrets of the run: masked in source excerpts wherever they appear (findings'
    /// texts are redacted earlier, by `diagnostics::redact::redact_all`).
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
    }
}
