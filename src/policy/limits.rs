//! Bounded policy evaluation. Rego forbids recursion, and regorus would overflow the stack on
//! it, so recursive rules and functions are load errors found from the AST before anything is
//! evaluated. Every evaluation runs under a wall-clock budget (regorus' cooperative execution
//! timer); builtins whose result can be far larger than their arguments (`numbers.range`,
//! `numbers.range_step`, `sprintf` widths) are bounded by the memory budget. Past a budget the
//! evaluation fails with an error that the caller reports as OCT004 for that policy and input.

use std::collections::{BTreeMap, BTreeSet};
use std::num::NonZeroU32;
use std::time::Duration;

use regorus::{Engine, Value};

use super::PolicyError;

/// Budgets of one policy evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvalLimits {
    /// Wall-clock time of one evaluation (one input, every selected rule).
    pub time: Duration,
    /// Memory one builtin result may take, in bytes (estimated: 32 bytes per array element,
    /// one per character).
    pub memory: u64,
}

/// Defaults: 2 seconds and 256 MiB, overridable with the environment variables
/// `OCTOLINT_POLICY_TIMEOUT_MS` and `OCTOLINT_POLICY_MEMORY_MB`.
impl Default for EvalLimits {
    fn default() -> Self {
        let env = |k: &str| {
            std::env::var(k)
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
                .filter(|v| *v > 0)
        };
        EvalLimits {
            time: Duration::from_millis(env("OCTOLINT_POLICY_TIMEOUT_MS").unwrap_or(2_000)),
            memory: env("OCTOLINT_POLICY_MEMORY_MB")
                .unwrap_or(256)
                .saturating_mul(1 << 20),
        }
    }
}

impl EvalLimits {
    /// Most elements a `numbers.range` may give.
    pub fn max_elements(&self) -> u64 {
        (self.memory / 32).max(1)
    }

    /// Largest `sprintf` width or precision.
    pub fn max_width(&self) -> u64 {
        self.memory.clamp(1, 1 << 20)
    }

    /// Apply the time budget to an engine (and its later clones).
    pub fn apply(&self, engine: &mut Engine) {
        engine.set_execution_timer_config(regorus::utils::limits::ExecutionTimerConfig {
            limit: self.time,
            check_interval: NonZeroU32::new(64).unwrap_or(NonZeroU32::MIN),
        });
    }
}

/// Is this evaluation error a budget being exceeded?
pub fn is_limit_error(message: &str) -> bool {
    message.contains("execution exceeded time limit")
        || message.contains("time limit")
        || message.contains("octolint's limit")
}

fn int_arg(args: &[Value], i: usize, f: &str) -> anyhow::Result<i64> {
    match args.get(i) {
        Some(v @ Value::Number(_)) => v
            .as_i64()
            .map_err(|_| anyhow::anyhow!("{f}: operand {} must be integer", i + 1)),
        _ => anyhow::bail!("{f}: operand {} must be a number", i + 1),
    }
}

/// `numbers.range(a, b)` / `numbers.range_step(a, b, step)` with at most `max` elements.
pub fn range(a: i64, b: i64, step: i64, max: u64, f: &str) -> anyhow::Result<Value> {
    if step <= 0 {
        anyhow::bail!("{f}: step must be a positive integer");
    }
    let span = (i128::from(b) - i128::from(a)).unsigned_abs();
    let n = span / step as u128 + 1;
    if n > u128::from(max) {
        anyhow::bail!(
            "{f}: {n} elements exceed octolint's limit of {max} (the policy evaluation memory budget)"
        );
    }
    let mut out = Vec::with_capacity(n as usize);
    let mut v = i128::from(a);
    let (end, step) = (i128::from(b), i128::from(step));
    if a <= b {
        while v <= end {
            out.push(Value::from(v as i64));
            v += step;
        }
    } else {
        while v >= end {
            out.push(Value::from(v as i64));
            v -= step;
        }
    }
    Ok(Value::from(out))
}

/// Replace the builtins whose result can outgrow their arguments with bounded versions.
pub fn register(engine: &mut Engine, limits: &EvalLimits) -> anyhow::Result<()> {
    let max = limits.max_elements();
    engine.add_extension(
        "numbers.range".into(),
        2,
        Box::new(move |args: Vec<Value>| {
            let f = "numbers.range";
            range(int_arg(&args, 0, f)?, int_arg(&args, 1, f)?, 1, max, f)
        }),
    )?;
    engine.add_extension(
        "numbers.range_step".into(),
        3,
        Box::new(move |args: Vec<Value>| {
            let f = "numbers.range_step";
            range(
                int_arg(&args, 0, f)?,
                int_arg(&args, 1, f)?,
                int_arg(&args, 2, f)?,
                max,
                f,
            )
        }),
    )?;
    Ok(())
}

