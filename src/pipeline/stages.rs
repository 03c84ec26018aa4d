//! The stages the pipeline runs side by side: the Terraform model on one worker, and
//! render, environments, document and repository rules on the others.

use rayon::prelude::*;

use super::RunOptions;
use super::process::{Timer, release_free_memory};
use crate::config::Settings;
use crate::diagnostics::Finding;
use crate::discover;
use crate::model::envs::EnvIndex;
use crate::model::{argocd, build, kustomize};
use crate::parse::file::ParsedFile;
use crate::render;
use crate::rules::rule::Rule;
use crate::rules::run as rules_run;
use crate::terraform;
use crate::terraform::input::TfInput;

/// Walk the paths of the run.
pub(super) fn walk(opts: &RunOptions, settings: &Settings) -> Result<discover::Discovery, String> {
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

/// The Terraform model of the run's Terraform files.
pub(super) fn terraform_model(
    input: &TfInput,
    options: &crate::config::RuleOptions,
    base: &std::path::Path,
) -> terraform::TfModel {
    let mut model = terraform::input::model_of_input(input, options);
    // A module directory that exists but was not walked (a symbolic link, an excluded path)
    // is not missing.
    model
        .problems
        .retain(|p| p.target.as_ref().is_none_or(|t| !base.join(t).is_dir()));
    model
}

/// Build the Terraform model of the run and run the Terraform rules on it (timed on its own:
/// it runs beside the document and repository rules).
pub(super) fn terraform_stage(
    input: &TfInput,
    rules: &[&'static dyn Rule],
    options: &crate::config::RuleOptions,
    base: &std::path::Path,
) -> Vec<Finding> {
    let mut timer = Timer::new();
    let model = terraform_model(input, options, base);
    timer.lap("terraform model");
    let found = rules_run::check_terraform(&model, rules, options);
    drop(model);
    // The other stages are still growing: give them the pages the evaluation used.
    release_free_memory();
    timer.lap("terraform rules");
    found
}

/// What the stages beside the Terraform model produce.
pub(super) struct Checked {
    pub(super) rendered: render::stage::Rendered,
    pub(super) render_coverage: render::stage::RenderCoverage,
    /// How many of the files are real (rendered ones follow).
    pub(super) real_files: usize,
    pub(super) repo_findings: Vec<Finding>,
    pub(super) custom_resources: Option<String>,
}

/// Render, resolve environments, and run the document and repository rules (their
/// findings go into the files, or are returned for the repository rules).
pub(super) fn render_and_check(
    files: &mut Vec<ParsedFile>,
    rules: &[&'static dyn Rule],
    options: &crate::config::RuleOptions,
    opts: &RunOptions,
    settings: &Settings,
    timer: &mut Timer,
) -> Checked {
    timer.restart();
    let mut rendered = if opts.render {
        let fs = render::stage::LoadedFs::new(files, &opts.base);
        render::appofapps::plan_and_run(files, &options.environments, &fs, &opts.base, "").rendered
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
        argocd::app_dirs(files, &options.environments),
    )
    .with_file_envs(rendered.file_envs());
    let partial = kustomize::kustomize_patches(files);
    timer.lap("model: environments");

    let scan_secrets = !opts.no_builtin
        && settings
            .secrets
            .scanner()
            .patterns
            .iter()
            .any(|p| settings.rule_enabled(p.meta.id, p.meta.name));
    let checks = rules_run::FileChecks {
        rules,
        options,
        secrets: scan_secrets.then_some(&settings.secrets),
    };
    // Each file's environment once, for its document rules and the repository model.
    let file_envs = envs.file_envs(files.par_iter().map(|f| f.path.as_ref()));
    files
        .par_iter_mut()
        .zip(file_envs.par_iter())
        .for_each(|(f, &file_env)| {
            let is_patch = partial.contains(f.path.as_ref());
            let found = rules_run::check_file(f, &checks, is_patch, file_env);
            f.findings.extend(found);
        });
    timer.lap("doc rules");
    let default_namespaces = rendered.default_namespaces();
    let repo = build::build_repo(
        files,
        &partial,
        &file_envs,
        options,
        &opts.base,
        &default_namespaces,
    );
    timer.lap("repo model");
    // The custom-resource coverage line reads the repository's CRDs again: beside the rules.
    let (repo_findings, custom_resources) = rayon::join(
        || rules_run::check_repo(&repo, rules, options),
        || {
            rules
                .iter()
                .any(|r| r.meta().id == "VAL006")
                .then(|| crate::rules::builtin::validation::crd_coverage(&repo, options).line())
                .flatten()
        },
    );
    timer.lap("repo rules");
    Checked {
        rendered,
        render_coverage,
        real_files,
        repo_findings,
        custom_resources,
    }
}
