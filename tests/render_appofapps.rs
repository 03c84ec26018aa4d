//! App-of-apps: the Argo CD hierarchy followed from the root Application. Children written in
//! a directory the root deploys learn their parent; children a chart or kustomization renders
//! become render units in turn, with findings at the real template or values line; cycles
//! and over-deep chains are located coverage notes; the ApplicationSet git files generator.

mod common;

use common::{run, write};

/// A finding's path, line, environments and related (path, line)s.
type Located = (String, u64, serde_json::Value, Vec<(String, u64)>);

fn json(o: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("invalid JSON ({e}): {}", String::from_utf8_lossy(&o.stdout)))
}

/// (application, kind, source, environment, namespace, parent) of every `octolint apps` row.
fn rows(d: &std::path::Path) -> Vec<(String, String, String, String, String, String)> {
    let v = json(&run(&["apps", ".", "--json"], d));
    let s = |r: &serde_json::Value, k: &str| r[k].as_str().unwrap_or("null").to_string();
    v.as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                s(r, "application"),
                s(r, "kind"),
                s(r, "source"),
                s(r, "environment"),
                s(r, "namespace"),
                s(r, "parent"),
            )
        })
        .collect()
}

fn row(
    a: &str,
    k: &str,
    s: &str,
    e: &str,
    n: &str,
    p: &str,
) -> (String, String, String, String, String, String) {
    (a.into(), k.into(), s.into(), e.into(), n.into(), p.into())
}

/// The render coverage notes of `octolint check`.
fn notes(d: &std::path::Path) -> Vec<String> {
    let v = json(&run(&["check", ".", "-f", "json", "--fail-on", "never"], d));
    v["coverage"]["render"]["notes"]
        .as_array()
        .expect("notes")
        .iter()
        .filter_map(|n| n.as_str().map(str::to_string))
        .collect()
}

const WEB_TEMPLATE: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}-web\nspec:\n  replicas: {{ .Values.replicas }}\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n        - name: web\n          image: \"nginx:{{ .Values.tag }}\"\n          securityContext:\n            privileged: {{ .Values.privileged }}\n";

const APPS_TEMPLATE: &str = "{{- range .Values.apps }}\n---\napiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: {{ .name }}-{{ $.Values.env }}\n  namespace: argocd\nspec:\n  project: default\n  destination:\n    server: https://kubernetes.default.svc\n    namespace: {{ .name }}-{{ $.Values.env }}\n  source:\n    repoURL: https://example.com/gitops.git\n    targetRevision: v1.0.0\n    path: {{ .path }}\n    helm:\n      valuesObject:\n        privileged: {{ .privileged }}\n{{- end }}\n";

fn app(name: &str, ns: &str, path: &str, extra: &str) -> String {
    format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: {name}\n  namespace: argocd\nspec:\n  project: default\n  destination:\n    server: https://kubernetes.default.svc\n    namespace: {ns}\n  source:\n    repoURL: https://example.com/gitops.git\n    targetRevision: v1.0.0\n    path: {path}\n{extra}"
    )
}

/// The `web` chart (a Deployment) under `charts/web`.
fn web_chart(d: &std::path::Path) {
    write(
        d,
        "charts/web/Chart.yaml",
        "apiVersion: v2\nname: web\nversion: 0.1.0\n",
    );
    write(d, "charts/web/templates/deployment.yaml", WEB_TEMPLATE);
}

/// The chart of Applications under `charts/apps` with `template`, whose prod values list
/// one Application (name, path, privileged).
fn apps_chart(d: &std::path::Path, template: &str, one: (&str, &str, bool)) {
    write(
        d,
        "charts/apps/Chart.yaml",
        "apiVersion: v2\nname: apps\nversion: 0.1.0\n",
    );
    write(d, "charts/apps/templates/apps.yaml", template);
    let (name, path, privileged) = one;
    write(
        d,
        "charts/apps/values.yaml",
        &format!(
            "env: prod\napps:\n  - name: {name}\n    path: {path}\n    privileged: {privileged}\n"
        ),
    );
}

