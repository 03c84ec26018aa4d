//! The Terraform model: stacks (root modules) with their variables, tfvars, locals and local
//! modules resolved, and every resource instance evaluated with provenance.
//!
//! Every directory of `.tf` files with a backend, provider blocks or module calls that no other
//! code calls as a module is an entry of evaluation; [`StackKind`] says whether it is a root
//! stack (the stack-level rules apply) or an example, a test or a reusable module ([`Layout`]).
//! Its variables come from defaults, then `terraform.tfvars`, then `*.auto.tfvars` (and
//! `.tfvars.json`) in name order. Module calls with a local `source`, and registry sources that
//! resolve into the checked repository, are instantiated with the call's arguments,
//! recursively; other registry and Git sources are recorded as external. `dynamic` blocks over
//! known collections generate their blocks. Modules no entry reaches are evaluated on their own
//! with their defaults. Depends on `config`, `parse`, `model` and `source`.

pub mod eval;
pub mod funcs;
pub mod input;
pub mod value;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use crate::parse::hcl_tree::{Block, BlockLabel, Body, Expr, Expression, ObjectKey, Structure};
use rayon::prelude::*;

use crate::config::env::Env;
use crate::parse::node::{Node, Value as NodeValue};
use crate::source::Span;
use eval::{Eval, FileRef, Scope};
use value::{Loc, Tv, V, fmt_num};

/// One resource instance.
#[derive(Debug, Clone)]
pub struct Resource {
    /// `module.db.google_sql_database_instance.main["a"]`
    pub address: String,
    pub rtype: String,
    pub name: String,
    /// The `resource "type" "name"` header.
    pub at: Loc,
    /// The evaluated body: attributes, and nested blocks as lists of maps. Each attribute's
    /// origin ends at its place in the resource block.
    pub body: Tv,
    /// Environment class of the stack it belongs to (none for modules checked on their own).
    pub env: Option<Env>,
    /// Environment name (`prod`, `qa`, …).
    pub env_name: Option<Arc<str>>,
    /// Directory of the stack (or of the module checked on its own).
    pub stack: String,
    /// Evaluated as part of a stack that deploys it (not a module on its own with defaults,
    /// not an example or a test).
    pub in_stack: bool,
    /// The module calls that instantiated this resource's module, outermost first (the
    /// stack's or example's `module` block first); empty for a resource of the entry itself.
    pub callers: Vec<Loc>,
}

impl Resource {
    pub fn attr(&self, keys: &[&str]) -> Option<&Tv> {
        self.body.path(keys)
    }
}

/// A root module directory.
#[derive(Debug, Clone)]
pub struct Stack {
    pub dir: String,
    pub env: Option<Env>,
    pub env_name: Option<Arc<str>>,
    /// The `terraform` block of the stack, if any (first found).
    pub terraform_block: Option<Loc>,
    /// `backend "<type>"` with its evaluated body.
    pub backend: Option<(String, Tv, Loc)>,
    pub required_version: bool,
    /// Providers in `required_providers` without a `version`, with their place.
    pub unpinned_providers: Vec<(String, Loc)>,
    /// A file of the stack (where stack-level findings go when nothing better exists).
    pub first_file: Loc,
    /// What the directory is: a deployable root stack, or an entry point of evaluation that
    /// is not deployed itself (an example, a test, a reusable module).
    pub kind: StackKind,
}

/// What an evaluated directory that no other code calls is (see `docs/terraform.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StackKind {
    /// A root stack someone runs `terraform apply` in: it has a backend, or provider
    /// configuration and tfvars.
    Root,
    /// A usage example (under an `examples/` or `example/` directory).
    Example,
    /// A test or test fixture (under a directory named in `[terraform] test-dirs`).
    Test,
    /// A reusable module: it has an `examples/` directory, or no backend and no provider
    /// configuration with tfvars.
    Module,
}

/// How directories are classified and registry sources resolved.
#[derive(Debug, Clone)]
pub struct Layout {
    /// Name of the checked directory (its last path component), to resolve registry sources
    /// into this repository: `ns/<name>/<provider>` is `terraform-<provider>-<name>`.
    pub root_name: Option<String>,
    /// Registry addresses (`namespace/name/provider`) of the checked directory itself.
    pub registry_modules: Vec<String>,
    /// Directory names that hold tests and test fixtures (`[terraform] test-dirs`).
    pub test_dirs: Vec<String>,
}

impl Default for Layout {
    fn default() -> Self {
        Layout {
            root_name: None,
            registry_modules: Vec::new(),
            test_dirs: crate::config::DEFAULT_TF_TEST_DIRS
                .iter()
                .map(|s| s.to_string())
                .collect(),
        }
    }
}

impl Layout {
    /// Is `dir` (relative to the checked directory) a test directory?
    pub fn is_test(&self, dir: &str) -> bool {
        dir.split('/')
            .any(|seg| self.test_dirs.iter().any(|t| t == seg))
    }
}

/// Is `dir` a usage example (a path segment `examples` or `example`)?
pub fn is_example(dir: &str) -> bool {
    dir.split('/')
        .any(|seg| seg == "examples" || seg == "example")
}

/// The repository name a directory named `dir_name` stands for: checkouts named
/// `<owner>__<repo>` count as `<repo>`.
fn repo_name(dir_name: &str) -> &str {
    dir_name.rsplit("__").next().unwrap_or(dir_name)
}

/// The repository that holds the registry module `name`/`provider`: registry modules live in
/// repositories named `terraform-<provider>-<name>`.
fn registry_repo(name: &str, provider: &str) -> String {
    format!("terraform-{provider}-{name}")
}

