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

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use rayon::prelude::*;

mod process;
use process::{Timer, release_free_memory};

use crate::config::Settings;
use crate::diagnostics::Finding;
use crate::diagnostics::baseline::Baseline;
use crate::discover::{self, FileKind};
use crate::model::envs::EnvIndex;
use crate::model::{argocd, build, kustomize};
use crate::outcome::{Gathered, Outcome, PathPrefixes};
use crate::parse::file::{LoadOptions, ParsedFile, Status, load};
use crate::policy::Policies;
use crate::redact::{SecretSet, redact_all};
use crate::rules::rule::Rule;
use crate::rules::{registry, run as rules_run};
use crate::source::SourceFile;
use crate::{finalize, outcome, render, terraform};

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
        let model = terraform_model(&files, &settings.options, &opts.base);
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

/// Walk the paths of the run.
fn walk(opts: &RunOptions, settings: &Settings) -> Result<discover::Discovery, String> {
    let mut exclude = settings.exclude.clone();
    exclude.extend(opts.exclude.iter().cloned());
    discover::walk(&discover::Options {
        paths: opts.paths.clone(),
        base: opts.base.clone(),
        exclude,
        follow_links: opts.follow_links,
        threads: opts.jobs,
    })
}

/// The Terraform model of the parsed files.
fn terraform_model(
    files: &[ParsedFile],
    options: &crate::config::RuleOptions,
    base: &std::path::Path,
) -> terraform::TfModel {
    let mut model = terraform::input::model_of(files, options);
    // A module directory that exists but was not walked (a symbolic link, an excluded path)
    // is not missing.
    model
        .problems
        .retain(|p| p.target.as_ref().is_none_or(|t| !base.join(t).is_dir()));
    model
}

/// Build the Terraform model of the run and run the Terraform rules on it (timed on its own:
/// it runs beside the document and repository rules).
fn terraform_stage(
    files: &[ParsedFile],
    rules: &[&'static dyn Rule],
    options: &crate::config::RuleOptions,
    base: &std::path::Path,
) -> Vec<Finding> {
    let mut timer = Timer::new();
    let model = terraform_model(files, options, base);
    timer.lap("terraform model");
    let found = rules_run::check_terraform(&model, rules, options);
    timer.lap("terraform rules");
    found
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
        .map(|e| load(e, &load_opts))
        .collect();
    release_free_memory();
    timer.lap("parse");

    // Rules that read chart files (VAL007) read them under the checked directory.
    let mut run_options = settings.options.clone();
    if run_options.checked_root.is_none() {
        run_options.checked_root = std::path::absolute(&opts.base).ok();
    }
    let options = &run_options;
    let mut rendered = if opts.render {
        let fs = render::stage::LoadedFs::new(&files, &opts.base);
        render::appofapps::plan_and_run(&files, &options.environments, &fs, &opts.base, "").rendered
    } else {
        render::stage::Rendered::default()
    };
    let render_coverage = render::stage::RenderCoverage::of(&rendered);
    let real_files = files.len();
    files.append(&mut rendered.files);
    release_free_memory();
    timer.lap("render");

    let envs = EnvIndex::new(
        &options.environments,
        argocd::app_dirs(&files, &options.environments),
    )
    .with_file_envs(rendered.file_envs());
    let partial = kustomize::kustomize_patches(&files);
    timer.lap("model: environments");

    let rules: Vec<&'static dyn Rule> = registry()
        .iter()
        .copied()
        .filter(|r| !opts.no_builtin && settings.rule_enabled(r.meta().id, r.meta().name))
        .collect();
    let scan_secrets = !opts.no_builtin
        && settings
            .secrets
            .scanner()
            .patterns
            .iter()
            .any(|p| settings.rule_enabled(p.meta.id, p.meta.name));
    let checks = rules_run::FileChecks {
        rules: &rules,
        options,
        envs: &envs,
        secrets: scan_secrets.then_some(&settings.secrets),
    };
    // The Terraform model is built on one worker while the per-document and repository
    // rules use the others; neither changes the files (findings are merged after).
    let (terraform_findings, (doc_findings, repo_findings, custom_resources)) = rayon::join(
        || {
            rules_run::needs_terraform(&rules)
                .then(|| terraform_stage(&files, &rules, options, &opts.base))
        },
        || {
            timer.restart();
            let doc_findings: Vec<Vec<Finding>> = files
                .par_iter()
                .map(|f| rules_run::check_file(f, &checks, partial.contains(f.path.as_ref())))
                .collect();
            timer.lap("doc rules");
            let default_namespaces = rendered.default_namespaces();
            let repo = build::build_repo(
                &files,
                &partial,
                &envs,
                options,
                &opts.base,
                &default_namespaces,
            );
            timer.lap("repo model");
            let found = rules_run::check_repo(&repo, &rules, options);
            let custom_resources = rules
                .iter()
                .any(|r| r.meta().id == "VAL006")
                .then(|| crate::rules::builtin::validation::crd_coverage(&repo, options).line())
                .flatten();
            timer.lap("repo rules");
            (doc_findings, found, custom_resources)
        },
    );
    for (f, found) in files.iter_mut().zip(doc_findings) {
        f.findings.extend(found);
    }
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
    let mut findings = findings;
    let mut sources = sources;
    finalize::display_paths(
        &mut findings,
        &mut sources,
        &mut coverage.skipped,
        &opts.prefixes,
    );
    timer.lap("finalize");
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
