//! JSON and JSONC: comment and trailing-comma blanking that keeps byte offsets, and JSON
//! values as [`Node`] trees for the rare valid JSON the YAML scanner cannot read. Depends on
//! `parse::node` and `source`.

use crate::parse::node::{Node, Scalar, Style, Value};
use crate::source::Span;

/// Blank `//` and `/* */` comments and trailing commas of JSONC (VS Code settings,
/// tsconfig), keeping every byte offset. `None` when there was nothing to blank.
pub fn strip_jsonc(text: &str) -> Option<String> {
    let mut b = text.as_bytes().to_vec();
    let mut changed = false;
    let mut i = 0;
    let mut in_str = false;
    let mut last_comma: Option<usize> = None;
    while i < b.len() {
        let c = b[i];
        if in_str {
            if c == b'\\' {
                i += 2;
                continue;
            }
            if c == b'"' {
                in_str = false;
            }
            i += 1;
            continue;
        }
        match c {
            b'"' => {
                in_str = true;
                last_comma = None;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    b[i] = b' ';
                    i += 1;
                }
                changed = true;
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let mut j = i;
                while j < b.len() && !(b[j] == b'*' && b.get(j + 1) == Some(&b'/')) {
                    if b[j] != b'\n' {
                        b[j] = b' ';
                    }
                    j += 1;
                }
                for k in j..(j + 2).min(b.len()) {
                    b[k] = b' ';
                }
                changed = true;
                i = j + 2;
                continue;
            }
            b',' => last_comma = Some(i),
            b'}' | b']' => {
                if let Some(p) = last_comma.take() {
                    b[p] = b' ';
                    changed = true;
                }
            }
            c if c.is_ascii_whitespace() => {}
            _ => last_comma = None,
        }
        i += 1;
    }
    if !changed {
        return None;
    }
    String::from_utf8(b).ok()
}

pub fn to_node(v: &serde_json::Value, span: Span) -> Node {
    use serde_json::Value as J;
    let value = match v {
        J::Null => return Node::null(span),
        J::Bool(b) => return Node::scalar(b.to_string(), Scalar::Bool(*b), Style::Plain, span),
        J::Number(n) => {
            let kind = if n.is_i64() || n.is_u64() {
                Scalar::Int
            } else {
                Scalar::Float
            };
            return Node::scalar(n.to_string(), kind, Style::Plain, span);
        }
        J::String(s) => return Node::scalar(s.as_str(), Scalar::Str, Style::Quoted, span),
        J::Array(items) => Value::Seq(items.iter().map(|i| to_node(i, span)).collect()),
        J::Object(m) => Value::Map(
            m.iter()
                .map(|(k, v)| {
                    (
                        Node::scalar(k.as_str(), Scalar::Str, Style::Quoted, span),
                        to_node(v, span),
                    )
                })
                .collect(),
        ),
    };
    Node { span, value }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonc_is_blanked_in_place() {
        let text = "{\n  // c\n  \"a\": \"x//y\", /* b */\n  \"b\": [1, 2,],\n}\n";
        let clean = strip_jsonc(text).expect("changed");
        assert_eq!(clean.len(), text.len());
        let v: serde_json::Value = serde_json::from_str(&clean).expect("valid json");
        assert_eq!(v["a"], "x//y");
        assert!(strip_jsonc("{\"a\": 1}").is_none());
    }
}
