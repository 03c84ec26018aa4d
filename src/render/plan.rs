//! Which charts and overlays to render, and with what: the render units of a repository.
//!
//! - **Argo CD Applications** whose source is a directory of this repository (a chart or a
//!   kustomization) define a unit exactly: the chart's `helm.valueFiles`, `values`,
//!   `valuesObject`, `parameters` and `releaseName`, or the kustomization, deployed to the
//!   Application's environment and destination namespace.
//! - **Charts** no Application covers render once per environment that has values in the
//!   chart (`values-prod.yaml`, `values.prod.yaml`, `prod/values.yaml`, `values/prod.yaml`),
//!   or once with their defaults when none has. Subcharts render with their parent; library
//!   charts render nothing.
//! - **Kustomizations** no Application covers and no other kustomization includes (the
//!   overlays, not their bases) build once, in the environment their path names.
//!
//! Depends on `config` (environments), `model` (Argo CD objects), `parse` and `source`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::config::env::Env;
use crate::config::environments::Environments;
use crate::discover::FileKind;
use crate::parse::file::{Content, ParsedFile};
use crate::parse::node::Node;
use crate::source::{Span, dir_of, normalize_join};

use super::UnitKind;

/// One unit to render.
#[derive(Clone, Debug)]
pub struct Plan {
    pub kind: UnitKind,
    /// Chart or kustomization directory, relative to the root.
    pub dir: String,
    /// Environment name (`prod`, `qa`) and the class whose rules apply.
    pub env: Option<(String, Env)>,
    pub namespace: Option<String>,
    /// Helm values files in order, relative to the root.
    pub value_files: Vec<String>,
    /// Helm `--set`-style parameters.
    pub set: Vec<(String, String)>,
    pub release_name: Option<String>,
    /// The Application that defines the unit: its file and the span of its `source`.
    pub application: Option<(Arc<str>, Span)>,
    /// The Application's inline Helm values (`helm.values` or `helm.valuesObject`).
    pub inline_values: Option<super::helm::InlineValues>,
    /// The Application's inline `kustomize:` options.
    pub kustomize: Option<super::kustomize::KustomizeOptions>,
    /// A chart the Application takes from a Helm repository or OCI registry: what it names
    /// (it cannot be fetched offline; the coverage says so).
    pub remote: Option<String>,
    /// The Application's `metadata.name`.
    pub name: Option<String>,
    /// The Application that deploys this unit's Application (app-of-apps): its file and the
    /// span of its `source`, always in a real file.
    pub parent: Option<(Arc<str>, Span)>,
}

impl Plan {
    fn new(kind: UnitKind, dir: &str) -> Self {
        Plan {
            kind,
            dir: dir.to_string(),
            env: None,
            namespace: None,
            value_files: Vec::new(),
            set: Vec::new(),
            release_name: None,
            application: None,
            inline_values: None,
            kustomize: None,
            remote: None,
            name: None,
            parent: None,
        }
    }

    /// The environment's name, for messages and virtual paths.
    pub fn env_name(&self) -> Option<&str> {
        self.env.as_ref().map(|(n, _)| n.as_str())
    }
}

/// What a directory holds, by its files.
struct Dirs<'a> {
    charts: BTreeMap<&'a str, &'a ParsedFile>,
    kustomizations: BTreeMap<&'a str, &'a ParsedFile>,
    files: BTreeSet<&'a str>,
}

impl<'a> Dirs<'a> {
    fn of(files: &'a [ParsedFile]) -> Self {
        let mut d = Dirs {
            charts: BTreeMap::new(),
            kustomizations: BTreeMap::new(),
            files: BTreeSet::new(),
        };
        for f in files {
            d.files.insert(&f.path);
            match f.entry.kind {
                FileKind::HelmChart => {
                    d.charts.insert(dir_of(&f.path), f);
                }
                FileKind::Kustomization => {
                    d.kustomizations.insert(dir_of(&f.path), f);
                }
                _ => {}
            }
        }
        d
    }

    /// Whether some file of the repository lies below `dir`.
    fn has_dir(&self, dir: &str) -> bool {
        if dir.is_empty() {
            return !self.files.is_empty();
        }
        let prefix = format!("{dir}/");
        self.files
            .range::<&str, _>(prefix.as_str()..)
            .next()
            .is_some_and(|f| f.starts_with(prefix.as_str()))
    }

