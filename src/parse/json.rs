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
                // The comment's text starts after `/*`: `/*/` does not close it.
                b[i] = b' ';
                b[i + 1] = b' ';
                let mut j = i + 2;
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

    #[test]
    fn jsonc_blanking_by_table() {
        // (input, output): every blanked byte becomes a space, line breaks stay.
        for (text, want) in [
            ("{\"a\": 1} // c\n", "{\"a\": 1}     \n"),
            ("{\"a\": 1} // c", "{\"a\": 1}     "),
            ("[1, /* a\nb */ 2]", "[1,     \n     2]"),
            // An unterminated block comment runs to the end.
            ("[1] /* a", "[1]     "),
            ("[1] /*", "[1]   "),
            ("[1 /*/ 2 */]", "[1         ]"),
            ("[1 /**/]", "[1     ]"),
            // Trailing commas, also before a comment or white space.
            ("[1, 2,]", "[1, 2 ]"),
            ("{\"a\": 1,\n}", "{\"a\": 1 \n}"),
            (
                "[1, // x\n]",
                "[1  // x\n]".replace("// x", "    ").as_str(),
            ),
            ("[[1,],]", "[[1 ] ]"),
            // Comment markers and escaped quotes inside strings are text.
            ("[\"a//b\", \"c/*d\", 1,]", "[\"a//b\", \"c/*d\", 1 ]"),
            ("[\"a\\\"//b\", 1,]", "[\"a\\\"//b\", 1 ]"),
            ("[\"a\\\\\", 1,]", "[\"a\\\\\", 1 ]"),
        ] {
            assert_eq!(strip_jsonc(text).as_deref(), Some(want), "{text}");
        }
        // Nothing to blank: a comma before a value, a comma inside a string.
        for text in [
            "[1, 2]",
            "{\"a\": \",]\"}",
            "[\"//\", \"/*\"]",
            "[\"a\\\"\", 1]",
            "/",
        ] {
            assert_eq!(strip_jsonc(text), None, "{text}");
        }
    }

    #[test]
    fn json_values_become_nodes() {
        let span = Span::new(3, 9);
        let v: serde_json::Value = serde_json::from_str(
            r#"{"n": null, "t": true, "f": false, "i": -7, "u": 18446744073709551615,
               "x": 1.5, "s": "a\"b", "l": [1, "2"]}"#,
        )
        .expect("valid json");
        let node = to_node(&v, span);
        assert_eq!(node.span, span);
        let scalar = |text: &str, kind, style| Node::scalar(text, kind, style, span);
        let want = Node {
            span,
            value: Value::Map(vec![
                (scalar("n", Scalar::Str, Style::Quoted), Node::null(span)),
                (
                    scalar("t", Scalar::Str, Style::Quoted),
                    scalar("true", Scalar::Bool(true), Style::Plain),
                ),
                (
                    scalar("f", Scalar::Str, Style::Quoted),
                    scalar("false", Scalar::Bool(false), Style::Plain),
                ),
                (
                    scalar("i", Scalar::Str, Style::Quoted),
                    scalar("-7", Scalar::Int, Style::Plain),
                ),
                (
                    scalar("u", Scalar::Str, Style::Quoted),
                    scalar("18446744073709551615", Scalar::Int, Style::Plain),
                ),
                (
                    scalar("x", Scalar::Str, Style::Quoted),
                    scalar("1.5", Scalar::Float, Style::Plain),
                ),
                (
                    scalar("s", Scalar::Str, Style::Quoted),
                    scalar("a\"b", Scalar::Str, Style::Quoted),
                ),
                (
                    scalar("l", Scalar::Str, Style::Quoted),
                    Node {
                        span,
                        value: Value::Seq(vec![
                            scalar("1", Scalar::Int, Style::Plain),
                            scalar("2", Scalar::Str, Style::Quoted),
                        ]),
                    },
                ),
            ]),
        };
        // serde_json without `preserve_order` sorts keys: compare as sorted.
        let sorted = |n: &Node| -> Vec<(Node, Node)> {
            let Value::Map(m) = &n.value else {
                return Vec::new();
            };
            let mut m = m.clone();
            m.sort_by(|a, b| format!("{:?}", a.0).cmp(&format!("{:?}", b.0)));
            m
        };
        assert_eq!(sorted(&node), sorted(&want));
        assert!(matches!(node.value, Value::Map(_)));
    }
}
