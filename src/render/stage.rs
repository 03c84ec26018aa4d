//! The render stage of `octolint check`: render every planned unit in parallel, turn each
//! rendered text into a parsed file the rules check like any other (under a virtual path),
//! and afterwards map the findings on those virtual files back to the real lines that
//! caused them, once per finding, listing the environments it holds in.
//!
//! Depends on `render` (plans, renderers, origin maps), `parse`, `diagnostics` and `source`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;

use super::plan::Plan;
use super::{DiskFs, Fs, RenderUnit, UnitKind, UnitStatus, helm, kustomize};
use crate::config::env::Env;
use crate::diagnostics::{Finding, Location, RuleMeta, Severity, new_finding};
use crate::discover::{Entry, FileKind};
use crate::parse::file::{Content, ParsedFile, Status};
use crate::parse::yaml;
use crate::source::SourceFile;

pub static HELM_RENDER_ERROR: RuleMeta = RuleMeta {
    id: "HELM001",
    name: "chart-render-error",
    severity: Severity::Error,
    category: "helm",
    tags: &["helm", "render"],
    summary: "A Helm chart fails to render (template error, `required`, `fail`, missing template)",
    explanation: "Argo CD renders a chart before it applies anything: a template that does not \
parse, a `required` value that is missing in an environment, an explicit `fail`, or an \
`include` of a template that does not exist stops the sync of that Application. octolint \
renders every chart in-process, per environment, and reports the line that failed. The rest \
of the chart and of the repository is still checked.",
    help: "fix the template at this line, or give the value it requires in the environment's values file",
    fail_example: "# templates/deployment.yaml\nimage: {{ required \"image.tag is required\" .Values.image.tag }}\n",
    pass_example: "# values.yaml\nimage:\n  tag: \"1.4.2\"\n",
    security_severity: None,
    since: "0.2.0",
};

pub static KUSTOMIZE_BUILD_ERROR: RuleMeta = RuleMeta {
    id: "KUST001",
    name: "kustomize-build-error",
    severity: Severity::Error,
    category: "kustomize",
    tags: &["kustomize", "render"],
    summary: "A Kustomize overlay fails to build (missing resource, patch without target, cycle)",
    explanation: "Argo CD builds a kustomization before it applies anything: a resource that \
does not exist, a patch that matches no object, an overlay that includes itself, or a path \
outside the repository stops the sync. octolint builds every overlay in-process and reports \
the entry that failed; the rest is still checked.",
    help: "fix the entry at this line: point it at an existing file or directory, or fix the patch's target",
    fail_example: "# kustomization.yaml\nresources:\n  - ../base-that-does-not-exist\n",
    pass_example: "# kustomization.yaml\nresources:\n  - ../base\n",
    security_severity: None,
    since: "0.2.0",
};

pub static KUSTOMIZE_UNMATCHED_PATCH: RuleMeta = RuleMeta {
    id: "KUST002",
    name: "kustomize-patch-matches-nothing",
    severity: Severity::Warning,
    category: "kustomize",
    tags: &["kustomize", "render"],
    summary: "A Kustomize patch `target` selector, or a `replicas` entry, matches no object",
    explanation: "A patch with a `target:` selector is applied to every object the selector \
matches, and a `replicas:` entry to the workload it names. When they match none, kustomize builds the overlay without it and says nothing, so \
Argo CD syncs without the change the patch was written for: a renamed base object, a wrong \
kind or label, or a base that no longer holds it. A patch aimed at objects a later step \
generates (Flux's `gotk-components.yaml` before `flux bootstrap`) matches nothing here by \
design; suppress it with a reason. A strategic merge patch without a `target` that matches \
nothing is a build error (KUST001), as in kustomize.",
    help: "fix the selector (group, version, kind, name, namespace, labels) so it matches the object the patch is for, or remove the patch",
    fail_example: "# kustomization.yaml\nresources:\n  - base\npatches:\n  - path: replicas.yaml\n    target:\n      kind: Deployment\n      name: api-old\n",
    pass_example: "# kustomization.yaml\nresources:\n  - base\npatches:\n  - path: replicas.yaml\n    target:\n      kind: Deployment\n      name: api\n",
    security_severity: None,
    since: "0.3.0",
};