/// `boot/apps-prod.yaml`: the Application that deploys the chart of Applications.
fn deploy_apps_chart(d: &std::path::Path) {
    write(
        d,
        "boot/apps-prod.yaml",
        &app("apps-prod", "argocd", "charts/apps", ""),
    );
}

/// No row is an Application the chart of Applications rendered.
fn assert_no_child_of_apps_chart(d: &std::path::Path) {
    let got = rows(d);
    assert!(
        !got.iter()
            .any(|r| r.0.starts_with("charts/apps/templates/")),
        "{got:#?}"
    );
}

#[test]
fn a_chart_of_applications_renders_each_child_with_findings_at_the_values_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(
        d,
        "charts/web/Chart.yaml",
        "apiVersion: v2\nname: web\nversion: 0.1.0\n",
    );
    write(d, "charts/web/templates/deployment.yaml", WEB_TEMPLATE);
    write(
        d,
        "charts/web/values.yaml",
        "replicas: 2\ntag: \"1.27.2\"\nprivileged: false\n",
    );
    write(
        d,
        "charts/apps/Chart.yaml",
        "apiVersion: v2\nname: apps\nversion: 0.1.0\n",
    );
    write(d, "charts/apps/templates/apps.yaml", APPS_TEMPLATE);
    write(d, "charts/apps/values.yaml", "env: dev\napps: []\n");
    write(
        d,
        "charts/apps/values-prod.yaml",
        "env: prod\napps:\n  - name: web\n    path: charts/web\n    privileged: true\n",
    );
    // The root manages its own directory (itself included) and the apps chart's Application.
    write(d, "apps/root.yaml", &app("root", "argocd", "apps", ""));
    write(
        d,
        "apps/apps-prod.yaml",
        &app(
            "apps-prod",
            "argocd",
            "charts/apps",
            "    helm:\n      valueFiles:\n        - values-prod.yaml\n",
        ),
    );
    let o = run(&["check", ".", "--select", "K8S001", "-f", "json"], d);
    let v = json(&o);
    let findings = v["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 1, "{v}");
    let f = &findings[0];
    assert_eq!(f["rule_id"], "K8S001");
    // The child's inline `valuesObject` was written by the apps chart from its prod values.
    assert_eq!(f["location"]["path"], "charts/apps/values-prod.yaml");
    assert_eq!(f["location"]["region"]["start_line"], 5);
    assert_eq!(f["environments"], serde_json::json!(["prod"]));
    let related: Vec<(String, u64)> = f["related"]
        .as_array()
        .expect("related")
        .iter()
        .map(|r| {
            (
                r["path"].as_str().unwrap_or("").to_string(),
                r["region"]["start_line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        related,
        vec![
            ("charts/web/templates/deployment.yaml".to_string(), 17),
            // The child Application: the template line of its `source`.
            ("charts/apps/templates/apps.yaml".to_string(), 14),
        ]
    );
    // No location anywhere points at rendered text.
    let all = String::from_utf8_lossy(
        &run(&["check", ".", "-f", "json", "--fail-on", "never"], d).stdout,
    )
    .into_owned();
    assert!(!all.contains(".octolint-render"), "{all}");

    assert_eq!(
        rows(d),
        vec![
            row(
                "apps/root.yaml:12",
                "directory",
                "apps",
                "-",
                "argocd",
                "null"
            ),
            row(
                "apps/apps-prod.yaml:12",
                "helm",
                "charts/apps",
                "prod",
                "argocd",
                "apps/root.yaml:12"
            ),
            row("-", "helm", "charts/web", "-", "default", "null"),
            row(
                "charts/apps/templates/apps.yaml:14",
                "helm",
                "charts/web",
                "prod",
                "web-prod",
                "apps/apps-prod.yaml:12"
            ),
        ]
    );
    let text = String::from_utf8_lossy(&run(&["apps", "."], d).stdout).into_owned();
    assert!(
        text.contains("charts/apps/templates/apps.yaml:14 helm charts/web [env prod, namespace web-prod]: rendered, 1 object(s), deployed by apps/apps-prod.yaml:12"),
        "{text}"
    );
    // A root that manages itself is no cycle.
    assert_eq!(notes(d), Vec::<String>::new());
}

/// A chart `name` whose only template is an Application `app` deploying chart `next`.
fn chart_of_app(d: &std::path::Path, name: &str, app_name: &str, next: &str) {
    write(
        d,
        &format!("charts/{name}/Chart.yaml"),
        &format!("apiVersion: v2\nname: {name}\nversion: 0.1.0\n"),
    );
    write(
        d,
        &format!("charts/{name}/templates/app.yaml"),
        &app(app_name, app_name, &format!("charts/{next}"), ""),
    );
}

#[test]
fn a_cycle_of_applications_is_a_located_note_and_ends() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    chart_of_app(d, "x", "b", "y");
    chart_of_app(d, "y", "c", "x");
    write(d, "root/a.yaml", &app("a", "a", "charts/x", ""));
    assert_eq!(
        notes(d),
        vec![
            "charts/y/templates/app.yaml:12: app-of-apps cycle: a -> b -> c; Application c is not rendered again"
                .to_string()
        ]
    );
    assert_eq!(
        rows(d),
        vec![
            row("root/a.yaml:12", "helm", "charts/x", "-", "a", "null"),
            // Rendered once more on its own (no Application deploys it when the walk starts).
            row("-", "helm", "charts/y", "-", "default", "null"),
            row(
                "charts/x/templates/app.yaml:12",
                "helm",
                "charts/y",
                "-",
                "b",
                "root/a.yaml:12"
            ),
        ]
    );
    let text = String::from_utf8_lossy(&run(&["apps", "."], d).stdout).into_owned();
    assert!(
        text.ends_with("note: charts/y/templates/app.yaml:12: app-of-apps cycle: a -> b -> c; Application c is not rendered again\n"),
        "{text}"
    );
}

#[test]
fn a_chain_deeper_than_the_limit_is_a_located_note() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    for i in 0..10 {
        chart_of_app(
            d,
            &format!("c{i}"),
            &format!("lvl{}", i + 1),
            &format!("c{}", i + 1),
        );
    }
    write(d, "boot/root.yaml", &app("lvl0", "lvl0", "charts/c0", ""));
    assert_eq!(
        notes(d),
        vec!["charts/c8/templates/app.yaml:12: app-of-apps deeper than 8 levels: Application lvl9 is not rendered".to_string()]
    );
    let r = rows(d);
    let children: Vec<_> = r.iter().filter(|r| r.5 != "null").collect();
    assert_eq!(children.len(), 8, "{r:?}");
    assert_eq!(
        children[7],
        &row(
            "charts/c7/templates/app.yaml:12",
            "helm",
            "charts/c8",
            "-",
            "lvl8",
            "charts/c6/templates/app.yaml:12"
        )
    );
}

#[test]
fn directory_applications_form_the_hierarchy_and_cycles_between_them_are_cut() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    // A kustomization of Applications: the copies are the files' own Applications.
    write(d, "apps/kustomization.yaml", "resources:\n  - web.yaml\n");
    write(d, "apps/web.yaml", &app("web", "web-prod", "base", ""));
    write(
        d,
        "base/kustomization.yaml",
        "resources:\n  - deploy.yaml\n",
    );
    write(
        d,
        "base/deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.27.2\n",
    );
    write(d, "boot/root.yaml", &app("root", "argocd", "apps", ""));
    // Two directory Applications deploying each other's directory.
    write(d, "team-a/a.yaml", &app("team-a", "argocd", "team-b", ""));
    write(d, "team-b/b.yaml", &app("team-b", "argocd", "team-a", ""));
    assert_eq!(
        rows(d),
        vec![
            row(
                "team-a/a.yaml:12",
                "directory",
                "team-b",
                "-",
                "argocd",
                "team-b/b.yaml:12"
            ),
            row(
                "team-b/b.yaml:12",
                "directory",
                "team-a",
                "-",
                "argocd",
                "null"
            ),
            row(
                "boot/root.yaml:12",
                "kustomize",
                "apps",
                "-",
                "argocd",
                "null"
            ),
            row(
                "apps/web.yaml:12",
                "kustomize",
                "base",
                "prod",
                "web-prod",
                "boot/root.yaml:12"
            ),
        ]
    );
    assert_eq!(
        notes(d),
        vec!["team-b/b.yaml:12: app-of-apps cycle: team-b -> team-a -> team-b; the hierarchy is cut here".to_string()]
    );
}