    /// Every directory that holds a file of the repository (for `git.directories`).
    fn all_dirs(&self) -> BTreeSet<&'a str> {
        let mut out = BTreeSet::new();
        for p in &self.files {
            let mut d = dir_of(p);
            while !d.is_empty() && out.insert(d) {
                d = dir_of(d);
            }
        }
        out
    }

    /// A chart under another chart's `charts/` directory renders with its parent.
    fn is_subchart(&self, dir: &str) -> bool {
        let mut d = dir;
        while let Some((parent, _)) = d.rsplit_once('/') {
            if let Some(p) =
                parent
                    .strip_suffix("/charts")
                    .or(if parent == "charts" { Some("") } else { None })
                && self.charts.contains_key(p)
            {
                return true;
            }
            d = parent;
        }
        false
    }
}

fn first_doc(f: &ParsedFile) -> Option<&Node> {
    match &f.content {
        Content::Docs(docs) => docs.first().map(|d| &d.root),
        _ => None,
    }
}

/// A library chart (`type: library`) renders nothing.
fn is_library(chart: &ParsedFile) -> bool {
    first_doc(chart)
        .and_then(|d| d.get("type"))
        .and_then(Node::as_str)
        == Some("library")
}

/// Directories a kustomization includes (resources, components, bases that are directories).
fn included_dirs(dir: &str, k: &ParsedFile, dirs: &Dirs<'_>) -> Vec<String> {
    let Some(root) = first_doc(k) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for key in ["resources", "components", "bases"] {
        for item in root.get(key).into_iter().flat_map(Node::items) {
            if let Some(rel) = item.as_str() {
                let target = normalize_join(dir, rel);
                if dirs.kustomizations.contains_key(target.as_str()) {
                    out.push(target);
                }
            }
        }
    }
    out
}

/// Whether a file of a chart (its path relative to the chart) can hold one environment's
/// values: a YAML file named `values*` other than `values.yaml`, or one in a subdirectory,
/// outside `templates/`, `charts/` and `ci/` (`values-prod.yaml`, `prod/values.yaml`).
pub(crate) fn env_values_file(rel: &str) -> bool {
    if !(rel.ends_with(".yaml") || rel.ends_with(".yml"))
        || ["templates/", "charts/", "ci/"]
            .iter()
            .any(|d| rel.starts_with(d))
    {
        return false;
    }
    let name = rel.rsplit('/').next().unwrap_or(rel);
    (name.starts_with("values") || rel.contains('/')) && rel != "values.yaml"
}

/// The environment a path names (configured globs and names first, then conventions).
pub(crate) fn env_of(envs: &Environments, path: &str) -> Option<(String, Env)> {
    envs.resolve(path).0.map(|s| (s.name.clone(), s.class))
}

