//! Encrypted material is the safe way to commit a secret, never a finding: SOPS values
//! (`ENC[AES256_GCM,data:…,type:…]`) and its `sops` metadata, `age` and PGP armour, and Sealed
//! Secrets ciphertext (`encryptedData`). [`ranges`] finds them in a text without parsing it
//! (the scanner sees every file, Helm templates included), so that the scanner can drop the
//! candidates inside. A value under `encryptedData` that decodes to readable text is base64,
//! not ciphertext, and stays a secret.

use std::sync::OnceLock;

use base64::Engine as _;
use regex::Regex;

/// A byte range of encrypted material. `ciphertext`: no credential can be inside, for any
/// pattern; otherwise (the `sops` metadata block, a SealedSecret's `template`) only the
/// generic assignment patterns are silenced there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Range {
    pub start: usize,
    pub end: usize,
    pub ciphertext: bool,
}

/// Longest armour block or structured block looked at (bounded work on hostile input).
const MAX_BLOCK: usize = 4 * 1024 * 1024;

fn sops_value() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        // SOPS' format: ENC[<cipher>,data:<b64>,iv:<b64>,tag:<b64>,type:<type>].
        Regex::new(
            r"ENC\[[A-Z0-9_]+,data:[A-Za-z0-9+/=]*,iv:[A-Za-z0-9+/=]+,tag:[A-Za-z0-9+/=]+,type:[a-z]+\]",
        )
        .unwrap_or_else(|e| panic!("constant regex: {e}"))
    })
}

/// Is `v` (a whole value) a SOPS-encrypted value?
pub fn is_sops_value(v: &str) -> bool {
    let v = v.trim().trim_matches(['"', '\'']);
    v.starts_with("ENC[")
        && sops_value()
            .find(v)
            .is_some_and(|m| m.start() == 0 && m.end() == v.len())
}

fn decode_b64(v: &str) -> Option<Vec<u8>> {
    let compact: String = v.split_whitespace().collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(compact.as_bytes()))
        .ok()
}

/// Sealed Secrets ciphertext: base64 of a big-endian 2-byte length, an RSA-OAEP-encrypted
/// session key of that length (128 to 512 bytes) and the AES-GCM sealed value after it.
pub fn is_sealed_ciphertext(v: &str) -> bool {
    let v = v.trim().trim_matches(['"', '\'']);
    if v.len() < 180 || !v.starts_with("Ag") && !v.starts_with("AQ") && !v.starts_with("AY") {
        return false;
    }
    let Some(bytes) = decode_b64(v) else {
        return false;
    };
    let n = bytes
        .get(..2)
        .map_or(0, |b| usize::from(b[0]) << 8 | usize::from(b[1]));
    matches!(n, 128 | 256 | 384 | 512) && bytes.len() > 2 + n + 16
}

/// Is this whole value known to be encrypted (SOPS, Sealed Secrets, age or PGP armour)?
pub fn is_encrypted_value(v: &str) -> bool {
    let t = v.trim().trim_matches(['"', '\'']);
    is_sops_value(t)
        || is_sealed_ciphertext(t)
        || t.starts_with("-----BEGIN AGE ENCRYPTED FILE-----")
        || t.starts_with("-----BEGIN PGP MESSAGE-----")
}

/// Base64 that does not decode to readable text: ciphertext (or binary), never a readable
/// password that someone merely encoded.
fn opaque_base64(v: &str) -> bool {
    let v = v.trim().trim_matches(['"', '\'']);
    if v.len() < 16
        || !v
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b))
    {
        return false;
    }
    match decode_b64(v) {
        Some(bytes) => match String::from_utf8(bytes) {
            Ok(text) => text
                .chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')),
            Err(_) => true,
        },
        // Truncated or re-wrapped ciphertext in documentation still is not a password.
        None => true,
    }
}

fn line_end(bytes: &[u8], at: usize) -> usize {
    bytes[at..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |i| at + i)
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches([' ', '\t']).len()
}

/// The YAML block under the key line starting at `key_line` (the following lines indented
/// deeper than the key, blank and comment lines included): (start, end) byte offsets.
fn yaml_block(text: &str, key_line: usize) -> (usize, usize) {
    let bytes = text.as_bytes();
    let first_end = line_end(bytes, key_line);
    let key_indent = indent_of(&text[key_line..first_end]);
    let mut end = first_end;
    let mut pos = first_end + 1;
    while pos < bytes.len() && pos - key_line < MAX_BLOCK {
        let e = line_end(bytes, pos);
        let line = &text[pos..e];
        let trimmed = line.trim();
        if !trimmed.is_empty() && !trimmed.starts_with('#') {
            if indent_of(line) <= key_indent {
                break;
            }
            end = e;
        }
        pos = e + 1;
    }
    (first_end.min(end), end)
}