#[test]
fn an_application_set_git_files_generator_takes_parameters_from_each_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(
        d,
        "base/kustomization.yaml",
        "resources:\n  - deploy.yaml\n",
    );
    write(
        d,
        "base/deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.27.2\n",
    );
    write(
        d,
        "config/web-prod/config.json",
        "{\"app\": {\"name\": \"web\"}, \"env\": \"prod\", \"dir\": \"base\"}\n",
    );
    write(
        d,
        "config/api-dev/config.yaml",
        "app:\n  name: api\nenv: dev\ndir: base\n",
    );
    write(
        d,
        "config/skip/other.json",
        "{\"app\": {\"name\": \"other\"}, \"env\": \"qa\", \"dir\": \"base\"}\n",
    );
    write(
        d,
        "boot/set.yaml",
        "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata:\n  name: cfg\nspec:\n  generators:\n    - git:\n        repoURL: https://example.com/gitops.git\n        revision: HEAD\n        files:\n          - path: \"config/**/config.json\"\n          - path: \"config/*/config.yaml\"\n  template:\n    metadata:\n      name: '{{app.name}}-{{path.basename}}'\n    spec:\n      destination:\n        namespace: '{{app.name}}-{{env}}'\n      source:\n        repoURL: https://example.com/gitops.git\n        path: '{{dir}}'\n",
    );
    assert_eq!(
        rows(d),
        vec![
            row(
                "boot/set.yaml:20",
                "kustomize",
                "base",
                "dev",
                "api-dev",
                "null"
            ),
            row(
                "boot/set.yaml:20",
                "kustomize",
                "base",
                "prod",
                "web-prod",
                "null"
            ),
        ]
    );
    // The prod unit's single replica is a finding in prod, at the base line.
    let o = run(
        &[
            "check",
            ".",
            "--select",
            "K8S024",
            "-f",
            "json",
            "--fail-on",
            "never",
        ],
        d,
    );
    let v = json(&o);
    let located = common::located_findings(&o);
    assert_eq!(
        located,
        vec![(
            "base/deploy.yaml".to_string(),
            6,
            serde_json::json!(["prod"])
        )],
        "{v}"
    );
}

