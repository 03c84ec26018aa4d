//! Kustomize builds in-process: output equal to `kubectl kustomize` (checked in beside each
//! fixture as `expected.yaml`), origins of built fields, errors on bad input, Argo CD
//! inline options.

mod common;

use std::path::PathBuf;
use std::sync::Arc;

use octolint::parse::yaml::parse;
use octolint::render::kustomize::{KustomizeOptions, build, build_with};
use octolint::render::{DiskFs, Fs, RenderUnit, Role, UnitStatus};

const FX: &str = "fixtures/render/kustomize";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fs() -> DiskFs {
    DiskFs::new(root())
}

fn objects(text: &str) -> Vec<serde_json::Value> {
    let p = parse(text);
    assert!(
        p.error.is_none(),
        "output is not YAML: {:?}\n{text}",
        p.error
    );
    p.docs
        .iter()
        .filter(|d| !d.root.is_null())
        .map(|d| d.root.to_json())
        .collect()
}

fn text(u: &RenderUnit) -> &str {
    assert_eq!(u.outputs.len(), 1);
    &u.outputs[0].text
}

/// Every fixture with an `expected.yaml` (what kubectl kustomize v5.5 printed).
fn fixture_dirs() -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root().join(FX)];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n == "expected.yaml") {
                let rel = d.strip_prefix(root()).expect("under root");
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn fixtures_build_as_kubectl_kustomize_does() {
    let fs = fs();
    let dirs = fixture_dirs();
    assert!(dirs.len() >= 15, "fixtures found: {dirs:?}");
    for dir in dirs {
        let u = build(&fs, &dir);
        assert_eq!(u.status, UnitStatus::Rendered, "{dir}: {:?}", u.errors);
        assert!(
            u.errors
                .iter()
                .all(|e| e.code == "conflict" && dir.ends_with("conflicting-patches")),
            "{dir}: {:?}",
            u.errors
        );
        let want = std::fs::read_to_string(root().join(&dir).join("expected.yaml"))
            .expect("expected.yaml");
        assert_eq!(objects(text(&u)), objects(&want), "{dir}");
    }
}

#[test]
fn every_fixture_is_byte_identical_to_kubectl() {
    // Quoting style (plain, single or double), block scalars and line folding at column 80
    // as kubectl (go-yaml) writes them, not only the same objects.
    let fs = fs();
    for dir in fixture_dirs() {
        let u = build(&fs, &dir);
        let want = std::fs::read_to_string(root().join(&dir).join("expected.yaml"))
            .expect("expected.yaml");
        assert_eq!(text(&u), want, "{dir}");
    }
}

#[test]
fn origins_point_at_the_causing_line() {
    let fs = fs();
    let smp = build(&fs, &format!("{FX}/smp-builtin"));
    assert_eq!(
        common::origin_of(&smp, "privileged: true"),
        (format!("{FX}/smp-builtin/privileged.yaml"), 12, Role::Patch)
    );
    assert_eq!(
        common::origin_of(&smp, "patched: \"true\""),
        (
            format!("{FX}/smp-builtin/kustomization.yaml"),
            26,
            Role::Patch
        )
    );
    assert_eq!(
        common::origin_of(&smp, "image: fluentd"),
        (format!("{FX}/smp-builtin/containers.yaml"), 15, Role::Patch)
    );
    assert_eq!(
        common::origin_of(&smp, "image: nginx:1.25"),
        (format!("{FX}/base/deployment.yaml"), 19, Role::Base)
    );

    let images = build(&fs, &format!("{FX}/images"));
    assert_eq!(
        common::origin_of(&images, "image: nginx:1.27"),
        (
            format!("{FX}/images/kustomization.yaml"),
            2,
            Role::Transformer
        )
    );
    let replicas = build(&fs, &format!("{FX}/replicas"));
    assert_eq!(
        common::origin_of(&replicas, "replicas: 5"),
        (
            format!("{FX}/replicas/kustomization.yaml"),
            2,
            Role::Transformer
        )
    );
    let ns = build(&fs, &format!("{FX}/namespace"));
    assert_eq!(
        common::origin_of(&ns, "namespace: shop"),
        (
            format!("{FX}/namespace/kustomization.yaml"),
            1,
            Role::Transformer
        )
    );
    let labels = build(&fs, &format!("{FX}/labels"));
    assert_eq!(
        common::origin_of(&labels, "team: blue"),
        (
            format!("{FX}/labels/kustomization.yaml"),
            2,
            Role::Transformer
        )
    );
    let gen_base = build(&fs, &format!("{FX}/generators/base"));
    assert_eq!(
        common::origin_of(&gen_base, "MODE: prod"),
        (
            format!("{FX}/generators/base/kustomization.yaml"),
            6,
            Role::Generator
        )
    );
    assert_eq!(
        common::origin_of(&gen_base, "name: app-config-"),
        (
            format!("{FX}/generators/base/kustomization.yaml"),
            4,
            Role::Generator
        )
    );
    let json = build(&fs, &format!("{FX}/json6902"));
    assert_eq!(
        common::origin_of(&json, "replicas: 4"),
        (format!("{FX}/json6902/ops.yaml"), 3, Role::Patch)
    );
}

/// Build the kustomization at the root of a fresh directory holding `files` (path, text);
/// the directory lives as long as the returned guard.
fn build_files(files: &[(&str, &str)]) -> (tempfile::TempDir, DiskFs, RenderUnit) {
    let tmp = tempfile::tempdir().expect("tempdir");
    for (rel, text) in files {
        common::write(tmp.path(), rel, text);
    }
    let fs = DiskFs::new(tmp.path());
    let u = build(&fs, "");
    (tmp, fs, u)
}

fn errors(dir: &str) -> (UnitStatus, Vec<(&'static str, String, usize)>) {
    let fs = fs();
    let u = build(&fs, &format!("{FX}/errors/{dir}"));
    let errs = u
        .errors
        .iter()
        .map(|e| {
            let line = match (e.span, fs.read(&e.path)) {
                (Some(s), Some(src)) => src.line_col(s.start()).line,
                _ => 0,
            };
            (e.code, e.path.to_string(), line)
        })
        .collect();
    (u.status, errs)
}

#[test]
fn cycles_are_reported_at_the_resources_entry() {
    let (status, errs) = errors("self-cycle");
    assert_eq!(status, UnitStatus::Failed);
    assert_eq!(
        errs,
        vec![(
            "cycle",
            format!("{FX}/errors/self-cycle/kustomization.yaml"),
            2
        )]
    );
    let (status, errs) = errors("cycle-a");
    assert_eq!(status, UnitStatus::Failed);
    assert_eq!(
        errs,
        vec![(
            "cycle",
            format!("{FX}/errors/cycle-b/kustomization.yaml"),
            2
        )]
    );
}

#[test]
fn a_literal_without_a_key_is_located() {
    // kubectl: "invalid literal source =v, expected key=value"
    let at = format!("{FX}/errors/literal/kustomization.yaml");
    assert_eq!(
        errors("literal"),
        (
            UnitStatus::Failed,
            vec![("invalid", at.clone(), 6), ("invalid", at, 7)]
        )
    );
}

#[test]
fn resources_without_kind_or_name_are_located_and_the_rest_is_kept() {
    // kubectl: "missing metadata.name in object" (a null name is no name)
    let at = format!("{FX}/errors/resources/objects.yaml");
    assert_eq!(
        errors("resources"),
        (
            UnitStatus::Failed,
            vec![
                ("invalid", at.clone(), 1),
                ("invalid", at.clone(), 6),
                ("invalid", at, 10)
            ]
        )
    );
    let u = build(&fs(), &format!("{FX}/errors/resources"));
    assert_eq!(
        text(&u),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fine\n"
    );
}

#[test]
fn a_generator_file_above_the_kustomization_is_refused() {
    assert_eq!(
        errors("generator-outside/k"),
        (
            UnitStatus::Failed,
            vec![(
                "outside-root",
                format!("{FX}/errors/generator-outside/k/kustomization.yaml"),
                5
            )]
        )
    );
}

#[test]
fn a_patch_two_objects_answer_to_is_refused_at_its_entry() {
    assert_eq!(
        errors("patch-ambiguous/overlay"),
        (
            UnitStatus::Failed,
            vec![(
                "conflict",
                format!("{FX}/errors/patch-ambiguous/overlay/kustomization.yaml"),
                7
            )]
        )
    );
}

#[test]
fn missing_resources_outside_paths_and_unmatched_patches_are_located() {
    assert_eq!(
        errors("missing"),
        (
            UnitStatus::Failed,
            vec![(
                "missing-resource",
                format!("{FX}/errors/missing/kustomization.yaml"),
                3
            )]
        )
    );
    assert_eq!(
        errors("outside"),
        (
            UnitStatus::Failed,
            vec![(
                "outside-root",
                format!("{FX}/errors/outside/kustomization.yaml"),
                2
            )]
        )
    );
    let fs = fs();
    let u = build(&fs, &format!("{FX}/errors/no-target"));
    assert_eq!(u.status, UnitStatus::Failed);
    let codes: Vec<(&str, usize)> = u
        .errors
        .iter()
        .map(|e| {
            let src = fs.read(&e.path).expect("readable");
            (e.code, src.line_col(e.span.expect("located").start()).line)
        })
        .collect();
    assert_eq!(codes, vec![("no-target", 5), ("unmatched-target", 11)]);
    assert!(
        u.errors[0].message.contains("Deployment api"),
        "{}",
        u.errors[0].message
    );
    assert!(
        u.errors[1].message.contains("kind=StatefulSet"),
        "{}",
        u.errors[1].message
    );
}

#[test]
fn conflicting_patches_are_noted_and_the_later_one_wins() {
    let fs = fs();
    let dir = format!("{FX}/conflicting-patches");
    let u = build(&fs, &dir);
    assert_eq!(u.status, UnitStatus::Rendered);
    let got: Vec<(&str, usize)> = u
        .errors
        .iter()
        .map(|e| {
            let src = fs.read(&e.path).expect("readable");
            (e.code, src.line_col(e.span.expect("located").start()).line)
        })
        .collect();
    assert_eq!(got, vec![("conflict", 15), ("conflict", 24)]);
    assert!(
        u.errors[1].message.contains("spec.replicas set to 3")
            && u.errors[1].message.contains("overridden with 5"),
        "{}",
        u.errors[1].message
    );
    assert_eq!(
        common::origin_of(&u, "replicas: 5"),
        (format!("{dir}/kustomization.yaml"), 24, Role::Patch)
    );
}

#[test]
fn remote_bases_plugins_and_helm_charts_are_noted_and_the_rest_is_built() {
    let fs = fs();
    let u = build(&fs, &format!("{FX}/errors/remote-and-plugins"));
    assert_eq!(u.status, UnitStatus::Rendered);
    let got: Vec<(&str, usize)> = u
        .errors
        .iter()
        .map(|e| {
            let src = fs.read(&e.path).expect("readable");
            (e.code, src.line_col(e.span.expect("located").start()).line)
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("unsupported", 5),
            ("unsupported", 3),
            ("unsupported", 4),
            ("unsupported", 8)
        ]
    );
    assert_eq!(
        u.errors[3].message,
        "helmCharts were not rendered: chart redis is not under charts (octolint does not pull charts)"
    );
    let objs = objects(text(&u));
    assert_eq!(objs.len(), 2);
    assert!(objs.iter().all(|o| o["metadata"]["namespace"] == "plugins"));
}

#[test]
fn argo_cd_inline_options_apply_with_the_application_as_origin() {
    let fs = fs();
    let app_path = format!("{FX}/argo-app/application.yaml");
    let app = fs.read(&app_path).expect("application");
    let parsed = parse(&app.text);
    let kz = parsed.docs[0]
        .root
        .path(&["spec", "source", "kustomize"])
        .expect("kustomize options")
        .clone();
    let opts = KustomizeOptions::from_application(Arc::clone(&app), &kz);
    let u = build_with(&fs, &format!("{FX}/base"), &opts);
    assert_eq!(u.status, UnitStatus::Rendered, "{:?}", u.errors);
    assert!(u.errors.is_empty(), "{:?}", u.errors);
    assert_eq!(u.namespace.as_deref(), Some("prod"));
    let objs = objects(text(&u));
    let dep = objs
        .iter()
        .find(|o| o["kind"] == "Deployment")
        .expect("deployment");
    assert_eq!(dep["metadata"]["name"], "prod-web");
    assert_eq!(dep["metadata"]["namespace"], "prod");
    assert_eq!(dep["metadata"]["labels"]["env"], "prod");
    assert_eq!(dep["spec"]["replicas"], 4);
    let c0 = &dep["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(c0["image"], "registry.example.com/nginx:1.27");
    assert_eq!(c0["securityContext"]["privileged"], true);
    assert_eq!(
        common::origin_of(&u, "image: registry.example.com/nginx:1.27"),
        (app_path.clone(), 19, Role::Application)
    );
    assert_eq!(
        common::origin_of(&u, "replicas: 4"),
        (app_path.clone(), 23, Role::Application)
    );
    assert_eq!(
        common::origin_of(&u, "name: prod-web"),
        (app_path.clone(), 16, Role::Application)
    );
    assert_eq!(
        common::origin_of(&u, "privileged: true"),
        (app_path, 33, Role::Application)
    );
}

#[test]
fn builds_run_in_parallel_with_the_same_result() {
    fn assert_sync<T: Send + Sync>() {}
    assert_sync::<DiskFs>();
    assert_sync::<RenderUnit>();
    assert_sync::<KustomizeOptions>();
    let fs = fs();
    let dirs = fixture_dirs();
    let serial: Vec<String> = dirs
        .iter()
        .map(|d| text(&build(&fs, d)).to_string())
        .collect();
    let parallel: Vec<String> = std::thread::scope(|s| {
        let hs: Vec<_> = dirs
            .iter()
            .map(|d| {
                let fs = &fs;
                s.spawn(move || text(&build(fs, d)).to_string())
            })
            .collect();
        hs.into_iter()
            .map(|h| h.join().expect("no panic"))
            .collect()
    });
    assert_eq!(serial, parallel);
}

#[test]
fn hostile_input_does_not_panic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let w = |p: &str, t: &str| {
        let path = dir.path().join(p);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, t).expect("write");
    };
    w(
        "a/kustomization.yaml",
        "resources: [r.yaml]\npatches:\n- patch: '[{\"op\": \"remove\", \"path\": \"/nope/0\"}]'\n  target: {kind: ConfigMap}\n- patch: 'not: [valid'\n",
    );
    w(
        "a/r.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: b}\n---\n- not a map\n---\nkind: List\nitems: [1, 2]\n",
    );
    w("b/kustomization.yaml", "- just\n- a list\n");
    w(
        "c/kustomization.yaml",
        "resources: 7\nimages: {a: b}\nnamePrefix: [x]\ntarget: {}\n",
    );
    let fs = DiskFs::new(dir.path());
    for d in ["a", "b", "c", "missing"] {
        let u = build(&fs, d);
        assert!(!u.errors.is_empty(), "{d}: expected errors");
    }
}

/// In-process build time of every corpus kustomization (no process start-up):
/// `cargo test --release --test render_kustomize -- --ignored --nocapture corpus_build_time`.
#[test]
#[ignore = "benchmark; run in release with --ignored --nocapture"]
fn corpus_build_time() {
    let corpus = root().join("../shared/corpus");
    if !corpus.is_dir() {
        assert!(
            std::env::var_os("CI").is_none(),
            "../shared is required in CI"
        );
        eprintln!("SKIP: ../shared is absent");
        return;
    }
    let mut dirs = Vec::new();
    let mut stack = vec![corpus.clone()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            let name = e.file_name();
            if p.is_dir() && name != ".git" {
                stack.push(p);
            } else if ["kustomization.yaml", "kustomization.yml", "Kustomization"]
                .iter()
                .any(|k| name == *k)
            {
                let rel = d.strip_prefix(&corpus).expect("under corpus");
                dirs.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    dirs.sort();
    let fs = DiskFs::new(&corpus);
    let runs = 20;
    let start = std::time::Instant::now();
    let mut objects = 0;
    for _ in 0..runs {
        objects = 0;
        for d in &dirs {
            let u = build(&fs, d);
            objects += u
                .outputs
                .iter()
                .map(|o| o.text.matches("\nkind: ").count())
                .sum::<usize>();
        }
    }
    let per = start.elapsed() / runs;
    eprintln!(
        "in-process build of {} corpus kustomizations: {:.1} ms per pass (~{objects} objects), one thread",
        dirs.len(),
        per.as_secs_f64() * 1000.0
    );
}

#[test]
fn patches_of_different_objects_never_conflict() {
    // Two patches set spec.replicas to different values, each on its own Deployment: no
    // conflict (one object's field is not another's); a third on `a` again is one.
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let dep = |n: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {n}\nspec:\n  replicas: 1\n"
        )
    };
    std::fs::write(
        d.join("deploys.yaml"),
        format!("{}---\n{}", dep("a"), dep("b")),
    )
    .expect("w");
    let patch = |n: &str, r: u32| {
        format!(
            "- patch: |-\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata:\n      name: {n}\n    spec:\n      replicas: {r}\n"
        )
    };
    std::fs::write(
        d.join("kustomization.yaml"),
        format!(
            "resources:\n- deploys.yaml\npatches:\n{}{}",
            patch("a", 2),
            patch("b", 3)
        ),
    )
    .expect("w");
    let u = build(&DiskFs::new(d), "");
    assert_eq!(u.status, UnitStatus::Rendered);
    assert!(u.errors.is_empty(), "{:?}", u.errors);
    std::fs::write(
        d.join("kustomization.yaml"),
        format!(
            "resources:\n- deploys.yaml\npatches:\n{}{}{}",
            patch("a", 2),
            patch("b", 3),
            patch("a", 4)
        ),
    )
    .expect("w");
    let u = build(&DiskFs::new(d), "");
    let codes: Vec<&str> = u.errors.iter().map(|e| e.code).collect();
    assert_eq!(codes, ["conflict"], "{:?}", u.errors);
    assert!(
        u.errors[0].message.contains("spec.replicas set to 2"),
        "{}",
        u.errors[0].message
    );
}

#[test]
fn a_local_helm_chart_renders_with_its_release_namespace_and_values_file() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    let w = |rel: &str, body: &str| common::write(d, rel, body);
    w(
        "k/charts/web/Chart.yaml",
        "apiVersion: v2\nname: web\nversion: 0.1.0\n",
    );
    w(
        "k/charts/web/templates/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cm\n  namespace: {{ .Release.Namespace }}\ndata:\n  size: {{ .Values.size | quote }}\n",
    );
    w("k/charts/web/values.yaml", "size: small\n");
    w("k/values-prod.yaml", "size: large\n");
    let kust = |inline: &str| {
        format!(
            "helmCharts:\n- name: web\n  releaseName: shop\n  namespace: prod\n  valuesFile: values-prod.yaml\n{inline}"
        )
    };
    let fs = DiskFs::new(d);
    for (inline, noted) in [
        ("", false),
        ("  valuesInline:\n", false),
        ("  valuesInline:\n    size: huge\n", true),
    ] {
        w("k/kustomization.yaml", &kust(inline));
        let u = build(&fs, "k");
        assert_eq!(u.status, UnitStatus::Rendered, "{inline:?}: {:?}", u.errors);
        let objs = objects(text(&u));
        assert_eq!(objs.len(), 1, "{inline:?}");
        assert_eq!(objs[0]["metadata"]["name"], "shop-cm");
        assert_eq!(objs[0]["metadata"]["namespace"], "prod");
        assert_eq!(objs[0]["data"]["size"], "large");
        let notes: Vec<&str> = u.errors.iter().map(|e| e.message.as_str()).collect();
        let want: &[&str] = if noted {
            &["helmCharts web: valuesInline is not passed to the chart; rendered without it"]
        } else {
            &[]
        };
        assert_eq!(notes, want, "{inline:?}");
    }
    // The chart's output keeps its origins: each field at the template line that wrote it.
    let u = build(&fs, "k");
    let out = &u.outputs[0];
    let at = |needle: &str| {
        let i = out.text.find(needle).expect("in output");
        let o = out
            .origins
            .primary(octolint::source::Span::new(i, i + 1))
            .expect("an origin");
        let src = fs.read(&o.path).expect("readable");
        (o.path.to_string(), src.line_col(o.span.start()).line)
    };
    assert_eq!(
        at("large"),
        ("k/charts/web/templates/cm.yaml".to_string(), 7)
    );
    assert_eq!(
        at("shop-cm"),
        ("k/charts/web/templates/cm.yaml".to_string(), 4)
    );
}

