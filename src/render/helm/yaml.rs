//! Helm's YAML and JSON conversions: `toYaml` (sigs.k8s.io/yaml: JSON round trip, then
//! go-yaml v2's emitter: sorted keys, 2-space indent, indentless sequences, strings quoted
//! only when needed, literal blocks for multi-line strings, folding at 80 columns),
//! `toJson` (encoding/json) and YAML text to values (every number a float64).

use std::borrow::Cow;
use std::rc::Rc;

use super::template::gofmt::{format_float_g, format_float_json, format_float32_g, go_quote};
use super::template::value::{Map, Obj, Slot, Value};
use crate::parse::node::{Node, Scalar, Value as NV, parse_float, parse_int, resolve_plain};

const BEST_WIDTH: usize = 80;

/// A value after the JSON round trip.
enum J {
    Null,
    Bool(bool),
    /// Integer or float text exactly as go-yaml prints it.
    Num(String),
    Str(String),
    Seq(Vec<J>),
    Map(Vec<(String, J)>),
}

/// A finite float as Helm's `toYaml` prints it (it never sees another: see [`to_yaml`]).
fn float_yaml(f: f64) -> String {
    let js = format_float_json(f);
    if js.bytes().all(|c| c.is_ascii_digit() || c == b'-') {
        // JSON prints it as an integer; go-yaml reads an int and prints it back
        js
    } else {
        format_float_g(js.parse::<f64>().unwrap_or(f))
    }
}

/// Why a value was not marshalled.
#[derive(Debug, PartialEq)]
pub enum MarshalError {
    /// What Go's encoding/json refuses, with its error text: an infinity or NaN, or a map
    /// that contains itself. Helm's `toYaml` and `toJson` print nothing then; the `must`
    /// forms fail the template with the text.
    Unsupported(String),
    /// More than octolint marshals: [`MAX_NODES`] values, or [`MAX_NEST`] levels.
    TooLarge(String),
}

/// Values one `toYaml`/`toJson` visits at most. A map that holds the same map twice, forty
/// times over, is a few template steps and 2^40 values to print: Helm never ends on it.
pub const MAX_NODES: usize = 1 << 20;
/// Levels one `toYaml`/`toJson` descends at most (Go has no limit; templates run on a big
/// stack, see `template::exec::with_big_stack`, and this keeps well inside it).
pub const MAX_NEST: usize = 10_000;
/// Go's encoding/json starts looking for cycles below this level; so does octolint (a
/// cycle is found within one turn of it, and shallow data pays nothing).
const CYCLE_CHECK_AFTER: usize = 1000;

/// What a marshalling walk has seen: values visited, and the maps on the path below
/// [`CYCLE_CHECK_AFTER`].
#[derive(Default)]
struct Walk {
    nodes: usize,
    path: std::collections::HashSet<usize>,
    /// A map key holds a NEL (see [`nel_in_key`]; only then is the tree walked again).
    nel_key: bool,
}

impl Walk {
    /// Count a value at `depth`; below [`CYCLE_CHECK_AFTER`] a map is recorded on the path
    /// (returned, to be handed to [`Walk::leave`] when the value is done).
    fn enter(&mut self, v: &Value, depth: usize) -> Result<Option<usize>, MarshalError> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(MarshalError::TooLarge(format!(
                "the value has more than {MAX_NODES} elements"
            )));
        }
        if depth > MAX_NEST {
            return Err(MarshalError::TooLarge(format!(
                "the value is nested deeper than {MAX_NEST} levels"
            )));
        }
        match v {
            Value::Map(m) if depth > CYCLE_CHECK_AFTER => {
                let p = Rc::as_ptr(m) as usize;
                if !self.path.insert(p) {
                    return Err(MarshalError::Unsupported(
                        "json: unsupported value: encountered a cycle via map[string]interface {}"
                            .into(),
                    ));
                }
                Ok(Some(p))
            }
            _ => Ok(None),
        }
    }
    fn leave(&mut self, recorded: Option<usize>) {
        if let Some(p) = recorded {
            self.path.remove(&p);
        }
    }
}

/// Go's error for a float JSON cannot hold.
fn unsupported_float(f: f64) -> MarshalError {
    let text = if f.is_nan() {
        "NaN"
    } else if f > 0.0 {
        "+Inf"
    } else {
        "-Inf"
    };
    MarshalError::Unsupported(format!("json: unsupported value: {text}"))
}

/// The value as JSON data, as Go's encoding/json sees it.
fn to_j(v: &Value, depth: usize, w: &mut Walk) -> Result<J, MarshalError> {
    let recorded = w.enter(v, depth)?;
    let j = to_j_inner(v, depth, w);
    w.leave(recorded);
    j
}

