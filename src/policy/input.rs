//! Policy input: parsed documents turned into Rego values, and result paths turned back into
//! spans. YAML and JSON documents map one to one. Terraform files take the JSON shape
//! conftest's HCL2 parser gives them, so existing conftest policies run unchanged:
//! attributes become keys; a block becomes `type → label → … → [body, …]` (a list, since
//! blocks repeat); literals keep their type; templates keep their text with `${…}` around
//! interpolations; any other expression becomes `"${<source text>}"`.

use std::collections::BTreeMap;

use crate::parse::hcl_tree::{BlockLabel, Body, Element, Expr, Expression, ObjectKey, Structure};
use regorus::Value;

use crate::parse::node::{Node, Scalar, Value as NodeValue};
use crate::source::Span;

/// A YAML/JSON node as a Rego value.
pub fn from_node(node: &Node) -> Value {
    match &node.value {
        NodeValue::Scalar { text, kind, .. } => match kind {
            Scalar::Null => Value::Null,
            Scalar::Bool(b) => Value::from(*b),
            Scalar::Int => node
                .as_i64()
                .map(Value::from)
                .or_else(|| node.as_f64().map(Value::from))
                .unwrap_or_else(|| Value::from(text.as_str())),
            Scalar::Float => node
                .as_f64()
                .filter(|f| f.is_finite())
                .map(Value::from)
                .unwrap_or_else(|| Value::from(text.as_str())),
            Scalar::Str => Value::from(text.as_str()),
        },
        NodeValue::Seq(items) => Value::from(items.iter().map(from_node).collect::<Vec<_>>()),
        NodeValue::Map(entries) => {
            let mut m = BTreeMap::new();
            for (k, v) in entries {
                let key = match &k.value {
                    NodeValue::Scalar { text, .. } => Value::from(text.as_str()),
                    _ => from_node(k),
                };
                m.insert(key, from_node(v));
            }
            Value::from(m)
        }
    }
}

/// One step of a path into the input: an object key or an array index.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Key(String),
    Index(usize),
}

/// Read a result's path (`["spec", "containers", 0, "image"]`) or a dotted string
/// (`spec.containers[0].image`).
pub fn path_steps(v: &Value) -> Option<Vec<Step>> {
    match v {
        Value::Array(items) => items
            .iter()
            .map(|i| match i {
                Value::String(s) => Some(Step::Key(s.to_string())),
                Value::Number(_) => i.as_u64().ok().map(|n| Step::Index(n as usize)),
                _ => None,
            })
            .collect(),
        Value::String(s) => {
            let mut steps = Vec::new();
            for part in s.split('.').filter(|p| !p.is_empty()) {
                let (key, rest) = part.split_once('[').unwrap_or((part, ""));
                if !key.is_empty() {
                    steps.push(Step::Key(key.to_string()));
                }
                for idx in rest.split('[') {
                    let idx = idx.trim_end_matches(']');
                    if idx.is_empty() {
                        continue;
                    }
                    steps.push(Step::Index(idx.parse().ok()?));
                }
            }
            Some(steps)
        }
        _ => None,
    }
}

/// The span of the node at `steps` (the deepest node reached, with `exact` false when the
/// path went further than the document).
pub fn locate_node(root: &Node, steps: &[Step]) -> (Span, bool) {
    let mut node = root;
    let mut key_span = None;
    for step in steps {
        let next = match (step, &node.value) {
            (Step::Key(k), NodeValue::Map(entries)) => entries
                .iter()
                .find(|(key, _)| key.key_text() == Some(k.as_str()))
                .map(|(key, v)| (Some(key.span), v)),
            (Step::Index(i), NodeValue::Seq(items)) => items.get(*i).map(|v| (None, v)),
            _ => None,
        };
        match next {
            Some((ks, v)) => {
                key_span = ks;
                node = v;
            }
            None => return (key_span.unwrap_or(node.span), false),
        }
    }
    // Point at the key of a mapping entry (`image: …`) rather than a multi-line value.
    let span = match (&node.value, key_span) {
        (NodeValue::Map(_) | NodeValue::Seq(_), Some(k)) => k,
        _ => node.span,
    };
    (span, true)
}

/// A Terraform body as a Rego value in conftest's HCL2 JSON shape.
pub fn from_hcl(body: &Body, text: &str) -> Value {
    body_value(body, text)
}

/// A body while it is built: block labels nest objects, bodies collect in lists.
enum Slot {
    Obj(BTreeMap<String, Slot>),
    List(Vec<Value>),
    Val(Value),
}

impl Slot {
    fn into_value(self) -> Value {
        match self {
            Slot::Obj(m) => Value::from(
                m.into_iter()
                    .map(|(k, v)| (Value::from(k), v.into_value()))
                    .collect::<BTreeMap<_, _>>(),
            ),
            Slot::List(l) => Value::from(l),
            Slot::Val(v) => v,
        }
    }
}

