//! Rego policies, conftest-compatible, evaluated by `regorus`.
//!
//! Policies come from `--policy` directories (default `policy/` when present) and from the
//! bundled `policies/` compiled into the binary. They are parsed and checked once; each
//! rayon worker evaluates documents on its own clone of the engine. Rules named `deny`,
//! `violation` and `warn` (and `deny_*`, …) in the selected namespaces give findings;
//! `exception` rules exempt deny/violation results by rule suffix, as in conftest.
//! Depends on `model`, `parse`, `rules` (metadata) and `diagnostics`.

pub mod extensions;
pub mod input;
pub mod limits;
pub mod metadata;
pub mod run;
pub mod verify;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use globset::{Glob, GlobSet, GlobSetBuilder};
use regorus::{Engine, Value};

use crate::diagnostics::RuleMeta;
use crate::diagnostics::Severity;
use metadata::Meta;

/// The bundled policies (`policies/`), compiled into the binary. A test checks that every
/// `.rego` file of the directory is listed here.
pub const BUNDLED: &[(&str, &str)] = &[
    (
        "policies/kubernetes/deprecated_api.rego",
        include_str!("../../policies/kubernetes/deprecated_api.rego"),
    ),
    (
        "policies/kubernetes/deprecated_api_test.rego",
        include_str!("../../policies/kubernetes/deprecated_api_test.rego"),
    ),
    (
        "policies/kubernetes/cluster_admin.rego",
        include_str!("../../policies/kubernetes/cluster_admin.rego"),
    ),
    (
        "policies/kubernetes/cluster_admin_test.rego",
        include_str!("../../policies/kubernetes/cluster_admin_test.rego"),
    ),
    (
        "policies/kubernetes/nodeport.rego",
        include_str!("../../policies/kubernetes/nodeport.rego"),
    ),
    (
        "policies/kubernetes/nodeport_test.rego",
        include_str!("../../policies/kubernetes/nodeport_test.rego"),
    ),
];

/// Data of the bundled policies: (place under `data`, JSON file).
pub const BUNDLED_DATA: &[(&str, &str, &str)] = &[(
    "octolint.removed_apis",
    "policies/kubernetes/removed_apis.json",
    include_str!("../../policies/kubernetes/removed_apis.json"),
)];

/// Category of rules that come from the bundled policies.
pub const BUNDLED_CATEGORY: &str = "policy";
/// Category of rules that come from the user's policies.
pub const CUSTOM_CATEGORY: &str = "policy (custom)";

/// What to load and how to evaluate.
#[derive(Debug, Clone, Default)]
pub struct PolicyOptions {
    /// The user's policy directories (or files).
    pub dirs: Vec<PathBuf>,
    /// Data directories or files (JSON/YAML), placed under `data` by their directory.
    pub data: Vec<PathBuf>,
    /// Namespaces (package names without `data.`, globs allowed); empty means `main`.
    pub namespaces: Vec<String>,
    pub all_namespaces: bool,
    /// One evaluation over all documents as `[{path, contents}]`.
    pub combine: bool,
    pub rego_v0: bool,
    /// Load the bundled `policies/`.
    pub bundled: bool,
    /// Load `*_test.rego` files too (for `verify`).
    pub tests: bool,
    /// Time and memory budgets of each evaluation.
    pub limits: limits::EvalLimits,
}

/// A policy or data problem that stops the run (exit 2): where and why.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyError {
    pub file: String,
    pub line: usize,
    pub col: usize,
    pub message: String,
}

impl std::fmt::Display for PolicyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line > 0 {
            write!(
                f,
                "{}:{}:{}: {}",
                self.file, self.line, self.col, self.message
            )
        } else {
            write!(f, "{}: {}", self.file, self.message)
        }
    }
}

impl PolicyError {
    fn new(file: impl Into<String>, message: impl Into<String>) -> Self {
        PolicyError {
            file: file.into(),
            line: 0,
            col: 0,
            message: message.into(),
        }
    }

