//! Charts: loading (directories, `.tgz` archives, dependencies resolved in the
//! repository), values coalescing as Helm does it, and the render of all templates into
//! documents in Helm's install order.

use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;

use super::HelmOptions;
use super::archive;
use super::funcs::HelmFuncs;
use super::ignore::Rules;
use super::setvals;
use super::template::exec::{Budget, Def, Exec, FileInfo, Rec, Set};
use super::template::parse;
use super::template::value::{Map, Obj, Slot, Value, map_of};
use super::yaml::node_to_value;
use crate::parse::node::Node;
use crate::render::{
    Fs, Origin, OriginMap, RenderError, RenderUnit, RenderedSource, Role, UnitKind, UnitStatus,
    confined_join,
};
use crate::source::Span;

/// One file of a chart: path inside the chart, bytes, and where it lives in the repository
/// (`None` inside an archive: the archive's path is used, without a span).
#[derive(Clone)]
struct CFile {
    name: String,
    data: Rc<[u8]>,
    repo_path: Option<Arc<str>>,
}

#[derive(Clone)]
struct Dep {
    name: String,
    alias: Option<String>,
    condition: String,
    tags: Vec<String>,
    import_values: Vec<(String, String)>,
    repository: String,
}

pub(crate) struct Chart {
    name: String,
    /// Where the chart comes from (directory or archive path), for errors.
    origin_path: Arc<str>,
    meta: Map,
    values: Value,
    templates: Vec<CFile>,
    files: BTreeMap<String, Rc<[u8]>>,
    deps_meta: Vec<Dep>,
    subcharts: Vec<Chart>,
    is_library: bool,
}

/// Everything collected while loading and rendering one chart.
pub(crate) struct Ctx<'a> {
    fs: &'a dyn Fs,
    index: Option<&'a BTreeMap<String, Vec<String>>>,
    pub origins: Vec<Origin>,
    pub errors: Vec<RenderError>,
    pub inputs: Vec<Arc<str>>,
}

impl<'a> Ctx<'a> {
    fn err(&mut self, path: &str, span: Option<Span>, code: &'static str, message: String) {
        self.errors.push(RenderError {
            path: Arc::from(path),
            span,
            message,
            code,
        });
    }

    /// Values from a YAML file, with origins when the file is in the repository. A chart's
    /// own `values.yaml` may hold several documents, merged in order as Helm's loader does
    /// (`every_doc`); a user's values file is read to its first document, as `helm -f`.
    fn values_from(
        &mut self,
        text: &str,
        path: &Arc<str>,
        track: bool,
        every_doc: bool,
    ) -> Option<Value> {
        let parsed = crate::parse::yaml::parse(text);
        if let Some(e) = &parsed.error {
            self.err(
                path,
                Some(Span::new(e.offset, e.offset + 1)),
                "values",
                format!("values file is not valid YAML: {}", e.message),
            );
            return None;
        }
        let docs = if every_doc {
            &parsed.docs[..]
        } else {
            &parsed.docs[..parsed.docs.len().min(1)]
        };
        let merged = Rc::new(std::cell::RefCell::new(Map::new()));
        for doc in docs {
            let origins = &mut self.origins;
            let mut f = |k: &Node, v: &Node| -> u32 {
                if !track {
                    return 0;
                }
                let span = match &v.value {
                    crate::parse::node::Value::Scalar { .. } if !v.span.is_empty() => v.span,
                    _ => k.span,
                };
                origins.push(Origin {
                    path: path.clone(),
                    span,
                    role: Role::Values,
                });
                origins.len() as u32 - 1
            };
            match node_to_value(&doc.root, &mut f) {
                Ok(Value::Map(m)) => merge_maps(&merged, &m.borrow()),
                Ok(Value::Nil) => {}
                Ok(_) => {
                    self.err(
                        path,
                        Some(doc.span),
                        "values",
                        "values file must hold a mapping".into(),
                    );
                    return None;
                }
                Err(e) => {
                    self.err(path, Some(e.span), "values", e.message);
                    return None;
                }
            }
        }
        Some(Value::Map(merged))
    }
}

fn s(v: &str) -> Value {
    Value::str(v)
}

fn node_str(n: Option<&Node>) -> String {
    n.and_then(|x| x.key_text()).unwrap_or("").to_string()
}

/// The `.helmignore` rules a chart directory is read under: those of the chart Helm loads
/// (with their directory's path), and where this directory is below it (`charts/sub/` for a
/// vendored subchart, whose own `.helmignore` Helm never reads).
#[derive(Clone)]
struct Scope {
    rules: Rc<Rules>,
    prefix: String,
}

impl Scope {
    /// Whether Helm's walk leaves out `rel` (a path inside this directory).
    fn skips(&self, rel: &str, is_dir: bool) -> bool {
        if self.prefix.is_empty() {
            self.rules.ignores(rel, is_dir)
        } else {
            self.rules.ignores(&format!("{}{rel}", self.prefix), is_dir)
        }
    }
}

/// Read the files of a chart directory (recursively) that its `.helmignore` scope lets in;
/// the subchart directories under `charts/` are read on their own.
fn read_dir_files(
    fs: &dyn Fs,
    dir: &str,
    prefix: &str,
    out: &mut Vec<CFile>,
    budget: &mut usize,
    scope: &Scope,
) {
    let here = match (dir.is_empty(), prefix.is_empty()) {
        (_, true) => dir.to_string(),
        (true, false) => prefix.to_string(),
        (false, false) => format!("{dir}/{prefix}"),
    };
    for entry in fs.list(&here) {
        if *budget == 0 {
            return;
        }
        if let Some(d) = entry.strip_suffix('/') {
            if d == ".git" {
                continue;
            }
            let sub = if prefix.is_empty() {
                d.to_string()
            } else {
                format!("{prefix}/{d}")
            };
            if sub.starts_with("charts/") || scope.skips(&sub, true) {
                continue;
            }
            read_dir_files(fs, dir, &sub, out, budget, scope);
        } else {
            let name = if prefix.is_empty() {
                entry.clone()
            } else {
                format!("{prefix}/{entry}")
            };
            let rel = if here.is_empty() {
                entry.clone()
            } else {
                format!("{here}/{entry}")
            };
            if scope.skips(&name, false) {
                continue;
            }
            if let Some(b) = fs.read_bytes(&rel) {
                *budget = budget.saturating_sub(1);
                out.push(CFile {
                    name,
                    data: Rc::from(b),
                    repo_path: Some(Arc::from(rel.as_str())),
                });
            }
        }
    }
}

/// Every chart directory of the repository by chart name (`Chart.yaml` `name`), found by a
/// bounded breadth-first walk. Build it once per repository and pass it in
/// [`HelmOptions::chart_index`] when rendering many charts.
pub fn chart_index(fs: &dyn Fs) -> BTreeMap<String, Vec<String>> {
    let mut index: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut queue: std::collections::VecDeque<(String, usize)> = std::collections::VecDeque::new();
    queue.push_back((String::new(), 0));
    let mut seen = 0usize;
    while let Some((dir, depth)) = queue.pop_front() {
        seen += 1;
        if seen > 50_000 || depth > 10 {
            break;
        }
        let entries = fs.list(&dir);
        if entries.iter().any(|e| e == "Chart.yaml")
            && let Some(src) = fs.read(&join(&dir, "Chart.yaml"))
        {
            let parsed = crate::parse::yaml::parse(&src.text);
            if let Some(name) = parsed.docs.first().and_then(|d| {
                d.root
                    .get("name")
                    .and_then(|n| n.key_text())
                    .map(String::from)
            }) {
                index.entry(name).or_default().push(dir.clone());
            }
        }
        for e in entries {
            if let Some(d) = e.strip_suffix('/') {
                if d.starts_with('.') || d == "node_modules" || d == "templates" {
                    continue;
                }
                queue.push_back((join(&dir, d), depth + 1));
            }
        }
    }
    index
}

