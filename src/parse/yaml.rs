//! YAML (and JSON) text to [`Node`] trees with byte spans.
//!
//! Built on `saphyr-parser`'s event stream rather than a ready-made loader so that we keep
//! our own compact nodes, resolve plain scalars as YAML 1.1 (what the Kubernetes API server
//! sees), report duplicate keys as findings instead of aborting, apply `<<` merge keys, and
//! bound alias expansion. Depends on `source` and `parse::node`.

use saphyr_parser::{Event, Input, Parser, ScalarStyle, Span as YSpan, StrInput};

use crate::parse::node::{Node, Scalar, Style, Value, resolve_plain};
use crate::source::{CharToByte, Span};

/// Hard limit on nodes produced by alias expansion in one file (alias bombs).
pub const ALIAS_NODE_LIMIT: usize = 250_000;
/// Hard limit on nesting depth (deeply nested flow collections).
pub const MAX_DEPTH: usize = 512;

/// One parsed YAML document.
#[derive(Debug, Clone)]
pub struct YamlDoc {
    /// Index of the document in its file (0-based).
    pub index: usize,
    /// Span from the document's first to last content byte.
    pub span: Span,
    pub root: Node,
}

/// A problem found while parsing that does not stop the parse.
#[derive(Debug, Clone, PartialEq)]
pub struct Warning {
    pub span: Span,
    pub message: String,
    /// Span of the first occurrence, for duplicate keys.
    pub related: Option<Span>,
}

/// A parse that stopped: documents before the error are kept.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    pub offset: usize,
    pub message: String,
}

#[derive(Debug, Default)]
pub struct ParsedYaml {
    pub docs: Vec<YamlDoc>,
    pub warnings: Vec<Warning>,
    pub error: Option<ParseError>,
}

enum Frame {
    Seq {
        start: usize,
        anchor: usize,
        /// Where the sequence's items start in `Builder::items`.
        base: usize,
    },
    Map {
        start: usize,
        anchor: usize,
        /// Where the mapping's entries start in `Builder::entries`.
        base: usize,
        key: Option<Node>,
        has_merge: bool,
    },
}

struct Builder<'t> {
    text: &'t str,
    conv: CharToByte<'t>,
    stack: Vec<Frame>,
    /// The items of every open sequence and the entries of every open mapping, innermost
    /// last: a finished collection takes its own in one allocation of the exact size
    /// (growing each collection's own vector re-allocated it about log2(n) times).
    items: Vec<Node>,
    entries: Vec<(Node, Node)>,
    anchors: Vec<Option<(Node, usize)>>,
    expanded: usize,
    out: ParsedYaml,
    doc_start: usize,
}

fn style_of(s: ScalarStyle) -> Style {
    match s {
        ScalarStyle::Plain => Style::Plain,
        ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => Style::Quoted,
        _ => Style::Block,
    }
}

impl<'t> Builder<'t> {
    fn span(&self, s: YSpan) -> Span {
        Span::new(
            self.conv.byte(s.start.index()),
            self.conv.byte(s.end.index()),
        )
    }

    fn set_anchor(&mut self, id: usize, node: &Node) {
        if id == 0 {
            return;
        }
        if self.anchors.len() <= id {
            self.anchors.resize(id + 1, None);
        }
        self.anchors[id] = Some((node.clone(), node.size()));
    }

    /// Attach a finished node to its parent, or finish the document.
    fn push(&mut self, node: Node) {
        match self.stack.last_mut() {
            None => {
                let span = Span::new(self.doc_start.min(node.span.start()), node.span.end());
                let index = self.out.docs.len();
                self.out.docs.push(YamlDoc {
                    index,
                    span,
                    root: node,
                });
            }
            Some(Frame::Seq { .. }) => self.items.push(node),
            Some(Frame::Map {
                base,
                key,
                has_merge,
                ..
            }) => match key.take() {
                None => *key = Some(node),
                Some(k) => {
                    if k.key_text() == Some("<<")
                        && matches!(
                            &k.value,
                            Value::Scalar {
                                style: Style::Plain,
                                ..
                            }
                        )
                    {
                        *has_merge = true;
                    }
                    let dup = k.key_text().and_then(|kt| {
                        if kt == "<<" {
                            return None;
                        }
                        self.entries[*base..]
                            .iter()
                            .find(|(e, _)| e.key_text() == Some(kt))
                            .map(|(e, _)| (e.span, kt.to_string()))
                    });
                    if let Some((first, name)) = dup {
                        self.out.warnings.push(Warning {
                            span: k.span,
                            message: format!("duplicate key `{name}`: the last value wins"),
                            related: Some(first),
                        });
                    }
                    self.entries.push((k, node));
                }
            },
        }
    }