    /// From a regorus error, whose text holds `--> file:line:col` and `error: reason`.
    fn from_regorus(file: &str, err: &anyhow::Error) -> Self {
        let text = err.to_string();
        let mut out = PolicyError::new(file, text.trim());
        if let Some(pos) = text.find("--> ") {
            let loc = text[pos + 4..].lines().next().unwrap_or("");
            let mut parts = loc.rsplitn(3, ':');
            let col = parts.next().and_then(|c| c.trim().parse().ok());
            let line = parts.next().and_then(|l| l.trim().parse().ok());
            let f = parts.next();
            if let (Some(line), Some(col), Some(f)) = (line, col, f) {
                out.file = f.trim().to_string();
                out.line = line;
                out.col = col;
            }
        }
        if let Some(reason) = text
            .lines()
            .rev()
            .find_map(|l| l.trim().strip_prefix("error: "))
        {
            out.message = reason.to_string();
        }
        out
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Deny,
    Violation,
    Warn,
}

impl Kind {
    fn parse(rule: &str) -> Option<(Kind, &str)> {
        for (prefix, kind) in [
            ("deny", Kind::Deny),
            ("violation", Kind::Violation),
            ("warn", Kind::Warn),
        ] {
            if let Some(rest) = rule.strip_prefix(prefix) {
                if rest.is_empty() {
                    return Some((kind, ""));
                }
                if let Some(suffix) = rest.strip_prefix('_') {
                    return Some((kind, suffix));
                }
            }
        }
        None
    }

    fn severity(self) -> Severity {
        match self {
            Kind::Warn => Severity::Warning,
            Kind::Deny | Kind::Violation => Severity::Error,
        }
    }
}

/// One rule to query for every input.
#[derive(Debug, Clone)]
struct Query {
    namespace: String,
    /// `data.<namespace>.<rule>`
    path: String,
    kind: Kind,
    suffix: String,
    /// The rule's metadata (id from annotations or `<namespace>.<rule>`).
    meta: &'static RuleMeta,
    /// warn -> warning, deny/violation -> error (or the annotation's severity).
    severity: Severity,
    /// Only Kubernetes objects of these kinds / apiVersions are evaluated.
    kinds: Option<BTreeSet<String>>,
    api_versions: Option<BTreeSet<String>>,
}

impl Query {
    fn applies(&self, obj: Option<(&str, &str)>) -> bool {
        if self.kinds.is_none() && self.api_versions.is_none() {
            return true;
        }
        let Some((api_version, kind)) = obj else {
            return false;
        };
        self.kinds.as_ref().is_none_or(|k| k.contains(kind))
            && self
                .api_versions
                .as_ref()
                .is_none_or(|a| a.contains(api_version))
    }
}

/// A loaded, checked policy set.
pub struct Policies {
    engine: Engine,
    queries: Vec<Query>,
    /// `data.<ns>.exception` for namespaces that define one.
    exceptions: BTreeMap<String, String>,
    pub combine: bool,
    /// Policy files loaded (for messages).
    pub files: Vec<String>,
    /// `test_*` rules, for `verify`: (file, `data.<ns>.<rule>`).
    pub tests: Vec<(String, String)>,
}

/// One result of a policy for one input.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub meta: &'static RuleMeta,
    pub severity: Severity,
    pub message: String,
    /// A path into the input (`path`, or `_loc` as a path).
    pub path: Option<Vec<input::Step>>,
    /// A 1-based line from `_loc: {line: N}`.
    pub line: Option<usize>,
    /// Other keys of an object result.
    pub metadata: Option<serde_json::Value>,
    /// Exempted by an `exception` rule.
    pub excepted: bool,
}

fn metas_map() -> &'static Mutex<HashMap<String, &'static RuleMeta>> {
    static METAS: OnceLock<Mutex<HashMap<String, &'static RuleMeta>>> = OnceLock::new();
    METAS.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Every policy rule metadata created so far (sorted by id).
pub fn interned_metas() -> Vec<&'static RuleMeta> {
    let map = match metas_map().lock() {
        Ok(m) => m,
        Err(poisoned) => poisoned.into_inner(),
    };
    let mut v: Vec<&'static RuleMeta> = map.values().copied().collect();
    v.sort_by_key(|m| m.id);
    v
}

/// Metadata of the bundled policies' rules (loaded once).
pub fn bundled_metas() -> Vec<&'static RuleMeta> {
    static METAS: OnceLock<Vec<&'static RuleMeta>> = OnceLock::new();
    METAS
        .get_or_init(|| {
            let opts = PolicyOptions {
                bundled: true,
                ..PolicyOptions::default()
            };
            match Policies::load(&opts) {
                Ok(Some(p)) => p.metas(),
                // The bundled policies are checked by the test suite.
                _ => Vec::new(),
            }
        })
        .clone()
}

