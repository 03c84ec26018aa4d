//! Human output: findings grouped by file, each with the source lines around its span
//! (rendered by annotate-snippets from only those lines), a `help:` line, then the findings per
//! rule (when more than one rule or severity fired), a summary with counts per severity and a
//! coverage line. [`statistics`] is the per-rule table alone (`--statistics`).

use std::fmt::Write;

use annotate_snippets::{AnnotationKind, Group, Level, Origin, Renderer, Snippet};

use super::{ReportOptions, RuleCount, by_rule, counts};
use crate::diagnostics::{Finding, Severity};
use crate::outcome::Outcome;
use std::collections::HashMap;

use crate::redact::{SecretSet, excerpt_spans};
use crate::secrets::redact;
use crate::source::{SourceFile, Span};

/// At most this many source lines are shown for one span.
const MAX_LINES: usize = 4;

fn level(sev: Severity) -> Level<'static> {
    match sev {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Info => Level::INFO,
    }
}

/// The excerpt with every secret replaced by its redacted form, and a function that maps
/// excerpt offsets onto the masked text.
struct Masked {
    text: String,
    /// (start, end, new_start, new_end) of each replacement, in excerpt offsets.
    edits: Vec<(usize, usize, usize, usize)>,
}

impl Masked {
    fn new(excerpt: &str, base: usize, secrets: &[Span]) -> Masked {
        let mut spans: Vec<(usize, usize)> = secrets
            .iter()
            .filter(|s| s.start() < base + excerpt.len() && s.end() > base)
            .map(|s| {
                (
                    s.start().saturating_sub(base),
                    (s.end() - base).min(excerpt.len()),
                )
            })
            .filter(|(a, b)| a < b && excerpt.is_char_boundary(*a) && excerpt.is_char_boundary(*b))
            .collect();
        spans.sort_unstable();
        // Overlapping spans mask their union (never less than any one of them).
        let mut merged: Vec<(usize, usize)> = Vec::with_capacity(spans.len());
        for (a, b) in spans {
            match merged.last_mut() {
                Some(last) if a < last.1 => last.1 = last.1.max(b),
                _ => merged.push((a, b)),
            }
        }
        let mut text = String::with_capacity(excerpt.len());
        let mut edits = Vec::new();
        let mut pos = 0;
        for (a, b) in merged {
            if a < pos {
                continue;
            }
            text.push_str(&excerpt[pos..a]);
            let new_start = text.len();
            text.push_str(&redact(&excerpt[a..b]));
            edits.push((a, b, new_start, text.len()));
            pos = b;
        }
        text.push_str(&excerpt[pos..]);
        Masked { text, edits }
    }

    fn map(&self, o: usize, is_end: bool) -> usize {
        let mut shift: isize = 0;
        for &(a, b, na, nb) in &self.edits {
            if o <= a {
                break;
            }
            if o < b {
                return if is_end { nb } else { na };
            }
            shift = nb as isize - b as isize;
        }
        (o as isize + shift).max(0) as usize
    }
}

