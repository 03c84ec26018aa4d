//! Kustomize `replacements`: built as `kubectl kustomize` builds them (the fixtures'
//! `expected.yaml` are checked by `render_kustomize`), replaced fields originate at the
//! `fieldPaths` entry that wrote them, kustomize's errors are located, and `octolint check`
//! reports a finding a replacement causes at that entry.

mod common;

use std::path::PathBuf;

use octolint::render::kustomize::build;
use octolint::render::{DiskFs, Fs, Role, UnitStatus};

const FX: &str = "fixtures/render/kustomize";

fn fs() -> DiskFs {
    DiskFs::new(PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}

#[test]
fn replaced_fields_originate_at_their_field_path_entry() {
    let fs = fs();
    let u = build(&fs, &format!("{FX}/replacements"));
    assert_eq!(u.status, UnitStatus::Rendered, "{:?}", u.errors);
    let k = format!("{FX}/replacements/kustomization.yaml");
    // `delimiter: ':'`, `index: 1` on the target: the tag of the image only.
    assert_eq!(
        common::origin_of(&u, "nginx:1.27.3"),
        (k.clone(), 14, Role::Transformer)
    );
    assert_eq!(
        common::origin_of(&u, "replicas: 3"),
        (k.clone(), 27, Role::Transformer)
    );
    // From the `path:` file, with a `*` step and a source delimiter.
    assert_eq!(
        common::origin_of(&u, "value: api"),
        (
            format!("{FX}/replacements/more.yaml"),
            12,
            Role::Transformer
        )
    );
    // A map copied whole (`create: true`) keeps its origin at the entry too.
    assert_eq!(
        common::origin_of(&u, "team: web\n      labels"),
        (k, 38, Role::Transformer)
    );
}

#[test]
fn replacements_select_by_previous_names_and_labels_in_an_overlay() {
    let fs = fs();
    let u = build(&fs, &format!("{FX}/replacements-overlay/prod"));
    assert_eq!(u.status, UnitStatus::Rendered, "{:?}", u.errors);
    let k = format!("{FX}/replacements-overlay/prod/kustomization.yaml");
    assert_eq!(
        common::origin_of(&u, "value: \"8080\""),
        (k, 16, Role::Transformer)
    );
    assert_eq!(
        common::origin_of(&u, "service: prod-web"),
        (
            format!("{FX}/replacements-overlay/prod/replacements.yaml"),
            13,
            Role::Transformer
        )
    );
}

#[test]
fn kustomize_replacement_errors_are_located() {
    let fs = fs();
    let u = build(&fs, &format!("{FX}/errors/replacement"));
    assert_eq!(u.status, UnitStatus::Failed);
    let got: Vec<(&str, usize, &str)> = u
        .errors
        .iter()
        .map(|e| {
            let src = fs.read(&e.path).expect("readable");
            (
                e.code,
                src.line_col(e.span.expect("located").start()).line,
                e.message.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "replacement",
                23,
                "replacement file fixtures/render/kustomize/errors/replacement/missing.yaml not found"
            ),
            (
                "replacement",
                12,
                "unable to find field \"spec.clusterIP\" in replacement target Service web"
            ),
            (
                "replacement",
                13,
                "nothing selected by replacement source ConfigMap/absent"
            ),
        ]
    );
    // The rest of the overlay is still built.
    assert_eq!(u.outputs.len(), 1);
    assert!(u.outputs[0].text.contains("kind: Deployment"));
}

#[test]
fn a_finding_a_replacement_causes_is_at_its_field_path_entry() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    common::write(d, "base/kustomization.yaml", "resources:\n  - app.yaml\n");
    common::write(
        d,
        "base/app.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: sizing\ndata:\n  replicas: \"1\"\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.27.2\n",
    );
    common::write(
        d,
        "overlays/prod/kustomization.yaml",
        "resources:\n  - ../../base\nreplacements:\n  - source:\n      kind: ConfigMap\n      name: sizing\n      fieldPath: data.replicas\n    targets:\n      - select:\n          kind: Deployment\n        fieldPaths:\n          - spec.replicas\n",
    );
    let o = common::run(&["check", ".", "--select", "K8S024", "-f", "json"], d);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let found = common::located_findings(&o);
    assert_eq!(
        found,
        vec![(
            "overlays/prod/kustomization.yaml".to_string(),
            12,
            serde_json::json!(["prod"])
        )],
        "{v}"
    );
}

