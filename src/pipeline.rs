//! The pipeline: discover -> read and parse (parallel) -> per-document rules (parallel) ->
//! suppress, fingerprint, sort. No stage reaches back upstream; reporters get the result.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_64;

use crate::config::{Level, RuleOptions, SecretSettings, Settings};
use crate::diagnostics::baseline::Baseline;
use crate::diagnostics::suppress::{self, Directive};
use crate::diagnostics::{Finding, Location, Suppression};
use crate::discover::{self, Entry, FileKind};
use crate::model::k8s::{K8sObject, objects_in};
use crate::model::node::{Node, Scalar, Style, Value};
use crate::model::repo::{ObjectRef, Repo, RepoOrigin, normalize_repo_url};
use crate::parse::{hcl, yaml};
use crate::policy::Policies;
use crate::rules::builtin::engine;
use crate::rules::{Ctx, Rule, RuleMeta, new_finding, registry, secrets};
use crate::source::{SourceFile, Span, dir_of, normalize_join};

pub const IGNORE_ANNOTATION: &str = "octolint.io/ignore";

/// What a file turned into.
#[derive(Debug)]
pub enum Content {
    Docs(Vec<yaml::YamlDoc>),
    Hcl(Box<hcl::Body>),
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
}

/// Files seen and what became of them (the coverage line).
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct Coverage {
    pub files: usize,
    pub parsed: usize,
    pub failed: usize,
    pub text: usize,
    pub templates: usize,
    pub binary: usize,
    pub documents: usize,
    pub kubernetes_objects: usize,
    pub by_kind: BTreeMap<&'static str, usize>,
    pub skipped: Vec<Skipped>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
}

pub struct RunOptions {
    pub paths: Vec<PathBuf>,
    pub base: PathBuf,
    pub follow_links: bool,
    pub jobs: usize,
    pub exclude: Vec<String>,
    pub baseline: Option<Baseline>,
    /// Rego policies to evaluate (user and bundled).
    pub policies: Option<Arc<Policies>>,
    /// Run only the policies: no built-in rules, no secret scanning.
    pub no_builtin: bool,
}

pub struct Outcome {
    /// Sorted; suppressed findings included (see `Finding::suppressed`).
    pub findings: Vec<Finding>,
    pub coverage: Coverage,
    pub sources: HashMap<Arc<str>, Arc<SourceFile>>,
    /// Metadata of every enabled rule, sorted by id.
    pub rules: Vec<&'static RuleMeta>,
    /// Every file with its parsed content (findings moved into `findings`).
    pub files: Vec<ParsedFile>,
}

/// A worker pool of `jobs` threads.
fn pool(jobs: usize) -> Result<rayon::ThreadPool, String> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .map_err(|e| format!("cannot start worker threads: {e}"))
}

/// Run a whole check.
pub fn run(opts: &RunOptions, settings: &Settings) -> Result<Outcome, String> {
    pool(opts.jobs)?.install(|| run_in_pool(opts, settings))
}

/// What `octolint cost` needs: the Terraform model and the sources (for line numbers), plus
/// files that did not parse.
pub struct TerraformOnly {
    pub model: crate::terraform::TfModel,
    pub sources: HashMap<Arc<str>, Arc<SourceFile>>,
    pub failed: Vec<String>,
}

/// Walk, parse only Terraform files (in parallel) and build the Terraform model.
pub fn terraform_only(opts: &RunOptions, settings: &Settings) -> Result<TerraformOnly, String> {
    pool(opts.jobs)?.install(|| {
        let mut exclude = settings.exclude.clone();
        exclude.extend(opts.exclude.iter().cloned());
        let discovery = discover::walk(&discover::Options {
            paths: opts.paths.clone(),
            base: opts.base.clone(),
            exclude,
            follow_links: opts.follow_links,
            threads: opts.jobs,
        })?;
        let load_opts = LoadOptions {
            max_size: settings.max_file_size,
            secrets: None,
        };
        let files: Vec<ParsedFile> = discovery
            .entries
            .into_par_iter()
            .filter(|e| matches!(e.kind, FileKind::Terraform | FileKind::TerraformJson))
            .map(|e| load(e, &load_opts))
            .collect();
        let mut model = terraform_model(&files, &settings.options.environments);
        model.problems.retain(|p| {
            p.target
                .as_ref()
                .is_none_or(|t| !opts.base.join(t).is_dir())
        });
        let failed = files
            .iter()
            .filter(|f| f.status == Status::Failed)
            .map(|f| f.path.to_string())
            .collect();
        let sources = files
            .iter()
            .filter_map(|f| Some((f.path.clone(), f.source.clone()?)))
            .collect();
        Ok(TerraformOnly {
            model,
            sources,
            failed,
        })
    })
}

