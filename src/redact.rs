//! Redaction as a property of the output. Every value that the secret scanner or a Kubernetes
//! `Secret` marks as secret in a run is collected into a [`SecretSet`] (with its derived forms:
//! base64 decoded and encoded, JSON-escaped, each line of a multi-line value), and
//! [`redact_all`] replaces it wherever it appears in a finding: message, help, related
//! locations, logical name, suppression reason and policy metadata (so JSON, SARIF, GitHub and
//! text output are all covered). Source excerpts are filtered by [`excerpt_spans`], which adds
//! the last line of defence: a high-entropy token that a secret pattern's keyword precedes is
//! masked whether or not it was reported. Depends on `diagnostics`, `parse::node`, `source`
//! and the secret scanner's helpers.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use base64::Engine as _;
use rayon::prelude::*;

use crate::diagnostics::Finding;
use crate::parse::node::Node;
use crate::secrets::{self, is_placeholder, redact};

/// Shorter values are not redacted everywhere (they would mask ordinary words and numbers);
/// the spans of findings still mask them in excerpts.
pub const MIN_SECRET_LEN: usize = 6;
/// Lines of a multi-line secret (a PEM body) are redacted on their own from this length.
const MIN_LINE_LEN: usize = 16;

/// Values are looked for by their first bytes only, then compared whole: an automaton over
/// whole values (PEM bodies, service-account keys) costs tens of milliseconds to build on a
/// large repository, one over short keys a few.
const KEY_LEN: usize = 32;

/// The secret values of a run and their derived forms.
#[derive(Default)]
pub struct SecretSet {
    values: BTreeSet<String>,
    matcher: OnceLock<Option<Matcher>>,
}

/// Finds every value of a set in a text by its key (first [`KEY_LEN`] bytes).
struct Matcher {
    keys: AhoCorasick,
    /// The values of each key, longest first.
    by_key: Vec<Vec<Box<[u8]>>>,
}

impl Matcher {
    fn new(values: &BTreeSet<String>) -> Option<Self> {
        let mut groups: std::collections::BTreeMap<&[u8], Vec<Box<[u8]>>> = Default::default();
        for v in values {
            let b = v.as_bytes();
            groups
                .entry(&b[..b.len().min(KEY_LEN)])
                .or_default()
                .push(b.into());
        }
        let mut keys = Vec::with_capacity(groups.len());
        let mut by_key = Vec::with_capacity(groups.len());
        for (k, mut vs) in groups {
            vs.sort_by_key(|v| std::cmp::Reverse(v.len()));
            keys.push(k);
            by_key.push(vs);
        }
        let keys = AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .build(keys)
            .ok()?;
        Some(Matcher { keys, by_key })
    }

    /// Leftmost-longest, non-overlapping occurrences of the values in `s`.
    fn find(&self, s: &str) -> Vec<(usize, usize)> {
        let bytes = s.as_bytes();
        let mut hits: Vec<(usize, usize)> = Vec::new();
        for m in self.keys.find_overlapping_iter(bytes) {
            let rest = &bytes[m.start()..];
            if let Some(v) = self.by_key[m.pattern().as_usize()]
                .iter()
                .find(|v| rest.starts_with(v))
            {
                hits.push((m.start(), m.start() + v.len()));
            }
        }
        if hits.len() > 1 {
            hits.sort_by_key(|&(a, b)| (a, std::cmp::Reverse(b)));
            let mut end = 0;
            hits.retain(|&(a, b)| {
                let keep = a >= end;
                if keep {
                    end = b;
                }
                keep
            });
        }
        hits
    }
}

impl std::fmt::Debug for SecretSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the values themselves.
        write!(f, "SecretSet({} values)", self.values.len())
    }
}

/// Is `v` worth redacting wherever it appears?
fn worth(v: &str) -> bool {
    let t = v.trim();
    t.chars().count() >= MIN_SECRET_LEN
        && !is_placeholder(t)
        && !matches!(t, "true" | "false" | "null")
        && t.parse::<f64>().is_err()
}

/// Does a Secret key name a value that is not secret (`username`, `host`, `projectId`)?
fn names_no_secret(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    const ENDINGS: &[&str] = &[
        "user", "username", "name", "host", "hostname", "port", "database", "region", "address",
    ];
    ENDINGS.iter().any(|w| k.ends_with(w))
        || k == "id"
        || k.ends_with("_id")
        || k.ends_with("-id")
        || key.ends_with("Id")
}

