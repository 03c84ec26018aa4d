//! App-of-apps: the Argo CD hierarchy followed from the root Applications.
//!
//! A root Application's source may hold other Applications (and ApplicationSets):
//!
//! - a **plain directory** of manifests: the Applications written in it (in its files, or in
//!   subdirectories with `directory.recurse: true`) are its children. They are files of the
//!   repository, planned like any Application; here they only learn their parent (and its
//!   environment when they name none).
//! - a **chart or kustomization** that renders Applications (the "apps" chart with values
//!   per environment): the rendered children become render units in turn, deployed to their
//!   own destination, in the environment they name or else their parent's. Their locations
//!   are taken through the parent's origin map, so findings point at the template or values
//!   line that wrote them, never at the rendered text.
//!
//! Rendering proceeds in rounds (the units of one round in parallel), at most
//! [`MAX_DEPTH`] levels below a root. An Application that would render one of its ancestors
//! again (a cycle), or a chain deeper than the limit, is a located coverage note; a root that
//! manages itself (it renders its own Application) is the usual pattern and is not reported.
//!
//! Depends on `render` (plans, the stage), `parse`, `model` and `source`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use super::plan::{AppAt, DirApp, Plan, Planner};
use super::stage::{self, Rendered};
use super::{Fs, OriginMap, RenderUnit, Role, UnitKind, helm};
use crate::config::environments::Environments;
use crate::model::k8s::{K8sObject, objects_in};
use crate::parse::file::{Content, ParsedFile};
use crate::parse::node::Node;
use crate::source::Span;

/// Most levels of rendered Applications below a root.
pub const MAX_DEPTH: usize = 8;
/// Most render units in one run, children included (bounded work on hostile input).
const MAX_UNITS: usize = 20_000;

/// An Application's location: its file and the span of its `source`.
type Loc = (Arc<str>, Span);

/// Everything the render stage produced, with the Argo CD hierarchy.
pub struct Hierarchy {
    /// Every render unit's plan, in the order of `rendered.units` (the repository's plans,
    /// then the children rendered Applications define, round by round). `parent` is set.
    pub plans: Vec<Plan>,
    /// Applications whose source is a plain directory, with their parents.
    pub dir_apps: Vec<DirApp>,
    pub rendered: Rendered,
}

/// Plan the repository's render units, render them, and follow the Applications they
/// render, level by level.
pub fn plan_and_run(
    files: &[ParsedFile],
    envs: &Environments,
    fs: &dyn Fs,
    root: &Path,
    kube_version: &str,
) -> Hierarchy {
    let planner = Planner::new(files, envs);
    let (mut plans, mut dir_apps) = planner.plan(files);
    link_directories(&mut plans, &mut dir_apps, true);

    let mut charts: Option<Arc<BTreeMap<String, Vec<String>>>> = None;
    let mut rendered = Rendered::default();
    let mut parent_of: Vec<Option<usize>> = vec![None; plans.len()];
    let mut depth: Vec<usize> = vec![0; plans.len()];
    let mut notes: Vec<(Loc, String)> = Vec::new();
    let mut deferred: Vec<(usize, Plan)> = Vec::new();
    let mut start = 0;
    while start < plans.len() {
        if charts.is_none() && plans[start..].iter().any(|p| p.kind == UnitKind::Helm) {
            charts = Some(Arc::new(helm::chart_index(fs)));
        }
        let index = charts.clone().unwrap_or_default();
        let units = stage::render_all(&plans[start..], fs, kube_version, &index);
        let files_before = rendered.files.len();
        for (i, mut done) in units.into_iter().enumerate() {
            if start > 0 {
                devirtualize(&mut done.unit, &rendered);
            }
            stage::absorb(&mut rendered, done, &plans[start + i], fs, root);
        }
        let end = plans.len();
        let found = children(&planner, &rendered, files_before, &mut plans, &mut dir_apps);
        // Applications a chart or overlay renders that no Application deploys are followed
        // last, and only if no Application deploys that chart or overlay after all.
        let (mut found, standalone): (Vec<_>, Vec<_>) = found
            .into_iter()
            .partition(|(ui, _)| plans[*ui].application.is_some());
        deferred.extend(standalone);
        if found.is_empty() && !deferred.is_empty() {
            let deployed: BTreeSet<&str> = plans
                .iter()
                .filter(|p| p.application.is_some())
                .map(|p| p.dir.as_str())
                .collect();
            found = std::mem::take(&mut deferred)
                .into_iter()
                .filter(|(ui, _)| !deployed.contains(plans[*ui].dir.as_str()))
                .collect();
        }
        for (ui, child) in found {
            if plans.len() >= MAX_UNITS {
                notes.push((
                    child.application.clone().unwrap_or_default(),
                    format!(
                        "more than {MAX_UNITS} render units: the Applications below are not rendered"
                    ),
                ));
                break;
            }
            adopt(
                &mut plans,
                &mut parent_of,
                &mut depth,
                &mut notes,
                ui,
                child,
            );
        }
        start = end;
    }
    link_directories(&mut plans, &mut dir_apps, false);
    break_cycles(&mut plans, &mut dir_apps, &mut notes);
    for ((path, span), message) in notes {
        let at = match fs.read(&path) {
            Some(src) => format!("{path}:{}", src.line_col(span.start()).line),
            None => path.to_string(),
        };
        rendered.notes.push(format!("{at}: {message}"));
    }
    Hierarchy {
        plans,
        dir_apps,
        rendered,
    }
}

