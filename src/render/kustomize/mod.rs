//! Kustomize overlays built in-process (kustomize v5 semantics): resources, components,
//! patches, transformers and generators, with the origin of every output field. Depends on
//! `render` (the contract), `source`, `parse::node` and `parse` only.
//!
//! The build follows kustomize's `KustTarget`: a kustomization accumulates its resources
//! (files and other kustomizations, recursively), runs its generators, applies its
//! components, then its transformers in kustomize's fixed order (patchesStrategicMerge,
//! patches, namespace, namePrefix, nameSuffix, labels/commonLabels, commonAnnotations,
//! patchesJson6902, replicas, images). At the top, generated objects take their content
//! hash suffix, references to renamed objects are rewritten, and the objects are sorted in
//! kustomize's legacy order and written as one YAML stream whose every node is mapped to
//! the file and line that produced it.

use std::sync::Arc;

use crate::parse::node::{Node, Scalar};
use crate::parse::yaml::YamlDoc;
use crate::source::{SourceFile, Span};

use super::{
    Fs, OriginMap, RenderError, RenderUnit, RenderedSource, Role, UnitKind, UnitStatus,
    confined_join,
};

mod generate;
mod kfile;
mod merge;
mod replacements;
mod transform;
mod tree;

use kfile::{Entry, Image, Kust, PatchEntry, PatchField, PatchSrc, Replica};
use transform::Res;
use tree::{N, V, origin};

/// Most objects one build may produce (hostile input bound).
const MAX_OBJECTS: usize = 20_000;
/// Most kustomizations one build may read.
const MAX_KUSTOMIZATIONS: usize = 2_000;

/// The kustomization file of `dir`, if it has one.
pub fn kustomization_file(fs: &dyn Fs, dir: &str) -> Option<String> {
    ["kustomization.yaml", "kustomization.yml", "Kustomization"]
        .iter()
        .filter_map(|n| super::confined_join(dir, n))
        .find(|p| fs.is_file(p))
}

/// An Argo CD Application's inline `kustomize:` options, applied to the top kustomization
/// as `kustomize edit` would (Argo CD's way). Spans are in `application`'s file.
#[derive(Clone, Debug, Default)]
pub struct KustomizeOptions {
    /// The Application's file (origins of the options point into it).
    pub application: Option<Arc<SourceFile>>,
    pub name_prefix: Option<(String, Span)>,
    pub name_suffix: Option<(String, Span)>,
    pub namespace: Option<(String, Span)>,
    /// `images:` entries as Argo CD writes them: `name=new:tag`, `name:tag`, `name@digest`.
    pub images: Vec<(String, Span)>,
    pub common_labels: Vec<(String, String, Span)>,
    pub common_annotations: Vec<(String, String, Span)>,
    /// `patches:` entries (mappings with `patch`/`path`, `target`, `options`), nodes of
    /// the Application's file.
    pub patches: Vec<Node>,
    pub components: Vec<(String, Span)>,
    /// `replicas:` entries: name, count, span.
    pub replicas: Vec<(String, i64, Span)>,
}