/// The printable UTF-8 text base64 `s` decodes to (standard or URL-safe alphabet).
fn decode(s: &str) -> Option<String> {
    let compact: String = s.split_whitespace().collect();
    if compact.len() < 8 {
        return None;
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .or_else(|_| base64::engine::general_purpose::URL_SAFE.decode(compact.as_bytes()))
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(compact.as_bytes()))
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    text.chars()
        .all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'))
        .then_some(text)
}

impl SecretSet {
    /// Every secret a run knows: the scanner's hits (`findings` marked `redact`, read from
    /// `sources`) and every `Secret` object of `files` (plain or rendered).
    pub fn of_run(
        findings: &[Finding],
        sources: &std::collections::HashMap<
            std::sync::Arc<str>,
            std::sync::Arc<crate::source::SourceFile>,
        >,
        files: &[crate::parse::file::ParsedFile],
    ) -> Self {
        let mut set = SecretSet::new();
        set.add_findings(findings, |p| sources.get(p).map(|s| s.text.as_str()));
        // The Secret objects of each file in parallel (most files hold none), then together.
        let of_files: Vec<BTreeSet<String>> = files
            .par_iter()
            .filter(|f| f.holds.is_none_or(|h| h.secrets))
            .filter_map(|f| match &f.content {
                crate::parse::file::Content::Docs(docs) => {
                    let mut part = SecretSet::new();
                    for d in docs {
                        part.add_document(&d.root);
                    }
                    (!part.is_empty()).then_some(part.values)
                }
                _ => None,
            })
            .collect();
        for values in of_files {
            // Every value passed `add_form` already.
            set.values.extend(values);
        }
        set.matcher = OnceLock::new();
        set
    }

    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    fn add_form(&mut self, v: &str) {
        if worth(v) && !self.values.contains(v) {
            self.values.insert(v.to_string());
            self.matcher = OnceLock::new();
        }
    }

    /// Add a secret value with its derived forms: trimmed, JSON-escaped, base64-encoded, and
    /// each long line of a multi-line value.
    pub fn insert(&mut self, value: &str) {
        if !worth(value) {
            return;
        }
        self.add_form(value);
        self.add_form(value.trim());
        let json = serde_json::to_string(value).unwrap_or_default();
        if json.len() >= 2 {
            self.add_form(&json[1..json.len() - 1]);
        }
        self.add_form(&base64::engine::general_purpose::STANDARD.encode(value.as_bytes()));
        if value.contains('\n') {
            for line in value.lines() {
                let line = line.trim();
                if line.len() >= MIN_LINE_LEN {
                    self.add_form(line);
                }
            }
        }
    }

    /// Add a value written base64-encoded (a `Secret`'s `data`): the encoded text and what it
    /// decodes to are both secret.
    pub fn insert_encoded(&mut self, encoded: &str) {
        let compact: String = encoded.split_whitespace().collect();
        self.add_form(encoded.trim());
        self.add_form(&compact);
        if let Some(decoded) = decode(&compact) {
            self.insert(&decoded);
        }
    }

    /// Add the values of a Kubernetes `Secret` (`data` decoded, `stringData`), or of every
    /// `Secret` in a `List`. Other documents add nothing.
    pub fn add_document(&mut self, root: &Node) {
        for obj in crate::model::k8s::objects_in(root) {
            let kind = obj.get("kind").and_then(Node::as_str);
            let api = obj.get("apiVersion").and_then(Node::as_str);
            if kind != Some("Secret") || api != Some("v1") {
                continue;
            }
            // A SOPS-encrypted value is ciphertext, not a secret to mask; a user name, host or
            // id beside the password is not secret either (masking `wordpress` would mangle
            // every name that contains it).
            let secret = |k: &Node, v: &str| {
                !secrets::is_encrypted_value(v) && !k.key_text().is_some_and(names_no_secret)
            };
            for (k, v) in obj.get("data").and_then(Node::as_map).unwrap_or(&[]) {
                if let Some(s) = v.as_str().filter(|s| secret(k, s)) {
                    self.insert_encoded(s);
                }
            }
            for (k, v) in obj.get("stringData").and_then(Node::as_map).unwrap_or(&[]) {
                if let Some(s) = v.as_str().filter(|s| secret(k, s)) {
                    self.insert(s);
                }
            }
        }
    }