/// Add `child`, an Application the unit `ui` rendered, to the plans, unless it renders one of
/// its ancestors again (a cycle: noted, unless it is the parent managing itself), lies too
/// deep (noted), or another parent already deploys exactly the same unit.
fn adopt(
    plans: &mut Vec<Plan>,
    parent_of: &mut Vec<Option<usize>>,
    depth: &mut Vec<usize>,
    notes: &mut Vec<(Loc, String)>,
    ui: usize,
    mut child: Plan,
) {
    // A chart or overlay no Application deploys is the root itself: its directory.
    child.parent = Some(
        plans[ui]
            .application
            .clone()
            .unwrap_or_else(|| (Arc::from(plans[ui].dir.as_str()), Span::default())),
    );
    let at = child.application.clone().unwrap_or_default();
    let label = child.name.clone().unwrap_or_else(|| child.dir.clone());
    // Its ancestors, nearest first.
    let mut chain = vec![ui];
    while let Some(p) = chain.last().and_then(|&a| parent_of[a]) {
        chain.push(p);
    }
    if let Some(pos) = chain.iter().position(|&a| same_app(&plans[a], &child)) {
        if pos > 0 {
            let names: Vec<String> = chain[..=pos]
                .iter()
                .rev()
                .map(|&a| {
                    plans[a]
                        .name
                        .clone()
                        .unwrap_or_else(|| plans[a].dir.clone())
                })
                .collect();
            notes.push((
                at,
                format!(
                    "app-of-apps cycle: {} -> {label}; Application {label} is not rendered again",
                    names.join(" -> ")
                ),
            ));
        }
        return;
    }
    if depth[ui] + 1 > MAX_DEPTH {
        notes.push((
            at,
            format!(
                "app-of-apps deeper than {MAX_DEPTH} levels: Application {label} is not rendered"
            ),
        ));
        return;
    }
    if plans.iter().any(|p| same_unit(p, &child)) {
        return;
    }
    parent_of.push(Some(ui));
    depth.push(depth[ui] + 1);
    plans.push(child);
}

/// The same Application rendering the same thing again (a root that manages itself, or a
/// cycle): same name, or same chart or overlay for the same environment.
fn same_app(a: &Plan, b: &Plan) -> bool {
    match (&a.name, &b.name) {
        (Some(x), Some(y)) if x == y => true,
        _ => {
            a.kind == b.kind
                && a.dir == b.dir
                && a.env_name() == b.env_name()
                && a.remote == b.remote
        }
    }
}

/// Whether two plans render exactly the same unit (two parents deploying one child).
fn same_unit(a: &Plan, b: &Plan) -> bool {
    a.kind == b.kind
        && a.dir == b.dir
        && a.env_name() == b.env_name()
        && a.namespace == b.namespace
        && a.value_files == b.value_files
        && a.set == b.set
        && a.release_name == b.release_name
        && a.remote == b.remote
        && a.kustomize.is_none()
        && b.kustomize.is_none()
        && a.inline_values.as_ref().map(|v| &v.text) == b.inline_values.as_ref().map(|v| &v.text)
}

