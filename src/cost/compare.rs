//! The cost change between two estimates: a base (a previous `octolint cost --format json`,
//! e.g. from the pull request's base branch) and the current one. Per environment: the old
//! and new monthly totals, the delta, and the lines that were added, removed, resized (SKU or
//! quantity changed) or repriced (same SKU and quantity, another price). Lines are matched by
//! stack, address and component. Also the `--fail-on-increase` gate.

use std::collections::BTreeMap;

use serde_json::Value;

use super::EnvCost;

/// One cost line as both sides know it.
#[derive(Debug, Clone, PartialEq)]
pub struct SnapLine {
    pub stack: String,
    pub address: String,
    pub component: String,
    pub sku: String,
    pub quantity: f64,
    pub monthly_usd: f64,
    /// Derived from a unit or family rate (see `Line::estimated`).
    pub estimated: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SnapEnv {
    pub name: String,
    pub monthly_usd: f64,
    /// Why the total is not known (see `EnvCost::unknown_total`).
    pub unknown: Option<String>,
    pub lines: Vec<SnapLine>,
    pub unpriced: usize,
}

/// Read a `cost --format json` document.
pub fn from_json(text: &str) -> Result<Vec<SnapEnv>, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let envs = v
        .get("environments")
        .and_then(Value::as_array)
        .ok_or("no `environments` array (expected the output of `octolint cost --format json`)")?;
    let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let n = |v: &Value, k: &str| v.get(k).and_then(Value::as_f64);
    let mut out = Vec::new();
    for (i, e) in envs.iter().enumerate() {
        let name = e
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("environments[{i}] has no name"))?;
        let mut lines = Vec::new();
        for (j, l) in e
            .get("resources")
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .enumerate()
        {
            let (Some(q), Some(m)) = (n(l, "quantity"), n(l, "monthly_usd")) else {
                return Err(format!(
                    "environments[{i}].resources[{j}] lacks quantity or monthly_usd"
                ));
            };
            lines.push(SnapLine {
                stack: s(l, "stack"),
                address: s(l, "address"),
                component: s(l, "component"),
                sku: s(l, "sku"),
                quantity: q,
                monthly_usd: m,
                estimated: l.get("estimated").and_then(Value::as_bool) == Some(true),
            });
        }
        out.push(SnapEnv {
            name: name.to_string(),
            monthly_usd: n(e, "monthly_usd").unwrap_or(0.0),
            unknown: e
                .get("total_unknown")
                .and_then(Value::as_str)
                .map(str::to_string),
            lines,
            unpriced: e
                .get("unpriced")
                .and_then(Value::as_array)
                .map_or(0, Vec::len),
        });
    }
    Ok(out)
}

