//! A kustomization file read into typed entries, each with the span it came from, and
//! inline texts (patches written in the kustomization) mapped back onto the file.

use std::sync::Arc;

use crate::parse::node::{Node, Style, Value};
use crate::render::{Origin, Role};
use crate::source::{SourceFile, Span};

use super::tree::{N, origin};

/// A string entry of a kustomization (a resource path, a component...).
#[derive(Clone, Debug)]
pub struct Entry {
    pub value: String,
    pub span: Span,
}

/// A `target` selector.
#[derive(Clone, Debug, Default)]
pub struct Selector {
    pub group: Option<String>,
    pub version: Option<String>,
    pub kind: Option<String>,
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub label_selector: Option<String>,
    pub annotation_selector: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatchField {
    Patches,
    StrategicMerge,
    Json6902,
}

/// Where a patch's text is.
#[derive(Clone, Debug)]
pub enum PatchSrc {
    /// A file path (relative to the kustomization's directory).
    Path(Entry),
    /// Text written in the kustomization: the text and how its offsets map to the file.
    Inline(InlineText),
}

#[derive(Clone, Debug)]
pub struct PatchEntry {
    pub field: PatchField,
    pub src: PatchSrc,
    pub target: Option<Selector>,
    pub allow_name_change: bool,
    pub allow_kind_change: bool,
    /// The whole entry in its file (for errors).
    pub span: Span,
    /// The file the entry is written in (a kustomization, or an Argo CD Application).
    pub file: Arc<str>,
    pub role: Role,
}

#[derive(Clone, Debug)]
pub struct Image {
    pub name: String,
    pub new_name: Option<String>,
    pub new_tag: Option<String>,
    pub digest: Option<String>,
    pub tag_suffix: Option<String>,
    pub origin: Origin,
}

#[derive(Clone, Debug)]
pub struct Replica {
    pub name: String,
    pub count: N,
    pub origin: Origin,
}

#[derive(Clone, Debug)]
pub struct LabelSet {
    pub pairs: Vec<(String, String, Origin)>,
    pub include_selectors: bool,
    pub include_templates: bool,
}

#[derive(Clone, Debug, Default)]
pub struct GenOptions {
    pub labels: Vec<(String, String, Origin)>,
    pub annotations: Vec<(String, String, Origin)>,
    pub disable_hash: Option<bool>,
    pub immutable: Option<bool>,
}

#[derive(Clone, Debug)]
pub struct Generator {
    pub kind: &'static str,
    pub name: String,
    pub namespace: Option<String>,
    pub behavior: String,
    pub literals: Vec<Entry>,
    pub files: Vec<Entry>,
    pub envs: Vec<Entry>,
    pub secret_type: Option<String>,
    pub options: GenOptions,
    pub origin: Origin,
}

/// A `helmCharts` entry.
#[derive(Clone, Debug)]
pub struct HelmChart {
    pub name: String,
    pub version: Option<String>,
    pub release_name: Option<String>,
    pub namespace: Option<String>,
    pub values_file: Option<String>,
    pub values_inline: bool,
    /// `helmGlobals.chartHome` (default `charts`), relative to the kustomization.
    pub chart_home: String,
    pub span: Span,
}

/// A kustomization, typed.
#[derive(Clone, Debug)]
pub struct Kust {
    pub file: Arc<str>,
    pub src: Arc<SourceFile>,
    pub dir: String,
    pub is_component: bool,
    pub resources: Vec<Entry>,
    pub components: Vec<Entry>,
    pub namespace: Option<(String, Origin)>,
    pub name_prefix: Option<(String, Origin)>,
    pub name_suffix: Option<(String, Origin)>,
    pub common_labels: Vec<(String, String, Origin)>,
    pub labels: Vec<LabelSet>,
    pub common_annotations: Vec<(String, String, Origin)>,
    pub images: Vec<Image>,
    pub replicas: Vec<Replica>,
    pub patches: Vec<PatchEntry>,
    pub generators: Vec<Generator>,
    pub gen_options: GenOptions,
    pub sort_fifo: bool,
    pub order_first: Option<Vec<String>>,
    pub order_last: Option<Vec<String>>,
    /// `helmCharts` entries (charts must be present under the chart home; nothing is pulled).
    pub helm_charts: Vec<HelmChart>,
    /// `replacements` entries, in order.
    pub replacements: Vec<super::replacements::Entry>,
    /// Entries octolint does not build (plugins, remote...): (key span, what).
    pub unsupported: Vec<(Span, String)>,
    /// Entries malformed: (span, message).
    pub invalid: Vec<(Span, String)>,
}

/// Text written inside a file (an inline patch) and the map from its offsets to the file.
#[derive(Clone, Debug)]
pub struct InlineText {
    pub text: String,
    /// The scalar's span in the file (fallback origin).
    pub span: Span,
    /// (offset in `text` of a line start, offset in the file of that line's first byte).
    pub lines: Vec<(usize, usize)>,
}

impl InlineText {
    /// Map a span of `text` to a span of the file.
    pub fn map(&self, s: Span) -> Span {
        let find = |x: usize| -> Option<usize> {
            let i = match self.lines.binary_search_by_key(&x, |l| l.0) {
                Ok(i) => i,
                Err(0) => return None,
                Err(i) => i - 1,
            };
            let (t, f) = self.lines[i];
            Some(f + (x - t))
        };
        match (
            find(s.start()),
            find(s.end().saturating_sub(1).max(s.start())),
        ) {
            (Some(a), Some(b)) => Span::new(a, b + 1),
            _ => self.span,
        }
    }

