//! Kustomize `replacements` (kustomize v5): copy a field of one object (the source) into
//! fields of others (the targets), after the kustomization's other transformers.
//!
//! ```yaml
//! replacements:
//!   - source: {kind: ConfigMap, name: settings, fieldPath: data.TAG, options: {delimiter: ':', index: 1}}
//!     targets:
//!       - select: {kind: Deployment}
//!         reject: [{name: legacy}]
//!         fieldPaths: [spec.template.spec.containers.[name=web].image]
//!         options: {delimiter: ':', index: 1, create: false}
//!   - path: replacements.yaml      # a file holding one replacement or a list of them
//! ```
//!
//! As kustomize does: the source selector must match exactly one object (by its current or a
//! previous id); select and reject match group, version, kind, name and namespace exactly
//! (and `labelSelector` / `annotationSelector`); field paths are `.`-separated keys with
//! `[key=value]` list elements, `*` for every element and numeric indexes; a target field
//! that does not exist is an error unless `create: true`. A scalar target keeps its type and
//! takes the value's text; a map or list target is replaced by a copy of the value. The
//! replaced field's origin is the `fieldPaths` entry that wrote it (a transformer line).

use std::sync::Arc;

use crate::parse::node::{Node, Scalar};
use crate::render::{Fs, Origin, Role, confined_join};
use crate::source::Span;

use super::kfile::Selector;
use super::transform::{Res, label_selector_matches};
use super::tree::{N, V, origin, plain_kind};

/// Most replacements read from one kustomization (bounded work).
const MAX_REPLACEMENTS: usize = 1000;

/// A `replacements` entry as written: inline, or a `path:` to a file of them.
#[derive(Clone, Debug)]
pub enum Entry {
    Inline(Box<Replacement>),
    Path { path: String, span: Span },
}

/// One replacement.
#[derive(Clone, Debug)]
pub struct Replacement {
    pub source: Option<Source>,
    /// `sourceValue`: a literal instead of a source object.
    pub source_value: Option<String>,
    pub targets: Vec<Target>,
    /// The file the replacement is written in and its span there.
    pub file: Arc<str>,
    pub span: Span,
}

#[derive(Clone, Debug, Default)]
pub struct Source {
    pub sel: Selector,
    pub field_path: String,
    pub delimiter: Option<String>,
    pub index: i64,
}

#[derive(Clone, Debug)]
pub struct Target {
    pub select: Option<Selector>,
    pub reject: Vec<Selector>,
    /// Each field path and its span.
    pub field_paths: Vec<(String, Span)>,
    pub delimiter: Option<String>,
    pub index: i64,
    pub create: bool,
    pub span: Span,
}

fn text(n: &Node) -> Option<String> {
    n.key_text().filter(|_| !n.is_null()).map(str::to_string)
}

/// The `replacements:` entries of a kustomization (`None` when it has none); malformed
/// entries are returned as (span, message).
pub fn entries(list: &Node, file: &Arc<str>, invalid: &mut Vec<(Span, String)>) -> Vec<Entry> {
    let mut out = Vec::new();
    for item in list.items() {
        match item.get("path").and_then(text) {
            Some(path) => {
                if item.get("source").is_some() || item.get("targets").is_some() {
                    invalid.push((
                        item.span,
                        "cannot specify both path and inline replacement".into(),
                    ));
                    continue;
                }
                out.push(Entry::Path {
                    path,
                    span: item.span,
                });
            }
            None => match parse(item, file) {
                Ok(r) => out.push(Entry::Inline(Box::new(r))),
                Err(m) => invalid.push((item.span, m)),
            },
        }
    }
    out
}