/// A registry source split: (`namespace/name/provider`, name, provider, subdirectory).
fn registry_parts(source: &str) -> Option<(String, &str, &str, &str)> {
    let source = source.split('?').next()?;
    if source.contains(':') {
        return None;
    }
    let (addr, sub) = source.split_once("//").unwrap_or((source, ""));
    let parts: Vec<&str> = addr.split('/').collect();
    let parts = match parts.len() {
        3 if !parts[0].contains('.') => &parts[..],
        // `registry.terraform.io/ns/name/provider`
        4 if parts[0].contains('.') => &parts[1..],
        _ => return None,
    };
    if parts.iter().any(|p| p.is_empty()) {
        return None;
    }
    Some((parts.join("/"), parts[1], parts[2], sub))
}

/// Something wrong with the configuration as a whole.
#[derive(Debug, Clone)]
pub struct Problem {
    pub kind: ProblemKind,
    /// For a missing module: the directory it points at (relative to the checked root).
    pub target: Option<String>,
    pub at: Loc,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    UndeclaredVariable,
    MissingModule,
    /// A local that refers to itself, or a module that calls itself.
    CircularLocal,
    /// Evaluation stopped at a budget (value size, work per stack, instance count).
    EvalLimit,
}

#[derive(Debug, Default)]
pub struct TfModel {
    pub resources: Vec<Resource>,
    /// Provider blocks, evaluated like resources (`rtype` is the provider name).
    pub providers: Vec<Resource>,
    pub stacks: Vec<Stack>,
    pub problems: Vec<Problem>,
    /// Module sources not fetched (registry, Git): (call place, source).
    pub external_modules: Vec<(Loc, String)>,
    /// Module calls of root stacks with an environment: (environment name, call name, place).
    pub module_calls: Vec<(Arc<str>, String, Loc)>,
}

/// A parsed `.tf` file.
pub struct TfFile<'a> {
    pub path: &'a Arc<str>,
    pub body: &'a Body,
    pub text: &'a str,
}

/// A variables file: `.tfvars` (HCL) or `.tfvars.json` (JSON document).
pub enum VarFile<'a> {
    Hcl(TfFile<'a>),
    Json { path: &'a Arc<str>, root: &'a Node },
}

impl VarFile<'_> {
    fn path(&self) -> &Arc<str> {
        match self {
            VarFile::Hcl(f) => f.path,
            VarFile::Json { path, .. } => path,
        }
    }
}

fn dir_of(path: &str) -> String {
    match path.rfind('/') {
        Some(i) => path[..i].to_string(),
        None => String::new(),
    }
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// `dir` joined with a relative module source, normalised (`a/b` + `../c` = `a/c`). An
/// absolute `dir` (paths given as absolute on the command line) stays absolute.
fn join(dir: &str, source: &str) -> Option<String> {
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for seg in source.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    let joined = parts.join("/");
    Some(if dir.starts_with('/') {
        format!("/{joined}")
    } else {
        joined
    })
}

fn label(l: &BlockLabel) -> &str {
    l.as_str()
}

fn blocks<'b>(body: &'b Body, ident: &'b str) -> impl Iterator<Item = &'b Block> + 'b {
    body.blocks().filter(move |b| b.ident.as_str() == ident)
}

fn attr<'b>(body: &'b Body, key: &str) -> Option<&'b Expression> {
    body.iter().find_map(|s| match s {
        Structure::Attribute(a) if a.key.as_str() == key => Some(&a.value),
        _ => None,
    })
}

fn loc(path: &Arc<str>, r: Option<std::ops::Range<usize>>) -> Loc {
    let r = r.unwrap_or(0..0);
    Loc {
        path: path.clone(),
        span: Span::new(r.start, r.end),
    }
}

/// The header of a block (`resource "a" "b"`), for locations.
fn header(path: &Arc<str>, b: &Block) -> Loc {
    let start = b.span().map_or(0, |r| r.start);
    let end = b.body.span().map_or(start, |r| r.start).max(start);
    let end = b
        .labels
        .last()
        .and_then(|l| l.span())
        .map_or(end, |r| r.end);
    loc(path, Some(start..end))
}

struct Module<'a> {
    files: Vec<&'a TfFile<'a>>,
}

impl<'a> Module<'a> {
    fn variables(&self) -> Vec<(&'a str, &'a Block, &'a TfFile<'a>)> {
        let mut out = Vec::new();
        for f in &self.files {
            for b in blocks(f.body, "variable") {
                if let Some(l) = b.labels.first() {
                    out.push((label(l), b, *f));
                }
            }
        }
        out
    }

    fn locals(&self) -> HashMap<String, (&'a Expression, FileRef<'a>)> {
        let mut out = HashMap::new();
        for f in &self.files {
            for b in blocks(f.body, "locals") {
                for s in b.body.iter() {
                    if let Structure::Attribute(a) = s {
                        out.insert(
                            a.key.as_str().to_string(),
                            (
                                &a.value,
                                FileRef {
                                    path: f.path,
                                    body: f.body,
                                    text: f.text,
                                },
                            ),
                        );
                    }
                }
            }
        }
        out
    }

