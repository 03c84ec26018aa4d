//! HCL (Terraform `.tf` / `.tfvars`) parsing with `hcl-edit`, which keeps byte spans on
//! every block, attribute and expression.
//!
//! Terraform's own parser accepts two things `hcl-edit` rejects: repeated keys in an object
//! constructor (the last one wins) and a line that continues an expression with a leading
//! `?` or `:` inside brackets. For those we re-parse a patched copy of the same length, so
//! every byte offset still points into the original text, and say what we did. Depends on
//! nothing else in the crate.

pub use super::hcl_tree::Body;

/// A parse failure at a byte offset.
#[derive(Debug, Clone, PartialEq)]
pub struct HclError {
    pub offset: usize,
    pub message: String,
}

/// A repeated object key that Terraform accepts (last value wins).
#[derive(Debug, Clone, PartialEq)]
pub struct DuplicateKey {
    pub offset: usize,
    pub len: usize,
    pub key: String,
}

#[derive(Debug)]
pub struct Parsed {
    pub body: Body,
    pub duplicates: Vec<DuplicateKey>,
}

const MAX_RETRIES: usize = 64;

/// Parse a Terraform/HCL file.
pub fn parse(text: &str) -> Result<Parsed, HclError> {
    let mut patched: Option<Vec<u8>> = None;
    let mut duplicates = Vec::new();
    let mut first_error = None;
    for round in 0..=MAX_RETRIES {
        let current = match &patched {
            Some(b) => std::str::from_utf8(b).unwrap_or(text),
            None => text,
        };
        let err = match hcl_edit::parser::parse_body(current) {
            Ok(body) => {
                // The tree lives for the whole run: keep the compact one, drop hcl-edit's.
                let body = super::hcl_tree::body(&body);
                return Ok(Parsed { body, duplicates });
            }
            Err(e) => HclError {
                offset: e.location().offset(),
                message: e.message().to_string(),
            },
        };
        let error = first_error.get_or_insert_with(|| err.clone()).clone();
        if round == MAX_RETRIES {
            return Err(error);
        }
        let mut bytes = patched.take().unwrap_or_else(|| text.as_bytes().to_vec());
        let fixed = if err.message.contains("redefined object key") {
            rename_key(&mut bytes, err.offset, duplicates.len()).map(|d| duplicates.push(d))
        } else {
            join_continuation(&mut bytes, err.offset)
        };
        if fixed.is_none() {
            return Err(error);
        }
        patched = Some(bytes);
    }
    Err(first_error.unwrap_or(HclError {
        offset: 0,
        message: "cannot parse".into(),
    }))
}

/// Replace the key at `offset` by a unique placeholder of the same byte length.
fn rename_key(bytes: &mut [u8], offset: usize, n: usize) -> Option<DuplicateKey> {
    let start = offset;
    let first = *bytes.get(start)?;
    let (content_start, end) = if first == b'"' {
        let close = bytes[start + 1..].iter().position(|&b| b == b'"')? + start + 1;
        (start + 1, close)
    } else {
        let len = bytes[start..]
            .iter()
            .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-'))
            .unwrap_or(bytes.len() - start);
        (start, start + len)
    };
    if end <= content_start || end - content_start < 2 {
        return None;
    }
    let key = String::from_utf8_lossy(&bytes[content_start..end]).into_owned();
    let len = end - content_start;
    let mut tag = format!("_{n:x}");
    while tag.len() < len {
        tag.push('_');
    }
    if tag.len() > len {
        return None;
    }
    bytes[content_start..end].copy_from_slice(tag.as_bytes());
    let span_end = if first == b'"' { end + 1 } else { end };
    Some(DuplicateKey {
        offset: start,
        len: span_end - start,
        key,
    })
}