/// Rule metadata built at run time (policy rule ids), interned so each id has one entry.
fn intern_meta(id: &str, meta: &Meta, severity: Severity, bundled: bool) -> &'static RuleMeta {
    let mut map = match metas_map().lock() {
        Ok(m) => m,
        Err(poisoned) => poisoned.into_inner(),
    };
    if let Some(m) = map.get(id) {
        return m;
    }
    let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
    let name = meta.name.clone().unwrap_or_else(|| id.to_string());
    let summary = meta
        .title
        .clone()
        .unwrap_or_else(|| format!("Policy rule `{id}`"));
    let meta: &'static RuleMeta = Box::leak(Box::new(RuleMeta {
        id: leak(id.to_string()),
        name: leak(name),
        severity,
        category: if bundled {
            BUNDLED_CATEGORY
        } else {
            CUSTOM_CATEGORY
        },
        tags: &["policy"],
        summary: leak(summary.clone()),
        explanation: leak(meta.description.clone().unwrap_or(summary)),
        help: leak(meta.help.clone().unwrap_or_default()),
        fail_example: leak(meta.fail.clone().unwrap_or_default()),
        pass_example: leak(meta.pass.clone().unwrap_or_default()),
        security_severity: None,
        since: "0.1.0",
    }));
    map.insert(id.to_string(), meta);
    meta
}

/// A path as shown in messages: relative to the working directory when below it.
fn shown_path(p: &Path) -> String {
    let rel = std::env::current_dir()
        .ok()
        .and_then(|cwd| p.strip_prefix(cwd).ok().map(Path::to_path_buf));
    rel.unwrap_or_else(|| p.to_path_buf()).display().to_string()
}

