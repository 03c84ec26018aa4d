//! Markdown job summary (for `$GITHUB_STEP_SUMMARY`): totals, counts per rule and severity,
//! the top findings with links to the exact line, coverage, and the cost of each environment
//! against its ceiling when cost rules ran.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use super::{ReportOptions, by_rule, counts};
use crate::cost::{EnvCost, fmt_usd};
use crate::diagnostics::{Finding, Severity};
use crate::outcome::Outcome;

/// At most this many findings are listed.
pub const TOP: usize = 20;

/// Where links point: `<server>/<repository>/blob/<sha>/` and the directory that repository
/// paths start from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Links {
    /// `https://github.com/owner/repo/blob/0123abc`
    pub blob: String,
    /// The repository's top level (absolute).
    pub top: PathBuf,
}

impl Links {
    /// From `GITHUB_SERVER_URL`, `GITHUB_REPOSITORY` and `GITHUB_SHA` (all set in GitHub
    /// Actions), with the top level found from `root` (the nearest directory above it with
    /// `.git`, else `root` itself).
    pub fn from_env(root: &Path) -> Option<Links> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        let server = var("GITHUB_SERVER_URL")?;
        let repo = var("GITHUB_REPOSITORY")?;
        let sha = var("GITHUB_SHA")?;
        let top = root
            .ancestors()
            .find(|d| d.join(".git").exists())
            .unwrap_or(root)
            .to_path_buf();
        Some(Links {
            blob: format!("{}/{}/blob/{}", server.trim_end_matches('/'), repo, sha),
            top,
        })
    }

    /// The URL of `path` (relative to `root`) at `line`, when the file is inside the
    /// repository.
    fn url(&self, root: &Path, path: &str, line: Option<usize>) -> Option<String> {
        let abs = normalize(&root.join(path));
        let rel = abs.strip_prefix(normalize(&self.top)).ok()?;
        let parts: Vec<String> = rel
            .components()
            .map(|c| encode(&c.as_os_str().to_string_lossy()))
            .collect();
        if parts.is_empty() {
            return None;
        }
        let mut url = format!("{}/{}", self.blob, parts.join("/"));
        if let Some(l) = line {
            let _ = write!(url, "#L{l}");
        }
        Some(url)
    }
}

