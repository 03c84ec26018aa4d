//! Architecture contracts: the module graph has no cycle and no module imports a stage above
//! it; building the repository model does work linear in the number of objects.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use octolint::config::environments::Environments;
use octolint::discover;
use octolint::model::envs::EnvIndex;
use octolint::model::{argocd, build, kustomize};
use octolint::parse::file::{LoadOptions, load};

/// Top-level modules from the floor up. A module may import modules of its own layer or
/// below, never above (see docs/architecture.md).
const LAYERS: &[&[&str]] = &[
    &["source"],
    &["diagnostics"],
    &["secrets"],
    &["config"],
    &["discover"],
    &["parse"],
    &["model", "terraform", "render"],
    &["cost", "validate"],
    &["rules"],
    &["policy"],
    &["catalog", "outcome", "finalize", "redact"],
    &["pipeline"],
    &["report"],
    &["cli", "fuzzing"],
];

/// Mutually recursive evaluation helpers allowed to import each other (one folder each).
const ALLOWED_CYCLES: &[&[&str]] = &[&["terraform::eval", "terraform::funcs"]];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("src readable") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// `src/a/b.rs` and `src/a/b/mod.rs` are module `a::b`; `lib.rs`/`main.rs` are the root.
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).expect("under src");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().unwrap_or_default();
    let stem = last.trim_end_matches(".rs");
    if !matches!(stem, "mod" | "lib" | "main") {
        parts.push(stem.to_string());
    }
    parts.join("::")
}

/// Module-to-module imports (`crate::x::y` paths), test modules left out.
fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let modules: BTreeMap<String, PathBuf> = files
        .iter()
        .map(|f| (module_of(&src, f), f.clone()))
        .collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (m, f) in &modules {
        let text = std::fs::read_to_string(f).expect("source readable");
        let code = text.split("#[cfg(test)]").next().unwrap_or(&text);
        let edges = graph.entry(m.clone()).or_default();
        let mut rest = code;
        while let Some(i) = rest.find("crate::") {
            rest = &rest[i + "crate::".len()..];
            let path: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            let segs: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
            // The longest prefix that names a module.
            let target = (1..=segs.len())
                .rev()
                .map(|n| segs[..n].join("::"))
                .find(|c| modules.contains_key(c));
            if let Some(t) = target.filter(|t| t != m) {
                edges.insert(t);
            }
        }
    }
    graph
}

/// Strongly connected components with more than one module (Tarjan).
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct State<'g> {
        graph: &'g BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        on_stack: BTreeSet<&'g str>,
        next: usize,
        out: Vec<Vec<String>>,
    }
    fn visit<'g>(s: &mut State<'g>, v: &'g str) {
        s.index.insert(v, s.next);
        s.low.insert(v, s.next);
        s.next += 1;
        s.stack.push(v);
        s.on_stack.insert(v);
        let graph = s.graph;
        for w in graph.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low[v];
                s.low.insert(v, lv.min(lw));
            } else if s.on_stack.contains(w) {
                let iw = s.index[w];
                let lv = s.low[v];
                s.low.insert(v, lv.min(iw));
            }
        }
        if s.low[v] == s.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                comp.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                s.out.push(comp);
            }
        }
    }
    let mut s = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in graph.keys() {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    s.out
}

#[test]
fn module_graph_has_no_cycles() {
    let graph = module_graph();
    assert!(graph.len() > 40, "found only {} modules", graph.len());
    let allowed: Vec<Vec<String>> = ALLOWED_CYCLES
        .iter()
        .map(|c| c.iter().map(|s| s.to_string()).collect())
        .collect();
    let bad: Vec<Vec<String>> = cycles(&graph)
        .into_iter()
        .filter(|c| !allowed.contains(c))
        .collect();
    assert!(bad.is_empty(), "import cycles: {bad:?}");
}

