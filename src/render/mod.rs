//! The render stage: what Argo CD would apply, built in-process.
//!
//! Helm charts are rendered (`helm`) and Kustomize overlays built (`kustomize`) into
//! [`RenderUnit`]s: one per chart or overlay and environment (or per Argo CD Application
//! source). A unit's output is plain YAML text ([`RenderedSource`]) plus an [`OriginMap`]
//! that says, for any byte range of that text, which line of which real file caused it: the
//! values line that supplied a value, the template line that wrote it, the patch or
//! transformer entry that set it, or the base resource line.
//!
//! The pipeline parses each rendered text with the ordinary YAML parser, runs every rule on
//! the objects as if they came from a plain file, and maps each finding back through the
//! origin map (the causing line becomes the primary location, the others related
//! locations). Rules never know an object was rendered.
//!
//! Renderers read the repository through [`Fs`], which never leaves the checked root.
//! This module depends on `source`, `parse::node` and `parse` only; it must not depend on
//! rules, policies, reports or the pipeline.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use crate::source::{SourceFile, Span, normalize_join};

pub mod appofapps;
pub mod command;
pub mod helm;
pub mod kustomize;
pub mod plan;
pub mod stage;

/// What part an origin played in producing a piece of output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// A value from a Helm values file, `--set`, or an Application's inline values.
    Values,
    /// A Kustomize patch (strategic merge or JSON 6902) line that set the field.
    Patch,
    /// A Kustomize transformer entry (`images:`, `replicas:`, `namespace:`, `namePrefix:`...).
    Transformer,
    /// A Kustomize generator entry (`configMapGenerator`, `secretGenerator`).
    Generator,
    /// An Argo CD Application's inline option (kustomize or helm).
    Application,
    /// The Helm template text or action that wrote the output.
    Template,
    /// The base resource line a built object was copied from.
    Base,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Values => "values",
            Role::Patch => "patch",
            Role::Transformer => "transformer",
            Role::Generator => "generator",
            Role::Application => "application",
            Role::Template => "template",
            Role::Base => "base",
        }
    }
}

/// A place in a real repository file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Origin {
    /// Path relative to the checked root, `/`-separated (as [`SourceFile::path`]).
    pub path: Arc<str>,
    pub span: Span,
    pub role: Role,
}

/// Byte ranges of a rendered text mapped to the real lines that caused them.
///
/// Ranges may nest (an object copied from a base, one field of it set by a patch); the
/// innermost range wins for each role. Entries are kept in insertion order and searched
/// linearly: lookups happen once per finding on rendered objects, not per node.
#[derive(Clone, Debug, Default)]
pub struct OriginMap {
    entries: Vec<(Span, Origin)>,
}

impl OriginMap {
    pub fn new() -> Self {
        Self::default()
    }

