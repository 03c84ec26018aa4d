//! `octolint cost` output: a readable table per environment, or JSON
//! (`{"environments":[{"name", "monthly_usd", "ceiling_usd", "resources", "unpriced"}]}`).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

use serde_json::json;

use crate::cost::{EnvCost, fmt_usd};
use crate::source::SourceFile;
use crate::terraform::value::Loc;

fn line_of(sources: &HashMap<Arc<str>, Arc<SourceFile>>, l: &Loc) -> usize {
    sources
        .get(&l.path)
        .map_or(0, |s| s.line_col(l.span.start as usize).line)
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

pub fn json(envs: &[EnvCost], sources: &HashMap<Arc<str>, Arc<SourceFile>>) -> String {
    let list: Vec<serde_json::Value> = envs
        .iter()
        .map(|e| {
            json!({
                "name": e.name,
                "monthly_usd": round2(e.monthly_usd),
                "ceiling_usd": e.ceiling_usd,
                "resources": e.resources.iter().map(|l| json!({
                    "address": l.address,
                    "sku": l.sku,
                    "quantity": l.quantity,
                    "monthly_usd": round2(l.monthly_usd),
                    "file": l.at.path.as_ref(),
                    "line": line_of(sources, &l.at),
                })).collect::<Vec<_>>(),
                "unpriced": e.unpriced.iter().map(|u| json!({
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

pub fn text(
    envs: &[EnvCost],
    sources: &HashMap<Arc<str>, Arc<SourceFile>>,
    tables: &[(String, String, String)],
) -> String {
    let mut s = String::new();
    if envs.is_empty() {
        s.push_str("No priced Terraform resources found in any stack.\n");
    }
    for e in envs {
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
                let pct = if pct.is_finite() && pct < 100_000.0 {
                    format!("{pct:.0} %")
                } else {
                    "over 100,000 %".to_string()
                };
                format!(" of {} ceiling ({pct}){over}", fmt_usd(c))
            }
            None => " (no ceiling)".to_string(),
        };
        let _ = writeln!(s, "{}: {} a month{ceiling}", e.name, fmt_usd(e.monthly_usd));
        if e.name == "(no environment)" {
            let _ = writeln!(
                s,
                "  stacks whose path names no environment (dev, staging, prod): map them with [environments.<name>] paths in octolint.toml"
            );
        }
        let priced = e.resources.len();
        let total = priced + e.unpriced.len();
        let _ = writeln!(s, "  coverage: {priced} of {total} cost lines priced");
        let w_addr = e
            .resources
            .iter()
            .map(|l| l.address.len())
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
                "  {:<w_addr$}  {:<w_sku$}  {:>8}  {:>12}  WHERE",
                "RESOURCE", "SKU", "QTY", "MONTHLY"
            );
        }
        for l in &e.resources {
            let _ = writeln!(
                s,
                "  {:<w_addr$}  {:<w_sku$}  {:>8}  {:>12}  {}:{}",
                l.address,
                l.sku,
                trim_qty(l.quantity),
                fmt_usd(l.monthly_usd),
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