    fn finish_map(
        &mut self,
        start: usize,
        mut entries: Vec<(Node, Node)>,
        has_merge: bool,
        end: usize,
    ) -> Node {
        if has_merge {
            entries = apply_merges(entries);
        }
        // Every parsed tree is kept for the whole run: drop the growth slack.
        entries.shrink_to_fit();
        let end = entries
            .last()
            .map(|(_, v)| v.span.end())
            .unwrap_or(end)
            .max(start);
        Node {
            span: Span::new(start, end),
            value: Value::Map(entries),
        }
    }

    fn on_event(&mut self, ev: Event<'_>, yspan: YSpan) -> Result<(), ParseError> {
        let span = self.span(yspan);
        match ev {
            Event::DocumentStart(_) => {
                self.doc_start = span.end();
            }
            Event::DocumentEnd => {}
            Event::Scalar(text, style, anchor, tag) => {
                let st = style_of(style);
                // The scanner's span of a quoted scalar runs on over a trailing comment.
                let span = match quoted_end(self.text, span.start()) {
                    Some(end) if st == Style::Quoted && end <= span.end() => {
                        Span::new(span.start(), end)
                    }
                    _ => span,
                };
                let kind = match (&tag, st) {
                    (Some(t), _) if t.is_yaml_core_schema() || t.handle == "!!" => {
                        match t.suffix.as_str() {
                            "str" | "binary" => Scalar::Str,
                            _ => resolve_plain(&text),
                        }
                    }
                    (Some(_), _) => Scalar::Str,
                    (None, Style::Plain) => resolve_plain(&text),
                    (None, _) => Scalar::Str,
                };
                let node = Node::scalar(text.as_ref(), kind, st, span);
                self.set_anchor(anchor, &node);
                self.push(node);
            }
            Event::SequenceStart(anchor, _) => {
                self.check_depth(span.start())?;
                self.stack.push(Frame::Seq {
                    start: span.start(),
                    anchor,
                    base: self.items.len(),
                });
            }
            Event::MappingStart(anchor, _) => {
                self.check_depth(span.start())?;
                self.stack.push(Frame::Map {
                    start: span.start(),
                    anchor,
                    base: self.entries.len(),
                    key: None,
                    has_merge: false,
                });
            }
            Event::SequenceEnd => {
                if let Some(Frame::Seq {
                    start,
                    anchor,
                    base,
                }) = self.stack.pop()
                {
                    let items: Vec<Node> = self.items.drain(base..).collect();
                    let end = items
                        .last()
                        .map(|n| n.span.end())
                        .unwrap_or(span.end())
                        .max(start);
                    let node = Node {
                        span: Span::new(start, end),
                        value: Value::Seq(items),
                    };
                    self.set_anchor(anchor, &node);
                    self.push(node);
                }
            }
            Event::MappingEnd => {
                if let Some(Frame::Map {
                    start,
                    anchor,
                    base,
                    has_merge,
                    ..
                }) = self.stack.pop()
                {
                    let entries: Vec<(Node, Node)> = self.entries.drain(base..).collect();
                    let node = self.finish_map(start, entries, has_merge, span.end());
                    self.set_anchor(anchor, &node);
                    self.push(node);
                }
            }
            Event::Alias(id) => {
                let Some(Some((node, size))) = self.anchors.get(id) else {
                    return Err(ParseError {
                        offset: span.start(),
                        message: "alias refers to an unknown anchor".into(),
                    });
                };
                self.expanded += size;
                if self.expanded > ALIAS_NODE_LIMIT {
                    return Err(ParseError {
                        offset: span.start(),
                        message: format!(
                            "alias expansion exceeds the limit of {ALIAS_NODE_LIMIT} nodes (possible alias bomb)"
                        ),
                    });
                }
                let mut node = node.clone();
                node.span = span;
                self.push(node);
            }
            Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
        }
        Ok(())
    }

    fn check_depth(&self, offset: usize) -> Result<(), ParseError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(ParseError {
                offset,
                message: format!("nesting deeper than {MAX_DEPTH} levels"),
            });
        }
        Ok(())
    }
}

