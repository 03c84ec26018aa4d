//! The [`Finding`] every rule produces and every reporter consumes.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::source::{Region, Span};

/// How serious a finding is. Ordered: `Info < Warning < Error`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    /// The SARIF `level` for this severity.
    pub fn sarif_level(self) -> &'static str {
        match self {
            Severity::Info => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "info" | "note" => Some(Severity::Info),
            "warning" | "warn" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A place in a file. `span` is absent when the whole file is meant (unreadable files).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    pub path: Arc<str>,
    pub span: Option<Span>,
    /// Filled in by the pipeline from the span, for reporters.
    pub region: Option<Region>,
    /// What this place is (for related locations).
    pub message: Option<String>,
}

impl Location {
    pub fn new(path: Arc<str>, span: Option<Span>) -> Self {
        Location {
            path,
            span,
            region: None,
            message: None,
        }
    }

    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }
}

/// Why a finding is not counted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Suppression {
    /// `inline`, `annotation`, `config`, `exception` (a policy's exception rule) or `baseline`.
    pub kind: &'static str,
    pub reason: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Finding {
    pub rule_id: Arc<str>,
    pub rule_name: Arc<str>,
    pub severity: Severity,
    pub message: String,
    pub help: Option<String>,
    pub location: Location,
    pub related: Vec<Location>,
    /// `Kind/namespace/name` or a Terraform address.
    pub logical: Option<String>,
    pub fingerprint: String,
    pub suppressed: Option<Suppression>,
    /// The primary span is a secret: reporters must never print its text.
    pub redact: bool,
    /// Extra keys of a policy result (JSON `metadata`, SARIF `properties`).
    pub metadata: Option<Box<serde_json::Value>>,
    /// The environments a finding on rendered objects holds in (sorted); empty for findings
    /// on plain files.
    pub environments: Vec<String>,
}

impl Finding {
    /// Sort key: path, position, rule id, message.
    pub fn sort_key(&self) -> (&str, u32, u32, &str, &str) {
        let span = self.location.span.unwrap_or_default();
        (
            &self.location.path,
            span.start,
            span.end,
            &self.rule_id,
            &self.message,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_names_by_table() {
        // (severity, name, SARIF level)
        let rows = [
            (Severity::Info, "info", "note"),
            (Severity::Warning, "warning", "warning"),
            (Severity::Error, "error", "error"),
        ];
        for (s, name, level) in rows {
            assert_eq!(s.as_str(), name);
            assert_eq!(s.to_string(), name);
            assert_eq!(s.sarif_level(), level, "{name}");
            assert_eq!(Severity::parse(name), Some(s));
        }
        assert_eq!(Severity::parse("note"), Some(Severity::Info));
        assert_eq!(Severity::parse("warn"), Some(Severity::Warning));
        for word in ["", "Error", "fatal", "notice", "warnings"] {
            assert_eq!(Severity::parse(word), None, "{word:?}");
        }
        assert!(Severity::Info < Severity::Warning && Severity::Warning < Severity::Error);
    }
}