fn body_value(body: &Body, text: &str) -> Value {
    let mut out: BTreeMap<String, Slot> = BTreeMap::new();
    for s in body.iter() {
        match s {
            Structure::Attribute(a) => {
                out.insert(
                    a.key.as_str().to_string(),
                    Slot::Val(from_expr(&a.value, text)),
                );
            }
            Structure::Block(b) => {
                let inner = body_value(&b.body, text);
                let mut keys: Vec<String> = vec![b.ident.as_str().to_string()];
                keys.extend(b.labels.iter().map(label_text));
                insert_block(&mut out, &keys, inner);
            }
        }
    }
    Slot::Obj(out).into_value()
}

fn label_text(l: &BlockLabel) -> String {
    l.as_str().to_string()
}

/// `out[k0][k1]…[kn]` is a list of bodies; append `body` to it.
fn insert_block(out: &mut BTreeMap<String, Slot>, keys: &[String], body: Value) {
    let Some((last, dirs)) = keys.split_last() else {
        return;
    };
    let mut map = out;
    for k in dirs {
        let slot = map
            .entry(k.clone())
            .or_insert_with(|| Slot::Obj(BTreeMap::new()));
        if !matches!(slot, Slot::Obj(_)) {
            // conftest fails here (a label clashes with an attribute); keep the block.
            *slot = Slot::Obj(BTreeMap::new());
        }
        let Slot::Obj(m) = slot else {
            return;
        };
        map = m;
    }
    match map.get_mut(last) {
        Some(Slot::List(l)) => l.push(body),
        Some(other) => {
            let prev = std::mem::replace(other, Slot::List(Vec::new()));
            *other = Slot::List(vec![prev.into_value(), body]);
        }
        None => {
            map.insert(last.clone(), Slot::List(vec![body]));
        }
    }
}

fn source(text: &str, span: Option<std::ops::Range<usize>>) -> &str {
    span.and_then(|r| text.get(r)).unwrap_or("")
}

fn wrap(text: &str, span: Option<std::ops::Range<usize>>) -> Value {
    Value::from(format!("${{{}}}", source(text, span)))
}

fn template_text(t: &[Element], text: &str) -> String {
    let mut s = String::new();
    for e in t {
        match e {
            Element::Literal(l) => s.push_str(l),
            Element::Interpolation(x) => {
                s.push_str("${");
                s.push_str(source(text, x.span()).trim());
                s.push('}');
            }
            Element::Directive(sp) => s.push_str(source(text, Some(sp.range()))),
        }
    }
    s
}

/// An HCL expression as conftest shows it.
pub fn from_expr(e: &Expression, text: &str) -> Value {
    match &e.kind {
        Expr::Null => Value::Null,
        Expr::Bool(b) => Value::from(*b),
        Expr::Int(n) => Value::from(*n),
        Expr::Float(n) => Value::from(*n),
        Expr::String(s) => Value::from(&**s),
        Expr::Array(a) => Value::from(a.iter().map(|x| from_expr(x, text)).collect::<Vec<_>>()),
        Expr::Object(o) => {
            let mut m = BTreeMap::new();
            for (k, v) in o.iter() {
                let key = match k {
                    ObjectKey::Ident(i) => i.as_str().to_string(),
                    ObjectKey::Expression(x) => match &x.kind {
                        Expr::String(s) => s.to_string(),
                        _ => match from_expr(x, text) {
                            Value::String(s) => s.to_string(),
                            _ => source(text, x.span()).to_string(),
                        },
                    },
                };
                m.insert(Value::from(key), from_expr(v, text));
            }
            Value::from(m)
        }
        Expr::Template(t) => Value::from(template_text(t, text)),
        Expr::Parenthesis(p) => from_expr(p, text),
        _ => wrap(text, e.span()),
    }
}

/// The span of the HCL element at `steps` (conftest shape: block type, labels, body index,
/// then attributes/blocks and their values).
pub fn locate_hcl(body: &Body, steps: &[Step]) -> Option<Span> {
    locate_in_body(body, steps)
}

fn to_span(r: Option<std::ops::Range<usize>>) -> Option<Span> {
    r.map(|r| Span::new(r.start, r.end))
}

