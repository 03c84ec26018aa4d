//! Command line: argument parsing, settings assembly, running the pipeline, writing the
//! report and choosing the exit code (0 clean, 1 findings at or above `--fail-on`, 2 usage,
//! config or internal errors).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};

use crate::config::{self, Settings};
use crate::diagnostics::Severity;
use crate::diagnostics::baseline::Baseline;
use crate::diagnostics::suppress::selector_matches;
use crate::pipeline::{self, RunOptions};
use crate::policy::{Policies, PolicyOptions};
use crate::report::{self, Format, ReportOptions};
use crate::rules::docs;

#[derive(Parser, Debug)]
#[command(
    name = "octolint",
    version,
    about = "Fast, parallel GitOps policy and validation linter"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check a repository (or files) and report findings
    Check(Box<CheckArgs>),
    /// List every rule
    Rules {
        #[arg(long, value_enum, default_value_t = RulesFormat::Table)]
        format: RulesFormat,
    },
    /// Print the documentation of a rule
    Explain {
        /// Rule id or name (e.g. K8S001 or privileged-container)
        rule: String,
    },
    /// Run the `test_*` rules of Rego policies (like `conftest verify`)
    Verify(VerifyArgs),
    /// Estimate the monthly cost of each environment's Terraform stacks (offline)
    Cost(CostArgs),
    /// Print what a Helm chart or a Kustomize overlay renders to (like `helm template` or
    /// `kubectl kustomize`), in-process
    Render(RenderArgs),
    /// List what Argo CD deploys from this repository: Applications (and charts and overlays
    /// no Application covers) with environment, source, render status and objects
    Apps(AppsArgs),
}