/// The end (exclusive) of a quoted scalar starting at `start`.
fn quoted_end(text: &str, start: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let quote = *bytes.get(start)?;
    if quote != b'\'' && quote != b'"' {
        return None;
    }
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote == b'"' => i += 2,
            b'\'' if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 2,
            b if b == quote => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// Apply YAML merge keys (`<<: *anchor` or `<<: [*a, *b]`): explicit keys win, then
/// earlier merge sources win over later ones.
fn apply_merges(entries: Vec<(Node, Node)>) -> Vec<(Node, Node)> {
    let mut explicit: Vec<(Node, Node)> = Vec::with_capacity(entries.len());
    let mut sources: Vec<Node> = Vec::new();
    for (k, v) in entries {
        let is_merge = k.key_text() == Some("<<")
            && matches!(
                &k.value,
                Value::Scalar {
                    style: Style::Plain,
                    ..
                }
            );
        if is_merge {
            match v.value {
                Value::Seq(items) => sources.extend(items),
                _ => sources.push(v),
            }
        } else {
            explicit.push((k, v));
        }
    }
    for src in sources {
        if let Value::Map(src_entries) = src.value {
            for (k, v) in src_entries {
                let exists = explicit
                    .iter()
                    .any(|(e, _)| e.key_text().is_some() && e.key_text() == k.key_text());
                if !exists {
                    explicit.push((k, v));
                }
            }
        }
    }
    explicit
}

/// Parse a YAML stream (JSON included) into documents.
///
/// go-yaml (what kubectl and Argo CD use) does not check indentation inside flow
/// collections, so a `]` that closes a multi-line list at its key's indentation is accepted
/// there. When the strict scanner rejects such a line we indent it in a copy, re-parse, and
/// map every span back onto the original text.
pub fn parse(text: &str) -> ParsedYaml {
    let first = parse_strict(text);
    let Some(err) = &first.error else {
        return first;
    };
    if err.message != "invalid indentation" {
        return first;
    }
    let mut patched = text.to_string();
    let mut inserts: Vec<(usize, usize)> = Vec::new(); // (original offset, spaces inserted)
    let mut offset = err.offset;
    for _ in 0..16 {
        let Some(line_start) = flow_continuation_line(&patched, offset) else {
            return first;
        };
        patched.insert_str(line_start, "  ");
        let orig = to_original(line_start, &inserts);
        inserts.push((orig, 2));
        inserts.sort_unstable();
        let mut again = parse_strict(&patched);
        match &again.error {
            Some(e) if e.message == "invalid indentation" => offset = e.offset,
            Some(_) => return first,
            None => {
                for d in &mut again.docs {
                    d.span = map_span(d.span, &inserts);
                    remap(&mut d.root, &inserts);
                }
                for w in &mut again.warnings {
                    w.span = map_span(w.span, &inserts);
                    w.related = w.related.map(|r| map_span(r, &inserts));
                }
                return again;
            }
        }
    }
    first
}

/// The start of the line holding `offset` if that line continues a flow collection.
fn flow_continuation_line(text: &str, offset: usize) -> Option<usize> {
    let offset = offset.min(text.len());
    let line_start = text[..offset].rfind('\n').map(|i| i + 1)?;
    let line = &text[line_start..];
    let first = line.trim_start_matches([' ', '\t']).chars().next()?;
    let prev = text[..line_start - 1].trim_end();
    let prev_last = prev.chars().last()?;
    (matches!(first, ']' | '}') || matches!(prev_last, ',' | '[' | '{')).then_some(line_start)
}

fn to_original(patched: usize, inserts: &[(usize, usize)]) -> usize {
    let mut shift = 0;
    for &(orig, n) in inserts {
        if orig + shift < patched {
            shift += n;
        }
    }
    patched - shift
}

fn map_span(s: Span, inserts: &[(usize, usize)]) -> Span {
    Span::new(
        to_original(s.start(), inserts),
        to_original(s.end(), inserts),
    )
}

fn remap(node: &mut Node, inserts: &[(usize, usize)]) {
    node.span = map_span(node.span, inserts);
    match &mut node.value {
        Value::Seq(items) => items.iter_mut().for_each(|n| remap(n, inserts)),
        Value::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
            remap(k, inserts);
            remap(v, inserts);
        }),
        Value::Scalar { .. } => {}
    }
}

/// `saphyr-parser`'s string input with a 16-character look-ahead window instead of 128.
///
/// The scanner reserves one window of room in every plain scalar's `String` right after its
/// first character: with 128 that re-allocates each scalar's 32-byte buffer, about a fifth of
/// the parse's time. A string input has every character at hand whatever the window, so only
/// the batch size changes; every other method is the string input's own.
struct ShortBuffer<'a>(StrInput<'a>);

