//! The Terraform functions octolint evaluates. Others give an unknown value.

use std::collections::BTreeMap;

use crate::parse::hcl_tree::Expression;

use super::eval::{Eval, Failed, MAX_VALUE_SIZE, size_capped};
use super::value::{Loc, Tv, V, fmt_num};

/// Call `name` with `args` (evaluated here, so `try` can catch failures).
pub fn call(
    ev: &Eval<'_, '_>,
    name: &str,
    args: &[&Expression],
    here: Option<Loc>,
) -> Result<Tv, Failed> {
    if name == "try" {
        for a in args {
            if let Ok(v) = ev.eval(a) {
                return Ok(v);
            }
        }
        return Err(Failed);
    }
    if name == "can" {
        let ok = args.first().map(|a| ev.eval(a));
        return Ok(match ok {
            Some(Ok(v)) if v.is_known() => Tv::new(V::Bool(true), here),
            Some(Err(_)) => Tv::new(V::Bool(false), here),
            _ => Tv::new(V::Unknown, here),
        });
    }
    let vals: Vec<Tv> = args.iter().map(|a| ev.eval(a)).collect::<Result<_, _>>()?;
    // Results are at most as large as their arguments together, except for the functions
    // whose output grows faster (estimated before they run).
    let mut total = 0usize;
    for v in &vals {
        total = total.saturating_add(size_capped(v, MAX_VALUE_SIZE));
    }
    let grown = match name {
        "join" => match (
            vals.first().and_then(Tv::as_str),
            vals.get(1).and_then(Tv::as_list),
        ) {
            (Some(sep), Some(l)) => total.saturating_add(sep.len().saturating_mul(l.len())),
            _ => total,
        },
        "replace" => match (
            vals.first().and_then(Tv::as_str),
            vals.get(1).and_then(Tv::as_str),
            vals.get(2).and_then(Tv::as_str),
        ) {
            (Some(x), Some(a), Some(b)) => {
                // The result replaces each match of `a` by `b` (an empty `a` matches
                // between every character).
                let (n, removed) = if a.is_empty() {
                    (x.chars().count() + 1, 0)
                } else if b.len() > a.len() {
                    (x.matches(a).count(), a.len())
                } else {
                    (0, 0)
                };
                total.saturating_add(n.saturating_mul(b.len().saturating_sub(removed)))
            }
            _ => total,
        },
        _ => total,
    };
    if ev.over_limit(grown, here.as_ref()) {
        return Ok(Tv::unknown());
    }
    // The first known argument's origin stays the value's origin.
    let origin = vals.iter().find_map(|v| v.origin.first().cloned());
    let known = |v: V| -> Result<Tv, Failed> {
        let mut t = Tv::new(v, here.clone());
        if let Some(o) = &origin
            && t.is_known()
        {
            t.origin.insert(0, o.clone());
        }
        Ok(t)
    };
    if name == "coalesce" {
        for v in &vals {
            if !v.is_known() {
                return Ok(Tv::unknown());
            }
            if !matches!(&v.v, V::Null) && v.as_str() != Some("") {
                return Ok(v.clone());
            }
        }
        return Err(Failed);
    }
    if name == "lookup" {
        let (Some(m), Some(k)) = (vals.first(), vals.get(1)) else {
            return Err(Failed);
        };
        if !m.is_known() || !k.is_known() {
            return Ok(Tv::unknown());
        }
        let key = k.to_str().ok_or(Failed)?;
        return match (m.as_map().and_then(|m| m.get(&key)), vals.get(2)) {
            (Some(v), _) => Ok(v.clone()),
            (None, Some(d)) => Ok(d.clone()),
            (None, None) => Err(Failed),
        };
    }
    if name == "merge" {
        let mut out = BTreeMap::new();
        for v in &vals {
            match &v.v {
                V::Map(m) => out.extend(m.iter().map(|(k, v)| (k.clone(), v.clone()))),
                V::Null => {}
                _ => return Ok(Tv::unknown()),
            }
        }
        return Ok(Tv::new(V::Map(out), here));
    }
    if name == "concat" {
        let mut out = Vec::new();
        for v in &vals {
            match &v.v {
                V::List(l) => out.extend(l.iter().cloned()),
                _ => return Ok(Tv::unknown()),
            }
        }
        return Ok(Tv::new(V::List(out), here));
    }
    if name == "element" {
        return match (
            vals.first().and_then(Tv::as_list),
            vals.get(1).and_then(Tv::as_num),
        ) {
            (Some(l), Some(i)) if !l.is_empty() => Ok(l[(i as usize) % l.len()].clone()),
            _ => Ok(Tv::unknown()),
        };
    }
    if vals.iter().any(|v| !v.is_known()) {
        return Ok(Tv::new(V::Unknown, here));
    }
    let s = |i: usize| vals.get(i).and_then(Tv::to_str);
    let n = |i: usize| vals.get(i).and_then(Tv::as_num);
    let v = match name {
        "lower" => s(0).map(|x| V::Str(x.to_lowercase())),
        "upper" => s(0).map(|x| V::Str(x.to_uppercase())),
        "trimspace" => s(0).map(|x| V::Str(x.trim().to_string())),
        "tostring" => s(0).map(V::Str),
        "tonumber" => n(0).map(V::Num),
        "tobool" => vals.first().and_then(Tv::as_bool).map(V::Bool),
        "tomap" | "tolist" | "toset" => vals.first().map(|v| v.v.clone()),
        "length" => vals.first().and_then(|v| match &v.v {
            V::List(l) => Some(V::Num(l.len() as f64)),
            V::Map(m) => Some(V::Num(m.len() as f64)),
            V::Str(s) => Some(V::Num(s.chars().count() as f64)),
            _ => None,
        }),
        "keys" => vals
            .first()
            .and_then(Tv::as_map)
            .map(|m| V::List(m.keys().map(|k| Tv::new(V::Str(k.clone()), None)).collect())),
        "values" => vals
            .first()
            .and_then(Tv::as_map)
            .map(|m| V::List(m.values().cloned().collect())),
        "join" => match (s(0), vals.get(1).and_then(Tv::as_list)) {
            (Some(sep), Some(l)) => Some(V::Str(
                l.iter()
                    .filter_map(Tv::to_str)
                    .collect::<Vec<_>>()
                    .join(&sep),
            )),
            _ => None,
        },
        "split" => match (s(0), s(1)) {
            (Some(sep), Some(x)) => Some(V::List(
                x.split(sep.as_str())
                    .map(|p| Tv::new(V::Str(p.to_string()), None))
                    .collect(),
            )),
            _ => None,
        },
        "replace" => match (s(0), s(1), s(2)) {
            (Some(x), Some(a), Some(b)) if !a.starts_with('/') => Some(V::Str(x.replace(&a, &b))),
            _ => None,
        },
        "contains" => match (vals.first().and_then(Tv::as_list), vals.get(1)) {
            (Some(l), Some(x)) => Some(V::Bool(l.iter().any(|i| i.v == x.v))),
            _ => None,
        },
        "startswith" => match (s(0), s(1)) {
            (Some(x), Some(p)) => Some(V::Bool(x.starts_with(&p))),
            _ => None,
        },
        "endswith" => match (s(0), s(1)) {
            (Some(x), Some(p)) => Some(V::Bool(x.ends_with(&p))),
            _ => None,
        },
        "min" | "max" => {
            let nums: Option<Vec<f64>> = (0..vals.len()).map(n).collect();
            nums.filter(|v| !v.is_empty()).map(|v| {
                V::Num(if name == "min" {
                    v.into_iter().fold(f64::INFINITY, f64::min)
                } else {
                    v.into_iter().fold(f64::NEG_INFINITY, f64::max)
                })
            })
        }
        "abs" => n(0).map(|x| V::Num(x.abs())),
        "ceil" => n(0).map(|x| V::Num(x.ceil())),
        "floor" => n(0).map(|x| V::Num(x.floor())),
        "format" => s(0).and_then(|f| format(&f, &vals[1..]).map(V::Str)),
        "cidrsubnet" => match (s(0), n(1), n(2)) {
            (Some(p), Some(b), Some(i)) => cidrsubnet(&p, b as u32, i as u64).map(V::Str),
            _ => None,
        },
        _ => None,
    };
    match v {
        Some(v) => known(v),
        None => Ok(Tv::new(V::Unknown, here)),
    }
}

