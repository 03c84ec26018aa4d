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
    f
}

/// Report something missing from `r`, at its header.
pub fn report_resource<'c>(ctx: &'c mut Ctx<'_>, r: &Resource, message: String) -> &'c mut Finding {
    ctx.report_at(&r.at.path, r.at.span, Some(r.address.clone()), message)
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