#[derive(clap::Args, Debug)]
pub struct AppsArgs {
    /// Repository or directory
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
    /// Worker threads [default: number of CPUs]
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RenderOutput {
    Yaml,
    Json,
}

#[derive(clap::Args, Debug)]
pub struct RenderArgs {
    /// Chart directory (with Chart.yaml) or kustomization directory
    pub dir: PathBuf,
    /// Helm values file (repeatable, applied in order)
    #[arg(short = 'f', long = "values", value_name = "FILE")]
    pub values: Vec<PathBuf>,
    /// Helm value KEY=VALUE (repeatable)
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Helm release name [default: release-name]
    #[arg(long, value_name = "NAME")]
    pub release_name: Option<String>,
    /// Release namespace [default: default]
    #[arg(short = 'n', long, value_name = "NS")]
    pub namespace: Option<String>,
    /// Kubernetes version for `.Capabilities` (1.31 or 1.31.0) [default: 1.31]
    #[arg(long, value_name = "VERSION")]
    pub kube_version: Option<String>,
    /// Environment whose values files apply
    #[arg(long, value_name = "ENV")]
    pub env: Option<String>,
    #[arg(long, value_enum, default_value_t = RenderOutput::Yaml)]
    pub format: RenderOutput,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CostFormat {
    Text,
    Json,
    Markdown,
}

#[derive(clap::Args, Debug)]
pub struct CostArgs {
    /// Repository or directory to estimate
    #[arg(default_value = ".")]
    pub path: PathBuf,
    #[arg(short, long, value_enum, default_value_t = CostFormat::Text)]
    pub format: CostFormat,
    /// Use this config file instead of searching for octolint.toml
    #[arg(short, long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Ignore any octolint.toml
    #[arg(long)]
    pub no_config: bool,
    /// Worker threads [default: number of CPUs]
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Compare with a previous `octolint cost --format json` (e.g. from the base branch)
    #[arg(long, value_name = "BASE.json")]
    pub compare: Option<PathBuf>,
    /// With --compare: exit 1 when an environment's cost rises by more than PERCENT% or USD
    #[arg(long, value_name = "PERCENT%|USD", requires = "compare")]
    pub fail_on_increase: Option<crate::cost::compare::Gate>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RegoVersion {
    V0,
    V1,
}

#[derive(clap::Args, Debug)]
pub struct VerifyArgs {
    /// Policy directory or file (repeatable)
    #[arg(
        short = 'p',
        long = "policy",
        value_name = "DIR",
        default_value = "policy"
    )]
    pub policy: Vec<PathBuf>,
    /// Data directory or file (repeatable)
    #[arg(short = 'd', long = "data", value_name = "DIR")]
    pub data: Vec<PathBuf>,
    /// Rego syntax of the policies
    #[arg(long, value_enum, default_value_t = RegoVersion::V1)]
    pub rego_version: RegoVersion,
    /// Verify octolint's bundled policies instead
    #[arg(long)]
    pub bundled: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum RulesFormat {
    Table,
    Json,
    Markdown,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// Do not render Helm charts or build Kustomize overlays (check the files as written)
    #[arg(long)]
    pub no_render: bool,
    /// Files or directories to check
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Output format
    #[arg(short, long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write a report to a file (repeatable). `FORMAT=FILE` writes one more report in that
    /// format (text, json, sarif, github, summary) from the same run; a plain `FILE` receives
    /// the `--format` report instead of standard output. Example: `--format github -o
    /// sarif=octolint.sarif -o summary=$GITHUB_STEP_SUMMARY`
    #[arg(short, long, value_name = "[FORMAT=]FILE")]
    pub output: Vec<String>,
    /// Print only the number of findings per rule and severity, then the totals (text)
    #[arg(long)]
    pub statistics: bool,
    /// Lowest severity that makes the exit code 1 [default: error, or `fail-on` from config]
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    /// Worker threads [default: number of CPUs]
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Skip paths matching GLOB (repeatable)
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Use this config file instead of searching for octolint.toml
    #[arg(short, long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Ignore any octolint.toml
    #[arg(long)]
    pub no_config: bool,
    /// Run only these rules (ids, names or id prefixes; repeatable or comma-separated)
    #[arg(long, value_name = "RULE", value_delimiter = ',')]
    pub select: Vec<String>,
    /// Do not run these rules (ids, names or id prefixes; repeatable or comma-separated)
    #[arg(long, value_name = "RULE", value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Treat findings whose fingerprints are in FILE as suppressed
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Write the fingerprints of all current findings to FILE and exit 0
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Colour in text output
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Follow symbolic links while walking
    #[arg(long)]
    pub follow_links: bool,
    /// Also show suppressed findings (text, github, sarif)
    #[arg(long)]
    pub show_suppressed: bool,
    /// SARIF automationDetails.id (GitHub code scanning category)
    #[arg(long, value_name = "ID", default_value = "octolint/")]
    pub sarif_category: String,
    /// Rego policy directory or file (repeatable) [default: ./policy when it exists]
    #[arg(short = 'p', long = "policy", value_name = "DIR")]
    pub policy: Vec<PathBuf>,
    /// JSON/YAML data for the policies, placed under `data` by directory (repeatable)
    #[arg(short = 'd', long = "data", value_name = "DIR")]
    pub data: Vec<PathBuf>,
    /// Policy namespaces to evaluate (globs allowed; repeatable) [default: main]
    #[arg(short = 'n', long = "namespace", value_name = "NS")]
    pub namespace: Vec<String>,
    /// Evaluate every namespace of the policies
    #[arg(long, conflicts_with = "namespace")]
    pub all_namespaces: bool,
    /// Evaluate the policies once over all documents as `[{path, contents}]`
    #[arg(long)]
    pub combine: bool,
    /// Rego syntax of your policies
    #[arg(long, value_enum, default_value_t = RegoVersion::V1)]
    pub rego_version: RegoVersion,
    /// Run only Rego policies: no built-in rules, bundled policies or secret scanning
    #[arg(long)]
    pub no_builtin: bool,
}

/// Run the CLI and return the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    match cli.command {
        Command::Check(args) => match check(&args) {
            Ok(code) => code,
            Err(msg) => {
                eprintln!("octolint: error: {msg}");
                2
            }
        },
        Command::Cost(args) => match cost(&args) {
            Ok(code) => code,
            Err(msg) => {
                eprintln!("octolint: error: {msg}");
                2
            }
        },
        Command::Apps(args) => {
            match crate::render::command::apps(&args.path, args.json, jobs_or_cpus(args.jobs)) {
                Ok(code) => code,
                Err(msg) => {
                    eprintln!("octolint: error: {msg}");
                    2
                }
            }
        }
        Command::Render(args) => {
            let req = crate::render::command::RenderRequest {
                dir: args.dir,
                values: args.values,
                set: args.set,
                release_name: args.release_name,
                namespace: args.namespace,
                kube_version: args.kube_version,
                env: args.env,
                format: match args.format {
                    RenderOutput::Yaml => crate::render::command::RenderFormat::Yaml,
                    RenderOutput::Json => crate::render::command::RenderFormat::Json,
                },
            };
            match crate::render::command::run(&req) {
                Ok(code) => code,
                Err(msg) => {
                    eprintln!("octolint: error: {msg}");
                    2
                }
            }
        }
        Command::Verify(args) => match verify(&args) {
            Ok(code) => code,
            Err(msg) => {
                eprintln!("octolint: error: {msg}");
                2
            }
        },
        Command::Rules { format } => {
            let mut metas = crate::catalog::all_meta();
            metas.extend(cwd_custom_metas());
            metas.sort_by_key(|m| m.id);
            let out = match format {
                RulesFormat::Table => docs::table(&metas),
                RulesFormat::Json => docs::json(&metas),
                RulesFormat::Markdown => docs::markdown_index(&metas),
            };
            print!("{out}");
            0
        }
        Command::Explain { rule } => match crate::catalog::find_meta(&rule).or_else(|| {
            cwd_custom_metas()
                .into_iter()
                .find(|m| m.id.eq_ignore_ascii_case(&rule) || m.name == rule)
        }) {
            Some(m) => {
                print!("{}", docs::markdown_page(m));
                0
            }
            None => {
                eprintln!(
                    "octolint: error: unknown rule `{rule}` (run `octolint rules` for the list)"
                );
                2
            }
        },
    }
}

