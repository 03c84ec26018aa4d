//! Custom resource schemas: the CRDs defined in the repository, the bundled catalog
//! (`rules/schemas/crds.json.z`, from ../shared/schemas/crds: datreeio/CRDs-catalog, MIT)
//! and directories named by `[kubernetes] crd-schemas` (kubeconform layout:
//! `<group>/<kind>_<version>.json`). Each schema is compiled on first use.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::Value;

use super::schema::{Compiled, Compiler, Dialect, Id};
use super::walk::{self, Violation};
use crate::parse::node::Node;

static CRD_DATA: &[u8] = include_bytes!("../../rules/schemas/crds.json.z");

/// One compiled custom resource schema.
#[derive(Debug)]
pub struct CrdSchema {
    pub compiled: Compiled,
    pub root: Id,
}

impl CrdSchema {
    pub fn compile(v: &Value) -> CrdSchema {
        let none = |_: &str| None;
        let mut c = Compiler::new(&none, Dialect::Structural);
        let root = c.compile(v);
        let mut compiled = c.finish();
        // apiVersion, kind and metadata are always allowed at the top.
        compiled.nodes[root as usize].embedded = true;
        CrdSchema { compiled, root }
    }

    /// Validate a custom resource. Nulls are pruned by the API server, never errors.
    pub fn validate(&self, root: &Node, partial: bool) -> Vec<Violation> {
        let opts = walk::Options {
            partial,
            null_ok: true,
            extra_checks: false,
        };
        let mut w = walk::Walker::new(&self.compiled, opts);
        w.validate(root, self.root, super::anchor(root));
        let mut out = w.out;
        out.sort_by_key(|v| (v.span.start, v.span.end, v.problem));
        out.dedup_by(|a, b| a.span == b.span && a.message == b.message);
        out
    }
}

/// Schemas by `group/kind/version` (kind lower-cased), compiled lazily.
#[derive(Default)]
pub struct Catalog {
    entries: BTreeMap<String, (String, OnceLock<Option<CrdSchema>>)>,
}

fn catalog_key(group: &str, kind: &str, version: &str) -> String {
    format!("{group}/{}/{version}", kind.to_ascii_lowercase())
}

impl Catalog {
    fn from_lines(text: &str) -> Catalog {
        let mut entries = BTreeMap::new();
        for line in text.lines() {
            if let Some((k, json)) = line.split_once('\t') {
                entries.insert(k.to_string(), (json.to_string(), OnceLock::new()));
            }
        }
        Catalog { entries }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The schema for a custom resource's `apiVersion` and `kind`.
    pub fn get(&self, api_version: &str, kind: &str) -> Option<&CrdSchema> {
        let (group, version) = api_version.rsplit_once('/')?;
        let (json, slot) = self.entries.get(&catalog_key(group, kind, version))?;
        slot.get_or_init(|| {
            let v: Value = serde_json::from_str(json).ok()?;
            Some(CrdSchema::compile(&v))
        })
        .as_ref()
    }
}

/// The bundled catalog.
pub fn bundled() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        let text = super::k8s::inflate(CRD_DATA)
            .and_then(|b| String::from_utf8(b).ok())
            .unwrap_or_default();
        Catalog::from_lines(&text)
    })
}

/// The catalog of schema directories (`[kubernetes] crd-schemas`), read once per set of
/// directories. Files that do not parse are skipped.
pub fn from_dirs(dirs: &[PathBuf]) -> Arc<Catalog> {
    static CACHE: Mutex<Vec<(Vec<PathBuf>, Arc<Catalog>)>> = Mutex::new(Vec::new());
    if dirs.is_empty() {
        return Arc::new(Catalog::default());
    }
    if let Ok(cache) = CACHE.lock()
        && let Some((_, c)) = cache.iter().find(|(d, _)| d == dirs)
    {
        return c.clone();
    }
    let mut lines = String::new();
    for dir in dirs {
        let mut groups: Vec<PathBuf> = std::fs::read_dir(dir)
            .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        groups.sort();
        for g in groups.iter().filter(|g| g.is_dir()) {
            let Some(group) = g.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            let mut files: Vec<PathBuf> = std::fs::read_dir(g)
                .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
                .unwrap_or_default();
            files.sort();
            for f in files {
                let Some(stem) = f
                    .file_name()
                    .and_then(|n| n.to_str())
                    .and_then(|n| n.strip_suffix(".json"))
                else {
                    continue;
                };
                let Some((kind, version)) = stem.rsplit_once('_') else {
                    continue;
                };
                let Ok(text) = std::fs::read_to_string(&f) else {
                    continue;
                };
                let Ok(v) = serde_json::from_str::<Value>(&text) else {
                    continue;
                };
                lines.push_str(&format!(
                    "{}\t{}\n",
                    catalog_key(group, kind, version),
                    serde_json::to_string(&v).unwrap_or_default()
                ));
            }
        }
    }
    let c = Arc::new(Catalog::from_lines(&lines));
    if let Ok(mut cache) = CACHE.lock() {
        cache.push((dirs.to_vec(), c.clone()));
    }
    c
}

