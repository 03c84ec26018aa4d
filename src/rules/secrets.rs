//! The secret scanner (SEC rules). Patterns come from `rules/secrets.toml`, embedded at build
//! time and compiled once. A case-insensitive Aho-Corasick pass over each file finds the
//! pattern keywords; only the lines that hold a keyword are run through that pattern's
//! regex. Candidates pass the pattern's allowlist and entropy minimum and a placeholder
//! filter; overlapping matches keep the most specific pattern (table order), so one
//! credential gives one finding. The secret itself never leaves this module unredacted.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::Regex;
use serde::Deserialize;

use crate::diagnostics::Severity;
use crate::rules::RuleMeta;
use crate::source::Span;

const PATTERNS_TOML: &str = include_str!("../../rules/secrets.toml");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    pattern: Vec<RawPattern>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPattern {
    id: String,
    name: String,
    title: String,
    severity: String,
    keywords: Vec<String>,
    regex: String,
    entropy: Option<f64>,
    #[serde(default)]
    allow: Vec<String>,
    revoke: String,
    sample: String,
}

pub struct Pattern {
    pub meta: &'static RuleMeta,
    pub title: &'static str,
    regex: Regex,
    secret_group: usize,
    key_group: Option<usize>,
    entropy: Option<f64>,
    allow: Vec<Regex>,
    generic: bool,
    /// A PEM header: only a key when a base64 body follows it.
    needs_body: bool,
}

pub struct Scanner {
    pub patterns: Vec<Pattern>,
    keywords: AhoCorasick,
    /// Pattern indices per keyword (keyword index of the automaton).
    owners: Vec<Vec<usize>>,
}

/// One credential found in a text.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub pattern: usize,
    pub span: Span,
    /// The secret, redacted (at most the first 4 characters, then `****`).
    pub redacted: String,
    /// The line carries `octolint:allow` or `gitleaks:allow`.
    pub allowed: bool,
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// At most the first 4 characters (a third of short secrets), then `****`.
pub fn redact(secret: &str) -> String {
    let n = secret.chars().count();
    let keep = (n / 3).min(4);
    let head: String = secret.chars().take(keep).collect();
    format!("{head}****")
}

/// Shannon entropy in bits per character.
pub fn entropy(s: &str) -> f64 {
    let mut counts = [0usize; 256];
    let bytes = s.as_bytes();
    for &b in bytes {
        counts[b as usize] += 1;
    }
    let n = bytes.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

/// Values that are obviously not credentials: templates, references, placeholders.
pub fn is_placeholder(secret: &str) -> bool {
    let lower = secret.to_ascii_lowercase();
    const MARKERS: &[&str] = &["${", "{{", "$(", "%{", "<", ">"];
    const PREFIXES: &[&str] = &[
        "var.", "local.", "data.", "module.", "random_", "each.", "env.",
    ];
    const WORDS: &[&str] = &[
        "changeme",
        "change_me",
        "change-me",
        "placeholder",
        "example",
        "your_",
        "your-",
        "yourkey",
        "dummy",
        "redacted",
        "xxxx",
        "****",
        "todo",
        "sample",
        "insert",
        "replace",
        "fixme",
    ];
    const WHOLE: &[&str] = &[
        "password", "passwd", "pass", "secret", "pwd", "token", "admin", "root", "user", "username",
    ];
    WHOLE.contains(&lower.as_str())
        || MARKERS.iter().any(|m| secret.contains(m))
        || PREFIXES.iter().any(|p| lower.starts_with(p))
        || lower.contains(".result")
        || WORDS.iter().any(|w| lower.contains(w))
        || secret
            .chars()
            .all(|c| c == secret.chars().next().unwrap_or(c))
}

/// Does key material follow a PEM header at `end` (on the next lines, or after escaped
/// `\n` on the same line)? Documentation shows headers around `...`.
fn has_key_body(text: &str, end: usize) -> bool {
    let tail = text.get(end..(end + 400).min(text.len())).unwrap_or("");
    let tail = tail.replace("\\n", "\n");
    tail.lines()
        .map(|l| l.trim_start_matches(|c: char| c.is_whitespace() || "#/*\"'|>-".contains(c)))
        .filter(|l| !l.is_empty() && !l.contains(':'))
        .take(1)
        .any(|l| {
            l.chars()
                .take_while(|c| c.is_ascii_alphanumeric() || "+/=".contains(*c))
                .count()
                >= 32
        })
}

/// Extra checks for the generic `key = value` pattern.
fn generic_rejects(key: &str, value: &str) -> bool {
    let key = key.to_ascii_lowercase();
    const KEY_ENDINGS: &[&str] = &[
        "ref",
        "refs",
        "name",
        "names",
        "path",
        "file",
        "arn",
        "url",
        "uri",
        "id",
        "type",
        "length",
        "policy",
        "enabled",
        "mode",
        "version",
        "count",
        "ttl",
        "expiry",
        "format",
        "header",
        "endpoint",
        "size",
        "key_id",
        "keyid",
        "field",
        "provider",
        "store",
        "selector",
        "template",
        "class",
        "prefix",
        "suffix",
        "env",
        "var",
        "location",
        "region",
        "algorithm",
        "kind",
        "rotation",
    ];
    let word_key = key.trim_end_matches(|c: char| !c.is_ascii_alphanumeric());
    if KEY_ENDINGS.iter().any(|e| word_key.ends_with(e)) {
        return true;
    }
    let v = value.trim_end_matches(['.', ':']);
    let has_digit = v.bytes().any(|b| b.is_ascii_digit());
    let has_alpha = v.bytes().any(|b| b.is_ascii_alphabetic());
    if !has_digit || !has_alpha {
        return true;
    }
    // Identifiers (`prod-db-credentials-v2`), paths, URLs, hashes with their algorithm, UUIDs.
    let identifier = v.split(['-', '_', '.']).all(|w| {
        !w.is_empty()
            && w.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    }) && v.contains(['-', '_', '.']);
    let uuid = v.len() == 36
        && v.bytes().enumerate().all(|(i, b)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                b == b'-'
            } else {
                b.is_ascii_hexdigit()
            }
        });
    identifier
        || uuid
        || v.starts_with('/')
        || v.starts_with("./")
        || v.contains("://")
        || ["sha1", "sha256", "sha384", "sha512", "md5"]
            .iter()
            .any(|h| v.to_ascii_lowercase().starts_with(h))
}

