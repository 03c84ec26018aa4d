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

use crate::diagnostics::RuleMeta;
use crate::diagnostics::Severity;
use crate::source::Span;

pub mod encrypted;
pub use encrypted::{is_encrypted_value, is_sops_value};

const PATTERNS_TOML: &str = include_str!("../rules/secrets.toml");

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
    /// Only files whose path matches this regex are scanned with the pattern.
    path: Option<String>,
}

/// A pattern added by the user (`[[secrets.pattern]]` in `octolint.toml`, or a rule of a
/// gitleaks configuration).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct UserPattern {
    /// Rule id, shown in findings and used by selectors; must not clash with another rule.
    pub id: String,
    /// Kebab-case name (defaults to the id in lower case).
    pub name: Option<String>,
    /// What the credential is (`ACME deploy token`).
    pub title: Option<String>,
    pub severity: Option<String>,
    /// Lower-case words one of which must be on the line; without keywords the regex runs
    /// over the whole text.
    #[serde(default)]
    pub keywords: Vec<String>,
    pub regex: String,
    /// Capture group holding the secret (default: the group named `secret`, else 1, else
    /// the whole match).
    pub secret_group: Option<usize>,
    pub entropy: Option<f64>,
    /// Regexes on the secret that mark known non-secrets.
    #[serde(default)]
    pub allow: Vec<String>,
    /// Words whose presence in the secret marks it as a non-secret.
    #[serde(default)]
    pub stopwords: Vec<String>,
    /// How to revoke and rotate it (shown as help).
    pub revoke: Option<String>,
    /// Only files whose path matches this regex are scanned with the pattern.
    pub path: Option<String>,
}

/// Allowlist entries that apply to every pattern.
#[derive(Default)]
pub struct Allowlist {
    /// Regexes on the secret value.
    pub regexes: Vec<Regex>,
    /// Secrets containing one of these (lower case) are ignored.
    pub stopwords: Vec<String>,
}

pub struct Pattern {
    pub meta: &'static RuleMeta,
    pub title: &'static str,
    /// The regexes, compiled on first use (see [`Pattern::compiled`]).
    source: PatternSource,
    compiled: OnceLock<Option<Compiled>>,
    entropy: Option<f64>,
    generic: bool,
    /// A `key = value` pattern whose key must name the secret itself (`tfvars-password`).
    assignment: bool,
    /// A PEM header: only a key when a base64 body follows it.
    needs_body: bool,
    stopwords: Vec<String>,
    /// Added from the configuration.
    pub custom: bool,
}

/// The regexes of a pattern, as written.
struct PatternSource {
    id: String,
    regex: String,
    secret_group: Option<usize>,
    allow: Vec<String>,
    /// Only files whose path matches.
    path: Option<String>,
}

/// The regexes of a pattern, compiled.
struct Compiled {
    regex: Regex,
    secret_group: usize,
    key_group: Option<usize>,
    allow: Vec<Regex>,
    path: Option<Regex>,
}