/// The current estimate in the same shape (amounts rounded to cents as in the JSON).
pub fn from_estimate(envs: &[EnvCost]) -> Vec<SnapEnv> {
    let r2 = |v: f64| (v * 100.0).round() / 100.0;
    envs.iter()
        .map(|e| SnapEnv {
            name: e.name.clone(),
            monthly_usd: r2(e.monthly_usd),
            unknown: e.unknown_total.clone(),
            lines: e
                .resources
                .iter()
                .map(|l| SnapLine {
                    stack: l.stack.clone(),
                    address: l.address.clone(),
                    component: l.component.clone(),
                    sku: l.sku.clone(),
                    quantity: l.quantity,
                    monthly_usd: r2(l.monthly_usd),
                    estimated: l.estimated,
                })
                .collect(),
            unpriced: e.unpriced.len(),
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ChangeKind {
    Added,
    Removed,
    Resized,
    Repriced,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Resized => "resized",
            ChangeKind::Repriced => "repriced",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub kind: ChangeKind,
    /// The line that identifies the change (the new one, or the removed one).
    pub at: SnapLine,
    pub old: Option<SnapLine>,
    pub new: Option<SnapLine>,
}

impl Change {
    pub fn line(&self) -> &SnapLine {
        &self.at
    }

    pub fn delta(&self) -> f64 {
        let m = |l: &Option<SnapLine>| l.as_ref().map_or(0.0, |l| l.monthly_usd);
        m(&self.new) - m(&self.old)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct EnvDelta {
    pub name: String,
    /// `None`: the environment is new (or gone, for `new`).
    pub old_usd: Option<f64>,
    pub new_usd: Option<f64>,
    /// Why the comparison of totals is not meaningful (a total is unknown on either side).
    pub unknown: Option<String>,
    pub changes: Vec<Change>,
    pub old_unpriced: usize,
    pub new_unpriced: usize,
}

impl EnvDelta {
    pub fn delta(&self) -> f64 {
        self.new_usd.unwrap_or(0.0) - self.old_usd.unwrap_or(0.0)
    }

    /// Percent change; none when the base was zero or absent.
    pub fn percent(&self) -> Option<f64> {
        match self.old_usd {
            Some(o) if o > 0.0 => Some(self.delta() / o * 100.0),
            _ => None,
        }
    }
}

type LineKey = (String, String, String);

fn keyed(lines: &[SnapLine]) -> BTreeMap<LineKey, SnapLine> {
    let mut m = BTreeMap::new();
    for l in lines {
        let mut k = (l.stack.clone(), l.address.clone(), l.component.clone());
        // Two lines with one key (an older base without components): keep both apart.
        while m.contains_key(&k) {
            k.2.push('+');
        }
        m.insert(k, l.clone());
    }
    m
}

/// Compare per environment, in the head's order with environments only in the base after.
pub fn compare(base: &[SnapEnv], head: &[SnapEnv]) -> Vec<EnvDelta> {
    let mut names: Vec<&str> = head.iter().map(|e| e.name.as_str()).collect();
    for e in base {
        if !names.contains(&e.name.as_str()) {
            names.push(&e.name);
        }
    }
    let mut out = Vec::new();
    for name in names {
        let old = base.iter().find(|e| e.name == name);
        let new = head.iter().find(|e| e.name == name);
        let o = keyed(old.map_or(&[][..], |e| &e.lines));
        let n = keyed(new.map_or(&[][..], |e| &e.lines));
        let mut changes = Vec::new();
        for (k, nl) in &n {
            match o.get(k) {
                None => changes.push(Change {
                    kind: ChangeKind::Added,
                    at: nl.clone(),
                    old: None,
                    new: Some(nl.clone()),
                }),
                Some(ol) => {
                    let kind = if ol.sku != nl.sku || ol.quantity != nl.quantity {
                        ChangeKind::Resized
                    } else if (ol.monthly_usd - nl.monthly_usd).abs() >= 0.005 {
                        ChangeKind::Repriced
                    } else {
                        continue;
                    };
                    changes.push(Change {
                        kind,
                        at: nl.clone(),
                        old: Some(ol.clone()),
                        new: Some(nl.clone()),
                    });
                }
            }
        }
        for (k, ol) in &o {
            if !n.contains_key(k) {
                changes.push(Change {
                    kind: ChangeKind::Removed,
                    at: ol.clone(),
                    old: Some(ol.clone()),
                    new: None,
                });
            }
        }
        // Largest effect first, then by address.
        changes.sort_by(|a, b| {
            b.delta()
                .abs()
                .total_cmp(&a.delta().abs())
                .then_with(|| a.line().address.cmp(&b.line().address))
                .then_with(|| a.line().stack.cmp(&b.line().stack))
                .then_with(|| a.kind.cmp(&b.kind))
        });
        let unknown = new
            .and_then(|e| e.unknown.clone())
            .map(|u| format!("current total unknown: {u}"))
            .or_else(|| {
                old.and_then(|e| e.unknown.clone())
                    .map(|u| format!("base total unknown: {u}"))
            });
        out.push(EnvDelta {
            name: name.to_string(),
            old_usd: old.map(|e| e.monthly_usd),
            new_usd: new.map(|e| e.monthly_usd),
            unknown,
            changes,
            old_unpriced: old.map_or(0, |e| e.unpriced),
            new_unpriced: new.map_or(0, |e| e.unpriced),
        });
    }
    out
}

/// `--fail-on-increase`: a percentage (`10%`) or an amount in USD (`250`, `$250`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Gate {
    Percent(f64),
    Usd(f64),
}

impl std::str::FromStr for Gate {
    type Err = String;

    fn from_str(s: &str) -> Result<Gate, String> {
        let t = s.trim();
        let bad =
            || format!("`{s}`: expected a percentage like `10%` or an amount like `250` or `$250`");
        let (num, pct) = match t.strip_suffix('%') {
            Some(n) => (n, true),
            None => (
                t.strip_prefix('$')
                    .or_else(|| t.strip_suffix("USD"))
                    .or_else(|| t.strip_suffix("usd"))
                    .unwrap_or(t),
                false,
            ),
        };
        let v: f64 = num.trim().replace(',', "").parse().map_err(|_| bad())?;
        if !v.is_finite() || v < 0.0 {
            return Err(bad());
        }
        Ok(if pct { Gate::Percent(v) } else { Gate::Usd(v) })
    }
}

impl Gate {
    /// Environments whose increase exceeds the gate, with the reason. An environment whose
    /// total is unknown fails: the increase cannot be bounded.
    pub fn failures(&self, deltas: &[EnvDelta]) -> Vec<String> {
        let mut out = Vec::new();
        for d in deltas {
            if let Some(u) = &d.unknown {
                out.push(format!("{}: {u}", d.name));
                continue;
            }
            let delta = d.delta();
            if delta <= 0.0 {
                continue;
            }
            let over = match *self {
                Gate::Usd(max) => delta > max + 1e-9,
                Gate::Percent(max) => d.percent().is_none_or(|p| p > max + 1e-9),
            };
            if over {
                let pct = d
                    .percent()
                    .map_or_else(|| "new".to_string(), |p| format!("{p:+.1} %"));
                let limit = match *self {
                    Gate::Usd(m) => super::fmt_usd(m),
                    Gate::Percent(p) => format!("{p} %"),
                };
                out.push(format!(
                    "{}: +{} a month ({pct}), over the allowed increase of {limit}",
                    d.name,
                    super::fmt_usd(delta)
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(addr: &str, sku: &str, q: f64, m: f64) -> SnapLine {
        SnapLine {
            stack: "envs/prod".into(),
            address: addr.into(),
            component: "compute".into(),
            sku: sku.into(),
            quantity: q,
            monthly_usd: m,
            estimated: false,
        }
    }

    fn env(lines: Vec<SnapLine>) -> SnapEnv {
        SnapEnv {
            name: "prod".into(),
            monthly_usd: lines.iter().map(|l| l.monthly_usd).sum(),
            unknown: None,
            lines,
            unpriced: 0,
        }
    }

    #[test]
    fn added_removed_resized() {
        let base = vec![env(vec![
            line("a", "m5.large", 2.0, 140.16),
            line("gone", "t3.micro", 1.0, 7.59),
            line("same", "t3.small", 1.0, 15.18),
        ])];
        let head = vec![env(vec![
            line("a", "m5.xlarge", 2.0, 280.32),
            line("new", "t3.micro", 1.0, 7.59),
            line("same", "t3.small", 1.0, 15.18),
        ])];
        let d = compare(&base, &head);
        assert_eq!(d.len(), 1);
        let kinds: Vec<(&str, &str)> = d[0]
            .changes
            .iter()
            .map(|c| (c.kind.as_str(), c.line().address.as_str()))
            .collect();
        assert_eq!(
            kinds,
            [("resized", "a"), ("removed", "gone"), ("added", "new")]
        );
        assert!((d[0].delta() - 140.16).abs() < 1e-9);
        assert!((d[0].percent().expect("pct") - 140.16 / 162.93 * 100.0).abs() < 1e-9);
        assert_eq!(Gate::Usd(100.0).failures(&d).len(), 1);
        assert!(Gate::Usd(200.0).failures(&d).is_empty());
        assert_eq!(Gate::Percent(50.0).failures(&d).len(), 1);
        assert!(Gate::Percent(90.0).failures(&d).is_empty());
    }

    #[test]
    fn gate_syntax() {
        assert_eq!("10%".parse::<Gate>(), Ok(Gate::Percent(10.0)));
        assert_eq!("$1,250".parse::<Gate>(), Ok(Gate::Usd(1250.0)));
        assert_eq!("250".parse::<Gate>(), Ok(Gate::Usd(250.0)));
        assert!("ten".parse::<Gate>().is_err());
        assert!("-5%".parse::<Gate>().is_err());
    }
}
