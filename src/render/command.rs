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
        let mut value_files = Vec::new();
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
            env: req.env.clone(),
            ..Default::default()
        };
        helm::render_chart(&fs, &dir, &opts)
    } else {
        return Err(format!(
            "{}: neither a Helm chart (Chart.yaml) nor a kustomization (kustomization.yaml)",
            req.dir.display()
        ));
    };
    report(&unit, &fs, req.format)
}

fn report(unit: &RenderUnit, fs: &dyn Fs, format: RenderFormat) -> Result<i32, String> {
    for e in &unit.errors {
        let at = match (e.span, fs.read(&e.path)) {
            (Some(span), Some(src)) => {
                let lc = src.line_col(span.start());
                format!("{}:{}:{}", e.path, lc.line, lc.col)
            }
            _ => e.path.to_string(),
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
