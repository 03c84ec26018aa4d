//! Evaluating policies over the parsed files of a check: one input per YAML/JSON document
//! and per Terraform file (or one combined input), results placed at the node they name.

use std::sync::Arc;

use rayon::prelude::*;
use regorus::{Engine, Value};

use super::input::{self, Step};
use super::{Outcome, Policies};
use crate::config::Settings;
use crate::diagnostics::engine::POLICY_ERROR;
use crate::diagnostics::new_finding;
use crate::diagnostics::{Finding, Location, Suppression};
use crate::model::k8s::K8sObject;
use crate::parse::file::{Content, ParsedFile};
use crate::parse::hcl;
use crate::parse::node::Node;
use crate::source::{SourceFile, Span};

/// One input and how to find places in it.
enum Doc<'a> {
    Yaml { root: &'a Node, start: usize },
    Hcl(&'a hcl::Body),
}

/// The first line of a document (from `start`), as a span.
fn line_span(text: &str, start: usize) -> Span {
    let end = text[start.min(text.len())..]
        .find('\n')
        .map_or(text.len(), |i| start + i);
    Span::new(start, end.max(start))
}

/// The span of 1-based `line`.
fn nth_line(src: &SourceFile, line: usize) -> Option<Span> {
    let text = &src.text;
    let mut start = 0;
    for _ in 1..line {
        start += text[start..].find('\n')? + 1;
    }
    Some(line_span(text, start))
}

/// The `(apiVersion, kind)` of a document that is a Kubernetes object.
fn object_of(root: &Node) -> Option<(&str, &str)> {
    Some((
        root.get("apiVersion")?.as_str()?,
        root.get("kind")?.as_str()?,
    ))
}

/// One input: the document, its Rego value and its `(apiVersion, kind)`.
type Input<'a> = (Doc<'a>, Value, Option<(&'a str, &'a str)>);

/// The inputs of a file that some rule reads, converted to Rego values.
fn inputs<'a>(p: &Policies, f: &'a ParsedFile) -> Vec<Input<'a>> {
    let Some(src) = &f.source else {
        return Vec::new();
    };
    match &f.content {
        Content::Docs(docs) => docs
            .iter()
            .filter(|d| !d.root.is_null())
            .filter_map(|d| {
                let obj = object_of(&d.root);
                if !p.wants(obj) {
                    return None;
                }
                Some((
                    Doc::Yaml {
                        root: &d.root,
                        start: d.root.span.start as usize,
                    },
                    input::from_node(&d.root),
                    obj,
                ))
            })
            .collect(),
        Content::Hcl(body) if p.wants(None) => {
            vec![(Doc::Hcl(body), input::from_hcl(body, &src.text), None)]
        }
        _ => Vec::new(),
    }
}

fn place(doc: &Doc<'_>, src: &SourceFile, o: &Outcome) -> Span {
    let default = match doc {
        Doc::Yaml { start, .. } => line_span(&src.text, *start),
        Doc::Hcl(_) => line_span(&src.text, 0),
    };
    if let Some(line) = o.line {
        return nth_line(src, line).unwrap_or(default);
    }
    match (&o.path, doc) {
        (Some(steps), Doc::Yaml { root, .. }) => input::locate_node(root, steps).0,
        (Some(steps), Doc::Hcl(body)) => input::locate_hcl(body, steps).unwrap_or(default),
        (None, _) => default,
    }
}

fn to_finding(o: Outcome, path: &Arc<str>, span: Option<Span>, logical: Option<String>) -> Finding {
    let mut f = new_finding(o.meta, Location::new(path.clone(), span), o.message);
    f.severity = o.severity;
    f.logical = logical;
    f.metadata = o.metadata.map(Box::new);
    if o.excepted {
        f.suppressed = Some(Suppression {
            kind: "exception",
            reason: Some("exempted by an `exception` rule of the policy".into()),
        });
    }
    f
}

fn error_finding(path: &Arc<str>, span: Option<Span>, errors: Vec<String>) -> Option<Finding> {
    if errors.is_empty() {
        return None;
    }
    Some(new_finding(
        &POLICY_ERROR,
        Location::new(path.clone(), span),
        format!("policy failed on this input: {}", errors.join("; ")),
    ))
}