/// One replacement from its node in `file`.
pub fn parse(n: &Node, file: &Arc<str>) -> Result<Replacement, String> {
    if n.as_map().is_none() {
        return Err("a replacement must be a mapping".into());
    }
    let source = n.get("source").map(|s| Source {
        sel: super::kfile::selector(s),
        field_path: s
            .get("fieldPath")
            .and_then(text)
            .unwrap_or_else(|| "metadata.name".into()),
        delimiter: s.path(&["options", "delimiter"]).and_then(text),
        index: s
            .path(&["options", "index"])
            .and_then(Node::as_i64)
            .unwrap_or(0),
    });
    let source_value = n.get("sourceValue").and_then(text);
    if source.is_none() && source_value.is_none() {
        return Err("a replacement needs a `source` (or `sourceValue`)".into());
    }
    let mut targets = Vec::new();
    for t in n.get("targets").into_iter().flat_map(Node::items) {
        let mut field_paths: Vec<(String, Span)> = t
            .get("fieldPaths")
            .into_iter()
            .flat_map(Node::items)
            .filter_map(|f| Some((text(f)?, f.span)))
            .collect();
        if field_paths.is_empty() {
            field_paths.push(("metadata.name".into(), t.span));
        }
        targets.push(Target {
            select: t.get("select").map(super::kfile::selector),
            reject: t
                .get("reject")
                .into_iter()
                .flat_map(Node::items)
                .map(super::kfile::selector)
                .collect(),
            field_paths,
            delimiter: t.path(&["options", "delimiter"]).and_then(text),
            index: t
                .path(&["options", "index"])
                .and_then(Node::as_i64)
                .unwrap_or(0),
            create: t.path(&["options", "create"]).and_then(Node::as_bool) == Some(true),
            span: t.span,
        });
    }
    Ok(Replacement {
        source,
        source_value,
        targets,
        file: file.clone(),
        span: n.span,
    })
}

/// The replacements of `entries`, `path:` files read from `dir` through `fs`. Problems are
/// returned as (file, span, message).
pub fn load(
    fs: &dyn Fs,
    dir: &str,
    file: &Arc<str>,
    entries: &[Entry],
    problems: &mut Vec<(Arc<str>, Span, String)>,
) -> Vec<Replacement> {
    let mut out = Vec::new();
    for e in entries {
        match e {
            Entry::Inline(r) => out.push((**r).clone()),
            Entry::Path { path, span } => {
                let Some(rel) = confined_join(dir, path) else {
                    problems.push((
                        file.clone(),
                        *span,
                        format!("replacement file {path} is outside the repository"),
                    ));
                    continue;
                };
                let Some(src) = fs.read(&rel) else {
                    problems.push((
                        file.clone(),
                        *span,
                        format!("replacement file {rel} not found"),
                    ));
                    continue;
                };
                let rfile: Arc<str> = Arc::from(src.path.as_str());
                let parsed = crate::parse::yaml::parse(&src.text);
                if let Some(err) = &parsed.error {
                    problems.push((
                        rfile.clone(),
                        Span::new(err.offset, err.offset),
                        format!("replacement file is not valid YAML: {}", err.message),
                    ));
                    continue;
                }
                // Kustomize reads the first document only, and refuses an empty one.
                let root = match parsed.docs.first().map(|d| &d.root) {
                    Some(root) if !root.is_null() => root,
                    _ => {
                        problems.push((
                            file.clone(),
                            *span,
                            format!("replacement file {rel} holds no replacement"),
                        ));
                        continue;
                    }
                };
                let items: Vec<&Node> = match root.as_seq() {
                    Some(s) => s.iter().collect(),
                    None => vec![root],
                };
                for item in items {
                    match parse(item, &rfile) {
                        Ok(r) => out.push(r),
                        Err(m) => problems.push((rfile.clone(), item.span, m)),
                    }
                }
            }
        }
        if out.len() > MAX_REPLACEMENTS {
            problems.push((
                file.clone(),
                Span::default(),
                format!("more than {MAX_REPLACEMENTS} replacements"),
            ));
            out.truncate(MAX_REPLACEMENTS);
            break;
        }
    }
    out
}

/// Apply the replacements of kustomization `k` (after its other transformers). Returns the
/// problems as (file, span, message); kustomize fails the build on each.
pub fn run(fs: &dyn Fs, k: &super::kfile::Kust, rs: &mut [Res]) -> Vec<(Arc<str>, Span, String)> {
    let mut problems = Vec::new();
    for r in load(fs, &k.dir, &k.file, &k.replacements, &mut problems) {
        if let Err((span, m)) = apply(rs, &r) {
            problems.push((r.file.clone(), span, m));
        }
    }
    problems
}