/// The rules the render stage reports itself.
pub static RENDER_RULES: &[&RuleMeta] = &[
    &HELM_RENDER_ERROR,
    &KUSTOMIZE_BUILD_ERROR,
    &KUSTOMIZE_UNMATCHED_PATCH,
];

/// A repository view for renderers over the files the walk found: their text is served from
/// memory, directory listings come from an index built once, and charts are indexed by
/// name. Only what the walk did not read (chart archives) is read from disk. A file the walk
/// left out (ignored, excluded) does not exist here, as it does not in the Git checkout Argo
/// CD renders from.
pub struct LoadedFs<'a> {
    loaded: HashMap<&'a str, &'a Arc<SourceFile>>,
    /// The documents of the YAML files that parsed without error.
    docs: HashMap<&'a str, &'a [yaml::YamlDoc]>,
    files: BTreeSet<&'a str>,
    dirs: BTreeMap<String, BTreeSet<String>>,
    disk: DiskFs,
}

impl<'a> LoadedFs<'a> {
    pub fn new(files: &'a [ParsedFile], root: &Path) -> Self {
        let mut dirs: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        dirs.entry(String::new()).or_default();
        for f in files {
            // Register the file in its directory and every directory above it.
            let mut child = f.path.to_string();
            let mut is_dir = false;
            loop {
                let (parent, name) = match child.rsplit_once('/') {
                    Some((p, n)) => (p.to_string(), n.to_string()),
                    None => (String::new(), child.clone()),
                };
                let entry = if is_dir { format!("{name}/") } else { name };
                let set = dirs.entry(parent.clone()).or_default();
                let new = set.insert(entry);
                if parent.is_empty() || !new && is_dir {
                    break;
                }
                child = parent;
                is_dir = true;
            }
        }
        LoadedFs {
            loaded: files
                .iter()
                .filter_map(|f| Some((f.path.as_ref(), f.source.as_ref()?)))
                .collect(),
            docs: files
                .iter()
                .filter(|f| f.entry.kind.is_yaml_like() && f.status == Status::Parsed)
                .filter_map(|f| match &f.content {
                    Content::Docs(d) => Some((f.path.as_ref(), d.as_slice())),
                    _ => None,
                })
                .collect(),
            files: files.iter().map(|f| f.path.as_ref()).collect(),
            dirs,
            disk: DiskFs::new(root),
        }
    }
}

impl Fs for LoadedFs<'_> {
    fn docs(&self, rel: &str) -> Option<&[yaml::YamlDoc]> {
        self.docs.get(rel).copied()
    }
    fn read(&self, rel: &str) -> Option<Arc<SourceFile>> {
        match self.loaded.get(rel) {
            Some(src) => Some(Arc::clone(src)),
            None if self.files.contains(rel) => self.disk.read(rel),
            None => None,
        }
    }
    fn read_bytes(&self, rel: &str) -> Option<Vec<u8>> {
        match self.loaded.get(rel) {
            Some(src) => Some(src.text.as_bytes().to_vec()),
            None if self.files.contains(rel) => self.disk.read_bytes(rel),
            None => None,
        }
    }
    fn list(&self, dir: &str) -> Vec<String> {
        let dir = dir.trim_end_matches('/');
        let dir = if dir == "." { "" } else { dir };
        self.dirs
            .get(dir)
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default()
    }
    fn is_dir(&self, rel: &str) -> bool {
        let rel = rel.trim_end_matches('/');
        rel.is_empty() || rel == "." || self.dirs.contains_key(rel)
    }
    fn is_file(&self, rel: &str) -> bool {
        self.files.contains(rel)
    }
}

/// Chart directories by chart name, shared by every render of a run.
type ChartIndex = Arc<BTreeMap<String, Vec<String>>>;

