//! `octolint check` on what Argo CD would apply: charts rendered per environment and overlays
//! built, findings at the causing line (values, patch or transformer entry), listed once with
//! their environments; `octolint apps` lists the render units.

mod common;

use common::{run, write};

fn json(o: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("invalid JSON ({e}): {}", String::from_utf8_lossy(&o.stdout)))
}

/// (rule, path, line, environments) of every unsuppressed finding.
fn located(v: &serde_json::Value) -> Vec<(String, String, u64, Vec<String>)> {
    v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["suppression"].is_null())
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap_or("").to_string(),
                f["location"]["path"].as_str().unwrap_or("").to_string(),
                f["location"]["region"]["start_line"].as_u64().unwrap_or(0),
                f["environments"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|e| e.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default(),
            )
        })
        .collect()
}

/// `check --select RULE` finds exactly one finding: at (path, line), in these environments.
fn assert_only_finding(d: &std::path::Path, rule: &str, at: (&str, u64, &[&str])) {
    let o = run(&["check", ".", "--select", rule, "-f", "json"], d);
    let want = (
        rule.to_string(),
        at.0.to_string(),
        at.1,
        at.2.iter().map(|e| e.to_string()).collect::<Vec<_>>(),
    );
    assert_eq!(
        located(&json(&o)),
        vec![want],
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
}

const CHART: &str = "apiVersion: v2\nname: web\nversion: 0.1.0\n";
const TEMPLATE: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}-web\nspec:\n  replicas: {{ .Values.replicas }}\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n        - name: web\n          image: \"nginx:{{ .Values.tag }}\"\n          securityContext:\n            privileged: {{ .Values.privileged }}\n";

/// The `web` chart (CHART, TEMPLATE) under `charts/web` with these default values.
fn web_chart(d: &std::path::Path, values: &str) {
    write(d, "charts/web/Chart.yaml", CHART);
    write(d, "charts/web/templates/deployment.yaml", TEMPLATE);
    write(d, "charts/web/values.yaml", values);
}

#[test]
fn a_values_file_that_turns_on_privileged_is_the_finding_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    web_chart(d, "replicas: 2\ntag: \"1.27.2\"\nprivileged: false\n");
    write(
        d,
        "charts/web/values-prod.yaml",
        "replicas: 3\nprivileged: true\n",
    );
    write(d, "charts/web/values-staging.yaml", "privileged: true\n");
    let o = run(&["check", ".", "--select", "K8S001", "-f", "json"], d);
    let found = located(&json(&o));
    assert_eq!(
        found,
        vec![
            (
                "K8S001".to_string(),
                "charts/web/values-prod.yaml".to_string(),
                2,
                vec!["prod".to_string()]
            ),
            (
                "K8S001".to_string(),
                "charts/web/values-staging.yaml".to_string(),
                1,
                vec!["staging".to_string()]
            ),
        ],
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    // The template line that wrote the field is a related location.
    let v = json(&o);
    let related = &v["findings"][0]["related"];
    assert!(
        related
            .as_array()
            .expect("related")
            .iter()
            .any(|r| r["path"] == "charts/web/templates/deployment.yaml"
                && r["region"]["start_line"] == 17),
        "{related}"
    );
    // Without rendering, nothing is found: the template is not YAML.
    let o = run(
        &[
            "check",
            ".",
            "--select",
            "K8S001",
            "-f",
            "json",
            "--no-render",
        ],
        d,
    );
    assert!(located(&json(&o)).is_empty());
}