/// A step of a field path.
#[derive(Debug, PartialEq)]
enum Seg {
    Key(String),
    /// `[key=value]` (`key` empty: a list of scalars, matched by value). A source matches
    /// the value exactly; a target matches it as an unanchored regular expression, as
    /// kustomize does (`[name=web]` selects `web` and `web-proxy`).
    Match(String, String, Pattern),
    All,
    Index(usize),
}

/// The compiled form of a `[key=value]` value for targets (`None`: not a valid regular
/// expression).
#[derive(Debug)]
struct Pattern(Option<regex::Regex>);

impl PartialEq for Pattern {
    fn eq(&self, other: &Pattern) -> bool {
        self.0.as_ref().map(regex::Regex::as_str) == other.0.as_ref().map(regex::Regex::as_str)
    }
}

/// Split a field path on `.` outside brackets (`a.[name=x.y].b`).
fn segments(path: &str) -> Vec<Seg> {
    let mut parts = Vec::new();
    let (mut depth, mut cur) = (0usize, String::new());
    for c in path.chars() {
        match c {
            '[' => {
                depth += 1;
                cur.push(c);
            }
            ']' => {
                depth = depth.saturating_sub(1);
                cur.push(c);
            }
            '.' if depth == 0 => parts.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    parts.push(cur);
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .map(|p| {
            if let Some(inner) = p.strip_prefix('[').and_then(|s| s.strip_suffix(']'))
                && let Some((k, v)) = inner.split_once('=')
            {
                return Seg::Match(
                    k.to_string(),
                    v.to_string(),
                    Pattern(regex::Regex::new(v).ok()),
                );
            }
            if p == "*" {
                return Seg::All;
            }
            match p.parse::<usize>() {
                Ok(i) => Seg::Index(i),
                Err(_) => Seg::Key(p),
            }
        })
        .collect()
}

/// The text `[k=…]` compares in an element: the element itself when `k` is empty, else its
/// field `k`.
fn element_text<'n>(n: &'n N, k: &str) -> Option<&'n str> {
    if k.is_empty() {
        n.text()
    } else {
        n.get(k).and_then(N::text)
    }
}

/// The node at `segs` below `n` (the first match of `[k=v]`).
fn lookup<'n>(n: &'n N, segs: &[Seg]) -> Option<&'n N> {
    let Some((first, rest)) = segs.split_first() else {
        return Some(n);
    };
    let next = match first {
        Seg::Key(k) => n.get(k),
        Seg::Match(k, v, _) => n
            .as_seq()?
            .iter()
            .find(|e| element_text(e, k) == Some(v.as_str())),
        // kustomize reads a source path with no wildcard, and a number only indexes a list.
        Seg::All => None,
        Seg::Index(i) => n.as_seq()?.get(*i),
    }?;
    lookup(next, rest)
}

/// What `f` is given at the end of a path: the node, and whether the walk created it.
type Leaf<'f> = dyn FnMut(&mut N, bool) -> Result<(), String> + 'f;

/// Call `f` on every node at `segs` below `n`, creating what is missing when `create` (the
/// last one as a null scalar), as kustomize's path matcher walks a target. Returns how many
/// nodes `f` saw.
fn visit(
    n: &mut N,
    segs: &[Seg],
    create: bool,
    o: &Option<Origin>,
    f: &mut Leaf,
) -> Result<usize, String> {
    walk(n, false, segs, create, o, f)
}

