//! Loading one file: read it (size limit, binary and UTF-8 checks), find its suppression
//! directives, and parse it by kind (YAML, JSON/JSONC, HCL). What could not be read or
//! parsed becomes a located finding, and the file's status says how far octolint got.
//! Depends on `discover` (the entry), `parse`, `diagnostics` and `source`.

use std::sync::Arc;

use crate::diagnostics::suppress::{self, Directive};
use crate::diagnostics::{Finding, Location, engine, new_finding};
use crate::discover::{Entry, FileKind};
use crate::parse::{hcl, json, yaml};
use crate::source::{SourceFile, Span};

/// What a file turned into.
#[derive(Debug)]
pub enum Content {
    Docs(Vec<yaml::YamlDoc>),
    /// Shared: the Terraform model reads it while later stages run.
    Hcl(std::sync::Arc<hcl::Body>),
    Nothing,
}

/// How far octolint got with a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Parsed,
    /// Did not parse (completely); a finding says where.
    Failed,
    /// Read as text, not parsed (Helm templates, other text files).
    Text,
    /// A YAML-named file with template directives (`{{ }}`, `%{ }`) that is not YAML.
    Template,
    Binary,
    Skipped(String),
}

#[derive(Debug)]
pub struct ParsedFile {
    pub entry: Entry,
    pub path: Arc<str>,
    pub source: Option<Arc<SourceFile>>,
    pub content: Content,
    pub status: Status,
    pub directives: Vec<Directive>,
    pub findings: Vec<Finding>,
    /// What the documents hold, noted by the pipeline right after loading; `None` when not
    /// noted (then every stage must look at the file itself).
    pub holds: Option<Holds>,
}

/// What a file's documents hold, noted once while the parsed tree is still in the cache:
/// later stages skip the files that cannot matter to them instead of walking every tree of
/// a large repository again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Holds {
    /// Kubernetes objects (items of a `List` counted one by one).
    pub objects: usize,
    /// An Argo CD `Application`.
    pub applications: bool,
    /// A core `v1` `Secret`.
    pub secrets: bool,
}

/// What `load` needs besides the entry.
pub struct LoadOptions {
    pub max_size: u64,
}

/// Read, classify and parse one file. Never panics on its content.
/// Read and parse one file.
pub fn load(entry: Entry, opts: &LoadOptions) -> ParsedFile {
    let max_size = opts.max_size;
    let path: Arc<str> = Arc::from(entry.rel.as_str());
    let mut pf = ParsedFile {
        path: path.clone(),
        source: None,
        content: Content::Nothing,
        status: Status::Text,
        directives: Vec::new(),
        findings: Vec::new(),
        holds: None,
        entry,
    };
    let is_config = pf.entry.kind.is_config();
    let skip = |pf: &mut ParsedFile, reason: String| {
        if is_config {
            pf.findings.push(new_finding(
                &engine::SKIPPED_FILE,
                Location::new(pf.path.clone(), None),
                format!("file not checked: {reason}"),
            ));
        }
        pf.status = Status::Skipped(reason);
    };
    // One path lookup per file: open it, then ask the open file for its size.
    let (mut file, meta) = match std::fs::File::open(&pf.entry.abs).and_then(|f| {
        let m = f.metadata()?;
        Ok((f, m))
    }) {
        Ok(fm) => fm,
        Err(e) => {
            skip(&mut pf, format!("cannot read: {e}"));
            return pf;
        }
    };
    if meta.len() > max_size {
        skip(
            &mut pf,
            format!(
                "{:.1} MiB is over the max-file-size limit of {:.1} MiB",
                meta.len() as f64 / 1048576.0,
                max_size as f64 / 1048576.0
            ),
        );
        return pf;
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0).saturating_add(1));
    let bytes = match std::io::Read::read_to_end(&mut file, &mut bytes) {
        Ok(_) => bytes,
        Err(e) => {
            skip(&mut pf, format!("cannot read: {e}"));
            return pf;
        }
    };
    if bytes[..bytes.len().min(8192)].contains(&0) {
        if is_config {
            skip(&mut pf, "binary content in a configuration file".into());
        } else {
            pf.status = Status::Binary;
        }
        return pf;
    }
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            skip(
                &mut pf,
                format!("not valid UTF-8 (invalid byte at offset {at})"),
            );
            return pf;
        }
    };
    let src = Arc::new(SourceFile::new(
        path.to_string(),
        pf.entry.abs.clone(),
        text,
    ));
    let kind = pf.entry.kind;
    if kind.is_config() || kind == FileKind::HelmTemplate {
        pf.directives = suppress::directives(&src);
    }
    for d in &pf.directives {
        if d.reason.is_none() {
            pf.findings.push(new_finding(
                &engine::SUPPRESSION_WITHOUT_REASON,
                Location::new(path.clone(), Some(Span::new(d.start, d.end))),
                format!("suppression of `{}` gives no reason", d.rules.join(", ")),
            ));
        }
    }
    if src.text.trim().is_empty() && kind.is_config() {
        pf.status = Status::Parsed;
        pf.content = Content::Docs(Vec::new());
    } else if kind == FileKind::Terraform {
        match hcl::parse(&src.text) {
            Ok(parsed) => {
                for d in &parsed.duplicates {
                    pf.findings.push(new_finding(
                        &engine::DUPLICATE_KEY,
                        Location::new(path.clone(), Some(Span::new(d.offset, d.offset + d.len))),
                        format!(
                            "duplicate key `{}` in object: Terraform keeps the last value",
                            d.key
                        ),
                    ));
                }
                pf.content = Content::Hcl(std::sync::Arc::new(parsed.body));
                pf.status = Status::Parsed;
            }
            Err(e) => {
                pf.findings
                    .push(parse_error(&path, e.offset, &e.message, "HCL"));
                pf.status = Status::Failed;
            }
        }
    } else if matches!(kind, FileKind::Json | FileKind::TerraformJson) {
        parse_json(&mut pf, &src);
    } else if kind.is_yaml_like() {
        let parsed = yaml::parse(&src.text);
        if let Some(e) = &parsed.error
            && looks_templated(&src, e.offset)
        {
            pf.status = Status::Template;
        } else {
            push_yaml_findings(&mut pf, &parsed);
            pf.status = if parsed.error.is_some() {
                Status::Failed
            } else {
                Status::Parsed
            };
            pf.content = Content::Docs(parsed.docs);
        }
    } else {
        pf.status = Status::Text;
    }
    pf.source = Some(src);
    pf
}