#[test]
fn an_application_defines_what_is_rendered_and_where() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    web_chart(d, "replicas: 2\ntag: \"1.27.2\"\nprivileged: false\n");
    write(d, "envs/prod/web-values.yaml", "privileged: true\n");
    write(
        d,
        "apps/web-prod.yaml",
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: web-prod\n  namespace: argocd\nspec:\n  project: web\n  destination:\n    server: https://kubernetes.default.svc\n    namespace: web-prod\n  source:\n    repoURL: https://example.com/gitops.git\n    targetRevision: v1.2.0\n    path: charts/web\n    helm:\n      valueFiles:\n        - ../../envs/prod/web-values.yaml\n",
    );
    let o = run(&["check", ".", "--select", "K8S001", "-f", "json"], d);
    let found = located(&json(&o));
    assert_eq!(
        found,
        vec![(
            "K8S001".to_string(),
            "envs/prod/web-values.yaml".to_string(),
            1,
            vec!["prod".to_string()]
        )],
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    // `octolint apps` lists the unit with its environment, namespace and objects.
    let o = run(&["apps", ".", "--json"], d);
    let v = json(&o);
    let units = v.as_array().expect("rows");
    assert_eq!(units.len(), 1, "{v}");
    // The span of the Application's `source` mapping (its first key, `repoURL`).
    assert_eq!(units[0]["application"], "apps/web-prod.yaml:12");
    assert_eq!(units[0]["source"], "charts/web");
    assert_eq!(units[0]["environment"], "prod");
    assert_eq!(units[0]["namespace"], "web-prod");
    assert_eq!(units[0]["status"], "rendered");
    assert_eq!(
        units[0]["objects"],
        serde_json::json!(["Deployment/web-prod/release-name-web"])
    );
}

#[test]
fn an_overlay_patch_that_drops_replicas_is_the_finding_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(
        d,
        "base/kustomization.yaml",
        "resources:\n  - deployment.yaml\n",
    );
    write(
        d,
        "base/deployment.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 3\n  selector:\n    matchLabels: {app: api}\n  template:\n    metadata:\n      labels: {app: api}\n    spec:\n      containers:\n        - name: api\n          image: nginx:1.27.2\n",
    );
    write(
        d,
        "overlays/prod/kustomization.yaml",
        "resources:\n  - ../../base\nnamespace: api-prod\npatches:\n  - path: replicas.yaml\n",
    );
    write(
        d,
        "overlays/prod/replicas.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 1\n",
    );
    let o = run(&["check", ".", "--select", "K8S024", "-f", "json"], d);
    let found = located(&json(&o));
    assert_eq!(
        found,
        vec![(
            "K8S024".to_string(),
            "overlays/prod/replicas.yaml".to_string(),
            6,
            vec!["prod".to_string()]
        )],
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
}

#[test]
fn a_remote_chart_is_reported_as_not_fetched_in_the_coverage() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(
        d,
        "apps/nginx.yaml",
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: nginx-prod\n  namespace: argocd\nspec:\n  project: web\n  destination:\n    server: https://kubernetes.default.svc\n    namespace: web\n  source:\n    repoURL: https://charts.bitnami.com/bitnami\n    chart: nginx\n    targetRevision: 15.14.0\n",
    );
    let o = run(&["check", ".", "--fail-on", "never"], d);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains(
            "left out apps/nginx.yaml:12: remote chart nginx 15.14.0 from https://charts.bitnami.com/bitnami is not fetched"
        ),
        "{out}"
    );
    assert!(out.contains("1 not rendered (not supported)"), "{out}");
    let v = json(&run(&["apps", ".", "--json"], d));
    assert_eq!(
        v[0]["source"],
        "chart nginx 15.14.0 from https://charts.bitnami.com/bitnami"
    );
    assert_eq!(v[0]["environment"], "prod");
    assert_eq!(
        v[0]["status"],
        "not rendered: remote chart nginx 15.14.0 from https://charts.bitnami.com/bitnami"
    );
}

#[test]
fn an_application_set_list_generator_renders_one_application_per_element() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    web_chart(d, "replicas: 2\ntag: \"1.27.2\"\nprivileged: false\n");
    write(d, "charts/web/env-dev.yaml", "privileged: true\n");
    write(d, "charts/web/env-production.yaml", "replicas: 3\n");
    write(
        d,
        "argocd/web.yaml",
        "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata:\n  name: web\n  namespace: argocd\nspec:\n  generators:\n    - list:\n        elements:\n          - env: dev\n          - env: production\n  template:\n    metadata:\n      name: 'web-{{env}}'\n    spec:\n      project: web\n      destination:\n        server: https://kubernetes.default.svc\n        namespace: 'web-{{env}}'\n      source:\n        repoURL: https://example.com/gitops.git\n        targetRevision: v1.0.0\n        path: charts/web\n        helm:\n          valueFiles:\n            - 'env-{{env}}.yaml'\n",
    );
    let o = run(&["check", ".", "--select", "K8S001", "-f", "json"], d);
    assert_eq!(
        located(&json(&o)),
        vec![(
            "K8S001".to_string(),
            "charts/web/env-dev.yaml".to_string(),
            1,
            vec!["dev".to_string()]
        )],
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let v = json(&run(&["apps", ".", "--json"], d));
    let envs: Vec<&str> = v
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| r["environment"].as_str())
        .collect();
    assert_eq!(envs, ["dev", "prod"]);
    let namespaces: Vec<&str> = v
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| r["namespace"].as_str())
        .collect();
    assert_eq!(namespaces, ["web-dev", "web-production"]);
}