/// The Applications (and ApplicationSets) in the rendered files from `files_before` on, as
/// plans for their own sources, each with the index of the unit that rendered it.
/// Applications a kustomization copied from a file of the repository are planned from that
/// file already: they only learn their parent here.
fn children(
    planner: &Planner<'_>,
    rendered: &Rendered,
    files_before: usize,
    plans: &mut [Plan],
    dir_apps: &mut Vec<DirApp>,
) -> Vec<(usize, Plan)> {
    let mut out = Vec::new();
    for f in &rendered.files[files_before..] {
        let Some(src) = &f.source else { continue };
        // Most rendered texts hold no Argo CD object: skip them without walking the tree.
        if !src.text.contains("argoproj.io") {
            continue;
        }
        let Some(v) = rendered.virtuals.get(&f.path) else {
            continue;
        };
        let ui = v.unit;
        let Some(output) = rendered.units.get(ui).and_then(|u| u.outputs.get(v.output)) else {
            continue;
        };
        let Content::Docs(docs) = &f.content else {
            continue;
        };
        let parent = plans.get(ui).map(|p| {
            p.application
                .clone()
                .unwrap_or_else(|| (Arc::from(p.dir.as_str()), Span::default()))
        });
        for node in docs.iter().flat_map(|d| objects_in(&d.root)) {
            let Some(obj) = K8sObject::from_node(node) else {
                continue;
            };
            if obj.group() != "argoproj.io" || !matches!(obj.kind, "Application" | "ApplicationSet")
            {
                continue;
            }
            // Its sources' base lines, when a kustomization copied it from a file (a line of
            // the source, as the innermost origin, overlaps the source the file's plan names).
            let sources = node.path(&["spec", "source"]).into_iter().chain(
                node.path(&["spec", "sources"])
                    .into_iter()
                    .flat_map(Node::items),
            );
            let bases: Vec<&super::Origin> = sources
                .filter_map(|src| {
                    output
                        .origins
                        .lookup(src.span)
                        .into_iter()
                        .find(|o| o.role == Role::Base)
                })
                .collect();
            let inside = |loc: &Loc| {
                bases
                    .iter()
                    .any(|b| loc.0 == b.path && stage::spans_meet(b.span, loc.1))
            };
            let mut known = false;
            for (pi, p) in plans.iter_mut().enumerate() {
                if p.application.as_ref().is_some_and(inside) {
                    known = true;
                    if p.parent.is_none() && pi != ui {
                        p.parent.clone_from(&parent);
                    }
                }
            }
            for d in dir_apps.iter_mut() {
                if inside(&d.application) {
                    known = true;
                    if d.parent.is_none() && Some(&d.application) != parent.as_ref() {
                        d.parent.clone_from(&parent);
                    }
                }
            }
            if known {
                continue;
            }
            let at = AppAt {
                path: &f.path,
                source: Some(src),
                env_from_path: false,
                inherited: plans.get(ui).and_then(|p| p.env.clone()),
            };
            let (found, dirs) = planner.object_plans(&at, node);
            for mut p in found {
                p.application = p
                    .application
                    .map(|(path, span)| real_loc(rendered, path, span));
                out.push((ui, p));
            }
            for mut d in dirs {
                d.application = real_loc(rendered, d.application.0, d.application.1);
                if Some(&d.application) != parent.as_ref() {
                    d.parent.clone_from(&parent);
                    dir_apps.push(d);
                }
            }
        }
    }
    out
}

/// The real file line behind `span` of a rendered (virtual) file: its innermost origin (the
/// causing line first), else the file the output is about. Real paths are returned as they
/// are.
fn real_loc(rendered: &Rendered, path: Arc<str>, span: Span) -> Loc {
    let Some(v) = rendered.virtuals.get(&path) else {
        return (path, span);
    };
    let Some(out) = rendered
        .units
        .get(v.unit)
        .and_then(|u| u.outputs.get(v.output))
    else {
        return (path, span);
    };
    loc_in_output(out, span)
}

/// The real file line behind `span` of one rendered output (see [`real_loc`]).
fn loc_in_output(out: &super::RenderedSource, span: Span) -> Loc {
    let Some(o) = out.origins.primary(span) else {
        return (out.fallback.clone(), Span::default());
    };
    // Literal template text is copied byte for byte: point into it at the same offset. A
    // text that crossed a document separator was cut at the document's start or end.
    let copied = out.origins.entries().iter().find_map(|(r, e)| {
        if !std::ptr::eq(e, o) || e.role != Role::Template || r.start > span.start {
            return None;
        }
        let (len_r, len_o) = (r.end - r.start, e.span.end - e.span.start);
        let end_of_doc = r.end as usize >= out.text.len();
        if len_r == len_o || (len_r < len_o && end_of_doc && r.start > 0) {
            Some(e.span.start + (span.start - r.start))
        } else if len_r < len_o && r.start == 0 {
            Some(e.span.end - (r.end - span.start).min(len_o))
        } else {
            None
        }
    });
    match copied {
        Some(at) => {
            let len = span.end.saturating_sub(span.start);
            (
                o.path.clone(),
                Span {
                    start: at,
                    end: at.saturating_add(len).min(o.span.end),
                },
            )
        }
        None => (o.path.clone(), o.span),
    }
}