/// A file that failed to parse as YAML but carries template directives is a template
/// (Go/Helm `{{ }}`, Terraform `templatefile` `%{ }`, or `${ }` on the failing line).
fn looks_templated(src: &SourceFile, error_offset: usize) -> bool {
    if src.text.contains("{{") || src.text.contains("%{") {
        return true;
    }
    let line = src.line_col(error_offset).line;
    src.line_text(line).contains("${")
}

fn parse_error(path: &Arc<str>, offset: usize, message: &str, what: &str) -> Finding {
    new_finding(
        &engine::PARSE_ERROR,
        Location::new(path.clone(), Some(Span::new(offset, offset))),
        format!("invalid {what}: {}", first_line(message)),
    )
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s).trim()
}

fn push_yaml_findings(pf: &mut ParsedFile, parsed: &yaml::ParsedYaml) {
    for w in &parsed.warnings {
        let mut f = new_finding(
            &engine::DUPLICATE_KEY,
            Location::new(pf.path.clone(), Some(w.span)),
            w.message.clone(),
        );
        if let Some(rel) = w.related {
            f.related
                .push(Location::new(pf.path.clone(), Some(rel)).with_message("first occurrence"));
        }
        pf.findings.push(f);
    }
    if let Some(e) = &parsed.error {
        pf.findings
            .push(parse_error(&pf.path, e.offset, &e.message, "YAML"));
    }
}