/// CRDs defined in the repository: `group/kind/version` -> schema, compiled on first use.
#[derive(Default)]
pub struct RepoCrds<'a> {
    map: BTreeMap<String, (&'a Node, OnceLock<CrdSchema>)>,
}

impl<'a> RepoCrds<'a> {
    /// Add a `CustomResourceDefinition` object (apiextensions.k8s.io v1 or v1beta1).
    pub fn add(&mut self, root: &'a Node) {
        let Some(spec) = root.get("spec") else { return };
        let Some(group) = spec.get("group").and_then(Node::as_str) else {
            return;
        };
        let Some(kind) = spec.path(&["names", "kind"]).and_then(Node::as_str) else {
            return;
        };
        // v1beta1: one schema for every version
        let shared = spec.path(&["validation", "openAPIV3Schema"]);
        let mut versions: Vec<(&str, Option<&'a Node>)> = spec
            .get("versions")
            .into_iter()
            .flat_map(Node::items)
            .filter_map(|v| {
                let name = v.get("name").and_then(Node::as_str)?;
                Some((name, v.path(&["schema", "openAPIV3Schema"]).or(shared)))
            })
            .collect();
        if let Some(v) = spec.get("version").and_then(Node::as_str) {
            versions.push((v, shared));
        }
        for (version, schema) in versions {
            if let Some(s) = schema.filter(|s| s.as_map().is_some()) {
                self.map
                    .insert(catalog_key(group, kind, version), (s, OnceLock::new()));
            }
        }
    }

    pub fn get(&self, api_version: &str, kind: &str) -> Option<&CrdSchema> {
        let (group, version) = api_version.rsplit_once('/')?;
        let (node, slot) = self.map.get(&catalog_key(group, kind, version))?;
        Some(slot.get_or_init(|| CrdSchema::compile(&node.to_json())))
    }

    /// Does a CRD of the repository define `api_version`/`kind`? The same answer as
    /// [`RepoCrds::get`] without compiling the schema.
    pub fn has(&self, api_version: &str, kind: &str) -> bool {
        api_version
            .rsplit_once('/')
            .is_some_and(|(group, version)| {
                self.map.contains_key(&catalog_key(group, kind, version))
            })
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// Where custom resource schemas are looked up, in order: the repository's CRDs, the
/// configured directories, the bundled catalog.
pub struct Resolver<'a> {
    pub repo: &'a RepoCrds<'a>,
    pub user: &'a Catalog,
    pub bundled: &'a Catalog,
}

impl Resolver<'_> {
    /// Is there a schema for `api_version`/`kind`? A repository CRD is not compiled to tell.
    pub fn has(&self, api_version: &str, kind: &str) -> bool {
        self.repo.has(api_version, kind)
            || self.user.get(api_version, kind).is_some()
            || self.bundled.get(api_version, kind).is_some()
    }

    pub fn get(&self, api_version: &str, kind: &str) -> Option<&CrdSchema> {
        self.repo
            .get(api_version, kind)
            .or_else(|| self.user.get(api_version, kind))
            .or_else(|| self.bundled.get(api_version, kind))
    }
}

/// How many custom resources were validated, and which had no schema (for the coverage
/// line: "12 custom resources not validated: no schema").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Coverage {
    pub validated: usize,
    pub no_schema: usize,
    /// `apiVersion/kind` without a schema, with their counts, sorted.
    pub missing: BTreeMap<String, usize>,
}

impl Coverage {
    pub fn add(&mut self, api_version: &str, kind: &str, has_schema: bool) {
        if has_schema {
            self.validated += 1;
        } else {
            self.no_schema += 1;
            *self
                .missing
                .entry(format!("{api_version}/{kind}"))
                .or_default() += 1;
        }
    }

    /// "12 custom resources not validated: no schema" (None when every one was).
    pub fn line(&self) -> Option<String> {
        (self.no_schema > 0).then(|| {
            format!(
                "{} custom resource{} not validated: no schema",
                self.no_schema,
                if self.no_schema == 1 { "" } else { "s" }
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repository_crd_is_known_without_compiling_it() {
        let yaml = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\nspec:\n  group: example.com\n  names:\n    kind: Widget\n  versions:\n    - name: v1\n      schema:\n        openAPIV3Schema:\n          type: object\n    - name: v2\n";
        let parsed = crate::parse::yaml::parse(yaml);
        let mut crds = RepoCrds::default();
        crds.add(&parsed.docs[0].root);
        assert!(crds.has("example.com/v1", "Widget"));
        // Nothing was compiled to answer.
        assert!(crds.map.values().all(|(_, slot)| slot.get().is_none()));
        // A version without a schema, another kind, another group: unknown, as `get` says.
        for (api, kind) in [
            ("example.com/v2", "Widget"),
            ("example.com/v1", "Gadget"),
            ("other.io/v1", "Widget"),
            ("v1", "Widget"),
        ] {
            assert!(!crds.has(api, kind), "{api} {kind}");
            assert!(crds.get(api, kind).is_none(), "{api} {kind}");
        }
        assert!(crds.get("example.com/v1", "Widget").is_some());
    }
}