impl Planner<'_> {
    /// Every render unit of the repository (in a stable order), and the Applications whose
    /// source is a plain directory (ordered by their location).
    pub fn plan(&self, files: &[ParsedFile]) -> (Vec<Plan>, Vec<DirApp>) {
        let (dirs, envs) = (&self.dirs, self.envs);
        let (mut plans, mut dir_apps) = application_plans(files, self);
        let covered: BTreeSet<(String, Option<String>)> = plans
            .iter()
            .map(|p| (p.dir.clone(), p.env_name().map(str::to_string)))
            .collect();
        let app_dirs: BTreeSet<String> = plans.iter().map(|p| p.dir.clone()).collect();

        for (dir, chart) in &dirs.charts {
            if dirs.is_subchart(dir) || is_library(chart) || app_dirs.contains(*dir) {
                continue;
            }
            // Values files of the chart that name an environment.
            let prefix = if dir.is_empty() {
                String::new()
            } else {
                format!("{dir}/")
            };
            let mut by_env: BTreeMap<String, (Env, Vec<String>)> = BTreeMap::new();
            for f in dirs.files.range::<&str, _>(prefix.as_str()..) {
                let Some(rel) = f.strip_prefix(prefix.as_str()) else {
                    break;
                };
                if !env_values_file(rel) {
                    continue;
                }
                if let Some((env, class)) = env_of(envs, rel) {
                    by_env
                        .entry(env)
                        .or_insert((class, Vec::new()))
                        .1
                        .push(f.to_string());
                }
            }
            if by_env.is_empty() {
                if !covered.contains(&(dir.to_string(), None)) {
                    plans.push(Plan::new(UnitKind::Helm, dir));
                }
                continue;
            }
            for (env, (class, values)) in by_env {
                if covered.contains(&(dir.to_string(), Some(env.clone()))) {
                    continue;
                }
                let mut p = Plan::new(UnitKind::Helm, dir);
                p.env = Some((env, class));
                p.value_files = values;
                plans.push(p);
            }
        }

        let included: BTreeSet<String> = dirs
            .kustomizations
            .iter()
            .flat_map(|(dir, k)| included_dirs(dir, k, dirs))
            .collect();
        for (dir, k) in &dirs.kustomizations {
            // A Component is applied by the kustomizations that list it; alone it builds
            // nothing.
            let component = matches!(&k.content, crate::parse::file::Content::Docs(d)
                if d.first().and_then(|d| d.root.get("kind")).and_then(crate::parse::node::Node::as_str)
                    == Some("Component"));
            if included.contains(*dir) || app_dirs.contains(*dir) || component {
                continue;
            }
            let mut p = Plan::new(UnitKind::Kustomize, dir);
            p.env = env_of(envs, &format!("{dir}/kustomization.yaml"));
            plans.push(p);
        }
        plans.sort_by(|a, b| {
            (a.kind, &a.dir, a.env_name(), &a.application).cmp(&(
                b.kind,
                &b.dir,
                b.env_name(),
                &b.application,
            ))
        });
        dir_apps.sort_by(|a, b| a.application.cmp(&b.application));
        (plans, dir_apps)
    }
}

/// An Argo CD Application whose source is a plain directory of manifests (no chart, no
/// kustomization): nothing to render, but the Applications in it are its children.
#[derive(Clone, Debug)]
pub struct DirApp {
    /// The Application's file and the span of its `source`.
    pub application: (Arc<str>, Span),
    pub name: Option<String>,
    /// The directory, relative to the root.
    pub dir: String,
    /// `directory.recurse`: files in subdirectories belong to it too.
    pub recurse: bool,
    pub env: Option<(String, Env)>,
    pub namespace: Option<String>,
    /// The Application that deploys this one, if any.
    pub parent: Option<(Arc<str>, Span)>,
}

impl DirApp {
    /// Whether Argo CD applies the file at `path` for this Application.
    pub fn holds(&self, path: &str) -> bool {
        let d = dir_of(path);
        if d == self.dir {
            return true;
        }
        self.recurse
            && (self.dir.is_empty()
                || d.strip_prefix(self.dir.as_str())
                    .is_some_and(|r| r.starts_with('/')))
    }
}

/// Where an Application was found: a real file, or the rendered output of another unit (then
/// `path` is the virtual path of that output and its origins lead to the real lines).
pub struct AppAt<'a> {
    pub path: &'a Arc<str>,
    pub source: Option<&'a Arc<crate::source::SourceFile>>,
    /// Take the environment from `path` (real files only).
    pub env_from_path: bool,
    /// The environment when the Application names none (its parent's).
    pub inherited: Option<(String, Env)>,
}

/// Plans the Applications of a repository, including those found later in rendered output.
pub struct Planner<'a> {
    dirs: Dirs<'a>,
    by_path: BTreeMap<&'a str, &'a ParsedFile>,
    envs: &'a Environments,
}

impl<'a> Planner<'a> {
    pub fn new(files: &'a [ParsedFile], envs: &'a Environments) -> Self {
        Planner {
            dirs: Dirs::of(files),
            by_path: files.iter().map(|f| (f.path.as_ref(), f)).collect(),
            envs,
        }
    }