#[test]
fn a_rendered_child_s_inline_kustomize_option_is_found_at_the_values_line_that_wrote_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(
        d,
        "charts/apps/Chart.yaml",
        "apiVersion: v2\nname: apps\nversion: 0.1.0\n",
    );
    write(
        d,
        "charts/apps/templates/apps.yaml",
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: web-{{ .Values.env }}\nspec:\n  destination:\n    namespace: web-{{ .Values.env }}\n  source:\n    repoURL: https://example.com/gitops.git\n    path: base\n    kustomize:\n      images:\n        - {{ .Values.image }}\n",
    );
    write(
        d,
        "charts/apps/values.yaml",
        "env: dev\nimage: nginx=nginx:1.27.2\n",
    );
    write(
        d,
        "charts/apps/values-prod.yaml",
        "env: prod\nimage: nginx=nginx:latest\n",
    );
    write(
        d,
        "base/kustomization.yaml",
        "resources:\n  - deploy.yaml\n",
    );
    write(
        d,
        "base/deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.27.2\n",
    );
    write(
        d,
        "boot/root.yaml",
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: apps-prod\nspec:\n  destination:\n    namespace: argocd\n  source:\n    repoURL: https://example.com/gitops.git\n    path: charts/apps\n    helm:\n      valueFiles: [values-prod.yaml]\n",
    );
    let v = json(&run(&["check", ".", "--select", "K8S002", "-f", "json"], d));
    let found: Vec<Located> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["location"]["path"].as_str().unwrap_or("").to_string(),
                f["location"]["region"]["start_line"].as_u64().unwrap_or(0),
                f["environments"].clone(),
                f["related"]
                    .as_array()
                    .expect("related")
                    .iter()
                    .map(|r| {
                        (
                            r["path"].as_str().unwrap_or("").to_string(),
                            r["region"]["start_line"].as_u64().unwrap_or(0),
                        )
                    })
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![(
            "charts/apps/values-prod.yaml".to_string(),
            2,
            serde_json::json!(["prod"]),
            vec![
                ("base/deploy.yaml".to_string(), 14),
                ("charts/apps/templates/apps.yaml".to_string(), 9),
            ]
        )],
        "{v}"
    );
}