/// The largest width or precision in a `sprintf` format string (`%0999d`, `%.5f`, `%*d` is not
/// Rego).
pub fn max_format_width(fmt: &str) -> u64 {
    let b = fmt.as_bytes();
    let mut i = 0;
    let mut max = 0u64;
    while i < b.len() {
        if b[i] != b'%' {
            i += 1;
            continue;
        }
        i += 1;
        if i < b.len() && b[i] == b'%' {
            i += 1;
            continue;
        }
        while i < b.len() && matches!(b[i], b'+' | b'-' | b'#' | b' ' | b'0') {
            i += 1;
        }
        for _ in 0..2 {
            let mut n = 0u64;
            while i < b.len() && b[i].is_ascii_digit() {
                n = n.saturating_mul(10).saturating_add(u64::from(b[i] - b'0'));
                i += 1;
            }
            max = max.max(n);
            if i < b.len() && b[i] == b'.' {
                i += 1;
            } else {
                break;
            }
        }
    }
    max
}

fn span_of(v: &serde_json::Value) -> (usize, usize) {
    let n = |k: &str| v.get(k).and_then(|x| x.as_u64()).unwrap_or(0) as usize;
    (n("line"), n("col"))
}

/// The single `{variant: body}` of a serialized enum.
fn variant(v: &serde_json::Value) -> Option<(&str, &serde_json::Value)> {
    let o = v.as_object()?;
    if o.len() != 1 {
        return None;
    }
    o.iter().next().map(|(k, v)| (k.as_str(), v))
}

/// `a.b.c` of a reference made of a variable and dotted fields.
fn dotted(v: &serde_json::Value) -> Option<String> {
    let (k, inner) = variant(v)?;
    match k {
        "Var" => inner.get("value")?.as_str().map(str::to_string),
        "RefDot" => {
            let base = dotted(inner.get("refr")?)?;
            let field = inner.get("field")?.as_array()?.get(1)?.as_str()?;
            Some(format!("{base}.{field}"))
        }
        "RefBrack" => {
            // `data.pkg["rule"]`
            let base = dotted(inner.get("refr")?)?;
            let (ik, iv) = variant(inner.get("index")?)?;
            if ik == "String" || ik == "RawString" {
                Some(format!("{base}.{}", iv.get("value")?.as_str()?))
            } else {
                Some(base)
            }
        }
        _ => None,
    }
}