fn to_j_inner(v: &Value, depth: usize, w: &mut Walk) -> Result<J, MarshalError> {
    Ok(match v {
        Value::Nil => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Int(i) => J::Num(i.to_string()),
        Value::Float(f) if !f.is_finite() => return Err(unsupported_float(*f)),
        Value::Float(f) => J::Num(float_yaml(*f)),
        Value::Str(s) => J::Str(s.to_string()),
        Value::Bytes(b) => {
            use base64::Engine;
            J::Str(base64::engine::general_purpose::STANDARD.encode(b))
        }
        Value::List(l) => J::Seq(
            l.iter()
                .map(|x| to_j(x, depth + 1, w))
                .collect::<Result<_, _>>()?,
        ),
        Value::Map(m) => {
            let mut entries: Vec<(String, J)> = m
                .borrow()
                .iter()
                .map(|(k, s)| {
                    w.nel_key |= k.contains('\u{85}');
                    Ok((k.clone(), to_j(&s.v, depth + 1, w)?))
                })
                .collect::<Result<_, _>>()?;
            entries.sort_by(|a, b| natural_cmp(&a.0, &b.0));
            J::Map(entries)
        }
        Value::Obj(o) => match &**o {
            Obj::Files(f) => {
                use base64::Engine;
                w.nel_key |= f.iter().any(|(k, _)| k.contains('\u{85}'));
                J::Map(
                    f.iter()
                        .map(|(k, b)| {
                            (
                                k.clone(),
                                J::Str(base64::engine::general_purpose::STANDARD.encode(b)),
                            )
                        })
                        .collect(),
                )
            }
            Obj::ApiVersions(l) => J::Seq(l.iter().map(|s| J::Str(s.clone())).collect()),
            Obj::KubeVersion(m) => to_j(&Value::Map(m.clone()), depth + 1, w)?,
        },
    })
}

/// A string after Helm's JSON round trip: `encoding/json` leaves a NEL (U+0085) unescaped
/// (it escapes every other line break), and go-yaml, reading the JSON back, folds it as a
/// line break inside a double-quoted scalar: the spaces before it are dropped, those after
/// it skipped, and a lone NEL becomes one space, n NELs n-1 newlines.
fn fold_nel(s: &str) -> Cow<'_, str> {
    if !s.contains('\u{85}') {
        return Cow::Borrowed(s);
    }
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != ' ' && chars[i] != '\u{85}' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let (mut nels, mut spaces) = (0usize, 0usize);
        while i < chars.len() && (chars[i] == ' ' || chars[i] == '\u{85}') {
            if chars[i] == '\u{85}' {
                nels += 1;
            } else if nels == 0 {
                spaces += 1;
            }
            i += 1;
        }
        match nels {
            0 => out.extend(std::iter::repeat_n(' ', spaces)),
            1 => out.push(' '),
            n => out.extend(std::iter::repeat_n('\n', n - 1)),
        }
    }
    Cow::Owned(out)
}

/// Whether a map key holds a NEL, which go-yaml cannot read back from Helm's JSON (a key
/// of a flow mapping cannot span lines); `nels` counts the NELs of the JSON text up to the
/// end of that key (JSON's order: keys sorted byte by byte), the line go-yaml names.
fn nel_in_key(j: &J, nels: &mut usize) -> bool {
    let count = |s: &str| s.chars().filter(|c| *c == '\u{85}').count();
    match j {
        J::Str(s) => {
            *nels += count(s);
            false
        }
        J::Seq(v) => v.iter().any(|x| nel_in_key(x, nels)),
        J::Map(m) => {
            let mut by_bytes: Vec<&(String, J)> = m.iter().collect();
            by_bytes.sort_by(|a, b| a.0.cmp(&b.0));
            by_bytes.into_iter().any(|(k, v)| {
                let n = count(k);
                *nels += n;
                n > 0 || nel_in_key(v, nels)
            })
        }
        J::Null | J::Bool(_) | J::Num(_) => false,
    }
}