impl Scanner {
    fn load(toml_text: &str) -> Result<Scanner, String> {
        let raw: RawFile =
            toml::from_str(toml_text).map_err(|e| format!("rules/secrets.toml: {e}"))?;
        let mut patterns = Vec::new();
        let mut keywords: Vec<String> = Vec::new();
        let mut owners: Vec<Vec<usize>> = Vec::new();
        for (i, p) in raw.pattern.into_iter().enumerate() {
            let regex = Regex::new(&p.regex).map_err(|e| format!("{}: {e}", p.id))?;
            let secret_group = regex
                .capture_names()
                .position(|n| n == Some("secret"))
                .unwrap_or(1);
            let key_group = regex.capture_names().position(|n| n == Some("key"));
            let allow = p
                .allow
                .iter()
                .map(|a| Regex::new(a).map_err(|e| format!("{}: allow: {e}", p.id)))
                .collect::<Result<Vec<_>, _>>()?;
            let severity =
                Severity::parse(&p.severity).ok_or_else(|| format!("{}: severity", p.id))?;
            let title = leak(p.title.clone());
            let meta: &'static RuleMeta = Box::leak(Box::new(RuleMeta {
                id: leak(p.id.clone()),
                name: leak(p.name.clone()),
                severity,
                category: "secrets",
                tags: &["security", "secrets"],
                summary: leak(format!("{} committed to the repository", p.title)),
                explanation: leak(format!(
                    "A {} is in the repository in plain text. Everyone who can read the repository \
— every clone, fork, CI log and backup — can use it, and it stays in Git history after the line \
is deleted, so removing it is not enough: it must be revoked.\n\nHow to revoke and rotate it: {}\n\n\
Then keep the new value in a secret store (External Secrets, Sealed Secrets, SOPS, Vault) and \
reference it. octolint shows at most the first 4 characters of a secret, in every output format.",
                    p.title, p.revoke
                )),
                help: leak(format!(
                    "revoke and rotate it: {}",
                    p.revoke.trim_end_matches('.')
                )),
                fail_example: leak(format!("{}\n", p.sample)),
                pass_example: "# a reference instead of the value\nenv:\n  - name: API_TOKEN\n    valueFrom:\n      secretKeyRef: {name: api, key: token}\n",
                security_severity: Some(if severity == Severity::Error {
                    "8.0"
                } else {
                    "5.0"
                }),
                since: "0.1.0",
            }));
            for k in p.keywords {
                let k = k.to_ascii_lowercase();
                match keywords.iter().position(|x| *x == k) {
                    Some(j) => owners[j].push(i),
                    None => {
                        keywords.push(k);
                        owners.push(vec![i]);
                    }
                }
            }
            patterns.push(Pattern {
                meta,
                title,
                regex,
                secret_group,
                key_group,
                entropy: p.entropy,
                allow,
                generic: p.name == "generic-secret",
                needs_body: p.name == "private-key",
            });
        }
        let keywords_ac = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(&keywords)
            .map_err(|e| e.to_string())?;
        Ok(Scanner {
            patterns,
            keywords: keywords_ac,
            owners,
        })
    }

    /// Every credential in `text`, in order, one per credential.
    pub fn scan(&self, text: &str) -> Vec<Hit> {
        let bytes = text.as_bytes();
        // (line start, pattern) pairs to run.
        let mut work: BTreeSet<(usize, usize)> = BTreeSet::new();
        for m in self.keywords.find_overlapping_iter(bytes) {
            let line_start = bytes[..m.start()]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1);
            for &p in &self.owners[m.pattern().as_usize()] {
                work.insert((line_start, p));
            }
        }
        let mut candidates: Vec<(usize, Span, String, bool)> = Vec::new();
        for (line_start, p) in work {
            let line_end = bytes[line_start..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(bytes.len(), |i| line_start + i);
            let Some(line) = text.get(line_start..line_end) else {
                continue;
            };
            let allowed = line.contains("octolint:allow") || line.contains("gitleaks:allow");
            let pat = &self.patterns[p];
            for caps in pat.regex.captures_iter(line) {
                let Some(secret) = caps.get(pat.secret_group) else {
                    continue;
                };
                let value = secret.as_str();
                if pat.allow.iter().any(|a| a.is_match(value))
                    || pat.entropy.is_some_and(|min| entropy(value) < min)
                    || is_placeholder(value)
                {
                    continue;
                }
                if pat.generic {
                    let key = pat
                        .key_group
                        .and_then(|g| caps.get(g))
                        .map_or("", |k| k.as_str());
                    if generic_rejects(key, value) {
                        continue;
                    }
                }
                let span = Span::new(line_start + secret.start(), line_start + secret.end());
                if pat.needs_body && !has_key_body(text, span.end()) {
                    continue;
                }
                candidates.push((p, span, redact(value), allowed));
            }
        }
        // Most specific pattern first; drop anything overlapping an accepted credential.
        candidates.sort_by_key(|c| (c.0, c.1));
        let mut accepted: Vec<Hit> = Vec::new();
        for (pattern, span, redacted, allowed) in candidates {
            if accepted
                .iter()
                .any(|h| h.span.start < span.end && span.start < h.span.end)
            {
                continue;
            }
            accepted.push(Hit {
                pattern,
                span,
                redacted,
                allowed,
            });
        }
        accepted.sort_by_key(|h| h.span);
        accepted
    }
}