#[test]
fn replacements_stop_at_the_limit_with_a_located_note() {
    // 600 replacements inline and 600 more in a file: 1,200, over the limit of 1,000 (a
    // bound for hostile input, counted across sources)
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let one = "- source: {kind: ConfigMap, name: src, fieldPath: data.v}\n  targets:\n  - select: {kind: ConfigMap, name: dst}\n    fieldPaths: [data.v]\n";
    let inline: String = one
        .repeat(600)
        .lines()
        .map(|l| format!("  {l}\n"))
        .collect();
    std::fs::write(
        d.join("kustomization.yaml"),
        format!("resources:\n- cms.yaml\nreplacements:\n{inline}  - path: more.yaml\n"),
    )
    .expect("write");
    std::fs::write(d.join("more.yaml"), one.repeat(600)).expect("write");
    std::fs::write(
        d.join("cms.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: src\ndata:\n  v: x\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dst\ndata:\n  v: y\n",
    )
    .expect("write");
    let fs = DiskFs::new(d);
    let u = build(&fs, "");
    let notes: Vec<&str> = u
        .errors
        .iter()
        .filter(|e| e.message.contains("replacements"))
        .map(|e| e.message.as_str())
        .collect();
    assert_eq!(notes, ["more than 1000 replacements"], "{:?}", u.errors);
    // the first thousand still apply
    assert!(u.outputs[0].text.contains("name: dst\n") && u.outputs[0].text.contains("v: x\n"));
    // exactly the limit is no problem
    std::fs::write(d.join("more.yaml"), one.repeat(400)).expect("write");
    let u = build(&DiskFs::new(d), "");
    assert!(u.errors.is_empty(), "{:?}", u.errors);
}

#[test]
fn a_replacement_file_is_read_as_kustomize_reads_it() {
    // kubectl kustomize (v5.5): only the first document of a `path:` file counts; an empty
    // one is refused; `path:` beside `source:` alone (no `targets:`) is refused too.
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    common::write(
        d,
        "cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  v: x\n",
    );
    let one = |field: &str| {
        format!(
            "- source: {{kind: ConfigMap, name: a, fieldPath: data.v}}\n  targets:\n  - select: {{kind: ConfigMap}}\n    fieldPaths: [data.{field}]\n    options: {{create: true}}\n"
        )
    };
    common::write(d, "two.yaml", &format!("{}---\n{}", one("w"), one("z")));
    common::write(d, "empty.yaml", "# nothing here\n");
    common::write(d, "null.yaml", "~\n");
    common::write(
        d,
        "kustomization.yaml",
        "resources:\n- cm.yaml\nreplacements:\n- path: two.yaml\n- path: empty.yaml\n- path: two.yaml\n  source: {kind: ConfigMap, name: a, fieldPath: data.v}\n- path: null.yaml\n",
    );
    let fs = DiskFs::new(d);
    let u = build(&fs, "");
    assert!(u.errors.iter().all(|e| &*e.path == "kustomization.yaml"));
    let none = |f: &str| format!("replacement file {f} holds no replacement");
    assert_eq!(
        common::located_errors(&u, &fs),
        [
            (
                "invalid",
                6,
                "cannot specify both path and inline replacement".to_string()
            ),
            ("replacement", 5, none("empty.yaml")),
            ("replacement", 8, none("null.yaml")),
        ]
    );
    let text = &u.outputs[0].text;
    assert!(text.contains("  w: x\n"), "{text}");
    assert!(
        !text.contains("z: x"),
        "the second document applied: {text}"
    );
}