/// A unit rendered from an Application found in rendered output read that output (inline
/// values, kustomize options): every origin, error and input that names a virtual path is
/// taken back to the real line, so that no finding or related location points at rendered
/// text.
fn devirtualize(unit: &mut RenderUnit, rendered: &Rendered) {
    let is_virtual = |p: &Arc<str>| rendered.virtuals.contains_key(p);
    let app = unit.application.clone();
    for out in &mut unit.outputs {
        if out
            .origins
            .entries()
            .iter()
            .any(|(_, o)| is_virtual(&o.path))
        {
            let mut map = OriginMap::new();
            for (range, o) in out.origins.entries() {
                let mut o = o.clone();
                (o.path, o.span) = match &app {
                    // Values that are not a verbatim slice of the rendered text (a `values:`
                    // string) have no offset there: the child Application stands for them.
                    Some(a) if is_virtual(&o.path) && o.span == Span::default() => a.clone(),
                    _ => real_loc(rendered, o.path, o.span),
                };
                map.push(*range, o);
            }
            out.origins = map;
        }
        if is_virtual(&out.fallback) {
            out.fallback = real_loc(rendered, out.fallback.clone(), Span::default()).0;
        }
    }
    for e in &mut unit.errors {
        if is_virtual(&e.path) {
            let (p, s) = real_loc(rendered, e.path.clone(), e.span.unwrap_or_default());
            e.span = e.span.map(|_| s);
            e.path = p;
        }
    }
    for i in &mut unit.inputs {
        if is_virtual(i) {
            *i = real_loc(rendered, i.clone(), Span::default()).0;
        }
    }
    unit.inputs.sort();
    unit.inputs.dedup();
}

/// The directory Application that holds `file` (the deepest one; not `own`, the
/// Application itself).
fn holder<'d>(
    dir_apps: &'d [DirApp],
    file: &str,
    own: &Loc,
    name: Option<&str>,
) -> Option<&'d DirApp> {
    dir_apps
        .iter()
        .filter(|d| d.holds(file))
        .filter(|d| {
            &d.application != own
                && !(d.application.0 == own.0 && d.name.as_deref() == name && name.is_some())
        })
        .max_by(|a, b| {
            a.dir
                .len()
                .cmp(&b.dir.len())
                .then_with(|| b.application.cmp(&a.application))
        })
}

/// Applications written in a directory another Application deploys are its children (and
/// take its environment when they name none, if `inherit`).
fn link_directories(plans: &mut [Plan], dir_apps: &mut [DirApp], inherit: bool) {
    for p in plans.iter_mut() {
        let Some(own) = &p.application else { continue };
        if p.parent.is_some() {
            continue;
        }
        if let Some(d) = holder(dir_apps, &own.0, own, p.name.as_deref()) {
            p.parent = Some(d.application.clone());
            if inherit && p.env.is_none() {
                p.env.clone_from(&d.env);
            }
        }
    }
    let parents: Vec<Option<Loc>> = dir_apps
        .iter()
        .map(|d| {
            d.parent.clone().or_else(|| {
                holder(
                    dir_apps,
                    &d.application.0,
                    &d.application,
                    d.name.as_deref(),
                )
                .map(|h| h.application.clone())
            })
        })
        .collect();
    for (d, p) in dir_apps.iter_mut().zip(parents) {
        d.parent = p;
    }
}