/// Secret patterns added by the `octolint.toml` of the current directory (or above).
fn cwd_custom_metas() -> Vec<&'static crate::diagnostics::RuleMeta> {
    config::discover(Path::new("."))
        .and_then(|p| Settings::load(&p).ok())
        .map(|s| s.secrets.scanner().custom_metas())
        .unwrap_or_default()
}

fn check_selectors(list: &[String], flag: &str, settings: &Settings) -> Result<(), String> {
    let custom = settings.secrets.scanner().custom_metas();
    for s in list {
        let known = s.eq_ignore_ascii_case("all")
            || crate::catalog::all_meta()
                .iter()
                .chain(&custom)
                .any(|m| selector_matches(s, m.id, m.name));
        if !known {
            return Err(format!(
                "unknown rule `{s}` in {flag} (run `octolint rules` for the list)"
            ));
        }
    }
    Ok(())
}

fn load_settings(args: &CheckArgs, first: &Path) -> Result<Settings, String> {
    let path = if args.no_config {
        None
    } else if let Some(p) = &args.config {
        Some(p.clone())
    } else {
        config::discover(first)
    };
    let mut settings = match path {
        Some(p) => Settings::load(&p)
            .and_then(|s| crate::catalog::validate(&s).map(|()| s))
            .map_err(|e| format!("invalid config: {e}"))?,
        None => Settings::defaults(),
    };
    check_selectors(&args.select, "--select", &settings)?;
    check_selectors(&args.ignore, "--ignore", &settings)?;
    if !args.select.is_empty() {
        settings.select = args.select.clone();
    }
    settings.ignore.extend(args.ignore.iter().cloned());
    Ok(settings)
}

/// Compile the user's and the bundled policies once.
fn load_policies(
    args: &CheckArgs,
    settings: &Settings,
) -> Result<Option<std::sync::Arc<Policies>>, String> {
    let mut dirs = args.policy.clone();
    if dirs.is_empty() && Path::new("policy").is_dir() {
        dirs.push(PathBuf::from("policy"));
    }
    for d in &dirs {
        if std::fs::metadata(d).is_err() {
            return Err(format!("policy path `{}` does not exist", d.display()));
        }
    }
    let opts = PolicyOptions {
        dirs,
        data: args.data.clone(),
        namespaces: args.namespace.clone(),
        all_namespaces: args.all_namespaces,
        combine: args.combine,
        rego_v0: args.rego_version == RegoVersion::V0,
        bundled: !args.no_builtin,
        tests: false,
        limits: Default::default(),
    };
    let started = std::time::Instant::now();
    let loaded = match Policies::load(&opts) {
        Ok(Some(mut p)) => {
            // Rules whose id is selected by a result's `id` key are only known at run time,
            // so a rule is dropped only when its own id and name are turned off.
            let any = p.retain(|m| settings.rule_enabled(m.id, m.name));
            Ok(any.then(|| std::sync::Arc::new(p)))
        }
        Ok(None) => Ok(None),
        Err(e) => Err(format!("policy error: {e}")),
    };
    if std::env::var_os("OCTOLINT_TIMINGS").is_some() {
        eprintln!(
            "octolint: {:<10} {:>8.1} ms",
            "policy load",
            started.elapsed().as_secs_f64() * 1000.0
        );
    }
    loaded
}