/// JSON: strict validation with serde_json (for its error positions), then the YAML parser
/// for spans. Tabs are only whitespace in valid JSON, so they are blanked for the YAML scanner.
fn parse_json(pf: &mut ParsedFile, src: &SourceFile) {
    let mut jsonc = None;
    let strict = serde_json::from_str::<serde_json::Value>(&src.text);
    let strict = match strict {
        Err(_) if pf.entry.kind == FileKind::Json => match json::strip_jsonc(&src.text) {
            Some(clean) => match serde_json::from_str::<serde_json::Value>(&clean) {
                // JSONC is fine for editor and tool settings, not for manifests kubectl reads.
                Ok(v) if !(v.get("apiVersion").is_some() && v.get("kind").is_some()) => {
                    jsonc = Some(clean);
                    Ok(v)
                }
                _ => strict,
            },
            None => strict,
        },
        other => other,
    };
    let value: serde_json::Value = match strict {
        Ok(v) => v,
        Err(e) => {
            let (s, _) = src.line_range(e.line().max(1));
            let line = src.line_text(e.line().max(1));
            // serde_json counts columns in bytes (1-based), not characters.
            let mut col_byte = e.column().saturating_sub(1).min(line.len());
            while !line.is_char_boundary(col_byte) {
                col_byte -= 1;
            }
            let msg = e.to_string();
            let msg = msg.split(" at line ").next().unwrap_or(&msg);
            pf.findings
                .push(parse_error(&pf.path, s + col_byte, msg, "JSON"));
            pf.status = Status::Failed;
            return;
        }
    };
    let base = jsonc.as_deref().unwrap_or(&src.text);
    let blanked;
    let text = if base.contains('\t') {
        blanked = base.replace('\t', " ");
        &blanked
    } else {
        base
    };
    let parsed = yaml::parse(text);
    pf.status = Status::Parsed;
    if parsed.error.is_none() {
        push_yaml_findings(pf, &parsed);
        pf.content = Content::Docs(parsed.docs);
    } else {
        // Valid JSON the YAML scanner cannot read: keep the values, spanning the document.
        let span = Span::new(0, src.text.len());
        pf.content = Content::Docs(vec![yaml::YamlDoc {
            index: 0,
            span,
            root: json::to_node(&value, span),
        }]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_bytes(name: &str, kind: FileKind, bytes: &[u8], max_size: u64) -> ParsedFile {
        let dir = tempfile::tempdir().expect("tempdir");
        let abs = dir.path().join(name);
        std::fs::write(&abs, bytes).expect("write");
        load(
            Entry {
                rel: name.into(),
                abs,
                kind,
            },
            &LoadOptions { max_size },
        )
    }

    fn load_text(name: &str, kind: FileKind, text: &str) -> ParsedFile {
        load_bytes(name, kind, text.as_bytes(), 1 << 20)
    }

    /// (rule, span, message) of a finding.
    type Row = (String, Option<(usize, usize)>, String);

    fn findings(pf: &ParsedFile) -> Vec<Row> {
        pf.findings
            .iter()
            .map(|f| {
                (
                    f.rule_id.to_string(),
                    f.location.span.map(|s| (s.start(), s.end())),
                    f.message.clone(),
                )
            })
            .collect()
    }

    fn docs(pf: &ParsedFile) -> usize {
        match &pf.content {
            Content::Docs(d) => d.len(),
            _ => usize::MAX,
        }
    }

    #[test]
    fn files_that_cannot_be_checked_by_table() {
        let skipped = |reason: &str| Status::Skipped(reason.to_string());
        let finding = |reason: &str| {
            vec![(
                "OCT002".to_string(),
                None,
                format!("file not checked: {reason}"),
            )]
        };
        // The size limit: exactly at it is read.
        let pf = load_bytes("a.yaml", FileKind::Yaml, b"a: 1\n", 5);
        assert_eq!((pf.status.clone(), findings(&pf)), (Status::Parsed, vec![]));
        let big = "0.0 MiB is over the max-file-size limit of 0.0 MiB";
        let pf = load_bytes("a.yaml", FileKind::Yaml, b"a: 1\n", 4);
        assert_eq!(
            (pf.status.clone(), findings(&pf)),
            (skipped(big), finding(big))
        );
        let pf = load_bytes("a.txt", FileKind::Other, &[b'a'; 3 << 20], 2 << 20);
        let big = "3.0 MiB is over the max-file-size limit of 2.0 MiB";
        assert_eq!((pf.status.clone(), findings(&pf)), (skipped(big), vec![]));
        // Binary: a NUL byte in the first 8 KiB.
        let mut bytes = vec![b'a'; 9000];
        bytes[8191] = 0;
        let pf = load_bytes("a.txt", FileKind::Other, &bytes, 1 << 20);
        assert_eq!((pf.status.clone(), findings(&pf)), (Status::Binary, vec![]));
        let binary = "binary content in a configuration file";
        let pf = load_bytes("a.yaml", FileKind::Yaml, &bytes, 1 << 20);
        assert_eq!(
            (pf.status.clone(), findings(&pf)),
            (skipped(binary), finding(binary))
        );
        assert!(pf.source.is_none());
        bytes[8191] = b'a';
        bytes[8192] = 0;
        let pf = load_bytes("a.txt", FileKind::Other, &bytes, 1 << 20);
        assert_eq!((pf.status.clone(), findings(&pf)), (Status::Text, vec![]));
        let pf = load_bytes("a.txt", FileKind::Other, b"\0", 1 << 20);
        assert_eq!(pf.status, Status::Binary);
        // Not UTF-8.
        let utf8 = "not valid UTF-8 (invalid byte at offset 3)";
        let pf = load_bytes("a.yaml", FileKind::Yaml, b"a: \xff\n", 1 << 20);
        assert_eq!(
            (pf.status.clone(), findings(&pf)),
            (skipped(utf8), finding(utf8))
        );
        // Missing.
        let pf = load(
            Entry {
                rel: "gone.yaml".into(),
                abs: std::path::PathBuf::from("/nonexistent/octolint/gone.yaml"),
                kind: FileKind::Yaml,
            },
            &LoadOptions { max_size: 1 << 20 },
        );
        match &pf.status {
            Status::Skipped(r) => assert!(r.starts_with("cannot read: "), "{r}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(pf.findings.len(), 1);
        assert_eq!(&*pf.path, "gone.yaml");
    }

    #[test]
    fn empty_and_plain_text_files() {
        for text in ["", "  \n\n"] {
            let pf = load_text("a.yaml", FileKind::Yaml, text);
            assert_eq!(
                (pf.status.clone(), docs(&pf)),
                (Status::Parsed, 0),
                "{text:?}"
            );
            let pf = load_text("a.tf", FileKind::Terraform, text);
            assert_eq!(
                (pf.status.clone(), docs(&pf)),
                (Status::Parsed, 0),
                "{text:?}"
            );
            let pf = load_text("a.txt", FileKind::Other, text);
            assert_eq!(pf.status, Status::Text, "{text:?}");
        }
        let pf = load_text("a.txt", FileKind::Other, "a: [\n");
        assert_eq!((pf.status.clone(), findings(&pf)), (Status::Text, vec![]));
        assert_eq!(pf.source.as_ref().map(|s| s.text.as_str()), Some("a: [\n"));
    }

    #[test]
    fn suppressions_without_a_reason_in_config_files_and_templates() {
        let text = "a: 1 # octolint:ignore K8S001\nb: 2 # octolint:ignore K8S002 -- why\n";
        let at = text.find("octolint:ignore").expect("directive");
        for kind in [FileKind::Yaml, FileKind::HelmTemplate] {
            let pf = load_text("a.yaml", kind, text);
            assert_eq!(pf.directives.len(), 2, "{kind:?}");
            let f = findings(&pf);
            assert_eq!(f.len(), 1, "{kind:?}");
            assert_eq!(f[0].0, "OCT003");
            assert_eq!(f[0].2, "suppression of `K8S001` gives no reason");
            let (s, _) = f[0].1.expect("span");
            assert!(s <= at && at < text.find('\n').expect("line"), "{f:?}");
        }
        let pf = load_text("a.txt", FileKind::Other, text);
        assert!(pf.directives.is_empty() && pf.findings.is_empty());
    }

    #[test]
    fn terraform_duplicates_and_errors() {
        let text = "x = {\n  ab = 1\n  ab = 2\n}\n";
        let pf = load_text("a.tf", FileKind::Terraform, text);
        assert_eq!(pf.status, Status::Parsed);
        assert!(matches!(pf.content, Content::Hcl(_)));
        assert_eq!(
            findings(&pf),
            [(
                "OCT001".to_string(),
                Some((17, 19)),
                "duplicate key `ab` in object: Terraform keeps the last value".to_string()
            )]
        );
        let text = "x = {\n";
        let pf = load_text("a.tf", FileKind::Terraform, text);
        assert_eq!(pf.status, Status::Failed);
        let f = findings(&pf);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].0, "OCT000");
        assert!(f[0].2.starts_with("invalid HCL: "), "{f:?}");
        assert!(!f[0].2.contains('\n'), "{f:?}");
        let (s, e) = f[0].1.expect("span");
        assert_eq!(s, e);
        assert!(s <= text.len());
    }

    #[test]
    fn json_jsonc_and_their_errors() {
        // (name, kind, text) -> status, documents, findings
        let pf = load_text("a.json", FileKind::Json, "{\"a\": 1}\n");
        assert_eq!(
            (pf.status.clone(), docs(&pf), findings(&pf)),
            (Status::Parsed, 1, vec![])
        );
        // Tabs are white space in JSON.
        let pf = load_text("a.json", FileKind::Json, "{\t\"a\":\t[1,\t2]}\n");
        assert_eq!(
            (pf.status.clone(), docs(&pf), findings(&pf)),
            (Status::Parsed, 1, vec![])
        );
        // JSONC in settings files.
        let pf = load_text("a.json", FileKind::Json, "{\"a\": 1, // c\n}\n");
        assert_eq!(
            (pf.status.clone(), docs(&pf), findings(&pf)),
            (Status::Parsed, 1, vec![])
        );
        // Not in Kubernetes manifests, nor in Terraform JSON.
        let text = "{\"apiVersion\": \"v1\", \"kind\": \"Pod\", // c\n}\n";
        let pf = load_text("a.json", FileKind::Json, text);
        assert_eq!(pf.status, Status::Failed);
        let f = findings(&pf);
        assert_eq!(f.len(), 1, "{f:?}");
        let at = text.find("//").expect("comment");
        assert_eq!((f[0].0.as_str(), f[0].1), ("OCT000", Some((at, at))));
        assert_eq!(f[0].2, "invalid JSON: key must be a string");
        // A manifest without `kind` is no manifest.
        let text = "{\"apiVersion\": \"v1\", // c\n}\n";
        let pf = load_text("a.json", FileKind::Json, text);
        assert_eq!(pf.status, Status::Parsed);
        let text = "{\"kind\": \"Pod\", // c\n}\n";
        let pf = load_text("a.json", FileKind::Json, text);
        assert_eq!(pf.status, Status::Parsed);
        let pf = load_text("a.tf.json", FileKind::TerraformJson, "{\"a\": 1, // c\n}\n");
        assert_eq!(pf.status, Status::Failed);
        // Errors point at the byte of serde_json's line and column (a multi-byte line).
        let text = "{\n  \"é\": 1,\n  \"b\": ]\n}\n";
        let pf = load_text("a.json", FileKind::Json, text);
        let f = findings(&pf);
        let at = text.find(']').expect("]");
        assert_eq!(
            f,
            [(
                "OCT000".to_string(),
                Some((at, at)),
                "invalid JSON: expected value".to_string()
            )]
        );
        let text = "{\n  \"ü\": \"ö\", \"b\": x\n}\n";
        let pf = load_text("a.json", FileKind::Json, text);
        let at = text.find('x').expect("x");
        assert_eq!(findings(&pf)[0].1, Some((at, at)));
        // serde_json can place an error inside a character (after the first byte read of
        // it): the finding starts at the character.
        let text = "{\"a\": \"\\u12€\"}\n";
        let pf = load_text("a.json", FileKind::Json, text);
        let at = text.find('€').expect("€");
        assert_eq!(
            findings(&pf),
            [(
                "OCT000".to_string(),
                Some((at, at)),
                "invalid JSON: invalid escape".to_string()
            )]
        );
    }

    #[test]
    fn yaml_errors_templates_and_duplicates() {
        let text = "a: 1\nb: [1,\n";
        let pf = load_text("a.yaml", FileKind::Yaml, text);
        assert_eq!(pf.status, Status::Failed);
        let f = findings(&pf);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].0, "OCT000");
        assert!(f[0].2.starts_with("invalid YAML: "), "{f:?}");
        assert_eq!(docs(&pf), 0);
        // Templates: a directive anywhere, or `${` on the failing line.
        for (text, status) in [
            ("a: {{ .x }}\nb: [1,\n", Status::Template),
            ("a: %{ if x }\nb: [1,\n", Status::Template),
            ("a: 1\nb: [1, ${x}\n", Status::Template),
            ("a: ${x}\nb: 1\nc: [1,\n", Status::Failed),
            ("a: {{ .x }}\n", Status::Parsed),
        ] {
            let pf = load_text("a.yaml", FileKind::Yaml, text);
            assert_eq!(pf.status, status, "{text}");
            if status == Status::Template {
                assert!(pf.findings.is_empty() && matches!(pf.content, Content::Nothing));
            }
        }
        let text = "a: 1\nb: 2\na: 3\n";
        let pf = load_text("a.yaml", FileKind::Yaml, text);
        assert_eq!(pf.status, Status::Parsed);
        assert_eq!(pf.findings.len(), 1);
        let f = &pf.findings[0];
        assert_eq!(&*f.rule_id, "OCT001");
        assert_eq!(f.related.len(), 1);
        assert_eq!(f.related[0].span, Some(Span::new(0, 1)));
        assert_eq!(f.related[0].message.as_deref(), Some("first occurrence"));
    }

    #[test]
    fn first_lines_of_messages() {
        assert_eq!(first_line("  a b \nc"), "a b");
        assert_eq!(first_line(""), "");
        assert_eq!(first_line("x"), "x");
    }
}