    /// Record that `range` of the rendered text came from `origin`.
    pub fn push(&mut self, range: Span, origin: Origin) {
        self.entries.push((range, origin));
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Drop the growth slack once the map is complete (it lives until the findings are
    /// remapped).
    pub fn shrink_to_fit(&mut self) {
        self.entries.shrink_to_fit();
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every recorded range, in insertion order.
    pub fn entries(&self) -> &[(Span, Origin)] {
        &self.entries
    }

    /// Shift every range by `delta` bytes (used when texts are concatenated).
    pub fn append_shifted(&mut self, other: &OriginMap, delta: u32) {
        for (r, o) in &other.entries {
            let r = Span {
                start: r.start.saturating_add(delta),
                end: r.end.saturating_add(delta),
            };
            self.entries.push((r, o.clone()));
        }
    }

    /// The origins of the rendered bytes at `span`: for each role, the innermost recorded
    /// range containing `span.start` (ties: the one recorded last). Sorted by role, so the
    /// causing line (values, patch, transformer, generator, application) comes before the
    /// template or base line.
    pub fn lookup(&self, span: Span) -> Vec<&Origin> {
        let mut best: Vec<(&Span, &Origin)> = Vec::new();
        for (r, o) in &self.entries {
            // an empty range (an empty value was written there) holds only its own offset
            let inside = r.start <= span.start && span.start < r.end
                || r.start == r.end && r.start == span.start;
            if !inside {
                continue;
            }
            match best.iter_mut().find(|(_, b)| b.role == o.role) {
                Some(slot) => {
                    if r.end - r.start <= slot.0.end - slot.0.start {
                        *slot = (r, o);
                    }
                }
                None => best.push((r, o)),
            }
        }
        best.sort_by_key(|(_, o)| o.role);
        best.into_iter().map(|(_, o)| o).collect()
    }

    /// The primary location for a finding at `span`: the first origin of [`Self::lookup`].
    pub fn primary(&self, span: Span) -> Option<&Origin> {
        self.lookup(span).into_iter().next()
    }
}

/// One rendered text: a Helm template's output or a built overlay (all its objects).
#[derive(Clone, Debug)]
pub struct RenderedSource {
    /// What `octolint render` prints before this text. For Helm: the `# Source:` path Helm
    /// prints (`web/templates/deployment.yaml`, `web/charts/db/templates/sts.yaml`). For
    /// Kustomize: the kustomization directory. Never used as a finding's path.
    pub name: String,
    /// The real file this output is mostly about (the template, or the kustomization): used
    /// when a finding's span has no recorded origin.
    pub fallback: Arc<str>,
    pub text: String,
    pub origins: OriginMap,
}

/// How a render unit was produced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum UnitKind {
    Helm,
    Kustomize,
}

/// What became of a render unit (the coverage line counts these).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UnitStatus {
    Rendered,
    /// Rendering failed; `errors` say where. Whatever rendered before the failure is kept.
    Failed,
    /// Not renderable here (remote chart or base, plugin): the reason is given.
    Unsupported(String),
}

/// A located problem met while rendering (template parse error, `required`/`fail`, missing
/// resource, patch that matches nothing, cycle...). Becomes a finding at `path:span`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenderError {
    pub path: Arc<str>,
    pub span: Option<Span>,
    pub message: String,
    /// Short machine-readable category (`parse`, `required`, `fail`, `undefined-template`,
    /// `missing-resource`, `no-target`, `unmatched-target` (a `target` selector that matches
    /// nothing: not an error for kustomize), `cycle`, `budget`, `outside-root`...).
    pub code: &'static str,
}

/// One chart or overlay rendered for one environment (or one Argo CD Application).
#[derive(Clone, Debug)]
pub struct RenderUnit {
    pub kind: UnitKind,
    /// The chart or kustomization directory, relative to the root.
    pub dir: Arc<str>,
    pub env: Option<String>,
    /// The namespace objects are deployed to (release namespace, Application destination).
    pub namespace: Option<String>,
    /// The Argo CD Application that defines this unit, if any: its file and span.
    pub application: Option<(Arc<str>, Span)>,
    /// The values files (Helm) or kustomization files (Kustomize) that fed this unit.
    pub inputs: Vec<Arc<str>>,
    pub outputs: Vec<RenderedSource>,
    pub errors: Vec<RenderError>,
    pub status: UnitStatus,
}

/// Read access to the checked repository for renderers, confined to its root.
///
/// Paths are relative to the root, `/`-separated; `..` that would leave the root is refused
/// (returns `None` / empty), as are absolute paths.
pub trait Fs: Sync {
    /// The file's text, or `None` when it is missing, a directory, unreadable, outside the
    /// root, or not UTF-8.
    fn read(&self, rel: &str) -> Option<Arc<SourceFile>>;
    /// The raw bytes of a file (for `.tgz` chart archives and `.Files` content).
    fn read_bytes(&self, rel: &str) -> Option<Vec<u8>>;
    /// Names of the entries directly under a directory, sorted; directories end with `/`.
    fn list(&self, dir: &str) -> Vec<String>;
    fn is_dir(&self, rel: &str) -> bool;
    fn is_file(&self, rel: &str) -> bool;
    /// The YAML documents of a file the parse stage already parsed without error (exactly
    /// what `parse::yaml::parse` gives for its text), so that builders do not parse a file
    /// twice; `None` when there are none to reuse.
    fn docs(&self, _rel: &str) -> Option<&[crate::parse::yaml::YamlDoc]> {
        None
    }
}

