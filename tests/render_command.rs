//! `octolint render DIR`: the command line around the renderers (output formats, exit codes,
//! located errors, argument errors). What the renderers produce is pinned by
//! `render_helm.rs`, `render_kustomize.rs` and `render_digests.rs`.

mod common;

use std::path::{Path, PathBuf};

use common::{run, stderr, stdout};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/render")
}

fn render(args: &[&str], cwd: &Path) -> (i32, String, String) {
    let mut all = vec!["render"];
    all.extend_from_slice(args);
    let o = run(&all, cwd);
    (o.status.code().unwrap_or(-1), stdout(&o), stderr(&o))
}

/// A chart `web` under `d` with one template.
fn web_chart(d: &Path, template: &str, body: &str) {
    common::write(
        d,
        "web/Chart.yaml",
        "apiVersion: v2\nname: web\nversion: 0.1.0\n",
    );
    common::write(d, &format!("web/templates/{template}"), body);
}

/// A ConfigMap template printing the values `keys`, quoted.
fn values_configmap(keys: &[&str]) -> String {
    let mut t = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n");
    for k in keys {
        t.push_str(&format!("  {k}: {{{{ .Values.{k} | quote }}}}\n"));
    }
    t
}

#[test]
fn a_chart_prints_helm_templates_stream_with_source_headers() {
    let (code, out, err) = render(
        &["helm/web", "-f", "helm/web/values-prod.yaml"],
        &fixtures(),
    );
    assert_eq!((code, err.as_str()), (0, ""));
    let sources: Vec<&str> = out
        .lines()
        .filter_map(|l| l.strip_prefix("# Source: "))
        .collect();
    assert_eq!(
        sources,
        [
            "web/templates/configmap.yaml",
            "web/templates/configmap.yaml",
            "web/charts/db/templates/service.yaml",
            "web/templates/deployment.yaml",
        ]
    );
    assert!(out.starts_with(
        "---\n# Source: web/templates/configmap.yaml\napiVersion: policy/v1\nkind: PodDisruptionBudget\n"
    ));
    // every document starts on its own line and the stream ends with a line break
    assert_eq!(out.matches("---\n# Source: ").count(), 4);
    assert!(out.ends_with("value: prod\n"), "{out}");
    assert!(out.contains("\n  replicas: 3\n"));
    // the values file changed the output: the chart's defaults are not what is printed
    let (code, plain, _) = render(&["helm/web"], &fixtures());
    assert_eq!(code, 0);
    assert_ne!(plain, out);
}

