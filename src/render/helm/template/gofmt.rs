//! Go's `fmt` and `strconv` formatting of template values: `%v` printing of maps, slices
//! and floats (shortest `'g'`), and the `printf` verbs charts use.

use super::value::{Obj, Value};

/// The shortest decimal digits and exponent of `f` (finite, > 0): `(digits, dp)` with the
/// value = 0.digits × 10^dp.
fn shortest(f: f64) -> (String, i32) {
    digits_of(&format!("{f:e}"))
}

/// The shortest digits that give back `f` as a float32, and the decimal point position.
fn shortest32(f: f32) -> (String, i32) {
    digits_of(&format!("{f:e}"))
}

/// Digits and decimal point position from Rust's shortest `{:e}` text.
fn digits_of(s: &str) -> (String, i32) {
    let (mant, exp) = s.split_once('e').unwrap_or((s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    let digits = digits.trim_end_matches('0').to_string();
    let digits = if digits.is_empty() {
        "0".to_string()
    } else {
        digits
    };
    (digits, exp + 1)
}

fn exp_suffix(out: &mut String, e: i32) {
    out.push('e');
    out.push(if e < 0 { '-' } else { '+' });
    let a = e.unsigned_abs();
    if a < 10 {
        out.push('0');
    }
    out.push_str(&a.to_string());
}

/// `strconv.FormatFloat(f, 'g', -1, 64)` (what `%v` prints).
pub fn format_float_g(f: f64) -> String {
    format_g(f, shortest)
}

/// `strconv.FormatFloat(f, 'g', -1, 32)`: `f` rounded to a float32, in its shortest form.
pub fn format_float32_g(f: f64) -> String {
    let f = f as f32;
    format_g(f64::from(f), |x| shortest32(x as f32))
}

fn format_g(f: f64, shortest: impl Fn(f64) -> (String, i32)) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.into();
    }
    let mut out = String::new();
    if f < 0.0 {
        out.push('-');
    }
    let (digits, dp) = shortest(f.abs());
    let exp = dp - 1;
    if !(-4..6).contains(&exp) {
        // %e form
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        exp_suffix(&mut out, exp);
        return out;
    }
    fixed_from_digits(&mut out, &digits, dp);
    out
}

fn fixed_from_digits(out: &mut String, digits: &str, dp: i32) {
    if dp <= 0 {
        out.push_str("0.");
        for _ in 0..(-dp) {
            out.push('0');
        }
        out.push_str(digits);
    } else if dp as usize >= digits.len() {
        out.push_str(digits);
        for _ in 0..(dp as usize - digits.len()) {
            out.push('0');
        }
    } else {
        out.push_str(&digits[..dp as usize]);
        out.push('.');
        out.push_str(&digits[dp as usize..]);
    }
}

/// Go's `encoding/json` float encoding.
pub fn format_float_json(f: f64) -> String {
    if !f.is_finite() {
        return "null".into();
    }
    if f == 0.0 {
        return "0".into();
    }
    let a = f.abs();
    if !(1e-6..1e21).contains(&a) {
        let mut out = String::new();
        if f < 0.0 {
            out.push('-');
        }
        let (digits, dp) = shortest(a);
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let e = dp - 1;
        out.push('e');
        out.push(if e < 0 { '-' } else { '+' });
        out.push_str(&e.unsigned_abs().to_string());
        return out;
    }
    let mut out = String::new();
    if f < 0.0 {
        out.push('-');
    }
    let (digits, dp) = shortest(a);
    fixed_from_digits(&mut out, &digits, dp);
    out
}

