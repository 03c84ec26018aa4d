//! The parsed value tree shared by YAML and JSON documents.
//!
//! Every node carries the byte span of its text, so rules can point at the exact key or
//! value. Scalars keep their source text and the type a Kubernetes API server would give
//! them (YAML 1.1, as go-yaml v2 resolves plain scalars). Depends only on `source`.

use compact_str::CompactString;

use crate::source::Span;

/// How a scalar was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Plain,
    Quoted,
    Block,
}

/// The resolved type of a scalar. Numbers are parsed from the text when asked for, which
/// keeps a node at 40 bytes (scalar text up to 24 bytes is stored inline).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scalar {
    Null,
    Bool(bool),
    Int,
    Float,
    Str,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Scalar {
        text: CompactString,
        kind: Scalar,
        style: Style,
    },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub span: Span,
    pub value: Value,
}

impl Node {
    pub fn scalar(text: impl Into<CompactString>, kind: Scalar, style: Style, span: Span) -> Self {
        Node {
            span,
            value: Value::Scalar {
                text: text.into(),
                kind,
                style,
            },
        }
    }

    pub fn null(span: Span) -> Self {
        Node::scalar("", Scalar::Null, Style::Plain, span)
    }

    /// Look up a key in a mapping (by the key's source text).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// The key node and value node of `key` in a mapping.
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .rev()
                .find(|(k, _)| k.key_text() == Some(key))
                .map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    /// Follow a path of mapping keys.
    pub fn path(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().try_fold(self, |node, k| node.get(k))
    }

    /// The text of any scalar, whatever its resolved type (used for keys).
    pub fn key_text(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// The value as a string, if it resolved to a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar {
                text,
                kind: Scalar::Str,
                ..
            } => Some(text),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Value::Scalar {
                kind: Scalar::Bool(b),
                ..
            } => Some(*b),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match &self.value {
            Value::Scalar {
                text,
                kind: Scalar::Int,
                ..
            } => parse_int(text),
            _ => None,
        }
    }

    /// The value as a number (integers included).
    pub fn as_f64(&self) -> Option<f64> {
        match &self.value {
            Value::Scalar {
                text,
                kind: Scalar::Int,
                ..
            } => parse_int(text).map(|i| i as f64),
            Value::Scalar {
                text,
                kind: Scalar::Float,
                ..
            } => parse_float(text),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(
            self.value,
            Value::Scalar {
                kind: Scalar::Null,
                ..
            }
        )
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// Items of a sequence; nothing for anything else (including null).
    pub fn items(&self) -> impl Iterator<Item = &Node> {
        self.as_seq().unwrap_or(&[]).iter()
    }

    /// Number of nodes in this subtree (including this one).
    pub fn size(&self) -> usize {
        match &self.value {
            Value::Scalar { .. } => 1,
            Value::Seq(items) => 1 + items.iter().map(Node::size).sum::<usize>(),
            Value::Map(entries) => {
                1 + entries
                    .iter()
                    .map(|(k, v)| k.size() + v.size())
                    .sum::<usize>()
            }
        }
    }

    /// Convert to JSON with the YAML 1.1 types (for policies and JSON output).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Scalar { text, kind, .. } => match kind {
                Scalar::Null => J::Null,
                Scalar::Bool(b) => J::Bool(*b),
                Scalar::Int => match parse_int(text) {
                    Some(i) => J::from(i),
                    None => J::String(text.to_string()),
                },
                Scalar::Float => parse_float(text)
                    .and_then(serde_json::Number::from_f64)
                    .map(J::Number)
                    .unwrap_or_else(|| J::String(text.to_string())),
                Scalar::Str => J::String(text.to_string()),
            },
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => {
                let mut m = serde_json::Map::new();
                for (k, v) in entries {
                    let key = k.key_text().unwrap_or_default().to_string();
                    m.insert(key, v.to_json());
                }
                J::Object(m)
            }
        }
    }
}

/// Resolve a plain (unquoted) scalar as YAML 1.1 / go-yaml v2 does.
pub fn resolve_plain(text: &str) -> Scalar {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Scalar::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Scalar::Bool(true);
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Scalar::Bool(false);
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" | "-.inf" | "-.Inf" | "-.INF"
        | ".nan" | ".NaN" | ".NAN" => return Scalar::Float,
        _ => {}
    }
    let first = text.as_bytes()[0];
    if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) {
        return Scalar::Str;
    }
    if parse_int(text).is_some() {
        return Scalar::Int;
    }
    if is_float(text) && parse_float(text).is_some() {
        return Scalar::Float;
    }
    Scalar::Str
}