/// If the error sits at (or in the white space just before) a line that starts with `?` or
/// `:`, turn the line breaks before that token into spaces.
fn join_continuation(bytes: &mut [u8], offset: usize) -> Option<()> {
    let is_ws = |b: u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let mut tok = offset.min(bytes.len());
    while tok < bytes.len() && is_ws(bytes[tok]) {
        tok += 1;
    }
    if !matches!(bytes.get(tok), Some(b'?' | b':')) {
        return None;
    }
    let mut begin = tok;
    while begin > 0 && is_ws(bytes[begin - 1]) {
        begin -= 1;
    }
    let gap = &mut bytes[begin..tok];
    if !gap.contains(&b'\n') {
        return None;
    }
    for b in gap.iter_mut() {
        *b = b' ';
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_have_spans() {
        let text = "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"x\"\n}\n";
        let parsed = parse(text).expect("parses");
        let block = parsed.body.blocks().next().expect("block");
        assert_eq!(block.ident.as_str(), "resource");
        let span = block.span().expect("span");
        assert_eq!(span.start, 0);
    }

    #[test]
    fn errors_have_offsets() {
        let text = "resource \"a\" \"b\" {\n  x = \n}\n";
        let err = parse(text).expect_err("must fail");
        assert!(err.offset > 0);
        assert!(!err.message.is_empty());
    }

    #[test]
    fn duplicate_object_keys_are_accepted_and_reported() {
        let text = "x = {\n  ab = 1\n  cd = 2\n  ab = 3\n  \"q r\" = 1\n  \"q r\" = 2\n}\n";
        let parsed = parse(text).expect("terraform accepts this");
        assert_eq!(parsed.duplicates.len(), 2);
        assert_eq!(parsed.duplicates[0].key, "ab");
        assert_eq!(
            &text[parsed.duplicates[0].offset..parsed.duplicates[0].offset + 2],
            "ab"
        );
        assert_eq!(parsed.duplicates[1].key, "q r");
    }

    #[test]
    fn leading_question_mark_continues_a_line() {
        let text = "locals {\n  u = {\n    for k, v in var.m : k =>\n    local.a\n    ? { n = 1 }\n    : { n = 2 }\n  }\n}\n";
        let parsed = parse(text).expect("terraform accepts this");
        assert!(parsed.duplicates.is_empty());
        let blocks: Vec<_> = parsed.body.iter().collect();
        assert_eq!(blocks.len(), 1, "one locals block");
        let locals = blocks[0].as_block().expect("a block");
        assert_eq!(locals.ident.as_str(), "locals");
        assert_eq!(locals.body.iter().count(), 1, "one local value, `u`");
    }

    fn keys(n: usize, key: &str) -> String {
        let mut text = String::from("x = {\n");
        for i in 0..n {
            text.push_str(&format!("  {key} = {i}\n"));
        }
        text.push_str("}\n");
        text
    }

    #[test]
    fn duplicate_keys_are_renamed_in_place_by_table() {
        // (text, [(offset, len, key)])
        for (text, want) in [
            ("x = {\n  ab = 1\n  ab = 2\n}\n", vec![(17, 2, "ab")]),
            ("x = {\n  a-b = 1\n  a-b = 2\n}\n", vec![(18, 3, "a-b")]),
            ("x = {\n  a_1 = 1\n  a_1 = 2\n}\n", vec![(18, 3, "a_1")]),
            (
                "x = {\n  \"ab\" = 1\n  \"ab\" = 2\n}\n",
                vec![(19, 4, "ab")],
            ),
            (
                "x = {\n  ab = 1\n  ab = 2\n  ab = 3\n}\n",
                vec![(17, 2, "ab"), (26, 2, "ab")],
            ),
            ("x = {ab = 1, ab = 2}", vec![(13, 2, "ab")]),
        ] {
            let parsed = parse(text).unwrap_or_else(|e| panic!("{text}: {e:?}"));
            let got: Vec<(usize, usize, &str)> = parsed
                .duplicates
                .iter()
                .map(|d| (d.offset, d.len, d.key.as_str()))
                .collect();
            assert_eq!(got, want, "{text}");
            for d in &parsed.duplicates {
                assert!(text[d.offset..d.offset + d.len].contains(&d.key), "{text}");
            }
        }
        // A one-character key has no room for a placeholder: the first error stands.
        for (text, key) in [
            ("x = {\n  a = 1\n  a = 2\n}\n", "a"),
            ("x = {\n  \"a\" = 1\n  \"a\" = 2\n}\n", "\"a\""),
            ("x = {\n  \"\" = 1\n  \"\" = 2\n}\n", "\"\""),
        ] {
            let err = parse(text).expect_err(text);
            assert!(err.message.contains("redefined object key"), "{err:?}");
            assert_eq!(Some(err.offset), text.rfind(key), "{text}");
        }
    }

    #[test]
    fn placeholders_and_retries_are_bounded() {
        // Two-byte keys take placeholders `_0` … `_f`: sixteen duplicates, not seventeen.
        let parsed = parse(&keys(17, "ab")).expect("sixteen duplicates");
        assert_eq!(parsed.duplicates.len(), 16);
        assert_eq!(parsed.duplicates[15].key, "ab");
        let err = parse(&keys(18, "ab")).expect_err("no seventeenth placeholder");
        assert!(err.message.contains("redefined object key"), "{err:?}");
        // At most 64 re-parses after the first.
        let parsed = parse(&keys(65, "abc")).expect("64 duplicates");
        assert_eq!(parsed.duplicates.len(), 64);
        let text = keys(66, "abc");
        let err = parse(&text).expect_err("65 duplicates");
        assert!(err.message.contains("redefined object key"), "{err:?}");
        // The error reported is the first one: at the first repeated key.
        assert_eq!(err.offset, text.find("  abc = 1").expect("second key") + 2);
    }

    #[test]
    fn continuations_are_joined_only_before_a_leading_question_mark_or_colon() {
        for (text, ok) in [
            ("x = [\n  true\n  ? 1\n  : 2\n]\n", true),
            ("x = [\n  true\n\n  ?\n  1\n  : 2\n]\n", true),
            ("x = [\n  true ? 1\n  : 2\n]\n", true),
            // No line break before the token, or another token.
            ("x = [true 1]\n", false),
            ("x = [\n  true\n  ! 1\n]\n", false),
        ] {
            assert_eq!(parse(text).is_ok(), ok, "{text}");
        }
        // The patched copy keeps every byte offset: the error after a join is located in
        // the original text.
        let text = "x = [\n  true\n  ? 1\n  : 2\n]\ny = {\n";
        let err = parse(text).expect_err("unclosed");
        assert!(err.offset >= text.find("y =").expect("y"), "{err:?}");
        let mut bytes = b"a\n\n? b".to_vec();
        assert_eq!(join_continuation(&mut bytes, 1), Some(()));
        assert_eq!(bytes, b"a  ? b");
        let mut bytes = b"\n? b".to_vec();
        assert_eq!(join_continuation(&mut bytes, 0), Some(()));
        assert_eq!(bytes, b" ? b");
        let mut bytes = b"a ? b".to_vec();
        assert_eq!(join_continuation(&mut bytes, 1), None);
        let mut bytes = b"a\n".to_vec();
        assert_eq!(join_continuation(&mut bytes, 5), None);
        let mut bytes = b"a\n:".to_vec();
        assert_eq!(join_continuation(&mut bytes, 9), None);
    }

    #[test]
    fn rename_key_by_table() {
        // (text, offset, n) -> (text after, offset, len, key)
        for (text, offset, n, want) in [
            ("ab = 1", 0, 0, Some(("_0 = 1", 0, 2, "ab"))),
            ("abc = 1", 0, 11, Some(("_b_ = 1", 0, 3, "abc"))),
            ("\"abc\" = 1", 0, 1, Some(("\"_1_\" = 1", 0, 5, "abc"))),
            ("x ab", 2, 0, Some(("x _0", 2, 2, "ab"))),
            ("ab", 0, 16, None),
            ("a = 1", 0, 0, None),
            ("\"abc", 0, 0, None),
            ("= 1", 0, 0, None),
            ("ab", 2, 0, None),
        ] {
            let mut bytes = text.as_bytes().to_vec();
            let got = rename_key(&mut bytes, offset, n).map(|d| {
                (
                    String::from_utf8(bytes.clone()).expect("utf-8"),
                    d.offset,
                    d.len,
                    d.key,
                )
            });
            let want = want.map(|(t, o, l, k)| (t.to_string(), o, l, k.to_string()));
            assert_eq!(got, want, "{text}");
        }
    }
}