/// Stage timings on stderr when `OCTOLINT_TIMINGS` is set (for benchmarks).
struct Timer {
    on: bool,
    last: std::time::Instant,
}

impl Timer {
    fn new() -> Self {
        Timer {
            on: std::env::var_os("OCTOLINT_TIMINGS").is_some(),
            last: std::time::Instant::now(),
        }
    }

    fn lap(&mut self, stage: &str) {
        if self.on {
            eprintln!(
                "octolint: {stage:<10} {:>8.1} ms",
                self.last.elapsed().as_secs_f64() * 1e3
            );
        }
        self.last = std::time::Instant::now();
    }
}

fn run_in_pool(opts: &RunOptions, settings: &Settings) -> Result<Outcome, String> {
    let mut timer = Timer::new();
    let mut exclude = settings.exclude.clone();
    exclude.extend(opts.exclude.iter().cloned());
    let discovery = discover::walk(&discover::Options {
        paths: opts.paths.clone(),
        base: opts.base.clone(),
        exclude,
        follow_links: opts.follow_links,
        threads: opts.jobs,
    })?;

    timer.lap("discover");
    let scan_secrets = !opts.no_builtin
        && settings
            .secrets
            .metas()
            .iter()
            .any(|m| settings.rule_enabled(m.id, m.name));
    let load_opts = LoadOptions {
        max_size: settings.max_file_size,
        secrets: scan_secrets.then_some(&settings.secrets),
    };
    let mut files: Vec<ParsedFile> = discovery
        .entries
        .into_par_iter()
        .map(|e| load(e, &load_opts))
        .collect();

    timer.lap("parse");
    let mut options = settings.options.clone();
    options.app_envs = argo_app_envs(&files, &options.environments);
    let options = &options;
    let partial = kustomize_patches(&files);
    let rules: Vec<&'static dyn Rule> = registry()
        .iter()
        .copied()
        .filter(|r| !opts.no_builtin && settings.rule_enabled(r.meta().id, r.meta().name))
        .collect();
    files.par_iter_mut().for_each(|f| {
        let is_patch = partial.contains(f.path.as_ref());
        let scanner = load_opts
            .secrets
            .filter(|s| !s.path_allowed(&f.path))
            .map(|s| s.scanner());
        check_documents(f, &rules, is_patch, options, scanner);
    });
    timer.lap("doc rules");
    if let Some(policies) = &opts.policies {
        let inputs = crate::policy::run::evaluate(policies, &mut files, settings);
        if timer.on {
            eprintln!("octolint: policy inputs {inputs}");
        }
        timer.lap("policies");
    }
    let repo_findings = check_repo(&mut timer, &files, &partial, &rules, options, &opts.base);

    timer.lap("repo rules");
    let mut coverage = Coverage::default();
    let mut findings = Vec::new();
    let mut sources = HashMap::new();
    let mut directives: HashMap<Arc<str>, Vec<Directive>> = HashMap::new();
    for p in &discovery.problems {
        let path: Arc<str> = Arc::from(p.rel.as_str());
        findings.push(new_finding(
            &engine::SKIPPED_FILE,
            Location::new(path, None),
            format!("cannot read path: {}", p.message),
        ));
        coverage.skipped.push(Skipped {
            path: p.rel.clone(),
            reason: p.message.clone(),
        });
    }
    findings.extend(repo_findings);
    for f in &mut files {
        coverage.files += 1;
        *coverage.by_kind.entry(f.entry.kind.as_str()).or_default() += 1;
        match &f.status {
            Status::Parsed => coverage.parsed += 1,
            Status::Failed => coverage.failed += 1,
            Status::Text => coverage.text += 1,
            Status::Template => coverage.templates += 1,
            Status::Binary => coverage.binary += 1,
            Status::Skipped(reason) => coverage.skipped.push(Skipped {
                path: f.path.to_string(),
                reason: reason.clone(),
            }),
        }
        if let Content::Docs(docs) = &f.content {
            coverage.documents += docs.len();
            coverage.kubernetes_objects += docs
                .iter()
                .map(|d| objects_in(&d.root).len())
                .sum::<usize>();
        }
        findings.append(&mut f.findings);
        if !f.directives.is_empty() {
            directives.insert(f.path.clone(), std::mem::take(&mut f.directives));
        }
        if let Some(src) = &f.source {
            sources.insert(f.path.clone(), src.clone());
        }
    }
    if discovery.symlinks_skipped > 0 {
        coverage.skipped.push(Skipped {
            path: "(symbolic links)".into(),
            reason: format!(
                "{} symbolic link(s) not followed (use --follow-links)",
                discovery.symlinks_skipped
            ),
        });
    }

    // One credential, one finding: the secret scanner's wins over TF013.
    let secret_spans: HashMap<&str, Vec<Span>> = {
        let mut m: HashMap<&str, Vec<Span>> = HashMap::new();
        for f in findings
            .iter()
            .filter(|f| f.redact && f.rule_id.starts_with("SEC"))
        {
            if let Some(s) = f.location.span {
                m.entry(f.location.path.as_ref()).or_default().push(s);
            }
        }
        m
    };
    let findings: Vec<Finding> = if secret_spans.is_empty() {
        findings
    } else {
        let keep: Vec<bool> = findings
            .iter()
            .map(|f| {
                !(f.rule_id.as_ref() == "TF013"
                    && f.location.span.is_some_and(|s| {
                        secret_spans
                            .get(f.location.path.as_ref())
                            .is_some_and(|v| v.iter().any(|x| x.start < s.end && s.start < x.end))
                    }))
            })
            .collect();
        findings
            .into_iter()
            .zip(keep)
            .filter_map(|(f, k)| k.then_some(f))
            .collect()
    };
    let findings = finalize(
        findings,
        settings,
        &sources,
        &directives,
        opts.baseline.as_ref(),
    );
    timer.lap("finalize");
    let builtin: Vec<&'static RuleMeta> = if opts.no_builtin {
        crate::rules::builtin::ENGINE_RULES.to_vec()
    } else {
        crate::rules::all_meta()
            .into_iter()
            .chain(settings.secrets.scanner().custom_metas())
            .collect()
    };
    let policy_metas = match &opts.policies {
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
    Ok(Outcome {
        findings,
        coverage,
        sources,
        rules: enabled,
        files,
    })
}

