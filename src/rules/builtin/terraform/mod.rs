//! Terraform rules. They read the resolved model (`crate::terraform`): values carry the chain
//! of places that produced them, so a finding goes to the place the user controls (a tfvars
//! line, a module argument, the attribute itself) with the rest as related locations.
//! Unknown values are never reported.

pub mod cluster;
pub mod cost;
pub mod credentials;
pub mod data;
pub mod governance;
pub mod network;
pub mod parity;
pub mod resilience;
pub mod stack;

use crate::config::env::Env;
use crate::diagnostics::{Finding, Location};
use crate::rules::rule::Ctx;
use crate::terraform::Resource;
use crate::terraform::value::{Loc, Tv};

/// Report a value of `r`: at the place it was written, with the places it passed through
/// and the resource as related locations.
pub fn report_value<'c>(
    ctx: &'c mut Ctx<'_>,
    r: &Resource,
    v: &Tv,
    message: String,
) -> &'c mut Finding {
    let primary = v.origin.first().cloned().unwrap_or_else(|| r.at.clone());
    let rest: Vec<Loc> = v.origin.iter().skip(1).cloned().collect();
    let f = ctx.report_at(
        &primary.path,
        primary.span,
        Some(r.address.clone()),
        message,
    );
    let n = rest.len();
    for (i, l) in rest.into_iter().enumerate() {
        let what = if i + 1 == n {
            format!("used by `{}`", r.address)
        } else {
            "passed on here".to_string()
        };
        f.related
            .push(Location::new(l.path, Some(l.span)).with_message(what));
    }
    if primary != r.at {
        f.related.push(
            Location::new(r.at.path.clone(), Some(r.at.span))
                .with_message(format!("resource `{}`", r.address)),
        );
    }
    add_caller(f, r);
    f
}

/// Report something missing from `r`, at its header.
pub fn report_resource<'c>(ctx: &'c mut Ctx<'_>, r: &Resource, message: String) -> &'c mut Finding {
    let f = ctx.report_at(&r.at.path, r.at.span, Some(r.address.clone()), message);
    add_caller(f, r);
    f
}

/// What related locations naming a module's caller start with.
const CALLER: &str = "module called by ";

/// For a resource of a module: the call in the stack, example or test that instantiated it.
fn add_caller(f: &mut Finding, r: &Resource) {
    if let Some(call) = r.callers.first() {
        let stack = if r.stack.is_empty() { "." } else { &r.stack };
        f.related.push(
            Location::new(call.path.clone(), Some(call.span)).with_message(format!(
                "{CALLER}`{stack}` (`{}`)",
                caller_address(&r.address)
            )),
        );
    }
}

/// The leading `module.<name>[key]` segments of an address, and the rest:
/// `module.a["x.y"].module.b.aws_s3_bucket.this[0]` gives (`module.a["x.y"]`, `module.b`) and
/// `aws_s3_bucket.this[0]`.
fn module_segments(address: &str) -> (Vec<&str>, &str) {
    let mut segs = Vec::new();
    let mut rest = address;
    while rest.starts_with("module.") {
        let bytes = rest.as_bytes();
        let mut i = "module.".len();
        let (mut in_str, mut depth) = (false, 0i32);
        while i < bytes.len() {
            match bytes[i] {
                b'"' => in_str = !in_str,
                b'[' if !in_str => depth += 1,
                b']' if !in_str => depth -= 1,
                b'.' if !in_str && depth == 0 => break,
                _ => {}
            }
            i += 1;
        }
        if i >= bytes.len() {
            break;
        }
        segs.push(&rest[..i]);
        rest = &rest[i + 1..];
    }
    (segs, rest)
}

/// The outermost module call of an address (`module.a["x"]` of `module.a["x"].module.b.x.y`).
fn caller_address(address: &str) -> &str {
    module_segments(address).0.first().copied().unwrap_or("")
}