/// go-yaml v2's key order: numbers inside keys compare numerically, letters before
/// digits after a common digit run.
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let ar: Vec<char> = a.chars().collect();
    let br: Vec<char> = b.chars().collect();
    let n = ar.len().min(br.len());
    for i in 0..n {
        if ar[i] == br[i] {
            continue;
        }
        let al = ar[i].is_alphabetic();
        let bl = br[i].is_alphabetic();
        if al && bl {
            return ar[i].cmp(&br[i]);
        }
        // A letter against anything else: the other comes first, after a digit too (Helm
        // prints `a10` before `a1b` and `"10"` before `1a`; go-yaml v2's source reads as if a
        // letter after a digit came first, but Helm's output says otherwise)
        if al || bl {
            return if bl {
                Ordering::Less
            } else {
                Ordering::Greater
            };
        }
        let mut an: i64 = 0;
        let mut bn: i64 = 0;
        if ar[i] == '0' || br[i] == '0' {
            let mut j = i;
            while j > 0 && ar[j - 1].is_ascii_digit() {
                j -= 1;
                if ar[j] != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let mut ai = i;
        while ai < ar.len() && ar[ai].is_ascii_digit() {
            an = an
                .saturating_mul(10)
                .saturating_add(ar[ai] as i64 - '0' as i64);
            ai += 1;
        }
        let mut bi = i;
        while bi < br.len() && br[bi].is_ascii_digit() {
            bn = bn
                .saturating_mul(10)
                .saturating_add(br[bi] as i64 - '0' as i64);
            bi += 1;
        }
        if an != bn {
            return an.cmp(&bn);
        }
        if ai != bi {
            return ai.cmp(&bi);
        }
        return ar[i].cmp(&br[i]);
    }
    ar.len().cmp(&br.len())
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_printable(c: char) -> bool {
    let u = c as u32;
    u == 0x0A
        || (0x20..=0x7E).contains(&u)
        || (0xA0..=0xD7FF).contains(&u)
        || ((0xE000..=0xFFFD).contains(&u) && u != 0xFEFF)
}

/// Whether go-yaml v2 would read a plain scalar as a timestamp (`2006-1-2`, optionally with
/// a `T`, `t` or space and a time `15:4:5[.fraction]` and a `Z` or `±hh:mm` zone), so that a
/// string spelled like one must be quoted.
pub(crate) fn is_timestamp(s: &str) -> bool {
    fn digits(b: &[u8], i: &mut usize, min: usize, max: usize) -> bool {
        let st = *i;
        while *i < b.len() && *i - st < max && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - st >= min
    }
    fn sep(b: &[u8], i: &mut usize, c: u8) -> bool {
        let ok = b.get(*i) == Some(&c);
        *i += usize::from(ok);
        ok
    }
    let b = s.as_bytes();
    let mut i = 0;
    if !(digits(b, &mut i, 4, 4)
        && sep(b, &mut i, b'-')
        && digits(b, &mut i, 1, 2)
        && sep(b, &mut i, b'-')
        && digits(b, &mut i, 1, 2))
    {
        return false;
    }
    if i == b.len() {
        return true;
    }
    if !matches!(b[i], b'T' | b't' | b' ') {
        return false;
    }
    i += 1;
    if !(digits(b, &mut i, 1, 2)
        && sep(b, &mut i, b':')
        && digits(b, &mut i, 1, 2)
        && sep(b, &mut i, b':')
        && digits(b, &mut i, 1, 2))
    {
        return false;
    }
    if sep(b, &mut i, b'.') && !digits(b, &mut i, 1, 9) {
        return false;
    }
    match b.get(i) {
        None => true,
        Some(b'Z') => i + 1 == b.len(),
        Some(b'+' | b'-') => {
            i += 1;
            digits(b, &mut i, 2, 2)
                && sep(b, &mut i, b':')
                && digits(b, &mut i, 2, 2)
                && i == b.len()
        }
        _ => false,
    }
}

pub(crate) fn is_base60_float(s: &str) -> bool {
    // [-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        i += 1;
    }
    if i >= b.len() || !b[i].is_ascii_digit() {
        return false;
    }
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while i < b.len() && b[i] == b':' {
        i += 1;
        let st = i;
        while i < b.len() && b[i].is_ascii_digit() && i - st < 2 {
            i += 1;
        }
        let g = &s[st..i];
        if g.is_empty() || (g.len() == 2 && g.as_bytes()[0] > b'5') {
            return false;
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

struct Analysis {
    block_plain: bool,
    single: bool,
    block: bool,
}

fn analyze(s: &str) -> Analysis {
    if s.is_empty() {
        return Analysis {
            block_plain: true,
            single: true,
            block: false,
        };
    }
    let chars: Vec<char> = s.chars().collect();
    let mut block_ind = s.starts_with("---") || s.starts_with("...");
    let mut preceded_ws = true;
    let (mut special, mut leading_space, mut leading_break, mut trailing_space, mut trailing_break) =
        (false, false, false, false, false);
    let (mut break_space, mut space_break, mut prev_space, mut prev_break, mut line_breaks) =
        (false, false, false, false, false);
    let n = chars.len();
    for i in 0..n {
        let c = chars[i];
        let followed_ws =
            i + 1 >= n || matches!(chars[i + 1], ' ' | '\t') || is_break(chars[i + 1]);
        if i == 0 {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"'
                | '%' | '@' | '`' => block_ind = true,
                '?' | ':' | '-' if followed_ws => block_ind = true,
                _ => {}
            }
        } else {
            match c {
                ':' if followed_ws => block_ind = true,
                '#' if preceded_ws => block_ind = true,
                _ => {}
            }
        }
        if !is_printable(c) {
            special = true;
        }
        if c == ' ' {
            if i == 0 {
                leading_space = true;
            }
            if i + 1 == n {
                trailing_space = true;
            }
            if prev_break {
                break_space = true;
            }
            prev_space = true;
            prev_break = false;
        } else if is_break(c) {
            line_breaks = true;
            if i == 0 {
                leading_break = true;
            }
            if i + 1 == n {
                trailing_break = true;
            }
            if prev_space {
                space_break = true;
            }
            prev_space = false;
            prev_break = true;
        } else {
            prev_space = false;
            prev_break = false;
        }
        preceded_ws = matches!(c, ' ' | '\t') || is_break(c);
    }
    let mut a = Analysis {
        block_plain: true,
        single: true,
        block: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.block_plain = false;
    }
    if trailing_space {
        a.block = false;
    }
    if break_space {
        a.block_plain = false;
        a.single = false;
    }
    if space_break || special {
        a.block_plain = false;
        a.single = false;
        a.block = false;
    }
    if line_breaks || block_ind {
        a.block_plain = false;
    }
    a
}

fn style_for(s: &str, key: bool) -> Style {
    let can_plain =
        resolve_plain(s) == Scalar::Str && !is_base60_float(s) && !is_timestamp(s) && !s.is_empty();
    let mut style = if s.contains('\n') {
        Style::Literal
    } else if can_plain {
        Style::Plain
    } else {
        Style::Double
    };
    let a = analyze(s);
    if style == Style::Plain && !a.block_plain {
        style = Style::Single;
    }
    if style == Style::Single && !a.single {
        style = Style::Double;
    }
    if style == Style::Literal && (!a.block || key) {
        style = Style::Double;
    }
    style
}

struct Em {
    out: String,
    column: usize,
}

impl Em {
    fn put(&mut self, s: &str) {
        for c in s.chars() {
            if c == '\n' {
                self.column = 0;
            } else {
                self.column += 1;
            }
        }
        self.out.push_str(s);
    }

    fn putc(&mut self, c: char) {
        if c == '\n' {
            self.column = 0;
        } else {
            self.column += 1;
        }
        self.out.push(c);
    }

    /// A line break, written as itself (go-yaml's `write_break`: a CR, NEL, LS or PS is not
    /// turned into a newline).
    fn put_break(&mut self, c: char) {
        self.out.push(c);
        self.column = 0;
    }

    fn newline_indent(&mut self, indent: usize) {
        self.putc('\n');
        for _ in 0..indent {
            self.putc(' ');
        }
    }

    /// A scalar string at the current position; continuation lines at `indent`.
    fn string(&mut self, s: &str, indent: usize, key: bool) {
        match style_for(s, key) {
            Style::Plain => {
                let chars: Vec<char> = s.chars().collect();
                let mut spaces = false;
                for i in 0..chars.len() {
                    let c = chars[i];
                    if c == ' ' {
                        if !key
                            && !spaces
                            && self.column > BEST_WIDTH
                            && chars.get(i + 1).is_some_and(|n| *n != ' ')
                        {
                            self.newline_indent(indent);
                        } else {
                            self.putc(c);
                        }
                        spaces = true;
                    } else {
                        self.putc(c);
                        spaces = false;
                    }
                }
            }
            Style::Single => {
                self.putc('\'');
                let chars: Vec<char> = s.chars().collect();
                let mut spaces = false;
                let mut breaks = false;
                for i in 0..chars.len() {
                    let c = chars[i];
                    if c == ' ' {
                        if !key
                            && !spaces
                            && self.column > BEST_WIDTH
                            && i != 0
                            && i + 1 != chars.len()
                            && chars.get(i + 1).is_some_and(|n| *n != ' ')
                        {
                            self.newline_indent(indent);
                        } else {
                            self.putc(c);
                        }
                        spaces = true;
                    } else if is_break(c) {
                        if !breaks && c == '\n' {
                            self.putc('\n');
                        }
                        self.put_break(c);
                        breaks = true;
                    } else {
                        if breaks {
                            for _ in 0..indent {
                                self.putc(' ');
                            }
                        }
                        self.putc(c);
                        if c == '\'' {
                            self.putc('\'');
                        }
                        spaces = false;
                        breaks = false;
                    }
                }
                self.putc('\'');
            }
            Style::Double => {
                self.putc('"');
                let chars: Vec<char> = s.chars().collect();
                let mut spaces = false;
                for i in 0..chars.len() {
                    let c = chars[i];
                    if !is_printable(c) || c == '\u{FEFF}' || is_break(c) || c == '"' || c == '\\' {
                        self.putc('\\');
                        match c {
                            '\0' => self.putc('0'),
                            '\u{7}' => self.putc('a'),
                            '\u{8}' => self.putc('b'),
                            '\t' => self.putc('t'),
                            '\n' => self.putc('n'),
                            '\u{b}' => self.putc('v'),
                            '\u{c}' => self.putc('f'),
                            '\r' => self.putc('r'),
                            '\u{1b}' => self.putc('e'),
                            '"' => self.putc('"'),
                            '\\' => self.putc('\\'),
                            '\u{85}' => self.putc('N'),
                            '\u{a0}' => self.putc('_'),
                            '\u{2028}' => self.putc('L'),
                            '\u{2029}' => self.putc('P'),
                            c => {
                                let u = c as u32;
                                let esc = if u <= 0xFF {
                                    format!("x{u:02X}")
                                } else if u <= 0xFFFF {
                                    format!("u{u:04X}")
                                } else {
                                    format!("U{u:08X}")
                                };
                                self.put(&esc);
                            }
                        }
                        spaces = false;
                    } else if c == ' ' {
                        if !key
                            && !spaces
                            && self.column > BEST_WIDTH
                            && i != 0
                            && i + 1 != chars.len()
                        {
                            self.newline_indent(indent);
                            if chars.get(i + 1) == Some(&' ') {
                                self.putc('\\');
                            }
                        } else {
                            self.putc(c);
                        }
                        spaces = true;
                    } else {
                        self.putc(c);
                        spaces = false;
                    }
                }
                self.putc('"');
            }
            Style::Literal => {
                self.putc('|');
                let chars: Vec<char> = s.chars().collect();
                if chars.first().is_some_and(|c| *c == ' ' || is_break(*c)) {
                    self.putc('2');
                }
                let last = chars.last().copied().unwrap_or(' ');
                if !is_break(last) {
                    self.putc('-');
                } else if chars.len() == 1 || is_break(chars[chars.len() - 2]) {
                    self.putc('+');
                }
                let mut breaks = true;
                self.putc('\n');
                for &c in &chars {
                    if is_break(c) {
                        self.put_break(c);
                        breaks = true;
                    } else {
                        if breaks {
                            for _ in 0..indent {
                                self.putc(' ');
                            }
                            breaks = false;
                        }
                        self.putc(c);
                    }
                }
                // the emitter ends the scalar on its own line
                if self.out.ends_with('\n') {
                    self.column = 0;
                    self.out.pop();
                }
            }
        }
    }

    fn scalar(&mut self, j: &J, indent: usize) {
        match j {
            J::Null => self.put("null"),
            J::Bool(b) => self.put(if *b { "true" } else { "false" }),
            J::Num(n) => self.put(n),
            J::Str(s) => self.string(&fold_nel(s), indent, false),
            J::Seq(_) => self.put("[]"),
            J::Map(_) => self.put("{}"),
        }
    }

    fn is_block(j: &J) -> bool {
        matches!(j, J::Seq(v) if !v.is_empty()) || matches!(j, J::Map(v) if !v.is_empty())
    }

    /// A block mapping whose first key goes at the current position, others at `indent`.
    fn map(&mut self, entries: &[(String, J)], indent: usize) {
        for (i, (k, v)) in entries.iter().enumerate() {
            if i > 0 {
                self.newline_indent(indent);
            }
            self.string(k, indent + 2, true);
            self.putc(':');
            match v {
                J::Map(m) if !m.is_empty() => {
                    self.newline_indent(indent + 2);
                    self.map(m, indent + 2);
                }
                J::Seq(s) if !s.is_empty() => {
                    self.newline_indent(indent);
                    self.seq(s, indent);
                }
                _ => {
                    self.putc(' ');
                    self.scalar(v, indent + 2);
                }
            }
        }
    }

    fn seq(&mut self, items: &[J], indent: usize) {
        for (i, v) in items.iter().enumerate() {
            if i > 0 {
                self.newline_indent(indent);
            }
            self.putc('-');
            self.putc(' ');
            match v {
                J::Map(m) if !m.is_empty() => self.map(m, indent + 2),
                J::Seq(s) if !s.is_empty() => self.seq(s, indent + 2),
                _ => self.scalar(v, indent + 2),
            }
        }
    }
}

/// `toYaml`: the YAML text without the final newline (as Helm trims it). Helm marshals
/// through JSON, so what JSON refuses (an infinity, NaN, a cycle) is an error.
pub fn to_yaml(v: &Value) -> Result<String, MarshalError> {
    let mut walk = Walk::default();
    let j = to_j(v, 0, &mut walk).map_err(|e| match e {
        MarshalError::Unsupported(m) => {
            MarshalError::Unsupported(format!("error marshaling into JSON: {m}"))
        }
        e => e,
    })?;
    let mut nels = 0;
    if walk.nel_key && nel_in_key(&j, &mut nels) {
        return Err(MarshalError::Unsupported(format!(
            "yaml: line {nels}: did not find expected ',' or '}}'"
        )));
    }
    let mut em = Em {
        out: String::new(),
        column: 0,
    };
    match &j {
        J::Map(m) if !m.is_empty() => em.map(m, 0),
        J::Seq(s) if !s.is_empty() => em.seq(s, 0),
        j if Em::is_block(j) => {}
        j => em.scalar(j, 2),
    }
    Ok(em.out)
}

fn json_str(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `toJson` (Go's encoding/json: sorted keys, HTML-safe escapes); `pretty` indents by 2.
pub fn to_json(v: &Value, pretty: bool) -> Result<String, MarshalError> {
    let mut j = JsonOut {
        out: String::new(),
        pretty,
        walk: Walk::default(),
    };
    j.value(v, 0, 0)?;
    Ok(j.out)
}

/// The text `toJson` writes, and the walk that guards it.
struct JsonOut {
    out: String,
    pretty: bool,
    walk: Walk,
}

impl JsonOut {
    fn nl(&mut self, level: usize) {
        if self.pretty {
            self.out.push('\n');
            for _ in 0..level {
                self.out.push_str("  ");
            }
        }
    }

    fn value(&mut self, v: &Value, level: usize, depth: usize) -> Result<(), MarshalError> {
        let recorded = self.walk.enter(v, depth)?;
        let r = self.inner(v, level, depth);
        self.walk.leave(recorded);
        r
    }

    fn inner(&mut self, v: &Value, level: usize, depth: usize) -> Result<(), MarshalError> {
        let out = &mut self.out;
        match v {
            Value::Nil => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => out.push_str(&i.to_string()),
            Value::Float(f) if !f.is_finite() => return Err(unsupported_float(*f)),
            Value::Float(f) => out.push_str(&format_float_json(*f)),
            Value::Str(s) => json_str(s, out),
            Value::Bytes(b) => {
                use base64::Engine;
                json_str(&base64::engine::general_purpose::STANDARD.encode(b), out)
            }
            Value::List(l) => {
                if l.is_empty() {
                    out.push_str("[]");
                    return Ok(());
                }
                out.push('[');
                for (i, x) in l.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    self.nl(level + 1);
                    self.value(x, level + 1, depth + 1)?;
                }
                self.nl(level);
                self.out.push(']');
            }
            Value::Map(m) => {
                let m = m.borrow();
                if m.is_empty() {
                    out.push_str("{}");
                    return Ok(());
                }
                out.push('{');
                for (i, (k, s)) in m.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    self.nl(level + 1);
                    json_str(k, &mut self.out);
                    self.out.push(':');
                    if self.pretty {
                        self.out.push(' ');
                    }
                    self.value(&s.v, level + 1, depth + 1)?;
                }
                self.nl(level);
                self.out.push('}');
            }
            Value::Obj(o) => match &**o {
                Obj::ApiVersions(l) => {
                    let l = Value::list(l.iter().map(Value::str).collect());
                    self.value(&l, level, depth + 1)?
                }
                Obj::KubeVersion(m) => self.value(&Value::Map(m.clone()), level, depth + 1)?,
                Obj::Files(_) => out.push_str("{}"),
            },
        }
        Ok(())
    }
}

/// A mapping key sigs.k8s.io/yaml cannot make a JSON object key of: where, and the message.
#[derive(Debug, PartialEq)]
pub struct KeyError {
    pub span: crate::source::Span,
    pub message: String,
}

/// Convert a parsed YAML node to a value as sigs.k8s.io/yaml + encoding/json would:
/// every number a float64, keys as strings. `origin` gives each mapping value's origin.
pub fn node_to_value(
    n: &Node,
    origin: &mut dyn FnMut(&Node, &Node) -> u32,
) -> Result<Value, KeyError> {
    Ok(match &n.value {
        NV::Scalar { text, kind, .. } => match kind {
            Scalar::Null => Value::Nil,
            Scalar::Bool(b) => Value::Bool(*b),
            Scalar::Int => match parse_int(text) {
                Some(i) => Value::Float(i as f64),
                None => Value::Float(text.replace('_', "").parse::<f64>().unwrap_or(0.0)),
            },
            Scalar::Float => match big_uint(n) {
                Some(u) => Value::Float(u as f64),
                None => Value::Float(parse_float(text).unwrap_or(0.0)),
            },
            Scalar::Str => match big_uint(n) {
                Some(u) => Value::Float(u as f64),
                None => Value::Str(Rc::from(text.as_str())),
            },
        },
        NV::Seq(items) => {
            let items: Result<Vec<Value>, KeyError> =
                items.iter().map(|x| node_to_value(x, origin)).collect();
            Value::list(items?)
        }
        NV::Map(entries) => {
            let mut m = Map::new();
            for (k, v) in entries {
                let key = json_key(k, v)?;
                let o = origin(k, v);
                let val = node_to_value(v, origin)?;
                m.insert(key, Slot { v: val, o });
            }
            Value::map(m)
        }
    })
}

/// The JSON object key sigs.k8s.io/yaml makes of a mapping key. go-yaml v2 resolves the key
/// first, as any scalar: `yes` and `on` are `true`, `0x1F` is `31`, `1.50` is `1.5` (printed
/// as a float32); null, an integer beyond int64 (a uint64) and a collection are errors.
fn json_key(k: &Node, v: &Node) -> Result<String, KeyError> {
    let err = |message: String| KeyError {
        span: k.span,
        message: format!("error converting YAML to JSON: {message}"),
    };
    let NV::Scalar { text, kind, .. } = &k.value else {
        return Err(err(format!(
            "yaml: invalid map key: {}",
            go_sharp_v(k, false)
        )));
    };
    if let Some(u) = big_uint(k) {
        return Err(err(format!(
            "unsupported map key of type: uint64, key: {u:#x}, value: {}",
            go_sharp_v(v, false)
        )));
    }
    Ok(match kind {
        Scalar::Str => text.to_string(),
        Scalar::Bool(b) => b.to_string(),
        Scalar::Int => match parse_int(text) {
            Some(i) => i.to_string(),
            None => text.to_string(),
        },
        Scalar::Float => match format_float32_g(parse_float(text).unwrap_or(0.0)).as_str() {
            "+Inf" => ".inf".to_string(),
            "-Inf" => "-.inf".to_string(),
            "NaN" => ".nan".to_string(),
            s => s.to_string(),
        },
        Scalar::Null => {
            return Err(err(format!(
                "unsupported map key of type: %!s(<nil>), key: <nil>, value: {}",
                go_sharp_v(v, false)
            )));
        }
    })
}

/// A plain scalar go-yaml v2 reads as a uint64: an integer `int64` cannot hold (our YAML
/// layer calls it a float, or a string when it has a base prefix).
fn big_uint(n: &Node) -> Option<u64> {
    match &n.value {
        NV::Scalar {
            text,
            kind: Scalar::Float,
            ..
        }
        | NV::Scalar {
            text,
            kind: Scalar::Str,
            style: crate::parse::node::Style::Plain,
        } => parse_uint(text),
        _ => None,
    }
}

/// Go's `strconv.ParseUint(s, 0, 64)` on the text go-yaml v2 tries it on (`_` dropped).
fn parse_uint(text: &str) -> Option<u64> {
    // a key or value that is no number at all is turned down without an allocation
    if !text.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let t: std::borrow::Cow<str> = if text.contains('_') {
        text.replace('_', "").into()
    } else {
        text.into()
    };
    let (radix, body) = if let Some(b) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        (16, b)
    } else if let Some(b) = t.strip_prefix("0b").or_else(|| t.strip_prefix("0B")) {
        (2, b)
    } else if let Some(b) = t.strip_prefix("0o").or_else(|| t.strip_prefix("0O")) {
        (8, b)
    } else if t.len() > 1 && t.starts_with('0') {
        (8, &t[1..])
    } else {
        (10, &*t)
    };
    // digits only: Rust would also take a sign here, Go does not
    if !body.bytes().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    u64::from_str_radix(body, radix).ok()
}

/// Go's `%+#v` of what go-yaml v2 decodes `n` to (how sigs.k8s.io/yaml names a value in its
/// errors): `"text"`, `1`, `1.5`, `true`, `<nil>` (`interface {}(nil)` inside a collection),
/// `[]interface {}{…}`, `map[interface {}]interface {}{…}`.
fn go_sharp_v(n: &Node, nested: bool) -> String {
    if let Some(u) = big_uint(n) {
        return format!("{u:#x}");
    }
    match &n.value {
        NV::Scalar { text, kind, .. } => match kind {
            Scalar::Str => go_quote(text),
            Scalar::Bool(b) => b.to_string(),
            Scalar::Null if nested => "interface {}(nil)".to_string(),
            Scalar::Null => "<nil>".to_string(),
            Scalar::Int => parse_int(text).map_or_else(|| text.to_string(), |i| i.to_string()),
            Scalar::Float => format_float_g(parse_float(text).unwrap_or(0.0)),
        },
        NV::Seq(items) => {
            let items: Vec<String> = items.iter().map(|x| go_sharp_v(x, true)).collect();
            format!("[]interface {{}}{{{}}}", items.join(", "))
        }
        NV::Map(entries) => {
            let mut items: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{}:{}", go_sharp_v(k, true), go_sharp_v(v, true)))
                .collect();
            items.sort();
            format!("map[interface {{}}]interface {{}}{{{}}}", items.join(", "))
        }
    }
}

/// Parse YAML text (one document) to a value (`fromYaml`, values files).
pub fn from_yaml(text: &str) -> Result<Value, String> {
    let parsed = crate::parse::yaml::parse(text);
    if let Some(e) = parsed.error {
        return Err(format!(
            "error converting YAML to JSON: yaml: {}",
            e.message
        ));
    }
    match parsed.docs.first() {
        Some(d) => node_to_value(&d.root, &mut |_, _| 0).map_err(|e| e.message),
        None => Ok(Value::Nil),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::helm::template::value::map_of;

    #[test]
    fn to_yaml_like_helm() {
        let v = map_of(vec![
            ("b", Value::list(vec![Value::str("x"), Value::Int(1)])),
            ("a", Value::Float(1000000.0)),
            (
                "c",
                map_of(vec![("t", Value::str("true")), ("e", Value::str(""))]),
            ),
            ("d", Value::str("line1\nline2\n")),
            ("s", Value::str("*star")),
            ("q", Value::str("it's: here")),
            ("n", Value::Nil),
            ("m", Value::new_map()),
            ("f", Value::Float(1.5)),
        ]);
        assert_eq!(
            to_yaml(&v).as_deref(),
            Ok(
                "a: 1000000\nb:\n- x\n- 1\nc:\n  e: \"\"\n  t: \"true\"\nd: |\n  line1\n  line2\nf: 1.5\nm: {}\n\"n\": null\nq: 'it''s: here'\ns: '*star'"
            )
        );
        let l = Value::list(vec![map_of(vec![
            ("a", Value::Int(1)),
            ("b", Value::Int(2)),
        ])]);
        assert_eq!(to_yaml(&l).as_deref(), Ok("- a: 1\n  b: 2"));
        assert_eq!(to_yaml(&Value::str("x")).as_deref(), Ok("x"));
        assert_eq!(to_yaml(&Value::str("a\nb")).as_deref(), Ok("|-\n  a\n  b"));
    }

    #[test]
    fn key_order_is_natural() {
        let mut keys = vec!["a10", "a2", "b", "a1"];
        keys.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(keys, vec!["a1", "a2", "a10", "b"]);
    }

    #[test]
    fn to_json_like_go() {
        let v = map_of(vec![("b", Value::Float(1e6)), ("a", Value::str("<x>"))]);
        assert_eq!(
            to_json(&v, false).as_deref(),
            Ok(r#"{"a":"\u003cx\u003e","b":1000000}"#)
        );
    }

    /// A map that holds itself: Go's encoder finds the cycle below level 1,000 and refuses
    /// it; a chain deeper than that, or a value with too many elements, is not a cycle.
    #[test]
    fn cycles_depth_and_size_are_go_errors_or_budgets() {
        // as in a render: 10,000 levels need more than a test thread's stack
        crate::render::helm::template::exec::with_big_stack(cycles_depth_and_size);
    }

    fn cycles_depth_and_size() {
        let cycle = "json: unsupported value: encountered a cycle via map[string]interface {}";
        let m = Value::new_map();
        if let Value::Map(r) = &m {
            r.borrow_mut()
                .insert("a".into(), Slot { v: m.clone(), o: 0 });
        }
        assert_eq!(
            to_yaml(&m),
            Err(MarshalError::Unsupported(format!(
                "error marshaling into JSON: {cycle}"
            )))
        );
        assert_eq!(
            to_json(&m, true),
            Err(MarshalError::Unsupported(cycle.into()))
        );
        let inside = Value::list(vec![Value::Int(1), map_of(vec![("x", m.clone())])]);
        assert_eq!(
            to_json(&inside, false),
            Err(MarshalError::Unsupported(cycle.into()))
        );
        // break the cycle, or Rc never frees the map
        if let Value::Map(r) = &m {
            r.borrow_mut().clear();
        }

        // 1,500 levels (past the cycle check) print whole, as in Go
        let mut deep = Value::Nil;
        for _ in 0..1500 {
            deep = map_of(vec![("a", deep)]);
        }
        let json = to_json(&deep, false).unwrap_or_default();
        assert_eq!(json.len(), 1500 * 6 + 4, "{}", &json[..40]);
        assert!(json.ends_with(&format!("{{\"a\":null{}", "}".repeat(1500))));
        let yaml = to_yaml(&deep).unwrap_or_default();
        assert_eq!(yaml.lines().count(), 1500);
        assert!(yaml.ends_with("a: null"));

        // MAX_NEST levels are marshalled, one more is too deep
        let mut chain = Value::Nil;
        for _ in 0..MAX_NEST {
            chain = Value::list(vec![chain]);
        }
        assert!(to_json(&chain, false).is_ok());
        let deeper = Value::list(vec![chain]);
        let too_deep =
            MarshalError::TooLarge("the value is nested deeper than 10000 levels".into());
        assert_eq!(to_json(&deeper, false), Err(too_deep));
        assert!(matches!(to_yaml(&deeper), Err(MarshalError::TooLarge(_))));

        // the same map twice, 25 times over: 2^25 paths, stopped at MAX_NODES
        let mut wide = map_of(vec![("k", Value::str("v"))]);
        for _ in 0..25 {
            wide = map_of(vec![("a", wide.clone()), ("b", wide)]);
        }
        let big = MarshalError::TooLarge(format!("the value has more than {MAX_NODES} elements"));
        assert_eq!(to_yaml(&wide), Err(big));
        assert!(matches!(
            to_json(&wide, false),
            Err(MarshalError::TooLarge(_))
        ));
        // exactly MAX_NODES values pass: a list of MAX_NODES - 1 nils
        let full = Value::list(vec![Value::Nil; MAX_NODES - 1]);
        assert!(to_json(&full, false).is_ok());
        let over = Value::list(vec![Value::Nil; MAX_NODES]);
        assert!(to_json(&over, false).is_err());

        // Go's texts for the floats JSON cannot hold
        for (f, text) in [
            (f64::INFINITY, "+Inf"),
            (f64::NEG_INFINITY, "-Inf"),
            (f64::NAN, "NaN"),
        ] {
            let want = MarshalError::Unsupported(format!("json: unsupported value: {text}"));
            assert_eq!(to_json(&Value::Float(f), false), Err(want));
            assert!(to_yaml(&Value::list(vec![Value::Float(f)])).is_err());
        }
    }
}
