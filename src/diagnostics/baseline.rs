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