    /// The plans (and directory Applications) of one Application object (`node`, the whole
    /// object) or of every Application an ApplicationSet object generates.
    pub fn object_plans(&self, at: &AppAt<'_>, node: &Node) -> (Vec<Plan>, Vec<DirApp>) {
        let mut plans = Vec::new();
        let mut dir_apps = Vec::new();
        let Some(obj) = crate::model::k8s::K8sObject::from_node(node) else {
            return (plans, dir_apps);
        };
        if obj.group() != "argoproj.io" {
            return (plans, dir_apps);
        }
        match obj.kind {
            "Application" => {
                if let Some(spec) = node.get("spec") {
                    self.app_plans(at, obj.name, spec, &mut plans, &mut dir_apps);
                }
            }
            "ApplicationSet" => {
                for (name, spec) in self.appset_specs(node) {
                    self.app_plans(at, Some(&name), &spec, &mut plans, &mut dir_apps);
                }
            }
            _ => {}
        }
        (plans, dir_apps)
    }

    /// The plans of one Application (`name`, `spec`).
    fn app_plans(
        &self,
        at: &AppAt<'_>,
        name: Option<&str>,
        spec: &Node,
        plans: &mut Vec<Plan>,
        dir_apps: &mut Vec<DirApp>,
    ) {
        let (dirs, envs) = (&self.dirs, self.envs);
        let dest_ns = spec
            .path(&["destination", "namespace"])
            .and_then(Node::as_str);
        let env = at
            .env_from_path
            .then(|| env_of(envs, at.path))
            .flatten()
            .or_else(|| {
                name.and_then(Env::from_name)
                    .or_else(|| dest_ns.and_then(Env::from_name))
                    .map(|e| (e.as_str().to_string(), e))
            })
            .map(|(n, c)| {
                // A custom environment's name is kept; otherwise the canonical one.
                envs.get(&n)
                    .map_or((n.clone(), c), |s| (s.name.clone(), s.class))
            })
            .or_else(|| at.inherited.clone());
        let sources: Vec<&Node> = spec
            .get("source")
            .into_iter()
            .chain(spec.get("sources").into_iter().flat_map(Node::items))
            .collect();
        // `$ref/path` in multi-source Applications: the ref's path in this repository.
        let refs: BTreeMap<&str, String> = sources
            .iter()
            .filter_map(|s| {
                let r = s.get("ref").and_then(Node::as_str)?;
                let p = s.get("path").and_then(Node::as_str).unwrap_or("");
                Some((r, clean_dir(p)))
            })
            .collect();
        for src in &sources {
            let Some(path) = src.get("path").and_then(Node::as_str) else {
                // `chart:` from a Helm repository or an OCI registry.
                if let Some(chart) = src.get("chart").and_then(Node::key_text) {
                    let repo = src.get("repoURL").and_then(Node::as_str).unwrap_or("?");
                    let version = src
                        .get("targetRevision")
                        .and_then(Node::key_text)
                        .unwrap_or("latest");
                    let mut p = Plan::new(UnitKind::Helm, "");
                    p.env = env.clone();
                    p.namespace = dest_ns.map(str::to_string);
                    p.application = Some((at.path.clone(), src.span));
                    p.remote = Some(format!("chart {chart} {version} from {repo}"));
                    p.name = name.map(str::to_string);
                    plans.push(p);
                }
                continue;
            };
            let dir = clean_dir(path);
            let kind = if dirs.charts.contains_key(dir.as_str()) {
                UnitKind::Helm
            } else if dirs.kustomizations.contains_key(dir.as_str()) {
                UnitKind::Kustomize
            } else {
                // A plain directory of manifests (the usual app-of-apps root).
                if src.get("ref").is_none() && dirs.has_dir(&dir) {
                    dir_apps.push(DirApp {
                        application: (at.path.clone(), src.span),
                        name: name.map(str::to_string),
                        recurse: src.path(&["directory", "recurse"]).and_then(Node::as_bool)
                            == Some(true),
                        dir,
                        env: env.clone(),
                        namespace: dest_ns.map(str::to_string),
                        parent: None,
                    });
                }
                continue;
            };
            let mut p = Plan::new(kind, &dir);
            p.env = env.clone();
            p.namespace = dest_ns.map(str::to_string);
            p.application = Some((at.path.clone(), src.span));
            p.name = name.map(str::to_string);
            if let Some(helm) = src.get("helm") {
                for v in helm.get("valueFiles").into_iter().flat_map(Node::items) {
                    let Some(v) = v.as_str() else { continue };
                    let file = match v.strip_prefix('$') {
                        Some(r) => {
                            let (name, rest) = r.split_once('/').unwrap_or((r, ""));
                            match refs.get(name) {
                                Some(base) => normalize_join(base, rest),
                                None => continue,
                            }
                        }
                        None => normalize_join(&dir, v),
                    };
                    if dirs.files.contains(file.as_str()) {
                        p.value_files.push(file);
                    }
                }
                for param in helm.get("parameters").into_iter().flat_map(Node::items) {
                    if let (Some(n), Some(v)) = (
                        param.get("name").and_then(Node::key_text),
                        param.get("value").and_then(Node::key_text),
                    ) {
                        p.set.push((n.to_string(), v.to_string()));
                    }
                }
                p.release_name = helm
                    .get("releaseName")
                    .and_then(Node::as_str)
                    .map(str::to_string);
                p.inline_values = inline_values(at, helm);
            }
            if let (Some(k), Some(src_file)) = (src.get("kustomize"), at.source) {
                p.kustomize = Some(super::kustomize::KustomizeOptions::from_application(
                    src_file.clone(),
                    k,
                ));
            }
            plans.push(p);
        }
    }
}