/// What `load` does besides parsing.
pub struct LoadOptions<'a> {
    pub max_size: u64,
    /// Run the secret scanner over the file's text (unless its path is allowlisted).
    pub secrets: Option<&'a SecretSettings>,
}

/// A finding for a secret hit at `span`; `what` completes the message.
fn secret_finding(
    scanner: &secrets::Scanner,
    path: &Arc<str>,
    hit: &secrets::Hit,
    span: Span,
    what: &str,
) -> Finding {
    let pattern = &scanner.patterns[hit.pattern];
    let mut f = new_finding(
        pattern.meta,
        Location::new(path.clone(), Some(span)),
        format!("{}{what}: `{}`", pattern.title, hit.redacted),
    );
    f.redact = true;
    if hit.allowed {
        f.suppressed = Some(Suppression {
            kind: "inline",
            reason: Some("octolint:allow on the line".into()),
        });
    }
    f
}

/// Read, classify and parse one file. Never panics on its content.
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
    let meta = match std::fs::metadata(&pf.entry.abs) {
        Ok(m) => m,
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
    let bytes = match std::fs::read(&pf.entry.abs) {
        Ok(b) => b,
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
    if let Some(sec) = opts.secrets.filter(|s| !s.path_allowed(&path)) {
        let scanner = sec.scanner();
        for hit in scanner.scan_file(&path, &src.text) {
            pf.findings
                .push(secret_finding(scanner, &path, &hit, hit.span, ""));
        }
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
                pf.content = Content::Hcl(Box::new(parsed.body));
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

/// Blank `//` and `/* */` comments and trailing commas of JSONC (VS Code settings,
/// tsconfig), keeping every byte offset. `None` when there was nothing to blank.
fn strip_jsonc(text: &str) -> Option<String> {
    let mut b = text.as_bytes().to_vec();
    let mut changed = false;
    let mut i = 0;
    let mut in_str = false;
    let mut last_comma: Option<usize> = None;
    while i < b.len() {
        let c = b[i];
        if in_str {
            if c == b'\\' {
                i += 2;
                continue;
            }
            if c == b'"' {
                in_str = false;
            }
            i += 1;
            continue;
        }
        match c {
            b'"' => {
                in_str = true;
                last_comma = None;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    b[i] = b' ';
                    i += 1;
                }
                changed = true;
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let mut j = i;
                while j < b.len() && !(b[j] == b'*' && b.get(j + 1) == Some(&b'/')) {
                    if b[j] != b'\n' {
                        b[j] = b' ';
                    }
                    j += 1;
                }
                for k in j..(j + 2).min(b.len()) {
                    b[k] = b' ';
                }
                changed = true;
                i = j + 2;
                continue;
            }
            b',' => last_comma = Some(i),
            b'}' | b']' => {
                if let Some(p) = last_comma.take() {
                    b[p] = b' ';
                    changed = true;
                }
            }
            c if c.is_ascii_whitespace() => {}
            _ => last_comma = None,
        }
        i += 1;
    }
    if !changed {
        return None;
    }
    String::from_utf8(b).ok()
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
        Err(_) if pf.entry.kind == FileKind::Json => match strip_jsonc(&src.text) {
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
            root: json_to_node(&value, span),
        }]);
    }
}