/// Files of a policy or data directory with one of `exts`, sorted.
fn files_in(root: &Path, exts: &[&str]) -> Result<Vec<PathBuf>, PolicyError> {
    let meta = std::fs::metadata(root)
        .map_err(|e| PolicyError::new(root.display().to_string(), format!("cannot read: {e}")))?;
    if meta.is_file() {
        return Ok(vec![root.to_path_buf()]);
    }
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| {
            PolicyError::new(
                dir.display().to_string(),
                format!("cannot read directory: {e}"),
            )
        })?;
        for entry in entries.flatten() {
            let p = entry.path();
            let name = entry.file_name().to_string_lossy().to_string();
            if name.starts_with('.') {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else if exts.iter().any(|e| name.ends_with(e)) {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Names of the rules a module defines, from regorus' AST (head name of each rule).
fn rule_names(ast: &serde_json::Value) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let Some(rules) = ast.pointer("/ast/rules").and_then(|r| r.as_array()) else {
        return out;
    };
    for r in rules {
        let head = r.pointer("/Spec/head").or_else(|| r.get("Default"));
        let Some(head) = head else { continue };
        let (variant, body) = match head.as_object().and_then(|o| o.iter().next()) {
            Some((k, v)) => (k.as_str(), v),
            None => continue,
        };
        let refr = body.get("refr").or_else(|| head.get("refr"));
        if let Some(name) = refr.and_then(ref_base) {
            out.push((name, variant == "Func"));
        }
    }
    out
}

/// The first identifier of a reference expression (`deny`, `deny[msg]`, `a.b`).
fn ref_base(v: &serde_json::Value) -> Option<String> {
    let (k, inner) = v.as_object()?.iter().next()?;
    match k.as_str() {
        "Var" => inner.get("value")?.as_str().map(str::to_string),
        "RefDot" | "RefBrack" => ref_base(inner.get("refr")?),
        _ => None,
    }
}

/// Every function call in a module: (dotted name, line, col).
fn calls(v: &serde_json::Value, out: &mut Vec<(String, usize, usize)>) {
    match v {
        serde_json::Value::Object(o) => {
            if let Some(call) = o.get("Call")
                && let Some(fcn) = call.get("fcn")
                && let Some(name) = dotted(fcn)
            {
                let span = call.get("span");
                let line = span.and_then(|s| s.get("line")).and_then(|l| l.as_u64());
                let fspan = fcn
                    .as_object()
                    .and_then(|o| o.values().next())
                    .and_then(|i| i.get("span"));
                let l = fspan
                    .and_then(|s| s.get("line"))
                    .and_then(|l| l.as_u64())
                    .or(line)
                    .unwrap_or(0);
                let c = fspan
                    .and_then(|s| s.get("col"))
                    .and_then(|c| c.as_u64())
                    .unwrap_or(0);
                out.push((name, l as usize, c as usize));
            }
            for x in o.values() {
                calls(x, out);
            }
        }
        serde_json::Value::Array(a) => {
            for x in a {
                calls(x, out);
            }
        }
        _ => {}
    }
}

fn dotted(v: &serde_json::Value) -> Option<String> {
    let (k, inner) = v.as_object()?.iter().next()?;
    match k.as_str() {
        "Var" => inner.get("value")?.as_str().map(str::to_string),
        "RefDot" => {
            let base = dotted(inner.get("refr")?)?;
            let field = inner.get("field")?.as_array()?.get(1)?.as_str()?;
            Some(format!("{base}.{field}"))
        }
        _ => None,
    }
}

fn namespace_filter(opts: &PolicyOptions) -> Result<Option<GlobSet>, PolicyError> {
    if opts.all_namespaces {
        return Ok(None);
    }
    let mut b = GlobSetBuilder::new();
    let list: Vec<String> = if opts.namespaces.is_empty() {
        vec!["main".into()]
    } else {
        opts.namespaces.clone()
    };
    for ns in &list {
        let g = Glob::new(ns).map_err(|e| {
            PolicyError::new(
                "--namespace",
                format!("invalid namespace pattern `{ns}`: {e}"),
            )
        })?;
        b.add(g);
    }
    b.build()
        .map(Some)
        .map_err(|e| PolicyError::new("--namespace", e.to_string()))
}

/// Put a data file's content under `data.<dir>.<subdir>…` (its directory below the root).
fn nest_data(rel_dir: &Path, value: Value) -> Value {
    let mut v = value;
    let parts: Vec<String> = rel_dir
        .components()
        .filter_map(|c| match c {
            std::path::Component::Normal(s) => Some(s.to_string_lossy().to_string()),
            _ => None,
        })
        .collect();
    for p in parts.iter().rev() {
        let mut m = BTreeMap::new();
        m.insert(Value::from(p.as_str()), v);
        v = Value::from(m);
    }
    v
}

/// Load data files (JSON/YAML) into the engine.
fn load_data(engine: &mut Engine, roots: &[PathBuf]) -> Result<(), PolicyError> {
    for root in roots {
        for file in files_in(root, &[".json", ".yaml", ".yml"])? {
            let shown = shown_path(&file);
            let text = std::fs::read_to_string(&file)
                .map_err(|e| PolicyError::new(&shown, format!("cannot read data file: {e}")))?;
            let value = if shown.ends_with(".json") {
                Value::from_json_str(&text)
                    .map_err(|e| PolicyError::new(&shown, format!("invalid JSON data: {e}")))?
            } else {
                let parsed = crate::parse::yaml::parse(&text);
                if let Some(err) = &parsed.error {
                    let src =
                        crate::source::SourceFile::new(shown.clone(), file.clone(), text.clone());
                    let lc = src.line_col(err.offset);
                    return Err(PolicyError {
                        file: shown,
                        line: lc.line,
                        col: lc.col,
                        message: format!("invalid YAML data: {}", err.message),
                    });
                }
                match parsed.docs.first() {
                    Some(d) => input::from_node(&d.root),
                    None => continue,
                }
            };
            if !matches!(value, Value::Object(_)) {
                return Err(PolicyError::new(
                    &shown,
                    "data files must hold an object at the top level",
                ));
            }
            let rel_dir = if root.is_file() {
                PathBuf::new()
            } else {
                file.parent()
                    .and_then(|p| p.strip_prefix(root).ok())
                    .map(Path::to_path_buf)
                    .unwrap_or_default()
            };
            engine
                .add_data(nest_data(&rel_dir, value))
                .map_err(|e| PolicyError::new(&shown, format!("cannot merge data: {e}")))?;
        }
    }
    Ok(())
}

impl Policies {
    /// Load, parse and check policies. `Ok(None)` when there is nothing to evaluate.
    pub fn load(opts: &PolicyOptions) -> Result<Option<Policies>, PolicyError> {
        let mut engine = Engine::new();
        engine.set_rego_v0(opts.rego_v0);
        engine.set_strict_builtin_errors(true);
        extensions::register(&mut engine)
            .map_err(|e| PolicyError::new("(octolint)", format!("extension: {e}")))?;
        limits::register(&mut engine, &opts.limits)
            .map_err(|e| PolicyError::new("(octolint)", format!("extension: {e}")))?;
        opts.limits.apply(&mut engine);
        let filter = namespace_filter(opts)?;
        // (shown path, source, bundled)
        let mut sources: Vec<(String, String, bool)> = Vec::new();
        if opts.bundled {
            for (path, text) in BUNDLED {
                if path.ends_with("_test.rego") && !opts.tests {
                    continue;
                }
                sources.push((path.to_string(), text.to_string(), true));
            }
        }
        for dir in &opts.dirs {
            for file in files_in(dir, &[".rego"])? {
                let shown = shown_path(&file);
                if shown.ends_with("_test.rego") && !opts.tests {
                    continue;
                }
                let text = std::fs::read_to_string(&file)
                    .map_err(|e| PolicyError::new(&shown, format!("cannot read policy: {e}")))?;
                sources.push((shown, text, false));
            }
        }
        if sources.is_empty() {
            return Ok(None);
        }
        let mut packages: Vec<(String, String, bool)> = Vec::new(); // (file, namespace, bundled)
        for (path, text, bundled) in &sources {
            // Bundled policies are written in Rego v1 whatever the user's policies use.
            engine.set_rego_v0(opts.rego_v0 && !bundled);
            let pkg = engine.add_policy(path.clone(), text.clone()).map_err(|e| {
                let mut err = PolicyError::from_regorus(path, &e);
                if !opts.rego_v0 && !bundled && parses_as_v0(path, text) {
                    err.message
                        .push_str(" (this policy is Rego v0: pass `--rego-version v0`)");
                }
                err
            })?;
            let ns = pkg.strip_prefix("data.").unwrap_or(&pkg).to_string();
            packages.push((path.clone(), ns, *bundled));
        }
        engine.set_rego_v0(opts.rego_v0);
        // octolint's own data (`data.octolint.*`) is always there, so that copies of the
        // bundled policies (`octolint verify -p policies`) evaluate as the bundled ones do.
        for (place, file, text) in BUNDLED_DATA {
            let value = Value::from_json_str(text)
                .map_err(|e| PolicyError::new(*file, format!("invalid JSON data: {e}")))?;
            let nested = nest_data(&place.split('.').collect::<PathBuf>(), value);
            engine
                .add_data(nested)
                .map_err(|e| PolicyError::new(*file, format!("cannot merge data: {e}")))?;
        }
        load_data(&mut engine, &opts.data)?;

        let ast: serde_json::Value = engine
            .get_ast_as_json()
            .ok()
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default();
        let modules = ast.as_array().cloned().unwrap_or_default();

        // Every rule name in every module, to tell user functions from builtins.
        let mut defined: BTreeSet<String> = BTreeSet::new();
        let mut per_module: Vec<Vec<(String, bool)>> = Vec::new();
        for m in &modules {
            let names = rule_names(m);
            defined.extend(names.iter().map(|(n, _)| n.clone()));
            per_module.push(names);
        }
        let texts: Vec<&str> = sources.iter().map(|s| s.1.as_str()).collect();
        limits::check_static(&modules, &packages, &texts, &opts.limits)?;
        check_builtins(&engine, &modules, &packages, &defined)?;
        check_conflicts(&engine, &modules, &packages, &per_module)?;

        let mut queries = Vec::new();
        let mut exceptions = BTreeMap::new();
        let mut tests = Vec::new();
        let mut seen: BTreeSet<String> = BTreeSet::new();
        for (i, (file, ns, bundled)) in packages.iter().enumerate() {
            let names = per_module.get(i).cloned().unwrap_or_default();
            for (name, is_fn) in &names {
                if name.starts_with("test_") && !is_fn {
                    tests.push((file.clone(), format!("data.{ns}.{name}")));
                }
            }
            let selected = *bundled || filter.as_ref().is_none_or(|g| g.is_match(ns));
            if !selected {
                continue;
            }
            let text = &sources[i].1;
            let notes = metadata::annotations(text);
            let pkg_meta = package_meta(&mut engine, ns).or(&notes.package);
            for (name, is_fn) in &names {
                if *is_fn {
                    continue;
                }
                if name == "exception" {
                    exceptions.insert(ns.clone(), format!("data.{ns}.exception"));
                    continue;
                }
                let Some((kind, suffix)) = Kind::parse(name) else {
                    continue;
                };
                let path = format!("data.{ns}.{name}");
                if !seen.insert(path.clone()) {
                    continue;
                }
                let rule_meta = notes
                    .rules
                    .get(name)
                    .cloned()
                    .unwrap_or_default()
                    .or(&pkg_meta);
                let id = rule_meta
                    .id
                    .clone()
                    .unwrap_or_else(|| format!("{ns}.{name}"));
                let severity = rule_meta
                    .severity
                    .as_deref()
                    .and_then(Severity::parse)
                    .unwrap_or(kind.severity());
                let meta = intern_meta(&id, &rule_meta, severity, *bundled);
                queries.push(Query {
                    namespace: ns.clone(),
                    path,
                    kind,
                    suffix: suffix.to_string(),
                    meta,
                    severity,
                    kinds: rule_meta.kinds.map(|k| k.into_iter().collect()),
                    api_versions: rule_meta.api_versions.map(|a| a.into_iter().collect()),
                });
            }
        }
        Ok(Some(Policies {
            engine,
            queries,
            exceptions,
            combine: opts.combine,
            files: sources.into_iter().map(|s| s.0).collect(),
            tests,
        }))
    }

    /// Keep only the rules `keep` accepts (rules turned off in the configuration are not
    /// evaluated at all). Returns false when no rule is left.
    pub fn retain(&mut self, keep: impl Fn(&RuleMeta) -> bool) -> bool {
        self.queries.retain(|q| keep(q.meta));
        !self.queries.is_empty()
    }

    /// A fresh engine for one worker (a cheap clone of the compiled one).
    pub fn engine(&self) -> Engine {
        self.engine.clone()
    }

    /// Metadata of the rules the policies define (for SARIF and `octolint rules`).
    pub fn metas(&self) -> Vec<&'static RuleMeta> {
        let mut v: Vec<&'static RuleMeta> = self.queries.iter().map(|q| q.meta).collect();
        v.sort_by_key(|m| m.id);
        v.dedup_by_key(|m| m.id);
        v
    }

    /// Does any rule apply to an input that is a Kubernetes object `(apiVersion, kind)`
    /// (or not one: `None`)? Inputs no rule reads are not even converted.
    pub fn wants(&self, obj: Option<(&str, &str)>) -> bool {
        self.queries.iter().any(|q| q.applies(obj))
    }

    /// Evaluate every selected rule against one input. An error (for instance a type error
    /// in a builtin) is returned with the rule that raised it; other rules still run.
    pub fn eval(&self, engine: &mut Engine, input: Value) -> (Vec<Outcome>, Vec<String>) {
        self.eval_for(engine, input, None, false)
    }

    /// [`Policies::eval`] for an input known to be the Kubernetes object `obj` (when
    /// `filtered`), so rules limited to other kinds are skipped.
    pub fn eval_for(
        &self,
        engine: &mut Engine,
        input: Value,
        obj: Option<(&str, &str)>,
        filtered: bool,
    ) -> (Vec<Outcome>, Vec<String>) {
        let active: Vec<&Query> = self
            .queries
            .iter()
            .filter(|q| !filtered || q.applies(obj))
            .collect();
        engine.set_input(input);
        let mut errors = Vec::new();
        let mut excepted: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
        for (ns, path) in &self.exceptions {
            if !active
                .iter()
                .any(|q| q.namespace == *ns && q.kind != Kind::Warn)
            {
                continue;
            }
            match engine.eval_rule(path.clone()) {
                Ok(v) => {
                    let set = excepted.entry(ns.as_str()).or_default();
                    for item in items(&v) {
                        match item {
                            Value::Array(a) => set.extend(
                                a.iter()
                                    .filter_map(|s| s.as_string().ok())
                                    .map(|s| s.to_string()),
                            ),
                            Value::Set(s) => set.extend(
                                s.iter()
                                    .filter_map(|s| s.as_string().ok())
                                    .map(|s| s.to_string()),
                            ),
                            Value::String(s) => {
                                set.insert(s.to_string());
                            }
                            _ => {}
                        }
                    }
                }
                Err(e) => errors.push(format!("{path}: {}", short_error(&e))),
            }
        }
        let mut out = Vec::new();
        for q in active {
            let v = match engine.eval_rule(q.path.clone()) {
                Ok(v) => v,
                Err(e) => {
                    errors.push(format!("{}: {}", q.path, short_error(&e)));
                    continue;
                }
            };
            let is_excepted = q.kind != Kind::Warn
                && excepted
                    .get(q.namespace.as_str())
                    .is_some_and(|s| s.contains(&q.suffix));
            for item in items(&v) {
                if let Some(o) = outcome(q, item, is_excepted) {
                    out.push(o);
                }
            }
        }
        (out, errors)
    }
}

/// The members of a rule's value: a set or array of results, or one result.
fn items(v: &Value) -> Vec<&Value> {
    match v {
        Value::Set(s) => s.iter().collect(),
        Value::Array(a) => a.iter().collect(),
        Value::Undefined | Value::Null => Vec::new(),
        Value::Bool(false) => Vec::new(),
        other => vec![other],
    }
}

/// Whether a policy that failed to parse as Rego v1 parses as Rego v0.
fn parses_as_v0(path: &str, text: &str) -> bool {
    let mut engine = Engine::new();
    engine.set_rego_v0(true);
    engine
        .add_policy(path.to_string(), text.to_string())
        .is_ok()
}

fn short_error(e: &anyhow::Error) -> String {
    if format!("{e:#}").contains("execution exceeded time limit") {
        let limit = limits::EvalLimits::default().time;
        return format!(
            "evaluation exceeded the time budget of {} ms (set OCTOLINT_POLICY_TIMEOUT_MS to change it)",
            limit.as_millis()
        );
    }
    let text = e.to_string();
    let reason = text
        .lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix("error: "))
        .unwrap_or(text.trim());
    match text.find("--> ") {
        Some(p) => format!(
            "{} (at {})",
            reason,
            text[p + 4..].lines().next().unwrap_or("").trim()
        ),
        None => reason.to_string(),
    }
}