fn eval_file(p: &Policies, engine: &mut Engine, f: &ParsedFile) -> (Vec<Finding>, usize) {
    let Some(src) = &f.source else {
        return (Vec::new(), 0);
    };
    let mut out = Vec::new();
    let docs = inputs(p, f);
    let n = docs.len();
    for (doc, value, obj) in docs {
        let (outcomes, errors) = p.eval_for(engine, value, obj, true);
        if outcomes.is_empty() && errors.is_empty() {
            continue;
        }
        let logical = match &doc {
            Doc::Yaml { root, .. } => K8sObject::from_node(root).map(|o| o.logical_name()),
            Doc::Hcl(_) => None,
        };
        let start = place(
            &doc,
            src,
            &Outcome {
                meta: &POLICY_ERROR,
                severity: POLICY_ERROR.severity,
                message: String::new(),
                path: None,
                line: None,
                metadata: None,
                excepted: false,
            },
        );
        out.extend(error_finding(&f.path, Some(start), errors));
        for o in outcomes {
            let span = place(&doc, src, &o);
            out.push(to_finding(o, &f.path, Some(span), logical.clone()));
        }
    }
    (out, n)
}

/// Evaluate the policies over every file (in parallel, one engine clone per worker), or
/// once over all documents with `--combine`. Findings go to the files they point at.
/// Returns the number of inputs evaluated.
pub fn evaluate(p: &Policies, files: &mut [ParsedFile], _settings: &Settings) -> usize {
    if p.combine {
        combined(p, files);
        return 1;
    }
    files
        .par_iter_mut()
        .map_init(
            || p.engine(),
            |engine, f| {
                let (found, n) = eval_file(p, engine, f);
                f.findings.extend(found);
                n
            },
        )
        .sum()
}

/// `--combine`: one input, `[{path, contents}]` with one element per document, sorted by
/// path. A result whose path starts with an element index points into that document;
/// others point at the first file.
fn combined(p: &Policies, files: &mut [ParsedFile]) {
    let mut elements = Vec::new();
    // (file index, doc) per element
    let mut owners: Vec<usize> = Vec::new();
    let mut docs: Vec<Doc<'_>> = Vec::new();
    let mut order: Vec<usize> = (0..files.len()).collect();
    order.sort_by(|a, b| files[*a].path.cmp(&files[*b].path));
    for &i in &order {
        for (doc, value, _) in inputs(p, &files[i]) {
            let mut m = std::collections::BTreeMap::new();
            m.insert(Value::from("path"), Value::from(files[i].path.as_ref()));
            m.insert(Value::from("contents"), value);
            elements.push(Value::from(m));
            owners.push(i);
            docs.push(doc);
        }
    }
    if elements.is_empty() {
        return;
    }
    let mut engine = p.engine();
    let (outcomes, errors) = p.eval(&mut engine, Value::from(elements));
    let mut placed: Vec<(usize, Finding)> = Vec::new();
    let first = owners[0];
    if let Some(f) = error_finding(&files[first].path, None, errors) {
        placed.push((first, f));
    }
    for mut o in outcomes {
        let target = match o.path.as_deref() {
            Some([Step::Index(i), Step::Key(k), rest @ ..])
                if k == "contents" && *i < docs.len() =>
            {
                let rest = rest.to_vec();
                Some((*i, rest))
            }
            _ => None,
        };
        match target {
            Some((i, rest)) => {
                o.path = Some(rest);
                let fi = owners[i];
                let span = files[fi]
                    .source
                    .as_ref()
                    .map(|src| place(&docs[i], src, &o));
                let logical = match &docs[i] {
                    Doc::Yaml { root, .. } => K8sObject::from_node(root).map(|x| x.logical_name()),
                    Doc::Hcl(_) => None,
                };
                placed.push((fi, to_finding(o, &files[fi].path, span, logical)));
            }
            None => placed.push((first, to_finding(o, &files[first].path, None, None))),
        }
    }
    drop(docs);
    for (i, f) in placed {
        files[i].findings.push(f);
    }
}
