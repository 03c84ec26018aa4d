//! Helm's `--set` syntax (strvals): `a.b=c`, `a[0]=x`, `a={x,y}`, several pairs separated
//! by commas, `\` escapes; `null` deletes, `true`/`false` are booleans, integers are ints.

use std::cell::RefCell;
use std::rc::Rc;

use super::template::value::{Map, Slot, Value};

fn typed(v: &str) -> Value {
    match v {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        "null" => Value::Nil,
        _ => match v.parse::<i64>() {
            Ok(i) if !(v.len() > 1 && v.starts_with('0')) => Value::Int(i),
            _ => Value::str(v),
        },
    }
}

/// Split on `sep` outside `{}` and not escaped.
fn split_top(s: &str, sep: char) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut depth = 0i32;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                cur.push(c);
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            '{' => {
                depth += 1;
                cur.push(c);
            }
            '}' => {
                depth -= 1;
                cur.push(c);
            }
            c if c == sep && depth == 0 => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out
}

fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The largest list index a `--set` key may name, as Helm's `strvals.MaxIndex`.
const MAX_INDEX: usize = 65536;

enum Seg {
    Key(String),
    Index(usize),
}

fn parse_key(k: &str) -> Result<Vec<Seg>, String> {
    let mut segs = Vec::new();
    let mut cur = String::new();
    let mut chars = k.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            '.' => {
                if !cur.is_empty() {
                    segs.push(Seg::Key(std::mem::take(&mut cur)));
                }
            }
            '[' => {
                if !cur.is_empty() {
                    segs.push(Seg::Key(std::mem::take(&mut cur)));
                }
                let mut num = String::new();
                for d in chars.by_ref() {
                    if d == ']' {
                        break;
                    }
                    num.push(d);
                }
                let i: usize = num
                    .trim()
                    .parse()
                    .map_err(|_| format!("invalid index {num:?}"))?;
                if i > MAX_INDEX {
                    return Err(format!(
                        "index of {i} is greater than maximum supported index of {MAX_INDEX}"
                    ));
                }
                segs.push(Seg::Index(i));
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        segs.push(Seg::Key(cur));
    }
    if segs.is_empty() {
        return Err("empty key".into());
    }
    Ok(segs)
}

fn value_of(v: &str) -> Value {
    if let Some(inner) = v.strip_prefix('{').and_then(|x| x.strip_suffix('}')) {
        if inner.is_empty() {
            return Value::list(Vec::new());
        }
        return Value::list(
            split_top(inner, ',')
                .iter()
                .map(|x| typed(&unescape(x)))
                .collect(),
        );
    }
    typed(&unescape(v))
}

fn set_in(cur: Value, segs: &[Seg], val: Value) -> Value {
    let Some(first) = segs.first() else {
        return val;
    };
    match first {
        Seg::Key(k) => {
            let m = match cur {
                Value::Map(m) => m,
                _ => Rc::new(RefCell::new(Map::new())),
            };
            let existing = m.borrow().get(k).map(|s| s.v.clone()).unwrap_or_default();
            if segs.len() == 1 && val.is_nil() {
                m.borrow_mut().remove(k);
                m.borrow_mut().insert(
                    k.clone(),
                    Slot {
                        v: Value::Nil,
                        o: 0,
                    },
                );
            } else {
                let nv = set_in(existing, &segs[1..], val);
                m.borrow_mut().insert(k.clone(), Slot { v: nv, o: 0 });
            }
            Value::Map(m)
        }
        Seg::Index(i) => {
            let mut l = match cur {
                Value::List(l) => l.to_vec(),
                _ => Vec::new(),
            };
            while l.len() <= *i {
                l.push(Value::Nil);
            }
            let existing = std::mem::take(&mut l[*i]);
            l[*i] = set_in(existing, &segs[1..], val);
            Value::list(l)
        }
    }
}

/// Apply one `--set` argument (possibly several comma-separated pairs) to `vals`.
pub fn apply(vals: &Rc<RefCell<Map>>, arg: &str) -> Result<(), String> {
    for pair in split_top(arg, ',') {
        if pair.is_empty() {
            continue;
        }
        let (k, v) = pair
            .split_once('=')
            .ok_or_else(|| format!("key {pair:?} has no value"))?;
        let segs = parse_key(k)?;
        let root = Value::Map(vals.clone());
        set_in(root, &segs, value_of(v));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Helm accepts `l[65536]=x` (a list of 65,537 elements) and refuses `l[65537]=x` with
    /// this message (checked with the Helm oracle).
    #[test]
    fn list_indexes_stop_where_helms_do() {
        let vals = Rc::new(RefCell::new(Map::new()));
        assert_eq!(apply(&vals, "l[65536]=x"), Ok(()));
        let len = vals.borrow().get("l").and_then(|s| s.v.len());
        assert_eq!(len, Some(65537));
        assert_eq!(
            apply(&vals, "l[65537]=x"),
            Err("index of 65537 is greater than maximum supported index of 65536".into())
        );
    }
}
