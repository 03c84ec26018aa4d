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