/// The compiled scanner (built once).
pub fn scanner() -> &'static Scanner {
    static SCANNER: OnceLock<Scanner> = OnceLock::new();
    SCANNER.get_or_init(|| match Scanner::load(PATTERNS_TOML) {
        Ok(s) => s,
        // The table is compiled into the binary and checked by the test suite.
        Err(e) => panic!("invalid embedded secret patterns: {e}"),
    })
}

/// Metadata of every secret pattern, in table order.
pub fn metas() -> Vec<&'static RuleMeta> {
    scanner().patterns.iter().map(|p| p.meta).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_table_compiles_with_60_patterns() {
        let s = scanner();
        assert!(s.patterns.len() >= 60, "{}", s.patterns.len());
        let mut ids: Vec<&str> = s.patterns.iter().map(|p| p.meta.id).collect();
        ids.dedup();
        assert_eq!(ids.len(), s.patterns.len());
    }

    #[test]
    fn redaction_keeps_at_most_four_characters() {
        assert_eq!(redact("AKIAABCDEFGHIJKLMNOP"), "AKIA****"); // octolint:allow fake value
        assert_eq!(redact("abcdef"), "ab****");
        assert_eq!(redact("ab"), "****");
    }

    #[test]
    fn one_credential_one_hit() {
        // octolint:allow below: a fake value in a test
        let text = "aws_secret_access_key = Zq8f3L0pA9sK2mN4bV7cX1zQ5wE6rT8yU0iO3pLk\n"; // octolint:allow
        let hits = scanner().scan(text);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(
            scanner().patterns[hits[0].pattern].meta.name,
            "aws-secret-access-key"
        );
        assert!(!format!("{hits:?}").contains("Zq8f3L0pA9"));
    }

    #[test]
    fn generic_filters() {
        for quiet in [
            "password: {{ .Values.password }}",
            "secretName: prod-db-credentials-v2",
            "token_path: /var/run/secrets/token1",
            "api_key: ${API_KEY}",
            "password = var.db_password",
            "password = random_password.db.result",
            "existingSecret: my-release-postgresql",
            "client_secret_ref: abc123def456",
            "checksum/secret: sha256:9f86d081884c7d659a2feaa0c55ad015",
            "token: 123e4567-e89b-12d3-a456-426614174000",
            "password: changeme123",
        ] {
            assert!(scanner().scan(quiet).is_empty(), "{quiet}");
        }
        assert_eq!(scanner().scan("db_password: \"Xk29fLq83mZp1Tw\"").len(), 1);
    }

    #[test]
    fn pem_headers_need_a_body() {
        let doc =
            "key: |-\n  -----BEGIN RSA PRIVATE KEY-----\n  ...\n  -----END RSA PRIVATE KEY-----\n";
        assert!(scanner().scan(doc).is_empty());
        let real = format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQ"
        ); // octolint:allow
        assert_eq!(scanner().scan(&real).len(), 1);
        let escaped = "\"private_key\": \"-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQ\\n\""; // octolint:allow
        assert_eq!(scanner().scan(escaped).len(), 1);
    }

    #[test]
    fn allow_comment_marks_hits() {
        let hits = scanner().scan(
            "token: ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789 # octolint:allow test fixture\n",
        );
        assert_eq!(hits.len(), 1);
        assert!(hits[0].allowed);
    }
}