/// Units defined by Argo CD Applications (and the Applications ApplicationSets generate)
/// whose source is a chart or kustomization here, and the Applications whose source is a
/// plain directory.
fn application_plans(files: &[ParsedFile], planner: &Planner<'_>) -> (Vec<Plan>, Vec<DirApp>) {
    let mut plans = Vec::new();
    let mut dir_apps = Vec::new();
    for f in files {
        let Content::Docs(docs) = &f.content else {
            continue;
        };
        let at = AppAt {
            path: &f.path,
            source: f.source.as_ref(),
            env_from_path: true,
            inherited: None,
        };
        for node in docs
            .iter()
            .flat_map(|d| crate::model::k8s::objects_in(&d.root))
        {
            let (p, d) = planner.object_plans(&at, node);
            plans.extend(p);
            dir_apps.extend(d);
        }
    }
    (plans, dir_apps)
}

/// `helm.valuesObject` (a mapping: the verbatim lines of the file, so origins are exact)
/// or `helm.values` (a string of YAML).
fn inline_values(at: &AppAt<'_>, helm: &Node) -> Option<super::helm::InlineValues> {
    let src = at.source?;
    if let Some(obj) = helm.get("valuesObject").filter(|n| n.as_map().is_some()) {
        // A block mapping is taken from the start of its first line, so that its lines keep
        // their indentation; a flow mapping (`valuesObject: {a: 1}`) from its `{` to its `}`
        // (a mapping's span ends with its last entry).
        let before = src.text[..obj.span.start()].trim_end_matches([' ', '\t']);
        let (start, end) = if before.is_empty() || before.ends_with('\n') {
            (before.len(), obj.span.end())
        } else {
            (obj.span.start(), flow_end(&src.text, obj)?)
        };
        let text = src.text.get(start..end)?.to_string();
        return Some(super::helm::InlineValues {
            path: at.path.to_string(),
            text,
            offset: u32::try_from(start).ok(),
        });
    }
    let values = helm.get("values")?;
    let text = values.as_str()?.to_string();
    Some(super::helm::InlineValues {
        path: at.path.to_string(),
        text,
        offset: None,
    })
}

/// Where the flow collection `node` ends, its closing bracket included. The span of a
/// collection that holds something ends with its last item, so the brackets owed are this
/// one's and those of the collections its last item ends in; only blanks, commas and
/// comments may come between them.
fn flow_end(text: &str, node: &Node) -> Option<usize> {
    use crate::parse::node::Value as NodeValue;
    let mut owed = 0;
    let mut n = node;
    loop {
        let last = match &n.value {
            NodeValue::Map(entries) => entries.last().map(|(_, v)| v),
            NodeValue::Seq(items) => items.last(),
            NodeValue::Scalar { .. } => None,
        };
        let Some(last) = last else { break };
        owed += 1;
        n = last;
    }
    let mut at = node.span.end();
    let mut in_comment = false;
    for (i, c) in text.get(at..)?.char_indices() {
        if owed == 0 {
            break;
        }
        match c {
            '\n' => in_comment = false,
            _ if in_comment => {}
            '#' => in_comment = true,
            '}' | ']' => {
                owed -= 1;
                at = node.span.end() + i + c.len_utf8();
            }
            ' ' | '\t' | '\r' | ',' => {}
            _ => return None,
        }
    }
    (owed == 0).then_some(at)
}