fn to_json(v: &Value) -> serde_json::Value {
    v.to_json_str()
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or(serde_json::Value::Null)
}

/// One result value (string or object) as an outcome.
fn outcome(q: &Query, item: &Value, excepted: bool) -> Option<Outcome> {
    let mut o = Outcome {
        meta: q.meta,
        severity: q.severity,
        message: String::new(),
        path: None,
        line: None,
        metadata: None,
        excepted,
    };
    match item {
        Value::String(s) => o.message = s.to_string(),
        Value::Object(map) => {
            let mut extra = serde_json::Map::new();
            for (k, v) in map.iter() {
                let Ok(key) = k.as_string() else { continue };
                match key.as_ref() {
                    "msg" => {
                        o.message = v
                            .as_string()
                            .map(|s| s.to_string())
                            .unwrap_or_else(|_| to_json(v).to_string())
                    }
                    "id" => {
                        if let Ok(id) = v.as_string() {
                            o.meta = intern_meta(
                                id,
                                &Meta::default(),
                                q.severity,
                                q.meta.category == BUNDLED_CATEGORY,
                            );
                        }
                    }
                    "path" => o.path = input::path_steps(v),
                    "_loc" => match v {
                        Value::Object(_) => {
                            o.line = v["line"].as_u64().ok().map(|l| l as usize);
                            if o.line.is_none() {
                                o.path = input::path_steps(&v["path"]);
                            }
                        }
                        _ => o.path = input::path_steps(v),
                    },
                    _ => {
                        extra.insert(key.to_string(), to_json(v));
                    }
                }
            }
            if o.message.is_empty() {
                o.message = format!("{} failed", q.path);
            }
            if !extra.is_empty() {
                o.metadata = Some(serde_json::Value::Object(extra));
            }
        }
        Value::Bool(true) => o.message = format!("{} is true", q.path),
        other => o.message = to_json(other).to_string(),
    }
    Some(o)
}