    /// Module calls: (call block, file, resolved directory or the source octolint does not
    /// follow). Local sources resolve to a directory (which may be missing); registry sources
    /// that `registry` finds in this repository resolve to that directory.
    fn calls(
        &self,
        dir: &str,
        registry: &dyn Fn(&str, &str) -> Option<String>,
    ) -> Vec<(&'a Block, &'a TfFile<'a>, Result<String, String>)> {
        let mut out = Vec::new();
        for f in &self.files {
            for b in blocks(f.body, "module") {
                let source = attr(&b.body, "source").and_then(|e| match &e.kind {
                    Expr::String(s) => Some(s.to_string()),
                    _ => None,
                });
                let Some(source) = source else { continue };
                let resolved = if source.starts_with("./") || source.starts_with("../") {
                    join(dir, &source).ok_or(source)
                } else {
                    registry(dir, &source).ok_or(source)
                };
                out.push((b, *f, resolved));
            }
        }
        out
    }
}

fn fref<'a>(f: &'a TfFile<'a>) -> FileRef<'a> {
    FileRef {
        path: f.path,
        body: f.body,
        text: f.text,
    }
}

/// A JSON node (from `.tfvars.json`) as a value written at its span.
fn from_node(path: &Arc<str>, n: &Node) -> Tv {
    let at = Some(Loc {
        path: path.clone(),
        span: n.span,
    });
    let v = match &n.value {
        NodeValue::Scalar { .. } => {
            if n.is_null() {
                V::Null
            } else if let Some(b) = n.as_bool() {
                V::Bool(b)
            } else if let Some(f) = n.as_f64() {
                if matches!(
                    n.value,
                    NodeValue::Scalar {
                        kind: crate::parse::node::Scalar::Str,
                        ..
                    }
                ) {
                    V::Str(n.as_str().unwrap_or("").to_string())
                } else {
                    V::Num(f)
                }
            } else {
                V::Str(n.as_str().unwrap_or("").to_string())
            }
        }
        NodeValue::Seq(items) => V::List(items.iter().map(|i| from_node(path, i)).collect()),
        NodeValue::Map(entries) => V::Map(
            entries
                .iter()
                .filter_map(|(k, v)| Some((k.key_text()?.to_string(), from_node(path, v))))
                .collect(),
        ),
    };
    Tv::new(v, at)
}

/// The environment of a stack: class and name.
#[derive(Clone, Default)]
struct EnvTag {
    class: Option<Env>,
    name: Option<Arc<str>>,
}

struct Builder<'a> {
    modules: BTreeMap<String, Module<'a>>,
    var_files: BTreeMap<String, Vec<&'a VarFile<'a>>>,
    layout: Layout,
    /// Directories that may be module repositories, by repository name (a directory's name
    /// without an `<owner>__` prefix; `""` is the checked directory, named by the layout):
    /// every directory that holds modules or is above one.
    repos: HashMap<String, Vec<String>>,
}

/// Everything one stack (or standalone module) evaluation produced.
#[derive(Default)]
struct Out {
    resources: Vec<Resource>,
    providers: Vec<Resource>,
    problems: Vec<Problem>,
    external: Vec<(Loc, String)>,
    /// The evaluation budget of the stack.
    budget: std::rc::Rc<eval::Budget>,
    /// Module directories being instantiated (outermost first), to find module cycles.
    chain: Vec<String>,
    /// The module calls being instantiated (outermost first).
    calls: Vec<Loc>,
}

/// What [`Out`] hands back across threads (without the per-stack budget).
struct Done {
    resources: Vec<Resource>,
    providers: Vec<Resource>,
    problems: Vec<Problem>,
    external: Vec<(Loc, String)>,
}

const MAX_DEPTH: usize = 12;
/// Most instances one `count` or `for_each` gives; more are reported and not evaluated.
pub const MAX_INSTANCES: usize = 1000;
/// Work units charged per module instance and per resource instance (on top of the values
/// they evaluate), so that wide fan-outs of empty blocks are bounded too.
const INSTANCE_WORK: u64 = 256;
/// Work units charged per block a `dynamic` block generates: nested `dynamic` blocks multiply,
/// so a stack generates at most about 65,000 blocks.
const DYNAMIC_BLOCK_WORK: u64 = 16 * INSTANCE_WORK;

