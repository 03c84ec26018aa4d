//! Helm charts rendered in-process: a Go `text/template` engine with Helm's and Sprig's
//! functions, chart loading (dependencies, values merging) and the origin of every output
//! byte. Depends on `render` (the contract), `source`, `parse::node` and `parse` only.

use super::{Fs, RenderUnit, UnitKind, UnitStatus};

/// What to render a chart with (`helm template` flags, or an Argo CD Application's source).
#[derive(Clone, Debug, Default)]
pub struct HelmOptions {
    /// Values files in order, relative to the root (`-f`).
    pub value_files: Vec<String>,
    /// `--set key=value` pairs in order.
    pub set: Vec<(String, String)>,
    /// Release name (`release-name` when empty, as `helm template`).
    pub release_name: String,
    /// Release namespace (`default` when empty).
    pub namespace: String,
    /// Kubernetes version for `.Capabilities` (`1.31` or `1.31.0`; 1.31 when empty).
    pub kube_version: String,
    pub env: Option<String>,
}

/// Whether `dir` holds a chart (`Chart.yaml`).
pub fn is_chart(fs: &dyn Fs, dir: &str) -> bool {
    fs.is_file(&super::confined_join(dir, "Chart.yaml").unwrap_or_default())
}

/// Render the chart in `dir` (relative to the root).
pub fn render_chart(_fs: &dyn Fs, dir: &str, opts: &HelmOptions) -> RenderUnit {
    RenderUnit {
        kind: UnitKind::Helm,
        dir: dir.into(),
        env: opts.env.clone(),
        namespace: Some(opts.namespace.clone()),
        application: None,
        inputs: Vec::new(),
        outputs: Vec::new(),
        errors: Vec::new(),
        status: UnitStatus::Unsupported("Helm rendering is not implemented yet".into()),
    }
}