/// The JSON object that starts at the `{` at `open`: (open, end after `}`), strings skipped.
fn json_object(text: &str, open: usize) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let (mut depth, mut in_str, mut esc) = (0usize, false, false);
    for (i, &b) in bytes.iter().enumerate().skip(open).take(MAX_BLOCK) {
        if in_str {
            match (esc, b) {
                (true, _) => esc = false,
                (false, b'\\') => esc = true,
                (false, b'"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_str = true,
            b'{' => depth += 1,
            b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some((open, i + 1));
                }
            }
            _ => {}
        }
    }
    None
}

/// Where the structured block named by `key` starts and ends: a YAML block under a line
/// `key:` or a JSON object after `"key": {`.
fn blocks_of(text: &str, key: &str, top_level: bool) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let yaml_key = format!("{key}:");
    let json_key = format!("\"{key}\"");
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(i) = text[from..].find(key).map(|i| from + i) {
        from = i + key.len();
        let ls = text[..i].rfind('\n').map_or(0, |p| p + 1);
        let le = line_end(bytes, i);
        let line = &text[ls..le];
        let trimmed = line.trim_start();
        let rest = trimmed.strip_prefix(&yaml_key).map(str::trim);
        if rest.is_some_and(|r| r.is_empty() || r.starts_with('#')) {
            if !top_level || indent_of(line) == 0 {
                let block = yaml_block(text, ls);
                // Blocks never overlap: a nested key inside is part of this one (linear work).
                from = from.max(block.1);
                out.push(block);
            }
        } else if text[..i].ends_with('"') && text[i - 1..].starts_with(&json_key) {
            let after = &text[i + key.len() + 1..];
            let rest = after.trim_start();
            if let Some(r) = rest.strip_prefix(':') {
                let r2 = r.trim_start();
                if r2.starts_with('{') {
                    let open = text.len() - r2.len();
                    match json_object(text, open) {
                        Some(obj) => {
                            from = from.max(obj.1);
                            out.push(obj);
                        }
                        // Unclosed: the rest was scanned already (bounded, linear work).
                        None => from = from.max((open + MAX_BLOCK).min(text.len())),
                    }
                }
            }
        }
    }
    out
}