#[test]
fn a_patch_nested_300_levels_deep_merges_whole() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    let nested = |leaf: &str| {
        let mut s = String::from("spec:\n");
        for i in 1..=300 {
            s.push_str(&format!("{}a:\n", "  ".repeat(i)));
        }
        s.push_str(&format!("{}v: {leaf}\n", "  ".repeat(301)));
        s
    };
    let head = "apiVersion: example.com/v1\nkind: Deep\nmetadata:\n  name: d\n";
    common::write(d, "deep.yaml", &format!("{head}{}", nested("1")));
    common::write(d, "patch.yaml", &format!("{head}{}", nested("2")));
    common::write(
        d,
        "kustomization.yaml",
        "resources:\n- deep.yaml\npatches:\n- path: patch.yaml\n",
    );
    let u = build(&DiskFs::new(d), "");
    assert_eq!(u.status, UnitStatus::Rendered, "{:?}", u.errors);
    let out = text(&u);
    assert!(
        out.contains(&format!("{}v: 2\n", "  ".repeat(301))),
        "{out}"
    );
}

#[test]
fn an_object_nested_to_the_parser_limit_is_built_whole() {
    // 512 collections deep (the mapping and 511 lists), the most the YAML parser reads: the
    // innermost value is still there
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    let deep = |lists: usize| {
        format!(
            "apiVersion: example.com/v1\nkind: Deep\nmetadata:\n  name: d\nspec:\n  {}innermost\n",
            "- ".repeat(lists)
        )
    };
    common::write(d, "kustomization.yaml", "resources:\n- deep.yaml\n");
    common::write(d, "deep.yaml", &deep(511));
    let u = build(&DiskFs::new(d), "");
    assert_eq!(u.status, UnitStatus::Rendered, "{:?}", u.errors);
    assert!(text(&u).contains("- innermost\n"), "{}", text(&u));
    // one level more is a located parse error, not a silently cut object
    common::write(d, "deep.yaml", &deep(512));
    let u = build(&DiskFs::new(d), "");
    assert_eq!(u.status, UnitStatus::Failed);
}