/// Most worker threads per CPU `-j` may ask for, and at most this many in all.
const JOBS_PER_CPU: usize = 4;
const MAX_JOBS: usize = 256;

/// `-j N` clamped to [`JOBS_PER_CPU`] × CPUs (at most [`MAX_JOBS`]), or the number of CPUs.
fn jobs_or_cpus(jobs: Option<usize>) -> usize {
    let cpus = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let (n, note) = clamp_jobs(jobs, cpus);
    if let Some(note) = note {
        eprintln!("octolint: {note}");
    }
    n
}

/// The thread count for `-j jobs` on `cpus` CPUs, and a note when it was lowered.
pub fn clamp_jobs(jobs: Option<usize>, cpus: usize) -> (usize, Option<String>) {
    let cpus = cpus.max(1);
    let Some(asked) = jobs else {
        return (cpus.min(MAX_JOBS), None);
    };
    let cap = cpus.saturating_mul(JOBS_PER_CPU).min(MAX_JOBS);
    if asked > cap {
        (
            cap,
            Some(format!(
                "-j {asked} is more than {JOBS_PER_CPU} threads per CPU ({cpus} CPUs); using -j {cap}"
            )),
        )
    } else {
        (asked.max(1), None)
    }
}

fn cost(args: &CostArgs) -> Result<i32, String> {
    if std::fs::symlink_metadata(&args.path).is_err() {
        return Err(format!("path `{}` does not exist", args.path.display()));
    }
    let cfg = if args.no_config {
        None
    } else if let Some(p) = &args.config {
        Some(p.clone())
    } else {
        config::discover(&args.path)
    };
    let settings = match cfg {
        Some(p) => Settings::load(&p)
            .and_then(|s| crate::catalog::validate(&s).map(|()| s))
            .map_err(|e| format!("invalid config: {e}"))?,
        None => Settings::defaults(),
    };
    let base = if args.path.is_dir() {
        args.path.clone()
    } else {
        PathBuf::from(".")
    };
    let jobs = jobs_or_cpus(args.jobs);
    let opts = RunOptions {
        paths: vec![args.path.clone()],
        base,
        follow_links: false,
        jobs,
        exclude: Vec::new(),
        baseline: None,
        policies: None,
        no_builtin: false,
        render: false,
        prefixes: Default::default(),
    };
    let tf = pipeline::terraform_only(&opts, &settings)?;
    let prices = crate::cost::prices::table_for(&settings.options.price_overrides);
    let envs = crate::cost::estimate(&tf.model, &settings.options.environments, &prices);
    for f in &tf.failed {
        eprintln!("octolint: {f} does not parse; its resources are not estimated");
    }
    let mut code = 0;
    let out = if let Some(base) = &args.compare {
        use crate::cost::compare;
        let text = std::fs::read_to_string(base)
            .map_err(|e| format!("cannot read `{}`: {e}", base.display()))?;
        let old = compare::from_json(&text).map_err(|e| format!("`{}`: {e}", base.display()))?;
        let deltas = compare::compare(&old, &compare::from_estimate(&envs));
        let failures = args
            .fail_on_increase
            .map(|g| g.failures(&deltas))
            .unwrap_or_default();
        if !failures.is_empty() {
            code = 1;
        }
        match args.format {
            CostFormat::Json => report::cost::compare_json(&deltas, &failures),
            CostFormat::Text => report::cost::compare_text(&deltas, &failures),
            CostFormat::Markdown => report::cost::compare_markdown(&deltas, &failures),
        }
    } else {
        match args.format {
            CostFormat::Json => report::cost::json(&envs, &tf.sources),
            CostFormat::Text => report::cost::text(&envs, &tf.sources, &prices.tables),
            CostFormat::Markdown => report::cost::markdown(&envs),
        }
    };
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(out.as_bytes());
    Ok(code)
}