impl<'a> Builder<'a> {
    /// Instantiate the module in `dir` with `vars`, under `prefix` (`module.a.`).
    #[allow(clippy::too_many_arguments)]
    fn instantiate(
        &self,
        dir: &str,
        vars: HashMap<String, Tv>,
        prefix: &str,
        stack: &str,
        env: &EnvTag,
        in_stack: bool,
        depth: usize,
        out: &mut Out,
    ) -> Tv {
        let Some(module) = self.modules.get(dir) else {
            return Tv::unknown();
        };
        if !out.budget.charge(INSTANCE_WORK, None) {
            return Tv::unknown();
        }
        let scope = Scope::with_budget(vars, module.locals(), out.budget.clone());
        out.chain.push(dir.to_string());
        let registry = |from: &str, source: &str| self.registry_target(from, source);
        for (call, f, target) in module.calls(dir, &registry) {
            let call_name = call.labels.first().map(label).unwrap_or("?");
            let child = match target {
                Ok(d) if self.modules.contains_key(&d) => d,
                Ok(d) => {
                    let source = attr(&call.body, "source");
                    out.problems.push(Problem {
                        kind: ProblemKind::MissingModule,
                        target: Some(d.clone()),
                        at: loc(f.path, source.and_then(|s| s.span())),
                        message: format!(
                            "module `{call_name}` points at `{d}`, which holds no Terraform files"
                        ),
                    });
                    continue;
                }
                Err(source) => {
                    out.external.push((header(f.path, call), source));
                    continue;
                }
            };
            if let Some(i) = out.chain.iter().position(|d| *d == child) {
                let mut cycle: Vec<&str> = out.chain[i..].iter().map(|d| d.as_str()).collect();
                cycle.push(&child);
                let source = attr(&call.body, "source");
                out.problems.push(Problem {
                    kind: ProblemKind::CircularLocal,
                    target: None,
                    at: loc(f.path, source.and_then(|s| s.span())),
                    message: format!(
                        "module `{call_name}` calls a module that is already being instantiated: {}",
                        cycle
                            .iter()
                            .map(|d| format!("`{}`", if d.is_empty() { "." } else { d }))
                            .collect::<Vec<_>>()
                            .join(" -> ")
                    ),
                });
                continue;
            }
            if depth >= MAX_DEPTH {
                continue;
            }
            let child_mod = &self.modules[&child];
            let declared: BTreeSet<&str> =
                child_mod.variables().iter().map(|(n, _, _)| *n).collect();
            for s in call.body.iter() {
                if let Structure::Attribute(a) = s {
                    let k = a.key.as_str();
                    let meta = matches!(
                        k,
                        "source" | "version" | "count" | "for_each" | "providers" | "depends_on"
                    );
                    if !meta && !declared.contains(k) {
                        out.problems.push(Problem {
                            kind: ProblemKind::UndeclaredVariable,
                            target: None,
                            at: loc(f.path, a.key.span()),
                            message: format!(
                                "module `{call_name}` sets `{k}`, which `{child}` does not declare as a variable"
                            ),
                        });
                    }
                }
            }
            let insts = instances(&scope, f, &call.body, &mut out.problems);
            let single = insts.len() == 1 && insts[0].0.is_empty();
            for (suffix, count_index, each) in insts {
                if out.budget.exhausted() {
                    break;
                }
                let mut ev = Eval::new(&scope, fref(f));
                ev.count_index = count_index;
                ev.each = each;
                let mut child_vars = HashMap::new();
                for (vname, vblock, vfile) in child_mod.variables() {
                    let v = match attr(&call.body, vname) {
                        Some(e) => ev.value(e).via(loc(f.path, e.span())),
                        None => default_of(vblock, vfile),
                    };
                    child_vars.insert(vname.to_string(), v);
                }
                let child_prefix = format!("{prefix}module.{call_name}{suffix}.");
                out.calls.push(header(f.path, call));
                let outputs = self.instantiate(
                    &child,
                    child_vars,
                    &child_prefix,
                    stack,
                    env,
                    in_stack,
                    depth + 1,
                    out,
                );
                out.calls.pop();
                if single {
                    scope
                        .modules
                        .borrow_mut()
                        .insert(call_name.to_string(), outputs);
                }
            }
        }
        for f in &module.files {
            for b in blocks(f.body, "resource") {
                let (Some(t), Some(n)) = (b.labels.first(), b.labels.get(1)) else {
                    continue;
                };
                let (rtype, name) = (label(t), label(n));
                for (suffix, count_index, each) in instances(&scope, f, &b.body, &mut out.problems)
                {
                    if !out.budget.charge(INSTANCE_WORK, Some(&header(f.path, b))) {
                        break;
                    }
                    let mut ev = Eval::new(&scope, fref(f));
                    ev.count_index = count_index;
                    ev.each = each;
                    out.resources.push(Resource {
                        address: format!("{prefix}{rtype}.{name}{suffix}"),
                        rtype: rtype.to_string(),
                        name: name.to_string(),
                        at: header(f.path, b),
                        body: eval_body(&ev, &b.body),
                        env: env.class,
                        env_name: env.name.clone(),
                        stack: stack.to_string(),
                        in_stack,
                        callers: out.calls.clone(),
                    });
                }
            }
        }
        for f in &module.files {
            for b in blocks(f.body, "provider") {
                let Some(t) = b.labels.first() else { continue };
                let ev = Eval::new(&scope, fref(f));
                out.providers.push(Resource {
                    address: format!("{prefix}provider.{}", label(t)),
                    rtype: label(t).to_string(),
                    name: String::new(),
                    at: header(f.path, b),
                    body: eval_body(&ev, &b.body),
                    env: env.class,
                    env_name: env.name.clone(),
                    stack: stack.to_string(),
                    in_stack,
                    callers: out.calls.clone(),
                });
            }
        }
        scope.evaluate_locals();
        for c in scope.cycles.borrow().iter() {
            if let Some((e, f)) = scope.locals.get(c) {
                out.problems.push(Problem {
                    kind: ProblemKind::CircularLocal,
                    target: None,
                    at: f.loc(e.span()).unwrap_or_else(|| loc(f.path, None)),
                    message: format!(
                        "local `{c}` refers to itself (directly or through other locals)"
                    ),
                });
            }
        }
        // Outputs, for the calling module (`module.<name>.<output>`).
        let mut outputs = BTreeMap::new();
        for f in &module.files {
            for b in blocks(f.body, "output") {
                let (Some(l), Some(e)) = (b.labels.first(), attr(&b.body, "value")) else {
                    continue;
                };
                let v = Eval::new(&scope, fref(f)).value(e);
                let v = if v.is_known() {
                    v.via(loc(f.path, e.span()))
                } else {
                    v
                };
                outputs.insert(label(l).to_string(), v);
            }
        }
        out.chain.pop();
        Tv::new(V::Map(outputs), None)
    }