/// The resource of an address without its module path and instance key
/// (`aws_s3_bucket.this` of `module.a.aws_s3_bucket.this[0]`).
fn resource_in_module(address: &str) -> &str {
    let rest = module_segments(address).1;
    rest.split('[').next().unwrap_or(rest)
}

/// One finding per place in a module: the findings a rule made at the same place in a module
/// for several callers (each instance of the module) become one, about the resource as the
/// module declares it, listing every caller as a related location. Findings of one caller stay
/// as they are. Deterministic: the order of the input does not matter.
pub fn merge_module_findings(findings: Vec<Finding>) -> Vec<Finding> {
    use std::collections::BTreeMap;
    type Key = (String, u32, u32, String, String);
    let key = |f: &Finding| -> Option<Key> {
        let logical = f.logical.as_deref()?;
        if !logical.starts_with("module.") {
            return None;
        }
        let local = resource_in_module(logical);
        let span = f.location.span?;
        Some((
            f.rule_id.to_string(),
            span.start,
            span.end,
            f.location.path.to_string(),
            f.message
                .replacen(&format!("`{logical}`"), &format!("`{local}`"), 1),
        ))
    };
    let mut groups: BTreeMap<Key, Vec<Finding>> = BTreeMap::new();
    let mut out = Vec::new();
    for f in findings {
        match key(&f) {
            Some(k) => groups.entry(k).or_default().push(f),
            None => out.push(f),
        }
    }
    for ((_, _, _, _, message), mut group) in groups {
        if group.len() == 1 {
            out.extend(group);
            continue;
        }
        group.sort_by(|a, b| a.logical.cmp(&b.logical));
        let mut merged = group[0].clone();
        let local = merged
            .logical
            .as_deref()
            .map(resource_in_module)
            .unwrap_or_default()
            .to_string();
        merged.message = format!("{message} (in {} module instances)", group.len());
        merged.logical = Some(local.clone());
        let (mut related, mut callers): (Vec<Location>, Vec<Location>) = (Vec::new(), Vec::new());
        for f in &group {
            let full = f.logical.as_deref().unwrap_or_default();
            for r in &f.related {
                let is_caller = r.message.as_deref().is_some_and(|m| m.starts_with(CALLER));
                let list = if is_caller {
                    &mut callers
                } else {
                    &mut related
                };
                if !list.iter().any(|x| x.path == r.path && x.span == r.span) {
                    let mut r = r.clone();
                    if !is_caller && let Some(m) = &mut r.message {
                        *m = m.replace(&format!("`{full}`"), &format!("`{local}`"));
                    }
                    list.push(r);
                }
            }
        }
        callers.sort_by(|a, b| (&a.path, a.span).cmp(&(&b.path, b.span)));
        related.extend(callers);
        merged.related = related;
        out.push(merged);
    }
    out
}

pub fn is_prod(r: &Resource) -> bool {
    r.env == Some(Env::Prod)
}

/// A known `true`.
pub fn is_true(v: Option<&Tv>) -> bool {
    v.and_then(Tv::as_bool) == Some(true)
}

/// A known `false`.
pub fn is_false(v: Option<&Tv>) -> bool {
    v.and_then(Tv::as_bool) == Some(false)
}

/// Absent, or a known `false` (when the provider's default is false).
pub fn absent_or_false(v: Option<&Tv>) -> bool {
    v.is_none() || is_false(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_split_into_module_calls_and_the_resource() {
        assert_eq!(
            module_segments(r#"module.a["x.y"].module.b.aws_s3_bucket.this[0]"#),
            (
                vec![r#"module.a["x.y"]"#, "module.b"],
                "aws_s3_bucket.this[0]"
            )
        );
        assert_eq!(
            caller_address("module.gke.google_container_cluster.primary"),
            "module.gke"
        );
        assert_eq!(caller_address("aws_s3_bucket.this"), "");
        assert_eq!(
            resource_in_module(r#"module.x[?].google_storage_bucket.bucket["a[1]"]"#),
            "google_storage_bucket.bucket"
        );
    }
}