impl Input for ShortBuffer<'_> {
    #[inline]
    fn lookahead(&mut self, count: usize) {
        self.0.lookahead(count);
    }
    #[inline]
    fn buflen(&self) -> usize {
        self.0.buflen()
    }
    #[inline]
    fn bufmaxlen(&self) -> usize {
        16
    }
    #[inline]
    fn buf_is_empty(&self) -> bool {
        self.0.buf_is_empty()
    }
    #[inline]
    fn raw_read_ch(&mut self) -> char {
        self.0.raw_read_ch()
    }
    #[inline]
    fn raw_read_non_breakz_ch(&mut self) -> Option<char> {
        self.0.raw_read_non_breakz_ch()
    }
    #[inline]
    fn skip(&mut self) {
        self.0.skip();
    }
    #[inline]
    fn skip_n(&mut self, count: usize) {
        self.0.skip_n(count);
    }
    #[inline]
    fn peek(&self) -> char {
        self.0.peek()
    }
    #[inline]
    fn peek_nth(&self, n: usize) -> char {
        self.0.peek_nth(n)
    }
    #[inline]
    fn peek_opt(&self) -> Option<char> {
        self.0.peek_opt()
    }
    #[inline]
    fn look_ch(&mut self) -> char {
        self.0.look_ch()
    }
    #[inline]
    fn next_char_is(&self, c: char) -> bool {
        self.0.next_char_is(c)
    }
    #[inline]
    fn nth_char_is(&self, n: usize, c: char) -> bool {
        self.0.nth_char_is(n, c)
    }
    #[inline]
    fn next_2_are(&self, c1: char, c2: char) -> bool {
        self.0.next_2_are(c1, c2)
    }
    #[inline]
    fn next_3_are(&self, c1: char, c2: char, c3: char) -> bool {
        self.0.next_3_are(c1, c2, c3)
    }
    #[inline]
    fn next_is_document_indicator(&self) -> bool {
        self.0.next_is_document_indicator()
    }
    #[inline]
    fn next_is_document_start(&self) -> bool {
        self.0.next_is_document_start()
    }
    #[inline]
    fn next_is_document_end(&self) -> bool {
        self.0.next_is_document_end()
    }
    #[inline]
    fn skip_ws_to_eol(
        &mut self,
        skip_tabs: saphyr_parser::input::SkipTabs,
    ) -> (usize, Result<saphyr_parser::input::SkipTabs, &'static str>) {
        self.0.skip_ws_to_eol(skip_tabs)
    }
    #[inline]
    fn next_can_be_plain_scalar(&self, in_flow: bool) -> bool {
        self.0.next_can_be_plain_scalar(in_flow)
    }
    #[inline]
    fn next_is_blank_or_break(&self) -> bool {
        self.0.next_is_blank_or_break()
    }
    #[inline]
    fn next_is_blank_or_breakz(&self) -> bool {
        self.0.next_is_blank_or_breakz()
    }
    #[inline]
    fn next_is_blank(&self) -> bool {
        self.0.next_is_blank()
    }
    #[inline]
    fn next_is_break(&self) -> bool {
        self.0.next_is_break()
    }
    #[inline]
    fn next_is_breakz(&self) -> bool {
        self.0.next_is_breakz()
    }
    #[inline]
    fn next_is_z(&self) -> bool {
        self.0.next_is_z()
    }
    #[inline]
    fn next_is_flow(&self) -> bool {
        self.0.next_is_flow()
    }
    #[inline]
    fn next_is_digit(&self) -> bool {
        self.0.next_is_digit()
    }
    #[inline]
    fn next_is_alpha(&self) -> bool {
        self.0.next_is_alpha()
    }
    #[inline]
    fn skip_while_non_breakz(&mut self) -> usize {
        self.0.skip_while_non_breakz()
    }
    #[inline]
    fn skip_while_blank(&mut self) -> usize {
        self.0.skip_while_blank()
    }
    #[inline]
    fn fetch_while_is_alpha(&mut self, out: &mut String) -> usize {
        self.0.fetch_while_is_alpha(out)
    }
    #[inline]
    fn fetch_while_is_yaml_non_space(&mut self, out: &mut String) -> usize {
        self.0.fetch_while_is_yaml_non_space(out)
    }
}