/// A YAML 1.1 float (`1.5`, `1e3`, `.inf`, `-.Inf`, `.nan`).
pub fn parse_float(text: &str) -> Option<f64> {
    match text {
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Some(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Some(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => Some(f64::NAN),
        _ => text.replace('_', "").parse::<f64>().ok(),
    }
}

/// A YAML 1.1 integer as go-yaml v2 reads it (`0755` octal, `0x1F`, `0b101`, `1_000`).
pub fn parse_int(text: &str) -> Option<i64> {
    let cleaned: String;
    let t = if text.contains('_') {
        cleaned = text.replace('_', "");
        cleaned.as_str()
    } else {
        text
    };
    let (neg, digits) = match t.as_bytes().first()? {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() {
        return None;
    }
    let (radix, body) = if let Some(b) = digits.strip_prefix("0b") {
        (2, b)
    } else if let Some(b) = digits.strip_prefix("0x") {
        (16, b)
    } else if let Some(b) = digits.strip_prefix("0o") {
        (8, b)
    } else if digits.len() > 1 && digits.starts_with('0') {
        (8, &digits[1..])
    } else {
        (10, digits)
    };
    if body.is_empty() || !body.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let v = i64::from_str_radix(body, radix).ok()?;
    Some(if neg { -v } else { v })
}

fn is_float(text: &str) -> bool {
    // [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
    let b = text.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'-' | b'+')) {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let s = *i;
        while *i < b.len() && (b[*i].is_ascii_digit() || b[*i] == b'_') {
            *i += 1;
        }
        *i - s
    };
    let int_digits = digits(&mut i);
    let mut frac_digits = 0;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        frac_digits = digits(&mut i);
    }
    if int_digits == 0 && frac_digits == 0 {
        return false;
    }
    if i < b.len() && matches!(b[i], b'e' | b'E') {
        i += 1;
        if i < b.len() && matches!(b[i], b'-' | b'+') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_11_booleans_and_numbers() {
        assert_eq!(resolve_plain("yes"), Scalar::Bool(true));
        assert_eq!(resolve_plain("off"), Scalar::Bool(false));
        assert_eq!(resolve_plain("y"), Scalar::Bool(true));
        assert_eq!(resolve_plain("0755"), Scalar::Int);
        assert_eq!(parse_int("0755"), Some(493));
        assert_eq!(parse_int("0x1F"), Some(31));
        assert_eq!(parse_int("1_000"), Some(1000));
        assert_eq!(parse_int("-3"), Some(-3));
        assert_eq!(resolve_plain("1.5"), Scalar::Float);
        assert_eq!(parse_float("1e3"), Some(1000.0));
        assert_eq!(resolve_plain("-.inf"), Scalar::Float);
        assert_eq!(resolve_plain("~"), Scalar::Null);
        assert_eq!(resolve_plain("500m"), Scalar::Str);
        assert_eq!(resolve_plain("1.2.3"), Scalar::Str);
        assert_eq!(resolve_plain("nginx:1.25"), Scalar::Str);
        assert_eq!(resolve_plain("-"), Scalar::Str);
        assert_eq!(resolve_plain("0xZZ"), Scalar::Str);
        // go-yaml v2 falls back to a float when an octal-looking number does not parse
        assert_eq!(resolve_plain("089"), Scalar::Float);
        assert_eq!(parse_float("089"), Some(89.0));
    }

    #[test]
    fn plain_scalars_resolve_like_go_yaml_v2() {
        let rows = [
            ("+5", Scalar::Int),
            ("-0x1F", Scalar::Int),
            ("-1.5", Scalar::Float),
            ("+1e3", Scalar::Float),
            ("1e-3", Scalar::Float),
            ("2E+2", Scalar::Float),
            ("1_0.5", Scalar::Float),
            ("1.", Scalar::Float),
            (".5", Scalar::Float),
            ("+.INF", Scalar::Float),
            // What Rust's float parser reads but YAML 1.1 does not: strings.
            ("-inf", Scalar::Str),
            ("+nan", Scalar::Str),
            ("-infinity", Scalar::Str),
            ("-_", Scalar::Str),
            // A sign inside the digits is no number.
            ("--5", Scalar::Str),
            ("+-5", Scalar::Str),
            ("1e", Scalar::Str),
        ];
        for (text, kind) in rows {
            assert_eq!(resolve_plain(text), kind, "resolve_plain({text:?})");
        }
        let ints = [
            ("+5", Some(5)),
            ("-0b101", Some(-5)),
            ("0o17", Some(15)),
            ("0", Some(0)),
            ("0x-1", None),
            ("--5", None),
            ("+-5", None),
            ("0x", None),
            ("-", None),
            ("", None),
        ];
        for (text, want) in ints {
            assert_eq!(parse_int(text), want, "parse_int({text:?})");
        }
        assert_eq!(parse_float(".inf"), Some(f64::INFINITY));
        assert_eq!(parse_float("+.Inf"), Some(f64::INFINITY));
        assert_eq!(parse_float("-.INF"), Some(f64::NEG_INFINITY));
        assert!(parse_float(".NaN").is_some_and(f64::is_nan));
        assert_eq!(parse_float("1_000.5"), Some(1000.5));
    }

    fn plain(text: &str) -> Node {
        Node::scalar(text, resolve_plain(text), Style::Plain, Span::default())
    }

    #[test]
    fn numbers_read_as_f64_and_subtrees_count_their_nodes() {
        assert_eq!(plain("1.5").as_f64(), Some(1.5));
        assert_eq!(plain("0x10").as_f64(), Some(16.0));
        assert_eq!(plain("-.inf").as_f64(), Some(f64::NEG_INFINITY));
        assert_eq!(plain("x").as_f64(), None);
        assert_eq!(plain("1.5").as_i64(), None);
        let seq = Node {
            span: Span::default(),
            value: Value::Seq(vec![plain("a"), plain("b"), plain("c")]),
        };
        assert_eq!(seq.size(), 4);
        let map = Node {
            span: Span::default(),
            value: Value::Map(vec![(plain("k"), seq.clone()), (plain("j"), plain("v"))]),
        };
        // The map, key `k`, the sequence and its three items, key `j` and its value.
        assert_eq!(map.size(), 8);
        assert_eq!(plain("a").size(), 1);
    }
}