/// `a/./b/../c` → `a/c`, without touching the file system.
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Percent-encode what a URL path segment cannot hold as is.
fn encode(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~@+=,".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Text safe inside a Markdown table cell: one line; markup escaped outside `code spans`,
/// which are kept (a table cell's `|` is escaped inside them too, as GitHub expects).
fn cell(s: &str) -> String {
    let one_line = s.split_whitespace().collect::<Vec<_>>().join(" ");
    let balanced = one_line.matches('`').count() % 2 == 0;
    let mut out = String::with_capacity(one_line.len());
    let mut in_code = false;
    for ch in one_line.chars() {
        match ch {
            '`' if balanced => {
                in_code = !in_code;
                out.push(ch);
            }
            '|' => out.push_str("\\|"),
            '\\' | '*' | '_' | '[' | ']' | '<' | '>' | '`' | '~' if !in_code => {
                out.push('\\');
                out.push(ch);
            }
            c => out.push(c),
        }
    }
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn icon(sev: Severity) -> &'static str {
    match sev {
        Severity::Error => "🔴",
        Severity::Warning => "🟡",
        Severity::Info => "🔵",
    }
}

/// The summary, with links when the GitHub environment variables are set.
pub fn render(outcome: &Outcome, opts: &ReportOptions, cost: Option<&[EnvCost]>) -> String {
    render_with(outcome, opts, cost, Links::from_env(&opts.root).as_ref())
}

/// The summary with explicit links (tests).
pub fn render_with(
    outcome: &Outcome,
    opts: &ReportOptions,
    cost: Option<&[EnvCost]>,
    links: Option<&Links>,
) -> String {
    let mut out = String::from("## octolint\n\n");
    let c = counts(&outcome.findings);
    let total = c.error + c.warning + c.info;
    if total == 0 {
        out.push_str("✅ **No problems found**");
    } else {
        let mut files: Vec<&str> = outcome
            .findings
            .iter()
            .filter(|f| f.suppressed.is_none())
            .map(|f| f.location.path.as_ref())
            .collect();
        files.sort_unstable();
        files.dedup();
        let _ = write!(
            out,
            "**{total} problem{}** ({} error{}, {} warning{}, {} info) in {} file{}",
            plural(total),
            c.error,
            plural(c.error),
            c.warning,
            plural(c.warning),
            c.info,
            files.len(),
            plural(files.len()),
        );
    }
    if c.suppressed > 0 {
        let _ = write!(out, "; {} suppressed", c.suppressed);
    }
    out.push_str("\n\n");

    let rules = by_rule(&outcome.findings);
    if !rules.is_empty() {
        out.push_str(
            "### Findings per rule\n\n| Count | Severity | Rule | Name |\n|---:|---|---|---|\n",
        );
        for r in &rules {
            let _ = writeln!(
                out,
                "| {} | {} {} | {} | {} |",
                r.count,
                icon(r.severity),
                r.severity,
                cell(&r.rule_id),
                cell(&r.rule_name)
            );
        }
        out.push('\n');
    }

    let mut top: Vec<&Finding> = outcome
        .findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .collect();
    // Most severe first; the findings are already sorted by place within a severity.
    top.sort_by_key(|f| std::cmp::Reverse(f.severity));
    if !top.is_empty() {
        let _ = writeln!(
            out,
            "### Top findings\n\n| Severity | Location | Rule | Message |\n|---|---|---|---|"
        );
        for f in top.iter().take(TOP) {
            let line = f.location.region.map(|r| r.start.line);
            let place = match line {
                Some(l) => format!("{}:{l}", f.location.path),
                None => f.location.path.to_string(),
            };
            let repo_path = outcome.prefixes.repo_from_display(&f.location.path);
            let location = match links.and_then(|l| l.url(&opts.root, &repo_path, line)) {
                Some(url) => format!("[{}]({url})", cell(&place)),
                None => format!("`{}`", place.replace('`', "'")),
            };
            let mut message = f.message.clone();
            if !f.environments.is_empty() {
                let _ = write!(message, " (in {})", f.environments.join(", "));
            }
            let _ = writeln!(
                out,
                "| {} {} | {location} | {} {} | {} |",
                icon(f.severity),
                f.severity,
                cell(&f.rule_id),
                cell(&f.rule_name),
                cell(&message)
            );
        }
        if top.len() > TOP {
            let _ = writeln!(
                out,
                "\n…and {} more (see the annotations or the code scanning alerts).",
                top.len() - TOP
            );
        }
        out.push('\n');
    }

    let cov = &outcome.coverage;
    let line = cov.files_line();
    let _ = writeln!(out, "### Coverage\n\nC{}.", &line[1..]);
    if let Some(r) = cov.render.summary() {
        let _ = writeln!(out, "\nRendered: {}.", cell(&r));
    }
    out.push('\n');

    if let Some(envs) = cost.filter(|e| !e.is_empty()) {
        out.push_str("### Cost per environment\n\n| Environment | Monthly estimate | Ceiling | |\n|---|---:|---:|---|\n");
        for e in envs {
            let (ceiling, status) = match e.ceiling_usd {
                Some(max) if e.monthly_usd > max => (
                    fmt_usd(max),
                    format!("❌ over by {}", fmt_usd(e.monthly_usd - max)),
                ),
                Some(max) => (fmt_usd(max), "✅ within".to_string()),
                None => ("—".to_string(), "no ceiling".to_string()),
            };
            let _ = writeln!(
                out,
                "| {} | {} | {ceiling} | {status} |",
                cell(&e.name),
                fmt_usd(e.monthly_usd)
            );
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::engine::{DUPLICATE_KEY, PARSE_ERROR};
    use crate::diagnostics::{Location, Suppression, new_finding};
    use crate::outcome::{Coverage, PathPrefixes};
    use crate::source::{LineCol, Region};
    use std::sync::Arc;

    fn finding(
        meta: &'static crate::diagnostics::RuleMeta,
        path: &str,
        line: Option<usize>,
        message: &str,
    ) -> Finding {
        let mut f = new_finding(meta, Location::new(Arc::from(path), None), message.into());
        f.location.region = line.map(|l| Region {
            start: LineCol { line: l, col: 3 },
            end: LineCol { line: l, col: 9 },
        });
        f
    }

    fn outcome(findings: Vec<Finding>) -> Outcome {
        let mut coverage = Coverage {
            files: 4,
            parsed: 3,
            failed: 1,
            documents: 5,
            kubernetes_objects: 2,
            ..Coverage::default()
        };
        coverage.render.charts = 1;
        coverage.render.objects = 7;
        Outcome {
            findings,
            coverage,
            sources: Default::default(),
            rules: Vec::new(),
            files: Vec::new(),
            prefixes: PathPrefixes {
                display: "infra/".into(),
                repo: "deploy/infra/".into(),
            },
            secrets: Default::default(),
            rendered: Default::default(),
        }
    }

    fn opts() -> ReportOptions {
        ReportOptions {
            // The repository root: the report joins repository paths onto it.
            root: PathBuf::from("/ws/repo"),
            color: false,
            show_suppressed: false,
            category: "octolint".into(),
            secrets: None,
        }
    }

    fn env(name: &str, monthly_usd: f64, ceiling_usd: Option<f64>) -> EnvCost {
        EnvCost {
            name: name.into(),
            monthly_usd,
            ceiling_usd,
            regions: Vec::new(),
            unknown_total: None,
            resources: Vec::new(),
            unpriced: Vec::new(),
            stacks: Vec::new(),
        }
    }

    #[test]
    fn a_summary_with_every_section() {
        let mut prod = finding(
            &PARSE_ERROR,
            "infra/k8s/a b.yaml",
            Some(12),
            "bad | `x_y` here",
        );
        prod.environments = vec!["prod".into(), "staging".into()];
        let mut info = finding(&DUPLICATE_KEY, "infra/z.yaml", None, "a *note*");
        info.severity = Severity::Info;
        let mut quiet = finding(&DUPLICATE_KEY, "infra/q.yaml", Some(1), "quiet");
        quiet.suppressed = Some(Suppression {
            kind: "inline",
            reason: None,
        });
        let findings = vec![
            finding(&DUPLICATE_KEY, "infra/k8s/a b.yaml", Some(3), "dup"),
            prod,
            finding(&DUPLICATE_KEY, "infra/m.yaml", Some(4), "dup again"),
            info,
            quiet,
        ];
        let links = Links {
            blob: "https://github.com/o/r/blob/abc".into(),
            top: PathBuf::from("/ws/repo"),
        };
        let costs = [
            env("prod", 1250.5, Some(1000.0)),
            env("dev|test", 80.0, Some(100.0)),
            env("lab", 5.0, None),
        ];
        let got = render_with(&outcome(findings), &opts(), Some(&costs), Some(&links));
        let want = "## octolint\n\
\n\
**4 problems** (1 error, 2 warnings, 1 info) in 3 files; 1 suppressed\n\
\n\
### Findings per rule\n\
\n\
| Count | Severity | Rule | Name |\n\
|---:|---|---|---|\n\
| 2 | 🟡 warning | OCT001 | duplicate-key |\n\
| 1 | 🔴 error | OCT000 | parse-error |\n\
| 1 | 🔵 info | OCT001 | duplicate-key |\n\
\n\
### Top findings\n\
\n\
| Severity | Location | Rule | Message |\n\
|---|---|---|---|\n\
| 🔴 error | [infra/k8s/a b.yaml:12](https://github.com/o/r/blob/abc/deploy/infra/k8s/a%20b.yaml#L12) | OCT000 parse-error | bad \\| `x_y` here (in prod, staging) |\n\
| 🟡 warning | [infra/k8s/a b.yaml:3](https://github.com/o/r/blob/abc/deploy/infra/k8s/a%20b.yaml#L3) | OCT001 duplicate-key | dup |\n\
| 🟡 warning | [infra/m.yaml:4](https://github.com/o/r/blob/abc/deploy/infra/m.yaml#L4) | OCT001 duplicate-key | dup again |\n\
| 🔵 info | [infra/z.yaml](https://github.com/o/r/blob/abc/deploy/infra/z.yaml) | OCT001 duplicate-key | a \\*note\\* |\n\
\n\
### Coverage\n\
\n\
Checked 4 files: 3 parsed, 1 failed to parse, 0 templates, 0 text, 0 binary, 0 skipped; 5 documents, 2 Kubernetes objects.\n\
\n\
Rendered: 1 chart(s) rendered and 0 kustomization(s) built, 7 object(s).\n\
\n\
### Cost per environment\n\
\n\
| Environment | Monthly estimate | Ceiling | |\n\
|---|---:|---:|---|\n\
| prod | $1,250.50 | $1,000.00 | ❌ over by $250.50 |\n\
| dev\\|test | $80.00 | $100.00 | ✅ within |\n\
| lab | $5.00 | — | no ceiling |\n\
\n\
";
        assert_eq!(got, want, "{got}");
    }

    #[test]
    fn a_quiet_summary_and_a_long_one_without_links() {
        let quiet = render_with(&outcome(Vec::new()), &opts(), Some(&[]), None);
        assert_eq!(
            quiet,
            "## octolint\n\n\u{2705} **No problems found**\n\n### Coverage\n\nChecked 4 files: 3 parsed, 1 failed to parse, 0 templates, 0 text, 0 binary, 0 skipped; 5 documents, 2 Kubernetes objects.\n\nRendered: 1 chart(s) rendered and 0 kustomization(s) built, 7 object(s).\n\n"
        );
        // One problem in one file: singular words.
        let one = render_with(
            &outcome(vec![finding(&PARSE_ERROR, "infra/`a`.yaml", Some(2), "m")]),
            &opts(),
            None,
            None,
        );
        assert!(
            one.contains("**1 problem** (1 error, 0 warnings, 0 info) in 1 file\n"),
            "{one}"
        );
        // Without links the place is a code span (a backtick in it becomes a quote).
        assert!(
            one.contains("| \u{1f534} error | `infra/'a'.yaml:2` | OCT000 parse-error | m |\n"),
            "{one}"
        );
        // More than TOP findings: the first TOP are listed, then how many more.
        let many: Vec<Finding> = (1..=TOP + 2)
            .map(|l| finding(&DUPLICATE_KEY, "infra/x.yaml", Some(l), "dup"))
            .collect();
        let long = render_with(&outcome(many), &opts(), None, None);
        let rows = long
            .lines()
            .filter(|l| l.contains("`infra/x.yaml:"))
            .count();
        assert_eq!(rows, TOP);
        assert!(long.contains(&format!("`infra/x.yaml:{TOP}`")), "{long}");
        assert!(
            !long.contains(&format!("`infra/x.yaml:{}`", TOP + 1)),
            "{long}"
        );
        assert!(
            long.contains(
                "\n\n\u{2026}and 2 more (see the annotations or the code scanning alerts).\n"
            ),
            "{long}"
        );
        assert!(!long.contains("### Cost"), "{long}");
        // Exactly TOP: all listed, nothing more to say.
        let exact: Vec<Finding> = (1..=TOP)
            .map(|l| finding(&DUPLICATE_KEY, "infra/x.yaml", Some(l), "dup"))
            .collect();
        let exact = render_with(&outcome(exact), &opts(), None, None);
        assert!(exact.contains(&format!("`infra/x.yaml:{TOP}`")), "{exact}");
        assert!(!exact.contains("more (see"), "{exact}");
        // A cost exactly at its ceiling is within it.
        let at = render_with(
            &outcome(Vec::new()),
            &opts(),
            Some(&[env("qa", 100.0, Some(100.0))]),
            None,
        );
        assert!(
            at.contains("| qa | $100.00 | $100.00 | \u{2705} within |\n"),
            "{at}"
        );
    }

    #[test]
    fn cells_are_one_escaped_line() {
        assert_eq!(cell("a | b\n  c"), "a \\| b c");
        assert_eq!(cell("[x](y) <b>"), "\\[x\\](y) \\<b\\>");
        assert_eq!(cell("`a_b|c` d_e"), "`a_b\\|c` d\\_e");
        assert_eq!(cell("odd ` tick"), "odd \\` tick");
    }

    #[test]
    fn links_are_relative_to_the_top_level() {
        let links = Links {
            blob: "https://github.com/o/r/blob/abc".into(),
            top: PathBuf::from("/ws/repo"),
        };
        let root = Path::new("/ws/repo/k8s");
        assert_eq!(
            links.url(root, "apps/bad deploy.yaml", Some(16)).as_deref(),
            Some("https://github.com/o/r/blob/abc/k8s/apps/bad%20deploy.yaml#L16")
        );
        assert_eq!(
            links.url(root, "../infra/main.tf", None).as_deref(),
            Some("https://github.com/o/r/blob/abc/infra/main.tf")
        );
        assert_eq!(links.url(Path::new("/elsewhere"), "x.yaml", Some(1)), None);
    }
}