fn locate_in_body(body: &Body, steps: &[Step]) -> Option<Span> {
    let Some(Step::Key(first)) = steps.first() else {
        return None;
    };
    if let Some(attr) = body.iter().find_map(|s| match s {
        Structure::Attribute(a) if a.key.as_str() == first => Some(a),
        _ => None,
    }) {
        let inner = locate_in_expr(&attr.value, &steps[1..]);
        return inner.or_else(|| to_span(attr.span()));
    }
    // Blocks of this type; labels follow as keys, then an index into the bodies.
    let blocks: Vec<_> = body
        .iter()
        .filter_map(|s| match s {
            Structure::Block(b) if b.ident.as_str() == first => Some(b),
            _ => None,
        })
        .collect();
    if blocks.is_empty() {
        return None;
    }
    let mut rest = &steps[1..];
    let mut matching = blocks;
    let mut depth = 0;
    while let Some(Step::Key(label)) = rest.first() {
        let next: Vec<_> = matching
            .iter()
            .copied()
            .filter(|b| b.labels.get(depth).map(label_text).as_deref() == Some(label))
            .collect();
        if next.is_empty() {
            break;
        }
        matching = next;
        depth += 1;
        rest = &rest[1..];
    }
    let (block, rest) = match rest.first() {
        Some(Step::Index(i)) => (matching.get(*i).copied()?, &rest[1..]),
        _ => (*matching.first()?, rest),
    };
    if rest.is_empty() {
        // The block's header line.
        let start = block.span()?.start;
        let end = block.body.span().map_or(start, |r| r.start);
        return Some(Span::new(start, end.max(start)));
    }
    locate_in_body(&block.body, rest).or_else(|| to_span(block.span()))
}

fn locate_in_expr(e: &Expression, steps: &[Step]) -> Option<Span> {
    let Some(step) = steps.first() else {
        return to_span(e.span());
    };
    match (step, &e.kind) {
        (Step::Index(i), Expr::Array(a)) => a.get(*i).and_then(|x| locate_in_expr(x, &steps[1..])),
        (Step::Key(k), Expr::Object(o)) => o.iter().find_map(|(key, v)| {
            let name = match key {
                ObjectKey::Ident(i) => i.as_str(),
                ObjectKey::Expression(x) => match &x.kind {
                    Expr::String(s) => s,
                    _ => return None,
                },
            };
            (name == k).then(|| locate_in_expr(v, &steps[1..]))?
        }),
        _ => to_span(e.span()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(src: &str) -> serde_json::Value {
        let parsed = crate::parse::hcl::parse(src).expect("parses");
        let v = from_hcl(&parsed.body, src);
        serde_json::from_str(&v.to_json_str().expect("json")).expect("valid")
    }

    #[test]
    fn terraform_in_conftest_hcl2_shape() {
        let src = r#"
provider "aws" {
  version = "=2.46.0"
  alias   = "one"
}
provider "aws" {
  alias = "two"
}
resource "aws_elastic_beanstalk_environment" "example" {
  name  = "test_environment"
  count = 2
  setting {
    namespace = "aws:autoscaling:asg"
    value     = "1"
  }
  dynamic "setting" {
    for_each = data.consul_key_prefix.environment.var
    content {
      cond  = test3 > 2 ? 1 : 0
      name  = setting.key
      label = "env-${var.env}"
    }
  }
}
locals {
  tags = { team = "core", "cost-center" = 42 }
}
"#;
        let want = serde_json::json!({
            "provider": {"aws": [
                {"alias": "one", "version": "=2.46.0"},
                {"alias": "two"}
            ]},
            "resource": {"aws_elastic_beanstalk_environment": {"example": [{
                "name": "test_environment",
                "count": 2,
                "setting": [{"namespace": "aws:autoscaling:asg", "value": "1"}],
                "dynamic": {"setting": [{
                    "for_each": "${data.consul_key_prefix.environment.var}",
                    "content": [{
                        "cond": "${test3 > 2 ? 1 : 0}",
                        "name": "${setting.key}",
                        "label": "env-${var.env}"
                    }]
                }]}
            }]}},
            "locals": [{"tags": {"team": "core", "cost-center": 42}}]
        });
        assert_eq!(shape(src), want);
    }

    #[test]
    fn paths_locate_terraform_and_yaml_nodes() {
        let src = "resource \"aws_s3_bucket\" \"b\" {\n  acl = \"public-read\"\n  tags = { env = \"prod\" }\n}\n";
        let parsed = crate::parse::hcl::parse(src).expect("parses");
        let steps = |v: &[&str]| -> Vec<Step> {
            v.iter()
                .map(|s| match s.parse::<usize>() {
                    Ok(i) => Step::Index(i),
                    Err(_) => Step::Key(s.to_string()),
                })
                .collect()
        };
        let at = |p: &[&str]| {
            locate_hcl(&parsed.body, &steps(p)).map(|s| &src[s.start as usize..s.end as usize])
        };
        assert_eq!(
            at(&["resource", "aws_s3_bucket", "b", "0", "acl"]),
            Some("\"public-read\"")
        );
        assert_eq!(
            at(&["resource", "aws_s3_bucket", "b", "0", "tags", "env"]),
            Some("\"prod\"")
        );
        let yaml = "spec:\n  containers:\n    - name: a\n      image: nginx\n";
        let doc = crate::parse::yaml::parse(yaml);
        let root = &doc.docs[0].root;
        let (span, exact) = locate_node(root, &steps(&["spec", "containers", "0", "image"]));
        assert!(exact);
        assert_eq!(&yaml[span.start as usize..span.end as usize], "nginx");
        assert_eq!(
            path_steps(&Value::from("spec.containers[0].image")),
            Some(steps(&["spec", "containers", "0", "image"]))
        );
    }
}