/// Cycles among parents (two directory Applications deploying each other's directory) are
/// broken at the last Application of the cycle, with a note; chains deeper than
/// [`MAX_DEPTH`] are noted.
fn break_cycles(plans: &mut [Plan], dir_apps: &mut [DirApp], notes: &mut Vec<(Loc, String)>) {
    let mut parent: BTreeMap<Loc, Loc> = BTreeMap::new();
    let mut names: BTreeMap<Loc, String> = BTreeMap::new();
    for d in dir_apps.iter() {
        if let Some(p) = &d.parent {
            parent.insert(d.application.clone(), p.clone());
        }
        names.insert(
            d.application.clone(),
            d.name.clone().unwrap_or_else(|| d.dir.clone()),
        );
    }
    for p in plans.iter() {
        if let (Some(a), Some(par)) = (&p.application, &p.parent) {
            parent.entry(a.clone()).or_insert_with(|| par.clone());
        }
        if let Some(a) = &p.application {
            names
                .entry(a.clone())
                .or_insert_with(|| p.name.clone().unwrap_or_else(|| p.dir.clone()));
        }
    }
    let name = |l: &Loc| names.get(l).cloned().unwrap_or_else(|| l.0.to_string());
    let mut cut: BTreeSet<Loc> = BTreeSet::new();
    let mut deep: BTreeSet<Loc> = BTreeSet::new();
    for start in parent.keys() {
        let mut seen: Vec<&Loc> = vec![start];
        let mut at = start;
        while let Some(p) = parent.get(at) {
            if cut.contains(at) {
                break;
            }
            if let Some(pos) = seen.iter().position(|s| *s == p) {
                let cycle: Vec<&Loc> = seen[pos..].to_vec();
                let last = cycle
                    .iter()
                    .max()
                    .copied()
                    .cloned()
                    .unwrap_or_else(|| start.clone());
                if cut.insert(last.clone()) {
                    let mut chain: Vec<String> = cycle.iter().rev().map(|l| name(l)).collect();
                    chain.push(name(cycle.last().copied().unwrap_or(start)));
                    notes.push((
                        last,
                        format!(
                            "app-of-apps cycle: {}; the hierarchy is cut here",
                            chain.join(" -> ")
                        ),
                    ));
                }
                break;
            }
            seen.push(p);
            if seen.len() > MAX_DEPTH + 1 {
                deep.insert(start.clone());
                break;
            }
            at = p;
        }
    }
    for l in &deep {
        if !cut.contains(l) {
            notes.push((
                l.clone(),
                format!(
                    "app-of-apps deeper than {MAX_DEPTH} levels at Application {}",
                    name(l)
                ),
            ));
        }
    }
    for d in dir_apps.iter_mut() {
        if cut.contains(&d.application) {
            d.parent = None;
        }
    }
    for p in plans.iter_mut() {
        if p.application.as_ref().is_some_and(|a| cut.contains(a)) {
            p.parent = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::{Origin, RenderedSource};

    fn output(text: &str, origins: &[(Span, Span, Role)]) -> RenderedSource {
        let mut m = OriginMap::new();
        for (range, at, role) in origins {
            m.push(
                *range,
                Origin {
                    path: Arc::from("tpl.yaml"),
                    span: *at,
                    role: *role,
                },
            );
        }
        RenderedSource {
            name: "out".into(),
            fallback: Arc::from("fallback.yaml"),
            text: text.into(),
            origins: m,
        }
    }

    #[test]
    fn rendered_bytes_map_into_the_text_they_were_copied_from() {
        let sp = Span::new;
        let text = "0123456789";
        let tpl = |a, b| ("tpl.yaml", sp(a, b));
        for (origins, span, want) in [
            // a whole literal run: the same offset in the template, as long as the span
            (
                vec![(sp(0, 10), sp(100, 110), Role::Template)],
                sp(3, 5),
                tpl(103, 105),
            ),
            (
                vec![(sp(0, 10), sp(100, 110), Role::Template)],
                sp(0, 2),
                tpl(100, 102),
            ),
            (
                vec![(sp(0, 10), sp(100, 110), Role::Template)],
                sp(8, 20),
                tpl(108, 110),
            ),
            // a run cut at the end of its document: counted from the run's start
            (
                vec![(sp(5, 10), sp(100, 110), Role::Template)],
                sp(6, 7),
                tpl(101, 102),
            ),
            // a run cut at the start of the text: counted back from its end
            (
                vec![(sp(0, 4), sp(100, 110), Role::Template)],
                sp(1, 2),
                tpl(107, 108),
            ),
            // a run cut in the middle: the whole template range
            (
                vec![(sp(2, 6), sp(100, 110), Role::Template)],
                sp(3, 4),
                tpl(100, 110),
            ),
            // a whole run inside the text: the same offset
            (
                vec![(sp(2, 8), sp(100, 106), Role::Template)],
                sp(3, 4),
                tpl(101, 102),
            ),
            // a run cut at both ends (the whole text of a document): counted back from its end
            (
                vec![(sp(0, 10), sp(100, 115), Role::Template)],
                sp(3, 4),
                tpl(108, 109),
            ),
            // a value: its line as recorded
            (
                vec![(sp(0, 10), sp(40, 45), Role::Values)],
                sp(3, 4),
                tpl(40, 45),
            ),
            // also when it is exactly as long as the rendered text: only template text is
            // copied byte for byte
            (
                vec![(sp(0, 10), sp(40, 50), Role::Values)],
                sp(3, 4),
                tpl(40, 50),
            ),
        ] {
            let out = output(text, &origins);
            let (path, at) = loc_in_output(&out, span);
            assert_eq!((path.as_ref(), at), want, "{origins:?} {span:?}");
        }
        // nothing recorded: the file the output is about
        let (path, at) = loc_in_output(&output(text, &[]), sp(3, 4));
        assert_eq!((path.as_ref(), at), ("fallback.yaml", Span::default()));
    }
}