/// Render one planned unit.
pub fn render(plan: &Plan, fs: &dyn Fs, kube_version: &str, charts: &ChartIndex) -> RenderUnit {
    if let Some(what) = &plan.remote {
        let (path, span) = plan
            .application
            .clone()
            .map_or((Arc::from(""), None), |(p, s)| (p, Some(s)));
        return RenderUnit {
            kind: UnitKind::Helm,
            dir: Arc::from(""),
            env: plan.env_name().map(str::to_string),
            namespace: plan.namespace.clone(),
            application: plan.application.clone(),
            inputs: Vec::new(),
            outputs: Vec::new(),
            errors: vec![super::RenderError {
                path,
                span,
                message: format!("remote {what} is not fetched (octolint works offline)"),
                code: "unsupported",
            }],
            status: UnitStatus::Unsupported(format!("remote {what}")),
        };
    }
    let mut unit = match plan.kind {
        UnitKind::Helm => helm::render_chart(
            fs,
            &plan.dir,
            &helm::HelmOptions {
                value_files: plan.value_files.clone(),
                set: plan.set.clone(),
                release_name: plan.release_name.clone().unwrap_or_default(),
                namespace: plan.namespace.clone().unwrap_or_default(),
                kube_version: kube_version.to_string(),
                inline_values: plan.inline_values.clone(),
                chart_index: Some(charts.clone()),
            },
        ),
        UnitKind::Kustomize => match &plan.kustomize {
            Some(opts) => kustomize::build_with(fs, &plan.dir, opts),
            None => kustomize::build(fs, &plan.dir),
        },
    };
    unit.env = plan.env_name().map(str::to_string);
    if unit.namespace.as_deref().is_none_or(str::is_empty) {
        unit.namespace.clone_from(&plan.namespace);
    }
    unit.application.clone_from(&plan.application);
    unit
}

/// Where a virtual (rendered) file came from.
#[derive(Clone, Debug)]
pub struct Virtual {
    pub unit: usize,
    pub output: usize,
    pub env: Option<(String, Env)>,
}

/// What the render stage hands the rest of the pipeline.
#[derive(Default)]
pub struct Rendered {
    pub units: Vec<RenderUnit>,
    /// The rendered texts as parsed files, under virtual paths.
    pub files: Vec<ParsedFile>,
    pub virtuals: HashMap<Arc<str>, Virtual>,
    /// Render errors as findings at the chart or kustomization line.
    pub findings: Vec<Finding>,
    /// What was left out because it is not supported (remote resources, plugins), located.
    pub notes: Vec<String>,
}

impl Rendered {
    /// The environment of every virtual file, for the environment index.
    pub fn file_envs(&self) -> HashMap<String, Env> {
        self.virtuals
            .iter()
            .filter_map(|(p, v)| Some((p.to_string(), v.env.as_ref()?.1)))
            .collect()
    }

    /// The namespace objects of each virtual file deploy to when they name none (the
    /// release or Application destination namespace), by virtual directory.
    pub fn default_namespaces(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (path, v) in &self.virtuals {
            if let Some(ns) = self.units[v.unit]
                .namespace
                .as_ref()
                .filter(|n| !n.is_empty())
            {
                out.push((crate::source::dir_of(path).to_string(), ns.clone()));
            }
        }
        out.sort();
        out.dedup();
        out
    }
}

/// A rendered unit with its outputs parsed.
pub(super) struct Done {
    pub unit: RenderUnit,
    parsed: Vec<yaml::ParsedYaml>,
    times: UnitTimes,
}

/// Render each plan and parse its outputs on the worker that rendered it (in parallel):
/// parsing the rendered text is as much work as rendering it, and must not run on one
/// thread. With `OCTOLINT_TIMINGS`, the CPU time per unit kind goes to stderr.
pub(super) fn render_all(
    plans: &[Plan],
    fs: &dyn Fs,
    kube_version: &str,
    charts: &ChartIndex,
) -> Vec<Done> {
    let done: Vec<Done> = plans
        .par_iter()
        .map(|p| {
            let start = std::time::Instant::now();
            let unit = render(p, fs, kube_version, charts);
            let rendered = start.elapsed();
            let start = std::time::Instant::now();
            let parsed = unit.outputs.iter().map(|o| yaml::parse(&o.text)).collect();
            let times = UnitTimes {
                render: rendered,
                parse: start.elapsed(),
            };
            Done {
                unit,
                parsed,
                times,
            }
        })
        .collect();
    if std::env::var_os("OCTOLINT_TIMINGS").is_some() {
        report_times(&done);
    }
    done
}

/// Help for a `.helmignore` line Helm refuses (the chart does not load at all).
const HELMIGNORE_HELP: &str = "Helm refuses to load the chart over this .helmignore line: \
    drop `**` (a pattern without `/` already matches a name at any depth) and close every \
    `[...]`; patterns are Go's filepath.Match, where `\\` escapes the next character";