/// `format` with `%s`, `%d`, `%v` and `%%`.
fn format(f: &str, args: &[Tv]) -> Option<String> {
    let mut out = String::new();
    let mut it = args.iter();
    let mut chars = f.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            '%' => out.push('%'),
            's' | 'v' => out.push_str(&it.next()?.to_str()?),
            'd' => out.push_str(&fmt_num(it.next()?.as_num()?.trunc())),
            _ => return None,
        }
    }
    Some(out)
}

/// IPv4 `cidrsubnet(prefix, newbits, netnum)`.
fn cidrsubnet(prefix: &str, newbits: u32, netnum: u64) -> Option<String> {
    let (addr, len) = prefix.split_once('/')?;
    let ip: std::net::Ipv4Addr = addr.parse().ok()?;
    let len: u32 = len.parse().ok()?;
    let new_len = len + newbits;
    if new_len > 32 || netnum >= (1u64 << newbits) {
        return None;
    }
    let base = u32::from(ip) & if len == 0 { 0 } else { u32::MAX << (32 - len) };
    // a /0 network has no bits to shift the (zero) netnum into
    let net = base | (netnum as u32).checked_shl(32 - new_len).unwrap_or(0);
    Some(format!("{}/{new_len}", std::net::Ipv4Addr::from(net)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::hcl_tree::Structure;
    use crate::terraform::eval::tests::show;
    use crate::terraform::eval::{FileRef, Scope};
    use std::collections::HashMap;
    use std::sync::Arc;

    /// The value of `expr` as text (`?` unknown, `error` a failure); `var.u` is unknown.
    fn ev(expr: &str) -> String {
        let text = format!("x = {expr}\n");
        let body = crate::parse::hcl::parse(&text)
            .unwrap_or_else(|e| panic!("{expr}: {e:?}"))
            .body;
        let path: Arc<str> = Arc::from("main.tf");
        let file = FileRef {
            path: &path,
            body: &body,
            text: &text,
        };
        let vars = HashMap::from([("u".to_string(), Tv::unknown())]);
        let scope = Scope::new(vars, HashMap::new());
        let Some(Structure::Attribute(a)) = body.iter().next() else {
            panic!("{expr}: no attribute");
        };
        match Eval::new(&scope, file).eval(&a.value) {
            Ok(t) => show(&t.v),
            Err(Failed) => "error".into(),
        }
    }

    #[test]
    fn functions_by_table() {
        for (expr, want) in [
            // try, can
            ("try(var.u.a, 1)", "?"),
            ("try(lookup({}, \"a\"), 2)", "2"),
            ("try(lookup({}, \"a\"), lookup({}, \"b\"))", "error"),
            ("can(lookup({}, \"a\"))", "false"),
            ("can(1)", "true"),
            ("can(var.u)", "?"),
            ("can()", "?"),
            // coalesce
            ("coalesce(null, \"\", \"a\", \"b\")", "\"a\""),
            ("coalesce(null, var.u, \"a\")", "?"),
            ("coalesce(null, \"\")", "error"),
            ("coalesce(0, 1)", "0"),
            // lookup
            ("lookup({a = 1}, \"a\")", "1"),
            ("lookup({a = 1}, \"b\", 2)", "2"),
            ("lookup({a = 1}, \"b\")", "error"),
            ("lookup({a = 1})", "error"),
            ("lookup(var.u, \"a\")", "?"),
            ("lookup({a = 1}, var.u)", "?"),
            ("lookup({a = 1}, 1, 3)", "3"),
            // merge, concat, element
            ("merge({a = 1, b = 2}, null, {b = 3})", "{a = 1, b = 3}"),
            ("merge({a = 1}, [1])", "?"),
            ("merge()", "{}"),
            ("concat([1], [2, 3])", "[1, 2, 3]"),
            ("concat([1], \"a\")", "?"),
            ("element([\"a\", \"b\"], 3)", "\"b\""),
            // the index wraps around the length (5 mod 3), it does not divide by it
            ("element([\"a\", \"b\", \"c\"], 5)", "\"c\""),
            ("element([\"a\", \"b\"], 0)", "\"a\""),
            ("element([], 0)", "?"),
            ("element(\"a\", 0)", "?"),
            // Unknown arguments make unknown results.
            ("lower(var.u)", "?"),
            ("upper(\"aB\")", "\"AB\""),
            ("lower(\"aB\")", "\"ab\""),
            ("trimspace(\"  a b \\n\")", "\"a b\""),
            ("tostring(1)", "\"1\""),
            ("tonumber(\"2\")", "2"),
            ("tobool(true)", "true"),
            ("tolist([1])", "[1]"),
            ("length([1, 2])", "2"),
            ("length({a = 1})", "1"),
            ("length(\"héllo\")", "5"),
            ("length(1)", "?"),
            ("keys({b = 1, a = 2})", "[\"a\", \"b\"]"),
            ("values({b = 1, a = 2})", "[2, 1]"),
            ("join(\"-\", [\"a\", \"b\", 1])", "\"a-b-1\""),
            ("join(\"-\", \"a\")", "?"),
            ("split(\",\", \"a,b,,c\")", "[\"a\", \"b\", \"\", \"c\"]"),
            ("split(\",\")", "?"),
            ("replace(\"a-b-c\", \"-\", \"+\")", "\"a+b+c\""),
            ("replace(\"a-b\", \"/-/\", \"+\")", "?"),
            ("contains([1, 2], 2)", "true"),
            ("contains([1, 2], 3)", "false"),
            ("contains(1, 1)", "?"),
            ("startswith(\"abc\", \"ab\")", "true"),
            ("startswith(\"abc\", \"bc\")", "false"),
            ("endswith(\"abc\", \"bc\")", "true"),
            ("endswith(\"abc\", \"ab\")", "false"),
            ("min(3, 1, 2)", "1"),
            ("max(3, 1, 2)", "3"),
            ("min()", "?"),
            ("max(1, \"x\")", "?"),
            ("abs(-2)", "2"),
            ("ceil(1.2)", "2"),
            ("floor(1.8)", "1"),
            (
                "format(\"%s-%d-%v %%\", \"a\", 2.7, true)",
                "\"a-2-true %\"",
            ),
            ("format(\"%s\")", "?"),
            ("format(\"%x\", 1)", "?"),
            ("format(\"a%\")", "?"),
            ("cidrsubnet(\"10.0.0.0/16\", 8, 2)", "\"10.0.2.0/24\""),
            ("cidrsubnet(\"10.0.0.0/16\", 8)", "?"),
            ("nosuchfunction(1)", "?"),
        ] {
            assert_eq!(ev(expr), want, "{expr}");
        }
    }

    #[test]
    fn results_that_would_grow_too_large_are_unknown() {
        let big = format!("\"{}\"", "a".repeat(MAX_VALUE_SIZE / 2));
        assert_eq!(
            ev(&format!("length({big})")),
            (MAX_VALUE_SIZE / 2).to_string()
        );
        // `join` adds a separator per element, `replace` grows per match.
        let sep = format!("\"{}\"", "-".repeat(MAX_VALUE_SIZE / 4));
        assert_eq!(
            ev(&format!("join({sep}, [\"a\", \"b\", \"c\", \"d\", \"e\"])")),
            "?"
        );
        assert_eq!(
            ev(&format!("length(join({sep}, [\"a\", \"b\"]))")),
            (MAX_VALUE_SIZE / 4 + 2).to_string()
        );
        // The estimate runs before the result is built: a 512 KiB separator between 100,000
        // elements (arguments within the size limit, a 50 GiB result: more than the memory of
        // the machines this runs on, so that building it fails at once rather than filling
        // the memory) is unknown at once, never allocated.
        let sep = format!("\"{}\"", "-".repeat(1 << 19));
        let many = format!("[{}]", vec!["\"a\""; 100_000].join(","));
        assert_eq!(ev(&format!("join({sep}, {many})")), "?");
        let x = format!("\"{}\"", "ab".repeat(MAX_VALUE_SIZE / 8));
        let b = format!("\"{}\"", "c".repeat(16));
        assert_eq!(ev(&format!("replace({x}, \"a\", {b})")), "?");
        assert_eq!(
            ev(&format!("length(replace({x}, \"a\", \"\"))")),
            (MAX_VALUE_SIZE / 8).to_string()
        );
        assert_eq!(ev(&format!("replace({x}, \"\", {b})")), "?");
        // An empty `a` matches between every character and at both ends: `c` characters
        // give `c + 1` insertions. With a 1 KiB `b` the estimate (the three arguments plus
        // the insertions) passes the limit at 4,090 characters and not at 4,089.
        let b = format!("\"{}\"", "b".repeat(1024));
        let x = |c: usize| format!("\"{}\"", "x".repeat(c));
        assert_eq!(
            ev(&format!("length(replace({}, \"\", {b}))", x(4089))),
            (4089 + 4090 * 1024).to_string()
        );
        assert_eq!(ev(&format!("length(replace({}, \"\", {b}))", x(4090))), "?");
        // A `b` longer than `a` grows the text by the difference per match: 1,023 bytes for
        // each `a`, past the limit at 4,095 matches and not at 4,094.
        let a = |c: usize| format!("\"{}\"", "a".repeat(c));
        assert_eq!(
            ev(&format!("length(replace({}, \"a\", {b}))", a(4094))),
            (4094 * 1024).to_string()
        );
        assert_eq!(
            ev(&format!("length(replace({}, \"a\", {b}))", a(4095))),
            "?"
        );
    }

    #[test]
    fn cidrsubnet_matches_terraform() {
        assert_eq!(
            cidrsubnet("10.0.0.0/16", 8, 2).as_deref(),
            Some("10.0.2.0/24")
        );
        assert_eq!(
            cidrsubnet("172.16.0.0/12", 4, 15).as_deref(),
            Some("172.31.0.0/16")
        );
        assert_eq!(cidrsubnet("10.0.0.0/30", 4, 1), None);
        assert_eq!(
            cidrsubnet("10.0.0.0/28", 4, 15).as_deref(),
            Some("10.0.0.15/32")
        );
        assert_eq!(cidrsubnet("10.0.0.0/28", 4, 16), None);
        assert_eq!(
            cidrsubnet("10.1.2.3/0", 1, 1).as_deref(),
            Some("128.0.0.0/1")
        );
        assert_eq!(
            cidrsubnet("10.1.2.3/8", 0, 0).as_deref(),
            Some("10.0.0.0/8")
        );
        assert_eq!(cidrsubnet("10.1.2.3/0", 0, 0).as_deref(), Some("0.0.0.0/0"));
        assert_eq!(cidrsubnet("10.0.0.0", 4, 1), None);
        assert_eq!(cidrsubnet("10.0.0/8", 4, 1), None);
        assert_eq!(cidrsubnet("10.0.0.0/x", 4, 1), None);
    }
}
