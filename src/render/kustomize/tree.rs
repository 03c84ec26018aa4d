//! The object tree a build works on: YAML data where every node remembers the file, span
//! and role (base, patch, transformer, generator, application) that put it there, and the
//! emitter that writes the built objects back as YAML text with an [`OriginMap`].

use std::sync::Arc;

use crate::parse::node::{Node, Scalar, Value, resolve_plain};
use crate::render::{Origin, OriginMap, Role};
use crate::source::Span;

/// A value of the built tree.
#[derive(Clone, Debug)]
pub enum V {
    /// Scalar text and its resolved type.
    Scalar(String, Scalar),
    Seq(Vec<N>),
    Map(Vec<(String, N)>),
}

/// A node of the built tree with its origin. For a mapping value the origin covers the key
/// and the value in the source (what a finding on either should point at).
#[derive(Clone, Debug)]
pub struct N {
    pub v: V,
    pub o: Option<Origin>,
}

pub fn origin(path: &Arc<str>, span: Span, role: Role) -> Origin {
    Origin {
        path: path.clone(),
        span,
        role,
    }
}

impl N {
    pub fn new(v: V, o: Option<Origin>) -> N {
        N { v, o }
    }

    pub fn string(s: impl Into<String>, o: Option<Origin>) -> N {
        N {
            v: V::Scalar(s.into(), Scalar::Str),
            o,
        }
    }

    pub fn map(o: Option<Origin>) -> N {
        N {
            v: V::Map(Vec::new()),
            o,
        }
    }

    pub fn null(o: Option<Origin>) -> N {
        N {
            v: V::Scalar(String::new(), Scalar::Null),
            o,
        }
    }

    /// Convert a parsed node of `path`, every node taking `role`.
    pub fn from_node(node: &Node, path: &Arc<str>, role: Role) -> N {
        Self::convert(node, node.span, path, role, 0)
    }