    /// Add the text under the primary span of every finding marked `redact` (the scanner's
    /// hits), and what it decodes to when it is base64. `text_of` gives a file's text by path.
    pub fn add_findings<'a>(
        &mut self,
        findings: &[Finding],
        text_of: impl Fn(&str) -> Option<&'a str>,
    ) {
        for f in findings.iter().filter(|f| f.redact) {
            let Some(span) = f.location.span else {
                continue;
            };
            let Some(text) = text_of(&f.location.path) else {
                continue;
            };
            let Some(value) = text.get(span.start()..span.end()) else {
                continue;
            };
            self.insert(value);
            if let Some(decoded) = decode(value) {
                self.insert(&decoded);
            }
        }
    }

    fn matcher(&self) -> Option<&Matcher> {
        self.matcher
            .get_or_init(|| {
                if self.values.is_empty() {
                    return None;
                }
                Matcher::new(&self.values)
            })
            .as_ref()
    }

    /// Byte ranges of every secret value in `s`, in order, not overlapping; where two values
    /// start at the same byte, the longer one.
    pub fn find_spans(&self, s: &str) -> Vec<(usize, usize)> {
        match self.matcher() {
            Some(m) => m.find(s),
            None => Vec::new(),
        }
    }

    /// `s` with every secret value replaced by its redacted form.
    pub fn redact_text<'s>(&self, s: &'s str) -> Cow<'s, str> {
        let spans = self.find_spans(s);
        if spans.is_empty() {
            return Cow::Borrowed(s);
        }
        let mut out = String::with_capacity(s.len());
        let mut pos = 0;
        for (a, b) in spans {
            out.push_str(&s[pos..a]);
            out.push_str(&redact(&s[a..b]));
            pos = b;
        }
        out.push_str(&s[pos..]);
        Cow::Owned(out)
    }

    fn redact_string(&self, s: &mut String) {
        if let Cow::Owned(r) = self.redact_text(s) {
            *s = r;
        }
    }

    fn redact_json(&self, v: &mut serde_json::Value) {
        match v {
            serde_json::Value::String(s) => self.redact_string(s),
            serde_json::Value::Array(a) => a.iter_mut().for_each(|x| self.redact_json(x)),
            serde_json::Value::Object(o) => {
                let keys: Vec<String> = o.keys().cloned().collect();
                for k in keys {
                    let Some(mut val) = o.remove(&k) else {
                        continue;
                    };
                    self.redact_json(&mut val);
                    let key = self.redact_text(&k).into_owned();
                    o.insert(key, val);
                }
            }
            _ => {}
        }
    }
}

/// Redact every secret of `secrets` wherever it appears in the findings' text: message, help,
/// related locations' messages, logical name, suppression reason and policy metadata.
pub fn redact_all(findings: &mut [Finding], secrets: &SecretSet) {
    if secrets.is_empty() {
        return;
    }
    // Build the matcher once, then share it between the workers.
    let _ = secrets.matcher();
    findings.par_iter_mut().for_each(|f| {
        secrets.redact_string(&mut f.message);
        if let Some(h) = &mut f.help {
            secrets.redact_string(h);
        }
        if let Some(m) = &mut f.location.message {
            secrets.redact_string(m);
        }
        for r in &mut f.related {
            if let Some(m) = &mut r.message {
                secrets.redact_string(m);
            }
        }
        if let Some(l) = &mut f.logical {
            secrets.redact_string(l);
        }
        if let Some(s) = &mut f.suppressed
            && let Some(r) = &mut s.reason
        {
            secrets.redact_string(r);
        }
        if let Some(m) = &mut f.metadata {
            secrets.redact_json(m);
        }
    });
}