/// `%v` of a value as `fmt.Sprint` prints it (maps as `map[k:v]`, slices as `[a b]`).
pub fn sprint_value(v: &Value, out: &mut String) {
    match v {
        Value::Nil => out.push_str("<nil>"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Float(f) => out.push_str(&format_float_g(*f)),
        Value::Str(s) => out.push_str(s),
        Value::Bytes(b) => {
            out.push('[');
            for (i, x) in b.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(&x.to_string());
            }
            out.push(']');
        }
        Value::List(l) => {
            out.push('[');
            for (i, x) in l.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                sprint_value(x, out);
            }
            out.push(']');
        }
        Value::Map(m) => {
            out.push_str("map[");
            for (i, (k, s)) in m.borrow().iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(k);
                out.push(':');
                sprint_value(&s.v, out);
            }
            out.push(']');
        }
        Value::Obj(o) => match &**o {
            Obj::Files(f) => {
                out.push_str("map[");
                for (i, (k, b)) in f.iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    out.push_str(k);
                    out.push(':');
                    sprint_value(&Value::Bytes(b.clone()), out);
                }
                out.push(']');
            }
            Obj::ApiVersions(v) => {
                out.push('[');
                out.push_str(&v.join(" "));
                out.push(']');
            }
            Obj::KubeVersion(m) => {
                // Go prints the struct: {Version GitVersion Major Minor}
                let m = m.borrow();
                out.push('{');
                for (i, k) in ["Version", "GitVersion", "Major", "Minor"]
                    .iter()
                    .enumerate()
                {
                    if i > 0 {
                        out.push(' ');
                    }
                    if let Some(s) = m.get(*k) {
                        sprint_value(&s.v, out);
                    }
                }
                out.push('}');
            }
        },
    }
}

pub fn sprint(v: &Value) -> String {
    let mut s = String::new();
    sprint_value(v, &mut s);
    s
}

/// `fmt.Sprint(args...)`: spaces between operands when neither side is a string.
pub fn sprint_args(args: &[Value]) -> String {
    let mut out = String::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            let prev_str = matches!(args[i - 1], Value::Str(_));
            let cur_str = matches!(a, Value::Str(_));
            if !prev_str && !cur_str {
                out.push(' ');
            }
        }
        sprint_value(a, &mut out);
    }
    out
}

/// `fmt.Sprintln(args...)`: always spaces, newline at the end.
pub fn sprintln_args(args: &[Value]) -> String {
    let mut out = String::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        sprint_value(a, &mut out);
    }
    out.push('\n');
    out
}

/// Go's `unicode.IsPrint` (and `strconv.IsPrint`): letters, marks, numbers, punctuation,
/// symbols and the ASCII space. Not spaces, separators, controls, format characters, private
/// use or unassigned code points (by the Unicode 16 tables; Go's are Unicode 15, so the few
/// characters Unicode 16 added print here and are escaped by Helm).
pub fn go_is_print(c: char) -> bool {
    use unicode_general_category::{GeneralCategory as G, get_general_category};
    c == ' '
        || !matches!(
            get_general_category(c),
            G::SpaceSeparator
                | G::LineSeparator
                | G::ParagraphSeparator
                | G::Control
                | G::Format
                | G::Surrogate
                | G::PrivateUse
                | G::Unassigned
        )
}

/// Go's `strconv.Quote`.
pub fn go_quote(s: &str) -> String {
    quote_with(s, '"', false)
}

/// `%q` (`%+q`: ASCII only, as `strconv.QuoteToASCII`).
fn quote_verb(s: &str, spec: &Spec) -> String {
    quote_with(s, '"', spec.plus)
}

/// Go's `strconv.QuoteRune` (`%q` of an integer).
fn go_quote_rune(c: char, spec: &Spec) -> String {
    quote_with(c.encode_utf8(&mut [0; 4]), '\'', spec.plus)
}