#[test]
fn json_is_one_list_of_typed_objects() {
    let (code, out, err) = render(
        &[
            "helm/web",
            "-f",
            "helm/web/values-prod.yaml",
            "--format",
            "json",
        ],
        &fixtures(),
    );
    assert_eq!((code, err.as_str()), (0, ""));
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(v["apiVersion"], "v1");
    assert_eq!(v["kind"], "List");
    let items = v["items"].as_array().expect("items");
    let kinds: Vec<&str> = items.iter().filter_map(|i| i["kind"].as_str()).collect();
    assert_eq!(
        kinds,
        ["PodDisruptionBudget", "ConfigMap", "Service", "Deployment"]
    );
    // scalars typed as Kubernetes reads them: numbers, booleans, quoted strings
    let dep = &items[3];
    assert_eq!(dep["spec"]["replicas"], serde_json::json!(3));
    let c = &dep["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(c["securityContext"]["privileged"], serde_json::json!(true));
    assert_eq!(c["ports"][0]["containerPort"], serde_json::json!(8080));
    assert_eq!(c["env"][0]["value"], serde_json::json!("1e+06"));
    assert_eq!(items[1]["data"]["app.conf"], "listen 8080;\n");
    assert!(out.ends_with("}\n"));
}

#[test]
fn a_kustomization_prints_what_kubectl_kustomize_prints() {
    for dir in ["base", "namespace", "labels", "replicas"] {
        let d = format!("kustomize/{dir}");
        let (code, out, err) = render(&[&d], &fixtures());
        assert_eq!((code, err.as_str()), (0, ""), "{d}");
        let want = std::fs::read_to_string(fixtures().join(&d).join("expected.yaml"))
            .expect("expected.yaml");
        assert_eq!(out, want, "{d}");
        assert!(!out.contains("# Source:"));
    }
}

#[test]
fn template_errors_are_located_and_exit_2_without_output() {
    let (code, out, err) = render(&["helm/broken"], &fixtures());
    assert_eq!(code, 2);
    assert_eq!(out, "");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(
        lines[0].starts_with("helm/broken/templates/c.yaml:1:6: error: parse error"),
        "{err}"
    );
    assert!(
        lines[1].starts_with("helm/broken/templates/a.yaml:6:9: error: ")
            && lines[1].ends_with("x is required"),
        "{err}"
    );
}

#[test]
fn bad_arguments_are_clear_errors() {
    let f = fixtures();
    for (args, want) in [
        (
            vec!["/nonexistent/dir"],
            "/nonexistent/dir: not a directory",
        ),
        (
            vec!["helm"],
            "helm: neither a Helm chart (Chart.yaml) nor a kustomization (kustomization.yaml)",
        ),
        (
            vec!["helm/web", "--set", "replicaCount"],
            "--set replicaCount: expected KEY=VALUE",
        ),
        (
            vec!["helm/web", "-f", "helm/web/none.yaml"],
            "helm/web/none.yaml: values file missing or outside",
        ),
    ] {
        let (code, out, err) = render(&args, &f);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert_eq!(out, "", "{args:?}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
}

#[test]
fn set_values_release_name_and_namespace_reach_the_templates() {
    let (code, out, err) = render(
        &[
            "helm/web",
            "--set",
            "replicaCount=7",
            "--release-name",
            "shop",
        ],
        &fixtures(),
    );
    assert_eq!((code, err.as_str()), (0, ""));
    assert!(out.contains("\n  replicas: 7\n"), "{out}");
    assert!(out.contains("name: shop-web\n"), "{out}");
    assert!(!out.contains("release-name"), "{out}");
}

#[test]
fn kube_version_reaches_capabilities_as_helm_gives_it() {
    // Helm v4.2's output for each --kube-version (../shared/bench/helm_oracle.py)
    for (arg, version, minor, ge) in [
        ("1.29.3", "v1.29.3", "29", "true"),
        ("v1.28", "v1.28", "28", "false"),
        ("", "v1.31.0", "31", "true"),
    ] {
        let mut args = vec!["helm/kube-version"];
        if !arg.is_empty() {
            args.extend(["--kube-version", arg]);
        }
        let (code, out, err) = render(&args, &fixtures());
        assert_eq!((code, err.as_str()), (0, ""), "{arg}");
        let want = format!(
            "  version: \"{version}\"\n  major: \"1\"\n  minor: \"{minor}\"\n  git: \"{version}\"\n  str: \"{{{version} {version} 1 {minor}}}\"\n  ge: \"{ge}\"\n  apps: \"true\"\n  ns: \"default\"\n"
        );
        assert!(out.ends_with(&want), "{arg}: {out}");
    }
}

#[test]
fn namespace_and_environment_reach_the_chart() {
    let (code, out, _) = render(&["helm/kube-version", "-n", "shop"], &fixtures());
    assert_eq!(code, 0);
    assert!(out.ends_with("  ns: \"shop\"\n"), "{out}");
    // --env applies the chart's values files for that environment, as `check` does
    let (_, with_env, err) = render(&["helm/web", "--env", "prod"], &fixtures());
    assert_eq!(err, "");
    let (_, with_file, _) = render(
        &["helm/web", "-f", "helm/web/values-prod.yaml"],
        &fixtures(),
    );
    assert_eq!(with_env, with_file);
    let (_, plain, _) = render(&["helm/web"], &fixtures());
    let (_, other_env, _) = render(&["helm/web", "--env", "staging"], &fixtures());
    assert_eq!(other_env, plain);
    assert_ne!(with_env, plain);
}

#[test]
fn env_values_files_are_found_in_subdirectories_but_not_hidden_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    web_chart(d, "cm.yaml", &values_configmap(&["a", "b", "c"]));
    common::write(d, "web/values.yaml", "a: base\nb: base\nc: base\n");
    common::write(d, "web/values-prod.yaml", "a: top\n");
    common::write(d, "web/envs/prod/values.yaml", "b: nested\n");
    common::write(d, "web/.hidden/prod/values.yaml", "c: hidden\n");
    common::write(d, "web/envs/.old/prod/values.yaml", "c: hidden too\n");
    let (code, out, err) = render(&["web", "--env", "prod"], d);
    assert_eq!((code, err.as_str()), (0, ""));
    assert!(
        out.ends_with("  a: \"top\"\n  b: \"nested\"\n  c: \"base\"\n"),
        "{out}"
    );
}

#[test]
fn outside_git_the_root_is_the_current_directory_or_else_the_chart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    web_chart(
        d,
        "bad.yaml",
        "a: {{ .Values.x | required \"x is needed\" }}\n",
    );
    let want =
        ":1:19: error: template web/templates/bad.yaml: error calling required: x is needed\n";
    // the chart below the current directory: paths relative to it
    let (code, _, err) = render(&["web"], d);
    assert_eq!((code, err), (2, format!("web/templates/bad.yaml{want}")));
    // the current directory inside the chart: the chart is the root, paths still shown
    // relative to where the user is
    let (code, _, err) = render(&[".."], &d.join("web/templates"));
    assert_eq!((code, err), (2, format!("bad.yaml{want}")));
}

#[test]
fn env_values_files_are_looked_for_64_levels_deep_and_no_deeper() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    web_chart(d, "cm.yaml", &values_configmap(&["a", "b"]));
    // 64 directories below the chart: found; 65: not
    let at = |n: usize| format!("web/{}prod/values.yaml", "d/".repeat(n - 1));
    common::write(d, &at(64), "a: deep\n");
    common::write(d, &at(65), "b: too-deep\n");
    // a link back up ends at the same limit (and applies the same file again, harmlessly)
    #[cfg(unix)]
    std::os::unix::fs::symlink(".", d.join("web/loop")).expect("symlink");
    let (code, out, err) = render(&["web", "--env", "prod"], d);
    assert_eq!((code, err.as_str()), (0, ""));
    // (Sprig's `quote` of nothing is nothing)
    assert!(out.ends_with("  a: \"deep\"\n  b:\n"), "{out}");
}
