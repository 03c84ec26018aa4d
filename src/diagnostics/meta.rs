//! Rule metadata: everything known about a rule, declared once next to its code (built-in
//! rules, secret patterns, Rego policies). Depends on `diagnostics::finding` only.

use std::sync::Arc;

use super::finding::{Finding, Location, Severity};

/// The category of secret patterns added by the configuration.
pub const CUSTOM_SECRETS_CATEGORY: &str = "secrets (custom)";

/// Everything known about a rule, declared once next to its code. It feeds `octolint rules`,
/// `octolint explain`, the SARIF rule catalogue and the pages under `rules/`.
#[derive(Debug)]
pub struct RuleMeta {
    /// Stable id, never reused (`K8S001`).
    pub id: &'static str,
    /// Kebab-case name of the bad pattern (`privileged-container`).
    pub name: &'static str,
    pub severity: Severity,
    /// Domain: `kubernetes`, `terraform`, `octolint`, ...
    pub category: &'static str,
    pub tags: &'static [&'static str],
    /// One line: what the rule finds.
    pub summary: &'static str,
    /// Markdown: why it matters.
    pub explanation: &'static str,
    /// Plain text: how to fix it (shown as `help:`).
    pub help: &'static str,
    /// A snippet that makes the rule fire.
    pub fail_example: &'static str,
    /// A snippet that keeps it quiet.
    pub pass_example: &'static str,
    /// SARIF `security-severity` (0.0–10.0) for security rules.
    pub security_severity: Option<&'static str>,
    /// Version that introduced the rule.
    pub since: &'static str,
}

impl RuleMeta {
    pub fn url(&self) -> String {
        if self.category == CUSTOM_SECRETS_CATEGORY {
            return "https://github.com/octolint/octolint/blob/main/docs/secrets.md#your-own-patterns"
                .into();
        }
        format!(
            "https://github.com/octolint/octolint/blob/main/rules/{}.md",
            self.id
        )
    }
}

/// A finding for `meta` with its defaults stamped.
pub fn new_finding(meta: &'static RuleMeta, location: Location, message: String) -> Finding {
    Finding {
        rule_id: Arc::from(meta.id),
        rule_name: Arc::from(meta.name),
        severity: meta.severity,
        message,
        help: Some(meta.help.to_string()).filter(|h| !h.is_empty()),
        location,
        related: Vec::new(),
        logical: None,
        fingerprint: String::new(),
        suppressed: None,
        redact: false,
        metadata: None,
        environments: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::engine::PARSE_ERROR;

    #[test]
    fn rule_urls_point_at_the_rule_page_or_the_custom_patterns_section() {
        assert_eq!(
            PARSE_ERROR.url(),
            "https://github.com/octolint/octolint/blob/main/rules/OCT000.md"
        );
        let custom = RuleMeta {
            id: "SEC900",
            name: "my-token",
            category: CUSTOM_SECRETS_CATEGORY,
            ..PARSE_ERROR
        };
        assert_eq!(
            custom.url(),
            "https://github.com/octolint/octolint/blob/main/docs/secrets.md#your-own-patterns"
        );
    }
}