/// The chart named `name` nearest to `near` (most shared leading path components).
fn find_chart_by_name(
    fs: &dyn Fs,
    index: Option<&BTreeMap<String, Vec<String>>>,
    name: &str,
    near: &str,
) -> Option<String> {
    let built;
    let index = match index {
        Some(i) => i,
        None => {
            built = chart_index(fs);
            &built
        }
    };
    let dirs = index.get(name)?;
    dirs.iter()
        .filter(|d| d.as_str() != near)
        .max_by_key(|d| {
            let common = d
                .split('/')
                .zip(near.split('/'))
                .take_while(|(a, b)| a == b)
                .count();
            (common, std::cmp::Reverse(d.len()))
        })
        .cloned()
}

impl Chart {
    /// An independent copy, for a second alias of the same chart (values are copied deeply:
    /// each alias gets its own).
    fn duplicate(&self) -> Chart {
        let meta = self.meta.iter().map(|(k, s)| {
            let v = s.v.deep_copy();
            (k.clone(), Slot { v, o: s.o })
        });
        Chart {
            name: self.name.clone(),
            origin_path: self.origin_path.clone(),
            meta: meta.collect(),
            values: self.values.deep_copy(),
            templates: self.templates.clone(),
            files: self.files.clone(),
            deps_meta: self.deps_meta.clone(),
            subcharts: self.subcharts.iter().map(Chart::duplicate).collect(),
            is_library: self.is_library,
        }
    }