/// Resolve `rel` against the root directory of `dir`, refusing anything that would leave
/// the root. Returns the normalized relative path.
pub fn confined_join(dir: &str, rel: &str) -> Option<String> {
    if rel.starts_with('/') || rel.contains('\\') && Path::new(rel).is_absolute() {
        return None;
    }
    let mut depth: i64 = dir
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .count() as i64;
    for seg in rel.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                depth -= 1;
                if depth < 0 {
                    return None;
                }
            }
            _ => depth += 1,
        }
    }
    Some(normalize_join(dir, rel))
}

/// [`Fs`] over a directory on disk. Symbolic links that resolve outside the root are refused.
pub struct DiskFs {
    root: PathBuf,
    canonical_root: Option<PathBuf>,
}

impl DiskFs {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        let root = root.into();
        let canonical_root = std::fs::canonicalize(&root).ok();
        DiskFs {
            root,
            canonical_root,
        }
    }

    fn path(&self, rel: &str) -> Option<PathBuf> {
        let rel = confined_join("", rel)?;
        let p = self.root.join(&rel);
        if Path::new(&rel)
            .components()
            .any(|c| !matches!(c, Component::Normal(_)))
        {
            return None;
        }
        // A link inside the tree may point outside it: refuse that.
        if let (Some(root), Ok(real)) = (&self.canonical_root, std::fs::canonicalize(&p))
            && !real.starts_with(root)
        {
            return None;
        }
        Some(p)
    }
}

impl Fs for DiskFs {
    fn read(&self, rel: &str) -> Option<Arc<SourceFile>> {
        let p = self.path(rel)?;
        let bytes = std::fs::read(&p).ok()?;
        let text = String::from_utf8(bytes).ok()?;
        Some(Arc::new(SourceFile::new(confined_join("", rel)?, p, text)))
    }

    fn read_bytes(&self, rel: &str) -> Option<Vec<u8>> {
        std::fs::read(self.path(rel)?).ok()
    }