fn quote_with(s: &str, quote: char, ascii: bool) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if (ascii && !c.is_ascii()) || !go_is_print(c) => {
                if (c as u32) > 0xffff {
                    out.push_str(&format!("\\U{:08x}", c as u32));
                } else {
                    out.push_str(&format!("\\u{:04x}", c as u32));
                }
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

#[derive(Clone, Copy)]
struct Spec {
    minus: bool,
    plus: bool,
    zero: bool,
    space: bool,
    sharp: bool,
    width: Option<usize>,
    prec: Option<usize>,
}

fn pad(s: String, spec: &Spec) -> String {
    let Some(w) = spec.width else { return s };
    let n = s.chars().count();
    if n >= w {
        return s;
    }
    let fill = w - n;
    if spec.minus {
        let mut s = s;
        s.extend(std::iter::repeat_n(' ', fill));
        s
    } else if spec.zero {
        // zero padding goes after the sign
        let (sign, rest) = if s.starts_with('-') || s.starts_with('+') {
            s.split_at(1)
        } else {
            ("", s.as_str())
        };
        format!("{sign}{}{rest}", "0".repeat(fill))
    } else {
        format!("{}{s}", " ".repeat(fill))
    }
}

fn bad_verb(verb: char, v: &Value) -> String {
    format!("%!{verb}({}={})", v.type_name(), sprint(v))
}

fn format_int(i: i64, verb: char, spec: &Spec) -> String {
    let mut s = match verb {
        'd' | 'v' => i.unsigned_abs().to_string(),
        'x' => format!("{:x}", i.unsigned_abs()),
        'X' => format!("{:X}", i.unsigned_abs()),
        'o' => format!("{:o}", i.unsigned_abs()),
        'b' => format!("{:b}", i.unsigned_abs()),
        'c' => {
            return char::from_u32(i as u32)
                .map(String::from)
                .unwrap_or_default();
        }
        'q' => {
            return char::from_u32(i as u32)
                .map(|c| go_quote_rune(c, spec))
                .unwrap_or_default();
        }
        'U' => {
            let u = format!("U+{:04X}", i);
            return match char::from_u32(i as u32) {
                Some(c) if spec.sharp && !c.is_control() => format!("{u} '{c}'"),
                _ => u,
            };
        }
        _ => return String::new(),
    };
    if spec.prec == Some(0) && i == 0 {
        // precision 0 prints nothing for zero
        s.clear();
    } else if let Some(p) = spec.prec
        && s.len() < p
    {
        s = format!("{}{s}", "0".repeat(p - s.len()));
    }
    if spec.sharp {
        match verb {
            'x' => s = format!("0x{s}"),
            'X' => s = format!("0X{s}"),
            'o' => s = format!("0{s}"),
            _ => {}
        }
    }
    if i < 0 {
        s = format!("-{s}");
    } else if spec.plus {
        s = format!("+{s}");
    } else if spec.space {
        s = format!(" {s}");
    }
    s
}

fn format_float(f: f64, verb: char, spec: &Spec) -> String {
    if !f.is_finite() {
        // every verb prints +Inf, -Inf or NaN, padded with spaces only
        let s = if f.is_nan() {
            if spec.plus {
                "+NaN"
            } else if spec.space {
                " NaN"
            } else {
                "NaN"
            }
        } else if f < 0.0 {
            "-Inf"
        } else if spec.space && !spec.plus {
            " Inf"
        } else {
            "+Inf"
        };
        return pad(
            s.to_string(),
            &Spec {
                zero: false,
                ..*spec
            },
        );
    }
    let mut s = match verb {
        'v' | 'g' if spec.prec.is_none() => format_float_g(f),
        'G' if spec.prec.is_none() => format_float_g(f).to_uppercase(),
        'v' | 'g' | 'G' => {
            let p = spec.prec.unwrap_or(6).max(1);
            let e = format!("{:.*e}", p - 1, f);
            let (m, ex) = e.split_once('e').unwrap_or((&e, "0"));
            let ex: i32 = ex.parse().unwrap_or(0);
            if ex < -4 || ex >= p as i32 {
                let m = if m.contains('.') {
                    m.trim_end_matches('0').trim_end_matches('.')
                } else {
                    m
                };
                let mut o = m.to_string();
                exp_suffix(&mut o, ex);
                if verb == 'G' { o.to_uppercase() } else { o }
            } else {
                let prec = (p as i32 - 1 - ex).max(0) as usize;
                let o = format!("{:.*}", prec, f);
                if o.contains('.') {
                    o.trim_end_matches('0').trim_end_matches('.').to_string()
                } else {
                    o
                }
            }
        }
        'f' | 'F' => format!("{:.*}", spec.prec.unwrap_or(6), f),
        'e' | 'E' => {
            let e = format!("{:.*e}", spec.prec.unwrap_or(6), f);
            let (m, ex) = e.split_once('e').unwrap_or((&e, "0"));
            let mut o = m.to_string();
            exp_suffix(&mut o, ex.parse().unwrap_or(0));
            if verb == 'E' { o.to_uppercase() } else { o }
        }
        _ => return String::new(),
    };
    if f >= 0.0 && spec.plus {
        s = format!("+{s}");
    } else if f >= 0.0 && spec.space {
        s = format!(" {s}");
    }
    s
}

fn format_one(verb: char, v: &Value, spec: &Spec) -> String {
    let s = match (verb, v) {
        ('v', Value::Int(i)) | ('d', Value::Int(i)) => format_int(*i, 'd', spec),
        ('x' | 'X' | 'o' | 'b' | 'c' | 'q' | 'U', Value::Int(i)) => format_int(*i, verb, spec),
        ('v' | 'g' | 'G' | 'f' | 'F' | 'e' | 'E', Value::Float(f)) => {
            let s = format_float(*f, verb, spec);
            if !f.is_finite() {
                // already padded, never with zeros
                return s;
            }
            s
        }
        ('s' | 'v', Value::Str(s)) => match spec.prec {
            Some(p) => s.chars().take(p).collect(),
            None => s.to_string(),
        },
        // a precision cuts the string before it is quoted or hex-encoded
        ('q', Value::Str(s)) => match spec.prec {
            Some(p) => quote_verb(&s.chars().take(p).collect::<String>(), spec),
            None => quote_verb(s, spec),
        },
        ('x' | 'X', Value::Str(s)) => hex_bytes(s.as_bytes(), verb, spec),
        ('t' | 'v', Value::Bool(b)) => b.to_string(),
        ('v', Value::Nil) => "<nil>".to_string(),
        ('s' | 'q', Value::Bytes(b)) => {
            return format_one(verb, &Value::str(String::from_utf8_lossy(b)), spec);
        }
        ('x' | 'X', Value::Bytes(b)) => hex_bytes(b, verb, spec),
        (_, Value::Bytes(b)) if verb != 'T' => {
            // other verbs print a list of uint8, each element with the verb and flags
            let parts: Vec<String> = b
                .iter()
                .map(|x| match verb {
                    'v' | 'd' | 'o' | 'b' | 'c' | 'U' => {
                        format_one(verb, &Value::Int(i64::from(*x)), spec)
                    }
                    _ => format!("%!{verb}(uint8={x})"),
                })
                .collect();
            return format!("[{}]", parts.join(" "));
        }
        // a list or map prints each element (and key) with the verb and flags
        (_, Value::List(l)) if verb != 'T' => {
            let parts: Vec<String> = l.iter().map(|x| format_elem(verb, x, spec)).collect();
            return format!("[{}]", parts.join(" "));
        }
        (_, Value::Map(m)) if verb != 'T' => {
            let parts: Vec<String> = m
                .borrow()
                .iter()
                .map(|(k, s)| {
                    format!(
                        "{}:{}",
                        format_one(verb, &Value::str(k), spec),
                        format_elem(verb, &s.v, spec)
                    )
                })
                .collect();
            return format!("map[{}]", parts.join(" "));
        }
        ('v' | 's', Value::Obj(_)) => sprint(v),
        ('T', _) => v.type_name().to_string(),
        (_, Value::Nil) => format!("%!{verb}(<nil>)"),
        _ => bad_verb(verb, v),
    };
    pad(s, spec)
}

/// An element of a list or map: a nil one prints `<nil>` whatever the verb.
fn format_elem(verb: char, v: &Value, spec: &Spec) -> String {
    match v {
        Value::Nil => pad("<nil>".to_string(), spec),
        v => format_one(verb, v, spec),
    }
}

/// `%x` / `%X` of a string or byte slice: two hex digits a byte, as many bytes as the
/// precision allows.
fn hex_bytes(b: &[u8], verb: char, spec: &Spec) -> String {
    let n = spec.prec.unwrap_or(b.len()).min(b.len());
    b[..n]
        .iter()
        .map(|x| {
            if verb == 'X' {
                format!("{x:02X}")
            } else {
                format!("{x:02x}")
            }
        })
        .collect()
}

/// Go's `fmt.Sprintf`.
pub fn sprintf(format: &str, args: &[Value]) -> String {
    let mut out = String::new();
    let mut argi = 0;
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = Spec {
            minus: false,
            plus: false,
            zero: false,
            space: false,
            sharp: false,
            width: None,
            prec: None,
        };
        while let Some(&f) = chars.peek() {
            match f {
                '-' => spec.minus = true,
                '+' => spec.plus = true,
                '0' => spec.zero = true,
                ' ' => spec.space = true,
                '#' => spec.sharp = true,
                _ => break,
            }
            chars.next();
        }
        let mut width = String::new();
        while let Some(&d) = chars.peek() {
            if d.is_ascii_digit() {
                width.push(d);
                chars.next();
            } else {
                break;
            }
        }
        if chars.peek() == Some(&'*') {
            chars.next();
            if let Some(Value::Int(w)) = args.get(argi) {
                spec.width = Some((*w).max(0) as usize);
            }
            argi += 1;
        }
        if !width.is_empty() {
            spec.width = width.parse().ok();
        }
        if chars.peek() == Some(&'.') {
            chars.next();
            let mut p = String::new();
            while let Some(&d) = chars.peek() {
                if d.is_ascii_digit() {
                    p.push(d);
                    chars.next();
                } else {
                    break;
                }
            }
            spec.prec = Some(p.parse().unwrap_or(0));
        }
        let Some(verb) = chars.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        if verb == 'v' {
            // `%+v` sets Go's plusV (field names of structs): no sign for numbers
            spec.plus = false;
        }
        match args.get(argi) {
            Some(v) => out.push_str(&format_one(verb, v, &spec)),
            None => out.push_str(&format!("%!{verb}(MISSING)")),
        }
        argi += 1;
    }
    if argi < args.len() {
        out.push_str("%!(EXTRA ");
        let extra: Vec<String> = args[argi..]
            .iter()
            .map(|v| format!("{}={}", v.type_name(), sprint(v)))
            .collect();
        out.push_str(&extra.join(", "));
        out.push(')');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_like_go() {
        assert_eq!(format_float_g(1000000.0), "1e+06");
        assert_eq!(format_float_g(100000.0), "100000");
        assert_eq!(format_float_g(1.5), "1.5");
        assert_eq!(format_float_g(3.0), "3");
        assert_eq!(format_float_g(0.0001), "0.0001");
        assert_eq!(format_float_g(0.00001), "1e-05");
        assert_eq!(format_float_g(123456789.0), "1.23456789e+08");
        assert_eq!(format_float_g(-2.5e-10), "-2.5e-10");
        assert_eq!(format_float_g(1e100), "1e+100");
        assert_eq!(format_float_json(1000000.0), "1000000");
        assert_eq!(format_float_json(1e21), "1e+21");
        assert_eq!(format_float_json(0.0000001), "1e-7");
    }

    #[test]
    fn printf_verbs() {
        let s = |x: &str| Value::str(x);
        assert_eq!(sprintf("%s-%d", &[s("a"), Value::Int(3)]), "a-3");
        assert_eq!(sprintf("%05d", &[Value::Int(42)]), "00042");
        assert_eq!(sprintf("%q", &[s("a\"b")]), "\"a\\\"b\"");
        assert_eq!(sprintf("%v", &[Value::Float(1.5)]), "1.5");
        assert_eq!(sprintf("%d", &[Value::Float(1.5)]), "%!d(float64=1.5)");
        assert_eq!(sprintf("%.2f", &[Value::Float(1.0)]), "1.00");
        assert_eq!(sprintf("%t", &[Value::Bool(true)]), "true");
        assert_eq!(sprintf("%x", &[Value::Int(255)]), "ff");
        assert_eq!(sprintf("%s", &[Value::Nil]), "%!s(<nil>)");
        assert_eq!(sprintf("%s %s", &[s("a")]), "a %!s(MISSING)");
        assert_eq!(sprintf("%-4s|", &[s("a")]), "a   |");
        assert_eq!(sprintf("100%%", &[]), "100%");
        assert_eq!(
            sprintf("%v", &[Value::list(vec![s("a"), Value::Int(1)])]),
            "[a 1]"
        );
    }
}