    /// Load a chart from its files; `on_disk`: the directory it was read from and the
    /// `.helmignore` scope it was read under (`None` inside an archive).
    fn from_files(
        ctx: &mut Ctx,
        files: Vec<CFile>,
        origin_path: Arc<str>,
        on_disk: Option<(&str, Scope)>,
        depth: usize,
    ) -> Option<Chart> {
        let chart_yaml = files.iter().find(|f| f.name == "Chart.yaml");
        let Some(cy) = chart_yaml else {
            let hidden = on_disk
                .as_ref()
                .is_some_and(|(d, _)| ctx.fs.is_file(&join(d, "Chart.yaml")));
            let message = if hidden {
                "missing Chart.yaml: .helmignore leaves it out, and Helm then finds no chart"
            } else {
                "missing Chart.yaml"
            };
            ctx.err(&origin_path, None, "chart", message.into());
            return None;
        };
        let cy_path = cy.repo_path.clone().unwrap_or_else(|| origin_path.clone());
        let cy_text = String::from_utf8_lossy(&cy.data).into_owned();
        let parsed = crate::parse::yaml::parse(&cy_text);
        if let Some(e) = &parsed.error {
            ctx.err(
                &cy_path,
                Some(Span::new(e.offset, e.offset + 1)),
                "chart",
                format!("Chart.yaml is not valid YAML: {}", e.message),
            );
            return None;
        }
        let root = parsed
            .docs
            .first()
            .map(|d| d.root.clone())
            .unwrap_or_else(|| Node::null(Span::default()));
        let name = node_str(root.get("name"));
        if name.is_empty() {
            ctx.err(
                &cy_path,
                None,
                "chart",
                "Chart.yaml: chart.metadata.name is required".into(),
            );
            return None;
        }
        // Helm 2 accepted a Chart.yaml without apiVersion, and Helm reads it as v1
        let mut api = node_str(root.get("apiVersion"));
        if api.is_empty() {
            api = "v1".into();
        }
        if root.get("version").is_none() {
            ctx.err(
                &cy_path,
                None,
                "chart",
                "Chart.yaml: chart.metadata.version is required".into(),
            );
        }
        let mut meta = Map::new();
        let put = |m: &mut Map, k: &str, v: Value| {
            m.insert(k.to_string(), Slot { v, o: 0 });
        };
        for (k, field) in [
            ("Name", "name"),
            ("Home", "home"),
            ("Version", "version"),
            ("Description", "description"),
            ("Icon", "icon"),
            ("Condition", "condition"),
            ("Tags", "tags"),
            ("AppVersion", "appVersion"),
            ("KubeVersion", "kubeVersion"),
            ("Type", "type"),
        ] {
            put(&mut meta, k, s(&node_str(root.get(field))));
        }
        put(&mut meta, "APIVersion", s(&api));
        let strs = |n: Option<&Node>| -> Value {
            Value::list(
                n.map(|x| x.items().filter_map(|i| i.key_text()).map(s).collect())
                    .unwrap_or_default(),
            )
        };
        put(&mut meta, "Sources", strs(root.get("sources")));
        put(&mut meta, "Keywords", strs(root.get("keywords")));
        put(
            &mut meta,
            "Deprecated",
            Value::Bool(
                root.get("deprecated")
                    .and_then(|n| n.as_bool())
                    .unwrap_or(false),
            ),
        );
        let maint: Vec<Value> = root
            .get("maintainers")
            .map(|n| {
                n.items()
                    .map(|m| {
                        map_of(vec![
                            ("Name", s(&node_str(m.get("name")))),
                            ("Email", s(&node_str(m.get("email")))),
                            ("URL", s(&node_str(m.get("url")))),
                        ])
                    })
                    .collect()
            })
            .unwrap_or_default();
        put(&mut meta, "Maintainers", Value::list(maint));
        let ann = match root.get("annotations").and_then(|n| n.as_map()) {
            Some(entries) => {
                let mut m = Map::new();
                for (k, v) in entries {
                    m.insert(
                        k.key_text().unwrap_or("").to_string(),
                        Slot {
                            v: s(v.key_text().unwrap_or("")),
                            o: 0,
                        },
                    );
                }
                Value::map(m)
            }
            None => Value::Nil,
        };
        put(&mut meta, "Annotations", ann);
        let mut deps_meta = Vec::new();
        let mut dep_values = Vec::new();
        // Helm 2 charts list dependencies in requirements.yaml; Helm reads it over Chart.yaml
        // whatever the apiVersion (with a warning for v2)
        let req_root = files
            .iter()
            .find(|f| f.name == "requirements.yaml")
            .and_then(|f| {
                crate::parse::yaml::parse(&String::from_utf8_lossy(&f.data))
                    .docs
                    .first()
                    .map(|d| d.root.clone())
            })
            .filter(|r| r.get("dependencies").is_some());
        let dep_src = req_root.as_ref().unwrap_or(&root);
        if let Some(list) = dep_src.get("dependencies") {
            for d in list.items() {
                let tags: Vec<String> = d
                    .get("tags")
                    .map(|t| {
                        t.items()
                            .filter_map(|x| x.key_text())
                            .map(String::from)
                            .collect()
                    })
                    .unwrap_or_default();
                let mut import_values = Vec::new();
                for iv in d.get("import-values").into_iter().flat_map(|n| n.items()) {
                    if let Some(t) = iv.as_str() {
                        import_values.push((format!("exports.{t}"), ".".to_string()));
                    } else if iv.as_map().is_some() {
                        import_values.push((node_str(iv.get("child")), node_str(iv.get("parent"))));
                    }
                }
                let dep = Dep {
                    name: node_str(d.get("name")),
                    alias: d
                        .get("alias")
                        .and_then(|a| a.key_text())
                        .filter(|a| !a.is_empty())
                        .map(String::from),
                    condition: node_str(d.get("condition")),
                    tags,
                    import_values,
                    repository: node_str(d.get("repository")),
                };
                dep_values.push(map_of(vec![
                    ("Name", s(&dep.name)),
                    ("Version", s(&node_str(d.get("version")))),
                    ("Repository", s(&dep.repository)),
                    ("Condition", s(&dep.condition)),
                    ("Alias", s(dep.alias.as_deref().unwrap_or(""))),
                    ("Enabled", Value::Bool(false)),
                ]));
                deps_meta.push(dep);
            }
        }
        put(&mut meta, "Dependencies", Value::list(dep_values));
        let is_library = node_str(root.get("type")) == "library";

        // values.yaml
        let mut values = Value::new_map();
        if let Some(vf) = files.iter().find(|f| f.name == "values.yaml") {
            let p = vf.repo_path.clone().unwrap_or_else(|| origin_path.clone());
            let text = String::from_utf8_lossy(&vf.data).into_owned();
            match ctx.values_from(&text, &p, vf.repo_path.is_some(), true) {
                Some(v) => values = v,
                None => return None,
            }
        }

        let mut templates = Vec::new();
        let mut cfiles = BTreeMap::new();
        let mut archives: Vec<&CFile> = Vec::new();
        for f in &files {
            match f.name.as_str() {
                "Chart.yaml" | "values.yaml" | "values.schema.json" | "Chart.lock" => {}
                // a v1 chart keeps these among its files too
                "requirements.yaml" | "requirements.lock" => {
                    if api == "v1" {
                        cfiles.insert(f.name.clone(), f.data.clone());
                    }
                }
                n if n.starts_with("templates/") => templates.push(CFile {
                    name: f.name.clone(),
                    data: f.data.clone(),
                    repo_path: f.repo_path.clone(),
                }),
                // provenance files stay the chart's own files
                n if n.starts_with("charts/") && n.ends_with(".prov") => {
                    cfiles.insert(f.name.clone(), f.data.clone());
                }
                n if n.starts_with("charts/") => {
                    let entry = &n["charts/".len()..];
                    if entry.contains('/') || entry.starts_with(['_', '.']) {
                        // a subchart directory's file, or what Helm skips
                    } else if entry.ends_with(".tgz") {
                        archives.push(f);
                    } else {
                        let p = f.repo_path.clone().unwrap_or_else(|| origin_path.clone());
                        ctx.err(&p, None, "chart", not_a_subchart(entry, &name));
                    }
                }
                _ => {
                    cfiles.insert(f.name.clone(), f.data.clone());
                }
            }
        }

        // subcharts
        let mut subcharts = Vec::new();
        if depth < 8 {
            if let Some((dir, scope)) = &on_disk {
                let charts_dir = join(dir, "charts");
                let listed = if scope.skips("charts", true) {
                    Vec::new()
                } else {
                    ctx.fs.list(&charts_dir)
                };
                for e in listed {
                    let Some(d) = e.strip_suffix('/') else {
                        continue;
                    };
                    let rel = format!("charts/{d}");
                    if d.starts_with(['_', '.']) || scope.skips(&rel, true) {
                        continue;
                    }
                    let sub = format!("{charts_dir}/{d}");
                    let inner = Scope {
                        rules: scope.rules.clone(),
                        prefix: format!("{}{rel}/", scope.prefix),
                    };
                    if ctx.fs.is_file(&format!("{sub}/Chart.yaml")) {
                        if let Some(c) = load_dir_in(ctx, &sub, depth + 1, inner) {
                            subcharts.push(c);
                        }
                    } else {
                        // a directory of files that is no chart: Helm refuses the parent
                        let mut found = Vec::new();
                        let mut budget = 1;
                        read_dir_files(ctx.fs, &sub, "", &mut found, &mut budget, &inner);
                        if !found.is_empty() {
                            ctx.err(&sub, None, "chart", not_a_subchart(d, &name));
                        }
                    }
                }
            } else {
                // archive: subcharts are files under charts/<name>/ in the same archive
                let mut groups: BTreeMap<String, Vec<CFile>> = BTreeMap::new();
                for f in &files {
                    if let Some(rest) = f.name.strip_prefix("charts/")
                        && let Some((sub, inner)) = rest.split_once('/')
                        && !sub.starts_with(['_', '.'])
                        && !f.name.ends_with(".prov")
                    {
                        groups.entry(sub.to_string()).or_default().push(CFile {
                            name: inner.to_string(),
                            data: f.data.clone(),
                            repo_path: None,
                        });
                    }
                }
                for (_, g) in groups {
                    if let Some(c) = Chart::from_files(ctx, g, origin_path.clone(), None, depth + 1)
                    {
                        subcharts.push(c);
                    }
                }
            }
            for a in archives {
                let p = a.repo_path.clone().unwrap_or_else(|| origin_path.clone());
                match archive::untar_gz(&a.data) {
                    Ok(entries) => {
                        let files: Vec<CFile> = entries
                            .into_iter()
                            .filter_map(|(n, d)| {
                                let inner = n.split_once('/')?.1.to_string();
                                Some(CFile {
                                    name: inner,
                                    data: Rc::from(d),
                                    repo_path: None,
                                })
                            })
                            .collect();
                        if let Some(c) = Chart::from_files(ctx, files, p, None, depth + 1) {
                            subcharts.push(c);
                        }
                    }
                    Err(e) => ctx.err(&p, None, "archive", format!("chart archive: {e}")),
                }
            }
            // dependencies that are not vendored: file:// paths, then by name in the repository
            if let Some((dir, _)) = on_disk {
                for d in &deps_meta {
                    if subcharts.iter().any(|c| c.name == d.name) {
                        continue;
                    }
                    let found = if let Some(p) = d.repository.strip_prefix("file://") {
                        confined_join(dir, p).filter(|p| ctx.fs.is_file(&format!("{p}/Chart.yaml")))
                    } else {
                        None
                    }
                    .or_else(|| find_chart_by_name(ctx.fs, ctx.index, &d.name, dir));
                    match found {
                        Some(p) if p != dir => {
                            if let Some(c) = load_dir(ctx, &p, depth + 1) {
                                subcharts.push(c);
                            }
                        }
                        _ => ctx.err(
                            &cy_path,
                            None,
                            "dependency",
                            format!(
                                "dependency {:?} is neither vendored in charts/ nor found in the repository",
                                d.name
                            ),
                        ),
                    }
                }
            }
        }
        subcharts.sort_by(|a, b| a.name.cmp(&b.name));

        Some(Chart {
            name,
            origin_path,
            meta,
            values,
            templates,
            files: cfiles,
            deps_meta,
            subcharts,
            is_library,
        })
    }
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

/// Helm's error for an entry of `charts/` that holds no `Chart.yaml`.
fn not_a_subchart(entry: &str, parent: &str) -> String {
    format!(
        "error unpacking subchart {entry} in {parent}: Chart.yaml file is missing \
         (Helm loads every entry of charts/ as a chart, except names starting with `_` or `.`)"
    )
}

/// Load the chart directory `dir` as Helm loads a chart directory: under its own
/// `.helmignore`, or Helm's default rule alone.
fn load_dir(ctx: &mut Ctx, dir: &str, depth: usize) -> Option<Chart> {
    let path = join(dir, ".helmignore");
    let rules = match ctx.fs.read_bytes(&path) {
        None => Rules::defaults(),
        Some(data) => match Rules::parse(&data) {
            Ok(r) => r,
            Err(e) => {
                let message = format!(".helmignore: {}", e.message);
                ctx.err(
                    &path,
                    Some(Span::new(e.start, e.end)),
                    "helmignore",
                    message,
                );
                return None;
            }
        },
    };
    let scope = Scope {
        rules: Rc::new(rules),
        prefix: String::new(),
    };
    load_dir_in(ctx, dir, depth, scope)
}

/// Load the chart directory `dir` under the `.helmignore` scope it is walked in.
fn load_dir_in(ctx: &mut Ctx, dir: &str, depth: usize, scope: Scope) -> Option<Chart> {
    let mut files = Vec::new();
    let mut budget = 20_000usize;
    read_dir_files(ctx.fs, dir, "", &mut files, &mut budget, &scope);
    Chart::from_files(ctx, files, Arc::from(dir), Some((dir, scope)), depth)
}

// ----------------------------------------------------------------- values

fn get_map(v: &Value) -> Option<Rc<std::cell::RefCell<Map>>> {
    match v {
        Value::Map(m) => Some(m.clone()),
        _ => None,
    }
}

/// Helm's `coalesceTablesFullKey`: `dst` wins; `src` fills in.
fn coalesce_tables(dst: &Rc<std::cell::RefCell<Map>>, src: &Map, merge: bool) {
    let mut d = dst.borrow_mut();
    for (k, sv) in src {
        match d.get(k).cloned() {
            Some(dv) if !merge && dv.v.is_nil() => {
                d.remove(k);
            }
            // a default of null is no value at all
            None if !merge && sv.v.is_nil() => {}
            None => {
                let v = sv.v.deep_copy();
                if !merge {
                    drop_null_entries(&v);
                }
                d.insert(k.clone(), Slot { v, o: sv.o });
            }
            Some(dv) => {
                if let (Some(dm), Some(sm)) = (get_map(&dv.v), get_map(&sv.v)) {
                    let sm = sm.borrow().clone();
                    drop(d);
                    coalesce_tables(&dm, &sm, merge);
                    d = dst.borrow_mut();
                }
            }
        }
    }
}

/// Helm's `coalesceValues`: chart defaults under user values `v`.
fn coalesce_values(chart: &Chart, v: &Rc<std::cell::RefCell<Map>>) {
    let Some(defaults) = get_map(&chart.values.deep_copy()) else {
        return;
    };
    let defaults = defaults.borrow().clone();
    for (k, dv) in defaults {
        let cur = v.borrow().get(&k).cloned();
        match cur {
            Some(uv) if uv.v.is_nil() => {
                v.borrow_mut().remove(&k);
            }
            Some(uv) => {
                if let (Some(um), Some(dm)) = (get_map(&uv.v), get_map(&dv.v)) {
                    let is_child = chart.subcharts.iter().any(|c| c.name == k);
                    let dm = dm.borrow().clone();
                    coalesce_tables(&um, &dm, is_child);
                }
            }
            None if dv.v.is_nil() => {}
            None => {
                drop_null_entries(&dv.v);
                v.borrow_mut().insert(k, dv);
            }
        }
    }
}

/// Remove the null entries of every table in `v` (not list items): Helm drops chart defaults
/// that are null.
fn drop_null_entries(v: &Value) {
    if let Some(m) = get_map(v) {
        m.borrow_mut().retain(|_, s| !s.v.is_nil());
        for s in m.borrow().values() {
            drop_null_entries(&s.v);
        }
    }
}

fn coalesce_globals(dest: &Rc<std::cell::RefCell<Map>>, src: &Rc<std::cell::RefCell<Map>>) {
    let dg = match dest.borrow().get("global").map(|s| s.v.clone()) {
        Some(Value::Map(m)) => m,
        Some(_) => return,
        None => Rc::new(std::cell::RefCell::new(Map::new())),
    };
    let sg = match src.borrow().get("global").map(|s| s.v.clone()) {
        Some(Value::Map(m)) => m.borrow().clone(),
        _ => Map::new(),
    };
    for (k, sv) in sg {
        if let Value::Map(sm) = &sv.v {
            let vv = Value::Map(sm.clone()).deep_copy();
            let existing = dg.borrow().get(&k).cloned();
            match existing {
                None => {
                    dg.borrow_mut().insert(k, Slot { v: vv, o: sv.o });
                }
                Some(Slot {
                    v: Value::Map(dm), ..
                }) => {
                    if let Value::Map(vm) = &vv {
                        let dmc = dm.borrow().clone();
                        coalesce_tables(vm, &dmc, true);
                    }
                    dg.borrow_mut().insert(k, Slot { v: vv, o: sv.o });
                }
                Some(_) => {}
            }
        } else {
            let is_table = matches!(dg.borrow().get(&k).map(|s| &s.v), Some(Value::Map(_)));
            if !is_table {
                dg.borrow_mut().insert(k, sv);
            }
        }
    }
    dest.borrow_mut().insert(
        "global".into(),
        Slot {
            v: Value::Map(dg),
            o: 0,
        },
    );
}

/// Helm's `coalesce` (values then dependencies, recursively).
fn coalesce(chart: &Chart, dest: &Rc<std::cell::RefCell<Map>>) -> Result<(), String> {
    coalesce_values(chart, dest);
    for sub in &chart.subcharts {
        let cur = dest.borrow().get(&sub.name).map(|s| s.v.clone());
        let dv = match cur {
            None | Some(Value::Nil) => {
                let m = Rc::new(std::cell::RefCell::new(Map::new()));
                dest.borrow_mut().insert(
                    sub.name.clone(),
                    Slot {
                        v: Value::Map(m.clone()),
                        o: 0,
                    },
                );
                m
            }
            Some(Value::Map(m)) => m,
            Some(_) => return Err(format!("type mismatch on {}", sub.name)),
        };
        coalesce_globals(&dv, dest);
        coalesce(sub, &dv)?;
    }
    Ok(())
}

fn lookup_path(v: &Value, path: &str) -> Option<Value> {
    let mut cur = v.clone();
    for seg in path.split('.').filter(|s| !s.is_empty()) {
        let next = match &cur {
            Value::Map(m) => m.borrow().get(seg).map(|s| s.v.clone())?,
            _ => return None,
        };
        cur = next;
    }
    Some(cur)
}

/// Drop disabled dependencies (condition, tags), apply aliases, recursively.
fn process_dependencies(chart: &mut Chart, cvals: &Value, path: &str) {
    let mut keep: Vec<Chart> = Vec::new();
    let subs = std::mem::take(&mut chart.subcharts);
    let mut used = vec![false; subs.len()];
    let mut pending: Vec<(Chart, Option<&Dep>)> = Vec::new();
    let mut subs_opt: Vec<Option<Chart>> = subs.into_iter().map(Some).collect();
    for d in &chart.deps_meta {
        let idx = subs_opt
            .iter()
            .position(|c| c.as_ref().is_some_and(|c| c.name == d.name));
        match idx {
            Some(i) => {
                used[i] = true;
                if let Some(c) = subs_opt[i].take() {
                    pending.push((c, Some(d)));
                }
            }
            None => {
                // an aliased second use of an already taken chart
                if let Some(pos) = pending.iter().position(|(c, _)| c.name == d.name) {
                    let copy = pending[pos].0.duplicate();
                    pending.push((copy, Some(d)));
                }
            }
        }
    }
    for c in subs_opt.into_iter().flatten() {
        pending.push((c, None));
    }
    let tags_val = lookup_path(cvals, "tags");
    let mut disabled: Vec<String> = Vec::new();
    for (mut c, dep) in pending {
        let mut enabled = true;
        if let Some(d) = dep {
            // tags
            if !d.tags.is_empty() {
                let mut any_true = false;
                let mut any_set = false;
                for t in &d.tags {
                    if let Some(Value::Bool(b)) =
                        tags_val.as_ref().and_then(|tv| lookup_path(tv, t))
                    {
                        any_set = true;
                        any_true |= b;
                    }
                }
                if any_set {
                    enabled = any_true;
                }
            }
            // condition overrides tags
            for cond in d
                .condition
                .split(',')
                .map(str::trim)
                .filter(|c| !c.is_empty())
            {
                let full = if path.is_empty() {
                    cond.to_string()
                } else {
                    format!("{path}{cond}")
                };
                if let Some(Value::Bool(b)) = lookup_path(cvals, &full) {
                    enabled = b;
                    break;
                }
            }
            if let Some(a) = &d.alias {
                c.name = a.clone();
                c.meta.insert("Name".into(), Slot { v: s(a), o: 0 });
            }
            if !enabled {
                disabled.push(c.name.clone());
            }
        }
        if enabled {
            keep.push(c);
        }
    }
    let _ = used;
    chart.subcharts = keep;
    // `.Chart.Dependencies` as Helm leaves it: an alias becomes the name, disabled entries
    // are dropped, the others are enabled
    if let Some(Slot {
        v: Value::List(l), ..
    }) = chart.meta.get("Dependencies").cloned()
    {
        let mut updated = Vec::with_capacity(l.len());
        for d in l.iter() {
            if let Value::Map(m) = d {
                let alias = m.borrow().get("Alias").map(|s| s.v.clone());
                if let Some(Value::Str(a)) = alias.filter(|a| a.truthy()) {
                    m.borrow_mut().insert(
                        "Name".into(),
                        Slot {
                            v: Value::Str(a),
                            o: 0,
                        },
                    );
                }
                let name = m.borrow().get("Name").map(|s| s.v.clone());
                if matches!(name, Some(Value::Str(n)) if disabled.iter().any(|x| **x == *n)) {
                    continue;
                }
                m.borrow_mut().insert(
                    "Enabled".into(),
                    Slot {
                        v: Value::Bool(true),
                        o: 0,
                    },
                );
            }
            updated.push(d.clone());
        }
        chart.meta.insert(
            "Dependencies".into(),
            Slot {
                v: Value::list(updated),
                o: 0,
            },
        );
    }
    let names: Vec<String> = chart.subcharts.iter().map(|c| c.name.clone()).collect();
    for (i, sub) in chart.subcharts.iter_mut().enumerate() {
        let p = format!("{path}{}.", names[i]);
        process_dependencies(sub, cvals, &p);
    }
}

/// Helm's import-values: child values copied into the parent (parent values win).
fn import_values(chart: &mut Chart, cvals: &Value) {
    for sub in chart.subcharts.iter_mut() {
        import_values(sub, &lookup_path(cvals, &sub.name).unwrap_or_default());
    }
    let mut b = Rc::new(std::cell::RefCell::new(Map::new()));
    let mut any = false;
    for d in &chart.deps_meta {
        let name = d.alias.clone().unwrap_or_else(|| d.name.clone());
        for (child, parent) in &d.import_values {
            let Some(Value::Map(vm)) = lookup_path(cvals, &format!("{name}.{child}")) else {
                continue;
            };
            any = true;
            let mut table = Value::Map(vm).deep_copy();
            for seg in parent
                .split('.')
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
            {
                table = map_of(vec![(seg, table)]);
            }
            if let Value::Map(tm) = table {
                let src = b.borrow().clone();
                coalesce_tables(&tm, &src, true);
                b = tm;
            }
        }
    }
    if any && let Some(vals) = get_map(&chart.values) {
        let v = vals.borrow().clone();
        coalesce_tables(&b, &v, true);
        chart.values = Value::Map(b);
    }
}

// ----------------------------------------------------------------- render

const INSTALL_ORDER: &[&str] = &[
    "PriorityClass",
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

const HOOK_EVENTS: &[&str] = &[
    "pre-install",
    "post-install",
    "pre-delete",
    "post-delete",
    "pre-upgrade",
    "post-upgrade",
    "pre-rollback",
    "post-rollback",
    "test",
    "test-success",
];

const API_VERSIONS: &[&str] = &[
    "v1",
    "admissionregistration.k8s.io/v1",
    "admissionregistration.k8s.io/v1alpha1",
    "admissionregistration.k8s.io/v1beta1",
    "internal.apiserver.k8s.io/v1alpha1",
    "apps/v1",
    "apps/v1beta1",
    "apps/v1beta2",
    "authentication.k8s.io/v1",
    "authentication.k8s.io/v1alpha1",
    "authentication.k8s.io/v1beta1",
    "authorization.k8s.io/v1",
    "authorization.k8s.io/v1beta1",
    "autoscaling/v1",
    "autoscaling/v2",
    "batch/v1",
    "batch/v1beta1",
    "certificates.k8s.io/v1",
    "certificates.k8s.io/v1beta1",
    "certificates.k8s.io/v1alpha1",
    "coordination.k8s.io/v1alpha2",
    "coordination.k8s.io/v1beta1",
    "coordination.k8s.io/v1",
    "discovery.k8s.io/v1",
    "discovery.k8s.io/v1beta1",
    "events.k8s.io/v1",
    "events.k8s.io/v1beta1",
    "extensions/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1beta2",
    "flowcontrol.apiserver.k8s.io/v1beta3",
    "networking.k8s.io/v1",
    "networking.k8s.io/v1beta1",
    "node.k8s.io/v1",
    "node.k8s.io/v1alpha1",
    "node.k8s.io/v1beta1",
    "policy/v1",
    "policy/v1beta1",
    "rbac.authorization.k8s.io/v1",
    "rbac.authorization.k8s.io/v1beta1",
    "rbac.authorization.k8s.io/v1alpha1",
    "resource.k8s.io/v1",
    "resource.k8s.io/v1beta2",
    "resource.k8s.io/v1beta1",
    "resource.k8s.io/v1alpha3",
    "scheduling.k8s.io/v1alpha2",
    "scheduling.k8s.io/v1beta1",
    "scheduling.k8s.io/v1",
    "storage.k8s.io/v1beta1",
    "storage.k8s.io/v1",
    "storage.k8s.io/v1alpha1",
    "storagemigration.k8s.io/v1beta1",
    "apiextensions.k8s.io/v1beta1",
    "apiextensions.k8s.io/v1",
];

fn kube_version(v: &str) -> (String, String, String) {
    let t = v.trim().trim_start_matches('v');
    let t = if t.is_empty() { "1.31.0" } else { t };
    // Helm keeps the version as given (`1.28` is `v1.28`); Major and Minor are its first two
    // numbers
    let mut parts = t.split('.').map(String::from);
    let major = parts.next().unwrap_or_default();
    let minor = parts.next().unwrap_or_else(|| "0".into());
    (format!("v{t}"), major, minor)
}

/// A template to execute: its Helm name, repository path, text and values.
struct Renderable {
    name: String,
    repo_path: Option<Arc<str>>,
    archive: Arc<str>,
    text: Rc<str>,
    dot: Value,
    base_path: String,
}

fn collect(
    chart: &Chart,
    parent_id: &str,
    top: &Value,
    values: Value,
    out: &mut Vec<Renderable>,
    is_root: bool,
) -> Value {
    let id = if parent_id.is_empty() {
        chart.name.clone()
    } else {
        format!("{parent_id}/charts/{}", chart.name)
    };
    let mut meta = chart.meta.clone();
    meta.insert(
        "IsRoot".into(),
        Slot {
            v: Value::Bool(is_root),
            o: 0,
        },
    );
    let subcharts = Rc::new(std::cell::RefCell::new(Map::new()));
    let mut next = Map::new();
    let topm = get_map(top).map(|m| m.borrow().clone()).unwrap_or_default();
    for k in ["Release", "Capabilities"] {
        if let Some(v) = topm.get(k) {
            next.insert(k.into(), v.clone());
        }
    }
    next.insert(
        "Chart".into(),
        Slot {
            v: Value::map(meta),
            o: 0,
        },
    );
    next.insert(
        "Files".into(),
        Slot {
            v: Value::Obj(Rc::new(Obj::Files(chart.files.clone()))),
            o: 0,
        },
    );
    next.insert(
        "Values".into(),
        Slot {
            v: values.clone(),
            o: 0,
        },
    );
    next.insert(
        "Subcharts".into(),
        Slot {
            v: Value::Map(subcharts.clone()),
            o: 0,
        },
    );
    let next = Value::map(next);
    for sub in &chart.subcharts {
        let sv = lookup_path(&values, &sub.name).unwrap_or_else(Value::new_map);
        let sv = if matches!(sv, Value::Map(_)) {
            sv
        } else {
            Value::new_map()
        };
        let d = collect(sub, &id, &next, sv, out, false);
        subcharts
            .borrow_mut()
            .insert(sub.name.clone(), Slot { v: d, o: 0 });
    }
    for t in &chart.templates {
        out.push(Renderable {
            name: format!("{id}/{}", t.name),
            repo_path: t.repo_path.clone(),
            archive: chart.origin_path.clone(),
            text: Rc::from(String::from_utf8_lossy(&t.data).as_ref()),
            dot: next.clone(),
            base_path: format!("{id}/templates"),
        });
    }
    next
}

/// Helm's template order: deeper paths first, then reverse lexical order.
fn sort_key(a: &str, b: &str) -> std::cmp::Ordering {
    let (ca, cb) = (a.matches('/').count(), b.matches('/').count());
    cb.cmp(&ca).then_with(|| b.cmp(a))
}

struct Doc {
    source: String,
    kind: String,
    fallback: Arc<str>,
    text: String,
    origins: OriginMap,
    hook: bool,
}

/// Split a template's output like Helm's `SplitManifests` (`(?:^|\s*\n)---\s*`), keeping
/// each document's byte range.
fn split_docs(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let ws = |c: u8| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0c);
    // leading white space first (Go's TrimSpace: Unicode), so that a separator may open the
    // text; white space at the end and around every separator goes with the trim of each
    // document below
    let start = text.len() - text.trim_start().len();
    let end = b.len();
    let mut out = Vec::new();
    let mut seg_start = start;
    let mut i = start;
    // separator at the very start
    let mut cuts: Vec<(usize, usize)> = Vec::new();
    if text[start..end].starts_with("---") {
        let mut j = start + 3;
        while j < end && ws(b[j]) {
            j += 1;
        }
        cuts.push((start, j));
        i = j;
    }
    while i < end {
        if b[i] == b'\n' && text[i + 1..end].starts_with("---") {
            // the separator takes the white space after it: a `---` that follows is text
            let mut j = i + 4;
            while j < end && ws(b[j]) {
                j += 1;
            }
            cuts.push((i, j));
            i = j;
            continue;
        }
        i += 1;
    }
    for (a, z) in cuts {
        out.push((seg_start, a));
        seg_start = z;
    }
    out.push((seg_start, end));
    out.into_iter()
        .filter_map(|(a, z)| {
            // Helm trims a document's start (Unicode white space) and skips one that is only
            // white space; at its end only what the separator's `\s` takes goes
            let doc = &text[a..z];
            let t = doc.trim_start();
            let a = a + (doc.len() - t.len());
            let t = t.trim_end_matches(|c: char| c.is_ascii() && ws(c as u8));
            (!t.is_empty()).then_some((a, a + t.len()))
        })
        .collect()
}

fn doc_head(text: &str) -> Result<(String, Option<String>), String> {
    let parsed = crate::parse::yaml::parse(text);
    if let Some(e) = parsed.error {
        return Err(e.message);
    }
    let Some(d) = parsed.docs.first() else {
        return Ok((String::new(), None));
    };
    let kind = d
        .root
        .get("kind")
        .and_then(|k| k.as_str())
        .unwrap_or("")
        .to_string();
    let hook = d
        .root
        .path(&["metadata", "annotations", "helm.sh/hook"])
        .and_then(|h| h.key_text())
        .map(String::from);
    Ok((kind, hook))
}

fn kind_rank(kind: &str) -> (u8, usize, String) {
    match INSTALL_ORDER.iter().position(|k| *k == kind) {
        Some(i) => (0, i, String::new()),
        None => (1, 0, kind.to_string()),
    }
}

pub(crate) fn render(fs: &dyn Fs, dir: &str, opts: &HelmOptions) -> RenderUnit {
    let mut ctx = Ctx {
        fs,
        index: opts.chart_index.as_deref(),
        origins: vec![Origin {
            path: Arc::from(""),
            span: Span::default(),
            role: Role::Values,
        }],
        errors: Vec::new(),
        inputs: Vec::new(),
    };
    let namespace = if opts.namespace.is_empty() {
        "default".to_string()
    } else {
        opts.namespace.clone()
    };
    let mut unit = RenderUnit {
        kind: UnitKind::Helm,
        dir: Arc::from(dir),
        env: None,
        namespace: Some(namespace.clone()),
        application: None,
        inputs: Vec::new(),
        outputs: Vec::new(),
        errors: Vec::new(),
        status: UnitStatus::Rendered,
    };
    let Some(mut chart) = load_dir(&mut ctx, dir, 0) else {
        unit.errors = ctx.errors;
        unit.status = UnitStatus::Failed;
        return unit;
    };
    if let Some(vf) = fs.read(&join(dir, "values.yaml")) {
        ctx.inputs.push(Arc::from(vf.path.as_str()));
    }
    if chart.is_library {
        unit.errors = ctx.errors;
        unit.status = UnitStatus::Unsupported("library chart: renders nothing".into());
        return unit;
    }

    // user values: -f files in order, then --set
    let user = Rc::new(std::cell::RefCell::new(Map::new()));
    for f in &opts.value_files {
        let Some(src) = fs.read(f) else {
            ctx.err(f, None, "values", format!("values file {f} cannot be read"));
            continue;
        };
        let p: Arc<str> = Arc::from(src.path.as_str());
        ctx.inputs.push(p.clone());
        if let Some(Value::Map(m)) = ctx.values_from(&src.text, &p, true, false) {
            let m = m.borrow().clone();
            merge_maps(&user, &m);
        }
    }
    if let Some(iv) = &opts.inline_values {
        let p: Arc<str> = Arc::from(iv.path.as_str());
        ctx.inputs.push(p.clone());
        let before = ctx.origins.len();
        if let Some(Value::Map(m)) = ctx.values_from(&iv.text, &p, true, false) {
            for o in &mut ctx.origins[before..] {
                o.span = match iv.offset {
                    Some(off) => Span {
                        start: o.span.start.saturating_add(off),
                        end: o.span.end.saturating_add(off),
                    },
                    None => Span::default(),
                };
            }
            let m = m.borrow().clone();
            merge_maps(&user, &m);
        }
    }
    // Each --set is read on its own and then merged like a values file: a list it sets
    // replaces the list before it (`--set l[2]=z` after `--set l[0]=x` is [null, null, z]).
    for (k, v) in &opts.set {
        let one = Rc::new(std::cell::RefCell::new(Map::new()));
        match setvals::apply(&one, &format!("{k}={v}")) {
            Ok(()) => {
                let m = one.borrow().clone();
                merge_maps(&user, &m);
            }
            Err(e) => ctx.err(dir, None, "values", format!("--set {k}={v}: {e}")),
        }
    }

    // dependencies: conditions and tags are read from the coalesced values
    let cvals = Rc::new(std::cell::RefCell::new(user.borrow().clone()));
    let cvals_v = Value::Map(cvals.clone()).deep_copy();
    if let Value::Map(cm) = &cvals_v
        && let Err(e) = coalesce(&chart, cm)
    {
        ctx.err(dir, None, "values", e);
    }
    process_dependencies(&mut chart, &cvals_v, "");
    import_values(&mut chart, &cvals_v);
    let vals = Value::Map(user.clone()).deep_copy();
    if let Value::Map(vm) = &vals
        && let Err(e) = coalesce(&chart, vm)
    {
        ctx.err(dir, None, "values", e);
    }

    let release_name = if opts.release_name.is_empty() {
        "release-name".to_string()
    } else {
        opts.release_name.clone()
    };
    let (kv, major, minor) = kube_version(&opts.kube_version);
    let kube = Rc::new(std::cell::RefCell::new(
        [
            ("Version", s(&kv)),
            ("GitVersion", s(&kv)),
            ("Major", s(&major)),
            ("Minor", s(&minor)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), Slot { v, o: 0 }))
        .collect::<Map>(),
    ));
    let caps = map_of(vec![
        ("KubeVersion", Value::Obj(Rc::new(Obj::KubeVersion(kube)))),
        (
            "APIVersions",
            Value::Obj(Rc::new(Obj::ApiVersions(
                API_VERSIONS.iter().map(|s| s.to_string()).collect(),
            ))),
        ),
        (
            "HelmVersion",
            map_of(vec![
                ("Version", s("v4.2")),
                ("GitCommit", s("")),
                ("GitTreeState", s("")),
                ("GoVersion", s("go1.26.6")),
                ("KubeClientVersion", s("v1.36")),
            ]),
        ),
    ]);
    let release = map_of(vec![
        ("Name", s(&release_name)),
        ("Namespace", s(&namespace)),
        ("IsUpgrade", Value::Bool(false)),
        ("IsInstall", Value::Bool(true)),
        ("Revision", Value::Int(1)),
        ("Service", s("Helm")),
    ]);
    let top = map_of(vec![("Release", release), ("Capabilities", caps)]);
    let mut rends = Vec::new();
    collect(&chart, "", &top, vals, &mut rends, true);
    rends.sort_by(|a, b| sort_key(&a.name, &b.name));

