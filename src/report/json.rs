//! JSON output, schema version 1 (documented in `docs/json-format.md`). Suppressed findings
//! are included with their `suppression`; counts exclude them.

use serde::Serialize;

use super::{Counts, VERSION, counts};
use crate::diagnostics::{Finding, Location};
use crate::outcome::{Coverage, Outcome};

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Doc<'a> {
    version: u32,
    tool: Tool,
    findings: Vec<JFinding<'a>>,
    summary: Counts,
    coverage: &'a Coverage,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct JRegion {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
}

#[derive(Serialize)]
struct JLocation<'a> {
    path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_byte: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_byte: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<JRegion>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a str>,
}

#[derive(Serialize)]
struct JFinding<'a> {
    rule_id: &'a str,
    rule_name: &'a str,
    severity: &'static str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<&'a str>,
    location: JLocation<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related: Vec<JLocation<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    logical_location: Option<&'a str>,
    fingerprint: &'a str,
    suppression: Option<&'a crate::diagnostics::Suppression>,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<&'a serde_json::Value>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    environments: &'a [String],
}

fn loc(l: &Location) -> JLocation<'_> {
    JLocation {
        path: &l.path,
        start_byte: l.span.map(|s| s.start),
        end_byte: l.span.map(|s| s.end),
        region: l.region.map(|r| JRegion {
            start_line: r.start.line,
            start_column: r.start.col,
            end_line: r.end.line,
            end_column: r.end.col,
        }),
        message: l.message.as_deref(),
    }
}

fn finding(f: &Finding) -> JFinding<'_> {
    JFinding {
        rule_id: &f.rule_id,
        rule_name: &f.rule_name,
        severity: f.severity.as_str(),
        message: &f.message,
        help: f.help.as_deref(),
        location: loc(&f.location),
        related: f.related.iter().map(loc).collect(),
        logical_location: f.logical.as_deref(),
        fingerprint: &f.fingerprint,
        suppression: f.suppressed.as_ref(),
        metadata: f.metadata.as_deref(),
        environments: &f.environments,
    }
}

pub fn render(outcome: &Outcome) -> String {
    let doc = Doc {
        version: SCHEMA_VERSION,
        tool: Tool {
            name: "octolint",
            version: VERSION,
        },
        findings: outcome.findings.iter().map(finding).collect(),
        summary: counts(&outcome.findings),
        coverage: &outcome.coverage,
    };
    let mut s =
        serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    s.push('\n');
    s
}
