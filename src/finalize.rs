//! The finalize stage: configuration levels and path overrides, inline suppressions, the
//! secret allowlist's fingerprints and the baseline are applied centrally; every finding
//! gets its region and a fingerprint; findings are sorted and deduplicated, so output is
//! the same whatever the thread count. Depends on `config`, `diagnostics` and `source`.

use std::collections::HashMap;
use std::sync::Arc;

use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_64;

use crate::config::{Level, Settings};
use crate::diagnostics::baseline::Baseline;
use crate::diagnostics::suppress::{self, Directive};
use crate::diagnostics::{Finding, Suppression};
use crate::outcome::PathPrefixes;
use crate::source::{SourceFile, Span};

/// One credential, one finding: where the secret scanner reported a value, a TF013
/// (hard-coded credential) finding on the same bytes is dropped.
pub fn prefer_secret_findings(findings: Vec<Finding>) -> Vec<Finding> {
    let secret_spans: HashMap<&str, Vec<Span>> = {
        let mut m: HashMap<&str, Vec<Span>> = HashMap::new();
        for f in findings
            .iter()
            .filter(|f| f.redact && f.rule_id.starts_with("SEC"))
        {
            if let Some(s) = f.location.span {
                m.entry(f.location.path.as_ref()).or_default().push(s);
            }
        }
        m
    };
    if secret_spans.is_empty() {
        findings
    } else {
        let keep: Vec<bool> = findings
            .iter()
            .map(|f| {
                !(f.rule_id.as_ref() == "TF013"
                    && f.location.span.is_some_and(|s| {
                        secret_spans
                            .get(f.location.path.as_ref())
                            .is_some_and(|v| v.iter().any(|x| x.start < s.end && s.start < x.end))
                    }))
            })
            .collect();
        findings
            .into_iter()
            .zip(keep)
            .filter_map(|(f, k)| k.then_some(f))
            .collect()
    }
}

/// Show every path as the user sees it (see [`PathPrefixes`]): findings, related
/// locations, sources and skipped files. Only the sources a finding names are kept (the
/// others stay with their files): re-keying every file of a large repository costs more
/// than the rest of this stage.
pub fn display_paths(
    findings: &mut [Finding],
    sources: &mut HashMap<Arc<str>, Arc<SourceFile>>,
    skipped: &mut [crate::outcome::Skipped],
    prefixes: &PathPrefixes,
) {
    if prefixes.display.is_empty() {
        return;
    }
    let mut cache: HashMap<Arc<str>, Arc<str>> = HashMap::new();
    let mut shown = |p: &Arc<str>| -> Arc<str> {
        cache
            .entry(p.clone())
            .or_insert_with(|| Arc::from(prefixes.display(p)))
            .clone()
    };
    for f in findings.iter_mut() {
        f.location.path = shown(&f.location.path);
        for r in &mut f.related {
            r.path = shown(&r.path);
        }
    }
    *sources = std::mem::take(sources)
        .into_iter()
        .filter_map(|(k, v)| Some((cache.get(&k)?.clone(), v)))
        .collect();
    for s in skipped {
        s.path = prefixes.display(&s.path);
    }
}

/// Apply config levels, inline suppressions and the baseline; add regions and
/// fingerprints (on paths relative to the repository root); sort and dedupe.
pub fn finalize(
    findings: Vec<Finding>,
    settings: &Settings,
    sources: &HashMap<Arc<str>, Arc<SourceFile>>,
    directives: &HashMap<Arc<str>, Vec<Directive>>,
    baseline: Option<&Baseline>,
    prefixes: &PathPrefixes,
) -> Vec<Finding> {
    let mut out: Vec<Finding> = findings
        .into_par_iter()
        .filter_map(|mut f| {
            if !settings.rule_enabled(&f.rule_id, &f.rule_name) {
                return None;
            }
            match settings.level_at(&f.location.path, &f.rule_id, &f.rule_name) {
                Some(Level::Off) => return None,
                Some(Level::On(sev)) => f.severity = sev,
                None => {}
            }
            let src = sources.get(&f.location.path);
            if let (Some(src), Some(span)) = (src, f.location.span) {
                f.location.region = Some(src.region(span));
            }
            for rel in &mut f.related {
                if let (Some(src), Some(span)) = (sources.get(&rel.path), rel.span) {
                    rel.region = Some(src.region(span));
                }
            }
            if f.suppressed.is_none()
                && let (Some(dirs), Some(region)) =
                    (directives.get(&f.location.path), f.location.region)
                && let Some(d) = suppress::find(dirs, region.start.line, &f.rule_id, &f.rule_name)
            {
                f.suppressed = Some(Suppression {
                    kind: "inline",
                    reason: d.reason.clone(),
                });
            }
            Some(f)
        })
        .collect();
    crate::rules::builtin::k8s::namespace_report::merge(&mut out);
    out.par_sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    out.dedup_by(|a, b| a.sort_key() == b.sort_key());

    // Fingerprints: stable under edits elsewhere in the file (no line numbers), made unique
    // by an occurrence counter in output order.
    // The hashes in parallel; the counter in output order.
    let hashes: Vec<u64> = out
        .par_iter()
        .map(|f| {
            let line_text = match (sources.get(&f.location.path), f.location.region) {
                (Some(src), Some(r)) => src.line_text(r.start.line).trim(),
                _ => "",
            };
            let key = format!(
                "{}\0{}\0{}\0{}",
                f.rule_id,
                prefixes.repo(&f.location.path),
                f.logical.as_deref().unwrap_or(""),
                line_text
            );
            xxh3_64(key.as_bytes())
        })
        .collect();
    let mut seen: HashMap<u64, usize> = HashMap::new();
    for (f, h) in out.iter_mut().zip(hashes) {
        let n = seen.entry(h).or_insert(0);
        *n += 1;
        f.fingerprint = format!("{h:016x}:{n}");
        if f.suppressed.is_none()
            && f.redact
            && settings.secrets.fingerprints.contains(&f.fingerprint)
        {
            f.suppressed = Some(Suppression {
                kind: "config",
                reason: Some("fingerprint in [secrets.allowlist] of octolint.toml".into()),
            });
        }
        if f.suppressed.is_none()
            && let Some(b) = baseline
            && b.fingerprints.contains(&f.fingerprint)
        {
            f.suppressed = Some(Suppression {
                kind: "baseline",
                reason: Some("accepted in the baseline".into()),
            });
        }
    }
    out
}
