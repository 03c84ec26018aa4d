//! What a run produced: the findings, the coverage (files seen and what became of them),
//! the sources (for line numbers and excerpts) and the parsed files. Reports read an
//! [`Outcome`]; nothing here runs a stage. Depends on `parse`, `discover`, `model::k8s`,
//! `diagnostics` and `source`.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use rayon::prelude::*;

use crate::diagnostics::suppress::Directive;
use crate::diagnostics::{Finding, Location, RuleMeta, engine, new_finding};
use crate::discover::Discovery;
use crate::model::k8s::holds;
use crate::parse::file::{Content, ParsedFile, Status};
use crate::source::SourceFile;

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
    /// Charts and overlays rendered.
    pub render: crate::render::stage::RenderCoverage,
    /// Custom resources no schema validates ("12 custom resources not validated: no schema").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_resources: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
}

impl Coverage {
    /// "checked 3 files: 3 parsed, 0 failed to parse, …; 3 documents, 3 Kubernetes objects".
    pub fn files_line(&self) -> String {
        format!(
            "checked {} file{}: {} parsed, {} failed to parse, {} templates, {} text, {} binary, {} skipped; {} documents, {} Kubernetes objects",
            self.files,
            if self.files == 1 { "" } else { "s" },
            self.parsed,
            self.failed,
            self.templates,
            self.text,
            self.binary,
            self.skipped.len(),
            self.documents,
            self.kubernetes_objects
        )
    }
}

/// The result of a whole check.
pub struct Outcome {
    /// Sorted; suppressed findings included (see `Finding::suppressed`).
    pub findings: Vec<Finding>,
    pub coverage: Coverage,
    /// The text of (at least) every file a finding or a related location names, by the
    /// path findings show.
    pub sources: HashMap<Arc<str>, Arc<SourceFile>>,
    /// Metadata of every enabled rule, sorted by id.
    pub rules: Vec<&'static RuleMeta>,
    /// Every file with its parsed content (findings moved into `findings`).
    pub files: Vec<ParsedFile>,
    /// How the paths of `findings` and `sources` are shown (SARIF needs them relative to
    /// the repository root).
    pub prefixes: PathPrefixes,
    /// Every secret value of the run: reporters mask them in source excerpts.
    pub secrets: Arc<crate::redact::SecretSet>,
    /// What the render stage made (units, origin maps, the rendered files). Nothing reads it
    /// after the run; it is handed over so that the caller decides when to free it: freeing
    /// millions of tree nodes one by one takes tens of milliseconds, and the CLI leaves that
    /// to the process exit.
    pub rendered: crate::render::stage::Rendered,
}

/// Everything the files hold for finalize and the report.
pub struct Gathered {
    pub coverage: Coverage,
    pub findings: Vec<Finding>,
    pub sources: HashMap<Arc<str>, Arc<SourceFile>>,
    pub directives: HashMap<Arc<str>, Vec<Directive>>,
}

/// Move the findings, sources and directives out of the files and count the coverage.
/// `real`: how many of `files` are real files (rendered ones follow them and are not
/// counted as files).
pub fn gather(
    discovery: &Discovery,
    files: &mut [ParsedFile],
    real: usize,
    rule_findings: Vec<Finding>,
) -> Gathered {
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
    findings.extend(rule_findings);
    for f in files.iter_mut().skip(real) {
        findings.append(&mut f.findings);
    }
    coverage.kubernetes_objects = files[..real.min(files.len())]
        .par_iter()
        .map(|f| f.holds.unwrap_or_else(|| holds(&f.content)).objects)
        .sum();
    for f in files.iter_mut().take(real) {
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

    Gathered {
        coverage,
        findings,
        sources,
        directives,
    }
}

/// How paths are shown. Internally every path is relative to the checked directory; the
/// user sees it relative to where they stand, as they typed it (`display`), and SARIF and
/// fingerprints see it relative to the repository root (`repo`), so that GitHub code
/// scanning maps it and fingerprints stay the same from any directory.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PathPrefixes {
    /// The checked directory as typed, normalized, with a trailing `/` (empty for `.`).
    pub display: String,
    /// The checked directory relative to the repository root, with a trailing `/`.
    pub repo: String,
}

impl PathPrefixes {
    /// A path relative to the checked directory, as the user sees it.
    pub fn display(&self, rel: &str) -> String {
        format!("{}{rel}", self.display)
    }

    /// A path relative to the checked directory, relative to the repository root.
    pub fn repo(&self, rel: &str) -> String {
        format!("{}{rel}", self.repo)
    }

    /// A displayed path relative to the repository root.
    pub fn repo_from_display(&self, shown: &str) -> String {
        self.repo(shown.strip_prefix(self.display.as_str()).unwrap_or(shown))
    }
}

/// `dir` as a prefix: `.` and `./` become empty, `./k8s` becomes `k8s/`.
pub fn dir_prefix(dir: &str) -> String {
    let mut d = dir.replace('\\', "/");
    while let Some(rest) = d.strip_prefix("./") {
        d = rest.to_string();
    }
    let d = d.trim_end_matches('/');
    if d.is_empty() || d == "." {
        String::new()
    } else {
        format!("{d}/")
    }
}
