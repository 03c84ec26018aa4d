//! GitHub Actions workflow commands (`::error file=…,line=…::message`), one per finding.

use std::fmt::Write;

use super::ReportOptions;
use crate::diagnostics::Severity;
use crate::outcome::Outcome;

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(outcome: &Outcome, opts: &ReportOptions) -> String {
    let mut out = String::new();
    for f in &outcome.findings {
        if f.suppressed.is_some() && !opts.show_suppressed {
            continue;
        }
        let cmd = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut props = format!("file={}", escape_property(&f.location.path));
        if let Some(r) = f.location.region {
            let _ = write!(
                props,
                ",line={},col={},endLine={},endColumn={}",
                r.start.line, r.start.col, r.end.line, r.end.col
            );
        }
        let _ = write!(
            props,
            ",title={}",
            escape_property(&format!("{} {}", f.rule_id, f.rule_name))
        );
        let mut msg = f.message.clone();
        if !f.environments.is_empty() {
            msg.push_str(&format!(" (in {})", f.environments.join(", ")));
        }
        if let Some(h) = &f.help {
            msg.push_str("\nhelp: ");
            msg.push_str(h);
        }
        let _ = writeln!(out, "::{cmd} {props}::{}", escape_data(&msg));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(escape_data("a%b\nc"), "a%25b%0Ac");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
    }
}