/// An Argo CD source path as a directory relative to the root.
fn clean_dir(path: &str) -> String {
    normalize_join("", path.trim_start_matches("./").trim_end_matches('/'))
}

/// A glob of an ApplicationSet's git generator (`*` does not cross `/`, `**` does).
fn git_glob(pat: &str) -> Option<globset::GlobMatcher> {
    globset::GlobBuilder::new(pat.trim_start_matches("./"))
        .literal_separator(true)
        .build()
        .ok()
        .map(|g| g.compile_matcher())
}

/// The `path` parameters of a git generator for directory `d` (and file `file`, for the
/// files generator).
fn path_params(d: &str, file: Option<&str>, p: &mut BTreeMap<String, String>) {
    let base = d.rsplit('/').next().unwrap_or(d);
    let normalized = |s: &str| s.replace(['_', '.'], "-").to_ascii_lowercase();
    p.insert("path".to_string(), d.to_string());
    p.insert("path.path".to_string(), d.to_string());
    p.insert("path.basename".to_string(), base.to_string());
    p.insert("path.basenameNormalized".to_string(), normalized(base));
    if let Some(file) = file {
        p.insert("path.filename".to_string(), file.to_string());
        p.insert("path.filenameNormalized".to_string(), normalized(file));
    }
    for (i, seg) in d.split('/').enumerate() {
        p.insert(format!("path[{i}]"), seg.to_string());
    }
}

/// Most parameter sets one git `files` generator may produce (bounded work).
const MAX_GENERATED: usize = 1000;

impl Planner<'_> {
    /// The Applications an `ApplicationSet` generates: its `template` with each parameter
    /// set of its `list` and `git` (directories and files) generators substituted
    /// (`{{name}}`, `{{.name}}`, `{{path.basename}}`). Other generators (clusters, matrix,
    /// pull requests...) need a live cluster or API and are not expanded. The generated specs
    /// keep the template's spans, so findings point at the ApplicationSet's lines.
    fn appset_specs(&self, node: &Node) -> Vec<(String, Node)> {
        let mut out = Vec::new();
        let Some(spec) = node.get("spec") else {
            return out;
        };
        let Some(template) = spec.get("template") else {
            return out;
        };
        let mut params: Vec<BTreeMap<String, String>> = Vec::new();
        for g in spec.get("generators").into_iter().flat_map(Node::items) {
            for el in g
                .path(&["list", "elements"])
                .into_iter()
                .flat_map(Node::items)
            {
                let mut p = BTreeMap::new();
                flatten_params("", el, &mut p);
                params.push(p);
            }
            let Some(git) = g.get("git") else { continue };
            let mut include: Vec<globset::GlobMatcher> = Vec::new();
            let mut exclude: Vec<globset::GlobMatcher> = Vec::new();
            for d in git.get("directories").into_iter().flat_map(Node::items) {
                let Some(glob) = d.get("path").and_then(Node::as_str).and_then(git_glob) else {
                    continue;
                };
                if d.get("exclude").and_then(Node::as_bool) == Some(true) {
                    exclude.push(glob);
                } else {
                    include.push(glob);
                }
            }
            if !include.is_empty() {
                for d in self.dirs.all_dirs() {
                    if include.iter().any(|g| g.is_match(d))
                        && !exclude.iter().any(|g| g.is_match(d))
                    {
                        let mut p = BTreeMap::new();
                        path_params(d, None, &mut p);
                        params.push(p);
                    }
                }
            }
            // `files`: every matching JSON/YAML file; its keys (nested as `a.b`) become
            // parameters, one set per file (or per element when the file is a list).
            let globs: Vec<globset::GlobMatcher> = git
                .get("files")
                .into_iter()
                .flat_map(Node::items)
                .filter_map(|f| f.get("path").and_then(Node::as_str).and_then(git_glob))
                .collect();
            if globs.is_empty() {
                continue;
            }
            for path in &self.dirs.files {
                if params.len() >= MAX_GENERATED {
                    break;
                }
                if !globs.iter().any(|g| g.is_match(path)) {
                    continue;
                }
                let Some(f) = self.by_path.get(path) else {
                    continue;
                };
                let parsed;
                let docs: &[crate::parse::yaml::YamlDoc] = match &f.content {
                    Content::Docs(d) => d,
                    _ => match &f.source {
                        Some(src) => {
                            parsed = crate::parse::yaml::parse(&src.text);
                            &parsed.docs
                        }
                        None => continue,
                    },
                };
                let name = path.rsplit('/').next().unwrap_or(path);
                for doc in docs {
                    let elems: Vec<&Node> = match doc.root.as_seq() {
                        Some(items) => items.iter().collect(),
                        None => vec![&doc.root],
                    };
                    for el in elems.into_iter().filter(|e| e.as_map().is_some()) {
                        let mut p = BTreeMap::new();
                        flatten_params("", el, &mut p);
                        path_params(dir_of(path), Some(name), &mut p);
                        params.push(p);
                    }
                }
            }
        }
        params.truncate(MAX_GENERATED);
        for p in &params {
            let generated = substitute(template, p);
            let name = generated
                .path(&["metadata", "name"])
                .and_then(Node::as_str)
                .unwrap_or("")
                .to_string();
            if let Some(spec) = generated.get("spec") {
                out.push((name, spec.clone()));
            }
        }
        out
    }
}