#[test]
fn a_build_holds_up_to_2000_kustomizations_and_an_empty_one_is_rendered() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    let kids = |n: usize| {
        let list: String = (1..n).map(|i| format!("- k{i}\n")).collect();
        format!("resources:\n{list}")
    };
    for i in 1..2000 {
        common::write(d, &format!("k{i}/kustomization.yaml"), "resources: []\n");
    }
    // the root and 1,999 below it: exactly the budget; nothing to build is no failure
    common::write(d, "kustomization.yaml", &kids(2000));
    let u = build(&DiskFs::new(d), "");
    assert_eq!(u.status, UnitStatus::Rendered, "{:?}", u.errors);
    assert!(u.errors.is_empty() && text(&u).is_empty(), "{:?}", u.errors);
    // one more is over it, noted at the entry that went over
    common::write(d, "k2000/kustomization.yaml", "resources: []\n");
    common::write(d, "kustomization.yaml", &kids(2001));
    let u = build(&DiskFs::new(d), "");
    assert_eq!(u.status, UnitStatus::Failed);
    let got: Vec<(&str, &str)> = u
        .errors
        .iter()
        .map(|e| (e.code, e.message.as_str()))
        .collect();
    assert_eq!(got, [("budget", "too many kustomizations in one build")]);
}