/// Values inside `(a, b)` that are opaque base64 (YAML `key: value` and JSON `"key": "value"`).
fn opaque_values_in(text: &str, (a, b): (usize, usize), out: &mut Vec<Range>) {
    let is_b64 = |c: u8| c.is_ascii_alphanumeric() || b"+/=".contains(&c);
    let bytes = text.as_bytes();
    let mut i = a;
    while i < b {
        if !is_b64(bytes[i]) || (i > a && is_b64(bytes[i - 1])) {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < b && is_b64(bytes[j]) {
            j += 1;
        }
        let tok = &text[i..j];
        // A value, not a key: what precedes it on the line is `: ` or `": "`.
        let before = text[a..i].trim_end_matches([' ', '"', '\'']);
        if tok.len() >= 32 && before.ends_with(':') && opaque_base64(tok) {
            out.push(Range {
                start: i,
                end: j,
                ciphertext: true,
            });
        }
        i = j;
    }
}

/// Every range of encrypted material in `text`, sorted.
pub fn ranges(text: &str) -> Vec<Range> {
    let mut out = Vec::new();
    if text.contains("ENC[") {
        for m in sops_value().find_iter(text) {
            out.push(Range {
                start: m.start(),
                end: m.end(),
                ciphertext: true,
            });
        }
    }
    // One scan for any armored block before looking for each kind of it.
    let armored = text.contains("-----BEGIN ");
    for kind in ["AGE ENCRYPTED FILE", "PGP MESSAGE"]
        .into_iter()
        .filter(|_| armored)
    {
        let begin = format!("-----BEGIN {kind}-----");
        let end = format!("-----END {kind}-----");
        let mut from = 0;
        while let Some(s) = text[from..].find(&begin).map(|i| from + i) {
            let body = s + begin.len();
            let stop = (body + MAX_BLOCK).min(text.len());
            let e = text
                .get(body..stop)
                .and_then(|t| t.find(&end))
                .map_or(stop, |i| body + i + end.len());
            out.push(Range {
                start: s,
                end: e,
                ciphertext: true,
            });
            from = e.max(s + 1);
        }
    }
    if text.contains("sops") {
        // SOPS metadata: a top-level `sops:` block (YAML), a `"sops": {…}` object (JSON), and
        // `sops_*=` lines (dotenv, with `sops_version=` in the file).
        for (a, b) in blocks_of(text, "sops", true) {
            let s = text[..a].rfind('\n').map_or(0, |p| p + 1);
            out.push(Range {
                start: s,
                end: b,
                ciphertext: false,
            });
        }
        if text.contains("\nsops_version=") || text.starts_with("sops_version=") {
            let mut pos = 0;
            for line in text.split_inclusive('\n') {
                if line.starts_with("sops_") {
                    out.push(Range {
                        start: pos,
                        end: pos + line.trim_end().len(),
                        ciphertext: false,
                    });
                }
                pos += line.len();
            }
        }
    }
    if text.contains("encryptedData") {
        for block in blocks_of(text, "encryptedData", false) {
            opaque_values_in(text, block, &mut out);
        }
    }
    if text.contains("SealedSecret") && text.contains("template") {
        for (a, b) in blocks_of(text, "template", false) {
            out.push(Range {
                start: a,
                end: b,
                ciphertext: false,
            });
        }
    }
    out.sort_unstable();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sops_values_and_blocks() {
        let v = "ENC[AES256_GCM,data:QRjUowGFUyMt7129,iv:IiCzAEWurRUivtrbHVPI9SaNb5KaShd8it2h1Wt5vYs=,tag:iQsL4sQg+UElTSqOle+iwA==,type:str]";
        assert!(is_sops_value(v));
        assert!(is_sops_value(&format!("\"{v}\"")));
        assert!(!is_sops_value("ENC[not sops]"));
        let yaml = format!(
            "stringData:\n  password: {v}\nsops:\n  mac: {v}\n  version: 3.8.1\nother: x\n"
        );
        let r = ranges(&yaml);
        assert_eq!(r.iter().filter(|r| r.ciphertext).count(), 2, "{r:?}");
        let block = r.iter().find(|r| !r.ciphertext).copied();
        let block = block.map(|b| &yaml[b.start..b.end]);
        assert!(block.is_some_and(|b| b.starts_with("sops:") && b.ends_with("3.8.1")));
    }

    #[test]
    fn encrypted_data_values_that_decode_to_text_are_not_ciphertext() {
        use base64::Engine as _;
        let plain =
            base64::engine::general_purpose::STANDARD.encode("correct-horse-battery-staple-42");
        let binary = base64::engine::general_purpose::STANDARD.encode([
            0x02u8, 0, 0xff, 0x10, 7, 0x80, 0x81, 3, 9, 200, 201, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
            11, 12, 13,
        ]);
        let yaml = format!(
            "spec:\n  encryptedData:\n    a: {plain}\n    b: {binary}\n  template:\n    type: Opaque\n"
        );
        let r: Vec<&str> = ranges(&yaml)
            .iter()
            .map(|r| &yaml[r.start..r.end])
            .collect();
        assert_eq!(r, vec![binary.as_str()]);
    }

    #[test]
    fn hostile_nesting_is_linear() {
        // 20,000 nested `encryptedData:` keys and unclosed JSON objects: each is scanned once.
        let mut t = String::from("kind: SealedSecret\n");
        for i in 0..20_000 {
            t.push_str(&" ".repeat(i % 200));
            t.push_str("encryptedData:\n");
        }
        t.push_str(&"\"sops\": {\"a\": [".repeat(20_000));
        let start = std::time::Instant::now();
        let _ = ranges(&t);
        assert!(start.elapsed().as_secs() < 5, "{:?}", start.elapsed());
    }

    #[test]
    fn armour_is_bounded_by_its_end_line() {
        let t = "a: 1\nk: |\n  -----BEGIN PGP MESSAGE-----\n\n  hQEMA\n  -----END PGP MESSAGE-----\nb: 2\n";
        let r = ranges(t);
        assert_eq!(r.len(), 1);
        assert!(t[r[0].start..r[0].end].ends_with("END PGP MESSAGE-----"));
        // No end line: to the end of the text, never past it.
        let open = "-----BEGIN AGE ENCRYPTED FILE-----\nYWdl";
        assert_eq!(ranges(open)[0].end, open.len());
    }
}