fn verify(args: &VerifyArgs) -> Result<i32, String> {
    let opts = PolicyOptions {
        dirs: if args.bundled {
            Vec::new()
        } else {
            args.policy.clone()
        },
        data: args.data.clone(),
        all_namespaces: true,
        rego_v0: args.rego_version == RegoVersion::V0,
        bundled: args.bundled,
        tests: true,
        ..PolicyOptions::default()
    };
    if !args.bundled {
        for d in &opts.dirs {
            if std::fs::metadata(d).is_err() {
                return Err(format!("policy path `{}` does not exist", d.display()));
            }
        }
    }
    let policies = Policies::load(&opts)
        .map_err(|e| format!("policy error: {e}"))?
        .ok_or("no policies found")?;
    let results = crate::policy::verify::run(&policies);
    let mut out = std::io::stdout().lock();
    let (mut passed, mut failed) = (0, 0);
    for r in &results {
        let status = if r.passed { "PASS" } else { "FAIL" };
        let _ = match &r.error {
            Some(e) => writeln!(out, "{status} - {} - {}: {e}", r.file, r.name),
            None => writeln!(out, "{status} - {} - {}", r.file, r.name),
        };
        if r.passed {
            passed += 1;
        } else {
            failed += 1;
        }
    }
    let _ = writeln!(out, "\n{passed} passed, {failed} failed");
    Ok(i32::from(failed > 0))
}

/// The repository root (the Git work tree's top level, else the current directory when the
/// checked directory is inside it, else the checked directory) and the checked directory's
/// path inside it as a prefix.
fn repository_root(base: &Path, cwd: &Path, display: &str) -> (PathBuf, String) {
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let base_c = canon(base);
    if let Some(top) = crate::model::origin::git(base, &["rev-parse", "--show-toplevel"]) {
        let top_c = canon(Path::new(&top));
        if let Ok(rel) = base_c.strip_prefix(&top_c) {
            let rel = rel.to_string_lossy().replace('\\', "/");
            return (top_c, crate::outcome::dir_prefix(&rel));
        }
    }
    let cwd_c = canon(cwd);
    match base_c.strip_prefix(&cwd_c) {
        Ok(rel) if !display.starts_with('/') => {
            let rel = rel.to_string_lossy().replace('\\', "/");
            (cwd_c, crate::outcome::dir_prefix(&rel))
        }
        _ => (base_c, String::new()),
    }
}

/// Where the reports go: the `--format` report's file (standard output when `None`) and the
/// extra reports.
type Outputs = (Option<PathBuf>, Vec<(Format, PathBuf)>);

/// `-o` values: the file of the `--format` report (a plain `FILE`) and the extra reports
/// (`FORMAT=FILE`, FORMAT a known format name).
fn split_outputs(values: &[String]) -> Result<Outputs, String> {
    let mut main = None;
    let mut extra: Vec<(Format, PathBuf)> = Vec::new();
    for v in values {
        let format = v
            .split_once('=')
            .and_then(|(name, file)| Some((Format::from_str(name, true).ok()?, file)));
        let path = match format {
            Some((format, file)) => {
                if file.is_empty() {
                    return Err(format!("`-o {v}`: no file after `=`"));
                }
                extra.push((format, PathBuf::from(file)));
                continue;
            }
            None if main.is_some() => {
                return Err(format!(
                    "`-o {v}`: the `--format` report already goes to a file; write more reports with `-o FORMAT=FILE`"
                ));
            }
            None => PathBuf::from(v),
        };
        main = Some(path);
    }
    let mut seen: Vec<&PathBuf> = main.iter().collect();
    for (_, p) in &extra {
        if seen.contains(&p) {
            return Err(format!("two reports would be written to `{}`", p.display()));
        }
        seen.push(p);
    }
    Ok((main, extra))
}

/// Write a report file. The file named by `$GITHUB_STEP_SUMMARY` is appended to, as GitHub
/// expects (earlier commands of the step may have written to it); others are replaced.
fn write_report(path: &Path, text: &str) -> Result<(), String> {
    let append = std::env::var_os("GITHUB_STEP_SUMMARY").is_some_and(|s| Path::new(&s) == path);
    let result = if append {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .and_then(|mut f| f.write_all(text.as_bytes()))
    } else {
        std::fs::write(path, text)
    };
    result.map_err(|e| format!("cannot write `{}`: {e}", path.display()))
}

/// The cost of each environment for the job summary, when the cost rule ran and the
/// repository has Terraform stacks.
fn summary_cost(
    outcome: &crate::outcome::Outcome,
    settings: &Settings,
) -> Option<Vec<crate::cost::EnvCost>> {
    if !outcome.rules.iter().any(|m| m.id == "COST001") {
        return None;
    }
    let envs = &settings.options.environments;
    let model = crate::terraform::input::model_of(&outcome.files, &settings.options);
    let prices = crate::cost::prices::table_for(&settings.options.price_overrides);
    let costs: Vec<_> = crate::cost::estimate(&model, envs, &prices)
        .into_iter()
        .filter(|e| !e.stacks.is_empty())
        .collect();
    (!costs.is_empty()).then_some(costs)
}