fn json_to_node(v: &serde_json::Value, span: Span) -> Node {
    use serde_json::Value as J;
    let value = match v {
        J::Null => return Node::null(span),
        J::Bool(b) => return Node::scalar(b.to_string(), Scalar::Bool(*b), Style::Plain, span),
        J::Number(n) => {
            let kind = if n.is_i64() || n.is_u64() {
                Scalar::Int
            } else {
                Scalar::Float
            };
            return Node::scalar(n.to_string(), kind, Style::Plain, span);
        }
        J::String(s) => return Node::scalar(s.as_str(), Scalar::Str, Style::Quoted, span),
        J::Array(items) => Value::Seq(items.iter().map(|i| json_to_node(i, span)).collect()),
        J::Object(m) => Value::Map(
            m.iter()
                .map(|(k, v)| {
                    (
                        Node::scalar(k.as_str(), Scalar::Str, Style::Quoted, span),
                        json_to_node(v, span),
                    )
                })
                .collect(),
        ),
    };
    Node { span, value }
}

/// Every kustomization document with the directory it sits in.
fn kustomizations(files: &[ParsedFile]) -> impl Iterator<Item = (&str, &Node)> {
    files
        .iter()
        .filter(|f| f.entry.kind == FileKind::Kustomization)
        .flat_map(|f| {
            let docs = match &f.content {
                Content::Docs(docs) => docs.as_slice(),
                _ => &[],
            };
            docs.iter().map(move |d| (dir_of(&f.path), &d.root))
        })
}

/// Files listed as patches by a kustomization: partial objects.
fn kustomize_patches(files: &[ParsedFile]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (dir, root) in kustomizations(files) {
        for key in ["patchesStrategicMerge", "patches", "patchesJson6902"] {
            for item in root.get(key).into_iter().flat_map(Node::items) {
                let rel = item
                    .as_str()
                    .or_else(|| item.get("path").and_then(Node::as_str));
                if let Some(r) = rel.filter(|r| !r.contains('\n')) {
                    out.insert(normalize_join(dir, r));
                }
            }
        }
    }
    out
}