    // parse every template into one set
    let mut set = Set::default();
    let mut bodies: Vec<Option<Rc<Vec<parse::Node>>>> = Vec::new();
    let mut file_paths: Vec<(Option<Arc<str>>, Arc<str>)> = Vec::new();
    for r in &rends {
        let idx = set.files.len() as u32;
        set.files.push(FileInfo {
            name: Rc::from(r.name.as_str()),
            src: r.text.clone(),
        });
        file_paths.push((r.repo_path.clone(), r.archive.clone()));
        match parse::parse(&r.text) {
            Ok(p) => {
                set.add_defines(idx, p.defines);
                let body = Rc::new(p.root);
                // every file is also a template named by its path (`include (print
                // $.Template.BasePath "/configmap.yaml") .`)
                set.defs.insert(
                    Rc::from(r.name.as_str()),
                    Def {
                        file: idx,
                        body: body.clone(),
                    },
                );
                bodies.push(Some(body));
            }
            Err(e) => {
                let (path, span) = match &r.repo_path {
                    Some(p) => (
                        p.clone(),
                        Some(Span::new(e.pos as usize, e.pos as usize + 1)),
                    ),
                    None => (r.archive.clone(), None),
                };
                ctx.errors.push(RenderError {
                    path,
                    span,
                    message: format!("parse error in {}: {}", r.name, e.message),
                    code: "parse",
                });
                bodies.push(None);
            }
        }
    }
    let funcs = HelmFuncs::new();
    let mut docs: Vec<Doc> = Vec::new();
    let mut exec = Exec::new(&mut set, &funcs, Budget::default());
    let mut total = 0usize;
    for (i, r) in rends.iter().enumerate() {
        let Some(body) = bodies[i].take() else {
            continue;
        };
        let base = r.name.rsplit('/').next().unwrap_or("");
        let partial = base.starts_with('_');
        let notes = r.name.ends_with("NOTES.txt");
        // per template: a fresh top-level map with .Template
        let dot = match &r.dot {
            Value::Map(m) => {
                let mut m = m.borrow().clone();
                m.insert(
                    "Template".into(),
                    Slot {
                        v: map_of(vec![("Name", s(&r.name)), ("BasePath", s(&r.base_path))]),
                        o: 0,
                    },
                );
                Value::map(m)
            }
            v => v.clone(),
        };
        exec.out.clear();
        exec.recs.clear();
        exec.template_name = Rc::from(r.name.as_str());
        let res = exec.run(i as u32, &body, (dot, 0));
        if let Err(e) = res {
            let (path, span) = match file_paths.get(e.file as usize) {
                Some((Some(p), _)) => (
                    p.clone(),
                    Some(Span::new(e.pos as usize, e.pos as usize + 1)),
                ),
                Some((None, a)) => (a.clone(), None),
                None => (
                    r.repo_path.clone().unwrap_or_else(|| r.archive.clone()),
                    None,
                ),
            };
            let tname = exec
                .set
                .files
                .get(e.file as usize)
                .map(|f| f.name.to_string())
                .unwrap_or_default();
            ctx.errors.push(RenderError {
                path,
                span,
                message: format!("template {tname}: {}", e.message),
                code: e.code,
            });
            if e.code == "budget" {
                break;
            }
            continue;
        }
        // partials define templates only; Helm still executes them, output dropped
        if partial || notes {
            continue;
        }
        total += exec.out.len();
        if total > exec.budget.max_output {
            ctx.errors.push(RenderError {
                path: Arc::from(dir),
                span: None,
                message: format!(
                    "rendered output exceeds the budget of {} bytes",
                    exec.budget.max_output
                ),
                code: "budget",
            });
            break;
        }
        let text = std::mem::take(&mut exec.out);
        let recs = std::mem::take(&mut exec.recs);
        let (text, recs) = drop_no_value(text, recs);
        let fallback = r.repo_path.clone().unwrap_or_else(|| r.archive.clone());
        for (a, z) in split_docs(&text) {
            let dtext = &text[a..z];
            let (kind, hook) = match doc_head(dtext) {
                Ok(h) => h,
                Err(m) => {
                    ctx.errors.push(RenderError {
                        path: fallback.clone(),
                        span: None,
                        message: format!("YAML parse error on {}: {m}", r.name),
                        code: "yaml",
                    });
                    continue;
                }
            };
            let is_hook = match &hook {
                Some(h) => {
                    let evs: Vec<String> = h.split(',').map(|e| e.trim().to_lowercase()).collect();
                    if evs.iter().any(|e| !HOOK_EVENTS.contains(&e.as_str())) {
                        continue;
                    }
                    true
                }
                None => false,
            };
            let mut om = OriginMap::new();
            for (s0, e0, rec) in &recs {
                let (s0, e0) = (*s0 as usize, *e0 as usize);
                if e0 <= a || s0 >= z {
                    continue;
                }
                let rs = s0.max(a) - a;
                let re = e0.min(z) - a;
                // Literal template text is copied byte for byte: map each of its lines to its
                // own template line, so a finding on the third line of a text run does not
                // point at the line where the run starts.
                if let Rec::Tmpl { file, start, end } = rec
                    && let Some((Some(p), _)) = file_paths.get(*file as usize)
                    && (*end - *start) as usize == e0 - s0
                    && text[s0.max(a)..e0.min(z)].contains('\n')
                {
                    let stop = e0.min(z);
                    let mut ls = s0.max(a);
                    while ls < stop {
                        let le = text[ls..stop].find('\n').map_or(stop, |i| ls + i + 1);
                        let at = *start as usize + (ls - s0);
                        om.push(
                            Span::new(ls - a, le - a),
                            Origin {
                                path: p.clone(),
                                span: Span::new(at, at + (le - ls)),
                                role: Role::Template,
                            },
                        );
                        ls = le;
                    }
                    continue;
                }
                let origin = match rec {
                    Rec::Tmpl { file, start, end } => match file_paths.get(*file as usize) {
                        Some((Some(p), _)) => Origin {
                            path: p.clone(),
                            span: Span::new(*start as usize, *end as usize),
                            role: Role::Template,
                        },
                        Some((None, ar)) => Origin {
                            path: ar.clone(),
                            span: Span::default(),
                            role: Role::Template,
                        },
                        None => continue,
                    },
                    Rec::Val(o) => match ctx.origins.get(*o as usize) {
                        Some(o) => o.clone(),
                        None => continue,
                    },
                };
                om.push(Span::new(rs, re), origin);
            }
            docs.push(Doc {
                source: r.name.clone(),
                kind,
                fallback: fallback.clone(),
                text: dtext.to_string(),
                origins: om,
                hook: is_hook,
            });
        }
    }
    drop(exec);
    // Helm's order: by source path, then stable by kind; hooks after the manifests
    docs.sort_by(|a, b| a.source.cmp(&b.source));
    docs.sort_by_key(|d| (d.hook, kind_rank(&d.kind)));
    for d in docs {
        unit.outputs.push(RenderedSource {
            name: d.source,
            fallback: d.fallback,
            text: d.text,
            origins: d.origins,
        });
    }
    unit.inputs = ctx.inputs;
    if !ctx.errors.is_empty() {
        unit.status = UnitStatus::Failed;
    }
    unit.errors = ctx.errors;
    unit
}