    /// The directory of this repository a registry source (`ns/name/provider//sub`) names:
    /// `sub` under a directory named `terraform-<provider>-<name>` (the checked directory or one
    /// inside it; the one that contains the caller first), or under the checked directory when
    /// `[terraform] registry-modules` lists the address. Only existing module directories.
    fn registry_target(&self, from: &str, source: &str) -> Option<String> {
        let (addr, name, provider, sub) = registry_parts(source)?;
        let mut bases: Vec<&str> = self
            .repos
            .get(&registry_repo(name, provider))
            .map(|v| v.iter().map(String::as_str).collect())
            .unwrap_or_default();
        if self.layout.registry_modules.contains(&addr) {
            bases.push("");
        }
        let contains = |b: &str| b.is_empty() || from == b || from.starts_with(&format!("{b}/"));
        bases.sort_by_key(|b| (!contains(b), b.len()));
        bases.into_iter().find_map(|b| {
            let t = if sub.is_empty() {
                b.to_string()
            } else {
                join(b, sub)?
            };
            self.modules.contains_key(&t).then_some(t)
        })
    }

    /// What an entry directory is (see [`StackKind`]).
    fn kind_of(&self, dir: &str, m: &Module<'_>) -> StackKind {
        if self.layout.is_test(dir) {
            return StackKind::Test;
        }
        if is_example(dir) {
            return StackKind::Example;
        }
        let examples = if dir.is_empty() {
            "examples/".to_string()
        } else {
            format!("{dir}/examples/")
        };
        if self
            .modules
            .range(examples.clone()..)
            .next()
            .is_some_and(|(d, _)| d.starts_with(&examples))
        {
            return StackKind::Module;
        }
        let backend = m.files.iter().any(|f| {
            blocks(f.body, "terraform").any(|t| blocks(&t.body, "backend").next().is_some())
        });
        let providers = m
            .files
            .iter()
            .any(|f| blocks(f.body, "provider").next().is_some());
        let tfvars = self.var_files.get(dir).is_some_and(|v| !v.is_empty());
        if backend || (providers && tfvars) {
            StackKind::Root
        } else {
            StackKind::Module
        }
    }

    /// Root variables: defaults, then tfvars files in Terraform's order.
    fn root_vars(&self, dir: &str, out: &mut Out) -> HashMap<String, Tv> {
        let mut vars = HashMap::new();
        let Some(module) = self.modules.get(dir) else {
            return vars;
        };
        let declared = module.variables();
        for (name, b, f) in &declared {
            vars.insert(name.to_string(), default_of(b, f));
        }
        let mut files: Vec<&&VarFile<'_>> = self
            .var_files
            .get(dir)
            .map(|v| v.iter().collect())
            .unwrap_or_default();
        // terraform.tfvars(.json) first, then *.auto.tfvars(.json) in name order.
        files.sort_by_key(|f| {
            let n = file_name(f.path());
            (!n.starts_with("terraform.tfvars"), n.to_string())
        });
        for vf in files {
            let name = file_name(vf.path());
            let auto = name.starts_with("terraform.tfvars") || name.contains(".auto.tfvars");
            if !auto {
                continue;
            }
            let entries: Vec<(String, Tv, Loc)> = match vf {
                VarFile::Hcl(f) => f
                    .body
                    .iter()
                    .filter_map(|s| match s {
                        Structure::Attribute(a) => {
                            let scope = Scope::new(HashMap::new(), HashMap::new());
                            let v = Eval::new(&scope, fref(f)).value(&a.value);
                            Some((a.key.as_str().to_string(), v, loc(f.path, a.key.span())))
                        }
                        _ => None,
                    })
                    .collect(),
                VarFile::Json { path, root } => root
                    .as_map()
                    .unwrap_or(&[])
                    .iter()
                    .filter_map(|(k, v)| {
                        Some((
                            k.key_text()?.to_string(),
                            from_node(path, v),
                            Loc {
                                path: (*path).clone(),
                                span: k.span,
                            },
                        ))
                    })
                    .collect(),
            };
            for (k, v, at) in entries {
                if !declared.iter().any(|(n, _, _)| *n == k) {
                    out.problems.push(Problem {
                        kind: ProblemKind::UndeclaredVariable,
                        target: None,
                        at,
                        message: format!(
                            "`{k}` is set here but the stack `{dir}` declares no such variable"
                        ),
                    });
                    continue;
                }
                vars.insert(k, v);
            }
        }
        vars
    }
}

fn default_of(b: &Block, f: &TfFile<'_>) -> Tv {
    match attr(&b.body, "default") {
        Some(e) => {
            let scope = Scope::new(HashMap::new(), HashMap::new());
            Eval::new(&scope, fref(f)).value(e)
        }
        None => Tv::unknown(),
    }
}

type Instance = (String, Option<Tv>, Option<(Tv, Tv)>);