/// Every variable the rule binds locally (function arguments, `:=`/`=` targets, `some`,
/// `every`), so that a local that happens to share a rule's name is not taken for the rule.
fn locals(v: &serde_json::Value, text: &str, out: &mut BTreeSet<String>) {
    fn vars_in(v: &serde_json::Value, out: &mut BTreeSet<String>) {
        match v {
            serde_json::Value::Object(o) => {
                if let Some(var) = o.get("Var")
                    && let Some(name) = var.get("value").and_then(|n| n.as_str())
                {
                    out.insert(name.to_string());
                }
                for x in o.values() {
                    vars_in(x, out);
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| vars_in(x, out)),
            _ => {}
        }
    }
    let span_text = |s: &serde_json::Value| -> Option<String> {
        let a = s.get("start")?.as_u64()? as usize;
        let b = s.get("end")?.as_u64()? as usize;
        text.get(a..b).map(str::to_string)
    };
    match v {
        serde_json::Value::Object(o) => {
            if let Some(f) = o.get("Func")
                && let Some(args) = f.get("args")
            {
                vars_in(args, out);
            }
            if let Some(a) = o.get("AssignExpr")
                && let Some(lhs) = a.get("lhs")
            {
                vars_in(lhs, out);
            }
            if let Some(s) = o.get("SomeVars")
                && let Some(vars) = s.get("vars").and_then(|v| v.as_array())
            {
                out.extend(vars.iter().filter_map(span_text));
            }
            if let Some(s) = o.get("SomeIn") {
                for k in ["key", "value"] {
                    if let Some(x) = s.get(k) {
                        vars_in(x, out);
                    }
                }
            }
            if let Some(e) = o.get("Every") {
                for k in ["key", "value"] {
                    if let Some(t) = e.get(k).and_then(span_text) {
                        out.insert(t);
                    }
                }
            }
            for x in o.values() {
                locals(x, text, out);
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| locals(x, text, out)),
        _ => {}
    }
}

/// The rules a rule refers to: `(namespace, name)`.
fn refs(
    v: &serde_json::Value,
    ns: &str,
    own: &BTreeSet<String>,
    local: &BTreeSet<String>,
    all: &BTreeMap<String, BTreeSet<String>>,
    out: &mut BTreeSet<(String, String)>,
) {
    let resolve = |name: &str, out: &mut BTreeSet<(String, String)>| {
        if let Some(rest) = name.strip_prefix("data.") {
            // The longest package that prefixes the path, then the rule name.
            let segs: Vec<&str> = rest.split('.').collect();
            for cut in (1..segs.len()).rev() {
                let pkg = segs[..cut].join(".");
                if let Some(rules) = all.get(&pkg)
                    && rules.contains(segs[cut])
                {
                    out.insert((pkg, segs[cut].to_string()));
                    return;
                }
            }
        } else {
            let first = name.split('.').next().unwrap_or(name);
            if own.contains(first) && !local.contains(first) {
                out.insert((ns.to_string(), first.to_string()));
            }
        }
    };
    match v {
        serde_json::Value::Object(o) => {
            if o.len() == 1 {
                if let Some(var) = o.get("Var") {
                    if let Some(name) = var.get("value").and_then(|n| n.as_str()) {
                        resolve(name, out);
                    }
                    return;
                }
                if (o.contains_key("RefDot") || o.contains_key("RefBrack"))
                    && let Some(name) = dotted(v)
                    && name.starts_with("data.")
                {
                    resolve(&name, out);
                }
            }
            for x in o.values() {
                refs(x, ns, own, local, all, out);
            }
        }
        serde_json::Value::Array(a) => {
            for x in a {
                refs(x, ns, own, local, all, out);
            }
        }
        _ => {}
    }
}

/// The name and head position of a rule in the AST.
fn rule_head(r: &serde_json::Value) -> Option<(String, (usize, usize))> {
    let head = r.pointer("/Spec/head").or_else(|| r.get("Default"))?;
    let (_, body) = variant(head).unwrap_or(("", head));
    let refr = body.get("refr").or_else(|| head.get("refr"))?;
    let name = dotted(refr)?.split('.').next()?.to_string();
    let pos = variant(refr)
        .and_then(|(_, i)| i.get("span"))
        .map(span_of)
        .unwrap_or((0, 0));
    Some((name, pos))
}

/// A rule: (namespace, name).
type RuleKey = (String, String);
/// A depth-first search frame: the rule, its successors and the next one to visit.
type Frame<'a> = (&'a RuleKey, Vec<&'a RuleKey>, usize);

/// Fail on a recursive rule or function (Rego forbids recursion; evaluating one would never
/// end), and on `sprintf` calls whose literal format asks for a width over the limit.
/// `modules[i]` is the AST of the policy `packages[i] = (file, namespace, _)` with `texts[i]`.
pub fn check_static(
    modules: &[serde_json::Value],
    packages: &[(String, String, bool)],
    texts: &[&str],
    limits: &EvalLimits,
) -> Result<(), PolicyError> {
    let mut all: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (i, m) in modules.iter().enumerate() {
        let Some((_, ns, _)) = packages.get(i) else {
            continue;
        };
        let names = all.entry(ns.clone()).or_default();
        for r in m
            .pointer("/ast/rules")
            .and_then(|r| r.as_array())
            .into_iter()
            .flatten()
        {
            if let Some((name, _)) = rule_head(r) {
                names.insert(name);
            }
        }
    }
    // (ns, name) -> (file, line, col) of its first definition, and its references.
    let mut heads: BTreeMap<(String, String), (String, usize, usize)> = BTreeMap::new();
    let mut edges: BTreeMap<(String, String), BTreeSet<(String, String)>> = BTreeMap::new();
    for (i, m) in modules.iter().enumerate() {
        let (Some((file, ns, _)), Some(text)) = (packages.get(i), texts.get(i)) else {
            continue;
        };
        let empty = BTreeSet::new();
        let own = all.get(ns).unwrap_or(&empty);
        check_sprintf(m, file, limits)?;
        for r in m
            .pointer("/ast/rules")
            .and_then(|r| r.as_array())
            .into_iter()
            .flatten()
        {
            let Some((name, (line, col))) = rule_head(r) else {
                continue;
            };
            let key = (ns.clone(), name);
            heads
                .entry(key.clone())
                .or_insert_with(|| (file.clone(), line, col));
            let mut local = BTreeSet::new();
            locals(r, text, &mut local);
            let mut out = BTreeSet::new();
            // The head's own name is not a reference; everything else is.
            if let Some(spec) = r.get("Spec") {
                if let Some(bodies) = spec.get("bodies") {
                    refs(bodies, ns, own, &local, &all, &mut out);
                }
                if let Some((_, h)) = spec.get("head").and_then(variant) {
                    for k in ["assign", "key", "args"] {
                        if let Some(x) = h.get(k) {
                            refs(x, ns, own, &local, &all, &mut out);
                        }
                    }
                    // `f(x) := y if …` and `p[k] := v`: the index expressions of the head.
                    if let Some(refr) = h.get("refr")
                        && let Some(("RefBrack", inner)) = variant(refr)
                        && let Some(ix) = inner.get("index")
                    {
                        refs(ix, ns, own, &local, &all, &mut out);
                    }
                }
            }
            edges.entry(key).or_default().extend(out);
        }
    }
    // Depth-first search for a cycle, in sorted order (deterministic messages).
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Active,
        Done,
    }
    let mut mark: BTreeMap<&(String, String), Mark> =
        edges.keys().map(|k| (k, Mark::New)).collect();
    for start in edges.keys() {
        if mark.get(start) != Some(&Mark::New) {
            continue;
        }
        // Iterative DFS: (node, its successors, next index).
        let mut stack: Vec<Frame<'_>> = Vec::new();
        let succ = |n: &(String, String)| -> Vec<&(String, String)> {
            edges
                .get(n)
                .map(|s| s.iter().filter(|x| edges.contains_key(*x)).collect())
                .unwrap_or_default()
        };
        mark.insert(start, Mark::Active);
        stack.push((start, succ(start), 0));
        while let Some(top) = stack.last_mut() {
            if top.2 >= top.1.len() {
                mark.insert(top.0, Mark::Done);
                stack.pop();
                continue;
            }
            let next = top.1[top.2];
            top.2 += 1;
            match mark.get(next).copied().unwrap_or(Mark::Done) {
                Mark::Active => {
                    let from = stack.iter().position(|s| s.0 == next).unwrap_or(0);
                    let mut names: Vec<String> = stack[from..]
                        .iter()
                        .map(|s| format!("`{}`", s.0.1))
                        .collect();
                    names.push(format!("`{}`", next.1));
                    let (file, line, col) = heads.get(next).cloned().unwrap_or_default();
                    return Err(PolicyError {
                        file,
                        line,
                        col,
                        message: format!(
                            "recursive rule: {} (Rego does not allow recursion)",
                            names.join(" -> ")
                        ),
                    });
                }
                Mark::New => {
                    mark.insert(next, Mark::Active);
                    let s = succ(next);
                    stack.push((next, s, 0));
                }
                Mark::Done => {}
            }
        }
    }
    Ok(())
}

/// `sprintf` calls with a literal format string whose width is over the limit.
fn check_sprintf(
    v: &serde_json::Value,
    file: &str,
    limits: &EvalLimits,
) -> Result<(), PolicyError> {
    match v {
        serde_json::Value::Object(o) => {
            if let Some(call) = o.get("Call")
                && call.get("fcn").and_then(dotted).as_deref() == Some("sprintf")
                && let Some(first) = call.get("params").and_then(|p| p.get(0))
                && let Some((k, lit)) = variant(first)
                && (k == "String" || k == "RawString")
                && let Some(fmt) = lit.get("value").and_then(|s| s.as_str())
            {
                let w = max_format_width(fmt);
                if w > limits.max_width() {
                    let (line, col) = lit.get("span").map(span_of).unwrap_or((0, 0));
                    return Err(PolicyError {
                        file: file.to_string(),
                        line,
                        col,
                        message: format!(
                            "`sprintf` width {w} is over octolint's limit of {} characters",
                            limits.max_width()
                        ),
                    });
                }
            }
            for x in o.values() {
                check_sprintf(x, file, limits)?;
            }
            Ok(())
        }
        serde_json::Value::Array(a) => a.iter().try_for_each(|x| check_sprintf(x, file, limits)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_widths() {
        assert_eq!(max_format_width("%0999999999d"), 999_999_999);
        assert_eq!(max_format_width("%s and %5.2f and %%99"), 5);
        assert_eq!(max_format_width("plain"), 0);
    }

    #[test]
    fn ranges_are_bounded() {
        let v = range(1, 3, 1, 10, "numbers.range").ok();
        assert_eq!(
            v,
            Some(Value::from(vec![
                Value::from(1i64),
                Value::from(2i64),
                Value::from(3i64)
            ]))
        );
        let down = range(3, 1, 1, 10, "numbers.range").ok();
        assert_eq!(
            down,
            Some(Value::from(vec![
                Value::from(3i64),
                Value::from(2i64),
                Value::from(1i64)
            ]))
        );
        let step = range(0, 10, 5, 10, "numbers.range_step").ok();
        assert_eq!(
            step,
            Some(Value::from(vec![
                Value::from(0i64),
                Value::from(5i64),
                Value::from(10i64)
            ]))
        );
        let err = range(1, 100_000_000, 1, 1000, "numbers.range").err();
        assert!(
            err.is_some_and(|e| e.to_string().contains("octolint's limit")),
            "range over the limit must fail"
        );
    }
}
