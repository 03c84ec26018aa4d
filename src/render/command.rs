//! `octolint render DIR`: print what `helm template` (for a chart) or `kubectl kustomize`
//! (for a kustomization) prints, rendered in-process.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::helm::{self, HelmOptions};
use super::{DiskFs, Fs, RenderUnit, UnitKind, UnitStatus, kustomize};
use crate::parse::node::{Node, Scalar, Value};

/// Output format of `octolint render`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RenderFormat {
    Yaml,
    Json,
}

/// What `octolint render` was asked for.
#[derive(Clone, Debug)]
pub struct RenderRequest {
    pub dir: PathBuf,
    pub values: Vec<PathBuf>,
    pub set: Vec<String>,
    pub release_name: Option<String>,
    pub namespace: Option<String>,
    pub kube_version: Option<String>,
    pub env: Option<String>,
    pub format: RenderFormat,
}

/// The directory renderers may read: the git work tree holding `dir`, else the current
/// directory when `dir` is inside it, else `dir` itself.
fn root_for(dir: &Path) -> PathBuf {
    let git_top = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["rev-parse", "--show-toplevel"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| PathBuf::from(s.trim()));
    if let Some(top) = git_top {
        return top;
    }
    let cwd = std::env::current_dir()
        .ok()
        .and_then(|c| c.canonicalize().ok());
    match (cwd, dir.canonicalize().ok()) {
        (Some(c), Some(d)) if d.starts_with(&c) => c,
        (_, Some(d)) => d,
        _ => dir.to_path_buf(),
    }
}

/// `path` relative to `root`, `/`-separated; `None` when it lies outside.
fn rel_to(root: &Path, path: &Path) -> Option<String> {
    let root = root.canonicalize().ok()?;
    let abs = path.canonicalize().ok()?;
    let rel = abs.strip_prefix(&root).ok()?;
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    Some(parts.join("/"))
}

/// Run `octolint render`; returns the exit code (0 rendered, 2 failed or unsupported).
pub fn run(req: &RenderRequest) -> Result<i32, String> {
    if !req.dir.is_dir() {
        return Err(format!("{}: not a directory", req.dir.display()));
    }
    let root = root_for(&req.dir);
    let dir = rel_to(&root, &req.dir)
        .ok_or_else(|| format!("{}: cannot resolve the directory", req.dir.display()))?;
    let fs = DiskFs::new(&root);
    let unit = if kustomize::kustomization_file(&fs, &dir).is_some() {
        kustomize::build(&fs, &dir)
    } else if helm::is_chart(&fs, &dir) {
        // `--env`: the chart's values files for that environment first, as `check` picks
        // them, then the `-f` files
        let mut value_files = match &req.env {
            Some(env) => env_value_files(&fs, &req.dir, &dir, env)?,
            None => Vec::new(),
        };
        for v in &req.values {
            value_files.push(rel_to(&root, v).ok_or_else(|| {
                format!(
                    "{}: values file missing or outside {}",
                    v.display(),
                    root.display()
                )
            })?);
        }
        let mut set = Vec::new();
        for kv in &req.set {
            let (k, v) = kv
                .split_once('=')
                .ok_or_else(|| format!("--set {kv}: expected KEY=VALUE"))?;
            set.push((k.to_string(), v.to_string()));
        }
        let opts = HelmOptions {
            value_files,
            set,
            release_name: req.release_name.clone().unwrap_or_default(),
            namespace: req.namespace.clone().unwrap_or_default(),
            kube_version: req.kube_version.clone().unwrap_or_default(),
            ..Default::default()
        };
        helm::render_chart(&fs, &dir, &opts)
    } else {
        return Err(format!(
            "{}: neither a Helm chart (Chart.yaml) nor a kustomization (kustomization.yaml)",
            req.dir.display()
        ));
    };
    report(&unit, &fs, &root, req.format)
}