#[test]
fn a_child_two_parents_render_alike_is_one_unit() {
    // Two app-of-apps charts render the same child Application (same chart, environment,
    // namespace and options): Argo CD applies it once, so it is one render unit, under the
    // first parent.
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    chart_of_app(d, "p1", "child", "leaf");
    chart_of_app(d, "p2", "child", "leaf");
    write(
        d,
        "charts/leaf/Chart.yaml",
        "apiVersion: v2\nname: leaf\nversion: 0.1.0\n",
    );
    write(
        d,
        "charts/leaf/templates/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: leaf\n",
    );
    write(d, "root/p1.yaml", &app("p1", "p1", "charts/p1", ""));
    write(d, "root/p2.yaml", &app("p2", "p2", "charts/p2", ""));
    assert_eq!(
        rows(d),
        vec![
            // no file Application deploys it when the walk starts
            row("-", "helm", "charts/leaf", "-", "default", "null"),
            row("root/p1.yaml:12", "helm", "charts/p1", "-", "p1", "null"),
            row("root/p2.yaml:12", "helm", "charts/p2", "-", "p2", "null"),
            row(
                "charts/p1/templates/app.yaml:12",
                "helm",
                "charts/leaf",
                "-",
                "child",
                "root/p1.yaml:12"
            ),
        ]
    );
    // a different namespace is another unit
    write(
        d,
        "charts/p2/templates/app.yaml",
        &app("child", "elsewhere", "charts/leaf", ""),
    );
    assert_eq!(rows(d).len(), 5);
}

#[test]
fn a_directory_application_holds_subdirectories_only_with_recurse() {
    for (extra, parent_of_deep) in [
        ("", "null"),
        ("    directory:\n      recurse: false\n", "null"),
        ("    directory:\n      recurse: true\n", "apps/root.yaml:12"),
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        write(d, "apps/root.yaml", &app("root", "argocd", "apps", extra));
        write(
            d,
            "apps/team/deep.yaml",
            &app("deep", "argocd", "other", ""),
        );
        write(
            d,
            "other/cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
        );
        let got = rows(d);
        let deep = got
            .iter()
            .find(|r| r.0 == "apps/team/deep.yaml:12")
            .unwrap_or_else(|| panic!("{got:?}"));
        assert_eq!(deep.5, parent_of_deep, "{extra:?}: {got:?}");
    }
}

#[test]
fn applications_a_chart_renders_are_followed_when_no_application_deploys_the_chart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    web_chart(d);
    write(
        d,
        "charts/web/values.yaml",
        "replicas: 2\ntag: \"1.27.2\"\nprivileged: false\n",
    );
    apps_chart(d, APPS_TEMPLATE, ("web", "charts/web", false));
    // the chart of Applications, rendered on its own, and the chart it names: once on its
    // own and once as the child Application renders it
    assert_eq!(
        rows(d),
        vec![
            row("-", "helm", "charts/apps", "-", "default", "null"),
            row("-", "helm", "charts/web", "-", "default", "null"),
            row(
                "charts/apps/templates/apps.yaml:14",
                "helm",
                "charts/web",
                "prod",
                "web-prod",
                "charts/apps"
            ),
        ]
    );
}

