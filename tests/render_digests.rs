//! The rendered output of every corpus chart and kustomization that the conformance scripts
//! found identical to Helm's own library and to `kubectl kustomize`, pinned by digest.
//!
//! `scripts/helm-conformance.sh` and `scripts/kustomize-conformance.sh` compare `octolint
//! render` with the real tools, but they need Python, Helm's Go library and `kubectl`, and take
//! minutes: too slow to run for every change (or every mutant of `scripts/mutants.sh`). This
//! test renders the same directories in-process in a few seconds and compares each output with
//! the digest recorded in `tests/render-digests.tsv` when the conformance scripts last passed.
//! A changed digest means the renderer's output changed: if the change is meant, run
//! `scripts/render-digests.sh`, which runs both conformance scripts first and records new
//! digests only for directories that are still identical to the real tools.
//!
//! It also checks, on the same outputs, what the oracles cannot: every origin of a rendered
//! byte range points inside a real file of the repository and inside the rendered text.

mod common;

use common::shared_corpus;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use octolint::render::helm::{HelmOptions, chart_index, render_chart};
use octolint::render::{DiskFs, Fs, RenderUnit, Role, UnitKind, UnitStatus, kustomize};
use octolint::source::Span;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The corpus directories a conformance expectation file lists (the lines that start with
/// `strip`), as (repository, dir in it).
fn listed(file: &str, strip: &str) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(root().join(file)).expect("expectation file");
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.strip_prefix(strip))
        .map(|l| match l.split_once('/') {
            Some((repo, dir)) => (repo.to_string(), dir.to_string()),
            None => (l.to_string(), String::new()),
        })
        .collect()
}

/// What `octolint render` prints for a unit (the `# Source:` stream), errors included.
fn stream(unit: &RenderUnit) -> String {
    let mut out = String::new();
    for s in &unit.outputs {
        let _ = write!(out, "---\n# Source: {}\n{}\n", s.name, s.text);
    }
    for e in &unit.errors {
        let _ = writeln!(out, "# error: {} {:?}: {}", e.path, e.span, e.message);
    }
    out
}

fn digest(text: &str) -> String {
    format!("{:016x}", xxhash_rust::xxh3::xxh3_64(text.as_bytes()))
}

/// Every origin points at bytes of a readable file, and covers bytes of the rendered text.
/// For a chart, each rendered line whose template origin is a line of literal text (no
/// action on it) starts with that template line: findings on it point at the right line.
/// Returns how many lines were checked that way.
fn check_origins(
    fs: &DiskFs,
    unit: &RenderUnit,
    what: &str,
    sizes: &mut BTreeMap<String, usize>,
) -> usize {
    let mut literal_lines = 0;
    for s in &unit.outputs {
        assert!(
            fs.is_file(&s.fallback),
            "{what}: fallback {} is not a file",
            s.fallback
        );
        for (range, origin) in s.origins.entries() {
            assert!(
                range.start <= range.end && range.end as usize <= s.text.len(),
                "{what}: origin range {range:?} outside the {} bytes of {}",
                s.text.len(),
                s.name
            );
            let len = *sizes
                .entry(origin.path.to_string())
                .or_insert_with(|| fs.read(&origin.path).map_or(usize::MAX, |f| f.text.len()));
            assert!(
                len != usize::MAX,
                "{what}: origin {} of {} is not a readable file",
                origin.path,
                s.name
            );
            assert!(
                origin.span.start <= origin.span.end && origin.span.end as usize <= len,
                "{what}: origin span {:?} outside the {len} bytes of {}",
                origin.span,
                origin.path
            );
        }
        if unit.kind != UnitKind::Helm {
            continue;
        }
        // every line of small outputs, about 24 evenly spread lines of large ones (a lookup
        // scans the whole origin map)
        let lines = s.text.split_inclusive('\n').count();
        let step = lines.div_ceil(24).max(1);
        let mut at = 0usize;
        for (i, line) in s.text.split_inclusive('\n').enumerate() {
            let start = at;
            at += line.len();
            if i % step != 0 {
                continue;
            }
            let line = line.trim_end_matches('\n');
            if line.trim().is_empty() {
                continue;
            }
            let found = s.origins.lookup(Span::new(start, start + 1));
            // a line a value wrote, or that has no template origin, is not literal text
            let [o] = found.as_slice() else { continue };
            if o.role != Role::Template {
                continue;
            }
            let Some(src) = fs.read(&o.path) else {
                continue;
            };
            let lc = src.line_col(o.span.start());
            let tline = src.line_text(lc.line);
            if tline.contains("{{") || tline.trim().is_empty() || lc.col != 1 {
                continue;
            }
            assert!(
                line.starts_with(tline.trim_end()),
                "{what}: rendered line {line:?} of {} points at {}:{} {tline:?}",
                s.name,
                o.path,
                lc.line
            );
            literal_lines += 1;
        }
    }
    literal_lines
}