    /// The inline text of a scalar node of `file`.
    pub fn of(file: &SourceFile, node: &Node) -> InlineText {
        let text = node.key_text().unwrap_or_default().to_string();
        let mut lines = Vec::new();
        let is_block = matches!(
            node.value,
            Value::Scalar {
                style: Style::Block,
                ..
            }
        );
        if is_block {
            let ftext = &file.text;
            let mut pos = node.span.start().min(ftext.len());
            let end = (node.span.end() + 1).min(ftext.len());
            let mut off = 0usize;
            let mut ok = true;
            for line in text.split('\n') {
                if !line.is_empty() {
                    match ftext.get(pos..end).and_then(|hay| hay.find(line)) {
                        Some(i) => {
                            lines.push((off, pos + i));
                            pos += i + line.len();
                        }
                        None => {
                            ok = false;
                            break;
                        }
                    }
                }
                off += line.len() + 1;
            }
            if !ok {
                lines.clear();
            }
        }
        InlineText {
            text,
            span: node.span,
            lines,
        }
    }
}

/// Convert a node parsed from an inline text, mapping spans onto the real file.
pub fn convert_inline(node: &Node, it: &InlineText, file: &Arc<str>, role: Role) -> N {
    let mut n = N::from_node(node, file, role);
    remap(&mut n, it);
    n
}

fn remap(n: &mut N, it: &InlineText) {
    if let Some(o) = &mut n.o {
        o.span = it.map(o.span);
    }
    match &mut n.v {
        super::tree::V::Seq(s) => s.iter_mut().for_each(|x| remap(x, it)),
        super::tree::V::Map(m) => m.iter_mut().for_each(|(_, v)| remap(v, it)),
        _ => {}
    }
}

fn str_of(n: &Node) -> Option<String> {
    match &n.value {
        Value::Scalar { text, .. } if !n.is_null() => Some(text.to_string()),
        _ => None,
    }
}

fn entries(n: Option<&Node>, invalid: &mut Vec<(Span, String)>, what: &str) -> Vec<Entry> {
    let Some(n) = n else { return Vec::new() };
    if n.is_null() {
        return Vec::new();
    }
    let Some(items) = n.as_seq() else {
        invalid.push((n.span, format!("`{what}` must be a list")));
        return Vec::new();
    };
    let mut out = Vec::new();
    for i in items {
        match str_of(i) {
            Some(v) => out.push(Entry {
                value: v,
                span: i.span,
            }),
            None => invalid.push((i.span, format!("`{what}` entries must be strings"))),
        }
    }
    out
}

fn pairs(n: Option<&Node>, file: &Arc<str>, role: Role) -> Vec<(String, String, Origin)> {
    let mut out = Vec::new();
    if let Some(m) = n.and_then(Node::as_map) {
        for (k, v) in m {
            let key = k.key_text().unwrap_or_default().to_string();
            let val = str_of(v).unwrap_or_default();
            out.push((key, val, origin(file, k.span.cover(v.span), role)));
        }
    }
    out
}

/// A `target`/`select`/`reject` selector entry.
pub(super) fn selector(n: &Node) -> Selector {
    let s = |k: &str| n.get(k).and_then(str_of);
    Selector {
        group: s("group"),
        version: s("version"),
        kind: s("kind"),
        name: s("name"),
        namespace: s("namespace"),
        label_selector: s("labelSelector"),
        annotation_selector: s("annotationSelector"),
    }
}

fn gen_options(n: Option<&Node>, file: &Arc<str>) -> GenOptions {
    let Some(n) = n else {
        return GenOptions::default();
    };
    GenOptions {
        labels: pairs(n.get("labels"), file, Role::Generator),
        annotations: pairs(n.get("annotations"), file, Role::Generator),
        disable_hash: n.get("disableNameSuffixHash").and_then(Node::as_bool),
        immutable: n.get("immutable").and_then(Node::as_bool),
    }
}

/// Whether a resource or component entry names something remote.
pub fn is_remote(s: &str) -> bool {
    s.contains("://")
        || s.starts_with("github.com/")
        || s.starts_with("gitlab.com/")
        || s.starts_with("bitbucket.org/")
        || s.starts_with("git::")
        || s.starts_with("git@")
        || s.contains("?ref=")
        || s.contains(".git//")
}

impl Kust {
    /// Read a parsed kustomization. `root` must be a mapping.
    pub fn read(src: Arc<SourceFile>, dir: &str, root: &Node) -> Kust {
        let file: Arc<str> = Arc::from(src.path.as_str());
        let mut k = Kust {
            file: file.clone(),
            src: src.clone(),
            dir: dir.to_string(),
            is_component: root.get("kind").and_then(Node::as_str) == Some("Component"),
            resources: Vec::new(),
            components: Vec::new(),
            namespace: None,
            name_prefix: None,
            name_suffix: None,
            common_labels: Vec::new(),
            labels: Vec::new(),
            common_annotations: Vec::new(),
            images: Vec::new(),
            replicas: Vec::new(),
            patches: Vec::new(),
            generators: Vec::new(),
            gen_options: GenOptions::default(),
            sort_fifo: false,
            order_first: None,
            order_last: None,
            helm_charts: Vec::new(),
            replacements: Vec::new(),
            unsupported: Vec::new(),
            invalid: Vec::new(),
        };
        let t = |n: &Node| origin(&file, n.span, Role::Transformer);
        let mut invalid = Vec::new();
        k.resources = entries(root.get("resources"), &mut invalid, "resources");
        k.resources
            .extend(entries(root.get("bases"), &mut invalid, "bases"));
        k.components = entries(root.get("components"), &mut invalid, "components");
        for (key, field) in [("namespace", 0), ("namePrefix", 1), ("nameSuffix", 2)] {
            if let Some((kn, v)) = root.entry(key)
                && let Some(s) = str_of(v)
            {
                let val = Some((s, t(&Node::null(kn.span.cover(v.span)))));
                match field {
                    0 => k.namespace = val,
                    1 => k.name_prefix = val,
                    _ => k.name_suffix = val,
                }
            }
        }
        k.common_labels = pairs(root.get("commonLabels"), &file, Role::Transformer);
        k.common_annotations = pairs(root.get("commonAnnotations"), &file, Role::Transformer);
        for l in root.get("labels").map(|n| n.items()).into_iter().flatten() {
            k.labels.push(LabelSet {
                pairs: pairs(l.get("pairs"), &file, Role::Transformer),
                include_selectors: l
                    .get("includeSelectors")
                    .and_then(Node::as_bool)
                    .unwrap_or(false),
                include_templates: l
                    .get("includeTemplates")
                    .and_then(Node::as_bool)
                    .unwrap_or(false),
            });
        }
        for i in root.get("images").map(|n| n.items()).into_iter().flatten() {
            let s = |key: &str| i.get(key).and_then(str_of);
            match s("name") {
                Some(name) => k.images.push(Image {
                    name,
                    new_name: s("newName"),
                    new_tag: s("newTag"),
                    digest: s("digest"),
                    tag_suffix: s("tagSuffix"),
                    origin: t(i),
                }),
                None => invalid.push((i.span, "an `images` entry needs a name".into())),
            }
        }
        for r in root
            .get("replicas")
            .map(|n| n.items())
            .into_iter()
            .flatten()
        {
            match (r.get("name").and_then(str_of), r.get("count")) {
                (Some(name), Some(c)) => {
                    let mut count = N::from_node(c, &file, Role::Transformer);
                    count.o = Some(t(r));
                    k.replicas.push(Replica {
                        name,
                        count,
                        origin: t(r),
                    })
                }
                _ => invalid.push((r.span, "a `replicas` entry needs name and count".into())),
            }
        }
        k.read_patches(root, &mut invalid);
        k.gen_options = gen_options(root.get("generatorOptions"), &file);
        for (key, kind) in [
            ("configMapGenerator", "ConfigMap"),
            ("secretGenerator", "Secret"),
        ] {
            for g in root.get(key).map(|n| n.items()).into_iter().flatten() {
                let s = |key: &str| g.get(key).and_then(str_of);
                let Some(name) = s("name") else {
                    invalid.push((g.span, format!("a `{key}` entry needs a name")));
                    continue;
                };
                k.generators.push(Generator {
                    kind,
                    name,
                    namespace: s("namespace"),
                    behavior: s("behavior").unwrap_or_else(|| "create".into()),
                    literals: entries(g.get("literals"), &mut invalid, "literals"),
                    files: entries(g.get("files"), &mut invalid, "files"),
                    envs: {
                        let mut e = entries(g.get("envs"), &mut invalid, "envs");
                        if let Some(env) = g.get("env")
                            && let Some(v) = str_of(env)
                        {
                            e.push(Entry {
                                value: v,
                                span: env.span,
                            });
                        }
                        e
                    },
                    secret_type: s("type"),
                    options: gen_options(g.get("options"), &file),
                    origin: origin(&file, g.span, Role::Generator),
                });
            }
        }
        if let Some(so) = root.get("sortOptions") {
            match so.get("order").and_then(str_of).as_deref() {
                Some("fifo") => k.sort_fifo = true,
                _ => {
                    let list = |key: &str| {
                        so.path(&["legacySortOptions", key])
                            .map(|n| n.items().filter_map(str_of).collect::<Vec<String>>())
                    };
                    k.order_first = list("orderFirst");
                    k.order_last = list("orderLast");
                }
            }
        }
        for key in [
            "generators",
            "transformers",
            "validators",
            "helmChartInflationGenerator",
            "vars",
            "configurations",
            "crds",
            "openapi",
        ] {
            if let Some((kn, v)) = root.entry(key)
                && !v.is_null()
                && !(v.as_seq().is_some_and(|s| s.is_empty()))
            {
                k.unsupported.push((kn.span.cover(v.span), key.to_string()));
            }
        }
        if let Some(list) = root.get("replacements") {
            k.replacements = super::replacements::entries(list, &file, &mut invalid);
        }
        let home = root
            .path(&["helmGlobals", "chartHome"])
            .and_then(str_of)
            .unwrap_or_else(|| "charts".into());
        for h in root
            .get("helmCharts")
            .map(|n| n.items())
            .into_iter()
            .flatten()
        {
            let s = |key: &str| h.get(key).and_then(str_of);
            let Some(name) = s("name") else {
                invalid.push((h.span, "a `helmCharts` entry needs a name".into()));
                continue;
            };
            k.helm_charts.push(HelmChart {
                name,
                version: s("version"),
                release_name: s("releaseName"),
                namespace: s("namespace"),
                values_file: s("valuesFile"),
                values_inline: h.get("valuesInline").is_some_and(|v| !v.is_null()),
                chart_home: home.clone(),
                span: h.span,
            });
        }
        k.invalid = invalid;
        k
    }

