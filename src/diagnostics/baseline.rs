//! Baseline files: the fingerprints of findings accepted when octolint was adopted. Findings
//! whose fingerprint is in the baseline are reported as suppressed; new ones fail as usual.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::Finding;

pub const BASELINE_VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    pub fingerprints: BTreeSet<String>,
}

impl Baseline {
    pub fn from_findings(findings: &[Finding]) -> Self {
        Baseline {
            version: BASELINE_VERSION,
            fingerprints: findings
                .iter()
                .filter(|f| f.suppressed.is_none())
                .map(|f| f.fingerprint.clone())
                .collect(),
        }
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let b: Baseline = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if b.version != BASELINE_VERSION {
            return Err(format!(
                "unsupported baseline version {} (expected {BASELINE_VERSION})",
                b.version
            ));
        }
        Ok(b)
    }

    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::{Location, engine, new_finding};

    fn finding(fingerprint: &str, suppressed: bool) -> Finding {
        let mut f = new_finding(
            &engine::DUPLICATE_KEY,
            Location::new("a.yaml".into(), None),
            "duplicate key".into(),
        );
        f.fingerprint = fingerprint.to_string();
        if suppressed {
            f.suppressed = Some(crate::diagnostics::finding::Suppression {
                kind: "inline",
                reason: Some("accepted".into()),
            });
        }
        f
    }

    #[test]
    fn a_baseline_lists_the_fingerprints_of_unsuppressed_findings_sorted() {
        let b = Baseline::from_findings(&[
            finding("ffff", false),
            finding("0000", true),
            finding("aaaa", false),
        ]);
        assert_eq!(b.version, BASELINE_VERSION);
        let fps: Vec<&str> = b.fingerprints.iter().map(String::as_str).collect();
        assert_eq!(fps, ["aaaa", "ffff"]);
        assert_eq!(
            b.to_json(),
            "{\n  \"version\": 1,\n  \"fingerprints\": [\n    \"aaaa\",\n    \"ffff\"\n  ]\n}\n"
        );
        let back = Baseline::parse(&b.to_json()).expect("round trip");
        assert_eq!(back.fingerprints, b.fingerprints);
    }

    #[test]
    fn other_versions_and_unknown_keys_are_refused() {
        let e = Baseline::parse(r#"{"version": 2, "fingerprints": []}"#).unwrap_err();
        assert!(e.contains("unsupported baseline version 2"), "{e}");
        assert!(Baseline::parse(r#"{"version": 1, "fingerprints": [], "x": 1}"#).is_err());
        assert!(Baseline::parse("not json").is_err());
        let ok = Baseline::parse(r#"{"version": 1, "fingerprints": ["ab"]}"#).expect("valid");
        assert!(ok.fingerprints.contains("ab"));
    }
}