#[test]
fn an_application_set_git_directory_generator_builds_each_overlay() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(
        d,
        "base/kustomization.yaml",
        "resources:\n  - deployment.yaml\n",
    );
    write(
        d,
        "base/deployment.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 3\n  selector:\n    matchLabels: {app: api}\n  template:\n    metadata:\n      labels: {app: api}\n    spec:\n      containers:\n        - name: api\n          image: nginx:1.27.2\n",
    );
    for env in ["staging", "prod", "skip"] {
        write(
            d,
            &format!("overlays/{env}/kustomization.yaml"),
            "resources:\n  - ../../base\npatches:\n  - path: replicas.yaml\n",
        );
        write(
            d,
            &format!("overlays/{env}/replicas.yaml"),
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 1\n",
        );
    }
    write(
        d,
        "argocd/api.yaml",
        "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata:\n  name: api\nspec:\n  generators:\n    - git:\n        repoURL: https://example.com/gitops.git\n        revision: v1.0.0\n        directories:\n          - path: overlays/*\n          - path: overlays/skip\n            exclude: true\n  template:\n    metadata:\n      name: 'api-{{path.basename}}'\n    spec:\n      project: api\n      destination:\n        server: https://kubernetes.default.svc\n        namespace: 'api-{{path.basename}}'\n      source:\n        repoURL: https://example.com/gitops.git\n        targetRevision: v1.0.0\n        path: '{{path}}'\n",
    );
    let v = json(&run(&["apps", ".", "--json"], d));
    let rows: Vec<(String, String, String, String)> = v
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r["application"].as_str().unwrap_or("").to_string(),
                r["source"].as_str().unwrap_or("").to_string(),
                r["environment"].as_str().unwrap_or("").to_string(),
                r["namespace"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let row = |a: &str, s: &str, e: &str, n: &str| {
        (a.to_string(), s.to_string(), e.to_string(), n.to_string())
    };
    assert_eq!(
        rows,
        [
            // one Application per directory, its `path` parameters substituted
            row("argocd/api.yaml:23", "overlays/prod", "prod", "api-prod"),
            // Excluded from the ApplicationSet: still built, as an overlay nothing deploys.
            row("-", "overlays/skip", "-", "-"),
            row(
                "argocd/api.yaml:23",
                "overlays/staging",
                "staging",
                "api-staging"
            ),
        ],
        "{v}"
    );
    let o = run(&["check", ".", "--select", "K8S024", "-f", "json"], d);
    assert_eq!(
        located(&json(&o)),
        vec![(
            "K8S024".to_string(),
            "overlays/prod/replicas.yaml".to_string(),
            6,
            vec!["prod".to_string()]
        )],
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
}

#[test]
fn render_timings_count_units_per_kind_when_asked() {
    let d = tempfile::tempdir().expect("tmp");
    let root = d.path();
    write(
        root,
        "charts/web/Chart.yaml",
        "apiVersion: v2\nname: web\nversion: 0.1.0\n",
    );
    write(root, "charts/web/values.yaml", "n: 1\n");
    write(
        root,
        "charts/web/templates/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  n: \"{{ .Values.n }}\"\n",
    );
    for overlay in ["a", "b"] {
        write(
            root,
            &format!("k/{overlay}/kustomization.yaml"),
            "resources:\n- cm.yaml\n",
        );
        write(
            root,
            &format!("k/{overlay}/cm.yaml"),
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: k\n",
        );
    }
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_octolint"))
        .args(["check", ".", "--format", "json"])
        .env("OCTOLINT_TIMINGS", "1")
        .current_dir(root)
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&o.stderr);
    let line = |kind: &str| {
        err.lines()
            .find_map(|l| l.strip_prefix(&format!("octolint:   {kind}: ")))
            .unwrap_or_else(|| panic!("no {kind} line in {err}"))
            .to_string()
    };
    let ms = |l: &str, what: &str| -> f64 {
        l.split(what)
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .and_then(|x| x.parse().ok())
            .unwrap_or(-1.0)
    };
    for (kind, n) in [("Helm", 1), ("Kustomize", 2)] {
        let l = line(kind);
        assert!(l.starts_with(&format!("{n} units, render ")), "{l}");
        assert!(
            // (every unit takes some microseconds to render and to parse)
            ms(&l, "render ") > 0.0 && ms(&l, "parse output ") > 0.0,
            "{l}"
        );
    }
    // the slowest units, by directory
    let slow: Vec<&str> = err
        .lines()
        .filter_map(|l| l.strip_prefix("octolint:     "))
        .filter_map(|l| l.split_whitespace().nth(2))
        .collect();
    let mut dirs = slow.clone();
    dirs.sort_unstable();
    assert_eq!(dirs, ["charts/web", "k/a", "k/b"], "{err}");
    // without the variable, nothing of it
    let quiet = run(&["check", ".", "--format", "json"], root);
    assert!(!String::from_utf8_lossy(&quiet.stderr).contains("units, render"));
}