/// The instances of a block: one, `count` of them, or one per `for_each` key. An unknown
/// count or collection gives one instance whose index/key is unknown.
fn instances(
    scope: &Scope<'_>,
    f: &TfFile<'_>,
    body: &Body,
    problems: &mut Vec<Problem>,
) -> Vec<Instance> {
    let ev = Eval::new(scope, fref(f));
    let mut capped = |e: &Expression, what: &str, n: String| {
        problems.push(Problem {
            kind: ProblemKind::EvalLimit,
            target: None,
            at: loc(f.path, e.span()),
            message: format!(
                "{what} gives {n} instances; octolint evaluates the first {MAX_INSTANCES} only"
            ),
        });
    };
    if let Some(c) = attr(body, "count") {
        let v = ev.value(c);
        if let Some(n) = v.as_num()
            && n > MAX_INSTANCES as f64
        {
            let shown = if n < 1e15 {
                fmt_num(n.floor())
            } else {
                format!("{n:e}")
            };
            capped(c, "`count`", shown);
        }
        return match v.as_num() {
            Some(n) if n >= 0.0 && n.is_finite() => (0..(n as usize).min(MAX_INSTANCES))
                .map(|i| {
                    (
                        format!("[{i}]"),
                        Some(Tv::new(V::Num(i as f64), None)),
                        None,
                    )
                })
                .collect(),
            _ => vec![("[?]".into(), Some(Tv::unknown()), None)],
        };
    }
    if let Some(fe) = attr(body, "for_each") {
        let v = ev.value(fe);
        let n = match &v.v {
            V::Map(m) => m.len(),
            V::List(l) => l.len(),
            _ => 0,
        };
        if n > MAX_INSTANCES {
            capped(fe, "`for_each`", n.to_string());
        }
        return match &v.v {
            V::Map(m) => m
                .iter()
                .take(MAX_INSTANCES)
                .map(|(k, val)| {
                    (
                        format!("[\"{k}\"]"),
                        None,
                        Some((Tv::new(V::Str(k.clone()), None), val.clone())),
                    )
                })
                .collect(),
            V::List(l) if l.iter().all(|x| x.to_str().is_some()) => l
                .iter()
                .take(MAX_INSTANCES)
                .filter_map(|x| {
                    let k = x.to_str()?;
                    Some((
                        format!("[\"{k}\"]"),
                        None,
                        Some((Tv::new(V::Str(k), None), x.clone())),
                    ))
                })
                .collect(),
            _ => vec![("[?]".into(), None, Some((Tv::unknown(), Tv::unknown())))],
        };
    }
    vec![(String::new(), None, None)]
}

/// A block body as a map: attributes evaluated (their origin ending at the attribute),
/// nested blocks as lists of maps, `dynamic` blocks as unknown.
fn eval_body(ev: &Eval<'_, '_>, body: &Body) -> Tv {
    let mut m: BTreeMap<String, Tv> = BTreeMap::new();
    for s in body.iter() {
        match s {
            Structure::Attribute(a) => {
                let mut v = ev.value(&a.value);
                // `provider = aws.west` names a provider configuration: keep it as text.
                if a.key.as_str() == "provider"
                    && !v.is_known()
                    && let Some(text) = a.value.span().and_then(|r| ev.file.text.get(r))
                {
                    v = Tv::new(V::Str(text.trim().to_string()), None);
                }
                let site = ev.file.loc(a.value.span());
                let v = match site {
                    Some(site) => v.via(site),
                    None => v,
                };
                m.insert(a.key.as_str().to_string(), v);
            }
            Structure::Block(b) if b.ident.as_str() == "dynamic" => {
                let Some(l) = b.labels.first() else { continue };
                let name = label(l);
                match dynamic_blocks(ev, b, name) {
                    Some(generated) => {
                        for inner in generated {
                            push_block(&mut m, ev, b, name, inner);
                        }
                    }
                    // Over an unknown collection: the blocks and their settings are unknown.
                    None => {
                        m.insert(name.to_string(), Tv::unknown());
                    }
                }
            }
            Structure::Block(b) => {
                let inner = eval_body(ev, &b.body);
                let inner = Tv {
                    origin: ev.file.loc(b.span()).into_iter().collect(),
                    ..inner
                };
                push_block(&mut m, ev, b, b.ident.as_str(), inner);
            }
        }
    }
    Tv::new(V::Map(m), ev.file.loc(body.span()))
}

/// Add one nested block `name` (a map) to the body map: blocks are lists of maps. A block
/// name already unknown (a `dynamic` block over an unknown collection) stays unknown.
fn push_block(m: &mut BTreeMap<String, Tv>, ev: &Eval<'_, '_>, b: &Block, name: &str, inner: Tv) {
    match m.get_mut(name) {
        Some(Tv { v: V::List(l), .. }) => l.push(inner),
        Some(Tv { v: V::Unknown, .. }) => {}
        _ => {
            m.insert(
                name.to_string(),
                Tv::new(V::List(vec![inner]), ev.file.loc(b.span())),
            );
        }
    }
}

/// The blocks a `dynamic "<name>"` block generates: one per element of a known `for_each`
/// (its `content` evaluated with `<iterator>.key` / `<iterator>.value`), none for an empty
/// collection; `None` when the collection (or the budget) is unknown.
fn dynamic_blocks(ev: &Eval<'_, '_>, b: &Block, name: &str) -> Option<Vec<Tv>> {
    let content = blocks(&b.body, "content").next()?;
    let collection = ev.value(attr(&b.body, "for_each")?);
    let iterator = match attr(&b.body, "iterator").map(|e| &e.kind) {
        Some(Expr::Variable(v)) => v.to_string(),
        Some(_) => return None,
        None => name.to_string(),
    };
    let items: Vec<(Tv, Tv)> = match &collection.v {
        V::Map(m) => m
            .iter()
            .map(|(k, v)| (Tv::new(V::Str(k.clone()), None), v.clone()))
            .collect(),
        // Lists are keyed by index; sets (written as lists) by their values, which is the
        // same when elements are strings: keys only matter for `<iterator>.key`.
        V::List(l) => l
            .iter()
            .enumerate()
            .map(|(i, v)| (Tv::new(V::Num(i as f64), None), v.clone()))
            .collect(),
        _ => return None,
    };
    let mut out = Vec::new();
    let at = ev.file.loc(b.span());
    for (k, v) in items.into_iter().take(MAX_INSTANCES) {
        // Generated blocks cost more than values: nested `dynamic` blocks multiply.
        if !ev.scope.budget.charge(DYNAMIC_BLOCK_WORK, at.as_ref()) {
            return None;
        }
        let inner_ev = ev.with_iterator(&iterator, k, v);
        let inner = eval_body(&inner_ev, &content.body);
        out.push(Tv {
            origin: ev.file.loc(b.span()).into_iter().collect(),
            ..inner
        });
    }
    Some(out)
}