/// Helm replaces `<no value>` in the output with nothing; keep the records aligned.
fn drop_no_value(text: String, recs: Vec<(u32, u32, Rec)>) -> (String, Vec<(u32, u32, Rec)>) {
    const NV: &str = "<no value>";
    if !text.contains(NV) {
        return (text, recs);
    }
    let cuts: Vec<usize> = text.match_indices(NV).map(|(i, _)| i).collect();
    let shift = |p: u32| -> u32 {
        let p = p as usize;
        let mut removed = 0;
        for &c in &cuts {
            if c + NV.len() <= p {
                removed += NV.len();
            } else if c < p {
                removed += p - c;
            }
        }
        (p - removed) as u32
    };
    let recs = recs
        .into_iter()
        .map(|(a, b, r)| (shift(a), shift(b), r))
        .collect();
    (text.replace(NV, ""), recs)
}

/// Helm's `mergeMaps` for user values files: later files win, maps merge deeply.
pub(crate) fn merge_maps(dst: &Rc<std::cell::RefCell<Map>>, src: &Map) {
    for (k, v) in src {
        let cur = dst.borrow().get(k).map(|s| s.v.clone());
        match (cur, &v.v) {
            (Some(Value::Map(dm)), Value::Map(sm)) => {
                let sm = sm.borrow().clone();
                merge_maps(&dm, &sm);
            }
            _ => {
                dst.borrow_mut().insert(k.clone(), v.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A repository of `n` top-level directories, each holding a chart `c<i>`.
    struct Wide(usize);

    impl Fs for Wide {
        fn read(&self, rel: &str) -> Option<Arc<crate::source::SourceFile>> {
            let d = rel.strip_suffix("/Chart.yaml")?.strip_prefix('d')?;
            let text = format!("name: c{d}\n");
            let f = crate::source::SourceFile::new(rel, std::path::PathBuf::from(rel), text);
            Some(Arc::new(f))
        }
        fn read_bytes(&self, _rel: &str) -> Option<Vec<u8>> {
            None
        }
        fn list(&self, dir: &str) -> Vec<String> {
            if dir.is_empty() {
                (0..self.0).map(|i| format!("d{i}/")).collect()
            } else {
                vec!["Chart.yaml".into()]
            }
        }
        fn is_dir(&self, _rel: &str) -> bool {
            false
        }
        fn is_file(&self, _rel: &str) -> bool {
            false
        }
    }

    #[test]
    fn the_chart_index_visits_at_most_50000_directories() {
        // the root is the first directory visited, so 49,999 charts are indexed
        assert_eq!(chart_index(&Wide(49_998)).len(), 49_998);
        assert_eq!(chart_index(&Wide(49_999)).len(), 49_999);
        assert_eq!(chart_index(&Wide(50_005)).len(), 49_999);
    }

    #[test]
    fn documents_split_like_helms_split_manifests() {
        // Expected: Helm v4.2's releaseutil.SplitManifests: Go's regexp `(?:^|\s*\n)---\s*`
        // split of the text with its leading white space trimmed, each document's leading
        // white space trimmed, documents of white space only dropped (trailing ASCII white
        // space is left out here; Helm keeps it on the last document, which changes no object).
        let table: &[(&str, &[&str])] = &[
            ("a", &["a"]),
            ("a\n---\nb", &["a", "b"]),
            ("---\na\n---\nb\n", &["a", "b"]),
            ("a\n---", &["a"]),
            ("a\n--- \n\n b", &["a", "b"]),
            ("a  \n  \n---\nb", &["a", "b"]),
            ("a---b", &["a---b"]),
            ("a\n---b", &["a", "b"]),
            ("a\n----\nb", &["a", "-\nb"]),
            ("\n\n---\n---\n", &["---"]),
            ("a\r\n---\r\nb", &["a", "b"]),
            (" --- a", &["a"]),
            ("a\n ---\nb", &["a\n ---\nb"]),
            ("a\n\t\n---x\n", &["a", "x"]),
            ("", &[]),
            ("   ", &[]),
            ("---", &[]),
            ("a\n---\n---\nb", &["a", "---\nb"]),
            ("a: |\n  x\n---\nb", &["a: |\n  x", "b"]),
            ("x\n---\n\n\ny\n---\n  z  \n", &["x", "y", "z"]),
            // Go's TrimLeftFunc is Unicode; the separator's `\s` is ASCII
            (
                "\u{a0}---\na: 1\u{2028}\n---\u{a0}b: 2\u{3000}",
                &["a: 1\u{2028}", "b: 2\u{3000}"],
            ),
            ("a\n---\n\u{3000}\n---\nb", &["a", "b"]),
        ];
        for (text, want) in table {
            let got: Vec<&str> = split_docs(text).iter().map(|&(a, z)| &text[a..z]).collect();
            assert_eq!(&got, want, "{text:?}");
        }
    }

    #[test]
    fn no_value_is_cut_and_positions_follow() {
        // "<no value>" (10 bytes) at 2 and at 16: positions after a cut move back, positions
        // inside one move to its start
        let text = "ab<no value>cdef<no value>gh".to_string();
        let rec = || Rec::Val(0);
        let recs = vec![
            (0, 2, rec()),
            (2, 12, rec()),
            (5, 7, rec()),
            (12, 16, rec()),
            (16, 26, rec()),
            (26, 28, rec()),
        ];
        let (out, recs) = drop_no_value(text, recs);
        assert_eq!(out, "abcdefgh");
        let spans: Vec<(u32, u32)> = recs.iter().map(|(a, b, _)| (*a, *b)).collect();
        assert_eq!(spans, [(0, 2), (2, 2), (2, 2), (2, 6), (6, 6), (6, 8)]);
        // nothing to cut: unchanged
        let (out, recs) = drop_no_value("plain".into(), vec![(1, 3, rec())]);
        assert_eq!((out.as_str(), recs[0].0, recs[0].1), ("plain", 1, 3));
    }
}
