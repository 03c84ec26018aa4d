//! Lexer and parser for Go's `text/template` syntax.
//!
//! The tree keeps byte offsets into the template source so that errors and output origins
//! point at the exact action. `{{define}}`/`{{block}}` bodies are returned beside the main
//! tree, as Go's parser adds them to the template set.

use std::rc::Rc;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Text(String, u32, u32),
    LDelim,
    RDelim,
    Space,
    Field(String),
    Var(String),
    Ident(String),
    Kw(&'static str),
    Bool(bool),
    Str(String),
    Char(i64),
    Number(String),
    Assign,
    Declare,
    Pipe,
    LParen,
    RParen,
    Comma,
    Dot,
    Eof,
}

#[derive(Debug, Clone)]
pub struct ParseError {
    pub pos: u32,
    pub message: String,
}

fn err<T>(pos: u32, message: impl Into<String>) -> Result<T, ParseError> {
    Err(ParseError {
        pos,
        message: message.into(),
    })
}

const KEYWORDS: &[&str] = &[
    "block", "break", "continue", "define", "else", "end", "if", "range", "nil", "template", "with",
];

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

fn is_alnum(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

fn lex(src: &str) -> Result<Vec<(Tok, u32)>, ParseError> {
    let b = src.as_bytes();
    let mut out: Vec<(Tok, u32)> = Vec::new();
    let mut i = 0usize;
    let mut trim_next = false;
    while i <= b.len() {
        // text up to the next "{{"
        let next = src[i..].find("{{").map(|p| p + i);
        let text_end = next.unwrap_or(b.len());
        let mut ts = i;
        let mut te = text_end;
        if trim_next {
            while ts < te && is_space(b[ts]) {
                ts += 1;
            }
            trim_next = false;
        }
        let Some(open) = next else {
            if ts < te {
                out.push((
                    Tok::Text(src[ts..te].to_string(), ts as u32, te as u32),
                    ts as u32,
                ));
            }
            break;
        };
        let mut j = open + 2;
        if b.len() > j + 1 && b[j] == b'-' && is_space(b[j + 1]) {
            while te > ts && is_space(b[te - 1]) {
                te -= 1;
            }
            j += 2;
        }
        if ts < te {
            out.push((
                Tok::Text(src[ts..te].to_string(), ts as u32, te as u32),
                ts as u32,
            ));
        }
        // comment
        {
            let k = j;
            if src[k..].starts_with("/*") {
                let Some(close) = src[k + 2..].find("*/") else {
                    return err(open as u32, "unclosed comment");
                };
                // the closing delimiter follows at once: `*/}}`, or `*/ -}}` with exactly
                // one space (Go refuses `*/ }}`)
                let m = k + 2 + close + 2;
                let rest = &b[m..];
                if rest.len() >= 4 && is_space(rest[0]) && rest[1..].starts_with(b"-}}") {
                    trim_next = true;
                    i = m + 4;
                } else if rest.starts_with(b"}}") {
                    i = m + 2;
                } else {
                    return err(open as u32, "comment ends before closing delimiter");
                }
                continue;
            }
        }
        out.push((Tok::LDelim, open as u32));
        // inside action
        let mut paren = 0i32;
        loop {
            if j >= b.len() {
                return err(open as u32, "unclosed action");
            }
            let c = b[j];
            let pos = j as u32;
            if is_space(c) {
                let st = j;
                while j < b.len() && is_space(b[j]) {
                    j += 1;
                }
                if src[j..].starts_with("-}}") && j > st {
                    out.push((Tok::RDelim, j as u32));
                    trim_next = true;
                    j += 3;
                    break;
                }
                out.push((Tok::Space, st as u32));
                continue;
            }
            if src[j..].starts_with("}}") {
                if paren > 0 {
                    return err(pos, "unclosed left paren");
                }
                out.push((Tok::RDelim, pos));
                j += 2;
                break;
            }
            match c {
                b'|' => {
                    out.push((Tok::Pipe, pos));
                    j += 1;
                }
                b'(' => {
                    paren += 1;
                    out.push((Tok::LParen, pos));
                    j += 1;
                }
                b')' => {
                    paren -= 1;
                    if paren < 0 {
                        return err(pos, "unexpected right paren");
                    }
                    out.push((Tok::RParen, pos));
                    j += 1;
                }
                b',' => {
                    out.push((Tok::Comma, pos));
                    j += 1;
                }
                b'=' => {
                    out.push((Tok::Assign, pos));
                    j += 1;
                }
                b':' => {
                    if b.get(j + 1) == Some(&b'=') {
                        out.push((Tok::Declare, pos));
                        j += 2;
                    } else {
                        return err(pos, "expected :=");
                    }
                }
                b'"' => {
                    let mut k = j + 1;
                    let mut s = String::new();
                    loop {
                        let Some(ch) = src[k..].chars().next() else {
                            return err(pos, "unterminated quoted string");
                        };
                        match ch {
                            '"' => {
                                k += 1;
                                break;
                            }
                            '\n' => return err(pos, "unterminated quoted string"),
                            '\\' => {
                                let Some(e) = src[k + 1..].chars().next() else {
                                    return err(pos, "unterminated quoted string");
                                };
                                let Some((v, len)) = escape(&src[k + 1..], '"') else {
                                    return err(pos, format!("invalid escape \\{e} in string"));
                                };
                                k += 1 + len;
                                // `\x` and octal escapes are bytes in Go: above 0x7F octolint
                                // can only hold them as the code point of the same number
                                s.push(char::from_u32(v).unwrap_or('\u{FFFD}'));
                            }
                            ch => {
                                s.push(ch);
                                k += ch.len_utf8();
                            }
                        }
                    }
                    out.push((Tok::Str(s), pos));
                    j = k;
                }
                b'`' => {
                    let Some(end) = src[j + 1..].find('`') else {
                        return err(pos, "unterminated raw quoted string");
                    };
                    out.push((Tok::Str(src[j + 1..j + 1 + end].to_string()), pos));
                    j = j + 1 + end + 1;
                }
                b'\'' => {
                    let rest = &src[j + 1..];
                    let mut chars = rest.chars();
                    let (v, len) = match chars.next() {
                        Some('\\') => match escape(&rest[1..], '\'') {
                            Some((v, n)) => (v, 1 + n),
                            None => return err(pos, "malformed character constant"),
                        },
                        Some('\'') | Some('\n') => {
                            return err(pos, "malformed character constant");
                        }
                        Some(ch) => (ch as u32, ch.len_utf8()),
                        None => return err(pos, "unterminated character constant"),
                    };
                    if rest.as_bytes().get(len) != Some(&b'\'') {
                        return err(pos, "unterminated character constant");
                    }
                    out.push((Tok::Char(i64::from(v)), pos));
                    j += 1 + len + 1;
                }
                b'$' => {
                    let mut k = j + 1;
                    for ch in src[k..].chars() {
                        if is_alnum(ch) {
                            k += ch.len_utf8();
                        } else {
                            break;
                        }
                    }
                    out.push((Tok::Var(src[j..k].to_string()), pos));
                    j = k;
                }
                b'.' => {
                    let nc = src[j + 1..].chars().next();
                    if nc.is_some_and(|c| c.is_ascii_digit())
                        && !matches!(
                            out.last(),
                            Some((Tok::RParen | Tok::Var(_) | Tok::Field(_) | Tok::Ident(_), _))
                        )
                    {
                        let k = scan_number(b, j);
                        out.push((Tok::Number(src[j..k].to_string()), pos));
                        j = k;
                    } else if nc.is_some_and(is_alnum) {
                        let mut k = j + 1;
                        for ch in src[k..].chars() {
                            if is_alnum(ch) {
                                k += ch.len_utf8();
                            } else {
                                break;
                            }
                        }
                        out.push((Tok::Field(src[j + 1..k].to_string()), pos));
                        j = k;
                    } else {
                        out.push((Tok::Dot, pos));
                        j += 1;
                    }
                }
                b'0'..=b'9' | b'+' | b'-' => {
                    // a sign alone is a number token too, which the parser refuses (`illegal
                    // number syntax: "+"`), as Go's lexer and parser do
                    let k = scan_number(b, j);
                    if let Some(ch) = src[k..].chars().next().filter(|ch| is_alnum(*ch)) {
                        let text = &src[j..k + ch.len_utf8()];
                        return err(pos, format!("bad number syntax: {text:?}"));
                    }
                    out.push((Tok::Number(src[j..k].to_string()), pos));
                    j = k;
                }
                _ => {
                    let ch = src[j..].chars().next().unwrap_or(' ');
                    if !is_alnum(ch) {
                        return err(pos, format!("unexpected {:?} in command", ch));
                    }
                    let mut k = j;
                    for ch in src[k..].chars() {
                        if is_alnum(ch) {
                            k += ch.len_utf8();
                        } else {
                            break;
                        }
                    }
                    let word = &src[j..k];
                    let t = if let Some(kw) = KEYWORDS.iter().find(|kw| **kw == word) {
                        Tok::Kw(kw)
                    } else if word == "true" || word == "false" {
                        Tok::Bool(word == "true")
                    } else {
                        Tok::Ident(word.to_string())
                    };
                    out.push((t, pos));
                    j = k;
                }
            }
        }
        i = j;
    }
    out.push((Tok::Eof, src.len() as u32));
    Ok(out)
}

fn scan_number(b: &[u8], start: usize) -> usize {
    let mut k = start;
    if k < b.len() && (b[k] == b'+' || b[k] == b'-') {
        k += 1;
    }
    let mut digits: &[u8] = b"0123456789_";
    if k + 1 < b.len() && b[k] == b'0' {
        let set: &[u8] = match b[k + 1] {
            b'x' | b'X' => b"0123456789abcdefABCDEF_",
            b'o' | b'O' => b"01234567_",
            b'b' | b'B' => b"01_",
            _ => digits,
        };
        if set.len() != digits.len() {
            k += 2;
            digits = set;
        }
    }
    while k < b.len() && digits.contains(&b[k]) {
        k += 1;
    }
    if k < b.len() && b[k] == b'.' {
        k += 1;
        while k < b.len() && digits.contains(&b[k]) {
            k += 1;
        }
    }
    // an exponent: `e` after decimal digits, `p` after hexadecimal ones
    let exp = match digits.len() {
        11 => b"eE",
        23 => b"pP",
        _ => return k,
    };
    if k < b.len() && exp.contains(&b[k]) {
        k += 1;
        if k < b.len() && (b[k] == b'+' || b[k] == b'-') {
            k += 1;
        }
        while k < b.len() && (b[k].is_ascii_digit() || b[k] == b'_') {
            k += 1;
        }
    }
    k
}

/// One backslash escape of a Go string or character literal, as `strconv.UnquoteChar` reads
/// it (`rest` follows the backslash): its value and its length after the backslash. `\'` and
/// `\"` only inside their own quotes, octal escapes three digits up to `\377`, `\u`/`\U`
/// valid code points.
fn escape(rest: &str, quote: char) -> Option<(u32, usize)> {
    let c = rest.chars().next()?;
    let simple = match c {
        'a' => 7,
        'b' => 8,
        'f' => 0xc,
        'n' => 0xa,
        'r' => 0xd,
        't' => 9,
        'v' => 0xb,
        '\\' => 0x5c,
        '\'' | '"' if c == quote => c as u32,
        _ => 0,
    };
    if simple != 0 {
        return Some((simple, 1));
    }
    let (digits, radix) = match c {
        'x' => (rest.get(1..3)?, 16),
        'u' => (rest.get(1..5)?, 16),
        'U' => (rest.get(1..9)?, 16),
        '0'..='7' => (rest.get(0..3)?, 8),
        _ => return None,
    };
    if !digits.chars().all(|d| d.is_digit(radix)) {
        return None;
    }
    let v = u32::from_str_radix(digits, radix).ok()?;
    let ok = match c {
        'u' | 'U' => char::from_u32(v).is_some(),
        _ => v <= 0xff,
    };
    let len = if radix == 8 { 3 } else { 1 + digits.len() };
    ok.then_some((v, len))
}

/// Go's `strconv` rule for underscores in a number: only between digits, or between a base
/// prefix and a digit.
fn underscores_ok(n: &str) -> bool {
    let s = n.strip_prefix(['+', '-']).unwrap_or(n).as_bytes();
    let mut saw = b'^';
    let mut i = 0;
    let mut hex = false;
    if s.len() >= 2 && s[0] == b'0' && matches!(s[1].to_ascii_lowercase(), b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = s[1].eq_ignore_ascii_case(&b'x');
    }
    for &c in &s[i..] {
        if c.is_ascii_digit() || (hex && c.is_ascii_hexdigit()) {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
    }
    saw != b'_'
}

/// A hexadecimal float as Go's `strconv.ParseFloat` reads it (`0x1.8p1`): the `p` exponent
/// is required.
fn hex_float(h: &str) -> Option<f64> {
    let (mant, exp) = h.split_once('p')?;
    let exp: i32 = exp.parse().ok()?;
    let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let mut v = 0f64;
    for c in int.chars().chain(frac.chars()) {
        v = v * 16.0 + f64::from(c.to_digit(16)?);
    }
    let shift = exp.checked_sub(4 * i32::try_from(frac.len()).ok()?)?;
    Some(v * 2f64.powi(shift))
}

/// One operand of a command.
#[derive(Debug, Clone)]
pub enum Arg {
    /// `.a.b.c` (empty chain: never; `.` alone is `Dot`).
    Field(Vec<Rc<str>>),
    /// `$x.a.b`
    Var(Rc<str>, Vec<Rc<str>>),
    /// A function name.
    Ident(Rc<str>),
    Dot,
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Rc<str>),
    /// `(pipeline).a.b`
    Pipe(Box<Pipe>, Vec<Rc<str>>),
}

#[derive(Debug, Clone)]
pub struct Cmd {
    pub pos: u32,
    pub args: Vec<(Arg, u32)>,
}

#[derive(Debug, Clone)]
pub struct Pipe {
    pub pos: u32,
    pub decl: Vec<Rc<str>>,
    pub is_assign: bool,
    pub cmds: Vec<Cmd>,
}

#[derive(Debug, Clone)]
pub enum Node {
    Text {
        text: Rc<str>,
        start: u32,
        end: u32,
    },
    Action {
        pos: u32,
        end: u32,
        pipe: Pipe,
    },
    If {
        pos: u32,
        pipe: Pipe,
        list: Vec<Node>,
        else_list: Option<Vec<Node>>,
    },
    With {
        pos: u32,
        pipe: Pipe,
        list: Vec<Node>,
        else_list: Option<Vec<Node>>,
    },
    Range {
        pos: u32,
        pipe: Pipe,
        list: Vec<Node>,
        else_list: Option<Vec<Node>>,
    },
    Template {
        pos: u32,
        end: u32,
        name: Rc<str>,
        pipe: Option<Pipe>,
    },
    Break(u32),
    Continue(u32),
}

/// A parsed file: its main body and the templates it defines.
#[derive(Debug, Default)]
pub struct Parsed {
    pub root: Vec<Node>,
    pub defines: Vec<(Rc<str>, Vec<Node>)>,
}

enum Stop {
    End,
    Else(u32),
    Eof,
}

struct Parser {
    toks: Vec<(Tok, u32)>,
    i: usize,
    defines: Vec<(Rc<str>, Vec<Node>)>,
    range_depth: usize,
    vars: Vec<Vec<Rc<str>>>,
}

/// Parse a template file.
pub fn parse(src: &str) -> Result<Parsed, ParseError> {
    let toks = lex(src)?;
    let mut p = Parser {
        toks,
        i: 0,
        defines: Vec::new(),
        range_depth: 0,
        vars: vec![vec![Rc::from("$")]],
    };
    let (root, stop) = p.list(true)?;
    match stop {
        Stop::Eof => {}
        Stop::End => return err(p.pos(), "unexpected {{end}}"),
        Stop::Else(pos) => return err(pos, "unexpected {{else}}"),
    }
    Ok(Parsed {
        root,
        defines: p.defines,
    })
}

impl Parser {
    fn peek(&self) -> &Tok {
        &self.toks[self.i.min(self.toks.len() - 1)].0
    }

    fn pos(&self) -> u32 {
        self.toks[self.i.min(self.toks.len() - 1)].1
    }

    fn next(&mut self) -> (Tok, u32) {
        let t = self.toks[self.i.min(self.toks.len() - 1)].clone();
        if self.i < self.toks.len() {
            self.i += 1;
        }
        t
    }

    /// Next token, skipping spaces.
    fn next_ns(&mut self) -> (Tok, u32) {
        while *self.peek() == Tok::Space {
            self.i += 1;
        }
        self.next()
    }

    fn peek_ns(&mut self) -> &Tok {
        while *self.peek() == Tok::Space {
            self.i += 1;
        }
        self.peek()
    }

    fn expect_rdelim(&mut self, ctx: &str) -> Result<(), ParseError> {
        let (t, pos) = self.next_ns();
        if t != Tok::RDelim {
            return err(pos, format!("unexpected {} in {ctx}", show(&t)));
        }
        Ok(())
    }

    fn list(&mut self, top: bool) -> Result<(Vec<Node>, Stop), ParseError> {
        let mut nodes = Vec::new();
        loop {
            let (t, pos) = self.next();
            match t {
                Tok::Eof => {
                    if !top {
                        return err(pos, "unexpected EOF");
                    }
                    return Ok((nodes, Stop::Eof));
                }
                Tok::Text(s, a, b) => nodes.push(Node::Text {
                    text: Rc::from(s),
                    start: a,
                    end: b,
                }),
                Tok::LDelim => {
                    let (kw, kpos) = {
                        let save = self.i;
                        let (t, p) = self.next_ns();
                        self.i = save;
                        (t, p)
                    };
                    match kw {
                        Tok::Kw("end") => {
                            self.next_ns();
                            self.expect_rdelim("end")?;
                            if top {
                                return err(kpos, "unexpected {{end}}");
                            }
                            return Ok((nodes, Stop::End));
                        }
                        Tok::Kw("else") => {
                            self.next_ns();
                            if top {
                                return err(kpos, "unexpected {{else}}");
                            }
                            return Ok((nodes, Stop::Else(kpos)));
                        }
                        Tok::Kw("define") => {
                            if !top {
                                return err(kpos, "unexpected <define> in command");
                            }
                            self.next_ns();
                            let (name, npos) = self.next_ns();
                            let Tok::Str(name) = name else {
                                return err(npos, "define name must be a string");
                            };
                            self.expect_rdelim("define clause")?;
                            self.vars.push(vec![Rc::from("$")]);
                            let (body, stop) = self.list(false)?;
                            self.vars.pop();
                            if !matches!(stop, Stop::End) {
                                return err(kpos, "unexpected {{else}} in define");
                            }
                            self.defines.push((Rc::from(name), body));
                        }
                        _ => nodes.push(self.action(pos)?),
                    }
                }
                t => return err(pos, format!("unexpected {}", show(&t))),
            }
        }
    }

    fn action(&mut self, open: u32) -> Result<Node, ParseError> {
        let (t, pos) = {
            let save = self.i;
            let r = self.next_ns();
            self.i = save;
            r
        };
        match t {
            Tok::Kw(kw @ ("if" | "with" | "range")) => {
                self.next_ns();
                self.control(kw, open)
            }
            Tok::Kw("block") => {
                self.next_ns();
                let (name, npos) = self.next_ns();
                let Tok::Str(name) = name else {
                    return err(npos, "block name must be a string");
                };
                let pipe = self.pipeline("block", false)?;
                let end = self.toks[self.i - 1].1 + 2;
                self.vars.push(vec![Rc::from("$")]);
                let (body, stop) = self.list(false)?;
                self.vars.pop();
                if !matches!(stop, Stop::End) {
                    return err(pos, "unexpected {{else}} in block");
                }
                let name: Rc<str> = Rc::from(name);
                self.defines.push((name.clone(), body));
                Ok(Node::Template {
                    pos: open,
                    end,
                    name,
                    pipe: Some(pipe),
                })
            }
            Tok::Kw("template") => {
                self.next_ns();
                let (name, npos) = self.next_ns();
                let Tok::Str(name) = name else {
                    return err(npos, "template name must be a string");
                };
                let pipe = if *self.peek_ns() == Tok::RDelim {
                    self.next_ns();
                    None
                } else {
                    Some(self.pipeline("template clause", false)?)
                };
                let end = self.toks[self.i - 1].1 + 2;
                Ok(Node::Template {
                    pos: open,
                    end,
                    name: Rc::from(name),
                    pipe,
                })
            }
            Tok::Kw("break") | Tok::Kw("continue") => {
                self.next_ns();
                if self.range_depth == 0 {
                    return err(pos, format!("{{{{{}}}}} outside {{{{range}}}}", show(&t)));
                }
                self.expect_rdelim("break/continue")?;
                Ok(if t == Tok::Kw("break") {
                    Node::Break(open)
                } else {
                    Node::Continue(open)
                })
            }
            _ => {
                let pipe = self.pipeline("command", true)?;
                let end = self.toks[self.i - 1].1 + 2;
                Ok(Node::Action {
                    pos: open,
                    end,
                    pipe,
                })
            }
        }
    }

    fn control(&mut self, kw: &'static str, open: u32) -> Result<Node, ParseError> {
        self.vars.push(Vec::new());
        let pipe = self.pipeline(kw, false)?;
        if kw == "range" {
            self.range_depth += 1;
        }
        let (list, stop) = self.list(false)?;
        if kw == "range" {
            self.range_depth -= 1;
        }
        let mut else_list = None;
        if let Stop::Else(_) = stop {
            // `else if` / `else with` chain: a nested control sharing our {{end}}
            let nested = match self.peek_ns() {
                Tok::Kw("if") if kw == "if" => Some("if"),
                Tok::Kw("with") if kw == "with" => Some("with"),
                _ => None,
            };
            if let Some(nk) = nested {
                let npos = self.pos();
                self.next_ns();
                let node = self.control(nk, npos)?;
                else_list = Some(vec![node]);
            } else {
                self.expect_rdelim("else")?;
                let (l, stop2) = self.list(false)?;
                match stop2 {
                    Stop::End => {}
                    Stop::Else(p) => return err(p, "expected end; found {{else}}"),
                    Stop::Eof => return err(open, "unexpected EOF"),
                }
                else_list = Some(l);
            }
        }
        self.vars.pop();
        let n = match kw {
            "if" => Node::If {
                pos: open,
                pipe,
                list,
                else_list,
            },
            "with" => Node::With {
                pos: open,
                pipe,
                list,
                else_list,
            },
            _ => Node::Range {
                pos: open,
                pipe,
                list,
                else_list,
            },
        };
        Ok(n)
    }

    fn has_var(&self, name: &str) -> bool {
        self.vars
            .iter()
            .rev()
            .any(|s| s.iter().any(|v| &**v == name))
    }

    /// A pipeline up to and including the closing delimiter (or the right paren when
    /// `paren`... handled by the caller through `sub_pipeline`).
    fn pipeline(&mut self, ctx: &str, allow_empty_decl: bool) -> Result<Pipe, ParseError> {
        let _ = allow_empty_decl;
        let pos = self.pos();
        let mut decl: Vec<Rc<str>> = Vec::new();
        let mut is_assign = false;
        // declarations: $x := / $x = / $i, $v :=
        let save = self.i;
        if let Tok::Var(v) = self.peek_ns().clone() {
            self.next_ns();
            match self.peek_ns().clone() {
                Tok::Declare | Tok::Assign => {
                    is_assign = *self.peek_ns() == Tok::Assign;
                    self.next_ns();
                    decl.push(Rc::from(v.as_str()));
                }
                Tok::Comma if ctx == "range" => {
                    self.next_ns();
                    let (t2, p2) = self.next_ns();
                    let Tok::Var(v2) = t2 else {
                        return err(p2, "too many declarations in range");
                    };
                    match self.next_ns() {
                        (Tok::Declare, _) => {}
                        (Tok::Assign, _) => is_assign = true,
                        (_, p) => return err(p, "expected := in range declaration"),
                    }
                    decl.push(Rc::from(v.as_str()));
                    decl.push(Rc::from(v2.as_str()));
                }
                _ => self.i = save,
            }
        }
        if !is_assign {
            if let Some(scope) = self.vars.last_mut() {
                for d in &decl {
                    scope.push(d.clone());
                }
            }
        } else {
            for d in &decl {
                if !self.has_var(d) {
                    return err(pos, format!("undefined variable \"{d}\""));
                }
            }
        }
        let mut cmds = Vec::new();
        loop {
            match self.peek_ns().clone() {
                Tok::RDelim => {
                    self.next_ns();
                    break;
                }
                Tok::RParen if ctx == "parenthesized pipeline" => {
                    break;
                }
                Tok::Eof => return err(self.pos(), format!("unclosed action in {ctx}")),
                _ => {
                    let c = self.command()?;
                    cmds.push(c);
                    match self.peek_ns().clone() {
                        Tok::Pipe => {
                            self.next_ns();
                        }
                        Tok::RDelim => {}
                        Tok::RParen if ctx == "parenthesized pipeline" => {}
                        t => return err(self.pos(), format!("unexpected {} in {ctx}", show(&t))),
                    }
                }
            }
        }
        if cmds.is_empty() {
            return err(pos, format!("missing value for {ctx}"));
        }
        for (i, c) in cmds.iter().enumerate().skip(1) {
            if let Some((a, p)) = c.args.first()
                && !matches!(
                    a,
                    Arg::Ident(_) | Arg::Field(_) | Arg::Var(..) | Arg::Pipe(..)
                )
            {
                let _ = i;
                return err(*p, "non executable command in pipeline stage");
            }
        }
        Ok(Pipe {
            pos,
            decl,
            is_assign,
            cmds,
        })
    }

    fn command(&mut self) -> Result<Cmd, ParseError> {
        let pos = self.pos();
        let mut args = Vec::new();
        loop {
            while *self.peek() == Tok::Space {
                self.i += 1;
            }
            match self.peek() {
                Tok::RDelim | Tok::RParen | Tok::Pipe => break,
                Tok::Eof => return err(self.pos(), "unclosed action"),
                _ => {}
            }
            let a = self.operand()?;
            args.push(a);
            // operands must be separated by space
            match self.peek() {
                Tok::Space | Tok::RDelim | Tok::RParen | Tok::Pipe => {}
                t => {
                    let t = t.clone();
                    return err(self.pos(), format!("unexpected {} in operand", show(&t)));
                }
            }
        }
        if args.is_empty() {
            return err(pos, "empty command");
        }
        Ok(Cmd { pos, args })
    }

    fn operand(&mut self) -> Result<(Arg, u32), ParseError> {
        let (t, pos) = self.next();
        let mut a = match t {
            Tok::Field(f) => Arg::Field(vec![Rc::from(f)]),
            Tok::Var(v) => {
                if !self.has_var(&v) {
                    return err(pos, format!("undefined variable \"{v}\""));
                }
                Arg::Var(Rc::from(v), Vec::new())
            }
            Tok::Ident(f) => Arg::Ident(Rc::from(f)),
            Tok::Dot => Arg::Dot,
            Tok::Kw("nil") => Arg::Nil,
            Tok::Bool(b) => Arg::Bool(b),
            Tok::Str(s) => Arg::Str(Rc::from(s)),
            Tok::Char(c) => Arg::Int(c),
            Tok::Number(n) => number(&n).ok_or(ParseError {
                pos,
                message: format!("illegal number syntax: {n:?}"),
            })?,
            Tok::LParen => {
                let p = self.pipeline("parenthesized pipeline", false)?;
                match self.next_ns() {
                    (Tok::RParen, _) => {}
                    (_, p) => return err(p, "unclosed left paren"),
                }
                Arg::Pipe(Box::new(p), Vec::new())
            }
            t => return err(pos, format!("unexpected {} in operand", show(&t))),
        };
        while let Tok::Field(f) = self.peek().clone() {
            self.i += 1;
            // Go parses `fn.Field` as a chain on the function's result (called with no
            // arguments), an error only when executed: `merge.Values.x` in a branch that does
            // not run renders fine.
            if let Arg::Ident(name) = &a {
                let call = Cmd {
                    pos,
                    args: vec![(Arg::Ident(name.clone()), pos)],
                };
                let pipe = Pipe {
                    pos,
                    decl: Vec::new(),
                    is_assign: false,
                    cmds: vec![call],
                };
                a = Arg::Pipe(Box::new(pipe), Vec::new());
            }
            match &mut a {
                Arg::Field(ch) | Arg::Var(_, ch) | Arg::Pipe(_, ch) => ch.push(Rc::from(f)),
                _ => return err(pos, "unexpected . after term"),
            }
        }
        Ok((a, pos))
    }
}

fn number(n: &str) -> Option<Arg> {
    if !underscores_ok(n) {
        return None;
    }
    let clean: String = n.chars().filter(|c| *c != '_').collect();
    let (neg, body) = match clean.strip_prefix('-') {
        Some(b) => (true, b.to_string()),
        None => (false, clean.trim_start_matches('+').to_string()),
    };
    let lower = body.to_ascii_lowercase();
    let int = if let Some(h) = lower.strip_prefix("0x") {
        i64::from_str_radix(h, 16).ok()
    } else if let Some(o) = lower.strip_prefix("0o") {
        i64::from_str_radix(o, 8).ok()
    } else if let Some(b) = lower.strip_prefix("0b") {
        i64::from_str_radix(b, 2).ok()
    } else if lower.len() > 1 && lower.starts_with('0') && lower.bytes().all(|c| c.is_ascii_digit())
    {
        i64::from_str_radix(&lower[1..], 8).ok()
    } else if lower.bytes().all(|c| c.is_ascii_digit()) {
        lower.parse::<i64>().ok()
    } else {
        None
    };
    if let Some(i) = int {
        return Some(Arg::Int(if neg { -i } else { i }));
    }
    let f: f64 = match lower.strip_prefix("0x") {
        Some(h) => hex_float(h)?,
        // an integer too large for int64 is an error, not a float
        None if !lower.contains(['.', 'e']) => return None,
        None => lower.parse().ok()?,
    };
    Some(Arg::Float(if neg { -f } else { f }))
}

fn show(t: &Tok) -> String {
    match t {
        Tok::Text(..) => "text".into(),
        Tok::LDelim => "\"{{\"".into(),
        Tok::RDelim => "\"}}\"".into(),
        Tok::Space => "space".into(),
        Tok::Field(f) => format!("<.{f}>"),
        Tok::Var(v) => format!("<{v}>"),
        Tok::Ident(i) => format!("<{i}>"),
        Tok::Kw(k) => format!("<{k}>"),
        Tok::Bool(b) => format!("<{b}>"),
        Tok::Str(s) => format!("{s:?}"),
        Tok::Char(_) => "character constant".into(),
        Tok::Number(n) => n.clone(),
        Tok::Assign => "\"=\"".into(),
        Tok::Declare => "\":=\"".into(),
        Tok::Pipe => "\"|\"".into(),
        Tok::LParen => "\"(\"".into(),
        Tok::RParen => "\")\"".into(),
        Tok::Comma => "\",\"".into(),
        Tok::Dot => "<.>".into(),
        Tok::Eof => "EOF".into(),
    }
}