    fn read_patches(&mut self, root: &Node, invalid: &mut Vec<(Span, String)>) {
        let file = self.file.clone();
        let src = self.src.clone();
        let inline_or_path = |n: &Node| -> PatchSrc {
            let text = n.key_text().unwrap_or_default();
            let multi = text.contains('\n')
                || text.trim_start().starts_with('[')
                || text.trim_start().starts_with('{');
            if multi {
                PatchSrc::Inline(InlineText::of(&src, n))
            } else {
                PatchSrc::Path(Entry {
                    value: text.to_string(),
                    span: n.span,
                })
            }
        };
        let opts = |p: &Node, key: &str| {
            p.path(&["options", key])
                .and_then(Node::as_bool)
                .unwrap_or(false)
        };
        for p in root
            .get("patchesStrategicMerge")
            .map(|n| n.items())
            .into_iter()
            .flatten()
        {
            if str_of(p).is_none() {
                invalid.push((
                    p.span,
                    "`patchesStrategicMerge` entries must be strings".into(),
                ));
                continue;
            }
            self.patches.push(PatchEntry {
                field: PatchField::StrategicMerge,
                src: inline_or_path(p),
                target: None,
                allow_name_change: false,
                allow_kind_change: false,
                span: p.span,
                file: file.clone(),
                role: Role::Patch,
            });
        }
        for (key, field) in [
            ("patches", PatchField::Patches),
            ("patchesJson6902", PatchField::Json6902),
        ] {
            for p in root.get(key).map(|n| n.items()).into_iter().flatten() {
                if p.as_map().is_none() {
                    invalid.push((
                        p.span,
                        format!("`{key}` entries must be mappings with path or patch"),
                    ));
                    continue;
                }
                let srcv = if let Some(t) = p.get("patch") {
                    PatchSrc::Inline(InlineText::of(&src, t))
                } else if let Some(path) = p.get("path").and_then(str_of) {
                    PatchSrc::Path(Entry {
                        value: path,
                        span: p.get("path").map(|n| n.span).unwrap_or(p.span),
                    })
                } else {
                    invalid.push((p.span, format!("a `{key}` entry needs path or patch")));
                    continue;
                };
                self.patches.push(PatchEntry {
                    field,
                    src: srcv,
                    target: p.get("target").map(selector),
                    allow_name_change: opts(p, "allowNameChange"),
                    allow_kind_change: opts(p, "allowKindChange"),
                    span: p.span,
                    file: file.clone(),
                    role: Role::Patch,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_text_spans_map_line_by_line_into_the_file() {
        // two lines of text: the first at file offset 100, the second at 200
        let it = InlineText {
            text: "abcdefghi\nklmnopq\n".into(),
            span: Span::new(90, 220),
            lines: vec![(0, 100), (10, 200)],
        };
        for (s, want) in [
            // within a line: the same distance from its start, end included
            (Span::new(2, 5), Span::new(102, 105)),
            (Span::new(12, 15), Span::new(202, 205)),
            // a line's first byte
            (Span::new(10, 11), Span::new(200, 201)),
            // across lines: from the first line to the second
            (Span::new(8, 13), Span::new(108, 203)),
            // an empty span covers the byte it sits on
            (Span::new(4, 4), Span::new(104, 105)),
        ] {
            assert_eq!(it.map(s), want, "{s:?}");
        }
        // before the first recorded line: the whole scalar
        let late = InlineText {
            lines: vec![(5, 100)],
            ..it.clone()
        };
        assert_eq!(late.map(Span::new(1, 2)), Span::new(90, 220));
    }

    #[test]
    fn a_block_scalars_lines_are_found_in_the_file_up_to_its_last_byte() {
        for text in ["patch: |\n  a: 1\n  bb: 2\n", "patch: |-\n  a: 1\n  bb: 2"] {
            let file = SourceFile::new("k.yaml", std::path::PathBuf::from("k.yaml"), text.into());
            let parsed = crate::parse::yaml::parse(text);
            let node = parsed.docs[0].root.get("patch").expect("patch");
            let it = InlineText::of(&file, node);
            let a = text.find("a: 1").expect("a");
            let b = text.find("bb: 2").expect("b");
            assert_eq!(it.lines, [(0, a), (5, b)], "{text:?}");
            assert_eq!(it.map(Span::new(5, 10)), Span::new(b, b + 5), "{text:?}");
        }
    }

    #[test]
    fn remote_resources_by_table() {
        for (s, want) in [
            ("https://example.com/app.yaml", true),
            ("ssh://git@example.com/repo.git", true),
            ("github.com/org/repo//deploy", true),
            ("gitlab.com/org/repo/deploy", true),
            ("bitbucket.org/org/repo", true),
            ("git::https://example.com/repo", true),
            ("git@github.com:org/repo.git", true),
            ("example.com/repo/deploy?ref=v1", true),
            ("example.com/repo.git//deploy", true),
            ("../base", false),
            ("deploy/github.com/x.yaml", false),
            ("gitlab.com.yaml", false),
            ("bitbucket.org", false),
            ("gitops/app.yaml", false),
            ("refs.yaml", false),
            ("app.git/x.yaml", false),
        ] {
            assert_eq!(is_remote(s), want, "{s}");
        }
    }
}
