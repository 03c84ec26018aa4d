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
            let col_byte = line
                .char_indices()
                .nth(e.column().saturating_sub(1))
                .map(|(b, _)| b)
                .unwrap_or(line.len());
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