fn walk(
    n: &mut N,
    created: bool,
    segs: &[Seg],
    create: bool,
    o: &Option<Origin>,
    f: &mut Leaf,
) -> Result<usize, String> {
    let Some((first, rest)) = segs.split_first() else {
        f(n, created)?;
        return Ok(1);
    };
    // What to create for a missing step: a list when a list step follows, else a map (a
    // null scalar at the end).
    let fresh = |rest: &[Seg]| match rest.first() {
        None => N::null(o.clone()),
        Some(Seg::Match(..) | Seg::All | Seg::Index(_)) => N::new(V::Seq(Vec::new()), o.clone()),
        Some(Seg::Key(_)) => N::map(o.clone()),
    };
    // A null met on the way (`nodeSelector: ~`): kustomize walks it as an empty map or list
    // and creates below it, but what it creates there never reaches the output.
    if n.is_null() {
        if !create {
            return Ok(0);
        }
        let mut scratch = match first {
            Seg::Key(_) => N::map(None),
            _ => N::new(V::Seq(Vec::new()), None),
        };
        return walk(&mut scratch, true, segs, create, o, &mut |_, _| Ok(()));
    }
    match first {
        Seg::Key(k) => {
            let mut made = false;
            if n.get(k).is_none() {
                if !create || n.as_map().is_none() {
                    return Ok(0);
                }
                n.set(k, fresh(rest));
                made = true;
            }
            match n.get_mut(k) {
                Some(c) => walk(c, made, rest, create, o, f),
                None => Ok(0),
            }
        }
        Seg::Match(k, v, Pattern(re)) => {
            let Some(re) = re else {
                return Err(format!("invalid regular expression `{v}` in `[{k}={v}]`"));
            };
            let Some(items) = n.as_seq_mut() else {
                return Ok(0);
            };
            let hit = |e: &N| element_text(e, k).is_some_and(|t| re.is_match(t));
            let mut seen = 0;
            if items.iter().any(hit) {
                for e in items.iter_mut().filter(|e| hit(e)) {
                    seen += walk(e, false, rest, create, o, f)?;
                }
            } else if create {
                // kustomize appends `{k: v}` (or the scalar `v`) and walks on from it.
                let e = if k.is_empty() {
                    N::new(V::Scalar(v.clone(), plain_kind(v)), o.clone())
                } else {
                    let mut m = N::map(o.clone());
                    m.set(k, N::new(V::Scalar(v.clone(), plain_kind(v)), o.clone()));
                    m
                };
                items.push(e);
                if let Some(e) = items.last_mut() {
                    seen += walk(e, rest.is_empty(), rest, create, o, f)?;
                }
            }
            Ok(seen)
        }
        Seg::All => {
            let Some(items) = n.as_seq_mut() else {
                return Ok(0);
            };
            let mut seen = 0;
            for e in items.iter_mut() {
                seen += walk(e, false, rest, create, o, f)?;
            }
            Ok(seen)
        }
        // A number indexes a list only; with `create`, the index one past the end appends.
        Seg::Index(i) => {
            let Some(items) = n.as_seq_mut() else {
                return Ok(0);
            };
            let made = create && *i == items.len();
            if made {
                items.push(fresh(rest));
            }
            match items.get_mut(*i) {
                Some(e) => walk(e, made, rest, create, o, f),
                None => Ok(0),
            }
        }
    }
}

/// Whether `r` is selected by `sel` (exact fields, any of its ids; label and annotation
/// selectors on its current labels).
fn selected(sel: &Selector, r: &Res) -> bool {
    let eq = |want: &Option<String>, have: &str| {
        want.as_deref().is_none_or(|w| w.is_empty() || w == have)
    };
    if !eq(&sel.group, r.group()) || !eq(&sel.version, r.version()) || !eq(&sel.kind, r.kind()) {
        return false;
    }
    let eff = |s: &str| {
        if s.is_empty() {
            "default".to_string()
        } else {
            s.to_string()
        }
    };
    let ns_ok = |ns: &str| {
        sel.namespace
            .as_deref()
            .is_none_or(|w| w.is_empty() || eff(w) == eff(ns))
    };
    let id_ok = |name: &str, ns: &str| eq(&sel.name, name) && ns_ok(ns);
    if !(id_ok(r.name(), r.namespace()) || r.history.iter().any(|(n, s)| id_ok(n, s))) {
        return false;
    }
    if let Some(ls) = &sel.label_selector
        && !label_selector_matches(ls, r.obj.path(&["metadata", "labels"]))
    {
        return false;
    }
    if let Some(a) = &sel.annotation_selector
        && !label_selector_matches(a, r.obj.path(&["metadata", "annotations"]))
    {
        return false;
    }
    true
}

