//! SARIF 2.1.0 for GitHub code scanning: one run, every enabled rule in `tool.driver.rules`,
//! relative URIs under `%SRCROOT%`, full 1-based regions (`endColumn` exclusive, columns in
//! Unicode code points), `partialFingerprints`, `automationDetails`. Suppressed findings are
//! left out unless asked for (GitHub ignores SARIF suppressions).

use std::collections::HashMap;

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::{ReportOptions, VERSION};
use crate::diagnostics::RuleMeta;
use crate::diagnostics::{Finding, Location};
use crate::outcome::{Outcome, PathPrefixes};
use crate::rules::docs;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const SRCROOT: &str = "%SRCROOT%";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    automation_details: Value,
    original_uri_base_ids: Value,
    column_kind: &'static str,
    results: Vec<Value>,
}

#[derive(Serialize)]
struct Tool {
    driver: Value,
}

/// Percent-encode a relative path for a URI reference.
fn uri(path: &str) -> String {
    let mut s = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                s.push(b as char)
            }
            _ => s.push_str(&format!("%{b:02X}")),
        }
    }
    s
}

fn rule_descriptor(m: &RuleMeta) -> Value {
    let mut props = Map::new();
    let mut tags: Vec<&str> = m.tags.to_vec();
    tags.push(m.category);
    if m.tags.contains(&"security") {
        tags.push("security");
    }
    tags.sort_unstable();
    tags.dedup();
    props.insert("tags".into(), json!(tags));
    if let Some(sev) = m.security_severity {
        props.insert("security-severity".into(), json!(sev));
    }
    props.insert("precision".into(), json!("high"));
    json!({
        "id": m.id,
        "name": m.name,
        "shortDescription": { "text": m.summary },
        "fullDescription": { "text": m.explanation },
        "help": { "text": m.help, "markdown": docs::markdown_page(m) },
        "helpUri": m.url(),
        "defaultConfiguration": { "level": m.severity.sarif_level() },
        "properties": props,
    })
}

fn physical(l: &Location, prefixes: &PathPrefixes) -> Value {
    let mut pl = Map::new();
    pl.insert(
        "artifactLocation".into(),
        json!({ "uri": uri(&prefixes.repo_from_display(&l.path)), "uriBaseId": SRCROOT }),
    );
    if let Some(r) = l.region {
        pl.insert(
            "region".into(),
            json!({
                "startLine": r.start.line,
                "startColumn": r.start.col,
                "endLine": r.end.line,
                "endColumn": r.end.col,
            }),
        );
    }
    Value::Object(pl)
}

fn result(f: &Finding, rule_index: Option<usize>, prefixes: &PathPrefixes) -> Value {
    let mut r = Map::new();
    r.insert("ruleId".into(), json!(f.rule_id.as_ref()));
    if let Some(i) = rule_index {
        r.insert("ruleIndex".into(), json!(i));
    }
    r.insert("level".into(), json!(f.severity.sarif_level()));
    let text = match &f.help {
        Some(h) => format!("{}\nhelp: {h}", f.message),
        None => f.message.clone(),
    };
    r.insert("message".into(), json!({ "text": text }));
    let mut loc = Map::new();
    loc.insert("physicalLocation".into(), physical(&f.location, prefixes));
    if let Some(l) = &f.logical {
        loc.insert(
            "logicalLocations".into(),
            json!([{ "fullyQualifiedName": l, "kind": "resource" }]),
        );
    }
    r.insert("locations".into(), json!([Value::Object(loc)]));
    if !f.related.is_empty() {
        let rel: Vec<Value> = f
            .related
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let mut m = Map::new();
                m.insert("id".into(), json!(i + 1));
                m.insert("physicalLocation".into(), physical(l, prefixes));
                if let Some(msg) = &l.message {
                    m.insert("message".into(), json!({ "text": msg }));
                }
                Value::Object(m)
            })
            .collect();
        r.insert("relatedLocations".into(), json!(rel));
    }
    r.insert(
        "partialFingerprints".into(),
        json!({ "octolint/v1": f.fingerprint }),
    );
    let mut props = Map::new();
    if let Some(m) = &f.metadata {
        props.insert("metadata".into(), json!(m));
    }
    if !f.environments.is_empty() {
        props.insert("environments".into(), json!(f.environments));
    }
    if !props.is_empty() {
        r.insert("properties".into(), Value::Object(props));
    }
    if let Some(s) = &f.suppressed {
        let mut sup = Map::new();
        sup.insert(
            "kind".into(),
            json!(if s.kind == "baseline" {
                "external"
            } else {
                "inSource"
            }),
        );
        if let Some(reason) = &s.reason {
            sup.insert("justification".into(), json!(reason));
        }
        r.insert("suppressions".into(), json!([Value::Object(sup)]));
    }
    Value::Object(r)
}

pub fn render(outcome: &Outcome, opts: &ReportOptions) -> String {
    let index: HashMap<&str, usize> = outcome
        .rules
        .iter()
        .enumerate()
        .map(|(i, m)| (m.id, i))
        .collect();
    let rules: Vec<Value> = outcome.rules.iter().map(|m| rule_descriptor(m)).collect();
    let results: Vec<Value> = outcome
        .findings
        .iter()
        .filter(|f| f.suppressed.is_none() || opts.show_suppressed)
        .map(|f| result(f, index.get(f.rule_id.as_ref()).copied(), &outcome.prefixes))
        .collect();
    let mut root_uri = String::from("file://");
    let root = opts.root.to_string_lossy().replace('\\', "/");
    if !root.starts_with('/') {
        root_uri.push('/');
    }
    root_uri.push_str(&uri(&root));
    if !root_uri.ends_with('/') {
        root_uri.push('/');
    }
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: json!({
                    "name": "octolint",
                    "version": VERSION,
                    "semanticVersion": VERSION,
                    "informationUri": "https://github.com/octolint/octolint",
                    "rules": rules,
                }),
            },
            automation_details: json!({ "id": opts.category }),
            original_uri_base_ids: json!({ SRCROOT: { "uri": root_uri } }),
            column_kind: "unicodeCodePoints",
            results,
        }],
    };
    let mut s = serde_json::to_string_pretty(&log).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::uri;

    #[test]
    fn encodes_uris() {
        assert_eq!(uri("a b/c.yaml"), "a%20b/c.yaml");
        assert_eq!(uri("x/é.yaml"), "x/%C3%A9.yaml");
    }
}