#[test]
fn a_chart_of_applications_that_lists_its_own_application_is_no_cycle() {
    // The usual self-managing root: the chart's list holds the Application that deploys it.
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    apps_chart(d, APPS_TEMPLATE, ("apps", "charts/apps", false));
    deploy_apps_chart(d);
    assert_eq!(notes(d), Vec::<String>::new());
    assert_eq!(
        rows(d),
        vec![row(
            "boot/apps-prod.yaml:12",
            "helm",
            "charts/apps",
            "prod",
            "argocd",
            "null"
        )]
    );
}

#[test]
fn an_application_is_known_by_its_name_whatever_its_path() {
    // The chart lists an Application named like the one that deploys the chart, with another
    // path: Argo CD has one Application of that name, so it is not rendered as a child.
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    apps_chart(d, APPS_TEMPLATE, ("apps", "charts/web", false));
    web_chart(d);
    deploy_apps_chart(d);
    assert_no_child_of_apps_chart(d);
}

#[test]
fn an_overlay_of_applications_adopts_its_own_files_and_no_other() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    web_chart(d);
    write(d, "boot/root.yaml", &app("root", "argocd", "apps", ""));
    write(d, "apps/kustomization.yaml", "resources:\n  - web.yaml\n");
    write(d, "apps/web.yaml", &app("web", "web", "charts/web", ""));
    // the same text in a file the overlay does not include: same offsets, another file
    write(d, "other/web2.yaml", &app("web2", "web", "charts/web", ""));
    let parents: Vec<(String, String)> = rows(d)
        .into_iter()
        .filter(|r| r.1 == "helm")
        .map(|r| (r.0, r.5))
        .collect();
    assert_eq!(
        parents,
        vec![
            (
                "apps/web.yaml:12".to_string(),
                "boot/root.yaml:12".to_string()
            ),
            ("other/web2.yaml:12".to_string(), "null".to_string()),
        ]
    );
}

#[test]
fn only_argo_cd_applications_are_followed() {
    // An `Application` of another API group (the SIG Application CRD has one) with the same
    // shape is no Argo CD Application.
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    web_chart(d);
    apps_chart(
        d,
        &APPS_TEMPLATE.replace("argoproj.io/v1alpha1", "app.k8s.io/v1beta1"),
        ("web", "charts/web", false),
    );
    deploy_apps_chart(d);
    assert_no_child_of_apps_chart(d);
}

#[test]
fn an_overlay_that_holds_its_own_application_is_its_childrens_parent_not_its_own() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    web_chart(d);
    write(
        d,
        "plain/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
    );
    write(d, "apps/root.yaml", &app("root", "argocd", "apps", ""));
    write(
        d,
        "apps/kustomization.yaml",
        "resources:\n  - root.yaml\n  - web.yaml\n  - plain.yaml\n",
    );
    write(d, "apps/web.yaml", &app("web", "web", "charts/web", ""));
    write(d, "apps/plain.yaml", &app("plain", "plain", "plain", ""));
    // a second overlay deploys the same Application: the first parent stays
    write(d, "boot/more.yaml", &app("more", "argocd", "more", ""));
    write(
        d,
        "more/kustomization.yaml",
        "resources:\n  - ../apps/web.yaml\n  - ../apps/plain.yaml\n",
    );
    let got: Vec<(String, String, String)> = rows(d).into_iter().map(|r| (r.0, r.1, r.5)).collect();
    let r = |a: &str, k: &str, p: &str| (a.to_string(), k.to_string(), p.to_string());
    assert_eq!(
        got,
        vec![
            r("apps/plain.yaml:12", "directory", "apps/root.yaml:12"),
            r("apps/web.yaml:12", "helm", "apps/root.yaml:12"),
            r("apps/root.yaml:12", "kustomize", "null"),
            r("boot/more.yaml:12", "kustomize", "null"),
        ]
    );
}

