//! The pipeline: it only orchestrates the stages, each of which lives in its own module.
//!
//! ```text
//! discover -> parse (load) -> model -> rules -> policies -> finalize -> report
//! ```
//!
//! `discover` walks the tree; `parse::file` loads and parses each file in parallel;
//! `model` resolves environments, Kustomize and Argo CD relations and builds the repository
//! and Terraform models; `rules::run` runs per-document rules (in parallel across files),
//! repository rules and Terraform rules; `policy::run` evaluates Rego; `finalize` applies
//! suppressions, fingerprints and sorts. Reports are written by `report` from the
//! [`Outcome`]. Stage timings go to stderr when `OCTOLINT_TIMINGS` is set.
//!
//! After parsing, two sides run at once (`stages`): the Terraform model and rules, from a
//! shared copy of the Terraform trees, on one worker; render, environments, document and
//! repository rules on the others.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use rayon::prelude::*;

mod process;
mod stages;
use process::{Timer, release_free_memory};
use stages::{Checked, render_and_check, terraform_model, terraform_stage, walk};

use crate::config::Settings;
use crate::diagnostics::baseline::Baseline;
use crate::discover::FileKind;
use crate::outcome::{Gathered, Outcome, PathPrefixes};
use crate::parse::file::{LoadOptions, ParsedFile, Status, load};
use crate::policy::Policies;
use crate::redact::{SecretSet, redact_all};
use crate::rules::rule::Rule;
use crate::rules::{registry, run as rules_run};
use crate::source::SourceFile;
use crate::terraform::input::TfInput;
use crate::{finalize, outcome, render};

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
    /// Render Helm charts and build Kustomize overlays, and check what they produce.
    pub render: bool,
    /// How paths are shown and fingerprinted.
    pub prefixes: PathPrefixes,
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
        let discovery = walk(opts, settings)?;
        let load_opts = LoadOptions {
            max_size: settings.max_file_size,
        };
        let files: Vec<ParsedFile> = discovery
            .entries
            .into_par_iter()
            .filter(|e| matches!(e.kind, FileKind::Terraform | FileKind::TerraformJson))
            .map(|e| load(e, &load_opts))
            .collect();
        let model = terraform_model(&TfInput::of(&files), &settings.options, &opts.base);
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

fn run_in_pool(opts: &RunOptions, settings: &Settings) -> Result<Outcome, String> {
    let mut timer = Timer::new();
    let discovery = walk(opts, settings)?;
    timer.lap("discover");

    let load_opts = LoadOptions {
        max_size: settings.max_file_size,
    };
    let mut files: Vec<ParsedFile> = discovery
        .entries
        .par_iter()
        .cloned()
        .map(|e| {
            let mut f = load(e, &load_opts);
            f.holds = Some(crate::model::k8s::holds(&f.content));
            f
        })
        .collect();
    release_free_memory();
    timer.lap("parse");

    // Rules that read chart files (VAL007) read them under the checked directory.
    let mut run_options = settings.options.clone();
    if run_options.checked_root.is_none() {
        run_options.checked_root = std::path::absolute(&opts.base).ok();
    }
    let options = &run_options;
    let rules: Vec<&'static dyn Rule> = registry()
        .iter()
        .copied()
        .filter(|r| !opts.no_builtin && settings.rule_enabled(r.meta().id, r.meta().name))
        .collect();
    // The Terraform model is built on one worker from its own (shared) input, while the
    // other stages change the files: render, environments, the document and repository
    // rules. It is done long before the render stage's memory peaks.
    let tf_input = rules_run::needs_terraform(&rules).then(|| TfInput::of(&files));
    let (terraform_findings, checked) = rayon::join(
        || tf_input.map(|input| terraform_stage(&input, &rules, options, &opts.base)),
        || render_and_check(&mut files, &rules, options, opts, settings, &mut timer),
    );
    let Checked {
        mut rendered,
        render_coverage,
        real_files,
        repo_findings,
        custom_resources,
    } = checked;
    release_free_memory();
    let mut rule_findings = repo_findings;
    rule_findings.extend(terraform_findings.into_iter().flatten());

    if let Some(policies) = &opts.policies {
        let inputs = crate::policy::run::evaluate(policies, &mut files, settings);
        if timer.on {
            eprintln!("octolint: policy inputs {inputs}");
        }
        timer.lap("policies");
    }

    let Gathered {
        coverage,
        findings,
        sources,
        directives,
    } = outcome::gather(&discovery, &mut files, real_files, rule_findings);
    timer.lap("gather");
    let mut coverage = coverage;
    coverage.render = render_coverage;
    coverage.custom_resources = custom_resources;
    let mut findings = findings;
    findings.append(&mut rendered.findings);
    let mut findings = render::stage::remap(findings, &rendered);
    // Redaction is a property of the output: every value a scanner hit or a Secret object
    // (plain or rendered) marks as secret is masked wherever it appears.
    let secrets = SecretSet::of_run(&findings, &sources, &files);
    redact_all(&mut findings, &secrets);
    timer.lap("redact");
    rendered.files = files.split_off(real_files);
    let findings = finalize::prefer_secret_findings(findings);
    let findings = finalize::finalize(
        findings,
        settings,
        &sources,
        &directives,
        opts.baseline.as_ref(),
        &opts.prefixes,
    );
    timer.lap("finalize");
    let mut findings = findings;
    let mut sources = sources;
    finalize::display_paths(
        &mut findings,
        &mut sources,
        &mut coverage.skipped,
        &opts.prefixes,
    );
    timer.lap("display paths");
    Ok(Outcome {
        rules: crate::catalog::enabled(
            opts.no_builtin,
            opts.policies.as_deref(),
            settings,
            &findings,
        ),
        findings,
        coverage,
        sources,
        files,
        prefixes: opts.prefixes.clone(),
        secrets: Arc::new(secrets),
        rendered,
    })
}
