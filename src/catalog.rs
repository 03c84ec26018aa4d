//! The catalogue of every rule octolint knows: built-in rules, the engine's own `OCT`
//! rules, secret patterns and bundled Rego policies. It validates the rule selectors and
//! added secret patterns of a configuration against that catalogue (the configuration is read
//! before rules exist, so it cannot do this itself). Depends on `rules`, `secrets`,
//! `policy`, `config` and `diagnostics`.

use crate::config::{ConfigError, Settings};
use crate::diagnostics::Finding;
use crate::diagnostics::RuleMeta;
use crate::diagnostics::suppress::selector_matches;
use crate::rules::{builtin, registry};
use crate::secrets;

/// Metadata of every rule (built-in rules and the engine's own `OCT` rules), sorted by id.
pub fn all_meta() -> Vec<&'static RuleMeta> {
    let mut v: Vec<&'static RuleMeta> = builtin::ENGINE_RULES.to_vec();
    v.extend(registry().iter().map(|r| r.meta()));
    v.extend(secrets::metas());
    v.extend(crate::policy::bundled_metas());
    v.extend(crate::render::stage::RENDER_RULES.iter().copied());
    v.sort_by_key(|m| m.id);
    v
}

/// Validate a loaded configuration against the catalogue: every rule selector must name a
/// known rule (built-in, engine, secret pattern, bundled or added), and added secret
/// patterns must not reuse the id of another rule.
pub fn validate(settings: &Settings) -> Result<(), ConfigError> {
    let custom = settings.secrets.scanner().custom_metas();
    let builtin = all_meta();
    for m in &custom {
        if builtin.iter().any(|b| b.id.eq_ignore_ascii_case(m.id)) {
            return Err(ConfigError {
                path: settings.config_path.clone().unwrap_or_default(),
                line_col: None,
                message: format!(
                    "[secrets]: pattern id `{}` is already used by another rule",
                    m.id
                ),
            });
        }
    }
    settings.check_selectors(|sel| {
        builtin
            .iter()
            .chain(&custom)
            .any(|m| selector_matches(sel, m.id, m.name))
    })
}

pub fn find_meta(selector: &str) -> Option<&'static RuleMeta> {
    all_meta()
        .into_iter()
        .find(|m| m.id.eq_ignore_ascii_case(selector) || m.name == selector)
}

/// Metadata of every enabled rule (built-in, secret patterns, policies), sorted by id.
pub fn enabled(
    no_builtin: bool,
    policies: Option<&crate::policy::Policies>,
    settings: &Settings,
    findings: &[Finding],
) -> Vec<&'static RuleMeta> {
    let builtin: Vec<&'static RuleMeta> = if no_builtin {
        crate::rules::builtin::ENGINE_RULES.to_vec()
    } else {
        all_meta()
            .into_iter()
            .chain(settings.secrets.scanner().custom_metas())
            .collect()
    };
    let policy_metas = match policies {
        Some(p) => {
            let used: std::collections::HashSet<&str> =
                findings.iter().map(|f| f.rule_id.as_ref()).collect();
            let mut v = p.metas();
            v.extend(
                crate::policy::interned_metas()
                    .into_iter()
                    .filter(|m| used.contains(m.id)),
            );
            v
        }
        None => Vec::new(),
    };
    let mut enabled: Vec<&'static RuleMeta> = builtin
        .into_iter()
        .filter(|m| !policy_metas.iter().any(|p| p.id == m.id))
        .chain(policy_metas.iter().copied())
        .filter(|m| settings.rule_enabled(m.id, m.name))
        .collect();
    enabled.sort_by_key(|m| m.id);
    enabled.dedup_by_key(|m| m.id);
    enabled.sort_by_key(|m| m.id);
    enabled
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validate_checks_selectors_against_the_catalogue() {
        let parse = |text: &str| {
            Settings::from_str(std::path::Path::new("octolint.toml"), text).expect("parses")
        };
        let err = validate(&parse("[rules]\nselect = [\"K8S\", \"K9S999\"]\n"))
            .expect_err("unknown rule");
        assert_eq!(err.line_col, Some((2, 18)));
        assert!(validate(&parse("[rules]\nignore = [\"K8S001\", \"latest-image-tag\", \"SEC\", \"POL001\", \"all\"]\n")).is_ok());
    }

    #[test]
    fn ids_are_unique_sorted_and_documented() {
        let metas = all_meta();
        for w in metas.windows(2) {
            assert!(w[0].id < w[1].id, "duplicate or unsorted id {}", w[1].id);
        }
        let ids: Vec<&str> = registry().iter().map(|r| r.meta().id).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted, "registry must be sorted by id");
        for m in metas {
            assert!(!m.id.contains('/'), "{}", m.id);
            assert!(
                m.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-' || c.is_ascii_digit()),
                "{}",
                m.name
            );
            assert!(
                !m.summary.is_empty() && !m.explanation.is_empty() && !m.help.is_empty(),
                "{} lacks docs",
                m.id
            );
            assert!(
                !m.summary.ends_with('.'),
                "{} summary ends with a period",
                m.id
            );
        }
    }
}