/// Generator parameters: scalars by key, nested maps as `a.b` keys.
fn flatten_params(prefix: &str, node: &Node, out: &mut BTreeMap<String, String>) {
    for (k, v) in node.as_map().unwrap_or(&[]) {
        let Some(k) = k.key_text() else { continue };
        let key = if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}.{k}")
        };
        match v.key_text() {
            Some(t) => {
                out.insert(key, t.to_string());
            }
            None => flatten_params(&key, v, out),
        }
    }
}

/// `node` with `{{ name }}` / `{{ .name }}` in every string replaced by its parameter
/// (unknown names are left as written).
fn substitute(node: &Node, params: &BTreeMap<String, String>) -> Node {
    use crate::parse::node::Value;
    let mut n = node.clone();
    fn walk(n: &mut Node, params: &BTreeMap<String, String>) {
        match &mut n.value {
            Value::Scalar { text, .. } => {
                if text.contains("{{") {
                    let mut out = String::new();
                    let mut rest: &str = text;
                    while let Some(open) = rest.find("{{") {
                        let Some(close) = rest[open..].find("}}") else {
                            break;
                        };
                        let expr = rest[open + 2..open + close].trim();
                        let key = expr.trim_start_matches('.');
                        out.push_str(&rest[..open]);
                        match params.get(key) {
                            Some(v) => out.push_str(v),
                            None => out.push_str(&rest[open..open + close + 2]),
                        }
                        rest = &rest[open + close + 2..];
                    }
                    out.push_str(rest);
                    *text = out.into();
                }
            }
            Value::Seq(items) => items.iter_mut().for_each(|i| walk(i, params)),
            Value::Map(entries) => entries.iter_mut().for_each(|(_, v)| walk(v, params)),
        }
    }
    walk(&mut n, params);
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dirs<'a>(files: &[&'a str]) -> Dirs<'a> {
        Dirs {
            charts: BTreeMap::new(),
            kustomizations: BTreeMap::new(),
            files: files.iter().copied().collect(),
        }
    }

    #[test]
    fn parameters_are_substituted_in_every_string_and_unknown_ones_left_as_written() {
        let text = "a: 'x {{ .k }} {{nope}}-{{k}} {{ k'\nb: [\"{{k}}{{k}}\", {c: '{{.k}}'}]\n";
        let parsed = crate::parse::yaml::parse(text);
        let params: BTreeMap<String, String> = [("k".to_string(), "v".to_string())].into();
        let n = substitute(&parsed.docs[0].root, &params);
        assert_eq!(
            n.get("a").and_then(Node::as_str),
            Some("x v {{nope}}-v {{ k")
        );
        let b: Vec<&Node> = n.get("b").into_iter().flat_map(Node::items).collect();
        assert_eq!(b[0].as_str(), Some("vv"));
        assert_eq!(b[1].get("c").and_then(Node::as_str), Some("v"));
    }

    #[test]
    fn a_flow_collection_ends_at_its_closing_bracket() {
        for (text, want) in [
            ("v: {a: 1}\n", Some("{a: 1}")),
            ("v: {a: 1} # note\n", Some("{a: 1}")),
            ("v: {a: {b: [1, 2]}}\nw: 1\n", Some("{a: {b: [1, 2]}}")),
            ("v: {a: 1, b: {}}\n", Some("{a: 1, b: {}}")),
            ("v: {a: 1, b: []}\n", Some("{a: 1, b: []}")),
            ("v: {a: \"}\", b: 2,}\n", Some("{a: \"}\", b: 2,}")),
            (
                "v: {\n  a: 1, # one }\n  b: 2\n}\n",
                Some("{\n  a: 1, # one }\n  b: 2\n}"),
            ),
            ("v: {}\n", Some("{}")),
            ("v: [1, [2]]\n", Some("[1, [2]]")),
        ] {
            let parsed = crate::parse::yaml::parse(text);
            let v = parsed.docs[0].root.get("v").expect("v");
            let got = flow_end(text, v).map(|end| &text[v.span.start()..end]);
            assert_eq!(got, want, "{text:?}");
        }
        // something else than blanks, commas and comments before the bracket: none
        let text = "v: {a: 1}\n";
        let parsed = crate::parse::yaml::parse(text);
        let mut v = parsed.docs[0].root.get("v").expect("v").clone();
        v.span = Span::new(v.span.start(), v.span.start() + 2);
        assert_eq!(flow_end(text, &v), None);
        // the text ends first: none
        assert_eq!(flow_end("v: {a: 1", &v), None);
    }

    #[test]
    fn which_files_of_a_chart_hold_an_environments_values() {
        for (rel, want) in [
            ("values-prod.yaml", true),
            ("values.prod.yml", true),
            ("prod/values.yaml", true),
            ("envs/prod.yaml", true),
            ("envs/prod/web.yml", true),
            // the chart's defaults, other files at the top, other extensions
            ("values.yaml", false),
            ("prod.yaml", false),
            ("Chart.yaml", false),
            ("values-prod.json", false),
            ("envs/prod.toml", false),
            // templates, subcharts and chart-testing values
            ("templates/values-prod.yaml", false),
            ("charts/db/values-prod.yaml", false),
            ("charts/prod/values.yaml", false),
            ("ci/values-prod.yaml", false),
            ("ci/prod/values.yaml", false),
        ] {
            assert_eq!(env_values_file(rel), want, "{rel}");
        }
    }

    #[test]
    fn directories_of_the_repository() {
        let d = dirs(&["a/b/c.yaml", "a/x.yaml", "ab/y.yaml", "top.yaml"]);
        for (dir, want) in [
            ("", true),
            ("a", true),
            ("a/b", true),
            ("ab", true),
            ("b", false),
            ("a/b/c.yaml", false),
            ("a/c", false),
            ("zz", false),
        ] {
            assert_eq!(d.has_dir(dir), want, "{dir:?}");
        }
        assert!(!dirs(&[]).has_dir(""));
        // a prefix that only a sibling matches (`a` of `ab/`) is not a directory
        assert!(!dirs(&["ab/y.yaml"]).has_dir("a"));
        assert_eq!(
            d.all_dirs().into_iter().collect::<Vec<_>>(),
            ["a", "a/b", "ab"]
        );
    }

    #[test]
    fn a_directory_application_holds_its_files() {
        let app = |dir: &str, recurse: bool| DirApp {
            application: (Arc::from("app.yaml"), Span::new(0, 1)),
            name: None,
            dir: dir.to_string(),
            recurse,
            env: None,
            namespace: None,
            parent: None,
        };
        for (dir, recurse, path, want) in [
            ("apps", false, "apps/x.yaml", true),
            ("apps", false, "apps/sub/x.yaml", false),
            ("apps", true, "apps/sub/x.yaml", true),
            ("apps", true, "apps2/x.yaml", false),
            ("apps", true, "appsx.yaml", false),
            ("apps", false, "other/x.yaml", false),
            ("", false, "x.yaml", true),
            ("", false, "a/x.yaml", false),
            ("", true, "a/x.yaml", true),
        ] {
            assert_eq!(
                app(dir, recurse).holds(path),
                want,
                "{dir:?} {recurse} {path}"
            );
        }
    }
}
