//! Rule documentation rendered from [`RuleMeta`]: the Markdown pages under `rules/`,
//! `octolint explain`, and `octolint rules` listings.

use std::fmt::Write;

use crate::diagnostics::RuleMeta;

fn fence_lang(meta: &RuleMeta) -> &'static str {
    match meta.category {
        "terraform" => "hcl",
        _ => "yaml",
    }
}

/// The Markdown page for one rule (the content of `rules/<ID>.md`).
pub fn markdown_page(meta: &RuleMeta) -> String {
    let mut s = String::new();
    let lang = fence_lang(meta);
    let _ = writeln!(s, "# {} `{}`\n", meta.id, meta.name);
    let _ = writeln!(s, "{}\n", meta.summary);
    let _ = writeln!(s, "| | |\n|---|---|");
    let _ = writeln!(s, "| Default severity | {} |", meta.severity);
    let _ = writeln!(s, "| Category | {} |", meta.category);
    let _ = writeln!(s, "| Tags | {} |", meta.tags.join(", "));
    if let Some(sev) = meta.security_severity {
        let _ = writeln!(s, "| Security severity | {sev} |");
    }
    let _ = writeln!(s, "| Since | {} |\n", meta.since);
    let _ = writeln!(s, "## Why\n\n{}\n", meta.explanation);
    let _ = writeln!(s, "## How to fix\n\n{}.\n", capitalize(meta.help));
    let _ = writeln!(s, "## Fails\n\n```{lang}\n{}```\n", meta.fail_example);
    let _ = writeln!(s, "## Passes\n\n```{lang}\n{}```\n", meta.pass_example);
    let _ = writeln!(
        s,
        "## Suppress\n\nOn the line or the line above: `# octolint:ignore {} -- <reason>`. \
In `octolint.toml`: `[rules] ignore = [\"{}\"]`.",
        meta.id, meta.id
    );
    s
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// `octolint rules --format table`.
pub fn table(metas: &[&RuleMeta]) -> String {
    let w = metas.iter().map(|m| m.name.len()).max().unwrap_or(4).max(4);
    let mut s = format!("{:<8} {:<w$} {:<8} SUMMARY\n", "ID", "NAME", "SEVERITY");
    for m in metas {
        let _ = writeln!(
            s,
            "{:<8} {:<w$} {:<8} {}",
            m.id,
            m.name,
            m.severity.as_str(),
            m.summary
        );
    }
    s
}

/// `octolint rules --format json`.
pub fn json(metas: &[&RuleMeta]) -> String {
    let rules: Vec<serde_json::Value> = metas
        .iter()
        .map(|m| {
            serde_json::json!({
                "id": m.id,
                "name": m.name,
                "severity": m.severity.as_str(),
                "category": m.category,
                "tags": m.tags,
                "summary": m.summary,
                "help": m.help,
                "url": m.url(),
                "since": m.since,
            })
        })
        .collect();
    let mut out =
        serde_json::to_string_pretty(&serde_json::json!({ "version": 1, "rules": rules }))
            .unwrap_or_default();
    out.push('\n');
    out
}

/// `octolint rules --format markdown`: an index table linking to the pages.
pub fn markdown_index(metas: &[&RuleMeta]) -> String {
    let mut s =
        String::from("# octolint rules\n\n| ID | Name | Severity | Summary |\n|---|---|---|---|\n");
    for m in metas {
        let _ = writeln!(
            s,
            "| [{}]({}.md) | `{}` | {} | {} |",
            m.id, m.id, m.name, m.severity, m.summary
        );
    }
    s
}