/// Add one rendered unit to `out`: its errors as findings or coverage notes, its outputs as
/// parsed files under virtual paths (`DIR/.octolint-render/UNIT/NAME`).
pub(super) fn absorb(out: &mut Rendered, done: Done, plan: &Plan, fs: &dyn Fs, root: &Path) {
    let ui = out.units.len();
    let Done {
        mut unit, parsed, ..
    } = done;
    {
        for e in &unit.errors {
            // What is not supported (remote bases, plugins) is coverage, not a finding.
            if e.code == "unsupported" {
                let at = match (e.span, fs.read(&e.path)) {
                    (Some(s), Some(src)) => format!("{}:{}", e.path, src.line_col(s.start()).line),
                    _ => e.path.to_string(),
                };
                out.notes.push(format!("{at}: {}", e.message));
                continue;
            }
            let meta = match unit.kind {
                UnitKind::Helm => &HELM_RENDER_ERROR,
                // kustomize builds without a patch whose selector matches nothing.
                UnitKind::Kustomize if e.code == "unmatched-target" => &KUSTOMIZE_UNMATCHED_PATCH,
                UnitKind::Kustomize => &KUSTOMIZE_BUILD_ERROR,
            };
            let mut f = new_finding(
                meta,
                Location::new(e.path.clone(), e.span),
                e.message.clone(),
            );
            if e.code == "helmignore" {
                f.help = Some(HELMIGNORE_HELP.into());
            }
            if let Some(env) = plan.env_name() {
                f.environments.push(env.to_string());
            }
            if let Some((app, span)) = &unit.application {
                f.related.push(
                    Location::new(app.clone(), Some(*span))
                        .with_message("the Argo CD Application that deploys it"),
                );
            }
            out.findings.push(f);
        }
        for (oi, (src, parsed)) in unit.outputs.iter_mut().zip(parsed).enumerate() {
            let vpath: Arc<str> = Arc::from(format!(
                "{}/.octolint-render/{ui}/{}",
                if unit.dir.is_empty() { "." } else { &unit.dir },
                src.name
            ));
            // The text moves to the source file; the unit keeps the origins for `remap`.
            src.origins.shrink_to_fit();
            let source = Arc::new(SourceFile::new(
                vpath.to_string(),
                root.join(unit.dir.as_ref()),
                std::mem::take(&mut src.text),
            ));
            let mut findings = Vec::new();
            if let Some(err) = &parsed.error {
                // Helm would refuse this too: report it at the causing line.
                let span = crate::source::Span::new(err.offset, err.offset);
                let mut f = new_finding(
                    match unit.kind {
                        UnitKind::Helm => &HELM_RENDER_ERROR,
                        UnitKind::Kustomize => &KUSTOMIZE_BUILD_ERROR,
                    },
                    Location::new(vpath.clone(), Some(span)),
                    format!("rendered output is not valid YAML: {}", err.message),
                );
                if let Some(env) = plan.env_name() {
                    f.environments.push(env.to_string());
                }
                findings.push(f);
            }
            out.virtuals.insert(
                vpath.clone(),
                Virtual {
                    unit: ui,
                    output: oi,
                    env: plan.env.clone(),
                },
            );
            out.files.push(ParsedFile {
                entry: Entry {
                    rel: vpath.to_string(),
                    abs: root.join(unit.dir.as_ref()),
                    kind: FileKind::Yaml,
                },
                path: vpath,
                source: Some(source),
                content: Content::Docs(parsed.docs),
                status: if parsed.error.is_some() {
                    Status::Failed
                } else {
                    Status::Parsed
                },
                directives: Vec::new(),
                findings,
                holds: None,
            });
            if let Some(f) = out.files.last_mut() {
                f.holds = Some(crate::model::k8s::holds(&f.content));
            }
        }
    }
    out.units.push(unit);
}

/// CPU time one unit took to render and to parse its output.
struct UnitTimes {
    render: std::time::Duration,
    parse: std::time::Duration,
}