/// A path relative to the render root as the user sees it: relative to the current directory
/// when it lies below it, else absolute.
fn shown(root: &Path, rel: &str) -> String {
    let abs = root.join(rel);
    let cwd = std::env::current_dir()
        .ok()
        .and_then(|c| c.canonicalize().ok());
    match cwd.as_deref().and_then(|c| abs.strip_prefix(c).ok()) {
        Some(r) => r.to_string_lossy().into_owned(),
        None => abs.to_string_lossy().into_owned(),
    }
}

/// How deep `render --env` looks for a chart's values files.
const MAX_WALK_DEPTH: usize = 64;

/// The values files of the chart at `dir` (relative to the root) that belong to `env`.
fn env_value_files(
    fs: &DiskFs,
    user_dir: &Path,
    dir: &str,
    env: &str,
) -> Result<Vec<String>, String> {
    let settings = match crate::config::discover(user_dir) {
        Some(p) => crate::config::Settings::load(&p).map_err(|e| format!("invalid config: {e}"))?,
        None => crate::config::Settings::defaults(),
    };
    let envs = &settings.options.environments;
    let mut out = Vec::new();
    // (subdirectory, its depth): links to directories are followed, so a loop ends at the
    // depth limit
    let mut stack = vec![(String::new(), 0usize)];
    while let Some((sub, depth)) = stack.pop() {
        let at = if sub.is_empty() {
            dir.to_string()
        } else {
            format!("{dir}/{sub}")
        };
        for e in fs.list(&at) {
            let rel = format!("{sub}{e}");
            if let Some(d) = rel.strip_suffix('/') {
                // every file goes through the planner's own rule; only hidden directories
                // (`.git`) are not walked
                if !(d.contains("/.") || d.starts_with('.')) && depth < MAX_WALK_DEPTH {
                    stack.push((format!("{d}/"), depth + 1));
                }
            } else if super::plan::env_values_file(&rel)
                && super::plan::env_of(envs, &rel).is_some_and(|(name, _)| name == env)
            {
                out.push(if dir.is_empty() {
                    rel
                } else {
                    format!("{dir}/{rel}")
                });
            }
        }
    }
    out.sort();
    Ok(out)
}

fn report(
    unit: &RenderUnit,
    fs: &dyn Fs,
    root: &Path,
    format: RenderFormat,
) -> Result<i32, String> {
    for e in &unit.errors {
        let path = shown(root, &e.path);
        let at = match (e.span, fs.read(&e.path)) {
            (Some(span), Some(src)) => {
                let lc = src.line_col(span.start());
                format!("{path}:{}:{}", lc.line, lc.col)
            }
            _ => path,
        };
        eprintln!("{at}: error: {}", e.message);
    }
    if let UnitStatus::Unsupported(why) = &unit.status {
        eprintln!("octolint: error: {}: {why}", unit.dir);
        return Ok(2);
    }
    let failed = unit.status == UnitStatus::Failed;
    if failed {
        return Ok(2);
    }
    let out = match format {
        RenderFormat::Yaml => yaml_stream(unit),
        RenderFormat::Json => json_list(unit)?,
    };
    print!("{out}");
    Ok(0)
}

