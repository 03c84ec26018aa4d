//! Helm values against a chart's `values.schema.json` (JSON Schema, as Helm checks it before
//! installing): each values file is merged over the chart's `values.yaml` defaults (Helm's
//! coalescing: maps merge, anything else replaces, `null` deletes) and the merged tree is
//! validated. Violations are reported only where the values file itself set the value (or,
//! for a missing required field, at the values file's mapping that lacks it); problems of the
//! defaults are reported on `values.yaml` itself.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::Value;

use super::schema::{Compiled, Compiler, Dialect, Id};
use super::walk::{self, Violation};
use crate::parse::node::{Node, Value as NV};
use crate::render::Fs;
use crate::source::Span;

/// A compiled `values.schema.json`.
#[derive(Debug)]
pub struct ValuesSchema {
    pub compiled: Compiled,
    pub root: Id,
}

impl ValuesSchema {
    pub fn compile(schema: &Value) -> ValuesSchema {
        let defs = |name: &str| {
            schema
                .get("definitions")
                .and_then(|d| d.get(name))
                .or_else(|| schema.get("$defs").and_then(|d| d.get(name)))
        };
        let mut c = Compiler::new(&defs, Dialect::JsonSchema);
        let root = c.compile(schema);
        ValuesSchema {
            compiled: c.finish(),
            root,
        }
    }

    /// Validate `values` merged over `defaults`.
    pub fn validate(&self, values: &Node, defaults: Option<&Node>) -> Vec<Violation> {
        let merged = match defaults {
            Some(d) => merge(&foreign(d), values),
            None => values.clone(),
        };
        let opts = walk::Options {
            partial: false,
            null_ok: false,
            extra_checks: false,
        };
        let mut w = walk::Walker::new(&self.compiled, opts);
        let anchor = Span::new(values.span.start(), values.span.start());
        w.validate(&merged, self.root, anchor);
        let mut out: Vec<Violation> = w.out.into_iter().filter(|v| v.span != FOREIGN).collect();
        out.sort_by_key(|v| (v.span.start, v.span.end, v.problem));
        out.dedup_by(|a, b| a.span == b.span && a.message == b.message);
        out
    }
}

/// The span given to nodes that came from the defaults (another file).
const FOREIGN: Span = Span {
    start: u32::MAX,
    end: u32::MAX,
};

fn foreign(n: &Node) -> Node {
    let value = match &n.value {
        NV::Map(e) => NV::Map(e.iter().map(|(k, v)| (foreign(k), foreign(v))).collect()),
        NV::Seq(items) => NV::Seq(items.iter().map(foreign).collect()),
        s => s.clone(),
    };
    Node {
        span: FOREIGN,
        value,
    }
}

/// Helm's coalescing of a values file over the chart's defaults.
pub fn merge(base: &Node, over: &Node) -> Node {
    match (&base.value, &over.value) {
        (NV::Map(b), NV::Map(o)) => {
            let mut out: Vec<(Node, Node)> = Vec::with_capacity(b.len() + o.len());
            for (k, v) in b {
                let key = k.key_text();
                if o.iter().any(|(ok, _)| ok.key_text() == key) {
                    continue;
                }
                out.push((k.clone(), v.clone()));
            }
            for (k, v) in o {
                if v.is_null() {
                    continue;
                }
                match b.iter().find(|(bk, _)| bk.key_text() == k.key_text()) {
                    Some((_, bv)) => out.push((k.clone(), merge(bv, v))),
                    None => out.push((k.clone(), v.clone())),
                }
            }
            Node {
                span: over.span,
                value: NV::Map(out),
            }
        }
        _ => over.clone(),
    }
}

/// A chart's schema and defaults, read once per chart directory.
pub struct Chart {
    pub schema: ValuesSchema,
    pub defaults: Option<Node>,
    /// Path of `values.schema.json`, relative to the checked root.
    pub schema_path: String,
}

/// The chart a values file belongs to (the nearest directory at or above it, at most three
/// levels up, with a `Chart.yaml`), if that chart has a `values.schema.json`.
pub fn chart_for(fs: &dyn Fs, root_key: &str, values_path: &str) -> Option<Arc<Chart>> {
    type Cache = Mutex<HashMap<String, Option<Arc<Chart>>>>;
    static CACHE: std::sync::OnceLock<Cache> = std::sync::OnceLock::new();
    let mut dir = crate::source::dir_of(values_path);
    for _ in 0..4 {
        let join = |f: &str| {
            if dir.is_empty() {
                f.to_string()
            } else {
                format!("{dir}/{f}")
            }
        };
        if fs.is_file(&join("Chart.yaml")) || fs.is_file(&join("Chart.yml")) {
            let key = format!("{root_key}\u{0}{dir}");
            let cache = CACHE.get_or_init(Default::default);
            if let Ok(c) = cache.lock()
                && let Some(hit) = c.get(&key)
            {
                return hit.clone();
            }
            let chart = load_chart(fs, &join("values.schema.json"), &join("values.yaml"));
            if let Ok(mut c) = cache.lock() {
                c.insert(key, chart.clone());
            }
            return chart;
        }
        if dir.is_empty() {
            break;
        }
        dir = crate::source::dir_of(dir);
    }
    None
}

fn load_chart(fs: &dyn Fs, schema_path: &str, defaults_path: &str) -> Option<Arc<Chart>> {
    let text = fs.read(schema_path)?;
    let v: Value = serde_json::from_str(&text.text).ok()?;
    let defaults = fs.read(defaults_path).and_then(|src| {
        let parsed = crate::parse::yaml::parse(&src.text);
        parsed.docs.into_iter().next().map(|d| d.root)
    });
    Some(Arc::new(Chart {
        schema: ValuesSchema::compile(&v),
        defaults,
        schema_path: schema_path.to_string(),
    }))
}