/// Per-kind totals on stderr, for `OCTOLINT_TIMINGS` (CPU time summed over workers), and
/// the slowest units.
fn report_times(done: &[Done]) {
    for kind in [UnitKind::Helm, UnitKind::Kustomize] {
        let of_kind = done.iter().filter(|d| d.unit.kind == kind);
        let (n, render, parse) = of_kind.fold((0, 0.0, 0.0), |(n, r, p), d| {
            (
                n + 1,
                r + d.times.render.as_secs_f64(),
                p + d.times.parse.as_secs_f64(),
            )
        });
        eprintln!(
            "octolint:   {kind:?}: {n} units, render {:.3} ms, parse output {:.3} ms (CPU)",
            render * 1e3,
            parse * 1e3
        );
    }
    let mut slow: Vec<_> = done.iter().map(|d| (d.times.render, &d.unit)).collect();
    slow.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.dir.cmp(&b.1.dir)));
    for (t, u) in slow.iter().take(5) {
        eprintln!(
            "octolint:     {:.1} ms {} {}",
            t.as_secs_f64() * 1e3,
            u.dir,
            u.env.as_deref().unwrap_or("")
        );
    }
}

/// Map findings on rendered files back to the lines that caused them, with the other
/// origins (template line, base resource, Application) as related locations; then report a
/// finding that holds in several environments once, listing them.
pub fn remap(findings: Vec<Finding>, rendered: &Rendered) -> Vec<Finding> {
    if rendered.virtuals.is_empty() {
        return findings;
    }
    let locate = |loc: &Location| -> Located {
        let v = rendered.virtuals.get(&loc.path)?;
        let unit = &rendered.units[v.unit];
        let out = &unit.outputs[v.output];
        let origins = loc.span.map(|s| out.origins.lookup(s)).unwrap_or_default();
        let mut it = origins.into_iter();
        let primary = match it.next() {
            Some(o) => Location::new(o.path.clone(), Some(o.span)),
            None => Location::new(out.fallback.clone(), None),
        };
        let mut related: Vec<Location> = it
            .map(|o| {
                Location::new(o.path.clone(), Some(o.span))
                    .with_message(format!("{} line", o.role.as_str()))
            })
            .collect();
        if let Some((app, span)) = &unit.application {
            related.push(
                Location::new(app.clone(), Some(*span))
                    .with_message("the Argo CD Application that deploys it"),
            );
        }
        Some((primary, related))
    };
    // Each finding is looked up on its own (a scan of its output's origin map): in parallel.
    let out: Vec<Finding> = findings
        .into_par_iter()
        .filter_map(|f| remap_one(f, rendered, &locate))
        .collect();
    merge_environments(out)
}

/// Where a located place of a rendered text comes from: the primary place and related ones.
type Located = Option<(Location, Vec<Location>)>;

/// One finding moved from a rendered text to the lines that caused it (`None`: a finding on
/// a rendered text that no longer exists).
fn remap_one(
    mut f: Finding,
    rendered: &Rendered,
    locate: &(dyn Fn(&Location) -> Located + Sync),
) -> Option<Finding> {
    if let Some(v) = rendered.virtuals.get(&f.location.path) {
        let (primary, related) = locate(&f.location)?;
        let env = v.env.as_ref().map(|(n, _)| n.clone());
        f.location = primary;
        let mut rel: Vec<Location> = Vec::new();
        for r in std::mem::take(&mut f.related) {
            match locate(&r) {
                Some((p, _)) => rel.push(p.with_message(r.message.clone().unwrap_or_default())),
                None => rel.push(r),
            }
        }
        rel.extend(related);
        f.related = rel;
        if let Some(env) = env
            && !f.environments.contains(&env)
        {
            f.environments.push(env);
        }
    } else {
        // A related location on a rendered file (a repository rule comparing objects).
        let related = std::mem::take(&mut f.related);
        f.related = related
            .into_iter()
            .map(|r| match locate(&r) {
                Some((p, _)) => p.with_message(r.message.clone().unwrap_or_default()),
                None => r,
            })
            .collect();
    }
    Some(f)
}

/// Rule, path and message of a finding.
type MergeKey = (Arc<str>, Arc<str>, String);

/// Two spans that overlap, or one absent (the whole file).
fn same_place(a: Option<crate::source::Span>, b: Option<crate::source::Span>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => spans_meet(a, b),
        _ => true,
    }
}

/// Two spans that overlap; an empty span covers the byte it sits on.
pub(super) fn spans_meet(a: crate::source::Span, b: crate::source::Span) -> bool {
    a.start < b.end.max(b.start + 1) && b.start < a.end.max(a.start + 1)
}