    fn list(&self, dir: &str) -> Vec<String> {
        let Some(p) = self.path(dir) else {
            return Vec::new();
        };
        let Ok(rd) = std::fs::read_dir(&p) else {
            return Vec::new();
        };
        let mut out: Vec<String> = rd
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let name = e.file_name().into_string().ok()?;
                let is_dir = e.file_type().ok()?.is_dir()
                    || (e.file_type().ok()?.is_symlink() && e.path().is_dir());
                Some(if is_dir { format!("{name}/") } else { name })
            })
            .collect();
        out.sort();
        out
    }

    fn is_dir(&self, rel: &str) -> bool {
        self.path(rel).is_some_and(|p| p.is_dir())
    }

    fn is_file(&self, rel: &str) -> bool {
        self.path(rel).is_some_and(|p| p.is_file())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin(path: &str, start: u32, role: Role) -> Origin {
        Origin {
            path: Arc::from(path),
            span: Span {
                start,
                end: start + 1,
            },
            role,
        }
    }

    #[test]
    fn lookup_takes_innermost_range_per_role_causing_line_first() {
        let mut m = OriginMap::new();
        m.push(Span::new(0, 100), origin("base.yaml", 1, Role::Base));
        m.push(Span::new(10, 20), origin("base.yaml", 7, Role::Base));
        m.push(Span::new(12, 18), origin("patch.yaml", 3, Role::Patch));
        let got = m.lookup(Span::new(14, 16));
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].path.as_ref(), "patch.yaml");
        assert_eq!(got[1].span.start, 7);
        assert_eq!(m.primary(Span::new(50, 51)).map(|o| o.span.start), Some(1));
        assert!(m.lookup(Span::new(100, 101)).is_empty());
    }

    #[test]
    fn roles_by_name_in_their_order() {
        let roles = [
            (Role::Values, "values"),
            (Role::Patch, "patch"),
            (Role::Transformer, "transformer"),
            (Role::Generator, "generator"),
            (Role::Application, "application"),
            (Role::Template, "template"),
            (Role::Base, "base"),
        ];
        for (r, name) in roles {
            assert_eq!(r.as_str(), name);
        }
        // the causing line sorts before the template or base line
        assert!(roles.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn lookup_bounds_ties_and_empty_ranges() {
        let mut m = OriginMap::new();
        assert!(m.is_empty());
        m.push(Span::new(10, 20), origin("a.yaml", 1, Role::Values));
        // a range holds its start, not its end
        assert_eq!(m.lookup(Span::new(10, 11)).len(), 1);
        assert_eq!(m.lookup(Span::new(19, 20)).len(), 1);
        assert!(m.lookup(Span::new(20, 21)).is_empty());
        assert!(m.lookup(Span::new(9, 12)).is_empty());
        // an empty range holds the offset it sits at
        m.push(Span::new(30, 30), origin("b.yaml", 2, Role::Values));
        assert_eq!(
            m.primary(Span::new(30, 31)).map(|o| o.path.as_ref()),
            Some("b.yaml")
        );
        assert!(m.lookup(Span::new(31, 32)).is_empty());
        // equal sizes: the one recorded last wins
        m.push(Span::new(10, 20), origin("c.yaml", 3, Role::Values));
        assert_eq!(
            m.primary(Span::new(15, 16)).map(|o| o.path.as_ref()),
            Some("c.yaml")
        );
        // a larger range recorded later does not replace a smaller one
        m.push(Span::new(0, 50), origin("d.yaml", 4, Role::Values));
        assert_eq!(
            m.primary(Span::new(15, 16)).map(|o| o.path.as_ref()),
            Some("c.yaml")
        );
        assert_eq!(m.len(), 4);
        assert!(!m.is_empty());
        m.shrink_to_fit();
        assert_eq!(m.entries().len(), 4);
    }

    #[test]
    fn append_shifted_moves_ranges() {
        let mut a = OriginMap::new();
        a.push(Span::new(0, 5), origin("a", 0, Role::Template));
        let mut b = OriginMap::new();
        b.append_shifted(&a, 10);
        assert_eq!(b.entries()[0].0, Span::new(10, 15));
    }

    #[cfg(unix)]
    #[test]
    fn disk_listing_marks_directories_and_links_to_directories() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path();
        std::fs::create_dir_all(root.join("d")).expect("mkdir");
        std::fs::write(root.join("a.yaml"), "a: 1\n").expect("write");
        std::os::unix::fs::symlink("a.yaml", root.join("b.yaml")).expect("symlink");
        std::os::unix::fs::symlink("d", root.join("e")).expect("symlink");
        let fs = DiskFs::new(root);
        assert_eq!(fs.list(""), ["a.yaml", "b.yaml", "d/", "e/"]);
        assert!(fs.is_file("b.yaml") && !fs.is_dir("b.yaml"));
        assert!(fs.is_dir("e") && !fs.is_file("e"));
        assert!(fs.list("missing").is_empty());
    }

    #[test]
    fn confined_join_refuses_escape() {
        assert_eq!(
            confined_join("charts/a", "../b/x").as_deref(),
            Some("charts/b/x")
        );
        assert_eq!(confined_join("charts/a", "../../x").as_deref(), Some("x"));
        assert_eq!(confined_join("charts/a", "../../../x"), None);
        assert_eq!(confined_join("", "/etc/passwd"), None);
        // `.` and empty segments stay where they are: they do not buy a level to climb out of
        assert_eq!(confined_join("charts/a", "./.././../../x"), None);
        assert_eq!(confined_join("charts/a", "..//..//../x"), None);
        assert_eq!(
            confined_join("charts/a", "./../..//x").as_deref(),
            Some("x")
        );
        // a named segment is a level down, so it can be climbed back out of
        assert_eq!(
            confined_join("charts/a", "b/../../../x").as_deref(),
            Some("x")
        );
        assert_eq!(confined_join("charts/a", "b/../../../../x"), None);
        // the directory's own `.` and empty segments are not levels either
        assert_eq!(confined_join("./charts/", "../x").as_deref(), Some("x"));
        assert_eq!(confined_join("./charts/", "../../x"), None);
        // a backslash is an ordinary character of a relative name here
        assert_eq!(confined_join("", "a\\b").as_deref(), Some("a\\b"));
    }
}