/// `Kind.version.group/name.namespace` of a selector, for messages.
fn describe(s: &Selector) -> String {
    let f = |o: &Option<String>| o.clone().unwrap_or_default();
    let mut out = f(&s.kind);
    if let Some(v) = &s.version {
        out.push_str(&format!(".{v}"));
    }
    if let Some(g) = &s.group {
        out.push_str(&format!(".{g}"));
    }
    out.push_str(&format!("/{}", f(&s.name)));
    if let Some(ns) = &s.namespace {
        out.push_str(&format!(".{ns}"));
    }
    out
}

/// Apply one replacement to the accumulated objects. An error is kustomize's own (the
/// build fails): the message and the span of the entry (in `r.file`) that caused it.
pub fn apply(rs: &mut [Res], r: &Replacement) -> Result<(), (Span, String)> {
    let value: N = match (&r.source, &r.source_value) {
        (_, Some(v)) => N::string(v.clone(), Some(origin(&r.file, r.span, Role::Transformer))),
        (Some(src), None) => {
            let mut found: Option<usize> = None;
            for (i, res) in rs.iter().enumerate() {
                if selected(&src.sel, res) {
                    if found.is_some() {
                        return Err((
                            r.span,
                            format!(
                                "multiple matches for replacement source {}",
                                describe(&src.sel)
                            ),
                        ));
                    }
                    found = Some(i);
                }
            }
            let Some(i) = found else {
                return Err((
                    r.span,
                    format!(
                        "nothing selected by replacement source {}",
                        describe(&src.sel)
                    ),
                ));
            };
            let segs = segments(&src.field_path);
            if segs.contains(&Seg::All) {
                return Err((
                    r.span,
                    format!(
                        "fieldPath `{}` of a replacement source cannot hold a wildcard (`*`)",
                        src.field_path
                    ),
                ));
            }
            let Some(node) = lookup(&rs[i].obj, &segs) else {
                return Err((
                    r.span,
                    format!(
                        "fieldPath `{}` is missing for replacement source {}",
                        src.field_path,
                        describe(&src.sel)
                    ),
                ));
            };
            let mut v = node.clone();
            if let Some(d) = src.delimiter.as_deref().filter(|d| !d.is_empty()) {
                let Some(t) = v.text() else {
                    return Err((
                        r.span,
                        "delimiter option can only be used with scalar nodes".into(),
                    ));
                };
                let parts: Vec<&str> = t.split(d).collect();
                let Some(part) = usize::try_from(src.index).ok().and_then(|i| parts.get(i)) else {
                    return Err((
                        r.span,
                        format!("options.index {} is out of bounds for value {t}", src.index),
                    ));
                };
                v = N::string(part.to_string(), v.o.clone());
            }
            v
        }
        (None, None) => return Ok(()),
    };
    for t in &r.targets {
        let Some(select) = &t.select else {
            return Err((t.span, "target must specify resources to select".into()));
        };
        let paths: Vec<Vec<Seg>> = t.field_paths.iter().map(|(fp, _)| segments(fp)).collect();
        for res in rs.iter_mut() {
            if !selected(select, res) || t.reject.iter().any(|rj| selected(rj, res)) {
                continue;
            }
            for ((fp, span), segs) in t.field_paths.iter().zip(&paths) {
                let o = Some(origin(&r.file, *span, Role::Transformer));
                let mut set = |n: &mut N, created: bool| set_field(n, &value, t, &o, created);
                let seen =
                    visit(&mut res.obj, segs, t.create, &o, &mut set).map_err(|m| (*span, m))?;
                if seen == 0 {
                    let what = if t.create { "find or create" } else { "find" };
                    return Err((
                        *span,
                        format!(
                            "unable to {what} field \"{fp}\" in replacement target {} {}",
                            res.kind(),
                            res.name()
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Whether text that reads plain as `plain` can be decoded as a scalar of type `kind` (an
/// integer is a valid float).
fn reads_as(plain: Scalar, kind: Scalar) -> bool {
    match kind {
        Scalar::Str => true,
        Scalar::Bool(_) => matches!(plain, Scalar::Bool(_)),
        Scalar::Float => matches!(plain, Scalar::Float | Scalar::Int),
        k => plain == k,
    }
}

/// The YAML tag of a scalar type, for messages.
fn tag_name(k: Scalar) -> &'static str {
    match k {
        Scalar::Null => "null",
        Scalar::Bool(_) => "bool",
        Scalar::Int => "int",
        Scalar::Float => "float",
        Scalar::Str => "str",
    }
}

/// Write `value` into the target field `n` (`created`: the walk to it made it).
fn set_field(
    n: &mut N,
    value: &N,
    t: &Target,
    o: &Option<Origin>,
    created: bool,
) -> Result<(), String> {
    let mut value = value.clone();
    if let Some(d) = t.delimiter.as_deref().filter(|d| !d.is_empty()) {
        let V::Scalar(cur, _) = &n.v else {
            return Err("delimiter option can only be used with scalar nodes".into());
        };
        let mut parts: Vec<String> = cur.split(d).map(str::to_string).collect();
        let v = value.text().unwrap_or_default().to_string();
        match usize::try_from(t.index) {
            Err(_) => parts.insert(0, v),
            Ok(i) if i >= parts.len() => parts.push(v),
            Ok(i) => parts[i] = v,
        }
        value = N::string(parts.join(d), o.clone());
    }
    match (&mut n.v, &value.v) {
        // kustomize copies only the text into a scalar, which keeps its tag: a field it
        // created has none and is written plain (`1.27` reads back as a number); a typed
        // field must be able to read the text (`a: b` cannot be an `!!int`, nothing but a
        // null can be a `!!null`), else kustomize fails.
        (V::Scalar(text, kind), V::Scalar(vt, _)) => {
            let plain = plain_kind(vt);
            if created {
                *kind = plain;
            } else if !reads_as(plain, *kind) {
                return Err(format!(
                    "cannot decode !!{} `{vt}` as a !!{}: the target field is {} (kustomize fails)",
                    tag_name(plain),
                    tag_name(*kind),
                    match kind {
                        Scalar::Null => "null",
                        Scalar::Bool(_) => "a boolean",
                        _ => "a number",
                    }
                ));
            }
            *text = vt.clone();
            n.o.clone_from(o);
        }
        _ => {
            value.o.clone_from(o);
            *n = value;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_paths_split_outside_brackets() {
        assert_eq!(
            segments("spec.containers.[name=a.b].image"),
            vec![
                Seg::Key("spec".into()),
                Seg::Key("containers".into()),
                Seg::Match(
                    "name".into(),
                    "a.b".into(),
                    Pattern(regex::Regex::new("a.b").ok())
                ),
                Seg::Key("image".into()),
            ]
        );
        assert_eq!(
            segments("a.*.0.[=x]"),
            vec![
                Seg::Key("a".into()),
                Seg::All,
                Seg::Index(0),
                Seg::Match(
                    String::new(),
                    "x".into(),
                    Pattern(regex::Regex::new("x").ok())
                ),
            ]
        );
        // (patterns compare by their text; an invalid one is none)
        assert_ne!(
            Pattern(regex::Regex::new("a").ok()),
            Pattern(regex::Regex::new("b").ok())
        );
        assert_ne!(Pattern(regex::Regex::new("a").ok()), Pattern(None));
    }

    fn objects(yaml: &str) -> Vec<Res> {
        super::super::tree::docs(yaml)
            .into_iter()
            .map(Res::new)
            .collect()
    }

    fn replacement(yaml: &str) -> Replacement {
        let file: Arc<str> = Arc::from("k.yaml");
        let p = crate::parse::yaml::parse(yaml);
        parse(&p.docs[0].root, &file).expect("a replacement")
    }

    #[test]
    fn hostile_paths_and_values_are_errors_not_panics() {
        let objs = "kind: ConfigMap\napiVersion: v1\nmetadata: {name: c}\ndata: {a: x, m: {k: v}}\n---\nkind: Deployment\napiVersion: apps/v1\nmetadata: {name: d}\nspec: scalar\n";
        let cases = [
            // Through a scalar, with and without create.
            (
                "source: {kind: ConfigMap, fieldPath: data.a}\ntargets: [{select: {kind: Deployment}, fieldPaths: [spec.x.y]}]",
                true,
            ),
            (
                "source: {kind: ConfigMap, fieldPath: data.a}\ntargets: [{select: {kind: Deployment}, fieldPaths: ['spec.x.[a=b].0.*'], options: {create: true}}]",
                true,
            ),
            // A delimiter on a map, an index out of bounds, an unselective source.
            (
                "source: {kind: ConfigMap, fieldPath: data.m, options: {delimiter: '.'}}\ntargets: [{select: {kind: Deployment}}]",
                true,
            ),
            (
                "source: {kind: ConfigMap, fieldPath: data.a, options: {delimiter: '.', index: 9}}\ntargets: [{select: {kind: Deployment}}]",
                true,
            ),
            (
                "source: {fieldPath: metadata.name}\ntargets: [{select: {kind: Deployment}}]",
                true,
            ),
            (
                "source: {kind: ConfigMap, fieldPath: '[[[...]]]'}\ntargets: [{select: {kind: Deployment}}]",
                true,
            ),
            // A target without select.
            (
                "source: {kind: ConfigMap}\ntargets: [{fieldPaths: [metadata.name]}]",
                true,
            ),
            // A map into a scalar with a delimiter on the target.
            (
                "source: {kind: ConfigMap, fieldPath: data.m}\ntargets: [{select: {kind: Deployment}, fieldPaths: [spec], options: {delimiter: ':'}}]",
                false,
            ),
        ];
        for (i, (r, fails)) in cases.iter().enumerate() {
            let mut rs = objects(objs);
            let got = apply(&mut rs, &replacement(r));
            assert_eq!(got.is_err(), *fails, "case {i}: {got:?}");
        }
    }

    #[test]
    fn a_created_field_takes_the_value_and_a_scalar_keeps_its_type() {
        let mut rs = objects(
            "kind: ConfigMap\napiVersion: v1\nmetadata: {name: c}\ndata: {n: '5'}\n---\nkind: Deployment\napiVersion: apps/v1\nmetadata: {name: d}\nspec: {replicas: 1}\n",
        );
        let r = replacement(
            "source: {kind: ConfigMap, fieldPath: data.n}\ntargets: [{select: {kind: Deployment}, fieldPaths: [spec.replicas, spec.template.metadata.labels.size], options: {create: true}}]",
        );
        assert_eq!(apply(&mut rs, &r), Ok(()));
        let d = &rs[1].obj;
        assert!(
            matches!(&d.path(&["spec", "replicas"]).map(|n| &n.v), Some(V::Scalar(t, Scalar::Int)) if t == "5")
        );
        // created without a tag: written plain, so it reads back as a number
        assert!(
            matches!(&d.path(&["spec", "template", "metadata", "labels", "size"]).map(|n| &n.v), Some(V::Scalar(t, Scalar::Int)) if t == "5")
        );
    }

    #[test]
    fn paths_kustomize_refuses_are_errors() {
        // kubectl kustomize (v5.5) fails on each of these.
        let objs = "kind: ConfigMap\napiVersion: v1\nmetadata: {name: c}\ndata: {a: x, '1': one, n: '5', z: 'null'}\n---\nkind: Deployment\napiVersion: apps/v1\nmetadata: {name: d}\nspec: {replicas: null, template: {spec: {containers: [{name: web}]}}}\n";
        let cases = [
            // a number indexes a list, never a map key, with or without create
            ("data.a", "ConfigMap", "data.1", false),
            ("data.a", "ConfigMap", "data.1", true),
            // a number past the end of a list, even with create
            (
                "data.a",
                "Deployment",
                "spec.template.spec.containers.2.image",
                true,
            ),
            // a null scalar keeps its `!!null` tag: kustomize cannot decode the result
            ("data.n", "Deployment", "spec.replicas", false),
            // a pattern that is not a regular expression
            (
                "data.a",
                "Deployment",
                "spec.template.spec.containers.[name=(].image",
                false,
            ),
        ];
        for (src, kind, fp, create) in cases {
            let mut rs = objects(objs);
            let r = replacement(&format!(
                "source: {{kind: ConfigMap, fieldPath: {src}}}\ntargets: [{{select: {{kind: {kind}}}, fieldPaths: ['{fp}'], options: {{create: {create}}}}}]"
            ));
            assert!(apply(&mut rs, &r).is_err(), "{fp} (create: {create})");
        }
        let mut rs = objects(objs);
        let r = replacement(
            "source: {kind: ConfigMap, fieldPath: data.n}\ntargets: [{select: {kind: Deployment}, fieldPaths: [spec.replicas]}]",
        );
        assert_eq!(
            apply(&mut rs, &r).map_err(|e| e.1),
            Err(
                "cannot decode !!int `5` as a !!null: the target field is null (kustomize fails)"
                    .into()
            )
        );
        // a value that reads as null leaves a null field as it is
        let r = replacement(
            "source: {kind: ConfigMap, fieldPath: data.z}\ntargets: [{select: {kind: Deployment}, fieldPaths: [spec.replicas]}]",
        );
        assert_eq!(apply(&mut rs, &r), Ok(()));
        // a source path reads one field: no wildcard
        let r = replacement(
            "source: {kind: Deployment, fieldPath: 'spec.template.spec.containers.*.name'}\ntargets: [{select: {kind: ConfigMap}, fieldPaths: [data.a]}]",
        );
        assert_eq!(
            apply(&mut rs, &r).map_err(|e| e.1),
            Err("fieldPath `spec.template.spec.containers.*.name` of a replacement source cannot hold a wildcard (`*`)".into())
        );
        // a source matches `[k=v]` exactly (a target takes it as a pattern)
        let r = replacement(
            "source: {kind: Deployment, fieldPath: 'spec.template.spec.containers.[name=we].name'}\ntargets: [{select: {kind: ConfigMap}, fieldPaths: [data.a]}]",
        );
        assert!(apply(&mut rs, &r).is_err());
    }

    #[test]
    fn a_typed_target_takes_only_text_of_its_type() {
        // kubectl kustomize: "cannot decode !!str `a: b` as a !!int", and so on
        let objs = "kind: ConfigMap\napiVersion: v1\nmetadata: {name: c}\ndata: {s: 'a: b', e: '', i: '3', f: '1.5', b: 'true', n: 'null'}\n---\nkind: Example\napiVersion: v1\nmetadata: {name: d}\nspec: {int: 1, float: 0.5, bool: false, str: x, null: ~}\n";
        let cases = [
            ("s", "int", false),
            ("e", "int", false),
            ("i", "int", true),
            ("f", "int", false),
            ("i", "float", true),
            ("f", "float", true),
            ("b", "float", false),
            ("b", "bool", true),
            ("i", "bool", false),
            ("s", "str", true),
            ("n", "null", true),
            ("e", "null", true),
            ("i", "null", false),
        ];
        for (src, field, ok) in cases {
            let mut rs = objects(objs);
            let r = replacement(&format!(
                "source: {{kind: ConfigMap, fieldPath: data.{src}}}\ntargets: [{{select: {{kind: Example}}, fieldPaths: [spec.{field}]}}]"
            ));
            assert_eq!(
                apply(&mut rs, &r).is_ok(),
                ok,
                "data.{src} into spec.{field}"
            );
        }
    }

    #[test]
    fn tag_names_follow_yaml() {
        let got: Vec<&str> = [
            Scalar::Null,
            Scalar::Bool(true),
            Scalar::Int,
            Scalar::Float,
            Scalar::Str,
        ]
        .into_iter()
        .map(tag_name)
        .collect();
        assert_eq!(got, ["null", "bool", "int", "float", "str"]);
    }
}