#[test]
fn a_directory_application_a_chart_renders_has_the_chart_as_parent() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    apps_chart(d, APPS_TEMPLATE, ("plain", "plain", false));
    write(
        d,
        "plain/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
    );
    deploy_apps_chart(d);
    let got = rows(d);
    assert!(
        got.contains(&row(
            "charts/apps/templates/apps.yaml:14",
            "directory",
            "plain",
            "prod",
            "plain-prod",
            "boot/apps-prod.yaml:12"
        )),
        "{got:#?}"
    );
}

#[test]
fn a_finding_from_a_values_string_of_a_rendered_application_is_at_that_application() {
    // `helm.values` is a string: its lines are no slice of the rendered text, so the child
    // Application (its `source` line in the template) stands for them.
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    web_chart(d);
    write(
        d,
        "charts/web/values.yaml",
        "replicas: 2\ntag: \"1.27.2\"\nprivileged: false\n",
    );
    apps_chart(
        d,
        &APPS_TEMPLATE.replace(
            "      valuesObject:\n        privileged: {{ .privileged }}\n",
            "      values: |\n        privileged: {{ .privileged }}\n",
        ),
        ("web", "charts/web", true),
    );
    deploy_apps_chart(d);
    let o = run(&["check", ".", "--select", "K8S001", "-f", "json"], d);
    let at: Vec<(String, u64)> = common::located_findings(&o)
        .into_iter()
        .map(|(path, line, _)| (path, line))
        .collect();
    assert_eq!(
        at,
        vec![("charts/apps/templates/apps.yaml".to_string(), 14)]
    );
}

#[test]
fn an_application_beside_its_directory_root_in_one_file_is_its_child() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    web_chart(d);
    // one file, two Applications: the root deploys the directory holding the file itself
    write(
        d,
        "apps/all.yaml",
        &format!(
            "{}---\n{}",
            app("root", "argocd", "apps", ""),
            app("web", "web", "charts/web", "")
        ),
    );
    let got: Vec<(String, String)> = rows(d).into_iter().map(|r| (r.0, r.5)).collect();
    assert_eq!(
        got,
        vec![
            ("apps/all.yaml:12".to_string(), "null".to_string()),
            (
                "apps/all.yaml:27".to_string(),
                "apps/all.yaml:12".to_string()
            ),
        ]
    );
}

#[test]
fn an_application_with_several_sources_is_not_its_own_parent() {
    // `web` deploys a chart and the directory that holds its own file.
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    web_chart(d);
    write(
        d,
        "apps/web.yaml",
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: web\n  namespace: argocd\nspec:\n  project: default\n  destination:\n    server: https://kubernetes.default.svc\n    namespace: web\n  sources:\n    - repoURL: https://example.com/gitops.git\n      targetRevision: v1.0.0\n      path: charts/web\n    - repoURL: https://example.com/gitops.git\n      targetRevision: v1.0.0\n      path: apps\n",
    );
    let got: Vec<(String, String, String)> = rows(d).into_iter().map(|r| (r.0, r.1, r.5)).collect();
    assert!(got.iter().all(|r| r.2 == "null"), "{got:#?}");
    assert_eq!(got.len(), 2, "{got:#?}");
}

#[test]
fn a_chain_of_directory_applications_deeper_than_the_limit_is_a_note() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(d, "root.yaml", &app("l0", "argocd", "l1", ""));
    let mut at = String::new();
    for i in 1..=10 {
        at.push_str(&format!("l{i}/"));
        write(
            d,
            &format!("{at}app.yaml"),
            &app(&format!("l{i}"), "argocd", &format!("{at}l{}", i + 1), ""),
        );
    }
    let n = notes(d);
    // the Application more than 8 levels below the root (l10's directory does not exist, so
    // it deploys nothing and is no directory Application)
    assert_eq!(
        n,
        [
            "l1/l2/l3/l4/l5/l6/l7/l8/l9/app.yaml:12: app-of-apps deeper than 8 levels at Application l9"
        ]
    );
}