fn render_one(
    f: &Finding,
    src: Option<&SourceFile>,
    secrets: &[Span],
    known: Option<&SecretSet>,
    renderer: &Renderer,
) -> String {
    let title_text = if f.environments.is_empty() {
        format!("{} [{}]", f.message, f.rule_name)
    } else {
        format!(
            "{} [{}] (in {})",
            f.message,
            f.rule_name,
            f.environments.join(", ")
        )
    };
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
            let raw = &src.text[start..end];
            let a = span.start().saturating_sub(start).min(raw.len());
            let mut b = span.end().saturating_sub(start).min(raw.len()).max(a);
            if a == b {
                // Point at one character (or the line end).
                b = raw[a..]
                    .chars()
                    .next()
                    .map(|c| a + c.len_utf8())
                    .unwrap_or(a);
            }
            // Secrets never reach the terminal: mask them in every excerpt, with every
            // known secret value and every keyword-led high-entropy token (reported or not).
            let mut hide: Vec<Span> = secrets.to_vec();
            hide.extend(
                excerpt_spans(raw, known)
                    .into_iter()
                    .map(|(x, y)| Span::new(start + x, start + y))
                    .filter(|s| {
                        !secrets
                            .iter()
                            .any(|k| k.start() < s.end() && s.start() < k.end())
                    }),
            );
            let masked = Masked::new(raw, start, &hide);
            let a2 = masked.map(a, false);
            let b2 = masked.map(b, true).max(a2);
            let (a, b) = (a2, b2);
            let excerpt = masked.text;
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
    let mut secrets: HashMap<&str, Vec<Span>> = HashMap::new();
    for f in outcome.findings.iter().filter(|f| f.redact) {
        if let Some(span) = f.location.span {
            secrets
                .entry(f.location.path.as_ref())
                .or_default()
                .push(span);
        }
    }
    for f in &outcome.findings {
        if f.suppressed.is_some() && !opts.show_suppressed {
            continue;
        }
        let src = outcome.sources.get(&f.location.path).map(|s| s.as_ref());
        let file_secrets = secrets
            .get(f.location.path.as_ref())
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        out.push_str(&render_one(
            f,
            src,
            file_secrets,
            opts.secrets.as_deref(),
            &renderer,
        ));
        out.push_str("\n\n");
    }
    let rules = by_rule(&outcome.findings);
    if rules.len() > 1 {
        out.push_str(&rule_table(&rules));
        out.push('\n');
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
    let _ = writeln!(out, "{}", cov.files_line());
    if let Some(r) = cov.render.summary() {
        let _ = writeln!(out, "rendered: {r}");
        for n in &cov.render.notes {
            let _ = writeln!(out, "  left out {n}");
        }
    }
    if let Some(c) = &cov.custom_resources {
        let _ = writeln!(out, "schemas: {c}");
    }
    for s in &cov.skipped {
        let _ = writeln!(out, "  skipped {}: {}", s.path, s.reason);
    }
    out
}

/// One line per rule and severity: count, severity, rule id and name (like `ruff
/// --statistics`).
fn rule_table(rules: &[RuleCount]) -> String {
    let width = rules
        .iter()
        .map(|r| r.count.to_string().len())
        .max()
        .unwrap_or(1);
    let id_width = rules.iter().map(|r| r.rule_id.len()).max().unwrap_or(0);
    let mut out = String::new();
    for r in rules {
        let _ = writeln!(
            out,
            "{:>width$}  {:<7}  {:<id_width$}  {}",
            r.count,
            r.severity.as_str(),
            r.rule_id,
            r.rule_name
        );
    }
    out
}

/// `--statistics`: the findings per rule and severity, then the totals line.
pub fn statistics(outcome: &Outcome) -> String {
    let rules = by_rule(&outcome.findings);
    let mut out = rule_table(&rules);
    let c = counts(&outcome.findings);
    let total = c.error + c.warning + c.info;
    if total == 0 {
        out.push_str("no problems found");
    } else {
        let _ = write!(
            out,
            "{total} problem{} ({} error{}, {} warning{}, {} info)",
            plural(total),
            c.error,
            plural(c.error),
            c.warning,
            plural(c.warning),
            c.info,
        );
    }
    if c.suppressed > 0 {
        let _ = write!(out, "; {} suppressed", c.suppressed);
    }
    out.push('\n');
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::Masked;
    use super::{render, statistics};
    use crate::diagnostics::engine::{DUPLICATE_KEY, PARSE_ERROR};
    use crate::diagnostics::{Finding, Location, Severity, Suppression, new_finding};
    use crate::outcome::{Coverage, Outcome, Skipped};
    use crate::report::ReportOptions;
    use crate::source::{SourceFile, Span};
    use std::collections::HashMap;
    use std::sync::Arc;

    /// Findings on `a.yaml` (with its source) and `b.yaml` (without), sorted as the pipeline
    /// sorts them.
    fn outcome() -> Outcome {
        let text = "a: 1\nb: 2\na: 3\n";
        let src = Arc::new(SourceFile::new("a.yaml", "a.yaml".into(), text.to_string()));
        let at = |meta, path: &str, span: Option<Span>, message: &str| -> Finding {
            let mut f = new_finding(meta, Location::new(Arc::from(path), span), message.into());
            if path == "a.yaml" {
                f.location.region = span.map(|s| src.region(s));
            }
            f
        };
        let mut dup = at(
            &DUPLICATE_KEY,
            "a.yaml",
            Some(Span::new(10, 11)),
            "duplicate key `a`",
        );
        dup.environments = vec!["prod".into()];
        let mut related = Location::new(Arc::from("a.yaml"), Some(Span::new(0, 1)));
        related.region = Some(src.region(Span::new(0, 1)));
        dup.related = vec![related.with_message("first `a`")];
        let mut info = at(&DUPLICATE_KEY, "b.yaml", None, "an info");
        info.severity = Severity::Info;
        info.help = None;
        let mut quiet = at(&DUPLICATE_KEY, "b.yaml", None, "quiet");
        quiet.suppressed = Some(Suppression {
            kind: "inline",
            reason: None,
        });
        let coverage = Coverage {
            files: 2,
            parsed: 2,
            documents: 2,
            skipped: vec![Skipped {
                path: "big.yaml".into(),
                reason: "larger than max-file-size".into(),
            }],
            custom_resources: Some("1 custom resource not validated: no schema".into()),
            ..Coverage::default()
        };
        Outcome {
            findings: vec![
                dup,
                at(&PARSE_ERROR, "b.yaml", None, "does not parse"),
                info,
                quiet,
            ],
            coverage,
            sources: HashMap::from([(Arc::from("a.yaml"), src.clone())]),
            rules: Vec::new(),
            files: Vec::new(),
            prefixes: Default::default(),
            secrets: Default::default(),
            rendered: Default::default(),
        }
    }

    fn opts(show_suppressed: bool) -> ReportOptions {
        ReportOptions {
            root: "/repo".into(),
            color: false,
            show_suppressed,
            category: "octolint".into(),
            secrets: None,
        }
    }

    #[test]
    fn a_text_report_by_value() {
        let plain = render(&outcome(), &opts(false));
        let want = concat!(
            "warning[OCT001]: duplicate key `a` [duplicate-key] (in prod)\n",
            " --> a.yaml:3:1\n",
            "  |\n",
            "3 | a: 3\n",
            "  | ^\n",
            "  |\n",
            "  = note: first `a`: a.yaml:1:1\n",
            "  = help: remove one of the two keys, or merge their values\n",
            "\n",
            "error[OCT000]: does not parse [parse-error]\n",
            "--> b.yaml\n",
            " = help: fix the syntax at the reported position (indentation, an unclosed bracket or quote, a tab used for indentation)\n",
            "\n",
            "info[OCT001]: an info [duplicate-key]\n",
            "--> b.yaml\n",
            "\n",
            "1  error    OCT000  parse-error\n",
            "1  warning  OCT001  duplicate-key\n",
            "1  info     OCT001  duplicate-key\n",
            "\n",
            "3 problems (1 error, 1 warning, 1 info) in 2 files; 1 suppressed\n",
            "checked 2 files: 2 parsed, 0 failed to parse, 0 templates, 0 text, 0 binary, 1 skipped; 2 documents, 0 Kubernetes objects\n",
            "schemas: 1 custom resource not validated: no schema\n",
            "  skipped big.yaml: larger than max-file-size\n",
        );
        assert_eq!(plain, want, "{plain}");
        // Asked for, the suppressed finding comes after the others, with why.
        let shown = render(&outcome(), &opts(true));
        let quiet = concat!(
            "warning[OCT001]: quiet [duplicate-key]\n",
            "--> b.yaml\n",
            " = help: remove one of the two keys, or merge their values\n",
            " = note: suppressed (inline): no reason given\n",
            "\n",
        );
        assert_eq!(shown.replacen(quiet, "", 1), want, "{shown}");
        assert!(shown.contains(&format!("{quiet}1  error")), "{shown}");
    }

    #[test]
    fn excerpts_mask_unreported_secrets_and_point_at_one_character() {
        let token = "Q3xv8Rk2Lw9ZpTOdo4Mn"; // octolint:allow
        let text = format!("a: 1\nb: \u{e9}!\napi_token: {token}  # note\n");
        let src = Arc::new(SourceFile::new("s.yaml", "s.yaml".into(), text.clone()));
        let at = |span: Span, redact: bool| -> Finding {
            let mut f = new_finding(
                &DUPLICATE_KEY,
                Location::new(Arc::from("s.yaml"), Some(span)),
                "m".into(),
            );
            f.location.region = Some(src.region(span));
            f.help = None;
            f.redact = redact;
            f
        };
        let e = text.find('\u{e9}').expect("e");
        let ts = text.find(token).expect("token");
        let te = ts + token.len();
        let findings = vec![
            // An empty span on `é`: the caret covers that one character.
            at(Span::new(e, e), false),
            // An empty span at a line's start.
            at(Span::new(0, 0), false),
            // Lines 2 and 3: the unreported token is masked in the excerpt, though reported
            // secrets touch it on both sides.
            at(Span::new(text.find("b:").expect("b"), te), false),
            at(Span::new(ts - 1, ts), true),
            at(Span::new(te, te + 1), true),
        ];
        let o = Outcome {
            findings,
            coverage: Coverage::default(),
            sources: HashMap::from([(Arc::from("s.yaml"), src.clone())]),
            rules: Vec::new(),
            files: Vec::new(),
            prefixes: Default::default(),
            secrets: Default::default(),
            rendered: Default::default(),
        };
        let out = render(&o, &opts(false));
        assert!(out.contains("2 | b: \u{e9}!\n  |    ^\n"), "{out}");
        assert!(out.contains("1 | a: 1\n  | ^\n"), "{out}");
        assert!(!out.contains("Lw9ZpTOdo4Mn"), "{out}");
        // The spaces around the token are (reported) secrets too: each masked on its own.
        assert!(
            out.contains(&format!(
                "api_token:****{}**** # note",
                crate::secrets::redact(token)
            )),
            "{out}"
        );
    }

    #[test]
    fn statistics_align_counts_and_ids() {
        assert_eq!(
            statistics(&outcome()),
            concat!(
                "1  error    OCT000  parse-error\n",
                "1  warning  OCT001  duplicate-key\n",
                "1  info     OCT001  duplicate-key\n",
                "3 problems (1 error, 1 warning, 1 info); 1 suppressed\n",
            )
        );
        let mut o = outcome();
        let dup = o.findings[0].clone();
        o.findings = std::iter::repeat_n(dup, 12)
            .chain([o.findings[1].clone()])
            .collect();
        assert_eq!(
            statistics(&o),
            "12  warning  OCT001  duplicate-key\n 1  error    OCT000  parse-error\n13 problems (1 error, 12 warnings, 0 info)\n"
        );
        o.findings.clear();
        assert_eq!(statistics(&o), "no problems found\n");
        let text = render(&o, &opts(false));
        assert!(
            text.starts_with("no problems found\nchecked 2 files: "),
            "{text}"
        );
    }

    #[test]
    fn masks_secrets_and_maps_offsets() {
        let line = "token: ghp_abcdefghijklmnop rest";
        let secret = Span::new(7, 27);
        let m = Masked::new(line, 0, &[secret]);
        assert_eq!(m.text, "token: ghp_****** rest".replace("******", "****"));
        assert_eq!(m.map(7, false), 7);
        assert_eq!(m.map(27, true), 15);
        assert_eq!(m.map(28, false), 16);
        // Inside the secret: its masked start or end; at its end: the end either way.
        assert_eq!(m.map(10, false), 7);
        assert_eq!(m.map(10, true), 15);
        assert_eq!(m.map(27, false), 15);
        assert!(!m.text.contains("abcdefgh"));
    }
}