impl KustomizeOptions {
    /// The options of an Argo CD Application source's `kustomize:` mapping (`node`, a node
    /// of `application`). Entries of the wrong shape are skipped.
    pub fn from_application(application: Arc<SourceFile>, node: &Node) -> KustomizeOptions {
        let s = |key: &str| {
            node.entry(key).and_then(|(k, v)| {
                v.key_text()
                    .filter(|_| !v.is_null())
                    .map(|t| (t.to_string(), k.span.cover(v.span)))
            })
        };
        let pairs = |key: &str| -> Vec<(String, String, Span)> {
            node.get(key)
                .and_then(Node::as_map)
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| {
                            (
                                k.key_text().unwrap_or_default().to_string(),
                                v.key_text().unwrap_or_default().to_string(),
                                k.span.cover(v.span),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        let strings = |key: &str| -> Vec<(String, Span)> {
            node.get(key)
                .map(|n| {
                    n.items()
                        .filter_map(|i| i.key_text().map(|t| (t.to_string(), i.span)))
                        .collect()
                })
                .unwrap_or_default()
        };
        let replicas = node
            .get("replicas")
            .map(|n| {
                n.items()
                    .filter_map(|r| {
                        let name = r.get("name")?.key_text()?.to_string();
                        let count = r.get("count")?.key_text()?.trim().parse::<i64>().ok()?;
                        Some((name, count, r.span))
                    })
                    .collect()
            })
            .unwrap_or_default();
        KustomizeOptions {
            name_prefix: s("namePrefix"),
            name_suffix: s("nameSuffix"),
            namespace: s("namespace"),
            images: strings("images"),
            common_labels: pairs("commonLabels"),
            common_annotations: pairs("commonAnnotations"),
            patches: node
                .get("patches")
                .map(|n| n.items().cloned().collect())
                .unwrap_or_default(),
            components: strings("components"),
            replicas,
            application: Some(application),
        }
    }
}

/// Build the kustomization in `dir` (relative to the root).
pub fn build(fs: &dyn Fs, dir: &str) -> RenderUnit {
    build_with(fs, dir, &KustomizeOptions::default())
}

/// Build the kustomization in `dir` with an Argo CD Application's inline options.
pub fn build_with(fs: &dyn Fs, dir: &str, opts: &KustomizeOptions) -> RenderUnit {
    let dir = confined_join("", dir).unwrap_or_default();
    let mut b = Builder {
        fs,
        errors: Vec::new(),
        fatal: false,
        inputs: Vec::new(),
        kustomizations: 0,
        unsupported: Vec::new(),
    };
    let mut stack: Vec<String> = Vec::new();
    let mut rs = Vec::new();
    let top = b.kustomization(&dir, &mut stack, Some(opts), None, &mut rs);
    // The content hash is taken last, over the final data and name.
    for r in rs.iter_mut() {
        if r.needs_hash && matches!(r.kind(), "ConfigMap" | "Secret") {
            let h = generate::hash(r);
            let o = r.obj.path(&["metadata", "name"]).and_then(|n| n.o.clone());
            let name = format!("{}-{h}", r.name());
            r.set_name(name, o);
        }
    }
    transform::fix_references(&mut rs);
    let (fifo, first, last) = top
        .as_ref()
        .map(|k| (k.sort_fifo, k.order_first.clone(), k.order_last.clone()))
        .unwrap_or((false, None, None));
    if !fifo {
        transform::legacy_sort(&mut rs, first.as_deref(), last.as_deref());
    }
    let kfile: Arc<str> = top
        .as_ref()
        .map(|k| k.file.clone())
        .unwrap_or_else(|| Arc::from(dir.as_str()));
    let mut text = String::new();
    let mut origins = OriginMap::new();
    for (i, r) in rs.iter_mut().enumerate() {
        if i > 0 {
            text.push_str("---\n");
        }
        annotations_out(&mut r.obj);
        tree::emit_doc(&r.obj, &mut text, &mut origins);
    }
    let status = if b.fatal {
        UnitStatus::Failed
    } else if rs.is_empty() && !b.unsupported.is_empty() && top.is_some() {
        UnitStatus::Unsupported(format!(
            "not built in-process: {}",
            b.unsupported.join(", ")
        ))
    } else if top.is_none() {
        UnitStatus::Failed
    } else {
        UnitStatus::Rendered
    };
    RenderUnit {
        kind: UnitKind::Kustomize,
        dir: dir.as_str().into(),
        env: None,
        namespace: opts.namespace.as_ref().map(|n| n.0.clone()).or_else(|| {
            top.as_ref()
                .and_then(|k| k.namespace.as_ref().map(|n| n.0.clone()))
        }),
        // The render stage knows the Application's document span and sets it.
        application: None,
        inputs: b.inputs,
        outputs: vec![RenderedSource {
            name: dir.clone(),
            fallback: kfile,
            text,
            origins,
        }],
        errors: b.errors,
        status,
    }
}

struct Builder<'f> {
    fs: &'f dyn Fs,
    errors: Vec<RenderError>,
    /// An error kustomize itself stops on (the output would not be applied).
    fatal: bool,
    inputs: Vec<Arc<str>>,
    kustomizations: usize,
    unsupported: Vec<String>,
}

impl<'f> Builder<'f> {
    fn err(
        &mut self,
        path: &Arc<str>,
        span: Option<Span>,
        code: &'static str,
        message: String,
        fatal: bool,
    ) {
        self.fatal |= fatal;
        self.errors.push(RenderError {
            path: path.clone(),
            span,
            message,
            code,
        });
    }

    /// Parse `text` (of `file`) as YAML, reporting a syntax error as a `parse` error at the
    /// error's offset, or at `at` for text embedded in another file. `what` names the text.
    fn parse_yaml(
        &mut self,
        text: &str,
        file: &Arc<str>,
        at: Option<Span>,
        what: &str,
    ) -> crate::parse::yaml::ParsedYaml {
        let parsed = crate::parse::yaml::parse(text);
        if let Some(e) = &parsed.error {
            let span = at.unwrap_or(Span::new(e.offset, e.offset));
            self.err(
                file,
                Some(span),
                "parse",
                format!("invalid {what}: {}", e.message),
                true,
            );
        }
        parsed
    }

    /// The documents of a repository file: those the parse stage already made, else parsed
    /// here (a syntax error is reported, and `None` returned, as `parse_yaml` does).
    fn file_docs(
        &mut self,
        src: &SourceFile,
        file: &Arc<str>,
        what: &str,
    ) -> (std::borrow::Cow<'f, [YamlDoc]>, bool) {
        if let Some(docs) = self.fs.docs(&src.path) {
            return (std::borrow::Cow::Borrowed(docs), false);
        }
        let parsed = self.parse_yaml(&src.text, file, None, what);
        let failed = parsed.error.is_some();
        (std::borrow::Cow::Owned(parsed.docs), failed)
    }

    /// Read and parse `dir`'s kustomization. `from`: the entry that named it.
    fn read_kust(&mut self, dir: &str, from: Option<(&Arc<str>, Span)>) -> Option<(Kust, Node)> {
        let Some(path) = kustomization_file(self.fs, dir) else {
            let msg = format!("{dir}: no kustomization.yaml, kustomization.yml or Kustomization");
            match from {
                Some((f, s)) => self.err(f, Some(s), "missing-resource", msg, true),
                None => self.err(&Arc::from(dir), None, "missing-resource", msg, true),
            }
            return None;
        };
        let Some(src) = self.fs.read(&path) else {
            self.err(
                &Arc::from(path.as_str()),
                None,
                "missing-resource",
                format!("{path}: unreadable"),
                true,
            );
            return None;
        };
        let file: Arc<str> = Arc::from(src.path.as_str());
        self.inputs.push(file.clone());
        let (docs, failed) = self.file_docs(&src, &file, "kustomization");
        if failed {
            return None;
        }
        let root = docs
            .iter()
            .map(|d| &d.root)
            .find(|r| !r.is_null())
            .cloned()
            .unwrap_or_else(|| Node::null(Span::new(0, 0)));
        if root.as_map().is_none() && !root.is_null() {
            self.err(
                &file,
                Some(root.span),
                "parse",
                "a kustomization must be a mapping".into(),
                true,
            );
            return None;
        }
        let k = Kust::read(src, dir, &root);
        Some((k, root))
    }

    /// Build the kustomization (or component) in `dir` onto `rs`. Returns it when read.
    fn kustomization(
        &mut self,
        dir: &str,
        stack: &mut Vec<String>,
        opts: Option<&KustomizeOptions>,
        from: Option<(&Arc<str>, Span)>,
        rs: &mut Vec<Res>,
    ) -> Option<Kust> {
        self.kustomizations += 1;
        if self.kustomizations > MAX_KUSTOMIZATIONS {
            if let Some((f, s)) = from {
                self.err(
                    f,
                    Some(s),
                    "budget",
                    "too many kustomizations in one build".into(),
                    true,
                );
            }
            return None;
        }
        let (mut k, _root) = self.read_kust(dir, from)?;
        if let Some(o) = opts {
            self.apply_options(&mut k, o);
        }
        for (span, m) in std::mem::take(&mut k.invalid) {
            self.err(&k.file, Some(span), "invalid", m, true);
        }
        for (span, what) in k.unsupported.clone() {
            let msg = match what.as_str() {
                "helmChartInflationGenerator" => {
                    "helmChartInflationGenerator (a plugin) is not supported; use helmCharts"
                        .to_string()
                }
                "generators" | "transformers" | "validators" => {
                    format!(
                        "`{what}` (kustomize plugins) are not supported; the rest was built without them"
                    )
                }
                other => format!("`{other}` is not supported; the rest was built without it"),
            };
            self.unsupported.push(what.clone());
            self.err(&k.file, Some(span), "unsupported", msg, false);
        }
        stack.push(dir.to_string());
        self.run(&k, stack, rs);
        stack.pop();
        Some(k)
    }

    /// Resources, generators, components, transformers of `k`, onto `rs`.
    fn run(&mut self, k: &Kust, stack: &mut Vec<String>, rs: &mut Vec<Res>) {
        for e in &k.resources {
            self.resource(k, e, stack, rs);
        }
        let mut gerrs = Vec::new();
        for g in &k.generators {
            let gen_res =
                generate::generate(self.fs, &k.dir, &k.file, g, &k.gen_options, &mut gerrs);
            match g.behavior.as_str() {
                "merge" | "replace" => {
                    let ns = g.namespace.clone().unwrap_or_default();
                    let found = rs.iter_mut().find(|r| {
                        r.kind() == g.kind
                            && r.had_name(&g.name)
                            && (r.namespace() == ns
                                || (ns.is_empty() && r.namespace() == "default"))
                    });
                    match found {
                        Some(r) => generate::merge_into(r, &gen_res, g.behavior == "replace"),
                        None => self.err(
                            &k.file,
                            Some(g.origin.span),
                            "missing-resource",
                            format!(
                                "{} {}: behavior {} needs an existing {} of that name",
                                g.kind, g.name, g.behavior, g.kind
                            ),
                            true,
                        ),
                    }
                }
                _ => {
                    if rs.iter().any(|r| {
                        r.kind() == g.kind
                            && r.name() == g.name
                            && r.namespace() == g.namespace.as_deref().unwrap_or("")
                    }) {
                        self.err(
                            &k.file,
                            Some(g.origin.span),
                            "conflict",
                            format!(
                                "{} {} already exists; use behavior: merge or replace",
                                g.kind, g.name
                            ),
                            true,
                        );
                    } else {
                        rs.push(gen_res);
                    }
                }
            }
        }
        for (span, m, code) in gerrs {
            self.err(&k.file, Some(span), code, m, true);
        }
        for h in &k.helm_charts {
            self.helm_chart(k, h, rs);
        }
        for c in &k.components {
            self.component(k, c, stack, rs);
        }
        self.transformers(k, rs);
    }

    /// A `helmCharts` entry, through the in-process Helm engine when the chart is present
    /// under the chart home (octolint never pulls charts).
    fn helm_chart(&mut self, k: &Kust, h: &kfile::HelmChart, rs: &mut Vec<Res>) {
        let mut candidates = vec![format!("{}/{}", h.chart_home, h.name)];
        if let Some(v) = &h.version {
            candidates.insert(0, format!("{}/{}-{v}/{}", h.chart_home, h.name, h.name));
        }
        let dir = candidates
            .iter()
            .filter_map(|c| confined_join(&k.dir, c))
            .find(|d| super::helm::is_chart(self.fs, d));
        let Some(dir) = dir else {
            self.unsupported.push(format!("helm chart {}", h.name));
            self.err(&k.file, Some(h.span), "unsupported", format!("helmCharts were not rendered: chart {} is not under {} (octolint does not pull charts)", h.name, h.chart_home), false);
            return;
        };
        let value_files = h
            .values_file
            .iter()
            .filter_map(|v| confined_join(&k.dir, v))
            .collect();
        let opts = super::helm::HelmOptions {
            value_files,
            set: Vec::new(),
            release_name: h.release_name.clone().unwrap_or_default(),
            namespace: h.namespace.clone().unwrap_or_default(),
            kube_version: String::new(),
            inline_values: None,
            chart_index: None,
        };
        let unit = super::helm::render_chart(self.fs, &dir, &opts);
        if unit.status != UnitStatus::Rendered {
            let why = match &unit.status {
                UnitStatus::Unsupported(r) => r.clone(),
                _ => "the chart failed to render".to_string(),
            };
            self.unsupported.push(format!("helm chart {}", h.name));
            self.err(
                &k.file,
                Some(h.span),
                "unsupported",
                format!("helmCharts were not rendered: {}: {why}", h.name),
                false,
            );
            return;
        }
        if h.values_inline {
            self.err(
                &k.file,
                Some(h.span),
                "unsupported",
                format!(
                    "helmCharts {}: valuesInline is not passed to the chart; rendered without it",
                    h.name
                ),
                false,
            );
        }
        self.errors.extend(unit.errors);
        let mut objs = Vec::new();
        for out in &unit.outputs {
            let parsed = crate::parse::yaml::parse(&out.text);
            for d in &parsed.docs {
                if d.root.is_null() {
                    continue;
                }
                let mut n = N::from_node(&d.root, &out.fallback, Role::Template);
                remap_rendered(&mut n, &out.origins);
                self.push_object(&k.file, h.span, n, &mut objs);
            }
        }
        self.append(k, h.span, rs, objs.into_iter().map(Res::new).collect());
    }

    fn resolve(&mut self, k: &Kust, e: &Entry, what: &str) -> Option<String> {
        if kfile::is_remote(&e.value) {
            self.unsupported.push(format!("remote {what} {}", e.value));
            self.err(
                &k.file,
                Some(e.span),
                "unsupported",
                format!(
                    "remote {what} {} is not fetched; the rest was built without it",
                    e.value
                ),
                false,
            );
            return None;
        }
        match confined_join(&k.dir, &e.value) {
            Some(p) => Some(p),
            None => {
                self.err(
                    &k.file,
                    Some(e.span),
                    "outside-root",
                    format!("{} is outside the repository", e.value),
                    true,
                );
                None
            }
        }
    }

    fn resource(&mut self, k: &Kust, e: &Entry, stack: &mut Vec<String>, rs: &mut Vec<Res>) {
        let Some(path) = self.resolve(k, e, "resource") else {
            return;
        };
        if self.fs.is_dir(&path) {
            if stack.contains(&path) {
                self.err(
                    &k.file,
                    Some(e.span),
                    "cycle",
                    format!(
                        "cycle: {path} is already being built ({} -> {path})",
                        stack.join(" -> ")
                    ),
                    true,
                );
                return;
            }
            let mut sub = Vec::new();
            if let Some(sk) =
                self.kustomization(&path, stack, None, Some((&k.file, e.span)), &mut sub)
                && sk.is_component
            {
                self.err(
                    &k.file,
                    Some(e.span),
                    "invalid",
                    format!("{path} is a Component; list it under `components`"),
                    true,
                );
                return;
            }
            self.append(k, e.span, rs, sub);
            return;
        }
        let Some(src) = self.fs.read(&path) else {
            self.err(
                &k.file,
                Some(e.span),
                "missing-resource",
                format!("resource {path} not found"),
                true,
            );
            return;
        };
        let objs = self.objects(&src, Role::Base);
        self.append(k, e.span, rs, objs.into_iter().map(Res::new).collect());
    }

    fn append(&mut self, k: &Kust, span: Span, rs: &mut Vec<Res>, more: Vec<Res>) {
        for r in more {
            if rs.iter().any(|x| {
                x.kind() == r.kind()
                    && x.api_version() == r.api_version()
                    && x.name() == r.name()
                    && x.namespace() == r.namespace()
            }) {
                self.err(&k.file, Some(span), "conflict", format!("{} {} is defined twice (may not add resource with an already registered id)", r.kind(), r.name()), true);
                continue;
            }
            if rs.len() >= MAX_OBJECTS {
                self.err(
                    &k.file,
                    Some(span),
                    "budget",
                    format!("more than {MAX_OBJECTS} objects"),
                    true,
                );
                return;
            }
            rs.push(r);
        }
    }

    /// The objects of a YAML file (lists expanded), as trees with origins.
    fn objects(&mut self, src: &SourceFile, role: Role) -> Vec<N> {
        let file: Arc<str> = Arc::from(src.path.as_str());
        let (docs, _) = self.file_docs(src, &file, "YAML");
        let mut out = Vec::new();
        for d in docs.iter() {
            if d.root.is_null() {
                continue;
            }
            let mut n = N::from_node(&d.root, &file, role);
            if !src.text.ends_with('\n') {
                eof_block_scalar(&d.root, &src.text, &mut n);
            }
            self.push_object(&file, d.root.span, n, &mut out);
        }
        out
    }

    fn push_object(&mut self, file: &Arc<str>, span: Span, n: N, out: &mut Vec<N>) {
        if n.as_map().is_none() {
            self.err(
                file,
                Some(span),
                "invalid",
                "a resource must be a mapping".into(),
                true,
            );
            return;
        }
        let kind = n.str_at(&["kind"]).unwrap_or("");
        if kind.ends_with("List") && n.get("items").is_some_and(|i| i.as_seq().is_some()) {
            for it in n.get("items").and_then(N::as_seq).into_iter().flatten() {
                self.push_object(file, span, it.clone(), out);
            }
            return;
        }
        if kind.is_empty() || n.str_at(&["metadata", "name"]).is_none() {
            self.err(
                file,
                Some(span),
                "invalid",
                "a resource needs kind and metadata.name".into(),
                true,
            );
            return;
        }
        let mut n = n;
        // kustomize holds an object's annotations as a map from the start (it keeps its own
        // there during the build): a null one is an empty map that transformers write into.
        if let Some(a) = n.path_mut(&["metadata", "annotations"])
            && a.is_null()
        {
            a.v = V::Map(Vec::new());
        }
        out.push(n);
    }

    fn component(&mut self, k: &Kust, e: &Entry, stack: &mut Vec<String>, rs: &mut Vec<Res>) {
        let Some(path) = self.resolve(k, e, "component") else {
            return;
        };
        if stack.contains(&path) {
            self.err(
                &k.file,
                Some(e.span),
                "cycle",
                format!("cycle: component {path} is already being built"),
                true,
            );
            return;
        }
        if !self.fs.is_dir(&path) {
            self.err(
                &k.file,
                Some(e.span),
                "missing-resource",
                format!("component {path} not found"),
                true,
            );
            return;
        }
        let Some((ck, _)) = self.read_kust(&path, Some((&k.file, e.span))) else {
            return;
        };
        if !ck.is_component {
            self.err(
                &k.file,
                Some(e.span),
                "invalid",
                format!("{path} is not a Component (kind: Component)"),
                true,
            );
            return;
        }
        for (span, m) in ck.invalid.clone() {
            self.err(&ck.file, Some(span), "invalid", m, true);
        }
        stack.push(path);
        self.run(&ck, stack, rs);
        stack.pop();
    }

    fn transformers(&mut self, k: &Kust, rs: &mut Vec<Res>) {
        let mut seen: Seen = Seen::new();
        for p in k
            .patches
            .iter()
            .filter(|p| p.field == PatchField::StrategicMerge)
        {
            self.patch(k, p, rs, &mut seen);
        }
        for p in k.patches.iter().filter(|p| p.field == PatchField::Patches) {
            self.patch(k, p, rs, &mut seen);
        }
        if let Some((ns, o)) = &k.namespace {
            transform::namespace(rs, ns, o);
        }
        if let Some((p, o)) = &k.name_prefix {
            transform::prefix_suffix(rs, p, "", o);
        }
        if let Some((s, o)) = &k.name_suffix {
            transform::prefix_suffix(rs, "", s, o);
        }
        for l in &k.labels {
            transform::labels(rs, &l.pairs, l.include_selectors, l.include_templates);
        }
        transform::labels(rs, &k.common_labels, true, true);
        transform::annotations(rs, &k.common_annotations);
        for p in k.patches.iter().filter(|p| p.field == PatchField::Json6902) {
            self.patch(k, p, rs, &mut seen);
        }
        for r in &k.replicas {
            if !transform::replicas(rs, &r.name, &r.count) {
                self.err(&r.origin.path, Some(r.origin.span), "unmatched-target", format!("replicas: no Deployment, ReplicaSet, ReplicationController or StatefulSet named {}", r.name), false);
            }
        }
        for i in &k.images {
            if let Err(m) = transform::images(rs, i) {
                self.err(&i.origin.path, Some(i.origin.span), "invalid", m, true);
            }
        }
        for (file, span, m) in replacements::run(self.fs, k, rs) {
            self.err(&file, Some(span), "replacement", m, true);
        }
    }

    /// Load a patch's documents as trees (origins in the patch file, or in the file the
    /// inline patch is written in).
    fn patch_docs(&mut self, k: &Kust, p: &PatchEntry) -> Option<Vec<N>> {
        match &p.src {
            PatchSrc::Path(e) => {
                let path = match confined_join(&k.dir, &e.value) {
                    Some(x) => x,
                    None => {
                        self.err(
                            &p.file,
                            Some(e.span),
                            "outside-root",
                            format!("patch {} is outside the repository", e.value),
                            true,
                        );
                        return None;
                    }
                };
                let Some(src) = self.fs.read(&path) else {
                    self.err(
                        &p.file,
                        Some(e.span),
                        "missing-resource",
                        format!("patch file {path} not found"),
                        true,
                    );
                    return None;
                };
                let file: Arc<str> = Arc::from(src.path.as_str());
                let (docs, failed) = self.file_docs(&src, &file, "patch");
                if failed {
                    return None;
                }
                Some(
                    docs.iter()
                        .filter(|d| !d.root.is_null())
                        .map(|d| N::from_node(&d.root, &file, p.role))
                        .collect(),
                )
            }
            PatchSrc::Inline(it) => {
                let parsed = self.parse_yaml(&it.text, &p.file, Some(it.span), "inline patch");
                if parsed.error.is_some() {
                    return None;
                }
                Some(
                    parsed
                        .docs
                        .iter()
                        .filter(|d| !d.root.is_null())
                        .map(|d| kfile::convert_inline(&d.root, it, &p.file, p.role))
                        .collect(),
                )
            }
        }
    }

    /// Note a field two patches of one kustomization set to different values (kustomize
    /// applies them in order: the later one wins).
    fn note_conflicts(&mut self, id: &str, leaves: Vec<Leaf>, seen: &mut Seen) {
        for l in leaves {
            let l = Leaf {
                id: id.to_string(),
                ..l
            };
            let key = (l.id.clone(), l.path.clone());
            if let Some(prev) = seen
                .get(&key)
                .filter(|s| s.value != l.value && s.origin != l.origin)
            {
                let at = match self.fs.read(&prev.origin.path) {
                    Some(src) => format!(
                        "{}:{}",
                        prev.origin.path,
                        src.line_col(prev.origin.span.start()).line
                    ),
                    None => prev.origin.path.to_string(),
                };
                let msg = format!(
                    "{id}: {} set to {} by the patch at {at} is overridden with {}; kustomize applies patches in order and the later one wins",
                    l.path, prev.value, l.value
                );
                let (path, span) = (l.origin.path.clone(), l.origin.span);
                self.err(&path, Some(span), "conflict", msg, false);
            }
            seen.insert(key, l);
        }
    }

    fn patch(&mut self, k: &Kust, p: &PatchEntry, rs: &mut Vec<Res>, seen: &mut Seen) {
        let Some(docs) = self.patch_docs(k, p) else {
            return;
        };
        let compiled = match p.target.as_ref().map(transform::Compiled::new) {
            Some(Err(m)) => {
                self.err(&p.file, Some(p.span), "invalid", m, true);
                return;
            }
            Some(Ok(c)) => Some(c),
            None => None,
        };
        let is_json = p.field == PatchField::Json6902
            || (p.field == PatchField::Patches
                && docs.first().is_some_and(|d| d.as_seq().is_some()));
        if is_json {
            let (Some(target), Some(compiled)) = (&p.target, &compiled) else {
                self.err(
                    &p.file,
                    Some(p.span),
                    "invalid",
                    "a JSON 6902 patch needs a target".into(),
                    true,
                );
                return;
            };
            let ops: Vec<N> = docs
                .iter()
                .flat_map(|d| d.as_seq().cloned().unwrap_or_default())
                .collect();
            let mut hit = false;
            for r in rs.iter_mut() {
                if !transform::selects(compiled, r) {
                    continue;
                }
                hit = true;
                let id = format!("{} {}", r.kind(), r.name());
                let leaves: Vec<Leaf> = ops
                    .iter()
                    .filter(|op| matches!(op.str_at(&["op"]), Some("add" | "replace")))
                    .filter_map(|op| {
                        Some(Leaf {
                            id: String::new(),
                            path: pointer_path(op.str_at(&["path"])?),
                            value: op.get("value").map(compact).unwrap_or_default(),
                            origin: op.o.clone()?,
                        })
                    })
                    .collect();
                let mut errs: Vec<(Arc<str>, Span, String)> = Vec::new();
                for op in &ops {
                    if let Err(m) = merge::apply_op(&mut r.obj, op) {
                        let span = op.o.as_ref().map(|o| o.span).unwrap_or(p.span);
                        let path =
                            op.o.as_ref()
                                .map(|o| o.path.clone())
                                .unwrap_or(p.file.clone());
                        errs.push((path, span, format!("JSON patch on {}: {m}", id)));
                    }
                }
                for (path, span, m) in errs {
                    self.err(&path, Some(span), "patch", m, true);
                }
                self.note_conflicts(&id, leaves, seen);
            }
            if !hit {
                self.err(
                    &p.file,
                    Some(p.span),
                    "unmatched-target",
                    format!("patch target {} matches no resource", describe(target)),
                    false,
                );
            }
            return;
        }
        for doc in &docs {
            if doc.as_map().is_none() {
                self.err(
                    &p.file,
                    Some(p.span),
                    "invalid",
                    "a strategic merge patch must be a mapping".into(),
                    true,
                );
                continue;
            }
            let idx: Vec<usize> = match &compiled {
                Some(c) => (0..rs.len())
                    .filter(|&i| transform::selects(c, &rs[i]))
                    .collect(),
                None => {
                    let av = doc.str_at(&["apiVersion"]).unwrap_or("");
                    let kind = doc.str_at(&["kind"]).unwrap_or("");
                    let name = doc.str_at(&["metadata", "name"]).unwrap_or("");
                    let ns = doc.str_at(&["metadata", "namespace"]).unwrap_or("");
                    let found: Vec<usize> = (0..rs.len())
                        .filter(|&i| rs[i].matches_id(av, kind, name, ns))
                        .collect();
                    if found.is_empty() {
                        let span = doc.o.as_ref().map(|o| o.span).unwrap_or(p.span);
                        let file = doc
                            .o
                            .as_ref()
                            .map(|o| o.path.clone())
                            .unwrap_or(p.file.clone());
                        // The target may be in a remote resource that was not fetched:
                        // then this is a note, not an error.
                        let remote = self.unsupported.iter().any(|u| u.starts_with("remote "));
                        self.err(
                            &file,
                            Some(span),
                            if remote { "unsupported" } else { "no-target" },
                            format!(
                                "no resource matches strategic merge patch {kind} {name}{}{}",
                                if ns.is_empty() {
                                    String::new()
                                } else {
                                    format!(" in namespace {ns}")
                                },
                                if remote {
                                    " (its target may be in a remote resource, which is not fetched)"
                                } else {
                                    ""
                                }
                            ),
                            !remote,
                        );
                        continue;
                    }
                    if found.len() > 1 {
                        self.err(
                            &p.file,
                            Some(p.span),
                            "conflict",
                            format!(
                                "strategic merge patch {kind} {name} matches {} resources",
                                found.len()
                            ),
                            true,
                        );
                        continue;
                    }
                    found
                }
            };
            if idx.is_empty() {
                if let Some(t) = &p.target {
                    self.err(
                        &p.file,
                        Some(p.span),
                        "unmatched-target",
                        format!("patch target {} matches no resource", describe(t)),
                        false,
                    );
                }
                continue;
            }
            let mut deleted = Vec::new();
            for i in idx {
                let r = &mut rs[i];
                let smp = merge::is_builtin_group(r.api_version());
                let keep_name = r.obj.path(&["metadata", "name"]).cloned();
                let keep_ns = r.obj.path(&["metadata", "namespace"]).cloned();
                let keep_kind = r.obj.get("kind").cloned();
                let keep_av = r.obj.get("apiVersion").cloned();
                if p.allow_name_change || p.allow_kind_change {
                    let cur = (r.name().to_string(), r.namespace().to_string());
                    if r.history.last() != Some(&cur) {
                        r.history.push(cur);
                    }
                }
                let id = format!("{} {}", r.kind(), r.name());
                let mut leaves = Vec::new();
                smp_leaves(doc, String::new(), 0, &mut leaves);
                if let merge::Merged::Delete = merge::merge(&mut r.obj, doc, smp, "", 0) {
                    deleted.push(i);
                    continue;
                }
                if let Some(a) = keep_av {
                    r.obj.set("apiVersion", a);
                }
                if !p.allow_kind_change
                    && let Some(kd) = keep_kind
                {
                    r.obj.set("kind", kd);
                }
                let meta = r.obj.child_map("metadata", &None);
                if !p.allow_name_change
                    && let Some(n) = keep_name
                {
                    meta.set("name", n);
                }
                match keep_ns {
                    Some(ns) => meta.set("namespace", ns),
                    None => {
                        meta.remove("namespace");
                    }
                }
                self.note_conflicts(&id, leaves, seen);
            }
            for i in deleted.into_iter().rev() {
                rs.remove(i);
            }
        }
    }

    /// Argo CD's inline options, as `kustomize edit` applies them to the top kustomization.
    fn apply_options(&mut self, k: &mut Kust, o: &KustomizeOptions) {
        let Some(app) = &o.application else {
            return;
        };
        let file: Arc<str> = Arc::from(app.path.as_str());
        let org = |s: Span| origin(&file, s, Role::Application);
        if let Some((v, s)) = &o.name_prefix {
            k.name_prefix = Some((v.clone(), org(*s)));
        }
        if let Some((v, s)) = &o.name_suffix {
            k.name_suffix = Some((v.clone(), org(*s)));
        }
        if let Some((v, s)) = &o.namespace {
            k.namespace = Some((v.clone(), org(*s)));
        }
        for (key, v, s) in &o.common_labels {
            k.common_labels.retain(|(kk, _, _)| kk != key);
            k.common_labels.push((key.clone(), v.clone(), org(*s)));
        }
        for (key, v, s) in &o.common_annotations {
            k.common_annotations.retain(|(kk, _, _)| kk != key);
            k.common_annotations.push((key.clone(), v.clone(), org(*s)));
        }
        for (spec, s) in &o.images {
            let img = parse_argo_image(spec, org(*s));
            k.images.retain(|i| i.name != img.name);
            k.images.push(img);
        }
        for (name, count, s) in &o.replicas {
            k.replicas.retain(|r| r.name != *name);
            let count = N::new(
                V::Scalar(count.to_string(), crate::parse::node::Scalar::Int),
                Some(org(*s)),
            );
            k.replicas.push(Replica {
                name: name.clone(),
                count,
                origin: org(*s),
            });
        }
        for (c, s) in &o.components {
            // The component path is relative to the kustomization directory.
            k.components.push(Entry {
                value: c.clone(),
                span: *s,
            });
            let _ = s;
        }
        if !o.patches.is_empty() {
            let mut root_entries = Vec::new();
            for p in &o.patches {
                root_entries.push(p.clone());
            }
            let fake = Node {
                span: Span::new(0, 0),
                value: crate::parse::node::Value::Map(vec![(
                    Node::scalar(
                        "patches",
                        crate::parse::node::Scalar::Str,
                        crate::parse::node::Style::Plain,
                        Span::new(0, 0),
                    ),
                    Node {
                        span: Span::new(0, 0),
                        value: crate::parse::node::Value::Seq(root_entries),
                    },
                )]),
            };
            let extra = Kust::read(app.clone(), &k.dir, &fake);
            for mut p in extra.patches {
                p.role = Role::Application;
                k.patches.push(p);
            }
        }
    }
}

/// A literal or folded block scalar that runs to the end of a file without a final line
/// break has no trailing newline (YAML's clip keeps a line break only when there is one);
/// the parser adds one, so take it off again for the scalar that ends the file.
/// An object's annotations as kustomize writes them: strings, and none at all rather than
/// an empty map.
fn annotations_out(obj: &mut N) {
    let Some(meta) = obj.get_mut("metadata") else {
        return;
    };
    let Some(a) = meta.get_mut("annotations") else {
        return;
    };
    if a.as_map().is_some_and(Vec::is_empty) || a.is_null() {
        meta.remove("annotations");
        return;
    }
    for (_, v) in a.as_map_mut().into_iter().flatten() {
        if let V::Scalar(_, kind) = &mut v.v {
            *kind = Scalar::Str;
        }
    }
}

fn eof_block_scalar(node: &Node, text: &str, n: &mut N) {
    use crate::parse::node::{Style, Value};
    match (&node.value, &mut n.v) {
        (
            Value::Scalar {
                style: Style::Block,
                ..
            },
            V::Scalar(t, _),
        ) if text
            .get(node.span.end()..)
            .is_some_and(|rest| rest.trim().is_empty())
            && t.ends_with('\n') =>
        {
            t.pop();
        }
        (Value::Map(entries), V::Map(m)) => {
            // The last entry of the source is the one that can end the file.
            if let Some((k, v)) = entries.last()
                && let Some(key) = k.key_text()
                && let Some((_, nv)) = m.iter_mut().find(|(kk, _)| kk == key)
            {
                eof_block_scalar(v, text, nv);
            }
        }
        (Value::Seq(items), V::Seq(ns)) => {
            if let (Some(v), Some(nv)) = (items.last(), ns.last_mut()) {
                eof_block_scalar(v, text, nv);
            }
        }
        _ => {}
    }
}

/// Nodes parsed from a rendered chart text: origins through the chart's origin map.
fn remap_rendered(n: &mut N, map: &OriginMap) {
    if let Some(o) = &mut n.o {
        match map.primary(o.span) {
            Some(real) => *o = real.clone(),
            None => o.span = Span::new(0, 0),
        }
    }
    match &mut n.v {
        V::Seq(s) => s.iter_mut().for_each(|x| remap_rendered(x, map)),
        V::Map(m) => m.iter_mut().for_each(|(_, v)| remap_rendered(v, map)),
        V::Scalar(..) => {}
    }
}

/// Fields set by the patches of one kustomization, by (object, field path). Only looked up,
/// never iterated into output.
type Seen = std::collections::HashMap<(String, String), Leaf>;

/// A field a patch set: which object, where, to what, by which line.
struct Leaf {
    id: String,
    path: String,
    value: String,
    origin: crate::render::Origin,
}

/// A JSON pointer written as a strategic-merge leaf path (`/spec/replicas` → `spec.replicas`).
fn pointer_path(p: &str) -> String {
    let mut out = String::new();
    for seg in p.trim_start_matches('/').split('/') {
        let seg = seg.replace("~1", "/").replace("~0", "~");
        if seg.parse::<usize>().is_ok() || seg == "-" {
            out.push_str(&format!("[{seg}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&seg);
        }
    }
    out
}

/// A value as compact text (for conflict notes).
fn compact(n: &N) -> String {
    match &n.v {
        V::Scalar(t, _) => t.clone(),
        V::Seq(s) => format!("[{}]", s.iter().map(compact).collect::<Vec<_>>().join(", ")),
        V::Map(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, v)| format!("{k}: {}", compact(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The fields a strategic merge patch sets, as paths (`spec.template.spec.containers[name=web].image`).
fn smp_leaves(n: &N, path: String, depth: usize, out: &mut Vec<Leaf>) {
    if depth > 64 {
        return;
    }
    match &n.v {
        V::Map(m) => {
            for (k, v) in m {
                if k.starts_with('$') {
                    continue;
                }
                if depth == 0 && (k == "apiVersion" || k == "kind") {
                    continue;
                }
                if depth == 1 && path == "metadata" && (k == "name" || k == "namespace") {
                    continue;
                }
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                smp_leaves(v, p, depth + 1, out);
            }
        }
        V::Seq(items)
            if items.iter().all(|i| i.str_at(&["name"]).is_some()) && !items.is_empty() =>
        {
            for i in items {
                let p = format!("{path}[name={}]", i.str_at(&["name"]).unwrap_or_default());
                smp_leaves(i, p, depth + 1, out);
            }
        }
        _ => {
            if let Some(o) = &n.o {
                out.push(Leaf {
                    id: String::new(),
                    path,
                    value: compact(n),
                    origin: o.clone(),
                });
            }
        }
    }
}

/// Whether `path` lies in or below `dir` (both root-relative, normalized).
pub(super) fn within(dir: &str, path: &str) -> bool {
    dir.is_empty()
        || path
            .strip_prefix(dir)
            .is_some_and(|rest| rest.starts_with('/'))
}

fn describe(t: &kfile::Selector) -> String {
    let mut parts = Vec::new();
    for (k, v) in [
        ("group", &t.group),
        ("version", &t.version),
        ("kind", &t.kind),
        ("name", &t.name),
        ("namespace", &t.namespace),
        ("labelSelector", &t.label_selector),
        ("annotationSelector", &t.annotation_selector),
    ] {
        if let Some(v) = v {
            parts.push(format!("{k}={v}"));
        }
    }
    if parts.is_empty() {
        "(any)".into()
    } else {
        parts.join(",")
    }
}

/// An Argo CD `images:` entry (`kustomize edit set image` syntax).
fn parse_argo_image(spec: &str, o: crate::render::Origin) -> Image {
    let (name, rest) = match spec.split_once('=') {
        Some((n, r)) => (n.to_string(), r.to_string()),
        None => {
            let (n, _, _) = transform::split_image(spec);
            (n.to_string(), spec.to_string())
        }
    };
    let (new_name, tag, digest) = transform::split_image(&rest);
    Image {
        new_name: (new_name != name && !new_name.is_empty()).then(|| new_name.to_string()),
        new_tag: (!tag.is_empty()).then(|| tag.to_string()),
        digest: (!digest.is_empty()).then(|| digest.to_string()),
        tag_suffix: None,
        name,
        origin: o,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argo_cd_image_options_read_as_kustomize_edit_set_image() {
        let o = origin(&Arc::from("app.yaml"), Span::default(), Role::Application);
        let cases = [
            ("nginx:1.27", "nginx", None, Some("1.27"), None),
            (
                "nginx=registry/nginx:1.27",
                "nginx",
                Some("registry/nginx"),
                Some("1.27"),
                None,
            ),
            (
                "nginx=registry/nginx",
                "nginx",
                Some("registry/nginx"),
                None,
                None,
            ),
            (
                "nginx=nginx@sha256:abc",
                "nginx",
                None,
                None,
                Some("sha256:abc"),
            ),
            ("nginx=:1.27", "nginx", None, Some("1.27"), None),
        ];
        for (spec, name, new_name, tag, digest) in cases {
            let i = parse_argo_image(spec, o.clone());
            assert_eq!(
                (
                    i.name.as_str(),
                    i.new_name.as_deref(),
                    i.new_tag.as_deref(),
                    i.digest.as_deref()
                ),
                (name, new_name, tag, digest),
                "{spec}"
            );
        }
    }

    #[test]
    fn json_pointers_read_as_strategic_merge_leaf_paths() {
        let cases = [
            ("/spec/replicas", "spec.replicas"),
            ("/spec/containers/0/image", "spec.containers[0].image"),
            ("/spec/args/-", "spec.args[-]"),
            (
                "/metadata/annotations/a~1b~0c",
                "metadata.annotations.a/b~c",
            ),
            ("/0", "[0]"),
        ];
        for (pointer, path) in cases {
            assert_eq!(pointer_path(pointer), path, "{pointer}");
        }
    }
}