#[test]
fn rendered_objects_without_a_namespace_belong_to_the_applications_destination() {
    // The chart renders the quota, limits and default-deny policy of `web-prod` without
    // naming a namespace: the Application deploys them there, so the Namespace has them.
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(
        d,
        "namespaces/web-prod.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: web-prod\n",
    );
    write(
        d,
        "charts/guard/Chart.yaml",
        "apiVersion: v2\nname: guard\nversion: 0.1.0\n",
    );
    write(
        d,
        "charts/guard/templates/guard.yaml",
        "apiVersion: v1\nkind: ResourceQuota\nmetadata:\n  name: quota\nspec:\n  hard:\n    requests.cpu: \"4\"\n    requests.memory: 8Gi\n    limits.cpu: \"8\"\n    limits.memory: 16Gi\n---\napiVersion: v1\nkind: LimitRange\nmetadata:\n  name: limits\nspec:\n  limits:\n    - type: Container\n      default: {cpu: 500m, memory: 512Mi}\n      defaultRequest: {cpu: 100m, memory: 128Mi}\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny\nspec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress]\n",
    );
    let app = |ns: &str| {
        format!(
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: guard\n  namespace: argocd\nspec:\n  project: default\n  destination:\n    server: https://kubernetes.default.svc\n    namespace: {ns}\n  source:\n    repoURL: https://example.com/gitops.git\n    targetRevision: main\n    path: charts/guard\n"
        )
    };
    write(d, "apps/guard.yaml", &app("web-prod"));
    let rules = [
        "check",
        ".",
        "--select",
        "K8S005,K8S006,K8S007",
        "-f",
        "json",
    ];
    let o = run(&rules, d);
    assert_eq!(
        located(&json(&o)),
        vec![],
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    // deployed elsewhere, they leave web-prod bare: one finding at its name lists the three
    write(d, "apps/guard.yaml", &app("other"));
    let o = run(&rules, d);
    let v = json(&o);
    let ids: Vec<(String, String, u64)> = located(&v)
        .into_iter()
        .map(|(id, path, line, _)| (id, path, line))
        .collect();
    assert_eq!(
        ids,
        [(
            "K8S005".to_string(),
            "namespaces/web-prod.yaml".to_string(),
            4
        )],
        "{v}"
    );
    let msg = v["findings"][0]["message"].as_str().unwrap_or("");
    assert!(
        msg.contains("(K8S006)") && msg.contains("(K8S007)"),
        "{msg}"
    );
}

#[test]
fn a_chart_under_charts_renders_with_its_parent_and_any_other_chart_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Chart.Name }}\n";
    for (at, name) in [("", "top"), ("charts/sub/", "sub"), ("other/demo/", "demo")] {
        write(
            d,
            &format!("{at}Chart.yaml"),
            &format!("apiVersion: v2\nname: {name}\nversion: 0.1.0\n"),
        );
        write(d, &format!("{at}templates/cm.yaml"), cm);
    }
    // a library chart is no unit of its own
    write(
        d,
        "lib/Chart.yaml",
        "apiVersion: v2\nname: lib\nversion: 0.1.0\ntype: library\n",
    );
    write(
        d,
        "lib/templates/_cm.tpl",
        "{{- define \"lib.cm\" }}{{ end }}\n",
    );
    let v = json(&run(&["apps", ".", "--json"], d));
    let units: Vec<(String, serde_json::Value)> = v
        .as_array()
        .expect("rows")
        .iter()
        .map(|u| {
            (
                u["source"].as_str().unwrap_or("").to_string(),
                u["objects"].clone(),
            )
        })
        .collect();
    assert_eq!(
        units,
        vec![
            (
                ".".to_string(),
                serde_json::json!(["ConfigMap/default/sub", "ConfigMap/default/top"])
            ),
            (
                "other/demo".to_string(),
                serde_json::json!(["ConfigMap/default/demo"])
            ),
        ],
        "{v}"
    );
}