#[test]
fn no_module_imports_a_stage_above_it() {
    let layer = |m: &str| -> Option<usize> {
        let top = m.split("::").next().unwrap_or(m);
        LAYERS.iter().position(|l| l.contains(&top))
    };
    let graph = module_graph();
    let mut bad = Vec::new();
    for (from, tos) in &graph {
        if from.is_empty() {
            continue; // lib.rs / main.rs
        }
        let lf = layer(from).unwrap_or_else(|| panic!("module `{from}` is in no layer"));
        for to in tos {
            let lt = layer(to).unwrap_or_else(|| panic!("module `{to}` is in no layer"));
            if lt > lf {
                bad.push(format!("{from} -> {to}"));
            }
        }
    }
    assert!(bad.is_empty(), "imports of a higher stage: {bad:#?}");
}

/// A repository of `services` directories with 10 objects each and one Argo CD Application
/// per directory (the shape that made the model quadratic once).
fn generated_repo(dir: &Path, services: usize) {
    for i in 0..services {
        let svc = dir.join(format!("apps/team{}/svc{i}", i % 7));
        std::fs::create_dir_all(&svc).expect("mkdir");
        let mut text = String::new();
        for j in 0..10 {
            text.push_str(&format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm{j}\n  namespace: ns{i}\ndata:\n  k: v\n---\n"
            ));
        }
        std::fs::write(svc.join("objects.yaml"), text).expect("write");
        let apps = dir.join("argocd");
        std::fs::create_dir_all(&apps).expect("mkdir");
        std::fs::write(
            apps.join(format!("app{i}.yaml")),
            format!(
                "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: svc{i}-prod\nspec:\n  project: p\n  destination:\n    namespace: ns{i}\n  source:\n    path: apps/team{}/svc{i}\n",
                i % 7
            ),
        )
        .expect("write");
    }
}

/// (objects in the model, environment lookups done while building it)
fn model_work(services: usize) -> (usize, usize) {
    let tmp = tempfile::tempdir().expect("tempdir");
    generated_repo(tmp.path(), services);
    let discovery = discover::walk(&discover::Options {
        paths: vec![tmp.path().to_path_buf()],
        base: tmp.path().to_path_buf(),
        exclude: Vec::new(),
        follow_links: false,
        threads: 1,
    })
    .expect("walk");
    let opts = LoadOptions { max_size: 1 << 20 };
    let files: Vec<_> = discovery
        .entries
        .iter()
        .cloned()
        .map(|e| load(e, &opts))
        .collect();
    let environments = Environments::default();
    let envs = EnvIndex::new(&environments, argocd::app_dirs(&files, &environments));
    let partial = kustomize::kustomize_patches(&files);
    let options = octolint::config::RuleOptions::default();
    let file_envs: Vec<_> = files.iter().map(|f| envs.file_env(&f.path)).collect();
    let repo = build::build_repo(&files, &partial, &file_envs, &options, tmp.path(), &[]);
    let with_env = repo
        .objects
        .iter()
        .filter(|o| o.obj.kind == "ConfigMap" && o.obj.env.is_some())
        .count();
    assert_eq!(
        with_env,
        services * 10,
        "every object takes its Application's environment"
    );
    (repo.objects.len(), envs.probes())
}

#[test]
fn repository_model_work_is_linear_in_objects() {
    let (small_objects, small_work) = model_work(200);
    let (large_objects, large_work) = model_work(800);
    assert_eq!(small_objects, 2_200);
    assert_eq!(large_objects, 8_800);
    let per_object_small = small_work as f64 / small_objects as f64;
    let per_object_large = large_work as f64 / large_objects as f64;
    // Each object probes each run of its few directory segments once, whatever the number
    // of Applications.
    assert!(
        per_object_large <= 10.0,
        "{per_object_large:.1} lookups per object"
    );
    assert!(
        per_object_large <= per_object_small * 1.1,
        "work per object grew from {per_object_small:.2} to {per_object_large:.2} when the \
         repository grew 4x"
    );
}
