//! Fixture runner: every rule has `fixtures/<ID>/{pass,fail}/` cases. Each case (a file or a
//! directory) is checked with only that rule enabled. A pass case gives no findings; a fail
//! case gives at least one, all of that rule, exactly on the lines marked `# expect: <ID>`.
//! A fail case must say where its findings are: markers in its files, or, for a file that
//! cannot hold a comment (JSON, binary), a sidecar `fail/<case>.expect` listing
//! `<path>:<line>` (or `<path>` alone for a finding on the whole file), one per line. The rendered diagnostics are snapshotted beside them, in
//! `fixtures/<ID>/<ID>-<pass|fail>-<case>.snap`. Also checks registry invariants and that `rules/<ID>.md` pages
//! are fresh (regenerate with `OCTOLINT_BLESS=1 cargo test`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use octolint::catalog::all_meta;
use octolint::config::Settings;
use octolint::pipeline::{self, RunOptions};
use octolint::policy::{Policies, PolicyOptions};
use octolint::report::{ReportOptions, text};
use octolint::rules::docs;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn cases(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    // Sidecar expectations are not cases.
    v.retain(|p| p.extension().is_none_or(|e| e != "expect"));
    v.sort();
    v
}

/// Lines marked `expect: ID` in every text file of the case, and those its sidecar
/// `<case>.expect` lists, as (relative path, line); line 0 is a finding on the whole file.
fn markers(base: &Path, case: &Path, id: &str) -> BTreeSet<(String, usize)> {
    let mut out = BTreeSet::new();
    let mut sidecar = case.as_os_str().to_owned();
    sidecar.push(".expect");
    if let Ok(text) = std::fs::read_to_string(PathBuf::from(sidecar)) {
        for line in text.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let entry = match line.rsplit_once(':') {
                Some((path, n)) => (
                    path.to_string(),
                    n.parse::<usize>()
                        .unwrap_or_else(|_| panic!("{}: bad line in {line:?}", case.display())),
                ),
                None => (line.to_string(), 0),
            };
            out.insert(entry);
        }
    }
    let files: Vec<PathBuf> = if case.is_dir() {
        walk(case)
    } else {
        vec![case.to_path_buf()]
    };
    let needle = format!("expect: {id}");
    for f in files {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        let rel = f
            .strip_prefix(base)
            .unwrap_or(&f)
            .to_string_lossy()
            .replace('\\', "/");
        for (i, line) in text.lines().enumerate() {
            if line.contains(&needle) {
                out.insert((rel.clone(), i + 1));
            }
        }
    }
    out
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in cases(dir) {
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn every_rule_fixture_behaves() {
    let metas = all_meta();
    let mut checked = 0;
    for meta in &metas {
        let dir = root().join("fixtures").join(meta.id);
        // The bundled policies always; a rule about policies keeps its own in `policy/`.
        let own = dir.join("policy");
        let policies = Policies::load(&PolicyOptions {
            bundled: true,
            dirs: if own.is_dir() { vec![own] } else { Vec::new() },
            ..PolicyOptions::default()
        })
        .expect("policies load")
        .map(std::sync::Arc::new);
        for kind in ["pass", "fail"] {
            let base = dir.join(kind);
            let list = cases(&base);
            assert!(
                !list.is_empty(),
                "{} has no {kind} fixtures in {}",
                meta.id,
                base.display()
            );
            for case in list {
                let name = case
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default();
                // A rule that needs configuration keeps it beside its fixtures.
                let cfg = dir.join("octolint.toml");
                let mut settings = if cfg.is_file() {
                    Settings::load(&cfg).expect("fixture config")
                } else {
                    Settings::defaults()
                };
                settings.select = vec![meta.id.to_string()];
                settings.options.checked_root = Some(base.clone());
                let opts = RunOptions {
                    paths: vec![case.clone()],
                    base: base.clone(),
                    follow_links: false,
                    jobs: 2,
                    exclude: Vec::new(),
                    baseline: None,
                    policies: policies.clone(),
                    no_builtin: false,
                    render: true,
                    prefixes: Default::default(),
                };
                let outcome = pipeline::run(&opts, &settings).expect("runs");
                let active: Vec<_> = outcome
                    .findings
                    .iter()
                    .filter(|f| f.suppressed.is_none())
                    .collect();
                for f in &active {
                    assert_eq!(
                        f.rule_id.as_ref(),
                        meta.id,
                        "{kind}/{name}: unexpected {} {}",
                        f.rule_id,
                        f.message
                    );
                }
                if kind == "pass" {
                    assert!(
                        active.is_empty(),
                        "{}: pass/{name} must be quiet, got {:?}",
                        meta.id,
                        active
                            .iter()
                            .map(|f| (
                                &f.location.path,
                                f.location.region.map(|r| r.start.line),
                                &f.message
                            ))
                            .collect::<Vec<_>>()
                    );
                } else {
                    assert!(!active.is_empty(), "{}: fail/{name} must fire", meta.id);
                    // Findings carry the rule's declared severity (the one `octolint rules`
                    // and the rule page show), unless the fixture's config sets another.
                    for f in &active {
                        let want = match settings.level_at(&f.location.path, meta.id, meta.name) {
                            Some(octolint::config::Level::On(sev)) => sev,
                            _ => meta.severity,
                        };
                        assert_eq!(
                            f.severity, want,
                            "{}: fail/{name}: {} has severity {} but the rule declares {}",
                            meta.id, f.message, f.severity, want
                        );
                    }
                    let expected = markers(&base, &case, meta.id);
                    assert!(
                        !expected.is_empty(),
                        "{}: fail/{name} says nowhere where it fires: mark the lines with \
                         `# expect: {}` or list them in fail/{name}.expect",
                        meta.id,
                        meta.id
                    );
                    let got: BTreeSet<(String, usize)> = active
                        .iter()
                        .map(|f| {
                            (
                                f.location.path.to_string(),
                                f.location.region.map_or(0, |r| r.start.line),
                            )
                        })
                        .collect();
                    assert_eq!(
                        got, expected,
                        "{}: fail/{name}: findings vs `expect:` markers",
                        meta.id
                    );
                }
                let ropts = ReportOptions {
                    root: base.clone(),
                    color: false,
                    show_suppressed: true,
                    category: "octolint/".into(),
                    secrets: None,
                };
                let rendered = text::render(&outcome, &ropts);
                let mut s = insta::Settings::clone_current();
                s.set_snapshot_path(dir.clone());
                s.set_prepend_module_to_snapshot(false);
                s.set_omit_expression(true);
                s.bind(|| insta::assert_snapshot!(format!("{}-{kind}-{name}", meta.id), rendered));
                checked += 1;
            }
        }
    }
    assert!(checked >= 2 * metas.len());
}

#[test]
fn rule_pages_are_fresh() {
    let bless = std::env::var_os("OCTOLINT_BLESS").is_some();
    let dir = root().join("rules");
    for meta in all_meta() {
        let path = dir.join(format!("{}.md", meta.id));
        let want = docs::markdown_page(meta);
        if bless {
            std::fs::write(&path, &want).expect("write page");
            continue;
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(
            have,
            want,
            "{} is stale: run `OCTOLINT_BLESS=1 cargo test`",
            path.display()
        );
    }
    let index = dir.join("README.md");
    let want = docs::markdown_index(&all_meta());
    if bless {
        std::fs::write(&index, &want).expect("write index");
    } else {
        let have = std::fs::read_to_string(&index).unwrap_or_default();
        assert_eq!(
            have, want,
            "rules/README.md is stale: run `OCTOLINT_BLESS=1 cargo test`"
        );
    }
}