/// Byte ranges of `excerpt` that a source excerpt must not show: every known secret value,
/// and every high-entropy token a secret pattern's keyword precedes (reported or not).
pub fn excerpt_spans(excerpt: &str, secrets: Option<&SecretSet>) -> Vec<(usize, usize)> {
    let mut out = secrets::scanner().suspicious_spans(excerpt);
    if let Some(s) = secrets {
        out.extend(s.find_spans(excerpt));
    }
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::{Location, Severity};
    use std::sync::Arc;

    fn finding(message: &str) -> Finding {
        Finding {
            rule_id: Arc::from("OCT004"),
            rule_name: Arc::from("policy-error"),
            severity: Severity::Error,
            message: message.to_string(),
            help: None,
            location: Location::new(Arc::from("a.yaml"), None),
            related: Vec::new(),
            logical: None,
            fingerprint: String::new(),
            suppressed: None,
            redact: false,
            metadata: None,
            environments: Vec::new(),
        }
    }

    // Random values in the shape of secrets, not real credentials.
    const PASSWORD: &str = "Zk7Lq2Vx9Pw4"; // octolint:allow
    const PEM_LINE: &str = "MIIEowIBAAKCAQEAzKGVf2pQ8sLw3mXr5tYb"; // octolint:allow

    #[test]
    fn secret_objects_give_decoded_and_encoded_forms() {
        let enc = base64::engine::general_purpose::STANDARD.encode(PASSWORD);
        let yaml = format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  password: {enc}\n  user: YWRtaW4=\nstringData:\n  token: tok-8fK2mQ9xLp\n"
        );
        let parsed = crate::parse::yaml::parse(&yaml);
        let mut set = SecretSet::new();
        for d in &parsed.docs {
            set.add_document(&d.root);
        }
        let mut fs = vec![finding(&format!(
            "input was {{\"data\": {{\"password\": \"{enc}\"}}, \"decoded\": \"{PASSWORD}\", \"t\": \"tok-8fK2mQ9xLp\", \"user\": \"admin\"}}"
        ))];
        fs[0].metadata = Some(Box::new(serde_json::json!({
            "input": { "password": PASSWORD, "nested": [enc.clone()] }
        })));
        redact_all(&mut fs, &set);
        let out = format!(
            "{} {}",
            fs[0].message,
            fs[0]
                .metadata
                .as_deref()
                .map(|m| m.to_string())
                .unwrap_or_default()
        );
        assert!(!out.contains(PASSWORD), "{out}");
        assert!(!out.contains(&enc), "{out}");
        assert!(!out.contains("tok-8fK2mQ9xLp"), "{out}");
        // `admin` is too short and a common word: left alone.
        assert!(out.contains("\"admin\""), "{out}");
        assert!(out.contains("Zk7L****") || out.contains("Zk7****"), "{out}");
    }

    #[test]
    fn multi_line_values_are_redacted_line_by_line_and_json_escaped() {
        let pem =
            format!("-----BEGIN RSA PRIVATE KEY-----\n{PEM_LINE}\n-----END RSA PRIVATE KEY-----\n");
        let mut set = SecretSet::new();
        set.insert(&pem);
        let json_form = serde_json::to_string(&pem).unwrap_or_default();
        let mut fs = vec![finding(&format!("value {json_form}")), finding(PEM_LINE)];
        fs[1].help = Some(format!("see {PEM_LINE}"));
        redact_all(&mut fs, &set);
        for f in &fs {
            assert!(!f.message.contains(PEM_LINE), "{}", f.message);
            assert!(!f.help.as_deref().unwrap_or("").contains(PEM_LINE));
        }
    }

    #[test]
    fn scanner_hits_and_their_base64_decoded_form() {
        let text = format!(
            "token: {}\n",
            base64::engine::general_purpose::STANDARD.encode(PASSWORD)
        );
        let start = 7;
        let end = text.len() - 1;
        let mut f = finding("x");
        f.redact = true;
        f.location = Location::new(
            Arc::from("a.yaml"),
            Some(crate::source::Span::new(start, end)),
        );
        let mut set = SecretSet::new();
        set.add_findings(&[f], |p| (p == "a.yaml").then_some(text.as_str()));
        assert_eq!(set.redact_text(&format!("is {PASSWORD}!")), "is Zk7L****!");
    }

    #[test]
    fn sops_encrypted_values_are_not_secrets_to_mask() {
        let enc = "ENC[AES256_GCM,data:QRjUowGFUyMt7129,iv:IiCzAEWurRUivtrbHVPI9SaNb5KaShd8it2h1Wt5vYs=,tag:iQsL4sQg+UElTSqOle+iwA==,type:str]";
        let yaml = format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: {enc}\n  token: {PASSWORD}\nsops:\n  mac: {enc}\n"
        );
        let parsed = crate::parse::yaml::parse(&yaml);
        let mut set = SecretSet::new();
        for d in &parsed.docs {
            set.add_document(&d.root);
        }
        // The value SOPS left in plain text is a secret; the encrypted one is not.
        assert_eq!(set.redact_text(enc), enc);
        assert_eq!(set.redact_text(PASSWORD), "Zk7L****");
    }

    #[test]
    fn user_names_and_hosts_beside_a_password_are_not_masked() {
        let yaml = format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: wordpress-db\nstringData:\n  username: wordpress\n  db_host: mysql.wp.svc\n  projectId: acme-prod-42\n  password: {PASSWORD}\n"
        );
        let parsed = crate::parse::yaml::parse(&yaml);
        let mut set = SecretSet::new();
        for d in &parsed.docs {
            set.add_document(&d.root);
        }
        assert_eq!(
            set.redact_text("Secret/wp/wordpress-db at mysql.wp.svc in acme-prod-42"),
            "Secret/wp/wordpress-db at mysql.wp.svc in acme-prod-42"
        );
        assert_eq!(set.redact_text(PASSWORD), "Zk7L****");
    }

    #[test]
    fn short_and_placeholder_values_are_not_collected() {
        let mut set = SecretSet::new();
        for v in [
            "admin", "true", "12345678", "changeme", "password", "${VAR}",
        ] {
            set.insert(v);
        }
        assert!(set.is_empty(), "{set:?}");
        assert_eq!(set.redact_text("nothing here"), "nothing here");
    }

    #[test]
    fn excerpt_filter_masks_keyword_tokens_even_when_unreported() {
        let line = "  api_token: Q3xv8Rk2Lw9ZpTOdo4Mn  # some note"; // octolint:allow
        let spans = excerpt_spans(line, None);
        assert_eq!(spans.len(), 1, "{spans:?}");
        let (a, b) = spans[0];
        assert_eq!(&line[a..b], "Q3xv8Rk2Lw9ZpTOdo4Mn");
        // Identifiers, references and prose stay visible.
        for quiet in [
            "  secretName: prod-db-credentials-v2",
            "  password: {{ .Values.password }}",
            "  token_path: /var/run/secrets/token",
            "  replicas: 3",
        ] {
            assert!(excerpt_spans(quiet, None).is_empty(), "{quiet}");
        }
        let mut set = SecretSet::new();
        set.insert(PASSWORD);
        let l2 = format!("  note: {PASSWORD}");
        assert_eq!(
            excerpt_spans(&l2, Some(&set)),
            vec![(8, 8 + PASSWORD.len())]
        );
    }

    #[test]
    fn secret_keys_that_name_no_secret_by_table() {
        let rows: &[(&str, bool)] = &[
            ("username", true),
            ("DB_USER", true),
            ("hostname", true),
            ("redis-port", true),
            ("id", true),
            ("ID", true),
            ("client_id", true),
            ("client-id", true),
            ("projectId", true),
            ("password", false),
            ("idToken", false),
            ("identity", false),
            ("api_key", false),
            ("token", false),
        ];
        for &(key, expected) in rows {
            assert_eq!(names_no_secret(key), expected, "{key}");
        }
    }

    #[test]
    fn a_secret_set_prints_its_size_never_its_values() {
        let mut set = SecretSet::new();
        set.insert(PASSWORD);
        // The value and its base64 form.
        assert_eq!(set.len(), 2);
        let shown = format!("{set:?}");
        assert_eq!(shown, "SecretSet(2 values)");
        assert!(!shown.contains(PASSWORD));
    }

    #[test]
    fn base64_shorter_than_eight_characters_is_not_decoded() {
        // "admin!" in 8 characters decodes; 4 characters are too short to say anything.
        assert_eq!(decode("YWRtaW4h").as_deref(), Some("admin!"));
        assert_eq!(decode("YWRt"), None);
        assert_eq!(decode("YWRtaW4hIQ=="), Some("admin!!".to_string()));
    }

    #[test]
    fn forms_not_worth_masking_are_never_added() {
        // `dHJ1ZQ==` is "true": the encoded text is kept, the decoded word is not.
        let mut set = SecretSet::new();
        set.insert_encoded("dHJ1ZQ==");
        assert_eq!(set.len(), 1);
        assert!(set.find_spans("it is true").is_empty());
        assert_eq!(set.find_spans("x dHJ1ZQ== y"), vec![(2, 10)]);
        // A long line of a multi-line value is masked on its own, unless it is a number.
        let mut set = SecretSet::new();
        set.insert("Zk7Lq2Vx9Pw4abcdEf\n1234567890123456"); // octolint:allow fake value
        assert_eq!(set.find_spans("k: Zk7Lq2Vx9Pw4abcdEf"), vec![(3, 21)]);
        assert!(set.find_spans("n: 1234567890123456").is_empty());
    }

    #[test]
    fn a_value_is_also_masked_in_its_json_escaped_form() {
        let value = "p4ss\"w0rd-Zk7Lq2"; // octolint:allow fake value
        let mut set = SecretSet::new();
        set.insert(value);
        let text = r#"{"password": "p4ss\"w0rd-Zk7Lq2"}"#; // octolint:allow
        let at = text.find("p4ss").expect("in text");
        assert_eq!(
            set.find_spans(text),
            vec![(at, at + r#"p4ss\"w0rd-Zk7Lq2"#.len())]
        );
    }

    #[test]
    fn only_core_v1_secrets_add_their_values() {
        let docs = [
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  password: Zk7Lq2Vx9Pw4\n",
            "apiVersion: example.com/v1\nkind: Secret\nmetadata:\n  name: b\nstringData:\n  password: Zk7Lq2Vx9Pw4\n",
        ];
        let mut set = SecretSet::new();
        for yaml in docs {
            for d in &crate::parse::yaml::parse(yaml).docs {
                set.add_document(&d.root);
            }
        }
        assert!(set.is_empty(), "{set:?}");
    }

    #[test]
    fn values_sharing_their_first_bytes_are_each_found_whole() {
        let key = &"Zk7Lq2Vx9Pw4Rt6Yu8Io0Pa3Sd5Fg1Hj2Mn"[..KEY_LEN];
        let long_a = format!("{key}AAAA-tail-one");
        let long_b = format!("{key}AAAA-tail-one-and-more");
        let short = &key[..KEY_LEN - 4];
        let mut set = SecretSet::new();
        for v in [long_a.as_str(), &long_b, short] {
            set.insert(v);
        }
        // The longest value that is really there wins, not the longest that shares the key.
        let text = format!("x={long_a}; y={long_b}; z={key}!");
        let a = 2;
        let b = a + long_a.len() + 4;
        let c = b + long_b.len() + 4;
        assert_eq!(
            set.find_spans(&text),
            vec![
                (a, a + long_a.len()),
                (b, b + long_b.len()),
                (c, c + short.len())
            ]
        );
        // The key alone is no hit when no value follows it whole.
        let key_only = format!("{key}AAAA-tail-on");
        assert_eq!(
            set.find_spans(&format!("<{key_only}")),
            vec![(1, 1 + short.len())]
        );
    }

    #[test]
    fn overlapping_values_give_the_leftmost_then_the_longest() {
        let mut set = SecretSet::new();
        for v in ["abcdefgh", "cdefghijkl", "abcdefghij"] {
            set.insert(v);
        }
        assert_eq!(set.find_spans("__abcdefghijkl"), vec![(2, 12)]);
        assert_eq!(
            set.find_spans("cdefghijkl abcdefgh"),
            vec![(0, 10), (11, 19)]
        );
        assert_eq!(set.redact_text("no secret here"), "no secret here");
    }

    #[test]
    fn a_run_collects_scanner_hits_and_secret_objects() {
        let yaml = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: Zk7Lq2Vx9Pw4\n";
        let parsed = crate::parse::file::ParsedFile {
            entry: crate::discover::Entry {
                rel: "s.yaml".into(),
                abs: "s.yaml".into(),
                kind: crate::discover::FileKind::Yaml,
            },
            path: Arc::from("s.yaml"),
            source: None,
            content: crate::parse::file::Content::Docs(crate::parse::yaml::parse(yaml).docs),
            status: crate::parse::file::Status::Parsed,
            directives: Vec::new(),
            findings: Vec::new(),
            holds: None,
        };
        let text = "token: ghp_1234567890abcdefghijABCDEFGHIJ1234\n";
        let mut hit = finding("hit");
        hit.redact = true;
        hit.location = Location::new(Arc::from("t.env"), Some(crate::source::Span::new(7, 45)));
        let mut sources = std::collections::HashMap::new();
        sources.insert(
            Arc::from("t.env"),
            Arc::new(crate::source::SourceFile::new(
                "t.env",
                "t.env".into(),
                text.to_string(),
            )),
        );
        let set = SecretSet::of_run(&[hit, finding("not a secret")], &sources, &[parsed]);
        let shown = set.redact_text("Zk7Lq2Vx9Pw4 and ghp_1234567890abcdefghijABCDEFGHIJ1234");
        assert!(!shown.contains("Zk7Lq2Vx9Pw4"), "{shown}");
        assert!(!shown.contains("abcdefghijABCDEFGHIJ1234"), "{shown}");
        assert!(shown.contains("****"), "{shown}");
    }
}