/// One finding per rule, place and message (a plain file and the overlays built from it,
/// or one chart rendered for several environments), with the environments of all of them.
fn merge_environments(findings: Vec<Finding>) -> Vec<Finding> {
    let mut index: HashMap<MergeKey, Vec<usize>> = HashMap::new();
    let mut out: Vec<Finding> = Vec::with_capacity(findings.len());
    for f in findings {
        let k: MergeKey = (
            f.rule_id.clone(),
            f.location.path.clone(),
            f.message.clone(),
        );
        let slot = index.entry(k).or_default();
        match slot
            .iter()
            .copied()
            .find(|&i| same_place(out[i].location.span, f.location.span))
        {
            Some(i) => {
                let envs: BTreeSet<String> = out[i]
                    .environments
                    .iter()
                    .chain(&f.environments)
                    .cloned()
                    .collect();
                out[i].environments = envs.into_iter().collect();
                // Keep the narrower span (the value rather than the whole entry).
                if let (Some(a), Some(b)) = (out[i].location.span, f.location.span)
                    && b.end - b.start < a.end - a.start
                {
                    out[i].location.span = Some(b);
                }
                for r in f.related {
                    if !out[i].related.contains(&r) {
                        out[i].related.push(r);
                    }
                }
            }
            None => {
                slot.push(out.len());
                out.push(f);
            }
        }
    }
    for f in &mut out {
        f.environments.sort();
        f.environments.dedup();
    }
    out
}

/// Coverage of the render stage.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct RenderCoverage {
    pub charts: usize,
    pub kustomizations: usize,
    pub environments: usize,
    pub failed: usize,
    pub unsupported: usize,
    pub objects: usize,
    /// Entries left out (remote resources, plugins), as `path:line: what`.
    pub notes: Vec<String>,
}

impl RenderCoverage {
    pub fn of(rendered: &Rendered) -> Self {
        let mut c = RenderCoverage::default();
        let mut charts = BTreeSet::new();
        let mut kusts = BTreeSet::new();
        let mut envs = BTreeSet::new();
        for u in &rendered.units {
            match &u.status {
                UnitStatus::Unsupported(_) => {
                    c.unsupported += 1;
                    continue;
                }
                UnitStatus::Failed => c.failed += 1,
                UnitStatus::Rendered => {}
            }
            match u.kind {
                UnitKind::Helm => charts.insert(u.dir.clone()),
                UnitKind::Kustomize => kusts.insert(u.dir.clone()),
            };
            if let Some(e) = &u.env {
                envs.insert(e.clone());
            }
        }
        c.notes = rendered.notes.clone();
        c.notes.sort();
        c.notes.dedup();
        c.charts = charts.len();
        c.kustomizations = kusts.len();
        c.environments = envs.len();
        c.objects = rendered
            .files
            .iter()
            .map(|f| match &f.content {
                Content::Docs(d) => d
                    .iter()
                    .map(|d| crate::model::k8s::objects_in(&d.root).len())
                    .sum(),
                _ => 0,
            })
            .sum();
        c
    }

