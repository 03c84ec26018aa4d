//! Helm charts rendered in-process: a Go `text/template` engine with Helm's and Sprig's
//! functions, chart loading (dependencies, values merging) and the origin of every output
//! byte. Depends on `render` (the contract), `source`, `parse::node` and `parse` only.
//!
//! [`render_chart`] holds no global state and shares nothing between calls: it may run on
//! many threads at once (values live in per-call reference-counted trees).

mod archive;
mod chart;
mod decimal;
pub mod funcs;
mod hash;
mod ignore;
mod setvals;
pub mod template;
pub mod yaml;

use super::{Fs, RenderUnit};

pub use chart::chart_index;
pub use template::value::Value as TemplateValue;

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
    /// Inline values (an Argo CD Application's `values`/`valuesObject`) as YAML text with the
    /// file and byte offset it was taken from; merged after the values files, before `--set`.
    pub inline_values: Option<InlineValues>,
    /// Chart directories by chart name ([`chart_index`]), to resolve dependencies that are
    /// not vendored without walking the repository once per chart. Built on demand when
    /// `None`.
    pub chart_index: Option<std::sync::Arc<std::collections::BTreeMap<String, Vec<String>>>>,
}

/// Values written inline in another file (an Argo CD Application).
#[derive(Clone, Debug)]
pub struct InlineValues {
    /// The file holding them, relative to the root.
    pub path: String,
    /// The YAML text of the values.
    pub text: String,
    /// Byte offset of `text` in `path` (origins point there); `None` when the text is not a
    /// verbatim slice of the file (then origins use the whole range at `offset` 0).
    pub offset: Option<u32>,
}

/// Whether `dir` holds a chart (`Chart.yaml`).
pub fn is_chart(fs: &dyn Fs, dir: &str) -> bool {
    fs.is_file(&super::confined_join(dir, "Chart.yaml").unwrap_or_default())
}

/// Render the chart in `dir` (relative to the root).
pub fn render_chart(fs: &dyn Fs, dir: &str, opts: &HelmOptions) -> RenderUnit {
    template::exec::with_big_stack(|| chart::render(fs, dir, opts))
}
