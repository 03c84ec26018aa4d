//! `octolint cost` output: a readable table per environment, JSON
//! (`{"environments":[{"name", "monthly_usd", "total_unknown", "ceiling_usd", "regions",
//! "resources", "unpriced"}]}`) or Markdown; and the same three for `cost --compare`.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

use serde_json::json;

use crate::cost::compare::{Change, EnvDelta};
use crate::cost::{EnvCost, fmt_usd};
use crate::source::SourceFile;
use crate::terraform::value::Loc;

pub type Sources = HashMap<Arc<str>, Arc<SourceFile>>;

fn line_of(sources: &Sources, l: &Loc) -> usize {
    sources
        .get(&l.path)
        .map_or(0, |s| s.line_col(l.span.start as usize).line)
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

pub fn json(envs: &[EnvCost], sources: &Sources) -> String {
    let list: Vec<serde_json::Value> = envs
        .iter()
        .map(|e| {
            json!({
                "name": e.name,
                "monthly_usd": round2(e.monthly_usd),
                "total_unknown": e.unknown_total,
                "ceiling_usd": e.ceiling_usd,
                "regions": e.regions,
                "resources": e.resources.iter().map(|l| json!({
                    "stack": l.stack,
                    "address": l.address,
                    "component": l.component,
                    "sku": l.sku,
                    "quantity": l.quantity,
                    "monthly_usd": round2(l.monthly_usd),
                    "estimated": l.estimated,
                    "region": l.region,
                    "note": l.note,
                    "file": l.at.path.as_ref(),
                    "line": line_of(sources, &l.at),
                })).collect::<Vec<_>>(),
                "unpriced": e.unpriced.iter().map(|u| json!({
                    "stack": u.stack,
                    "address": u.address,
                    "reason": u.reason,
                    "file": u.at.path.as_ref(),
                    "line": line_of(sources, &u.at),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&json!({ "environments": list })).unwrap_or_default();
    s.push('\n');
    s
}

fn headline(e: &EnvCost) -> String {
    let total = match &e.unknown_total {
        Some(_) => format!("unknown (at least {})", fmt_usd(e.monthly_usd)),
        None => fmt_usd(e.monthly_usd),
    };
    let ceiling = match e.ceiling_usd {
        Some(c) => {
            let pct = if c > 0.0 {
                e.monthly_usd / c * 100.0
            } else {
                0.0
            };
            let over = if e.monthly_usd > c {
                "  OVER CEILING"
            } else {
                ""
            };
            // A capped count can make a figure absurd: never print a 300-digit percentage.
            let pct = if pct.is_finite() && pct < 100_000.0 {
                format!("{pct:.0} %")
            } else {
                "over 100,000 %".to_string()
            };
            format!(" of {} ceiling ({pct}){over}", fmt_usd(c))
        }
        None => " (no ceiling)".to_string(),
    };
    format!("{}: {total} a month{ceiling}", e.name)
}

/// The regions asked for and the regions priced, when they differ.
fn region_lines(e: &EnvCost) -> Vec<String> {
    let mut out = Vec::new();
    if !e.regions.is_empty() {
        out.push(format!("region: {}", e.regions.join(", ")));
    }
    let mut elsewhere: Vec<String> = e
        .resources
        .iter()
        .filter_map(|l| {
            let n = l.note.as_deref()?;
            let at = n.find("no ")?;
            Some(n[at..].to_string())
        })
        .collect();
    elsewhere.sort();
    elsewhere.dedup();
    out.extend(elsewhere);
    out
}

pub fn text(envs: &[EnvCost], sources: &Sources, tables: &[(String, String, String)]) -> String {
    let mut s = String::new();
    if envs.is_empty() {
        s.push_str("No priced Terraform resources found in any stack.\n");
    }
    let mut any_estimated = false;
    for e in envs {
        let _ = writeln!(s, "{}", headline(e));
        if e.name == "(no environment)" {
            let _ = writeln!(
                s,
                "  stacks whose path names no environment (dev, staging, prod): map them with [environments.<name>] paths in octolint.toml"
            );
        }
        if let Some(u) = &e.unknown_total {
            let _ = writeln!(s, "  total unknown: {u}");
        }
        for r in region_lines(e) {
            let _ = writeln!(s, "  {r}");
        }
        let priced = e.resources.len();
        let total = priced + e.unpriced.len();
        let _ = writeln!(s, "  coverage: {priced} of {total} cost lines priced");
        // An address priced in several stacks names its stack.
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for l in &e.resources {
            *seen.entry(l.address.as_str()).or_default() += 1;
        }
        let label = |l: &crate::cost::Line| {
            if seen.get(l.address.as_str()).is_some_and(|n| *n > 1) && !l.stack.is_empty() {
                format!("{} [{}]", l.address, l.stack)
            } else {
                l.address.clone()
            }
        };
        let w_addr = e
            .resources
            .iter()
            .map(|l| label(l).chars().count())
            .max()
            .unwrap_or(8)
            .clamp(8, 70);
        let w_sku = e
            .resources
            .iter()
            .map(|l| l.sku.len())
            .max()
            .unwrap_or(3)
            .clamp(3, 28);
        if !e.resources.is_empty() {
            let _ = writeln!(
                s,
                "  {:<w_addr$}  {:<w_sku$}  {:>8}  {:>13}  WHERE",
                "RESOURCE", "SKU", "QTY", "MONTHLY"
            );
        }
        for l in &e.resources {
            any_estimated |= l.estimated;
            let _ = writeln!(
                s,
                "  {:<w_addr$}  {:<w_sku$}  {:>8}  {:>12}{}  {}:{}",
                label(l),
                l.sku,
                trim_qty(l.quantity),
                fmt_usd(l.monthly_usd),
                if l.estimated { "*" } else { " " },
                l.at.path,
                line_of(sources, &l.at)
            );
        }
        for u in &e.unpriced {
            let _ = writeln!(
                s,
                "  unpriced: {} — {} ({}:{})",
                u.address,
                u.reason,
                u.at.path,
                line_of(sources, &u.at)
            );
        }
        s.push('\n');
    }
    if any_estimated {
        s.push_str(
            "* estimated: derived from the family's unit rate (RDS, ElastiCache) or vCPU and GB rates (GCP), not a listed price; `--format json` gives how.\n",
        );
    }
    let sources_line: Vec<String> = tables
        .iter()
        .map(|(p, r, d)| format!("{p} {r} ({d})"))
        .collect();
    let _ = writeln!(
        s,
        "List prices, 730 hours a month: {}. See docs/cost.md.",
        sources_line.join(", ")
    );
    s
}

/// A Markdown summary of the estimate (one table per environment).
pub fn markdown(envs: &[EnvCost]) -> String {
    let mut s = String::from(
        "## octolint cost\n\n| environment | monthly | ceiling | priced lines |\n|---|---:|---:|---:|\n",
    );
    for e in envs {
        let total = match &e.unknown_total {
            Some(_) => format!("unknown (≥ {})", fmt_usd(e.monthly_usd)),
            None => fmt_usd(e.monthly_usd),
        };
        let _ = writeln!(
            s,
            "| {} | {total} | {} | {} of {} |",
            md(&e.name),
            e.ceiling_usd.map_or("—".to_string(), fmt_usd),
            e.resources.len(),
            e.resources.len() + e.unpriced.len()
        );
    }
    s
}

fn trim_qty(q: f64) -> String {
    // A runaway count (`1e300`) is not a quantity anyone plans: never print a saturated one.
    if !q.is_finite() || q.abs() >= 1e12 {
        return "> 10^12".to_string();
    }
    if q.fract() == 0.0 {
        format!("{}", q as i64)
    } else {
        format!("{q:.1}")
    }
}

fn signed(v: f64) -> String {
    if v >= 0.005 {
        format!("+{}", fmt_usd(v))
    } else {
        fmt_usd(v)
    }
}

fn pct(d: &EnvDelta) -> String {
    match (d.old_usd, d.new_usd) {
        (None, _) => "new".into(),
        (_, None) => "removed".into(),
        _ => d
            .percent()
            .map_or_else(|| "—".to_string(), |p| format!("{p:+.1} %")),
    }
}

fn total(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_string(), fmt_usd)
}

fn side(l: Option<&crate::cost::compare::SnapLine>) -> String {
    l.map_or_else(
        || "—".to_string(),
        |l| {
            format!(
                "{} × {} = {}{}",
                trim_qty(l.quantity),
                l.sku,
                fmt_usd(l.monthly_usd),
                if l.estimated { " (estimated)" } else { "" }
            )
        },
    )
}

fn changed(deltas: &[EnvDelta]) -> impl Iterator<Item = &EnvDelta> {
    deltas
        .iter()
        .filter(|d| !d.changes.is_empty() || d.delta().abs() >= 0.005 || d.unknown.is_some())
}

pub fn compare_text(deltas: &[EnvDelta], failures: &[String]) -> String {
    let mut s = String::new();
    for d in deltas {
        let delta = if d.unknown.is_some() {
            "unknown".to_string()
        } else {
            format!("{} ({})", signed(d.delta()), pct(d))
        };
        let _ = writeln!(
            s,
            "{}: {} → {} a month, {delta}",
            d.name,
            total(d.old_usd),
            total(d.new_usd)
        );
        if let Some(u) = &d.unknown {
            let _ = writeln!(s, "  {u}");
        }
        for c in &d.changes {
            let _ = writeln!(s, "  {}", change_text(c));
        }
        if d.new_unpriced != d.old_unpriced {
            let _ = writeln!(
                s,
                "  unpriced lines: {} → {}",
                d.old_unpriced, d.new_unpriced
            );
        }
    }
    if changed(deltas).next().is_none() {
        s.push_str("No cost change.\n");
    }
    for f in failures {
        let _ = writeln!(s, "FAIL {f}");
    }
    s
}

fn change_text(c: &Change) -> String {
    let l = c.line();
    let stack = if l.stack.is_empty() {
        String::new()
    } else {
        format!(" ({})", l.stack)
    };
    format!(
        "{:<8} {}{stack}: {} → {} ({}/month)",
        c.kind.as_str(),
        l.address,
        side(c.old.as_ref()),
        side(c.new.as_ref()),
        signed(c.delta())
    )
}

pub fn compare_json(deltas: &[EnvDelta], failures: &[String]) -> String {
    let line = |l: &Option<crate::cost::compare::SnapLine>| {
        l.as_ref().map(|l| {
            json!({
                "sku": l.sku,
                "quantity": l.quantity,
                "monthly_usd": l.monthly_usd,
                "estimated": l.estimated,
            })
        })
    };
    let envs: Vec<serde_json::Value> = deltas
        .iter()
        .map(|d| {
            json!({
                "name": d.name,
                "old_monthly_usd": d.old_usd,
                "new_monthly_usd": d.new_usd,
                "delta_usd": if d.unknown.is_some() { None } else { Some(round2(d.delta())) },
                "delta_percent": if d.unknown.is_some() { None } else { d.percent().map(|p| (p * 10.0).round() / 10.0) },
                "unknown": d.unknown,
                "old_unpriced": d.old_unpriced,
                "new_unpriced": d.new_unpriced,
                "changes": d.changes.iter().map(|c| json!({
                    "kind": c.kind.as_str(),
                    "stack": c.line().stack,
                    "address": c.line().address,
                    "component": c.line().component,
                    "old": line(&c.old),
                    "new": line(&c.new),
                    "delta_usd": round2(c.delta()),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&json!({
        "environments": envs,
        "gate_failures": failures,
    }))
    .unwrap_or_default();
    s.push('\n');
    s
}

/// Escape text for a Markdown table cell.
fn md(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// A pull-request comment: totals per environment, then the changed lines.
pub fn compare_markdown(deltas: &[EnvDelta], failures: &[String]) -> String {
    let mut s = String::from("## octolint cost change\n\n");
    if changed(deltas).next().is_none() {
        s.push_str("No cost change.\n");
    } else {
        s.push_str("| environment | before | after | change |\n|---|---:|---:|---:|\n");
        for d in changed(deltas) {
            let change = if d.unknown.is_some() {
                "unknown".to_string()
            } else {
                format!("{} ({})", signed(d.delta()), pct(d))
            };
            let _ = writeln!(
                s,
                "| {} | {} | {} | {change} |",
                md(&d.name),
                total(d.old_usd),
                total(d.new_usd)
            );
        }
        for d in changed(deltas).filter(|d| !d.changes.is_empty()) {
            let _ = writeln!(s, "\n### {}\n", md(&d.name));
            if let Some(u) = &d.unknown {
                let _ = writeln!(s, "> {}\n", md(u));
            }
            s.push_str(
                "| change | resource | before | after | monthly |\n|---|---|---|---|---:|\n",
            );
            for c in &d.changes {
                let l = c.line();
                let _ = writeln!(
                    s,
                    "| {} | `{}`{} | {} | {} | {} |",
                    c.kind.as_str(),
                    md(&l.address),
                    if l.stack.is_empty() {
                        String::new()
                    } else {
                        format!(" in `{}`", md(&l.stack))
                    },
                    md(&side(c.old.as_ref())),
                    md(&side(c.new.as_ref())),
                    signed(c.delta())
                );
            }
        }
    }
    if !failures.is_empty() {
        s.push_str("\n**Cost gate failed:**\n\n");
        for f in failures {
            let _ = writeln!(s, "- {}", md(f));
        }
    }
    s.push_str("\n<sub>Offline list-price estimate, 730 hours a month; see docs/cost.md.</sub>\n");
    s
}