    /// "14 charts rendered for 3 environments, 1 failed, 2 not supported".
    pub fn summary(&self) -> Option<String> {
        if self.charts + self.kustomizations + self.failed + self.unsupported == 0 {
            return None;
        }
        let mut s = format!(
            "{} chart(s) rendered and {} kustomization(s) built",
            self.charts, self.kustomizations
        );
        if self.environments > 0 {
            s.push_str(&format!(" for {} environment(s)", self.environments));
        }
        s.push_str(&format!(", {} object(s)", self.objects));
        if self.failed > 0 {
            s.push_str(&format!(", {} failed", self.failed));
        }
        if self.unsupported > 0 {
            s.push_str(&format!(
                ", {} not rendered (not supported)",
                self.unsupported
            ));
        }
        if !self.notes.is_empty() {
            s.push_str(&format!(", {} entr(ies) left out", self.notes.len()));
        }
        Some(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;

    #[test]
    fn loaded_files_serve_the_walk_and_only_the_walk() {
        use crate::discover::{Entry, classify};
        use crate::parse::file::{LoadOptions, load};
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path();
        let write = |rel: &str, body: &[u8]| {
            let p = root.join(rel);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(p, body).expect("write");
        };
        write("app/cm.yaml", b"a: 1\n");
        // binary content in a file that is no configuration: walked, not kept in memory
        write("app/files/blob.dat", b"x\0y");
        // on disk, but not walked (excluded)
        write("app/skipped.yaml", b"b: 2\n");
        let files: Vec<ParsedFile> = ["app/cm.yaml", "app/files/blob.dat"]
            .into_iter()
            .map(|rel| {
                let entry = Entry {
                    rel: rel.to_string(),
                    abs: root.join(rel),
                    kind: classify(rel, &BTreeSet::new()),
                };
                load(entry, &LoadOptions { max_size: 1 << 20 })
            })
            .collect();
        assert!(files[1].source.is_none(), "{:?}", files[1].status);
        let fs = LoadedFs::new(&files, root);
        // parsed documents are lent, not parsed again
        assert_eq!(fs.docs("app/cm.yaml").map(<[_]>::len), Some(1));
        assert!(fs.docs("app/files/blob.dat").is_none());
        assert_eq!(
            fs.read("app/cm.yaml").map(|s| s.text.to_string()),
            Some("a: 1\n".into())
        );
        assert_eq!(fs.read_bytes("app/cm.yaml"), Some(b"a: 1\n".to_vec()));
        // a walked file not kept in memory is read from disk
        assert_eq!(fs.read_bytes("app/files/blob.dat"), Some(b"x\0y".to_vec()));
        assert!(fs.read("app/files/blob.dat").is_some());
        // a file the walk left out is not there, though it is on disk
        assert!(fs.read("app/skipped.yaml").is_none());
        assert!(fs.read_bytes("app/skipped.yaml").is_none());
        assert!(!fs.is_file("app/skipped.yaml"));
        assert_eq!(fs.list("app"), ["cm.yaml", "files/"]);
        assert_eq!(fs.list("app/files/"), ["blob.dat"]);
        assert_eq!(fs.list("."), ["app/"]);
        assert!(fs.is_dir("app/files") && fs.is_dir("") && fs.is_dir("."));
        assert!(!fs.is_dir("app/cm.yaml"));
    }

    #[test]
    fn one_finding_per_place_lists_its_environments_keeps_the_narrower_span_and_every_related() {
        use crate::diagnostics::{Location, engine::SKIPPED_FILE, meta::new_finding};
        let f = |start: usize, end: usize, env: &str, related: &[usize]| {
            let mut f = new_finding(
                &SKIPPED_FILE,
                Location::new(Arc::from("values.yaml"), Some(Span::new(start, end))),
                "m".into(),
            );
            f.environments = vec![env.to_string()];
            f.related = related
                .iter()
                .map(|&l| Location::new(Arc::from("t.yaml"), Some(Span::new(l, l + 1))))
                .collect();
            f
        };
        let out = merge_environments(vec![
            f(10, 30, "prod", &[1]),
            f(12, 20, "dev", &[1, 2]),
            f(11, 25, "staging", &[3]),
            f(10, 30, "dev", &[]),
            // as narrow as the narrowest: the first one stays
            f(13, 21, "test", &[]),
            // elsewhere in the file: a finding of its own
            f(40, 45, "qa", &[]),
        ]);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].environments, ["dev", "prod", "staging", "test"]);
        // the narrowest of the spans, not the first nor the last
        assert_eq!(out[0].location.span, Some(Span::new(12, 20)));
        let related: Vec<u32> = out[0]
            .related
            .iter()
            .filter_map(|r| Some(r.span?.start))
            .collect();
        assert_eq!(related, [1, 2, 3]);
        assert_eq!(out[1].environments, ["qa"]);
        assert_eq!(out[1].location.span, Some(Span::new(40, 45)));
    }

    #[test]
    fn findings_are_at_the_same_place_when_their_spans_overlap() {
        let s = |a: usize, b: usize| Some(Span::new(a, b));
        for (a, b, want) in [
            (s(0, 5), s(4, 8), true),
            (s(0, 5), s(5, 8), false),
            (s(5, 8), s(0, 5), false),
            (s(2, 3), s(0, 9), true),
            // an empty span covers the byte it sits on
            (s(3, 3), s(3, 3), true),
            (s(3, 3), s(3, 4), true),
            (s(3, 3), s(4, 4), false),
            (s(4, 4), s(3, 4), false),
            (s(4, 4), s(3, 5), true),
            // no span is the whole file
            (None, s(1, 2), true),
            (s(1, 2), None, true),
            (None, None, true),
        ] {
            assert_eq!(same_place(a, b), want, "{a:?} {b:?}");
        }
    }
}
