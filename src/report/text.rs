//! Human output: findings grouped by file, each with the source lines around its span
//! (rendered by annotate-snippets from only those lines), a `help:` line, then a summary with
//! counts per severity and a coverage line.

use std::fmt::Write;

use annotate_snippets::{AnnotationKind, Group, Level, Origin, Renderer, Snippet};

use super::{ReportOptions, counts};
use crate::diagnostics::{Finding, Severity};
use crate::pipeline::Outcome;
use crate::source::SourceFile;

/// At most this many source lines are shown for one span.
const MAX_LINES: usize = 4;

fn level(sev: Severity) -> Level<'static> {
    match sev {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Info => Level::INFO,
    }
}

fn render_one(f: &Finding, src: Option<&SourceFile>, renderer: &Renderer) -> String {
    let title_text = format!("{} [{}]", f.message, f.rule_name);
    let title = level(f.severity)
        .primary_title(title_text)
        .id(f.rule_id.to_string());
    let mut group = Group::with_title(title);
    match (src, f.location.span, f.location.region) {
        (Some(src), Some(span), Some(region)) => {
            let first = region.start.line;
            let last = region.end.line.min(first + MAX_LINES - 1);
            let (start, _) = src.line_range(first);
            let (_, end) = src.line_range(last);
            let excerpt = &src.text[start..end];
            let a = span.start().saturating_sub(start).min(excerpt.len());
            let mut b = span.end().saturating_sub(start).min(excerpt.len()).max(a);
            if a == b {
                // Point at one character (or the line end).
                b = excerpt[a..]
                    .chars()
                    .next()
                    .map(|c| a + c.len_utf8())
                    .unwrap_or(a);
            }
            group = group.element(
                Snippet::source(excerpt)
                    .line_start(first)
                    .path(f.location.path.to_string())
                    .annotation(AnnotationKind::Primary.span(a..b)),
            );
        }
        _ => {
            group = group.element(Origin::path(f.location.path.to_string()));
        }
    }
    for rel in &f.related {
        let place = match rel.region {
            Some(r) => format!("{}:{}:{}", rel.path, r.start.line, r.start.col),
            None => rel.path.to_string(),
        };
        let msg = match &rel.message {
            Some(m) => format!("{m}: {place}"),
            None => place,
        };
        group = group.element(Level::NOTE.message(msg));
    }
    if let Some(help) = &f.help {
        group = group.element(Level::HELP.message(help.clone()));
    }
    if let Some(s) = &f.suppressed {
        let why = s.reason.as_deref().unwrap_or("no reason given");
        group = group.element(Level::NOTE.message(format!("suppressed ({}): {why}", s.kind)));
    }
    renderer.render(&[group])
}

pub fn render(outcome: &Outcome, opts: &ReportOptions) -> String {
    let renderer = if opts.color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = String::new();
    for f in &outcome.findings {
        if f.suppressed.is_some() && !opts.show_suppressed {
            continue;
        }
        let src = outcome.sources.get(&f.location.path).map(|s| s.as_ref());
        out.push_str(&render_one(f, src, &renderer));
        out.push_str("\n\n");
    }
    let c = counts(&outcome.findings);
    let cov = &outcome.coverage;
    let files_with = {
        let mut paths: Vec<&str> = outcome
            .findings
            .iter()
            .filter(|f| f.suppressed.is_none())
            .map(|f| f.location.path.as_ref())
            .collect();
        paths.dedup();
        paths.len()
    };
    let total = c.error + c.warning + c.info;
    if total == 0 {
        let _ = write!(out, "no problems found");
    } else {
        let _ = write!(
            out,
            "{total} problem{} ({} error{}, {} warning{}, {} info) in {files_with} file{}",
            plural(total),
            c.error,
            plural(c.error),
            c.warning,
            plural(c.warning),
            c.info,
            plural(files_with),
        );
    }
    if c.suppressed > 0 {
        let _ = write!(out, "; {} suppressed", c.suppressed);
    }
    out.push('\n');
    let _ = writeln!(
        out,
        "checked {} file{}: {} parsed, {} failed to parse, {} templates, {} text, {} binary, {} skipped; {} documents, {} Kubernetes objects",
        cov.files,
        plural(cov.files),
        cov.parsed,
        cov.failed,
        cov.templates,
        cov.text,
        cov.binary,
        cov.skipped.len(),
        cov.documents,
        cov.kubernetes_objects
    );
    for s in &cov.skipped {
        let _ = writeln!(out, "  skipped {}: {}", s.path, s.reason);
    }
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