#[test]
fn rendered_objects_carry_the_environment_they_were_rendered_for() {
    // Nothing in the chart's path or the namespace names an environment: the Application
    // does, so the prod-only replica minimum applies to what it renders (and only to that).
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    web_chart(d, "replicas: 1\ntag: \"1.27.2\"\nprivileged: false\n");
    let application = |name: &str| {
        format!(
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: {name}\n  namespace: argocd\nspec:\n  project: web\n  destination:\n    server: https://kubernetes.default.svc\n    namespace: shop\n  source:\n    repoURL: https://example.com/gitops.git\n    targetRevision: v1.2.0\n    path: charts/web\n"
        )
    };
    write(d, "apps/web-prod.yaml", &application("web-prod"));
    write(d, "apps/web-dev.yaml", &application("web-dev"));
    assert_only_finding(d, "K8S024", ("charts/web/values.yaml", 1, &["prod"]));
}

#[test]
fn a_dependency_not_vendored_is_found_by_name_in_a_repository_of_charts_only() {
    // Only charts to render: the index of the repository's charts is still built, so the
    // library the chart names (from a registry, not vendored) is the repository's own.
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(
        d,
        "charts/web/Chart.yaml",
        "apiVersion: v2\nname: web\nversion: 0.1.0\ndependencies:\n  - name: common\n    version: 1.x.x\n    repository: oci://registry.example.com/charts\n",
    );
    write(
        d,
        "charts/web/templates/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ include \"common.name\" . }}\n",
    );
    write(
        d,
        "charts/common/Chart.yaml",
        "apiVersion: v2\nname: common\nversion: 1.0.0\ntype: library\n",
    );
    write(
        d,
        "charts/common/templates/_name.tpl",
        "{{- define \"common.name\" -}}from-common-{{ .Chart.Name }}{{- end -}}\n",
    );
    let v = json(&run(&["apps", ".", "--json"], d));
    assert_eq!(v.as_array().map(Vec::len), Some(1), "{v}");
    assert_eq!(v[0]["status"], "rendered", "{v}");
    assert_eq!(
        v[0]["objects"],
        serde_json::json!(["ConfigMap/default/from-common-web"]),
        "{v}"
    );
}

#[test]
fn a_flow_mapping_of_inline_values_is_merged_and_is_the_finding_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    web_chart(d, "replicas: 2\ntag: \"1.27.2\"\nprivileged: false\n");
    write(
        d,
        "apps/web.yaml",
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: web\n  namespace: argocd\nspec:\n  project: web\n  destination:\n    server: https://kubernetes.default.svc\n    namespace: web\n  source:\n    repoURL: https://example.com/gitops.git\n    targetRevision: v1.2.0\n    path: charts/web\n    helm:\n      valuesObject: {replicas: 3,\n        privileged: true}  # for the debugger\n",
    );
    assert_only_finding(d, "K8S001", ("apps/web.yaml", 17, &[]));
    let v = json(&run(&["apps", ".", "--json"], d));
    assert_eq!(v[0]["status"], "rendered", "{v}");
}