#[test]
fn a_helm_chart_that_renders_nothing_or_fails_is_noted_with_why() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    common::write(
        d,
        "k/charts/lib/Chart.yaml",
        "apiVersion: v2\nname: lib\nversion: 0.1.0\ntype: library\n",
    );
    common::write(
        d,
        "k/charts/broken/Chart.yaml",
        "apiVersion: v2\nname: broken\nversion: 0.1.0\n",
    );
    common::write(
        d,
        "k/charts/broken/templates/cm.yaml",
        "{{ fail \"no\" }}\n",
    );
    common::write(
        d,
        "k/kustomization.yaml",
        "helmCharts:\n- name: lib\n- name: broken\n",
    );
    let u = build(&DiskFs::new(d), "k");
    let got: Vec<&str> = u
        .errors
        .iter()
        .filter(|e| e.code == "unsupported")
        .map(|e| e.message.as_str())
        .collect();
    assert_eq!(
        got,
        [
            "helmCharts were not rendered: lib: library chart: renders nothing",
            "helmCharts were not rendered: broken: the chart failed to render"
        ],
        "{:?}",
        u.errors
    );
}

#[test]
fn argo_cd_inline_options_replace_entries_of_the_same_key_and_keep_the_others() {
    // `kustomize edit set …`, which Argo CD runs: an option replaces the kustomization's entry
    // of the same label, annotation, image or replica name; the other entries stay
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    let dep = |name: &str, image: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n      - name: {name}\n        image: {image}\n"
        )
    };
    common::write(
        d,
        "k/app.yaml",
        &format!("{}---\n{}", dep("web", "nginx"), dep("db", "redis")),
    );
    common::write(
        d,
        "k/kustomization.yaml",
        "resources:\n- app.yaml\ncommonLabels:\n  team: a\n  tier: web\ncommonAnnotations:\n  note: a\n  keep: kept\nimages:\n- name: nginx\n  newTag: '1'\n- name: redis\n  newTag: '7'\nreplicas:\n- name: web\n  count: 5\n- name: db\n  count: 2\n",
    );
    common::write(
        d,
        "app.yaml",
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: a\nspec:\n  source:\n    path: k\n    kustomize:\n      commonLabels:\n        team: b\n      commonAnnotations:\n        note: b\n      images:\n      - nginx:2\n      replicas:\n      - name: web\n        count: 3\n",
    );
    let fs = DiskFs::new(d);
    let app = fs.read("app.yaml").expect("application");
    let parsed = parse(&app.text);
    let kz = parsed.docs[0]
        .root
        .path(&["spec", "source", "kustomize"])
        .expect("kustomize options")
        .clone();
    let opts = KustomizeOptions::from_application(Arc::clone(&app), &kz);
    let u = build_with(&fs, "k", &opts);
    assert!(u.errors.is_empty(), "{:?}", u.errors);
    let objs = objects(text(&u));
    let got: Vec<(String, String, String, String, String, u64)> = objs
        .iter()
        .map(|o| {
            let s = |v: &serde_json::Value| v.as_str().unwrap_or("-").to_string();
            (
                s(&o["metadata"]["name"]),
                s(&o["metadata"]["labels"]["team"]),
                s(&o["metadata"]["labels"]["tier"]),
                format!(
                    "{}/{}",
                    s(&o["metadata"]["annotations"]["note"]),
                    s(&o["metadata"]["annotations"]["keep"])
                ),
                s(&o["spec"]["template"]["spec"]["containers"][0]["image"]),
                o["spec"]["replicas"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    let row = |n: &str, image: &str, replicas: u64| {
        (
            n.to_string(),
            "b".to_string(),
            "web".to_string(),
            "b/kept".to_string(),
            image.to_string(),
            replicas,
        )
    };
    assert_eq!(got, [row("db", "redis:7", 2), row("web", "nginx:2", 3)]);
}

#[test]
fn conflict_notes_cover_every_field_two_patches_set_but_the_id() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    common::write(
        d,
        "x.yaml",
        "apiVersion: example.com/v1\nkind: Example\nmetadata:\n  name: x\nspec: {}\n",
    );
    // a leaf 64 keys deep (`spec.deep`, 61 more, `leaf`), the deepest the notes follow
    let deep = |v: &str| {
        let mut s = String::from("spec:\n  ref:\n    kind: ");
        s.push_str(v);
        s.push_str("\n  deep:\n");
        for i in 0..61 {
            s.push_str(&format!("{}d{i}:\n", "  ".repeat(i + 2)));
        }
        s.push_str(&format!("{}leaf: {v}\n", "  ".repeat(63)));
        s
    };
    let patch = |av: &str, name: &str, v: &str| {
        let body = format!(
            "apiVersion: {av}\nkind: Example\nmetadata:\n  name: {name}\n  labels:\n    team: {v}\nentries:\n- name: e\n  kind: {v}\n{}",
            deep(v)
        );
        let indented: String = body.lines().map(|l| format!("    {l}\n")).collect();
        format!("- target: {{kind: Example, name: x}}\n  patch: |-\n{indented}")
    };
    common::write(
        d,
        "kustomization.yaml",
        &format!(
            "resources:\n- x.yaml\npatches:\n{}{}",
            patch("example.com/v1", "x", "a"),
            patch("placeholder/v9", "any", "b")
        ),
    );
    let u = build(&DiskFs::new(d), "");
    assert_eq!(u.status, UnitStatus::Rendered, "{:?}", u.errors);
    let mut got: Vec<String> = u
        .errors
        .iter()
        .map(|e| {
            assert_eq!(e.code, "conflict");
            e.message
                .split(" set to ")
                .next()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    got.sort();
    let leaf = format!(
        "spec.deep.{}.leaf",
        (0..61)
            .map(|i| format!("d{i}"))
            .collect::<Vec<_>>()
            .join(".")
    );
    assert_eq!(
        got,
        [
            "Example x: entries[name=e].kind".to_string(),
            "Example x: metadata.labels.team".to_string(),
            format!("Example x: {leaf}"),
            "Example x: spec.ref.kind".to_string(),
        ]
    );
}

#[test]
fn images_are_set_at_any_depth_as_kubectl_sets_them() {
    // a container list 150 levels down (kubectl kustomize rewrites it; the walk once stopped
    // at 100)
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    let mut s =
        String::from("apiVersion: example.com/v1\nkind: Deep\nmetadata:\n  name: d\nspec:\n");
    for i in 1..=150 {
        s.push_str(&format!("{}a:\n", "  ".repeat(i)));
    }
    let pad = "  ".repeat(151);
    s.push_str(&format!(
        "{pad}containers:\n{pad}- name: c\n{pad}  image: nginx:1\n"
    ));
    common::write(d, "d.yaml", &s);
    common::write(
        d,
        "kustomization.yaml",
        "resources:\n- d.yaml\nimages:\n- name: nginx\n  newTag: \"2\"\n",
    );
    let u = build(&DiskFs::new(d), "");
    assert_eq!(u.status, UnitStatus::Rendered, "{:?}", u.errors);
    assert!(text(&u).contains("image: nginx:2\n"), "{}", text(&u));
}

#[test]
fn an_image_name_that_is_no_regular_expression_is_refused_at_its_entry() {
    // kubectl kustomize crashes on it (a nil regexp); octolint says why, at the entry
    let (_tmp, fs, u) = build_files(&[
        (
            "p.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: \"my(image:1\"\n",
        ),
        (
            "kustomization.yaml",
            "resources:\n- p.yaml\nimages:\n- name: \"my(image\"\n  newTag: \"2\"\n",
        ),
    ]);
    assert_eq!(u.status, UnitStatus::Failed);
    assert_eq!(
        common::located_errors(&u, &fs),
        [(
            "invalid",
            4,
            "images: name \"my(image\" is not a valid regular expression (kustomize matches image names as one, and crashes on it)".to_string()
        )]
    );
}

#[test]
fn a_patch_target_that_is_no_regular_expression_is_refused_at_its_entry() {
    // kubectl: "error parsing regexp: missing closing ): `^(?:web()$`"
    let (_tmp, fs, u) = build_files(&[
        (
            "c.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \"web(\"\ndata: {a: \"1\"}\n",
        ),
        (
            "kustomization.yaml",
            "resources:\n- c.yaml\npatches:\n- target: {kind: ConfigMap, name: \"web(\"}\n  patch: |-\n    - op: add\n      path: /data/b\n      value: \"2\"\n- target: {namespace: \"(\"}\n  patch: |-\n    apiVersion: v1\n    kind: ConfigMap\n    metadata:\n      name: x\n",
        ),
    ]);
    assert_eq!(u.status, UnitStatus::Failed);
    let msg = |what: &str, p: &str| {
        format!("patch target {what} {p:?} is not a valid regular expression")
    };
    assert_eq!(
        common::located_errors(&u, &fs),
        [
            ("invalid", 4, msg("name", "web(")),
            ("invalid", 9, msg("namespace", "("))
        ]
    );
    assert!(!text(&u).contains("b: \"2\""), "{}", text(&u));
}