fn yaml_stream(unit: &RenderUnit) -> String {
    let mut out = String::new();
    for src in &unit.outputs {
        if unit.kind == UnitKind::Helm {
            out.push_str("---\n# Source: ");
            out.push_str(&src.name);
            out.push('\n');
        }
        out.push_str(&src.text);
        if !src.text.is_empty() && !src.text.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

fn json_list(unit: &RenderUnit) -> Result<String, String> {
    let mut items = Vec::new();
    for src in &unit.outputs {
        let parsed = crate::parse::yaml::parse(&src.text);
        if let Some(err) = &parsed.error {
            return Err(format!(
                "{}: rendered output is not YAML: {}",
                src.name, err.message
            ));
        }
        for doc in &parsed.docs {
            if !matches!(
                doc.root.value,
                Value::Scalar {
                    kind: Scalar::Null,
                    ..
                }
            ) {
                items.push(to_json(&doc.root));
            }
        }
    }
    let list = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": items});
    serde_json::to_string_pretty(&list)
        .map(|s| s + "\n")
        .map_err(|e| e.to_string())
}

/// A parsed node as JSON, scalars typed as Kubernetes reads them.
pub fn to_json(node: &Node) -> serde_json::Value {
    use serde_json::Value as J;
    match &node.value {
        Value::Scalar { text, kind, .. } => match kind {
            Scalar::Null => J::Null,
            Scalar::Bool(b) => J::Bool(*b),
            Scalar::Int => node
                .as_i64()
                .map(J::from)
                .unwrap_or_else(|| J::String(text.to_string())),
            Scalar::Float => text
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(J::Number)
                .unwrap_or_else(|| J::String(text.to_string())),
            Scalar::Str => J::String(text.to_string()),
        },
        Value::Seq(items) => J::Array(items.iter().map(to_json).collect()),
        Value::Map(entries) => J::Object(
            entries
                .iter()
                .map(|(k, v)| (k.key_text().unwrap_or_default().to_string(), to_json(v)))
                .collect(),
        ),
    }
}

/// One render unit as `octolint apps` lists it.
#[derive(serde::Serialize)]
struct AppRow {
    /// The Application's file and line, or `-` for a chart or overlay no Application covers.
    application: String,
    kind: &'static str,
    source: String,
    environment: String,
    namespace: String,
    status: String,
    objects: Vec<String>,
    /// The Application that deploys this one (app-of-apps), file and line, if any.
    parent: Option<String>,
}

/// `octolint apps [PATH]`: what Argo CD deploys from this repository. Every Application whose
/// source is a chart or kustomization here (and every chart and overlay none covers), with
/// its environment, render status and the objects it produces.
pub fn apps(path: &Path, json: bool, jobs: usize) -> Result<i32, String> {
    use rayon::prelude::*;

    use crate::discover;
    use crate::parse::file::{LoadOptions, load};

    let base = if path.is_dir() {
        path.to_path_buf()
    } else {
        PathBuf::from(".")
    };
    let settings = match crate::config::discover(path) {
        Some(p) => crate::config::Settings::load(&p).map_err(|e| format!("invalid config: {e}"))?,
        None => crate::config::Settings::defaults(),
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .map_err(|e| format!("cannot start worker threads: {e}"))?;
    let (rows, notes) = pool.install(|| -> Result<(Vec<AppRow>, Vec<String>), String> {
        let discovery = discover::walk(&discover::Options {
            paths: vec![path.to_path_buf()],
            base: base.clone(),
            exclude: settings.exclude.clone(),
            follow_links: false,
            threads: jobs,
        })?;
        let opts = LoadOptions {
            max_size: settings.max_file_size,
        };
        let files: Vec<_> = discovery
            .entries
            .par_iter()
            .cloned()
            .map(|e| load(e, &opts))
            .collect();
        let fs = super::stage::LoadedFs::new(&files, &base);
        let tree =
            super::appofapps::plan_and_run(&files, &settings.options.environments, &fs, &base, "");
        let (plans, rendered) = (&tree.plans, &tree.rendered);
        let at = |loc: &(std::sync::Arc<str>, crate::source::Span)| match fs.read(&loc.0) {
            Some(src) => format!("{}:{}", loc.0, src.line_col(loc.1.start()).line),
            None => loc.0.to_string(),
        };
        let mut rows = Vec::new();
        // Applications over a plain directory: the objects of its manifests, as written.
        for d in &tree.dir_apps {
            let mut objects = Vec::new();
            for f in files.iter().filter(|f| d.holds(&f.path)) {
                if let crate::parse::file::Content::Docs(docs) = &f.content {
                    for doc in docs {
                        for node in crate::model::k8s::objects_in(&doc.root) {
                            if let Some(o) = crate::model::k8s::K8sObject::from_node(node) {
                                let ns = o.namespace.or(d.namespace.as_deref());
                                objects.push(object_label(o.kind, ns, o.name));
                            }
                        }
                    }
                }
            }
            rows.push(AppRow {
                application: at(&d.application),
                kind: "directory",
                source: if d.dir.is_empty() {
                    ".".into()
                } else {
                    d.dir.clone()
                },
                environment: d.env.as_ref().map_or("-", |e| e.0.as_str()).to_string(),
                namespace: d
                    .namespace
                    .clone()
                    .filter(|n| !n.is_empty())
                    .unwrap_or("-".into()),
                status: "plain manifests".into(),
                objects,
                parent: d.parent.as_ref().map(at),
            });
        }
        for (i, (plan, unit)) in plans.iter().zip(&rendered.units).enumerate() {
            let application = match &plan.application {
                Some(loc) => at(loc),
                None => "-".to_string(),
            };
            let mut objects = Vec::new();
            let prefix = format!("/.octolint-render/{i}/");
            for f in rendered.files.iter().filter(|f| f.path.contains(&prefix)) {
                if let crate::parse::file::Content::Docs(docs) = &f.content {
                    for d in docs {
                        for node in crate::model::k8s::objects_in(&d.root) {
                            if let Some(o) = crate::model::k8s::K8sObject::from_node(node) {
                                let ns = o.namespace.or(unit.namespace.as_deref());
                                objects.push(object_label(o.kind, ns, o.name));
                            }
                        }
                    }
                }
            }
            rows.push(AppRow {
                application,
                kind: match plan.kind {
                    UnitKind::Helm => "helm",
                    UnitKind::Kustomize => "kustomize",
                },
                source: if let Some(remote) = &plan.remote {
                    remote.clone()
                } else if plan.dir.is_empty() {
                    ".".into()
                } else {
                    plan.dir.clone()
                },
                environment: plan.env_name().unwrap_or("-").to_string(),
                namespace: unit
                    .namespace
                    .clone()
                    .filter(|n| !n.is_empty())
                    .unwrap_or("-".into()),
                status: match &unit.status {
                    UnitStatus::Rendered => "rendered".into(),
                    UnitStatus::Failed => format!("failed ({} error(s))", unit.errors.len()),
                    UnitStatus::Unsupported(why) => format!("not rendered: {why}"),
                },
                objects,
                parent: plan.parent.as_ref().map(at),
            });
        }
        let mut notes = rendered.notes.clone();
        notes.sort();
        notes.dedup();
        Ok((rows, notes))
    })?;
    if json {
        let s = serde_json::to_string_pretty(&rows).map_err(|e| e.to_string())?;
        println!("{s}");
        return Ok(0);
    }
    if rows.is_empty() {
        println!("no Argo CD Application, Helm chart or kustomization found");
        return Ok(0);
    }
    for r in &rows {
        println!(
            "{} {} {} [env {}, namespace {}]: {}, {} object(s){}",
            r.application,
            r.kind,
            r.source,
            r.environment,
            r.namespace,
            r.status,
            r.objects.len(),
            r.parent
                .as_ref()
                .map(|p| format!(", deployed by {p}"))
                .unwrap_or_default()
        );
        for o in &r.objects {
            println!("    {o}");
        }
    }
    // What was left out: remote sources, plugins, app-of-apps cycles and over-deep chains.
    for n in &notes {
        println!("note: {n}");
    }
    Ok(0)
}

/// `Kind/namespace/name` (or `Kind/name` for no namespace) as `octolint apps` lists objects.
fn object_label(kind: &str, ns: Option<&str>, name: Option<&str>) -> String {
    match ns.filter(|n| !n.is_empty()) {
        Some(ns) => format!("{kind}/{ns}/{}", name.unwrap_or("?")),
        None => format!("{kind}/{}", name.unwrap_or("?")),
    }
}