impl PatternSource {
    fn compile(&self) -> Result<Compiled, String> {
        let id = &self.id;
        let regex = Regex::new(&self.regex).map_err(|e| format!("{id}: invalid regex: {e}"))?;
        let groups = regex.captures_len();
        let secret_group = match self.secret_group {
            Some(g) if g >= groups => {
                return Err(format!(
                    "{id}: secret group {g} does not exist (the regex has {} group(s))",
                    groups - 1
                ));
            }
            Some(g) => g,
            None => regex
                .capture_names()
                .position(|n| n == Some("secret"))
                .unwrap_or(if groups > 1 { 1 } else { 0 }),
        };
        let key_group = regex.capture_names().position(|n| n == Some("key"));
        let allow = self
            .allow
            .iter()
            .map(|a| Regex::new(a).map_err(|e| format!("{id}: invalid allow regex: {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        let path = self
            .path
            .as_deref()
            .map(|r| Regex::new(r).map_err(|e| format!("{id}: invalid path regex: {e}")))
            .transpose()?;
        Ok(Compiled {
            regex,
            secret_group,
            key_group,
            allow,
            path,
        })
    }
}

impl Pattern {
    /// The compiled regexes. Compiling all sixty embedded patterns took most of a small
    /// run's time, and the keyword prefilter means most never run, so each compiles when a
    /// keyword first calls for it. Patterns from the configuration were compiled (and their
    /// errors reported) when it was loaded; the embedded ones are checked by a unit test, and
    /// one that failed to compile would simply never match.
    fn compiled(&self) -> Option<&Compiled> {
        self.compiled
            .get_or_init(|| self.source.compile().ok())
            .as_ref()
    }

    /// Does the pattern apply to the file at `path`?
    fn applies_to(&self, path: &str) -> bool {
        self.source.path.is_none()
            || self
                .compiled()
                .and_then(|c| c.path.as_ref())
                .is_some_and(|r| r.is_match(path))
    }
}

pub struct Scanner {
    pub patterns: Vec<Pattern>,
    keywords: AhoCorasick,
    /// Pattern indices per keyword (keyword index of the automaton).
    owners: Vec<Vec<usize>>,
    /// Patterns without keywords: their regex runs over the whole text.
    always: Vec<usize>,
    allow: Allowlist,
}

impl std::fmt::Debug for Scanner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Scanner({} patterns)", self.patterns.len())
    }
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
/// Placeholder words match whole values or whole words (split at characters other than
/// letters and digits), never inside a random token: `ghp_aTOdoX…` is not a placeholder.
pub fn is_placeholder(secret: &str) -> bool {
    let lower = secret.to_ascii_lowercase();
    const MARKERS: &[&str] = &["${", "{{", "$(", "%{", "<", ">"];
    const PREFIXES: &[&str] = &[
        "var.", "local.", "data.", "module.", "random_", "each.", "env.",
    ];
    const WORDS: &[&str] = &[
        "changeme",
        "placeholder",
        "example",
        "examples",
        "your",
        "yourkey",
        "yourtoken",
        "yoursecret",
        "yourpassword",
        "dummy",
        "mock",
        "fake",
        "redacted",
        "todo",
        "sample",
        "insert",
        "replace",
        "replaceme",
        "fixme",
    ];
    const WHOLE: &[&str] = &[
        "password", "passwd", "pass", "secret", "pwd", "token", "admin", "root", "user", "username",
    ];
    let words = || {
        lower
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
    };
    // Long markers are far too unlikely to occur by chance in a random token to need word
    // boundaries (`…CYEXAMPLEKEY` in AWS' documentation key); short ones need them.
    const LONG: &[&str] = &[
        "example",
        "placeholder",
        "changeme",
        "redacted",
        "replaceme",
    ];
    WHOLE.contains(&lower.as_str())
        || MARKERS.iter().any(|m| secret.contains(m))
        || PREFIXES.iter().any(|p| lower.starts_with(p))
        || lower.contains(".result")
        || lower.contains("change_me")
        || lower.contains("change-me")
        || lower.contains("****")
        || LONG.iter().any(|w| lower.contains(w))
        || words().any(|w| WORDS.contains(&w) || (w.len() >= 4 && w.bytes().all(|b| b == b'x')))
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

/// Checks for `key = value` patterns: keys that name something else than the secret itself
/// (`password_length`, `secret_name`), and values shaped like identifiers, paths or URLs.
/// `need_digit`: a value without both letters and digits is not taken for a secret.
fn assignment_rejects(key: &str, value: &str, need_digit: bool) -> bool {
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
    if need_digit && (!has_digit || !has_alpha) {
        return true;
    }
    // Identifiers (`prod-db-credentials-v2`, `external-secrets.io/v1beta1`, `payments/prod/db`),
    // paths, URLs, hashes with their algorithm, UUIDs.
    let identifier = v.split(['-', '_', '.', '/']).all(|w| {
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
        || v.starts_with("arn:")
        || v.contains("://")
        || ["sha1", "sha256", "sha384", "sha512", "md5"]
            .iter()
            .any(|h| v.to_ascii_lowercase().starts_with(h))
}

/// A pattern ready to compile: from the embedded table or the configuration.
struct Spec {
    id: String,
    name: String,
    title: String,
    severity: Severity,
    keywords: Vec<String>,
    regex: String,
    secret_group: Option<usize>,
    entropy: Option<f64>,
    allow: Vec<String>,
    stopwords: Vec<String>,
    revoke: String,
    sample: Option<String>,
    path: Option<String>,
    custom: bool,
}

impl Spec {
    fn embedded(p: RawPattern) -> Result<Spec, String> {
        let severity = Severity::parse(&p.severity).ok_or_else(|| format!("{}: severity", p.id))?;
        Ok(Spec {
            id: p.id,
            name: p.name,
            title: p.title,
            severity,
            keywords: p.keywords,
            regex: p.regex,
            secret_group: None,
            entropy: p.entropy,
            allow: p.allow,
            stopwords: Vec::new(),
            revoke: p.revoke,
            sample: Some(p.sample),
            path: p.path,
            custom: false,
        })
    }

    fn user(p: &UserPattern) -> Result<Spec, String> {
        let severity = match &p.severity {
            None => Severity::Error,
            Some(s) => Severity::parse(s).ok_or_else(|| {
                format!(
                    "{}: invalid severity `{s}`: expected error, warning or info",
                    p.id
                )
            })?,
        };
        let valid_id = !p.id.is_empty()
            && p.id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.');
        if !valid_id {
            return Err(format!(
                "invalid pattern id `{}`: use letters, digits, `-`, `_` and `.`",
                p.id
            ));
        }
        let name = p.name.clone().unwrap_or_else(|| p.id.to_ascii_lowercase());
        Ok(Spec {
            id: p.id.clone(),
            title: p.title.clone().unwrap_or_else(|| name.replace('-', " ")),
            name,
            severity,
            keywords: p.keywords.clone(),
            regex: p.regex.clone(),
            secret_group: p.secret_group,
            entropy: p.entropy,
            allow: p.allow.clone(),
            stopwords: p.stopwords.iter().map(|w| w.to_ascii_lowercase()).collect(),
            revoke: p.revoke.clone().unwrap_or_else(|| {
                "Revoke it where it was issued, issue a new one and keep it in a secret store."
                    .into()
            }),
            sample: None,
            path: p.path.clone(),
            custom: true,
        })
    }

    fn meta(&self) -> &'static RuleMeta {
        let fail_example = match &self.sample {
            Some(s) => leak(format!("{s}\n")),
            None => "",
        };
        Box::leak(Box::new(RuleMeta {
            id: leak(self.id.clone()),
            name: leak(self.name.clone()),
            severity: self.severity,
            category: if self.custom {
                CUSTOM_CATEGORY
            } else {
                "secrets"
            },
            tags: &["security", "secrets"],
            summary: leak(format!("{} committed to the repository", self.title)),
            explanation: leak(format!(
                "A {} is in the repository in plain text. Everyone who can read the repository \
— every clone, fork, CI log and backup — can use it, and it stays in Git history after the line \
is deleted, so removing it is not enough: it must be revoked.\n\nHow to revoke and rotate it: {}\n\n\
Then keep the new value in a secret store (External Secrets, Sealed Secrets, SOPS, Vault) and \
reference it. octolint shows at most the first 4 characters of a secret, in every output format.",
                self.title, self.revoke
            )),
            help: leak(format!(
                "revoke and rotate it: {}",
                self.revoke.trim_end_matches('.')
            )),
            fail_example,
            pass_example: "# a reference instead of the value\nenv:\n  - name: API_TOKEN\n    valueFrom:\n      secretKeyRef: {name: api, key: token}\n",
            security_severity: Some(if self.severity == Severity::Error {
                "8.0"
            } else {
                "5.0"
            }),
            since: "0.1.0",
        }))
    }
}

/// Category of patterns added from the configuration (their docs are the user's).
pub const CUSTOM_CATEGORY: &str = crate::diagnostics::meta::CUSTOM_SECRETS_CATEGORY;

fn embedded_specs() -> Result<Vec<Spec>, String> {
    let raw: RawFile =
        toml::from_str(PATTERNS_TOML).map_err(|e| format!("rules/secrets.toml: {e}"))?;
    raw.pattern.into_iter().map(Spec::embedded).collect()
}

impl Scanner {
    fn build(
        specs: Vec<Spec>,
        allow: Allowlist,
        embedded: &[&'static RuleMeta],
    ) -> Result<Scanner, String> {
        let mut patterns = Vec::new();
        let mut keywords: Vec<String> = Vec::new();
        let mut owners: Vec<Vec<usize>> = Vec::new();
        let mut always = Vec::new();
        for (i, p) in specs.into_iter().enumerate() {
            let source = PatternSource {
                id: p.id.clone(),
                regex: p.regex.clone(),
                secret_group: p.secret_group,
                allow: p.allow.clone(),
                path: p.path.clone(),
            };
            // Patterns from the configuration are compiled now, so that their errors are
            // reported with the configuration; embedded ones on first use.
            let compiled = OnceLock::new();
            if p.custom {
                let _ = compiled.set(Some(source.compile()?));
            }
            // Embedded metadata is built once per process and shared.
            let meta = match embedded.get(i) {
                Some(m) if !p.custom => *m,
                _ => p.meta(),
            };
            if p.keywords.is_empty() {
                always.push(i);
            }
            for k in &p.keywords {
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
                title: leak(p.title.clone()),
                source,
                compiled,
                entropy: p.entropy,
                generic: !p.custom && p.name == "generic-secret",
                assignment: !p.custom && p.name == "tfvars-password",
                needs_body: !p.custom && p.name == "private-key",
                stopwords: p.stopwords,
                custom: p.custom,
            });
        }
        let keywords_ac = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .match_kind(MatchKind::Standard)
            .build(&keywords)
            .map_err(|e| e.to_string())?;
        Ok(Scanner {
            patterns,
            keywords: keywords_ac,
            owners,
            always,
            allow,
        })
    }

    /// The embedded table plus patterns and allowlist entries from the configuration.
    pub fn with_config(extra: &[UserPattern], allow: Allowlist) -> Result<Scanner, String> {
        let base = scanner();
        let mut specs = embedded_specs()?;
        for p in extra {
            let clash = base
                .patterns
                .iter()
                .any(|b| b.meta.id.eq_ignore_ascii_case(&p.id))
                || specs.iter().any(|s| s.custom && s.id == p.id);
            if clash {
                return Err(format!(
                    "pattern id `{}` is already used by another rule",
                    p.id
                ));
            }
            specs.push(Spec::user(p)?);
        }
        let metas: Vec<&'static RuleMeta> = base.patterns.iter().map(|p| p.meta).collect();
        Scanner::build(specs, allow, &metas)
    }

    /// Metadata of the patterns added from the configuration.
    pub fn custom_metas(&self) -> Vec<&'static RuleMeta> {
        self.patterns
            .iter()
            .filter(|p| p.custom)
            .map(|p| p.meta)
            .collect()
    }

    /// Is `value` a non-secret for pattern `pat` (allowlists, entropy, placeholders)?
    fn rejects(&self, pat: &Pattern, compiled: &Compiled, value: &str) -> bool {
        if value.is_empty()
            || compiled.allow.iter().any(|a| a.is_match(value))
            || self.allow.regexes.iter().any(|a| a.is_match(value))
            || pat.entropy.is_some_and(|min| entropy(value) < min)
            || is_placeholder(value)
        {
            return true;
        }
        if pat.stopwords.is_empty() && self.allow.stopwords.is_empty() {
            return false;
        }
        let lower = value.to_ascii_lowercase();
        pat.stopwords
            .iter()
            .chain(&self.allow.stopwords)
            .any(|w| lower.contains(w.as_str()))
    }

    /// Byte ranges of tokens in `text` that look like credentials because a pattern's
    /// keyword precedes them (or starts them), whether or not a pattern accepted them: high
    /// entropy, letters and digits, not an identifier, path, URL or placeholder. The last line
    /// of defence for source excerpts.
    pub fn suspicious_spans(&self, text: &str) -> Vec<(usize, usize)> {
        let bytes = text.as_bytes();
        let stop = |b: u8| b.is_ascii_whitespace() || b"\"'`,;()[]{}<>".contains(&b);
        let mut out: Vec<(usize, usize)> = Vec::new();
        for m in self.keywords.find_overlapping_iter(bytes) {
            // The token the keyword is part of, or the one after `: `, `=`, `=> "`.
            let mut start = m.start();
            while start > 0 && !stop(bytes[start - 1]) && bytes[start - 1] != b'=' {
                start -= 1;
            }
            let mut end = m.end();
            let mut spans = Vec::new();
            // A keyword ending in a separator (`accountkey=`) is followed by the value; one
            // ending in a prefix (`ghp_`) is the start of it.
            if !matches!(bytes[end - 1], b'=' | b':') {
                while end < bytes.len()
                    && !stop(bytes[end])
                    && bytes[end] != b'='
                    && bytes[end] != b':'
                {
                    end += 1;
                }
                // A token that starts with a prefix keyword (`ghp_`, `xoxb-`) needs no digit.
                let prefix = start == m.start() && matches!(bytes[m.end() - 1], b'_' | b'-');
                spans.push((start, end, !prefix));
            }
            let mut v = end;
            let mut skipped = 0;
            while v < bytes.len()
                && skipped < 6
                && (bytes[v].is_ascii_whitespace() || b":=>\"'".contains(&bytes[v]))
            {
                v += 1;
                skipped += 1;
            }
            // After a keyword ending in a separator (`sig=`) the value starts right away.
            if v > end || spans.is_empty() {
                let mut e = v;
                while e < bytes.len() && !stop(bytes[e]) {
                    e += 1;
                }
                spans.push((v, e, true));
            }
            for (a, b, need_digit) in spans {
                let Some(tok) = text.get(a..b) else { continue };
                let tok = tok.trim_end_matches(['.', ':']);
                let b = a + tok.len();
                if tok.len() >= 8
                    && entropy(tok) >= 3.5
                    && !is_placeholder(tok)
                    && !assignment_rejects("", tok, need_digit)
                    && !encrypted::is_encrypted_value(tok)
                    && !out.contains(&(a, b))
                {
                    out.push((a, b));
                }
            }
        }
        out.sort_unstable();
        out
    }

    /// Every credential in `text`, in order, one per credential.
    pub fn scan(&self, text: &str) -> Vec<Hit> {
        self.scan_file("", text)
    }

    /// Every credential in the text of the file at `path` (for patterns limited to paths),
    /// including credentials inside base64 values (reported at the encoded value).
    pub fn scan_file(&self, path: &str, text: &str) -> Vec<Hit> {
        self.scan_depth(path, text, 0)
    }

    fn scan_depth(&self, path: &str, text: &str, depth: usize) -> Vec<Hit> {
        let bytes = text.as_bytes();
        let line_start_of = |at: usize| {
            bytes[..at]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1)
        };
        let line_end_of = |at: usize| {
            bytes[at..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(bytes.len(), |i| at + i)
        };
        let line_allows = |start: usize| {
            let line = text.get(start..line_end_of(start)).unwrap_or("");
            line.contains("octolint:allow") || line.contains("gitleaks:allow")
        };
        // (line start, pattern) pairs to run.
        let mut work: BTreeSet<(usize, usize)> = BTreeSet::new();
        // Find the first keyword (the automaton's fast prefilter skips most of the text),
        // then collect every keyword of that line and go on after it.
        let mut pos = 0;
        while pos < bytes.len() {
            let Some(m) = self
                .keywords
                .find(aho_corasick::Input::new(bytes).range(pos..))
            else {
                break;
            };
            let line_start = line_start_of(m.start());
            let line_end = line_end_of(m.end().min(bytes.len()));
            for k in self
                .keywords
                .find_overlapping_iter(&bytes[line_start..line_end])
            {
                for &p in &self.owners[k.pattern().as_usize()] {
                    work.insert((line_start, p));
                }
            }
            pos = line_end + 1;
        }
        let mut candidates: Vec<(usize, Span, String, bool)> = Vec::new();
        for (line_start, p) in work {
            let Some(line) = text.get(line_start..line_end_of(line_start)) else {
                continue;
            };
            let allowed = line.contains("octolint:allow") || line.contains("gitleaks:allow");
            let pat = &self.patterns[p];
            if !pat.applies_to(path) {
                continue;
            }
            let Some(c) = pat.compiled() else {
                continue;
            };
            for caps in c.regex.captures_iter(line) {
                let Some(secret) = caps.get(c.secret_group) else {
                    continue;
                };
                let value = secret.as_str();
                if self.rejects(pat, c, value) {
                    continue;
                }
                if pat.generic || pat.assignment {
                    let key = c
                        .key_group
                        .and_then(|g| caps.get(g))
                        .map_or("", |k| k.as_str());
                    if assignment_rejects(key, value, pat.generic) {
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
        for &p in &self.always {
            let pat = &self.patterns[p];
            if !pat.applies_to(path) {
                continue;
            }
            let Some(c) = pat.compiled() else {
                continue;
            };
            for caps in c.regex.captures_iter(text) {
                let Some(secret) = caps.get(c.secret_group) else {
                    continue;
                };
                if self.rejects(pat, c, secret.as_str()) {
                    continue;
                }
                let span = Span::new(secret.start(), secret.end());
                let allowed = line_allows(line_start_of(secret.start()));
                candidates.push((p, span, redact(secret.as_str()), allowed));
            }
        }
        // Encrypted material (SOPS, Sealed Secrets, age and PGP armour) is never a secret:
        // nothing inside ciphertext, and no generic assignment inside SOPS metadata.
        let encrypted = encrypted::ranges(text);
        let inside = |span: Span, generic_too: bool| {
            encrypted.iter().any(|r| {
                (r.ciphertext || generic_too) && r.start < span.end() && span.start() < r.end
            })
        };
        candidates.retain(|(p, span, _, _)| {
            let pat = &self.patterns[*p];
            !inside(*span, pat.generic || pat.assignment)
        });
        if depth < MAX_BASE64_DEPTH {
            for (start, end) in base64_runs(bytes) {
                if inside(Span::new(start, end), false) {
                    continue;
                }
                let Some(decoded) = decode_base64(&text[start..end]) else {
                    continue;
                };
                let allowed = line_allows(line_start_of(start));
                for hit in self.scan_depth(path, &decoded, depth + 1) {
                    candidates.push((
                        hit.pattern,
                        Span::new(start, end),
                        hit.redacted,
                        allowed || hit.allowed,
                    ));
                }
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

/// Base64 inside base64 is decoded this many levels deep.
const MAX_BASE64_DEPTH: usize = 2;
/// Shortest base64 run worth decoding (30 bytes of text).
const MIN_BASE64_RUN: usize = 40;
/// Longest base64 run decoded (larger blobs are rarely credentials and cost time).
const MAX_BASE64_RUN: usize = 256 * 1024;

/// Byte ranges of runs of the standard base64 alphabet (with padding) that are long enough
/// and delimited by other characters.
pub fn base64_runs(bytes: &[u8]) -> Vec<(usize, usize)> {
    // Every byte of every file passes here: one table load per byte.
    static ALPHABET: [bool; 256] = {
        let mut t = [false; 256];
        let mut b = 0;
        while b < 256 {
            let c = b as u8;
            t[b] = c.is_ascii_alphanumeric() || c == b'+' || c == b'/';
            b += 1;
        }
        t
    };
    let is_b64 = |b: u8| ALPHABET[b as usize];
    // A run long enough to report has at least `MIN_BASE64_RUN - 2` alphabet characters (the
    // rest may be padding), so it covers the byte at `i + span - 1` whatever its start in
    // `i..`: probe that byte, skip a whole window when it is not in the alphabet, else walk
    // back to the run's start. `i` is always 0 or just after a byte outside the alphabet.
    let span = MIN_BASE64_RUN - 2;
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&probe) = bytes.get(i + span - 1) {
        if !is_b64(probe) {
            i += span;
            continue;
        }
        let mut start = i + span - 1;
        while start > i && is_b64(bytes[start - 1]) {
            start -= 1;
        }
        i += span;
        while i < bytes.len() && is_b64(bytes[i]) {
            i += 1;
        }
        let mut end = i;
        while end < bytes.len() && end - i < 2 && bytes[end] == b'=' {
            end += 1;
        }
        // A run glued to `-`/`_` is part of an identifier, not a value of its own.
        let glued = |b: u8| b == b'_' || b == b'-';
        let before_ok = start == 0 || !glued(bytes[start - 1]);
        let after_ok = end >= bytes.len() || !glued(bytes[end]);
        let len = end - start;
        if (MIN_BASE64_RUN..=MAX_BASE64_RUN).contains(&len)
            && len.is_multiple_of(4)
            && before_ok
            && after_ok
        {
            out.push((start, end));
        }
        i = end.max(i);
    }
    out
}

#[cfg(test)]
mod base64_runs_tests {
    use super::*;

    /// The byte-by-byte scan `base64_runs` replaced, as the reference it must agree with.
    fn every_byte(bytes: &[u8]) -> Vec<(usize, usize)> {
        let is_b64 = |b: u8| b.is_ascii_alphanumeric() || b == b'+' || b == b'/';
        let glued = |b: u8| b == b'_' || b == b'-';
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if !is_b64(bytes[i]) {
                i += 1;
                continue;
            }
            let start = i;
            while i < bytes.len() && is_b64(bytes[i]) {
                i += 1;
            }
            let mut end = i;
            while end < bytes.len() && end - i < 2 && bytes[end] == b'=' {
                end += 1;
            }
            let len = end - start;
            if (MIN_BASE64_RUN..=MAX_BASE64_RUN).contains(&len)
                && len.is_multiple_of(4)
                && (start == 0 || !glued(bytes[start - 1]))
                && (end >= bytes.len() || !glued(bytes[end]))
            {
                out.push((start, end));
            }
            i = end.max(i);
        }
        out
    }

    #[test]
    fn skipping_scan_finds_what_a_byte_by_byte_scan_finds() {
        // Texts drawn from a small alphabet that makes runs of every length around the
        // limit, padding, separators and identifier glue likely.
        let alphabet = b"aZ09+/=_- \n:";
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut found = 0;
        for case in 0..3000 {
            let len = (next() % 200) as usize;
            // Long stretches of one class, so that runs reach 36 to 44 characters.
            let mut text = Vec::with_capacity(len);
            while text.len() < len {
                let c = alphabet[(next() % alphabet.len() as u64) as usize];
                let repeat = if c.is_ascii_alphanumeric() {
                    1 + next() % 24
                } else {
                    1
                };
                for _ in 0..repeat {
                    let c = if c.is_ascii_alphanumeric() {
                        b"aZ09"[(next() % 4) as usize]
                    } else {
                        c
                    };
                    text.push(c);
                }
            }
            let want = every_byte(&text);
            found += want.len();
            assert_eq!(
                base64_runs(&text),
                want,
                "case {case}: {:?}",
                String::from_utf8_lossy(&text)
            );
        }
        // The drawn texts do hold runs to report.
        assert!(found > 100, "{found} runs");
        // At the edges: exactly at the limits, at the start and end of the text.
        let run = |n: usize| "A".repeat(n);
        for text in [
            run(40),
            run(38) + "==",
            run(39) + "=",
            format!("x {} y", run(36) + "=="),
            format!("-{}", run(40)),
            format!("{}_", run(40)),
            run(44) + "===",
            run(37),
        ] {
            assert_eq!(
                base64_runs(text.as_bytes()),
                every_byte(text.as_bytes()),
                "{text}"
            );
        }
    }
}

/// The text a base64 run decodes to, when it is printable UTF-8.
fn decode_base64(run: &str) -> Option<String> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(run.as_bytes())
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let printable = text
        .chars()
        .all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'));
    printable.then_some(text)
}

/// The compiled embedded scanner (built once).
pub fn scanner() -> &'static Scanner {
    static SCANNER: OnceLock<Scanner> = OnceLock::new();
    SCANNER.get_or_init(|| {
        match embedded_specs().and_then(|specs| Scanner::build(specs, Allowlist::default(), &[])) {
            Ok(s) => s,
            // The table is compiled into the binary and checked by the test suite.
            Err(e) => panic!("invalid embedded secret patterns: {e}"),
        }
    })
}

/// Metadata of every embedded secret pattern, in table order.
pub fn metas() -> Vec<&'static RuleMeta> {
    scanner().patterns.iter().map(|p| p.meta).collect()
}

/// Patterns and allowlists read from a gitleaks configuration file (`.gitleaks.toml`).
#[derive(Default)]
pub struct GitleaksConfig {
    pub patterns: Vec<UserPattern>,
    pub allow_regexes: Vec<String>,
    pub stopwords: Vec<String>,
    /// Regexes on file paths that are never scanned.
    pub allow_paths: Vec<String>,
    /// Rules that could not be used, with the reason.
    pub skipped: Vec<String>,
}

#[derive(Deserialize)]
struct GlFile {
    #[serde(default)]
    rules: Vec<GlRule>,
    allowlist: Option<GlAllow>,
    #[serde(default)]
    allowlists: Vec<GlAllow>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GlRule {
    id: String,
    description: Option<String>,
    regex: Option<String>,
    secret_group: Option<usize>,
    entropy: Option<f64>,
    #[serde(default)]
    keywords: Vec<String>,
    path: Option<String>,
    allowlist: Option<GlAllow>,
    #[serde(default)]
    allowlists: Vec<GlAllow>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct GlAllow {
    #[serde(default)]
    regexes: Vec<String>,
    #[serde(default)]
    stopwords: Vec<String>,
    #[serde(default)]
    paths: Vec<String>,
}

/// Read a gitleaks configuration: its rules become custom patterns (ids prefixed with
/// `gitleaks.`), its allowlists apply to every pattern.
pub fn from_gitleaks(text: &str) -> Result<GitleaksConfig, String> {
    let file: GlFile = toml::from_str(text).map_err(|e| e.message().trim().to_string())?;
    let mut out = GitleaksConfig::default();
    for a in file.allowlist.into_iter().chain(file.allowlists) {
        out.allow_regexes.extend(a.regexes);
        out.stopwords.extend(a.stopwords);
        out.allow_paths.extend(a.paths);
    }
    for r in file.rules {
        let Some(regex) = r.regex else {
            out.skipped.push(format!(
                "{}: a rule without `regex` (file-name rules are not supported)",
                r.id
            ));
            continue;
        };
        let mut allow = Vec::new();
        let mut stopwords = Vec::new();
        let mut rule_paths = Vec::new();
        for a in r.allowlist.into_iter().chain(r.allowlists) {
            allow.extend(a.regexes);
            stopwords.extend(a.stopwords);
            rule_paths.extend(a.paths);
        }
        if !rule_paths.is_empty() {
            out.skipped.push(format!(
                "{}: per-rule path allowlists are not supported (use the global allowlist)",
                r.id
            ));
        }
        let id = format!("gitleaks.{}", r.id);
        out.patterns.push(UserPattern {
            name: Some(id.clone()),
            id,
            title: r.description,
            severity: None,
            keywords: r.keywords,
            regex,
            secret_group: r.secret_group,
            entropy: r.entropy,
            allow,
            stopwords,
            revoke: None,
            path: r.path,
        });
    }
    Ok(out)
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
        // They compile on first use: every one must compile.
        for p in &s.patterns {
            if let Err(e) = p.source.compile() {
                panic!("{e}");
            }
        }
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
    fn encrypted_material_is_never_a_secret_for_any_pattern() {
        // Faithful copies of each idiom (SOPS YAML/JSON/dotenv/tfvars, Sealed Secrets, age and
        // PGP armour, External Secrets references): every pattern stays quiet.
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let mut checked = 0;
        for dir in ["SEC066/pass/encrypted", "SEC069/pass/sops"] {
            let mut files: Vec<_> = std::fs::read_dir(root.join(dir))
                .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
                .unwrap_or_default();
            files.sort();
            for f in files {
                let text = std::fs::read_to_string(&f).unwrap_or_default();
                let name = f.to_string_lossy().to_string();
                let hits = scanner().scan_file(&name, &text);
                let ids: Vec<_> = hits
                    .iter()
                    .map(|h| scanner().patterns[h.pattern].meta.id)
                    .collect();
                assert!(hits.is_empty(), "{name}: {ids:?}");
                let masked: Vec<&str> = scanner()
                    .suspicious_spans(&text)
                    .into_iter()
                    .map(|(a, b)| &text[a..b])
                    .collect();
                assert!(masked.is_empty(), "{name}: {masked:?}");
                checked += 1;
            }
        }
        assert_eq!(checked, 10);
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

    #[test]
    fn gitleaks_rules_become_patterns() {
        let toml = r#"
[[rules]]
id = "a"
regex = '''tok_([a-z0-9]{20})'''
keywords = ["tok_"]
[[rules.allowlists]]
stopwords = ["test"]
[[rules]]
id = "p12"
path = '''\.p12$'''
[allowlist]
regexes = ['''^x''']
"#;
        let cfg = from_gitleaks(toml).expect("valid");
        assert_eq!(cfg.patterns.len(), 1);
        assert_eq!(cfg.patterns[0].id, "gitleaks.a");
        assert_eq!(cfg.patterns[0].stopwords, vec!["test".to_string()]);
        assert_eq!(cfg.skipped.len(), 1);
        assert_eq!(cfg.allow_regexes, vec!["^x".to_string()]);
        let scanner = Scanner::with_config(&cfg.patterns, Allowlist::default()).expect("compiles");
        let hits = scanner.scan("a: tok_a8f3k2m9x7q1w5e4r6t0\nb: tok_testa8f3k2m9x7q1w5e4\n");
        assert_eq!(hits.len(), 1);
        assert_eq!(scanner.patterns[hits[0].pattern].meta.id, "gitleaks.a");
    }

    fn user(id: &str, regex: &str) -> UserPattern {
        UserPattern {
            id: id.into(),
            name: None,
            title: None,
            severity: None,
            keywords: Vec::new(),
            regex: regex.into(),
            secret_group: None,
            entropy: None,
            allow: Vec::new(),
            stopwords: Vec::new(),
            revoke: None,
            path: None,
        }
    }

    fn source(regex: &str, secret_group: Option<usize>) -> PatternSource {
        PatternSource {
            id: "X".into(),
            regex: regex.into(),
            secret_group,
            allow: Vec::new(),
            path: None,
        }
    }

    #[test]
    fn secret_groups_by_table() {
        // (regex, secret_group) -> the group holding the secret
        for (regex, group, want) in [
            ("tok_([a-z0-9]{8})", Some(1), 1),
            ("(tok)_([a-z0-9]{8})", Some(1), 1),
            ("(tok)_([a-z0-9]{8})", Some(2), 2),
            ("(tok)_([a-z0-9]{8})", Some(0), 0),
            // Without one: the group named `secret`, else 1, else the whole match.
            ("tok_[a-z0-9]{8}", None, 0),
            ("tok_([a-z0-9]{8})", None, 1),
            ("(tok)_(?P<secret>[a-z0-9]{8})", None, 2),
        ] {
            let c = source(regex, group).compile();
            assert_eq!(c.map(|c| c.secret_group), Ok(want), "{regex} {group:?}");
        }
        for (regex, group, groups) in [
            ("tok_([a-z0-9]{8})", 2, 1),
            ("tok_[a-z0-9]{8}", 1, 0),
            ("(a)(b)", 3, 2),
        ] {
            let err = source(regex, Some(group)).compile().err();
            assert_eq!(
                err.as_deref(),
                Some(
                    format!(
                        "X: secret group {group} does not exist (the regex has {groups} group(s))"
                    )
                    .as_str()
                ),
                "{regex}"
            );
        }
        // A user pattern without groups reports the whole match.
        let s = Scanner::with_config(&[user("ACME-1", "acme[0-9a-f]{12}")], Allowlist::default())
            .expect("compiles");
        let text = "x: acme0123456789ab\n";
        let hits = s.scan(text);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(s.patterns[hits[0].pattern].meta.id, "ACME-1");
        assert_eq!(
            &text[hits[0].span.start()..hits[0].span.end()],
            "acme0123456789ab"
        );
    }

    #[test]
    fn a_scanner_prints_its_size_never_its_patterns() {
        let s = scanner();
        assert_eq!(
            format!("{s:?}"),
            format!("Scanner({} patterns)", s.patterns.len())
        );
    }

    #[test]
    fn placeholders_by_table() {
        // Each row trips exactly one of the tests of `is_placeholder`.
        for (value, placeholder) in [
            ("password", true),
            ("${DB_PASSWORD}", true),
            ("var.db_password", true),
            ("aws_db.main.result", true),
            ("my_change_me_7", true),
            ("please-change-me-9", true),
            ("ab****cd", true),
            ("AKIAIOSFODNN7EXAMPLE", true),
            ("my-dummy-key-1", true),
            ("key-xxxx-1", true),
            ("zzzzzzzz", true),
            ("11111111", true),
            // Near misses.
            ("aws_db.main.resul", false),
            ("change_mf", false),
            ("ab***cd", false),
            ("zzzzzzzy", false),
            ("key-xxx-1", false),
            ("ghp_aTOdoX9q2Lm", false),
            ("Xk29fLq83mZp1Tw", false),
        ] {
            assert_eq!(is_placeholder(value), placeholder, "{value}");
        }
    }

    #[test]
    fn pem_bodies_are_looked_for_in_the_next_400_bytes() {
        let body = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQ"; // octolint:allow
        for (tail, found) in [
            (format!("\n{body}\n"), true),
            // Indentation, comment and quote characters before the body are skipped.
            (format!("\n    {body}\n"), true),
            (format!("\n# {body}\n"), true),
            (format!("\n  \"{body}\n"), true),
            (format!("\\n{body}\\n"), true),
            // Lines with a colon and empty lines are not the body; the first other line is.
            (format!("\nProc-Type: 4,ENCRYPTED\n\n{body}\n"), true),
            (format!("\n...\n{body}\n"), false),
            (format!("\n{}\n", &body[..31]), false),
            (format!("\n{}\n", &body[..32]), true),
            // The window is 400 bytes from the header's end.
            (format!("\n{}{body}\n", "a: b\n".repeat(70)), true),
            (format!("\n{}{body}\n", "a: b\n".repeat(80)), false),
        ] {
            let text = format!("-----BEGIN PRIVATE KEY-----{tail}");
            assert_eq!(
                has_key_body(&text, "-----BEGIN PRIVATE KEY-----".len()),
                found,
                "{tail}"
            );
        }
    }

    #[test]
    fn assignment_values_by_table() {
        // (key, value, need_digit) -> rejected
        for (key, value, need_digit, rejected) in [
            ("password", "Xk29fLq83mZp1Tw", true, false),
            ("password_length", "Xk29fLq83mZp1Tw", true, true),
            ("secret_name:", "Xk29fLq83mZp1Tw", true, true),
            ("password", "XkfLqmZpTw", true, true),
            ("password", "XkfLqmZpTw", false, false),
            ("password", "2938471029", true, true),
            ("password", "prod-db-credentials-v2", true, true),
            // An upper-case UUID is no identifier: only the UUID test rejects it.
            ("token", "123E4567-E89B-12D3-A456-426614174000", true, true),
            ("token", "123E4567-E89B-12D3-A456-42661417400", true, false),
            (
                "token",
                "123E4567-E89B-12D3-A456-4266141740001",
                true,
                false,
            ),
            ("token", "123E4567-E89B-12D3-A456x426614174000", true, false),
            ("token", "123E4567-E89B-12D3-A4G6-426614174000", true, false),
            ("token", "Xk29fLq83mZp1TwXk29fLq83mZp1TwAb12Cd", true, false),
            ("token", "/Var/Run/Token1", true, true),
            ("token", "./Secrets/Token1", true, true),
            ("token", "arn:aws:kms:Key1", true, true),
            ("token", "https://Host1/x", true, true),
            (
                "token",
                "SHA256:9F86D081884C7D659A2FEAA0C55AD015",
                true,
                true,
            ),
            ("token", "MD5:9F86D081884C7D659A2FEAA0C55AD015", true, true),
            (
                "token",
                "XSHA256:9F86D081884C7D659A2FEAA0C55AD015",
                true,
                false,
            ),
        ] {
            assert_eq!(
                assignment_rejects(key, value, need_digit),
                rejected,
                "{key} = {value}"
            );
        }
    }

    #[test]
    fn user_pattern_ids_by_table() {
        for (id, valid) in [
            ("ACME-1", true),
            ("acme_deploy.token-v2", true),
            ("a_b", true),
            ("a.b", true),
            ("", false),
            ("a b", false),
            ("a/b", false),
            ("-", true),
        ] {
            let got = Spec::user(&user(id, "x")).map(|s| s.id);
            if valid {
                assert_eq!(got, Ok(id.to_string()));
            } else {
                assert_eq!(
                    got,
                    Err(format!(
                        "invalid pattern id `{id}`: use letters, digits, `-`, `_` and `.`"
                    ))
                );
            }
        }
    }

    #[test]
    fn user_pattern_ids_must_not_clash() {
        let clash = |ids: &[&str]| {
            let patterns: Vec<UserPattern> =
                ids.iter().map(|id| user(id, "acme[0-9]{8}")).collect();
            Scanner::with_config(&patterns, Allowlist::default()).err()
        };
        let embedded = scanner().patterns[0].meta.id;
        assert_eq!(clash(&["ACME-1", "ACME-2", "ACME-3"]), None);
        assert_eq!(
            clash(&["ACME-1", "ACME-1"]),
            Some("pattern id `ACME-1` is already used by another rule".to_string())
        );
        let lower = embedded.to_ascii_lowercase();
        assert_eq!(
            clash(&[&lower]),
            Some(format!(
                "pattern id `{lower}` is already used by another rule"
            ))
        );
        // Ids differing in case only are distinct custom patterns.
        assert_eq!(clash(&["acme-1", "ACME-1"]), None);
    }

    #[test]
    fn custom_patterns_have_their_own_metadata_and_embedded_ones_share_it() {
        let s = Scanner::with_config(&[user("ACME-1", "acme[0-9]{8}")], Allowlist::default())
            .expect("compiles");
        let ids: Vec<&str> = s.custom_metas().iter().map(|m| m.id).collect();
        assert_eq!(ids, ["ACME-1"]);
        assert!(scanner().custom_metas().is_empty());
        let base = scanner();
        assert_eq!(s.patterns.len(), base.patterns.len() + 1);
        for (p, b) in s.patterns.iter().zip(&base.patterns) {
            assert!(std::ptr::eq(p.meta, b.meta), "{}", p.meta.id);
        }
        let custom = &s.patterns[base.patterns.len()];
        assert_eq!(custom.meta.id, "ACME-1");
        assert_eq!(custom.meta.category, CUSTOM_CATEGORY);
        // A custom pattern never takes embedded metadata, whatever its index.
        let spec = Spec::user(&user("ACME-1", "acme[0-9]{8}")).expect("valid");
        let built = Scanner::build(vec![spec], Allowlist::default(), &metas()).expect("builds");
        assert_eq!(built.patterns[0].meta.id, "ACME-1");
        assert!(built.patterns[0].custom);
    }

    #[test]
    fn what_a_pattern_rejects_by_table() {
        let mut acme = user("ACME-1", "acme_([A-Za-z0-9]{8})");
        acme.entropy = Some(3.0);
        acme.allow = vec!["^Alow".into()];
        let allow = Allowlist {
            regexes: vec![Regex::new("^Glob").expect("regex")],
            stopwords: Vec::new(),
        };
        let s = Scanner::with_config(&[acme], allow).expect("compiles");
        let pat = s.patterns.last().expect("the custom pattern");
        let c = pat.compiled().expect("compiled");
        for (value, rejected) in [
            ("", true),
            ("AlowQ29x", true),
            ("GlobQ2xz", true),
            // Eight distinct characters: exactly 3 bits, the minimum.
            ("abcd1234", false),
            ("abcd1233", true),
            ("aaaa1234", true),
            ("abcd-example", true),
            ("Xk29fLq8", false),
        ] {
            assert_eq!(s.rejects(pat, c, value), rejected, "{value}");
        }
        // Each rejected value trips one test only: the allowlisted ones have the entropy.
        for v in ["abcd1234", "AlowQ29x", "GlobQ2xz", "Xk29fLq8"] {
            assert_eq!(entropy(v), 3.0, "{v}");
        }
    }

    #[test]
    fn suspicious_spans_by_table() {
        let s = scanner();
        for (text, want) in [
            // A keyword inside a token: the whole token, back to a separator.
            (
                "Zq8f3L0pA9secretK2mN4bV7cX1z",
                vec!["Zq8f3L0pA9secretK2mN4bV7cX1z"],
            ),
            (
                "a=Zq8f3L0pA9secretK2mN4bV7cX1z",
                vec!["Zq8f3L0pA9secretK2mN4bV7cX1z"],
            ),
            (
                "x: Zq8f3L0pA9secretK2mN4bV7cX1z, y",
                vec!["Zq8f3L0pA9secretK2mN4bV7cX1z"],
            ),
            // ... and forward to `=` or `:`, then the value after it.
            (
                "Zq8f3L0pA9secretK2mN4bV7cX1z=Hk83jdLq02mZ",
                vec!["Zq8f3L0pA9secretK2mN4bV7cX1z", "Hk83jdLq02mZ"],
            ),
            (
                "Zq8f3L0pA9secretK2mN4bV7cX1z: Hk83jdLq02mZ",
                vec!["Zq8f3L0pA9secretK2mN4bV7cX1z", "Hk83jdLq02mZ"],
            ),
            // The value of a plain key.
            ("db_token: Xk29fLq83mZp1Tw", vec!["Xk29fLq83mZp1Tw"]),
            ("db_token => \"Xk29fLq83mZp1Tw\"", vec!["Xk29fLq83mZp1Tw"]),
            // A keyword ending in `=` is followed by its value, with or without a space.
            (
                "sig=Zq8f3L0pA9K2mN4bV7cX1zQ5wE6rT8yU0iO3pLk",
                vec!["Zq8f3L0pA9K2mN4bV7cX1zQ5wE6rT8yU0iO3pLk"],
            ),
            (
                "x: ?sv=2022-11-02&sig=Zq8f3L0pA9K2mN4bV7cX1zQ5wE6r",
                vec!["Zq8f3L0pA9K2mN4bV7cX1zQ5wE6r"],
            ),
            (
                "sig= Zq8f3L0pA9K2mN4bV7cX1z",
                vec!["Zq8f3L0pA9K2mN4bV7cX1z"],
            ),
            ("sig=", vec![]),
            // At most six separators between a key and its value.
            ("token:     Xk29fLq83mZp1Tw", vec!["Xk29fLq83mZp1Tw"]),
            ("token:      Xk29fLq83mZp1Tw", vec![]),
            (
                "AccountKey=Zq8f3L0pA9K2mN4bV7cX1zQ5wE6rT8yU0iO3pLk==;",
                vec!["Zq8f3L0pA9K2mN4bV7cX1zQ5wE6rT8yU0iO3pLk=="],
            ),
            // A token that starts with a prefix keyword needs no digit; one that holds it
            // inside does.
            (
                "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ",
                vec!["ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ"],
            ),
            ("Aghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ", vec![]),
            (
                "Aghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ9",
                vec!["Aghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ9"],
            ),
            // Short, low-entropy, placeholder and identifier-shaped tokens are left alone.
            ("token: Xk29fLq", vec![]),
            ("token: ${TOKEN}", vec![]),
            ("token: prod-db-credentials-v2", vec![]),
        ] {
            let got: Vec<&str> = s
                .suspicious_spans(text)
                .into_iter()
                .map(|(a, b)| &text[a..b])
                .collect();
            assert_eq!(got, want, "{text}");
        }
    }

    #[test]
    fn allow_comments_mark_hits_of_patterns_without_keywords() {
        let s = Scanner::with_config(&[user("ACME-1", "acme[0-9a-f]{12}")], Allowlist::default())
            .expect("compiles");
        let text = "a: acme0123456789ab # gitleaks:allow\n\
                    b: acme0123456789ac # octolint:allow\n\
                    c: acme0123456789ad # allow\n";
        let allowed: Vec<bool> = s.scan(text).iter().map(|h| h.allowed).collect();
        assert_eq!(allowed, [true, true, false]);
    }

    #[test]
    fn patterns_limited_to_paths_scan_only_those_files() {
        let mut plain = user("ACME-1", "acme[0-9a-f]{12}");
        plain.path = Some("\\.env$".into());
        let mut keyed = user("ACME-2", "zeta[0-9a-f]{12}");
        keyed.keywords = vec!["zeta".into()];
        keyed.path = Some("\\.env$".into());
        let s = Scanner::with_config(&[plain, keyed], Allowlist::default()).expect("compiles");
        let text = "a=acme0123456789ab\nb=zeta0123456789ab\n";
        let ids = |path: &str| -> Vec<&str> {
            s.scan_file(path, text)
                .iter()
                .map(|h| s.patterns[h.pattern].meta.id)
                .collect()
        };
        assert_eq!(ids("app/prod.env"), ["ACME-1", "ACME-2"]);
        assert!(ids("app/prod.txt").is_empty());
    }

    #[test]
    fn encrypted_ranges_drop_the_hits_they_overlap_and_only_those() {
        let s = Scanner::with_config(&[user("ACME-1", "acme[0-9a-f]{12}")], Allowlist::default())
            .expect("compiles");
        let secret = "acme0123456789ab";
        let armour = "-----BEGIN PGP MESSAGE-----\nhQEMA5\n-----END PGP MESSAGE-----";
        for (text, found) in [
            (
                format!("-----BEGIN PGP MESSAGE-----\n{secret}\n-----END PGP MESSAGE-----\n"),
                false,
            ),
            // Touching the armour from either side is not inside it.
            (format!("{secret}{armour}\n"), true),
            (format!("{armour}{secret}\n"), true),
            (format!("{secret}\n{armour}\n"), true),
        ] {
            let hits: Vec<&str> = s
                .scan(&text)
                .iter()
                .map(|h| &text[h.span.start()..h.span.end()])
                .collect();
            let want: Vec<&str> = if found { vec![secret] } else { vec![] };
            assert_eq!(hits, want, "{text}");
        }
        // SOPS metadata is no ciphertext: only generic assignments inside it are dropped.
        let value = "db_password: Xk29fLq83mZp1Tw\n"; // octolint:allow fake value
        let names = |text: &str| -> Vec<&str> {
            scanner()
                .scan(text)
                .iter()
                .map(|h| scanner().patterns[h.pattern].meta.name)
                .collect()
        };
        assert_eq!(names(value), ["generic-secret"]);
        let sops = format!(
            "data: ENC[AES256_GCM,data:YWJj,iv:ZGVm,tag:Z2hp,type:str]\nsops:\n    {value}    version: 3.8.1\n"
        );
        assert!(names(&sops).is_empty(), "{sops}");
        let token = "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"; // octolint:allow fake value
        let sops = format!("sops:\n    note: {token}\n    version: 3.8.1\n");
        assert_eq!(names(&sops), ["github-pat"], "{sops}");
    }

    #[test]
    fn touching_hits_of_two_patterns_are_both_kept() {
        let s = Scanner::with_config(
            &[
                user("ACME-1", "acme[0-9a-f]{12}"),
                user("ACME-2", "zeta[0-9a-f]{12}"),
            ],
            Allowlist::default(),
        )
        .expect("compiles");
        for text in [
            "acme0123456789abzeta0123456789ab",
            "zeta0123456789abacme0123456789ab",
        ] {
            let spans: Vec<(usize, usize)> = s
                .scan(text)
                .iter()
                .map(|h| (h.span.start(), h.span.end()))
                .collect();
            assert_eq!(spans, [(0, 16), (16, 32)], "{text}");
        }
        // Overlapping ones: the earlier pattern wins.
        let s = Scanner::with_config(
            &[
                user("ACME-1", "acme[0-9a-f]{12}"),
                user("ACME-2", "[0-9a-f]{12}zeta"),
            ],
            Allowlist::default(),
        )
        .expect("compiles");
        let ids: Vec<&str> = s
            .scan("acme0123456789abzeta")
            .iter()
            .map(|h| s.patterns[h.pattern].meta.id)
            .collect();
        assert_eq!(ids, ["ACME-1"]);
    }

    #[test]
    fn base64_is_decoded_two_levels_deep() {
        use base64::Engine as _;
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        let token = "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"; // octolint:allow fake value
        let once = b64(token);
        let twice = b64(&once);
        let thrice = b64(&twice);
        for (value, found) in [(&once, true), (&twice, true), (&thrice, false)] {
            let text = format!("data: {value}\n");
            let spans: Vec<(usize, usize)> = scanner()
                .scan(&text)
                .iter()
                .map(|h| (h.span.start(), h.span.end()))
                .collect();
            let want = if found {
                vec![(6, 6 + value.len())]
            } else {
                vec![]
            };
            assert_eq!(spans, want, "{value}");
        }
        // An allow comment on the line of the base64 run, or inside what it decodes to.
        for (text, allowed) in [
            (format!("data: {once} # octolint:allow\n"), true),
            (
                format!("data: {}\n", b64(&format!("{token} # octolint:allow"))),
                true,
            ),
            (format!("data: {once}\n"), false),
        ] {
            let got: Vec<bool> = scanner().scan(&text).iter().map(|h| h.allowed).collect();
            assert_eq!(got, [allowed], "{text}");
        }
    }

    #[test]
    fn base64_runs_by_length() {
        let run = |n: usize| "QUJD".repeat(n / 4);
        for (len, found) in [
            (36, false),
            (40, true),
            (2000, true),
            (256 * 1024, true),
            (256 * 1024 + 4, false),
        ] {
            let text = format!(" {} ", run(len));
            let want = if found { vec![(1, 1 + len)] } else { vec![] };
            assert_eq!(base64_runs(text.as_bytes()), want, "{len}");
        }
        // The whole alphabet: letters, digits, `+` and `/`.
        let text = format!(" {}+/+/ ", run(36));
        assert_eq!(base64_runs(text.as_bytes()), [(1, 41)]);
        let text = format!(" +/+/{} ", run(36));
        assert_eq!(base64_runs(text.as_bytes()), [(1, 41)]);
        // Not a multiple of four, or glued to an identifier.
        assert!(base64_runs(format!(" {}A ", run(40)).as_bytes()).is_empty());
        for glued in [
            format!(" x_{} ", run(40)),
            format!(" x-{} ", run(40)),
            format!(" {}_x ", run(40)),
            format!(" {}-x ", run(40)),
        ] {
            assert!(base64_runs(glued.as_bytes()).is_empty(), "{glued}");
        }
        assert_eq!(base64_runs(format!("{}\n", run(40)).as_bytes()), [(0, 40)]);
        assert_eq!(base64_runs(run(40).as_bytes()), [(0, 40)]);
        // At most two `=` of padding.
        let text = format!(" {}A== ", run(36));
        assert!(base64_runs(text.as_bytes()).is_empty(), "{text}");
        let text = format!(" {}A=== ", run(36));
        assert!(base64_runs(text.as_bytes()).is_empty(), "{text}");
        let text = format!(" {}AB=== ", run(36));
        assert_eq!(base64_runs(text.as_bytes()), [(1, 41)], "{text}");
        assert_eq!(
            base64_runs(format!(" {}QQ== ", run(36)).as_bytes()),
            [(1, 41)]
        );
    }

    #[test]
    fn a_one_character_keyword_at_the_end_of_a_line() {
        // The keyword search goes on after the line it found a keyword on: a keyword that
        // ends the line must not be found again (the search would not end).
        let mut p = user("ACME-1", "z[0-9]{6}");
        p.keywords = vec!["z".into()];
        let s = Scanner::with_config(&[p], Allowlist::default()).expect("compiles");
        let text = "a z\nb z123456\nz";
        let spans: Vec<(usize, usize)> = s
            .scan(text)
            .iter()
            .map(|h| (h.span.start(), h.span.end()))
            .collect();
        assert_eq!(spans, [(6, 13)]);
    }
}