fn check(args: &CheckArgs) -> Result<i32, String> {
    let (main_file, extra) = split_outputs(&args.output)?;
    if args.statistics && args.format != Format::Text {
        return Err("`--statistics` prints text: it cannot be combined with `--format`".into());
    }
    for p in &args.paths {
        if std::fs::symlink_metadata(p).is_err() {
            return Err(format!("path `{}` does not exist", p.display()));
        }
    }
    let first = args
        .paths
        .first()
        .cloned()
        .unwrap_or_else(|| PathBuf::from("."));
    let mut settings = load_settings(args, &first)?;
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the current directory: {e}"))?;
    let base = if args.paths.len() == 1 && first.is_dir() {
        first.clone()
    } else {
        PathBuf::from(".")
    };
    let root = std::path::absolute(&base).unwrap_or_else(|_| cwd.clone());
    let display = if args.paths.len() == 1 && first.is_dir() {
        crate::outcome::dir_prefix(&first.to_string_lossy())
    } else {
        String::new()
    };
    let (repo_root, repo_prefix) = repository_root(&root, &cwd, &display);
    let prefixes = crate::outcome::PathPrefixes {
        display,
        repo: repo_prefix,
    };
    settings.options.checked_root = Some(root.clone());
    let baseline = match &args.baseline {
        Some(p) if args.write_baseline.is_none() => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| format!("cannot read baseline `{}`: {e}", p.display()))?;
            Some(
                Baseline::parse(&text)
                    .map_err(|e| format!("invalid baseline `{}`: {e}", p.display()))?,
            )
        }
        _ => None,
    };
    let jobs = jobs_or_cpus(args.jobs);
    let policies = load_policies(args, &settings)?;
    let opts = RunOptions {
        paths: args.paths.clone(),
        base,
        follow_links: args.follow_links,
        jobs,
        exclude: args.exclude.clone(),
        baseline,
        policies,
        no_builtin: args.no_builtin,
        render: !args.no_render,
        prefixes: prefixes.clone(),
    };
    let outcome = pipeline::run(&opts, &settings)?;

    if let Some(path) = &args.write_baseline {
        let b = Baseline::from_findings(&outcome.findings);
        std::fs::write(path, b.to_json())
            .map_err(|e| format!("cannot write baseline `{}`: {e}", path.display()))?;
        eprintln!(
            "octolint: wrote {} fingerprint(s) to {}",
            b.fingerprints.len(),
            path.display()
        );
        return Ok(0);
    }

    let color = main_file.is_none()
        && match args.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::io::stdout().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        };
    let ropts = ReportOptions {
        root: repo_root,
        color,
        show_suppressed: args.show_suppressed,
        category: args.sarif_category.clone(),
        secrets: Some(outcome.secrets.clone()),
    };
    let cost = if args.format == Format::Summary || extra.iter().any(|(f, _)| *f == Format::Summary)
    {
        summary_cost(&outcome, &settings)
    } else {
        None
    };
    let render = |format: Format, opts: &ReportOptions| match format {
        Format::Summary => report::summary::render(&outcome, opts, cost.as_deref()),
        f => report::render(f, &outcome, opts),
    };
    for (format, path) in &extra {
        let plain = ReportOptions {
            color: false,
            ..ropts.clone()
        };
        write_report(path, &render(*format, &plain))?;
    }
    let rendered = if args.statistics {
        report::text::statistics(&outcome)
    } else {
        render(args.format, &ropts)
    };
    match &main_file {
        Some(path) => write_report(path, &rendered)?,
        None => {
            let mut out = std::io::stdout().lock();
            // A closed pipe (`| head`) is not an error worth reporting.
            let _ = out.write_all(rendered.as_bytes());
            let _ = out.flush();
        }
    }

    let threshold = match args.fail_on {
        Some(FailOn::Never) => None,
        Some(FailOn::Error) => Some(Severity::Error),
        Some(FailOn::Warning) => Some(Severity::Warning),
        Some(FailOn::Info) => Some(Severity::Info),
        None => Some(settings.fail_on.unwrap_or(Severity::Error)),
    };
    let failing = threshold.is_some_and(|t| {
        outcome
            .findings
            .iter()
            .any(|f| f.suppressed.is_none() && f.severity >= t)
    });
    // The process exits next: freeing millions of tree nodes one by one would only add
    // time (about a fifth of a run on a large repository).
    std::mem::forget(outcome);
    Ok(i32::from(failing))
}