/// Run per-document rules on every Kubernetes object of one file.
fn check_documents(
    f: &mut ParsedFile,
    rules: &[&'static dyn Rule],
    is_patch: bool,
    options: &RuleOptions,
    scanner: Option<&secrets::Scanner>,
) {
    let Content::Docs(docs) = &f.content else {
        return;
    };
    // Values files outside a chart (`helm/values/prod/app.yaml`, `values-prod.yaml` next to
    // an Argo CD Application) are read like a chart's values when they hold no objects.
    let values_like = f.entry.kind == FileKind::Yaml
        && f.path
            .split('/')
            .any(|seg| seg == "values" || seg.starts_with("values-") || seg.starts_with("values."))
        && docs.iter().all(|d| d.root.get("kind").is_none());
    if f.entry.kind == FileKind::HelmValues || values_like {
        let env = options
            .environments
            .resolve(&f.path)
            .0
            .map(|s| s.class)
            .or_else(|| crate::model::env::Env::from_path(&f.path));
        for d in docs {
            for rule in rules {
                let mut ctx = Ctx::new(options, rule.meta(), &f.path, None, &mut f.findings);
                rule.check_values(&d.root, env, &mut ctx);
            }
        }
        return;
    }
    if f.entry.kind == FileKind::Kustomization {
        return;
    }
    for node in docs.iter().flat_map(|d| objects_in(&d.root)) {
        let Some(obj) = K8sObject::from_node(node) else {
            continue;
        };
        let mut obj = obj.with_env_in(&f.path, &options.environments, &options.app_envs);
        obj.partial = is_patch;
        let logical = obj.logical_name();
        let start = f.findings.len();
        for rule in rules {
            let mut ctx = Ctx::new(
                options,
                rule.meta(),
                &f.path,
                Some(&logical),
                &mut f.findings,
            );
            rule.check_object(&obj, &mut ctx);
        }
        if let Some(scanner) = scanner
            && obj.kind == "Secret"
            && obj.group().is_empty()
        {
            scan_secret_data(scanner, &obj, &f.path, &mut f.findings);
        }
        if let Some(ann) = obj.annotation(IGNORE_ANNOTATION) {
            let reasonless = apply_annotation(ann, &mut f.findings[start..]);
            if reasonless {
                f.findings.push(new_finding(
                    &engine::SUPPRESSION_WITHOUT_REASON,
                    Location::new(f.path.clone(), Some(ann.span)),
                    format!("`{IGNORE_ANNOTATION}` on {logical} gives no reason"),
                ));
            }
        }
    }
}

/// Decode a Secret's base64 `data` values and scan them; a credential is reported at the
/// encoded value (replacing a text-level hit on the same value).
fn scan_secret_data(
    scanner: &secrets::Scanner,
    obj: &K8sObject<'_>,
    path: &Arc<str>,
    findings: &mut Vec<Finding>,
) {
    use base64::Engine as _;
    let Some(data) = obj.root.get("data").and_then(Node::as_map) else {
        return;
    };
    for (key, value) in data {
        let Some(encoded) = value.as_str() else {
            continue;
        };
        let compact: String = encoded.split_whitespace().collect();
        let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(compact.as_bytes()) else {
            continue;
        };
        let Ok(decoded) = String::from_utf8(bytes) else {
            continue;
        };
        let hits = scanner.scan_file(path, &decoded);
        if hits.is_empty() {
            continue;
        }
        let span = value.span;
        findings.retain(|f| {
            !(f.redact
                && f.location
                    .span
                    .is_some_and(|s| s.start < span.end && span.start < s.end))
        });
        let what = format!(
            " in base64-encoded `data.{}` of {}",
            key.key_text().unwrap_or("?"),
            obj.logical_name()
        );
        for hit in hits {
            findings.push(secret_finding(scanner, path, &hit, span, &what));
        }
    }
}

/// Mark the findings an `octolint.io/ignore` annotation covers; true when it has no reason.
fn apply_annotation(ann: &Node, findings: &mut [Finding]) -> bool {
    let spec = ann.key_text().unwrap_or_default();
    let (sel, reason) = suppress::parse_spec(spec);
    for finding in findings {
        if finding.suppressed.is_none()
            && sel
                .iter()
                .any(|s| suppress::selector_matches(s, &finding.rule_id, &finding.rule_name))
        {
            finding.suppressed = Some(Suppression {
                kind: "annotation",
                reason: reason.clone(),
            });
        }
    }
    reason.is_none()
}

/// `namespace:` of each kustomization, by directory.
fn kustomize_namespaces(files: &[ParsedFile]) -> HashMap<&str, &str> {
    kustomizations(files)
        .filter_map(|(dir, root)| {
            root.get("namespace")
                .and_then(Node::as_str)
                .map(|ns| (dir, ns))
        })
        .collect()
}

/// Run `git` in `dir`; its trimmed standard output when it succeeds.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The repository the checked directory belongs to: `[argocd] repo-urls` (rooted at the
/// config file's directory), else the Git work tree and its remotes.
fn origin(base: &Path, options: &RuleOptions) -> Option<RepoOrigin> {
    let base = if base.as_os_str().is_empty() {
        Path::new(".")
    } else {
        base
    };
    let (urls, root) = if options.repo_urls.is_empty() {
        let root = PathBuf::from(git(base, &["rev-parse", "--show-toplevel"])?);
        let remotes =
            git(base, &["config", "--get-regexp", r"^remote\..*\.url$"]).unwrap_or_default();
        let urls: Vec<String> = remotes
            .lines()
            .filter_map(|l| l.split_whitespace().nth(1).map(str::to_string))
            .collect();
        (urls, root)
    } else {
        (options.repo_urls.clone(), options.repo_root.clone()?)
    };
    if urls.is_empty() {
        return None;
    }
    let base = std::fs::canonicalize(base).ok()?;
    let root = std::fs::canonicalize(root).ok()?;
    let rel = base.strip_prefix(&root).ok()?;
    let mut prefix = discover::relative(Path::new(""), rel);
    if prefix == "." {
        prefix.clear();
    } else {
        prefix.push('/');
    }
    Some(RepoOrigin {
        urls: urls.iter().map(|u| normalize_repo_url(u)).collect(),
        prefix,
    })
}

/// Build the repository model and run repo-wide rules.
fn check_repo(
    timer: &mut Timer,
    files: &[ParsedFile],
    partial: &BTreeSet<String>,
    rules: &[&'static dyn Rule],
    options: &RuleOptions,
    base: &Path,
) -> Vec<Finding> {
    let kns = kustomize_namespaces(files);
    let mut repo = Repo::with_paths(files.iter().map(|f| f.path.as_ref()).collect());
    for (_, root) in kustomizations(files) {
        for kind in ["configMapGenerator", "secretGenerator"] {
            for g in root.get(kind).into_iter().flat_map(Node::items) {
                if let Some(name) = g.get("name").and_then(Node::as_str) {
                    repo.kustomize_generated.insert((kind, name));
                }
            }
        }
    }
    repo.objects = files
        .par_iter()
        .filter(|f| {
            !matches!(f.entry.kind, FileKind::Kustomization | FileKind::HelmValues)
                && !partial.contains(f.path.as_ref())
        })
        .flat_map_iter(|f| {
            let docs = match &f.content {
                Content::Docs(docs) => docs.as_slice(),
                _ => &[],
            };
            let kns = &kns;
            docs.iter()
                .flat_map(|d| objects_in(&d.root))
                .filter_map(move |node| {
                    let mut obj = K8sObject::from_node(node)?;
                    if obj.namespace.is_none() {
                        // Inherit the namespace of the nearest kustomization above the file.
                        let mut dir = dir_of(&f.path);
                        loop {
                            if let Some(ns) = kns.get(dir) {
                                obj.namespace = Some(ns);
                                break;
                            }
                            if dir.is_empty() {
                                break;
                            }
                            dir = dir_of(dir);
                        }
                    }
                    Some(ObjectRef {
                        path: &f.path,
                        doc_span: node.span,
                        obj: obj.with_env_in(&f.path, &options.environments, &options.app_envs),
                    })
                })
        })
        .collect();
    timer.lap("repo model");
    repo.build_index();
    let points_back = repo
        .objects
        .iter()
        .any(|o| o.obj.group() == "argoproj.io" && o.obj.kind.starts_with("Application"));
    if points_back {
        repo.origin = origin(base, options);
    }
    // Repo-wide rules are independent of each other: run them in parallel, keep rule order.
    let dummy: Arc<str> = Arc::from("");
    let mut out: Vec<Finding> = rules
        .par_iter()
        .flat_map_iter(|rule| {
            let mut found = Vec::new();
            let mut ctx = Ctx::new(options, rule.meta(), &dummy, None, &mut found);
            let t = std::time::Instant::now();
            rule.check_repo(&repo, &mut ctx);
            if std::env::var_os("OCTOLINT_TIMINGS").is_some() && t.elapsed().as_millis() > 1 {
                eprintln!(
                    "octolint:   {} {:.1} ms",
                    rule.meta().id,
                    t.elapsed().as_secs_f64() * 1e3
                );
            }
            found
        })
        .collect();
    // Terraform: resolve stacks once, then run the Terraform rules in parallel.
    if rules
        .iter()
        .any(|r| matches!(r.meta().category, "terraform" | "cost" | "environments"))
    {
        let mut model = terraform_model(files, &options.environments);
        // A module directory that exists but was not walked (a symbolic link, an excluded
        // path) is not missing.
        model
            .problems
            .retain(|p| p.target.as_ref().is_none_or(|t| !base.join(t).is_dir()));
        timer.lap("terraform model");
        let tf_found: Vec<Finding> = rules
            .par_iter()
            .flat_map_iter(|rule| {
                let mut found = Vec::new();
                let mut ctx = Ctx::new(options, rule.meta(), &dummy, None, &mut found);
                rule.check_terraform(&model, &mut ctx);
                found
            })
            .collect();
        out.extend(tf_found);
        timer.lap("terraform rules");
    }
    // Annotations on the objects the findings point at apply here too.
    let mut by_path: HashMap<&str, Vec<&ObjectRef<'_>>> = HashMap::new();
    for o in &repo.objects {
        by_path.entry(o.path.as_ref()).or_default().push(o);
    }
    for f in &mut out {
        let Some(span) = f.location.span else {
            continue;
        };
        let owner = by_path.get(f.location.path.as_ref()).and_then(|objs| {
            objs.iter()
                .find(|o| o.doc_span.start <= span.start && span.start <= o.doc_span.end)
        });
        if let Some(ann) = owner.and_then(|o| o.obj.annotation(IGNORE_ANNOTATION)) {
            apply_annotation(ann, std::slice::from_mut(f));
        }
    }
    out
}

/// Directories deployed by Argo CD Applications whose environment is known (from the
/// Application file's path, its name or its destination namespace). A directory deployed to
/// two environments is left out.
fn argo_app_envs(
    files: &[ParsedFile],
    envs: &crate::model::environments::Environments,
) -> Vec<(String, crate::model::env::Env)> {
    use crate::model::env::Env;
    let mut map: BTreeMap<String, Option<Env>> = BTreeMap::new();
    for f in files {
        let Content::Docs(docs) = &f.content else {
            continue;
        };
        for node in docs.iter().flat_map(|d| objects_in(&d.root)) {
            let Some(obj) = K8sObject::from_node(node) else {
                continue;
            };
            if obj.group() != "argoproj.io" || obj.kind != "Application" {
                continue;
            }
            let spec_node = node.get("spec");
            let dest_ns = spec_node
                .and_then(|s| s.path(&["destination", "namespace"]))
                .and_then(Node::as_str);
            let env = envs
                .resolve(&f.path)
                .0
                .map(|s| s.class)
                .or_else(|| Env::from_path(&f.path))
                .or_else(|| obj.name.and_then(Env::from_name))
                .or_else(|| dest_ns.and_then(Env::from_name));
            let Some(env) = env else { continue };
            let sources = spec_node.and_then(|s| s.get("source")).into_iter().chain(
                spec_node
                    .and_then(|s| s.get("sources"))
                    .into_iter()
                    .flat_map(Node::items),
            );
            for src in sources {
                let Some(p) = src.get("path").and_then(Node::as_str) else {
                    continue;
                };
                let dir = p.trim_start_matches("./").trim_end_matches('/').to_string();
                if dir.is_empty() || dir == "." {
                    continue;
                }
                let slot = map.entry(dir).or_insert(Some(env));
                if *slot != Some(env) {
                    *slot = None;
                }
            }
        }
    }
    map.into_iter().filter_map(|(d, e)| Some((d, e?))).collect()
}

/// The Terraform model of every `.tf` file, with `.tfvars` / `.tfvars.json` values.
fn terraform_model(
    files: &[ParsedFile],
    envs: &crate::model::environments::Environments,
) -> crate::terraform::TfModel {
    use crate::terraform::{TfFile, VarFile};
    let mut tf = Vec::new();
    let mut vars = Vec::new();
    for f in files {
        let Some(src) = &f.source else { continue };
        match (&f.content, f.entry.kind) {
            (Content::Hcl(body), FileKind::Terraform) => {
                let file = TfFile {
                    path: &f.path,
                    body,
                    text: &src.text,
                };
                if f.path.ends_with(".tfvars") {
                    vars.push(VarFile::Hcl(file));
                } else {
                    tf.push(file);
                }
            }
            (Content::Docs(docs), FileKind::TerraformJson) if f.path.ends_with(".tfvars.json") => {
                if let Some(d) = docs.first() {
                    vars.push(VarFile::Json {
                        path: &f.path,
                        root: &d.root,
                    });
                }
            }
            _ => {}
        }
    }
    // Conflicting environment globs: say which one wins, once per stack directory.
    let mut dirs: BTreeSet<&str> = BTreeSet::new();
    for f in &tf {
        dirs.insert(f.path.rsplit_once('/').map_or("", |(d, _)| d));
    }
    for d in dirs {
        let (chosen, others) = envs.resolve(&format!("{d}/"));
        if let (Some(c), false) = (chosen, others.is_empty()) {
            eprintln!(
                "octolint: warning: `{}` matches the paths of environments {} and {}; using {} (dev, staging and prod come first, then the others by name)",
                if d.is_empty() { "." } else { d },
                c.name,
                others.join(", "),
                c.name
            );
        }
    }
    crate::terraform::build(&tf, &vars, envs)
}

/// Apply config levels, inline suppressions and the baseline; add regions and
/// fingerprints; sort and dedupe.
fn finalize(
    findings: Vec<Finding>,
    settings: &Settings,
    sources: &HashMap<Arc<str>, Arc<SourceFile>>,
    directives: &HashMap<Arc<str>, Vec<Directive>>,
    baseline: Option<&Baseline>,
) -> Vec<Finding> {
    let mut out: Vec<Finding> = findings
        .into_par_iter()
        .filter_map(|mut f| {
            if !settings.rule_enabled(&f.rule_id, &f.rule_name) {
                return None;
            }
            match settings.level_at(&f.location.path, &f.rule_id, &f.rule_name) {
                Some(Level::Off) => return None,
                Some(Level::On(sev)) => f.severity = sev,
                None => {}
            }
            let src = sources.get(&f.location.path);
            if let (Some(src), Some(span)) = (src, f.location.span) {
                f.location.region = Some(src.region(span));
            }
            for rel in &mut f.related {
                if let (Some(src), Some(span)) = (sources.get(&rel.path), rel.span) {
                    rel.region = Some(src.region(span));
                }
            }
            if f.suppressed.is_none()
                && let (Some(dirs), Some(region)) =
                    (directives.get(&f.location.path), f.location.region)
                && let Some(d) = suppress::find(dirs, region.start.line, &f.rule_id, &f.rule_name)
            {
                f.suppressed = Some(Suppression {
                    kind: "inline",
                    reason: d.reason.clone(),
                });
            }
            Some(f)
        })
        .collect();
    out.par_sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    out.dedup_by(|a, b| a.sort_key() == b.sort_key());

    // Fingerprints: stable under edits elsewhere in the file (no line numbers), made unique
    // by an occurrence counter in output order.
    let mut seen: HashMap<u64, usize> = HashMap::new();
    for f in &mut out {
        let line_text = match (sources.get(&f.location.path), f.location.region) {
            (Some(src), Some(r)) => src.line_text(r.start.line).trim().to_string(),
            _ => String::new(),
        };
        let key = format!(
            "{}\0{}\0{}\0{}",
            f.rule_id,
            f.location.path,
            f.logical.as_deref().unwrap_or(""),
            line_text
        );
        let h = xxh3_64(key.as_bytes());
        let n = seen.entry(h).or_insert(0);
        *n += 1;
        f.fingerprint = format!("{h:016x}:{n}");
        if f.suppressed.is_none()
            && f.redact
            && settings.secrets.fingerprints.contains(&f.fingerprint)
        {
            f.suppressed = Some(Suppression {
                kind: "config",
                reason: Some("fingerprint in [secrets.allowlist] of octolint.toml".into()),
            });
        }
        if f.suppressed.is_none()
            && let Some(b) = baseline
            && b.fingerprints.contains(&f.fingerprint)
        {
            f.suppressed = Some(Suppression {
                kind: "baseline",
                reason: Some("accepted in the baseline".into()),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonc_is_blanked_in_place() {
        let text = "{\n  // c\n  \"a\": \"x//y\", /* b */\n  \"b\": [1, 2,],\n}\n";
        let clean = strip_jsonc(text).expect("changed");
        assert_eq!(clean.len(), text.len());
        let v: serde_json::Value = serde_json::from_str(&clean).expect("valid json");
        assert_eq!(v["a"], "x//y");
        assert!(strip_jsonc("{\"a\": 1}").is_none());
    }

    #[test]
    fn joins_paths() {
        assert_eq!(
            normalize_join("overlays/prod", "../base/patch.yaml"),
            "overlays/base/patch.yaml"
        );
        assert_eq!(normalize_join("", "./p.yaml"), "p.yaml");
        assert_eq!(normalize_join("a/b", "c/../d.yaml"), "a/b/d.yaml");
    }
}