/// `__rego_metadata__` / `__rego_metadoc__` of a package, when it defines one.
fn package_meta(engine: &mut Engine, ns: &str) -> Meta {
    for rule in ["__rego_metadata__", "__rego_metadoc__"] {
        if let Ok(v) = engine.eval_rule(format!("data.{ns}.{rule}"))
            && matches!(v, Value::Object(_))
        {
            let s = |k: &str| v[k].as_string().ok().map(|s| s.to_string());
            let custom = &v["custom"];
            return Meta {
                id: s("id").or_else(|| custom["id"].as_string().ok().map(|s| s.to_string())),
                title: s("title"),
                description: s("description"),
                severity: s("severity"),
                ..Meta::default()
            };
        }
    }
    Meta::default()
}

/// Fail on conflicting rules: two `default` values for one rule, or complete rules whose
/// bodies do not depend on the input and give different values (found by evaluating each
/// rule once with an empty input, as OPA's compiler would reject them).
fn check_conflicts(
    engine: &Engine,
    modules: &[serde_json::Value],
    packages: &[(String, String, bool)],
    names: &[Vec<(String, bool)>],
) -> Result<(), PolicyError> {
    let mut defaults: BTreeSet<(String, String)> = BTreeSet::new();
    for (i, m) in modules.iter().enumerate() {
        let Some((file, ns, _)) = packages.get(i) else {
            continue;
        };
        for r in m
            .pointer("/ast/rules")
            .and_then(|r| r.as_array())
            .into_iter()
            .flatten()
        {
            let Some(d) = r.get("Default") else { continue };
            let Some(name) = d.get("refr").and_then(ref_base) else {
                continue;
            };
            if !defaults.insert((ns.clone(), name.clone())) {
                let span = d.get("span");
                let n = |k: &str| {
                    span.and_then(|s| s.get(k))
                        .and_then(|v| v.as_u64())
                        .unwrap_or(0)
                };
                return Err(PolicyError {
                    file: file.clone(),
                    line: n("line") as usize,
                    col: n("col") as usize,
                    message: format!("conflicting rules: `{name}` has more than one default value"),
                });
            }
        }
    }
    let mut probe = engine.clone();
    probe.set_input(Value::new_object());
    // The probe only looks for conflicts: a rule that is slow on an empty input is not one,
    // and is evaluated with the full budget on real inputs later.
    let budget = limits::EvalLimits::default();
    limits::EvalLimits {
        time: budget.time.min(std::time::Duration::from_millis(500)),
        ..budget
    }
    .apply(&mut probe);
    let mut done = BTreeSet::new();
    for (i, list) in names.iter().enumerate() {
        let Some((file, ns, _)) = packages.get(i) else {
            continue;
        };
        for (name, is_fn) in list {
            let path = format!("data.{ns}.{name}");
            if *is_fn || name.starts_with("test_") || !done.insert(path.clone()) {
                continue;
            }
            if let Err(e) = probe.eval_rule(path)
                && e.to_string().contains("conflict")
            {
                return Err(PolicyError::from_regorus(file, &e));
            }
        }
    }
    Ok(())
}