fn parse_strict(text: &str) -> ParsedYaml {
    let mut b = Builder {
        text,
        conv: CharToByte::new(text),
        stack: Vec::new(),
        items: Vec::new(),
        entries: Vec::new(),
        anchors: Vec::new(),
        expanded: 0,
        out: ParsedYaml::default(),
        doc_start: 0,
    };
    let mut parser = Parser::new(ShortBuffer(StrInput::new(text)));
    while let Some(item) = parser.next_event() {
        match item {
            Ok((ev, span)) => {
                if let Err(e) = b.on_event(ev, span) {
                    b.out.error = Some(e);
                    break;
                }
            }
            Err(e) => {
                b.out.error = Some(ParseError {
                    offset: b.conv.byte(e.marker().index()),
                    message: e.info().to_string(),
                });
                break;
            }
        }
    }
    b.out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slice(text: &str, s: Span) -> &str {
        &text[s.start()..s.end()]
    }

    #[test]
    fn spans_point_at_keys_and_values() {
        let text = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: app\n      image: \"nginx:1\"\n";
        let p = parse(text);
        assert!(p.error.is_none());
        let root = &p.docs[0].root;
        let (k, v) = root.entry("kind").expect("kind");
        assert_eq!(slice(text, k.span), "kind");
        assert_eq!(slice(text, v.span), "Pod");
        let image = root
            .path(&["spec", "containers"])
            .and_then(|c| c.items().next())
            .and_then(|c| c.get("image"))
            .expect("image");
        assert_eq!(slice(text, image.span), "\"nginx:1\"");
        assert_eq!(image.as_str(), Some("nginx:1"));
    }

    #[test]
    fn multi_document_and_yaml11() {
        let text = "a: yes\n---\nb: 0755\n---\n";
        let p = parse(text);
        assert_eq!(p.docs.len(), 3);
        assert_eq!(p.docs[0].root.get("a").and_then(Node::as_bool), Some(true));
        assert_eq!(p.docs[1].root.get("b").and_then(Node::as_i64), Some(493));
        assert!(p.docs[2].root.is_null());
        let quoted = parse("a: 'yes'\n");
        assert_eq!(
            quoted.docs[0].root.get("a").and_then(Node::as_str),
            Some("yes")
        );
    }

    #[test]
    fn duplicate_keys_warn_and_last_wins() {
        let text = "a: 1\nb: 2\na: 3\n";
        let p = parse(text);
        assert!(p.error.is_none());
        assert_eq!(p.warnings.len(), 1);
        assert_eq!(p.warnings[0].span.start(), 10);
        assert_eq!(p.warnings[0].related.map(Span::start), Some(0));
        assert_eq!(p.docs[0].root.get("a").and_then(Node::as_i64), Some(3));
    }

    #[test]
    fn merge_keys_apply() {
        let text = "base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  y: 3\n";
        let p = parse(text);
        let d = p.docs[0].root.get("d").expect("d");
        assert_eq!(d.get("x").and_then(Node::as_i64), Some(1));
        assert_eq!(d.get("y").and_then(Node::as_i64), Some(3));
    }

    #[test]
    fn tags_decide_a_scalars_type() {
        // Core-schema tags (`!!`) resolve the text whatever its quoting, except `!!str` and
        // `!!binary`; any other tag makes a string.
        let text = "a: !!str 123\nb: !!int \"5\"\nc: !custom 5\nd: !!binary aGk=\ne: !!bool 'yes'\nf: \"5\"\ng: 5\n";
        let p = parse(text);
        assert!(p.error.is_none(), "{:?}", p.error);
        let root = &p.docs[0].root;
        let kind = |k: &str| match root.get(k).map(|n| &n.value) {
            Some(Value::Scalar { kind, .. }) => Some(*kind),
            _ => None,
        };
        let rows = [
            ("a", Scalar::Str),
            ("b", Scalar::Int),
            ("c", Scalar::Str),
            ("d", Scalar::Str),
            ("e", Scalar::Bool(true)),
            ("f", Scalar::Str),
            ("g", Scalar::Int),
        ];
        for (k, want) in rows {
            assert_eq!(kind(k), Some(want), "{k}");
        }
        assert_eq!(root.get("b").and_then(Node::as_i64), Some(5));
        assert_eq!(root.get("a").and_then(Node::as_str), Some("123"));
    }

    #[test]
    fn alias_expansion_stops_just_past_the_limit() {
        // An anchored list of 499 items is 500 nodes: 500 aliases expand exactly to the limit,
        // one more goes past it.
        let items = vec!["x"; 499].join(", ");
        let aliases = |n: usize| vec!["*a"; n].join(", ");
        let at_limit = format!("a: &a [{items}]\nb: [{}]\n", aliases(500));
        let p = parse(&at_limit);
        assert_eq!(p.error, None);
        assert_eq!(
            p.docs[0].root.get("b").map(|b| b.items().count()),
            Some(500)
        );
        let past = format!("a: &a [{items}]\nb: [{}]\n", aliases(501));
        let err = parse(&past).error.expect("past the limit");
        assert_eq!(
            err.message,
            "alias expansion exceeds the limit of 250000 nodes (possible alias bomb)"
        );
        assert_eq!(err.offset, past.rfind("*a").expect("last alias"));
    }

    #[test]
    fn nesting_stops_at_the_depth_limit() {
        // Block sequences (the scanner stops flow collections at 255 levels itself): `- - x`
        // is a list in a list.
        let ok = format!("{}x\n", "- ".repeat(MAX_DEPTH));
        assert_eq!(parse(&ok).error, None);
        let deep = format!("{}x\n", "- ".repeat(MAX_DEPTH + 1));
        assert_eq!(
            parse(&deep).error,
            Some(ParseError {
                offset: 2 * MAX_DEPTH,
                message: "nesting deeper than 512 levels".into(),
            })
        );
    }

    #[test]
    fn quoted_ends_by_table() {
        let rows = [
            ("'a''b' x", 0, Some(6)),
            ("\"a\\\"b\" x", 0, Some(6)),
            ("x: 'y'", 3, Some(6)),
            // A backslash escapes only in double quotes.
            ("'a\\' b'", 0, Some(4)),
            ("plain", 0, None),
            ("'unterminated", 0, None),
            ("\"ends in a backslash\\", 0, None),
            ("", 0, None),
        ];
        for (text, start, want) in rows {
            assert_eq!(quoted_end(text, start), want, "{text:?}");
        }
    }

    #[test]
    fn a_list_of_merge_sources_merges_each_earlier_first() {
        let text = "a: &a {x: 1, y: 1}\nb: &b {y: 2, z: 2}\nc:\n  <<: [*a, *b]\n  w: 0\n";
        let p = parse(text);
        let c = p.docs[0].root.get("c").expect("c");
        let got: Vec<(&str, i64)> = c
            .as_map()
            .unwrap_or(&[])
            .iter()
            .filter_map(|(k, v)| Some((k.key_text()?, v.as_i64()?)))
            .collect();
        assert_eq!(got, [("w", 0), ("x", 1), ("y", 1), ("z", 2)]);
    }

    #[test]
    fn a_flow_list_needing_three_reindents() {
        // `1,`, `2` and `]` are each left of `b`'s indentation: the copy is re-indented line
        // by line, one strict parse after the other.
        let text = "a:\n  b: [\n 1,\n 2\n]\nc: 1\n";
        let p = parse(text);
        assert_eq!(p.error, None);
        let b = p.docs[0].root.path(&["a", "b"]).expect("a.b");
        let items: Vec<i64> = b.items().filter_map(Node::as_i64).collect();
        assert_eq!(items, [1, 2]);
        let spans: Vec<&str> = b.items().map(|n| slice(text, n.span)).collect();
        assert_eq!(spans, ["1", "2"]);
        assert_eq!(slice(text, b.span), "[\n 1,\n 2");
        let (c, _) = p.docs[0].root.entry("c").expect("c");
        assert_eq!(c.span.start(), text.find("c:").expect("c"));
    }

    #[test]
    fn a_mapping_of_merge_keys_only_is_merged() {
        // No explicit key besides `<<`: the merge must still apply. A quoted `<<` is an
        // ordinary key.
        let text = "base: &b {x: 1, y: 2}\nd:\n  <<: *b\ne:\n  '<<': *b\n";
        let p = parse(text);
        let d = p.docs[0].root.get("d").expect("d");
        assert_eq!(d.get("x").and_then(Node::as_i64), Some(1));
        assert_eq!(d.get("y").and_then(Node::as_i64), Some(2));
        assert_eq!(d.as_map().map(<[_]>::len), Some(2));
        let e = p.docs[0].root.get("e").expect("e");
        assert_eq!(e.get("x"), None);
        assert_eq!(
            e.get("<<").and_then(|b| b.get("x")).and_then(Node::as_i64),
            Some(1)
        );
    }

    #[test]
    fn alias_bomb_is_stopped() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let prev = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        let p = parse(&text);
        let err = p.error.expect("must stop");
        assert!(err.message.contains("alias"), "{}", err.message);
    }

    #[test]
    fn syntax_error_keeps_earlier_documents() {
        let text = "a: 1\n---\nb: [1, 2\n";
        let p = parse(text);
        assert_eq!(p.docs.len(), 1);
        assert!(p.error.is_some());
    }

    #[test]
    fn flow_list_closed_at_key_indent_is_accepted_like_go_yaml() {
        let text = "spec:\n  match:\n    - ns: [\n        \"a\",\n        \"b\"\n      ]\n      processes: [\"audit\"]\nafter: 1\n";
        let p = parse(text);
        assert!(p.error.is_none(), "{:?}", p.error);
        let (k, _) = p.docs[0].root.entry("after").expect("after");
        assert_eq!(slice(text, k.span), "after");
        let item = p.docs[0]
            .root
            .path(&["spec", "match"])
            .and_then(|m| m.items().next())
            .expect("item");
        let (pk, _) = item.entry("processes").expect("processes");
        assert_eq!(slice(text, pk.span), "processes");
        let b = item.get("ns").and_then(|n| n.items().nth(1)).expect("b");
        assert_eq!(slice(text, b.span), "\"b\"");
    }

    #[test]
    fn block_indentation_errors_still_fail() {
        let text = "a:\n  b: 1\n c: 2\n";
        assert!(parse(text).error.is_some());
    }

    #[test]
    fn quoted_scalars_end_at_their_quote() {
        let text = "a: 'x''y' # c\nb: \"q\\\"r\"   # c\nc: [\"d\"]\n";
        let p = parse(text);
        let root = &p.docs[0].root;
        assert_eq!(slice(text, root.get("a").expect("a").span), "'x''y'");
        assert_eq!(slice(text, root.get("b").expect("b").span), "\"q\\\"r\"");
        let d = root.get("c").and_then(|c| c.items().next()).expect("d");
        assert_eq!(slice(text, d.span), "\"d\"");
    }

    #[test]
    fn non_ascii_offsets_are_bytes() {
        let text = "name: \"héllo\"\nkind: Pod\n";
        let p = parse(text);
        let (k, _) = p.docs[0].root.entry("kind").expect("kind");
        assert_eq!(slice(text, k.span), "kind");
    }

    #[test]
    fn block_scalars_indented_past_the_look_ahead_window() {
        // The scanner reads the indentation of a block scalar deeper than its 16-character
        // window in a loop of its own (`ShortBuffer`): 16, 30 and 60 spaces.
        for depth in [8usize, 15, 30] {
            let mut text = String::new();
            for i in 0..depth {
                text.push_str(&format!("{}k{i}:\n", "  ".repeat(i)));
            }
            let pad = "  ".repeat(depth);
            text.push_str(&format!(
                "{pad}v: |\n{pad}  line one\n{pad}    two\n\n{pad}  three\n"
            ));
            let p = parse(&text);
            assert!(p.error.is_none(), "{depth}: {:?}", p.error);
            let mut node = &p.docs[0].root;
            for i in 0..depth {
                node = node.get(&format!("k{i}")).expect("key");
            }
            assert_eq!(
                node.get("v").and_then(|v| v.as_str()),
                Some("line one\n  two\n\nthree\n"),
                "{depth}"
            );
        }
    }

    #[test]
    fn rarer_syntax_the_scanner_reads_through_its_input() {
        // Line endings, directives, markers, tags and flow collections the scanner checks
        // through `ShortBuffer`'s own methods (CRLF pairs, `%`, `...`, a byte order mark,
        // `!<...>`, tags and sequence entries before a flow indicator).
        let text = "\u{feff}%YAML 1.2\r\n---\r\na: 1\r\nb: [!!str 2, !!int \"3\"]\r\n...\r\n---\r\nc: !<tag:yaml.org,2002:str> x\r\nd: {e: !!str }\r\nf:\r\n- [g, h]\r\n- {i: 1}\r\n...\r\n";
        let p = parse(text);
        assert!(p.error.is_none(), "{:?}", p.error);
        assert_eq!(p.docs.len(), 2);
        let (a, b) = (&p.docs[0].root, &p.docs[1].root);
        assert_eq!(a.get("a").and_then(|v| v.as_i64()), Some(1));
        let items: Vec<&str> = a
            .get("b")
            .map(|v| v.items().filter_map(|i| i.key_text()).collect())
            .unwrap_or_default();
        assert_eq!(items, ["2", "3"]);
        assert_eq!(b.get("c").and_then(|v| v.as_str()), Some("x"));
        assert_eq!(
            b.get("d").and_then(|d| d.get("e")).and_then(|v| v.as_str()),
            Some("")
        );
        let f: Vec<usize> = b
            .get("f")
            .map(|v| {
                v.items()
                    .map(|i| i.items().count() + i.as_map().map_or(0, |m| m.len()))
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(f, [2, 1]);
        // positions after a directive and a tag handle count the characters read with them
        let (k, _) = a.entry("a").expect("a");
        assert_eq!(slice(text, k.span), "a");
        let (k, v) = b.entry("c").expect("c");
        assert_eq!(slice(text, k.span), "c");
        assert!(
            slice(text, v.span).ends_with(" x"),
            "{:?}",
            slice(text, v.span)
        );
        let tagged = "%TAG !ex! tag:example.com,2000:app/\n---\nkey: !ex!foo bar\nnext: 1\n";
        let p = parse(tagged);
        assert!(p.error.is_none(), "{:?}", p.error);
        let root = &p.docs[0].root;
        let (k, v) = root.entry("key").expect("key");
        assert_eq!(slice(tagged, k.span), "key");
        assert_eq!(slice(tagged, v.span), "!ex!foo bar");
        let (k, _) = root.entry("next").expect("next");
        assert_eq!(slice(tagged, k.span), "next");
        // block scalars: CRLF line ends, a line longer than the window, an indentation
        // indicator; a plain scalar over two lines ends at a document marker
        let blocks = "a: |\r\n  x\r\n  a line longer than the sixteen-character window\r\nb: |2\n   y\nc: |-1\n  z\nd: one\n  two\n---\ne: [!!str, f]\n";
        let p = parse(blocks);
        assert!(p.error.is_none(), "{:?}", p.error);
        assert_eq!(p.docs.len(), 2);
        let r = &p.docs[0].root;
        let text_of = |k: &str| r.get(k).and_then(|v| v.as_str()).map(str::to_string);
        assert_eq!(
            text_of("a").as_deref(),
            Some("x\na line longer than the sixteen-character window\n")
        );
        assert_eq!(text_of("b").as_deref(), Some(" y\n"));
        assert_eq!(text_of("c").as_deref(), Some(" z"));
        assert_eq!(text_of("d").as_deref(), Some("one two"));
        let e: Vec<&str> = p.docs[1]
            .root
            .get("e")
            .map(|v| v.items().filter_map(|i| i.key_text()).collect())
            .unwrap_or_default();
        assert_eq!(e, ["", "f"]);
        // a document marker at column 0 ends a multi-line plain scalar at the top level, and
        // may not appear inside a quoted one
        let p = parse("one\ntwo\n---\nthree\n");
        assert!(p.error.is_none(), "{:?}", p.error);
        let tops: Vec<Option<&str>> = p.docs.iter().map(|d| d.root.as_str()).collect();
        assert_eq!(tops, [Some("one two"), Some("three")]);
        assert!(parse("'a\n---\n'\n").error.is_some());
        // a NUL character is an error, not the end of the text
        assert!(parse("a: b\0c: d\n").error.is_some());
        // a tab between `-` and the next `-` is an error
        assert!(parse("-\t- x\n").error.is_some());
        // `...` ends a document; anything after it on the line is an error
        assert!(parse("a: 1\n... x\n").error.is_some());
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let text = "[".repeat(2000);
        let p = parse(&text);
        assert!(p.error.is_some());
    }

    #[test]
    fn warnings_after_a_reindented_flow_list_keep_original_columns() {
        // Two flow lists closed at their key's indentation (both re-indented in a copy),
        // then a duplicate key: its span must point into the original text.
        let text = "a: [\n  1,\n]\nb: {\n  c: 1,\n}\nd: 1\nd: 2\n";
        let p = parse(text);
        assert!(p.error.is_none(), "{:?}", p.error);
        assert_eq!(p.warnings.len(), 1);
        let w = &p.warnings[0];
        assert_eq!(&text[w.span.start()..w.span.end()], "d");
        assert_eq!(w.span.start(), text.rfind("d: 2").expect("second d"));
        let first = w.related.expect("first occurrence");
        assert_eq!(first.start(), text.find("d: 1").expect("first d"));
    }

    #[test]
    fn warnings_after_a_flow_list_closed_left_of_its_key_keep_original_offsets() {
        // `]` left of its key's indentation: the strict scanner rejects it, so the line is
        // re-indented in a copy. The duplicate-key warning after it must point into the
        // original text (the audit's "OCT001 at 6:3 instead of 6:1").
        let text = "a:\n  b: [\n    1,\n]\nc: 1\nc: 2\n";
        assert_eq!(
            parse_strict(text).error.map(|e| e.message),
            Some("invalid indentation".to_string()),
            "the input must take the re-indent path"
        );
        let p = parse(text);
        assert!(p.error.is_none(), "{:?}", p.error);
        assert_eq!(p.warnings.len(), 1);
        let w = &p.warnings[0];
        assert_eq!(w.span.start(), text.rfind("c: 2").expect("second c"));
        assert_eq!(&text[w.span.start()..w.span.end()], "c");
        assert_eq!(
            w.related.map(|r| r.start()),
            Some(text.find("c: 1").expect("first c"))
        );
        // The re-indented value itself keeps its original span too.
        let b = p.docs[0].root.path(&["a", "b"]).expect("a.b");
        assert_eq!(b.span.start(), text.find('[').expect("["));
        // It ends after its last item in the original text (the copy has two more spaces).
        assert_eq!(b.span.end(), text.find("1,").expect("item") + 1);
    }
}