/// Build the model from the parsed Terraform and variables files, with the default layout.
pub fn build(
    tf: &[TfFile<'_>],
    var_files: &[VarFile<'_>],
    envs: &crate::config::environments::Environments,
) -> TfModel {
    build_with(tf, var_files, envs, &Layout::default())
}

/// Build the model from the parsed Terraform and variables files.
pub fn build_with(
    tf: &[TfFile<'_>],
    var_files: &[VarFile<'_>],
    envs: &crate::config::environments::Environments,
    layout: &Layout,
) -> TfModel {
    let tag_of = |dir: &str| -> EnvTag {
        match envs.resolve(&format!("{dir}/")).0 {
            Some(s) => EnvTag {
                class: Some(s.class),
                name: Some(Arc::from(s.name.as_str())),
            },
            None => EnvTag::default(),
        }
    };
    let mut modules: BTreeMap<String, Module<'_>> = BTreeMap::new();
    for f in tf {
        modules
            .entry(dir_of(f.path))
            .or_insert_with(|| Module { files: Vec::new() })
            .files
            .push(f);
    }
    let mut by_dir: BTreeMap<String, Vec<&VarFile<'_>>> = BTreeMap::new();
    for v in var_files {
        by_dir.entry(dir_of(v.path())).or_default().push(v);
    }
    let mut dirs: BTreeSet<String> = BTreeSet::new();
    for d in modules.keys() {
        let mut d = d.as_str();
        loop {
            if !dirs.insert(d.to_string()) {
                break;
            }
            match d.rfind('/') {
                Some(i) => d = &d[..i],
                None if d.is_empty() => break,
                None => d = "",
            }
        }
    }
    let mut repos: HashMap<String, Vec<String>> = HashMap::new();
    for d in dirs {
        let name = if d.is_empty() {
            layout.root_name.clone().unwrap_or_default()
        } else {
            file_name(&d).to_string()
        };
        repos
            .entry(repo_name(&name).to_string())
            .or_default()
            .push(d);
    }
    let b = Builder {
        modules,
        var_files: by_dir,
        layout: layout.clone(),
        repos,
    };
    let registry = |from: &str, source: &str| b.registry_target(from, source);
    // Which directories are called as modules, from where.
    let mut called: BTreeSet<String> = BTreeSet::new();
    for (dir, m) in &b.modules {
        for (_, _, target) in m.calls(dir, &registry) {
            if let Ok(d) = target {
                called.insert(d);
            }
        }
    }
    let is_root = |dir: &str, m: &Module<'_>| {
        !called.contains(dir)
            && m.files.iter().any(|f| {
                blocks(f.body, "provider").next().is_some()
                    || blocks(f.body, "module").next().is_some()
                    || blocks(f.body, "terraform")
                        .any(|t| blocks(&t.body, "backend").next().is_some())
            })
    };
    let roots: Vec<String> = b
        .modules
        .iter()
        .filter(|(d, m)| is_root(d, m))
        .map(|(d, _)| d.clone())
        .collect();
    // Modules reached from a root.
    let mut reached: BTreeSet<String> = BTreeSet::new();
    let mut stack: Vec<String> = roots.clone();
    while let Some(d) = stack.pop() {
        if !reached.insert(d.clone()) {
            continue;
        }
        if let Some(m) = b.modules.get(&d) {
            for (_, _, t) in m.calls(&d, &registry) {
                if let Ok(c) = t
                    && b.modules.contains_key(&c)
                {
                    stack.push(c);
                }
            }
        }
    }
    let standalone: Vec<String> = b
        .modules
        .keys()
        .filter(|d| !reached.contains(*d))
        .cloned()
        .collect();

    // (directory, evaluated as an entry with its tfvars, its resources count as deployed).
    // Examples and tests are evaluated like stacks but deploy nothing: rules about deployed
    // resources (tags, naming, cost) skip them.
    let jobs: Vec<(String, bool, bool)> = roots
        .iter()
        .map(|d| {
            let deployed = b
                .modules
                .get(d)
                .is_some_and(|m| !matches!(b.kind_of(d, m), StackKind::Example | StackKind::Test));
            (d.clone(), true, deployed)
        })
        .chain(standalone.iter().map(|d| (d.clone(), false, false)))
        .collect();
    let outs: Vec<Done> = jobs
        .par_iter()
        .map(|(dir, is_stack, deployed)| {
            let mut out = Out::default();
            let env = if *is_stack {
                tag_of(dir)
            } else {
                EnvTag::default()
            };
            let vars = if *is_stack {
                b.root_vars(dir, &mut out)
            } else {
                let mut vars = HashMap::new();
                if let Some(m) = b.modules.get(dir) {
                    for (n, blk, f) in m.variables() {
                        vars.insert(n.to_string(), default_of(blk, f));
                    }
                }
                vars
            };
            b.instantiate(dir, vars, "", dir, &env, *deployed, 0, &mut out);
            let hits = std::mem::take(&mut *out.budget.hits.borrow_mut());
            for (at, message) in hits {
                out.problems.push(Problem {
                    kind: ProblemKind::EvalLimit,
                    target: None,
                    at,
                    message,
                });
            }
            if out.budget.exhausted()
                && !out.problems.iter().any(|p| p.kind == ProblemKind::EvalLimit)
                && let Some(first) = b.modules.get(dir).and_then(|m| m.files.first())
            {
                out.problems.push(Problem {
                    kind: ProblemKind::EvalLimit,
                    target: None,
                    at: loc(first.path, Some(0..0)),
                    message: format!(
                        "evaluation of `{dir}` stopped: it exceeded octolint's evaluation budget; later values are unknown"
                    ),
                });
            }
            Done {
                resources: out.resources,
                providers: out.providers,
                problems: out.problems,
                external: out.external,
            }
        })
        .collect();
    let mut model = TfModel::default();
    for o in outs {
        model.resources.extend(o.resources);
        model.providers.extend(o.providers);
        model.problems.extend(o.problems);
        model.external_modules.extend(o.external);
    }
    // A module reached from several stacks reports the same problem once.
    model.problems.sort_by(|a, b| {
        (&a.at.path, a.at.span, &a.message).cmp(&(&b.at.path, b.at.span, &b.message))
    });
    model
        .problems
        .dedup_by(|a, b| a.at == b.at && a.message == b.message);
    // A test harness supplies the module paths of test fixtures.
    model
        .problems
        .retain(|p| p.kind != ProblemKind::MissingModule || !layout.is_test(&dir_of(&p.at.path)));
    for dir in &roots {
        if let Some(m) = b.modules.get(dir) {
            let tag = tag_of(dir);
            if let Some(e) = tag.name.clone() {
                for f in &m.files {
                    for c in blocks(f.body, "module") {
                        if let Some(l) = c.labels.first() {
                            model.module_calls.push((
                                e.clone(),
                                label(l).to_string(),
                                header(f.path, c),
                            ));
                        }
                    }
                }
            }
            let mut info = stack_info(dir, m);
            info.kind = b.kind_of(dir, m);
            info.env = tag.class;
            info.env_name = tag.name;
            model.stacks.push(info);
        }
    }
    model
}

fn stack_info(dir: &str, m: &Module<'_>) -> Stack {
    let first = m.files[0];
    let mut s = Stack {
        dir: dir.to_string(),
        env: None,
        env_name: None,
        terraform_block: None,
        backend: None,
        required_version: false,
        unpinned_providers: Vec::new(),
        first_file: loc(first.path, Some(0..0)),
        kind: StackKind::Root,
    };
    for f in &m.files {
        for t in blocks(f.body, "terraform") {
            s.terraform_block.get_or_insert_with(|| header(f.path, t));
            if attr(&t.body, "required_version").is_some() {
                s.required_version = true;
            }
            for be in blocks(&t.body, "backend") {
                let scope = Scope::new(HashMap::new(), HashMap::new());
                let ev = Eval::new(&scope, fref(f));
                let kind = be.labels.first().map(label).unwrap_or("").to_string();
                s.backend = Some((kind, eval_body(&ev, &be.body), header(f.path, be)));
            }
            for rp in blocks(&t.body, "required_providers") {
                for st in rp.body.iter() {
                    let Structure::Attribute(a) = st else {
                        continue;
                    };
                    let pinned = match &a.value.kind {
                        Expr::Object(o) => o.iter().any(|(k, _)| match k {
                            ObjectKey::Ident(i) => i.as_str() == "version",
                            ObjectKey::Expression(e) => {
                                matches!(&e.kind, Expr::String(s) if &**s == "version")
                            }
                        }),
                        // Terraform 0.12 form: `aws = "~> 5.0"`.
                        Expr::String(_) => true,
                        _ => true,
                    };
                    if !pinned {
                        s.unpinned_providers
                            .push((a.key.as_str().to_string(), loc(f.path, a.span())));
                    }
                }
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_sources_split_into_address_and_subdirectory() {
        assert_eq!(
            registry_parts(
                "terraform-google-modules/kubernetes-engine/google//modules/safer-cluster"
            ),
            Some((
                "terraform-google-modules/kubernetes-engine/google".to_string(),
                "kubernetes-engine",
                "google",
                "modules/safer-cluster"
            ))
        );
        assert_eq!(
            registry_parts("registry.terraform.io/terraform-aws-modules/eks/aws?ref=x"),
            Some((
                "terraform-aws-modules/eks/aws".to_string(),
                "eks",
                "aws",
                ""
            ))
        );
        // Git, GitHub shorthand and HTTP sources are not registry addresses.
        assert_eq!(registry_parts("github.com/acme/terraform-aws-eks"), None);
        assert_eq!(registry_parts("git::https://example.com/x.git//a"), None);
        assert_eq!(registry_parts("acme/eks"), None);
        assert_eq!(registry_parts("acme//aws"), None);
    }

    #[test]
    fn repository_names_follow_the_registry_convention() {
        assert_eq!(
            registry_repo("kubernetes-engine", "google"),
            "terraform-google-kubernetes-engine"
        );
        assert_eq!(
            repo_name("terraform-aws-modules__terraform-aws-eks"),
            "terraform-aws-eks"
        );
        assert_eq!(
            repo_name("terraform-aws-eks-blueprints"),
            "terraform-aws-eks-blueprints"
        );
    }

    #[test]
    fn examples_and_test_directories() {
        let l = Layout::default();
        assert!(l.is_test("tests/fixtures"));
        assert!(l.is_test("test/integration/x"));
        assert!(!l.is_test("latest/x"));
        assert!(is_example("examples/simple"));
        assert!(is_example("modules/a/example"));
        assert!(!is_example("examples-old"));
    }
}