/// (kind, repository/dir) → (digest, bytes, objects with origins) of every listed directory.
fn render_listed(corpus: &Path) -> BTreeMap<(String, String), (String, usize)> {
    let mut out = BTreeMap::new();
    let mut literal_lines = 0usize;
    let mut by_repo: BTreeMap<String, Vec<(&str, String)>> = BTreeMap::new();
    for (repo, dir) in listed("scripts/helm-conformance.expected", "") {
        by_repo.entry(repo).or_default().push(("helm", dir));
    }
    for (repo, dir) in listed("scripts/kustomize-conformance.expected", "corpus/") {
        by_repo.entry(repo).or_default().push(("kustomize", dir));
    }
    // the fixtures' kustomizations, checked against `kubectl kustomize` by the same script
    let fixtures = listed("scripts/kustomize-conformance.expected", "fixtures/");
    by_repo.insert(
        "fixtures".to_string(),
        fixtures
            .into_iter()
            .map(|(a, b)| ("kustomize", format!("{a}/{b}")))
            .collect(),
    );
    for (repo, dirs) in by_repo {
        let base = if repo == "fixtures" {
            root().join("fixtures")
        } else {
            corpus.join(&repo)
        };
        let fs = DiskFs::new(base);
        let opts = HelmOptions {
            chart_index: Some(Arc::new(chart_index(&fs))),
            ..Default::default()
        };
        let mut sizes = BTreeMap::new();
        for (kind, dir) in dirs {
            let unit = if kind == "helm" {
                render_chart(&fs, &dir, &opts)
            } else {
                kustomize::build(&fs, &dir)
            };
            let what = format!("{kind} {repo}/{dir}");
            assert_eq!(
                unit.status,
                UnitStatus::Rendered,
                "{what}: {:?}",
                unit.errors
            );
            literal_lines += check_origins(&fs, &unit, &what, &mut sizes);
            let text = stream(&unit);
            out.insert(
                (kind.to_string(), format!("{repo}/{dir}")),
                (digest(&text), text.len()),
            );
        }
    }
    // most rendered lines of the corpus charts are literal template text
    assert!(
        literal_lines > 5_000,
        "{literal_lines} literal lines checked"
    );
    eprintln!("{literal_lines} literal template lines checked");
    out
}

const DIGESTS: &str = "tests/render-digests.tsv";

#[test]
fn conformant_corpus_directories_render_to_their_recorded_digests() {
    let Some(corpus) = shared_corpus() else {
        return;
    };
    let got = render_listed(&corpus);
    assert!(got.len() >= 100, "only {} directories listed", got.len());
    if std::env::var_os("OCTOLINT_UPDATE_DIGESTS").is_some() {
        let mut text = String::from(
            "# Digests (xxh3-64 of the `# Source:` stream) of the corpus directories that\n\
             # scripts/helm-conformance.sh and scripts/kustomize-conformance.sh list as identical\n\
             # to Helm and `kubectl kustomize`. Written by scripts/render-digests.sh; read by\n\
             # tests/render_digests.rs.\n\
             # kind\tdirectory\tdigest\tbytes\n",
        );
        for ((kind, dir), (d, n)) in &got {
            let _ = writeln!(text, "{kind}\t{dir}\t{d}\t{n}");
        }
        std::fs::write(root().join(DIGESTS), text).expect("write digests");
        eprintln!("wrote {} digests to {DIGESTS}", got.len());
        return;
    }
    let want_text = std::fs::read_to_string(root().join(DIGESTS)).expect("digest file");
    let mut want = BTreeMap::new();
    for line in want_text.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f.len(), 4, "{DIGESTS}: bad line {line:?}");
        let bytes: usize = f[3].parse().expect("byte count");
        want.insert(
            (f[0].to_string(), f[1].to_string()),
            (f[2].to_string(), bytes),
        );
    }
    let mut changed = Vec::new();
    for (key, w) in &want {
        match got.get(key) {
            Some(g) if g == w => {}
            Some(g) => changed.push(format!(
                "{} {}: {} ({} bytes), recorded {} ({} bytes)",
                key.0, key.1, g.0, g.1, w.0, w.1
            )),
            None => changed.push(format!("{} {}: no longer listed", key.0, key.1)),
        }
    }
    for key in got.keys().filter(|k| !want.contains_key(*k)) {
        changed.push(format!(
            "{} {}: listed but no digest recorded",
            key.0, key.1
        ));
    }
    assert!(
        changed.is_empty(),
        "rendered output changed (scripts/render-digests.sh re-checks and re-records):\n{}",
        changed.join("\n")
    );
}