/// Fail on calls to functions that neither the policies define nor regorus (with octolint's
/// extensions) provides, naming the function, file and line.
fn check_builtins(
    engine: &Engine,
    modules: &[serde_json::Value],
    packages: &[(String, String, bool)],
    defined: &BTreeSet<String>,
) -> Result<(), PolicyError> {
    let mut probe = engine.clone();
    let mut known: HashMap<String, bool> = HashMap::new();
    for (i, m) in modules.iter().enumerate() {
        let mut found = Vec::new();
        calls(m, &mut found);
        let file = packages.get(i).map_or("(policy)", |p| p.0.as_str());
        for (name, line, col) in found {
            if name.starts_with("data.") {
                continue;
            }
            let last = name.rsplit('.').next().unwrap_or(&name);
            if defined.contains(last) || defined.contains(&name) {
                continue;
            }
            let ok = *known.entry(name.clone()).or_insert_with(|| {
                match probe.eval_query(format!("{name}(null)"), false) {
                    Ok(_) => true,
                    Err(e) => !e.to_string().contains("could not find function"),
                }
            });
            if !ok {
                let hint = if matches!(
                    name.as_str(),
                    "http.send" | "net.lookup_ip_addr" | "opa.runtime"
                ) {
                    " (octolint gives policies no network or host access)"
                } else {
                    ""
                };
                return Err(PolicyError {
                    file: file.to_string(),
                    line,
                    col,
                    message: format!("unsupported builtin `{name}`{hint}"),
                });
            }
        }
    }
    Ok(())
}