    fn convert(node: &Node, span: Span, path: &Arc<str>, role: Role, depth: usize) -> N {
        let o = Some(origin(path, span, role));
        // Parsed YAML nests at most `MAX_DEPTH` levels: every parsed node converts whole
        // (this only guards a caller that builds deeper trees).
        if depth > crate::parse::yaml::MAX_DEPTH {
            return N::null(o);
        }
        let v = match &node.value {
            Value::Scalar { text, kind, .. } => {
                // kustomize reads YAML 1.2: `yes`/`on`/`y` stay strings.
                let kind = match kind {
                    Scalar::Bool(_)
                        if !matches!(
                            text.as_str(),
                            "true" | "True" | "TRUE" | "false" | "False" | "FALSE"
                        ) =>
                    {
                        Scalar::Str
                    }
                    k => *k,
                };
                V::Scalar(text.to_string(), kind)
            }
            Value::Seq(items) => V::Seq(
                items
                    .iter()
                    .map(|i| Self::convert(i, i.span, path, role, depth + 1))
                    .collect(),
            ),
            Value::Map(entries) => {
                let mut out: Vec<(String, N)> = Vec::with_capacity(entries.len());
                for (k, v) in entries {
                    let key = k.key_text().unwrap_or_default().to_string();
                    let n = Self::convert(v, k.span.cover(v.span), path, role, depth + 1);
                    if let Some(slot) = out.iter_mut().find(|(kk, _)| *kk == key) {
                        slot.1 = n;
                    } else {
                        out.push((key, n));
                    }
                }
                V::Map(out)
            }
        };
        N { v, o }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.v, V::Scalar(_, Scalar::Null))
    }

    pub fn as_map(&self) -> Option<&Vec<(String, N)>> {
        match &self.v {
            V::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_map_mut(&mut self) -> Option<&mut Vec<(String, N)>> {
        match &mut self.v {
            V::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&Vec<N>> {
        match &self.v {
            V::Seq(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_seq_mut(&mut self) -> Option<&mut Vec<N>> {
        match &mut self.v {
            V::Seq(s) => Some(s),
            _ => None,
        }
    }

    /// The text of a non-null scalar (names written as numbers count as strings).
    pub fn text(&self) -> Option<&str> {
        match &self.v {
            V::Scalar(_, Scalar::Null) => None,
            V::Scalar(t, _) => Some(t),
            _ => None,
        }
    }

    pub fn get(&self, key: &str) -> Option<&N> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut N> {
        self.as_map_mut()?
            .iter_mut()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    pub fn path(&self, keys: &[&str]) -> Option<&N> {
        keys.iter().try_fold(self, |n, k| n.get(k))
    }

    pub fn path_mut(&mut self, keys: &[&str]) -> Option<&mut N> {
        let mut cur = self;
        for k in keys {
            cur = cur.get_mut(k)?;
        }
        Some(cur)
    }

    pub fn str_at(&self, keys: &[&str]) -> Option<&str> {
        self.path(keys).and_then(N::text)
    }

    /// Set `key` (replacing its value in place, or appending it).
    pub fn set(&mut self, key: &str, value: N) {
        if !matches!(self.v, V::Map(_)) {
            self.v = V::Map(Vec::new());
        }
        if let Some(m) = self.as_map_mut() {
            match m.iter_mut().find(|(k, _)| k == key) {
                Some(slot) => slot.1 = value,
                None => m.push((key.to_string(), value)),
            }
        }
    }

    pub fn remove(&mut self, key: &str) -> Option<N> {
        let m = self.as_map_mut()?;
        let i = m.iter().position(|(k, _)| k == key)?;
        Some(m.remove(i).1)
    }

    /// The map at `key`, created (with origin `o`) when missing or not a map.
    pub fn child_map(&mut self, key: &str, o: &Option<Origin>) -> &mut N {
        let missing = !matches!(self.get(key).map(|n| &n.v), Some(V::Map(_)));
        if missing {
            self.set(key, N::map(o.clone()));
        }
        // The entry exists and is a map now.
        let m = match &mut self.v {
            V::Map(m) => m,
            _ => unreachable!("set() made this a map"),
        };
        let i = m.iter().position(|(k, _)| k == key).unwrap_or(0);
        &mut m[i].1
    }

    /// Equality as data (origins and scalar spelling of strings aside).
    pub fn same_data(&self, other: &N) -> bool {
        match (&self.v, &other.v) {
            (V::Scalar(a, ka), V::Scalar(b, kb)) => a == b && ka == kb,
            (V::Seq(a), V::Seq(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same_data(y))
            }
            (V::Map(a), V::Map(b)) => {
                a.len() == b.len()
                    && a.iter().all(|(k, v)| {
                        b.iter()
                            .find(|(kk, _)| kk == k)
                            .is_some_and(|(_, w)| v.same_data(w))
                    })
            }
            _ => false,
        }
    }
}

/// The type of a scalar kustomize creates without a tag: written plain, it reads back as
/// whatever its text says (`1.27` a number, `true` a boolean, nothing null).
pub fn plain_kind(text: &str) -> Scalar {
    if text.contains('\n') {
        return Scalar::Str;
    }
    resolve_plain(text)
}

/// The documents of YAML `text` as trees, from a file `a.yaml` (tests).
#[cfg(test)]
pub(crate) fn docs(text: &str) -> Vec<N> {
    let p = crate::parse::yaml::parse(text);
    assert!(p.error.is_none(), "{:?}", p.error);
    let path: Arc<str> = Arc::from("a.yaml");
    p.docs
        .iter()
        .map(|d| N::from_node(&d.root, &path, Role::Base))
        .collect()
}

// ---------------------------------------------------------------- emitter

/// Whether a string must be quoted to read back as the same string.
fn needs_quotes(s: &str) -> bool {
    reads_as_other_type(s) || syntax_needs_quotes(s)
}

/// Whether a plain scalar `s` would be read as something else than a string (go-yaml then
/// double-quotes it).
fn reads_as_other_type(s: &str) -> bool {
    if s.is_empty() || resolve_plain(s) != Scalar::Str {
        return true;
    }
    // kyaml quotes what a YAML 1.1 reader would take for a sexagesimal number or a timestamp
    if crate::render::helm::yaml::is_base60_float(s) || crate::render::helm::yaml::is_timestamp(s) {
        return true;
    }
    // YAML 1.2 readers (kustomize, Argo CD) take these as non-strings too.
    matches!(
        s,
        "yes" | "Yes" | "YES" | "no" | "No" | "NO" | "on" | "On" | "ON" | "off" | "Off" | "OFF"
    )
}

/// Whether a string that reads as a string still cannot be written plain (an indicator
/// first, `: ` or ` #` inside, blanks at its ends, characters only escapes can write).
fn syntax_needs_quotes(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return true;
    };
    if "?:,[]{}#&*!|>'\"%@`".contains(first) || first.is_whitespace() {
        return true;
    }
    // `-x` is a plain scalar; `-`, `- x` and `--- ` are not.
    if first == '-' && (s.len() == 1 || s[1..].starts_with([' ', '\t']) || s.starts_with("---")) {
        return true;
    }
    let last = s.chars().next_back().unwrap_or(' ');
    if last.is_whitespace() || last == ':' {
        return true;
    }
    s.contains(": ") || s.contains(" #") || s.contains(":\t") || s.chars().any(escape_only)
}

/// A character only a double-quoted escape can write (control characters, NEL, the BOM,
/// line and paragraph separators).
fn escape_only(c: char) -> bool {
    c.is_control() || matches!(c, '\u{feff}' | '\u{2028}' | '\u{2029}')
}

/// Write a string that cannot be plain as go-yaml does: double-quoted when it would read as
/// another type or holds what only an escape can write (tabs, control characters, line
/// breaks), else single-quoted.
/// `fold`: the indentation of continuation lines when a long value may be folded (never
/// for a key).
fn quote_str(s: &str, fold: Option<usize>, out: &mut String) {
    if !s.chars().any(escape_only) && !reads_as_other_type(s) {
        out.push('\'');
        let body = s.replace('\'', "''");
        match fold {
            // go-yaml never folds at the first or last character of a quoted string
            Some(indent) => {
                // (char boundaries: the first character's end, the last one's start)
                let first = body.chars().next().map_or(0, char::len_utf8);
                let last = body.char_indices().next_back().map_or(0, |(i, _)| i);
                if first < last {
                    out.push_str(&body[..first]);
                    write_folded(&body[first..last], indent, out);
                    out.push_str(&body[last..]);
                } else {
                    out.push_str(&body);
                }
            }
            None => out.push_str(&body),
        }
        out.push('\'');
    } else {
        quote(s, fold, out);
    }
}

/// go-yaml's line folding of flow scalars (kubectl's output): a line is broken at a space
/// once it is past column 80, and continues at `indent`. Without an indentation (a key),
/// nothing is folded.
struct Fold {
    indent: Option<usize>,
    column: usize,
    after_space: bool,
}

impl Fold {
    const WIDTH: usize = 80;

    fn new(out: &str, indent: Option<usize>) -> Fold {
        let column = out[out.rfind('\n').map_or(0, |i| i + 1)..].chars().count();
        Fold {
            indent,
            column,
            after_space: false,
        }
    }

    fn text(&mut self, out: &mut String, s: &str) {
        out.push_str(s);
        self.column += s.chars().count();
        self.after_space = false;
    }

    /// A space: a line break instead when `may_break` and the line is full (the first of a
    /// run of spaces only). Returns whether it broke the line.
    fn space(&mut self, out: &mut String, may_break: bool) -> bool {
        let broke = match self.indent {
            Some(indent) if may_break && !self.after_space && self.column > Self::WIDTH => {
                out.push('\n');
                push_indent(out, indent);
                self.column = indent;
                true
            }
            _ => {
                out.push(' ');
                self.column += 1;
                false
            }
        };
        self.after_space = true;
        broke
    }
}

/// Write `s` plain (or inside single quotes), folded as go-yaml does: never before another
/// space.
fn write_folded(s: &str, indent: usize, out: &mut String) {
    let mut fold = Fold::new(out, Some(indent));
    let mut chars = s.chars().peekable();
    let mut buf = [0u8; 4];
    while let Some(c) = chars.next() {
        if c == ' ' {
            fold.space(out, chars.peek().is_some_and(|&n| n != ' '));
        } else {
            fold.text(out, c.encode_utf8(&mut buf));
        }
    }
}

/// A double-quoted string; `fold` as in [`quote_str`]. go-yaml breaks at any space but the
/// first and last character, and escapes a space that would then start the next line.
fn quote(s: &str, fold: Option<usize>, out: &mut String) {
    out.push('"');
    let mut f = Fold::new(out, fold);
    let last = s.chars().count().saturating_sub(1);
    let mut chars = s.chars().enumerate().peekable();
    let mut buf = [0u8; 4];
    while let Some((k, c)) = chars.next() {
        let escape = match c {
            '"' => "\\\"".to_string(),
            '\\' => "\\\\".to_string(),
            '\n' => "\\n".to_string(),
            '\t' => "\\t".to_string(),
            '\r' => "\\r".to_string(),
            '\u{85}' => "\\N".to_string(),
            '\u{2028}' => "\\L".to_string(),
            '\u{2029}' => "\\P".to_string(),
            '\u{feff}' => "\\uFEFF".to_string(),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => format!("\\x{:02X}", c as u32),
            _ => String::new(),
        };
        if !escape.is_empty() {
            f.text(out, &escape);
        } else if c == ' ' {
            if f.space(out, k != 0 && k != last) && chars.peek().is_some_and(|&(_, n)| n == ' ') {
                f.text(out, "\\");
            }
        } else {
            f.text(out, c.encode_utf8(&mut buf));
        }
    }
    out.push('"');
}

/// Whether a multi-line string is written as a literal block scalar (go-yaml's rule, so
/// that output looks like kubectl's): no tab or other non-printable character, no line
/// ending in a space, no leading line break.
fn block_ok(s: &str) -> bool {
    s.contains('\n')
        && !s.starts_with('\n')
        && !s.ends_with(' ')
        && !s.contains(" \n")
        && !s.trim_end_matches('\n').is_empty()
        && !s.chars().any(|c| c != '\n' && escape_only(c))
}

fn write_key(k: &str, out: &mut String) {
    if k == "<<" {
        // a merge key only as a key
        quote(k, None, out);
    } else if needs_quotes(k) {
        quote_str(k, None, out);
    } else {
        out.push_str(k);
    }
}

/// Write a scalar after `key: ` or `- `; `indent` is the indentation of block content.
fn write_scalar(text: &str, kind: Scalar, indent: usize, out: &mut String) {
    match kind {
        Scalar::Null => out.push_str("null"),
        Scalar::Str => {
            if text.contains('\n') && block_ok(text) {
                let body = text.trim_end_matches('\n');
                let trailing = text.len() - body.len();
                out.push('|');
                // a first line that starts with a space: the indentation is given
                if text.starts_with(' ') {
                    out.push('2');
                }
                out.push_str(match trailing {
                    0 => "-",
                    1 => "",
                    _ => "+",
                });
                for line in body.split('\n') {
                    out.push('\n');
                    if !line.is_empty() {
                        push_indent(out, indent);
                        out.push_str(line);
                    }
                }
                for _ in 1..trailing {
                    out.push('\n');
                }
            } else if text == "<<" {
                // a merge key only as a key
                out.push_str(text);
            } else if needs_quotes(text) {
                quote_str(text, Some(indent), out);
            } else {
                write_folded(text, indent, out);
            }
        }
        _ => {
            if text.is_empty() || text.contains('\n') || text.contains(": ") || text.contains(" #")
            {
                quote(text, Some(indent), out);
            } else {
                out.push_str(text);
            }
        }
    }
}

fn push_indent(out: &mut String, n: usize) {
    for _ in 0..n {
        out.push(' ');
    }
}

fn record(map: &mut OriginMap, o: &Option<Origin>, start: usize, end: usize) {
    if let Some(o) = o {
        map.push(Span::new(start, end), o.clone());
    }
}

/// Emit one object as a YAML document (no `---`), keys sorted as kubectl prints them,
/// recording origins.
pub fn emit_doc(n: &N, out: &mut String, map: &mut OriginMap) {
    let start = out.len();
    match &n.v {
        V::Map(m) if !m.is_empty() => emit_map(m, 0, false, out, map),
        V::Seq(s) if !s.is_empty() => emit_seq(s, 0, false, out, map),
        V::Map(_) => out.push_str("{}\n"),
        V::Seq(_) => out.push_str("[]\n"),
        V::Scalar(t, k) => {
            write_scalar(t, *k, 0, out);
            out.push('\n');
        }
    }
    record(map, &n.o, start, out.len());
}

fn emit_map(
    m: &[(String, N)],
    indent: usize,
    first_inline: bool,
    out: &mut String,
    map: &mut OriginMap,
) {
    // kubectl kustomize prints every mapping with its keys sorted.
    let mut sorted: Vec<&(String, N)> = m.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    for (i, (k, v)) in sorted.into_iter().enumerate() {
        if !(i == 0 && first_inline) {
            push_indent(out, indent);
        }
        let start = out.len();
        write_key(k, out);
        out.push(':');
        emit_value(v, indent, out, map);
        record(map, &v.o, start, out.len());
    }
}

/// A mapping value after `key:`.
fn emit_value(v: &N, indent: usize, out: &mut String, map: &mut OriginMap) {
    match &v.v {
        V::Scalar(t, k) => {
            out.push(' ');
            write_scalar(t, *k, indent + 2, out);
            out.push('\n');
        }
        V::Map(m) if m.is_empty() => out.push_str(" {}\n"),
        V::Seq(s) if s.is_empty() => out.push_str(" []\n"),
        V::Map(m) => {
            out.push('\n');
            emit_map(m, indent + 2, false, out, map);
        }
        V::Seq(s) => {
            out.push('\n');
            emit_seq(s, indent, false, out, map);
        }
    }
}

fn emit_seq(s: &[N], indent: usize, first_inline: bool, out: &mut String, map: &mut OriginMap) {
    for (i, item) in s.iter().enumerate() {
        if !(i == 0 && first_inline) {
            push_indent(out, indent);
        }
        let start = out.len();
        out.push_str("- ");
        match &item.v {
            V::Scalar(t, k) => {
                write_scalar(t, *k, indent + 2, out);
                out.push('\n');
            }
            V::Map(m) if m.is_empty() => out.push_str("{}\n"),
            V::Seq(x) if x.is_empty() => out.push_str("[]\n"),
            V::Map(m) => emit_map(m, indent + 2, true, out, map),
            V::Seq(x) => emit_seq(x, indent + 2, true, out, map),
        }
        record(map, &item.o, start, out.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::yaml::parse;

    fn node(text: &str) -> N {
        docs(text).remove(0)
    }

    #[test]
    fn same_data_compares_values_and_types_not_spelling_or_order() {
        let cases = [
            ("a", "'a'", true),
            ("a", "b", false),
            ("1", "'1'", false),
            ("[1, 2]", "[1, 2]", true),
            ("[1, 2]", "[2, 1]", false),
            ("[1, 2]", "[1]", false),
            ("[1]", "[1, 2]", false),
            ("{a: 1, b: 2}", "{b: 2, a: 1}", true),
            ("{a: 1, b: 2}", "{a: 1, b: 3}", false),
            ("{a: 1, b: 2}", "{a: 1, c: 2}", false),
            ("{a: 1}", "{a: 1, b: 2}", false),
            ("{a: 1, b: 2}", "{a: 1}", false),
            ("{a: [x]}", "[x]", false),
            ("[x]", "x", false),
        ];
        for (a, b, same) in cases {
            assert_eq!(node(a).same_data(&node(b)), same, "{a} vs {b}");
            assert_eq!(node(b).same_data(&node(a)), same, "{b} vs {a}");
        }
    }

    #[test]
    fn a_null_has_no_text() {
        assert_eq!(node("~").text(), None);
        assert_eq!(node("null").text(), None);
        assert_eq!(node("'null'").text(), Some("null"));
        assert_eq!(node("[a]").text(), None);
    }

    fn roundtrip(text: &str) -> String {
        let p = parse(text);
        assert!(p.error.is_none(), "{:?}", p.error);
        let path: Arc<str> = Arc::from("a.yaml");
        let n = N::from_node(&p.docs[0].root, &path, Role::Base);
        let mut out = String::new();
        let mut m = OriginMap::new();
        emit_doc(&n, &mut out, &mut m);
        out
    }

    #[test]
    fn emits_parseable_yaml_with_same_data() {
        let src = "a: \"1\"\nb: 2\nc: \"true\"\nd: \"\"\ne:\n- x\n- - w\n  - z\n- k: v\n  l: \"null\"\nf: |\n  line1\n\n  line2\ng: \"a: b\"\nh: \" lead\"\ni: []\nj: {}\nk: \"#x\"\nl: \"multi\\nno-trailing\"\nm: \"yes\"\nn: ~\n";
        let out = roundtrip(src);
        let a = parse(src).docs[0].root.to_json();
        let b = parse(&out);
        assert!(b.error.is_none(), "{out}");
        assert_eq!(a, b.docs[0].root.to_json(), "{out}");
    }

    #[test]
    fn a_merge_key_string_is_plain_as_a_value_and_quoted_as_a_key() {
        // kubectl prints the value `<<` plain (PyYAML cannot read that back, so the case is
        // here rather than in a fixture the conformance script compares)
        assert_eq!(roundtrip("a: \"<<\"\n\"<<\": b\n"), "\"<<\": b\na: <<\n");
    }

    #[test]
    fn yaml_11_only_booleans_are_read_as_strings_as_kustomize_does() {
        let out = roundtrip("a: yes\nb: on\nc: true\nd: -x\ne: '-'\n");
        // (`-` reads as a string; it is quoted for its syntax only: single quotes)
        assert_eq!(out, "a: \"yes\"\nb: \"on\"\nc: true\nd: -x\ne: '-'\n");
    }

    #[test]
    fn a_document_of_an_empty_collection_or_a_scalar_is_flow_or_plain() {
        assert_eq!(roundtrip("{}"), "{}\n");
        assert_eq!(roundtrip("[]"), "[]\n");
        assert_eq!(roundtrip("[a, {}, []]"), "- a\n- {}\n- []\n");
        assert_eq!(roundtrip("x"), "x\n");
        assert_eq!(roundtrip("~"), "null\n");
    }

    #[test]
    fn unicode_breaks_and_the_bom_are_escaped_in_double_quotes() {
        // kubectl writes NEL, LS and PS raw (LS and PS followed by indentation that then
        // reads back as part of the value): octolint writes YAML's escapes, which read back
        // as the same string. The BOM is escaped as kubectl escapes it.
        let out = roundtrip("nel: \"a\\Nb\"\nls: \"a\\Lb\"\nps: \"a\\Pb\"\nbom: \"a\\uFEFFb\"\n");
        assert_eq!(
            out,
            "bom: \"a\\uFEFFb\"\nls: \"a\\Lb\"\nnel: \"a\\Nb\"\nps: \"a\\Pb\"\n"
        );
    }
}
