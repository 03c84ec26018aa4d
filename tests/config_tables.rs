//! Configuration logic tested by table: each row is an input and the exact value expected.
//! Environment resolution (words of a path, configured globs, custom environments `like = …`,
//! namespaces, Argo CD Applications), severity overrides, and select/ignore precedence
//! between the configuration file and the command line.

mod common;

use std::collections::HashMap;
use std::path::Path;

use octolint::config::env::Env;
use octolint::config::environments::Environments;
use octolint::config::{Level, Settings};
use octolint::diagnostics::Severity;
use octolint::model::envs::{EnvIndex, FileEnv};

use common::{run, write};

fn settings(toml: &str) -> Settings {
    Settings::from_str(Path::new("octolint.toml"), toml)
        .unwrap_or_else(|e| panic!("config does not load: {e}\n{toml}"))
}

/// `Env::from_name`: the `-`/`_`/`.`-separated words of one name, the last naming word wins.
#[test]
fn environment_words_of_a_name() {
    let rows: &[(&str, Option<Env>)] = &[
        ("prod", Some(Env::Prod)),
        ("production", Some(Env::Prod)),
        ("prd", Some(Env::Prod)),
        ("PROD", Some(Env::Prod)),
        ("stage", Some(Env::Staging)),
        ("staging", Some(Env::Staging)),
        ("stg", Some(Env::Staging)),
        ("dev", Some(Env::Dev)),
        ("development", Some(Env::Dev)),
        ("develop", Some(Env::Dev)),
        ("payments-prod", Some(Env::Prod)),
        ("payments_stg", Some(Env::Staging)),
        ("values.dev", Some(Env::Dev)),
        // Two naming words: the last one wins.
        ("dev-to-prod", Some(Env::Prod)),
        ("prod-to-dev", Some(Env::Dev)),
        ("stg_prod_dev", Some(Env::Dev)),
        // Words, not substrings.
        ("devops", None),
        ("product", None),
        ("prodigy-dev", Some(Env::Dev)),
        ("", None),
        ("team-001", None),
    ];
    for (name, want) in rows {
        assert_eq!(Env::from_name(name), *want, "from_name({name:?})");
    }
    // And back: the canonical names, as configuration keys and in messages.
    for (env, name) in [
        (Env::Dev, "dev"),
        (Env::Staging, "staging"),
        (Env::Prod, "prod"),
    ] {
        assert_eq!((env.as_str(), env.to_string()), (name, name.to_string()));
        assert_eq!(Env::from_name(name), Some(env));
    }
}

/// `Env::from_path`: the file name's stem first, then directories from the deepest up.
#[test]
fn environment_words_of_a_path() {
    let rows: &[(&str, Option<Env>)] = &[
        ("k8s/prod/apps/web/deployment.yaml", Some(Env::Prod)),
        ("environments/dev/values-prod.yaml", Some(Env::Prod)),
        ("environments/prod/values-dev.yaml", Some(Env::Dev)),
        // Deepest directory first.
        (
            "prod/overlays/staging/kustomization.yaml",
            Some(Env::Staging),
        ),
        ("dev/prod/x.yaml", Some(Env::Prod)),
        ("staging/dev/x.yaml", Some(Env::Dev)),
        // Only the stem of the file name (before the first dot) names an environment.
        ("apps/web.prod.yaml", None),
        ("apps/prod.yaml", Some(Env::Prod)),
        ("overlays/PRODUCTION/kustomization.yaml", Some(Env::Prod)),
        ("apps/devops/web.yaml", None),
        ("apps/product/web.yaml", None),
        ("web.yaml", None),
        ("", None),
    ];
    for (path, want) in rows {
        assert_eq!(Env::from_path(path), *want, "from_path({path:?})");
    }
}

const ENVS: &str = r#"
[environments.prod]
paths = ["live/"]

[environments.staging]
paths = ["live/staging/", "preview/*.tf"]

[environments.qa]
like = "dev"
monthly-ceiling = 300

[environments.uat]
like = "staging"

[environments.prod-eu]
like = "prod"
paths = ["regions/eu/"]
"#;

/// `Environments::resolve`: configured globs (the first environment in order dev, staging,
/// prod, then custom names sorted, wins; the others are conflicts), then the deepest path
/// segment that names a custom environment, then the dev/staging/prod words.
#[test]
fn environment_resolution_precedence() {
    let s = settings(ENVS);
    let envs = &s.options.environments;
    let rows: &[(&str, Option<&str>, &[&str])] = &[
        // Globs.
        ("live/db.tf", Some("prod"), &[]),
        ("a/live/db.tf", Some("prod"), &[]),
        ("live/staging/db.tf", Some("staging"), &["prod"]),
        ("preview/main.tf", Some("staging"), &[]),
        ("preview/sub/main.tf", Some("staging"), &[]),
        ("regions/eu/main.tf", Some("prod-eu"), &[]),
        // A glob beats a custom name and a path word.
        ("regions/eu/qa/dev/main.tf", Some("prod-eu"), &[]),
        ("live/dev/values-dev.yaml", Some("prod"), &[]),
        // Custom environment names as whole path segments, deepest first.
        ("terraform/qa/main.tf", Some("qa"), &[]),
        ("qa/uat/main.tf", Some("uat"), &[]),
        ("uat/qa/main.tf", Some("qa"), &[]),
        // A custom name beats the dev/staging/prod words, even of the file name.
        ("prod/qa/values-prod.yaml", Some("qa"), &[]),
        // Not a whole segment: no custom environment.
        ("qa-team/main.tf", None, &[]),
        ("apps/qa.yaml", None, &[]),
        // Conventions.
        ("environments/staging/main.tf", Some("staging"), &[]),
        ("overlays/production/kustomization.yaml", Some("prod"), &[]),
        ("environments/dev/values-prod.yaml", Some("prod"), &[]),
        ("apps/web.yaml", None, &[]),
    ];
    for (path, want, conflicts) in rows {
        let (spec, got_conflicts) = envs.resolve(path);
        assert_eq!(spec.map(|s| s.name.as_str()), *want, "resolve({path:?})");
        assert_eq!(got_conflicts, *conflicts, "conflicts of {path:?}");
    }
}

/// `like = …`: which rules (class) and limits a configured environment gets.
#[test]
fn custom_environments_take_their_class_and_limits_from_like() {
    let s = settings(ENVS);
    let envs = &s.options.environments;
    // name → (class, monthly ceiling, max vCPU, min replicas, custom?)
    type Row<'a> = (&'a str, Env, Option<f64>, Option<f64>, Option<i64>, bool);
    let rows: &[Row] = &[
        ("dev", Env::Dev, Some(500.0), Some(4.0), None, false),
        ("staging", Env::Staging, Some(1500.0), None, None, false),
        ("prod", Env::Prod, Some(5000.0), None, Some(2), false),
        // Its own ceiling, dev's other limits.
        ("qa", Env::Dev, Some(300.0), Some(4.0), None, true),
        ("uat", Env::Staging, Some(1500.0), None, None, true),
        ("prod-eu", Env::Prod, Some(5000.0), None, Some(2), true),
    ];
    for (name, class, ceiling, vcpu, replicas, custom) in rows {
        let spec = envs
            .get(name)
            .unwrap_or_else(|| panic!("{name} is configured"));
        assert_eq!(
            (
                spec.class,
                spec.monthly_ceiling,
                spec.max_vcpu,
                spec.min_replicas,
                spec.is_custom()
            ),
            (*class, *ceiling, *vcpu, *replicas, *custom),
            "{name}"
        );
    }
    let names: Vec<&str> = envs.specs.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["dev", "staging", "prod", "prod-eu", "qa", "uat"]);
}

/// Configurations that must be refused, with the environment and key named.
#[test]
fn invalid_environment_configurations() {
    let rows: &[(&str, &str)] = &[
        ("[environments.qa]\n", "[environments.qa] needs `like"),
        (
            "[environments.qa]\nlike = \"production\"\n",
            "like = \"production\": expected dev, staging or prod",
        ),
        (
            "[environments.qa]\nlike = \"qa\"\n",
            "like = \"qa\": expected dev, staging or prod",
        ),
        (
            "[environments.qa]\nlike = \"dev\"\npaths = [\"a/[\"]\n",
            "[environments.qa] invalid glob `a/[`",
        ),
    ];
    for (toml, want) in rows {
        let err = Settings::from_str(Path::new("octolint.toml"), toml)
            .err()
            .unwrap_or_else(|| panic!("accepted: {toml}"));
        assert!(err.message.contains(want), "{toml}: {}", err.message);
    }
    // `like` may also re-class a canonical name.
    let s = settings("[environments.staging]\nlike = \"prod\"\n");
    assert_eq!(
        s.options.environments.get("staging").map(|e| e.class),
        Some(Env::Prod)
    );
    let direct: Result<Environments, String> = Environments::build(&Default::default());
    assert_eq!(direct.map(|e| e.specs.len()).ok(), Some(3));
}

/// `FileEnv::object_env` and `EnvIndex::file_env`: configured (globs, custom names), then the
/// path's words, then the object's namespace, then the Argo CD Application deploying the
/// directory.
#[test]
fn object_environment_precedence() {
    let s = settings(
        "[environments.qa]\nlike = \"dev\"\n[environments.prod-eu]\nlike = \"prod\"\npaths = [\"regions/eu/\"]\n",
    );
    let envs = &s.options.environments;
    let idx = EnvIndex::new(
        envs,
        vec![
            ("apps/web".to_string(), Env::Staging),
            ("apps".to_string(), Env::Dev),
            ("regions/eu/apps".to_string(), Env::Dev),
        ],
    );
    // (path, namespace) → (configured, from path, application, object environment)
    type Row<'a> = (
        &'a str,
        Option<&'a str>,
        Option<Env>,
        Option<Env>,
        Option<Env>,
        Option<Env>,
    );
    let rows: &[Row] = &[
        // Glob (prod) over the Application (dev) and the namespace (staging).
        (
            "regions/eu/apps/x.yaml",
            Some("shop-stg"),
            Some(Env::Prod),
            None,
            Some(Env::Dev),
            Some(Env::Prod),
        ),
        // Custom name (qa → dev) over the path word prod and the namespace.
        (
            "prod/qa/x.yaml",
            Some("shop-prod"),
            Some(Env::Dev),
            Some(Env::Prod),
            None,
            Some(Env::Dev),
        ),
        // Path word over namespace and Application.
        (
            "apps/web/prod/x.yaml",
            Some("shop-dev"),
            None,
            Some(Env::Prod),
            Some(Env::Staging),
            Some(Env::Prod),
        ),
        // Namespace over Application.
        (
            "apps/web/x.yaml",
            Some("shop-prod"),
            None,
            None,
            Some(Env::Staging),
            Some(Env::Prod),
        ),
        // The deepest Application directory.
        (
            "apps/web/x.yaml",
            Some("shop"),
            None,
            None,
            Some(Env::Staging),
            Some(Env::Staging),
        ),
        (
            "apps/api/x.yaml",
            None,
            None,
            None,
            Some(Env::Dev),
            Some(Env::Dev),
        ),
        // Nothing known.
        ("other/x.yaml", Some("shop"), None, None, None, None),
    ];
    for (path, ns, configured, from_path, app, object) in rows {
        let fe = idx.file_env(path);
        assert_eq!(
            fe,
            FileEnv {
                configured: *configured,
                from_path: *from_path,
                app: *app
            },
            "file_env({path:?})"
        );
        assert_eq!(fe.object_env(*ns), *object, "object_env({path:?}, {ns:?})");
    }
    // A file rendered for an environment keeps it, whatever its path says.
    let idx = EnvIndex::new(envs, Vec::new()).with_file_envs(HashMap::from([(
        "prod/rendered.yaml".to_string(),
        Env::Staging,
    )]));
    assert_eq!(
        idx.file_env("prod/rendered.yaml"),
        FileEnv {
            configured: Some(Env::Staging),
            from_path: None,
            app: None
        }
    );
    assert_eq!(idx.file_env("prod/other.yaml").from_path, Some(Env::Prod));
}

const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: NS\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n        - name: web\n          image: registry.example.com/web:1.2.0\n";

fn application(name: &str, path: &str, namespace: &str) -> String {
    format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: {name}\n  namespace: argocd\nspec:\n  project: default\n  source:\n    repoURL: https://example.com/gitops.git\n    targetRevision: v1.0.0\n    path: {path}\n  destination:\n    server: https://kubernetes.default.svc\n    namespace: {namespace}\n"
    )
}

/// End to end, through the Argo CD model: the environment of a directory deployed by an
/// Application comes from the Application file's path, then its name, then its destination
/// namespace; a directory deployed to two environments gets none. K8S024 (prod workloads
/// need two replicas) fires exactly when the Deployment resolves to prod.
#[test]
fn argo_cd_application_environment_table() {
    // (files, fires?)
    type Row<'a> = (&'a str, Vec<(&'a str, String)>, bool);
    let rows: Vec<Row> = vec![
        ("no application", vec![], false),
        (
            "application name",
            vec![(
                "argocd/web.yaml",
                application("web-prod", "apps/web", "shop"),
            )],
            true,
        ),
        (
            "destination namespace",
            vec![(
                "argocd/web.yaml",
                application("web", "apps/web", "shop-prod"),
            )],
            true,
        ),
        (
            "application file path over its name",
            vec![(
                "argocd/dev/web.yaml",
                application("web-prod", "apps/web", "shop-prod"),
            )],
            false,
        ),
        (
            "application name over destination namespace",
            vec![(
                "argocd/web.yaml",
                application("web-dev", "apps/web", "shop-prod"),
            )],
            false,
        ),
        (
            "application file path",
            vec![(
                "argocd/prod/web.yaml",
                application("web", "./apps/web/", "shop"),
            )],
            true,
        ),
        (
            "two environments: none",
            vec![
                ("argocd/a.yaml", application("web-prod", "apps/web", "shop")),
                ("argocd/b.yaml", application("web-dev", "apps/web", "shop")),
            ],
            false,
        ),
        (
            "another directory",
            vec![(
                "argocd/web.yaml",
                application("web-prod", "apps/api", "shop"),
            )],
            false,
        ),
    ];
    for (what, files, fires) in rows {
        for namespace in ["shop", "shop-dev"] {
            let dir = tempfile::tempdir().expect("tempdir");
            let d = dir.path();
            write(
                d,
                "apps/web/deployment.yaml",
                &DEPLOYMENT.replace("NS", namespace),
            );
            for (p, text) in &files {
                write(d, p, text);
            }
            let o = run(
                &[
                    "check",
                    ".",
                    "--no-config",
                    "--select",
                    "K8S024",
                    "-f",
                    "json",
                ],
                d,
            );
            let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
            let hits: Vec<(String, u64)> = v["findings"]
                .as_array()
                .expect("findings")
                .iter()
                .map(|f| {
                    (
                        f["location"]["path"].as_str().unwrap_or("").to_string(),
                        f["location"]["region"]["start_line"].as_u64().unwrap_or(0),
                    )
                })
                .collect();
            // The namespace `shop-dev` beats the Application; `shop` names no environment.
            let want = if fires && namespace == "shop" {
                vec![("apps/web/deployment.yaml".to_string(), 7)]
            } else {
                Vec::new()
            };
            assert_eq!(hits, want, "{what} (namespace {namespace})");
        }
    }
}

/// Severity overrides: the most specific selector of `[rules.severity]` wins, then each
/// matching `[[overrides]]` block in order (its `ignore` turns the rule off there).
#[test]
fn severity_override_table() {
    let s = settings(
        r#"
[rules.severity]
K8S = "info"
K8S0 = "warning"
K8S001 = "error"
latest-image-tag = "off"
SEC = "warning"

[[overrides]]
paths = ["legacy/"]
ignore = ["K8S001"]
severity = { K8S = "error" }

[[overrides]]
paths = ["legacy/old/"]
severity = { K8S003 = "info" }

[[overrides]]
paths = ["*.tf"]
severity = { all = "info" }
"#,
    );
    let on = |s: Severity| Some(Level::On(s));
    // (path, id, name) → level
    let rows: &[(&str, &str, &str, Option<Level>)] = &[
        // Exact id over the longer prefix over the shorter one.
        (
            "a.yaml",
            "K8S001",
            "privileged-container",
            on(Severity::Error),
        ),
        ("a.yaml", "K8S003", "x", on(Severity::Warning)),
        ("a.yaml", "K8S100", "x", on(Severity::Info)),
        // A rule name is as specific as its id.
        ("a.yaml", "K8S002", "latest-image-tag", Some(Level::Off)),
        ("a.yaml", "SEC001", "x", on(Severity::Warning)),
        ("a.yaml", "TF001", "x", None),
        // Overrides, in order.
        (
            "legacy/a.yaml",
            "K8S001",
            "privileged-container",
            Some(Level::Off),
        ),
        ("legacy/a.yaml", "K8S003", "x", on(Severity::Error)),
        ("legacy/old/a.yaml", "K8S003", "x", on(Severity::Info)),
        ("legacy/old/a.yaml", "K8S004", "x", on(Severity::Error)),
        ("legacy/old/a.yaml", "K8S001", "x", Some(Level::Off)),
        ("legacy/a.yaml", "TF001", "x", None),
        ("main.tf", "TF001", "x", on(Severity::Info)),
        ("legacy/main.tf", "K8S001", "x", on(Severity::Info)),
    ];
    for (path, id, name, want) in rows {
        assert_eq!(s.level_at(path, id, name), *want, "level_at({path}, {id})");
    }
    // `off` in [rules.severity] disables the rule everywhere; an override's ignore does not.
    assert!(!s.rule_enabled("K8S002", "latest-image-tag"));
    assert!(s.rule_enabled("K8S001", "privileged-container"));
}

/// `select`/`ignore` of the configuration: a rule runs when selected (or nothing is
/// selected), not ignored and not `off`.
#[test]
fn select_ignore_table() {
    // (config, id, name) → enabled
    let rows: &[(&str, &str, &str, bool)] = &[
        ("", "K8S001", "privileged-container", true),
        ("[rules]\nselect = [\"K8S\"]\n", "K8S001", "x", true),
        ("[rules]\nselect = [\"K8S\"]\n", "TF001", "x", false),
        ("[rules]\nselect = [\"k8s\"]\n", "K8S001", "x", true),
        ("[rules]\nselect = [\"all\"]\n", "TF001", "x", true),
        (
            "[rules]\nselect = [\"privileged-container\"]\n",
            "K8S001",
            "privileged-container",
            true,
        ),
        (
            "[rules]\nselect = [\"privileged-container\"]\n",
            "K8S002",
            "latest-image-tag",
            false,
        ),
        // A selector is a prefix of the id, never the whole-or-longer id.
        ("[rules]\nselect = [\"K8S0011\"]\n", "K8S001", "x", false),
        // Ignore beats select, whichever is more specific.
        (
            "[rules]\nselect = [\"K8S001\"]\nignore = [\"K8S\"]\n",
            "K8S001",
            "x",
            false,
        ),
        (
            "[rules]\nselect = [\"K8S\"]\nignore = [\"K8S001\"]\n",
            "K8S001",
            "x",
            false,
        ),
        (
            "[rules]\nselect = [\"K8S\"]\nignore = [\"K8S001\"]\n",
            "K8S002",
            "x",
            true,
        ),
        ("[rules]\nignore = [\"all\"]\n", "K8S002", "x", false),
        // `off` disables; a more specific level turns it back on.
        ("[rules.severity]\nK8S = \"off\"\n", "K8S002", "x", false),
        (
            "[rules.severity]\nK8S = \"off\"\nK8S002 = \"info\"\n",
            "K8S002",
            "x",
            true,
        ),
        (
            "[rules.severity]\nK8S002 = \"off\"\nK8S = \"info\"\n",
            "K8S002",
            "x",
            false,
        ),
    ];
    for (toml, id, name, want) in rows {
        assert_eq!(
            settings(toml).rule_enabled(id, name),
            *want,
            "{id} with:\n{toml}"
        );
    }
}

const TWO_FINDINGS: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: nginx:latest\n      securityContext:\n        privileged: true\n";

/// The command line over the configuration: `--select` replaces the file's `select`,
/// `--ignore` adds to its `ignore`.
#[test]
fn command_line_select_and_ignore_table() {
    // (config, args) → rule ids reported
    let rows: &[(&str, &[&str], &[&str])] = &[
        ("", &["--select", "K8S001,K8S002"], &["K8S001", "K8S002"]),
        ("[rules]\nselect = [\"K8S002\"]\n", &[], &["K8S002"]),
        (
            "[rules]\nselect = [\"K8S002\"]\n",
            &["--select", "K8S001"],
            &["K8S001"],
        ),
        (
            "[rules]\nselect = [\"K8S001\", \"K8S002\"]\nignore = [\"K8S001\"]\n",
            &[],
            &["K8S002"],
        ),
        (
            "[rules]\nselect = [\"K8S001\", \"K8S002\"]\nignore = [\"K8S001\"]\n",
            &["--ignore", "K8S002"],
            &[],
        ),
        (
            "[rules]\nignore = [\"K8S001\"]\n",
            &["--select", "K8S001,K8S002"],
            &["K8S002"],
        ),
        (
            "[rules.severity]\nK8S002 = \"off\"\n",
            &["--select", "K8S001,K8S002"],
            &["K8S001"],
        ),
        (
            "[[overrides]]\npaths = [\"pod.yaml\"]\nignore = [\"K8S002\"]\n",
            &["--select", "K8S001,K8S002"],
            &["K8S001"],
        ),
    ];
    for (toml, args, want) in rows {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        write(d, "pod.yaml", TWO_FINDINGS);
        write(d, "octolint.toml", toml);
        let mut argv = vec!["check", ".", "-f", "json"];
        argv.extend_from_slice(args);
        let o = run(&argv, d);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stderr)));
        let mut ids: Vec<String> = v["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| f["rule_id"].as_str().unwrap_or("").to_string())
            .collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids, *want, "{args:?} with:\n{toml}");
    }
}

/// The Application lookup probes each run of a path's directory segments no longer than the
/// longest Application directory, once; ties between runs of equal length go to the first
/// found (the one starting nearer the root).
#[test]
fn application_lookup_probes_each_directory_run_once() {
    let envs = Environments::default();
    // (application directories, path) → (environment, probes)
    type Row<'a> = (&'a [(&'a str, Env)], &'a str, Option<Env>, usize);
    let rows: &[Row] = &[
        // Runs of `a/b/c`: a, a/b, a/b/c, b, b/c, c.
        (&[("a/b/c", Env::Prod)], "a/b/c/x.yaml", Some(Env::Prod), 6),
        // Runs longer than `a/b` (3 bytes) are not probed: a, a/b, b, b/c, c.
        (&[("a/b", Env::Dev)], "a/b/c/x.yaml", Some(Env::Dev), 5),
        (
            &[("b/c", Env::Staging)],
            "a/b/c/x.yaml",
            Some(Env::Staging),
            5,
        ),
        (
            &[("a/b", Env::Dev), ("b/c", Env::Prod)],
            "a/b/c/x.yaml",
            Some(Env::Dev),
            5,
        ),
        // The longest matching run wins.
        (
            &[("c", Env::Dev), ("b/c", Env::Prod)],
            "a/b/c/x.yaml",
            Some(Env::Prod),
            5,
        ),
        // A file at the root has no directory to probe.
        (&[("a", Env::Dev)], "x.yaml", None, 0),
        (&[("a", Env::Dev)], "a/x.yaml", Some(Env::Dev), 1),
        // An empty segment is no run (`/a` is longer than `a`, so only `a` is probed).
        (&[("a", Env::Dev)], "/a/x.yaml", Some(Env::Dev), 1),
    ];
    for (apps, path, want, probes) in rows {
        let idx = EnvIndex::new(
            &envs,
            apps.iter().map(|(d, e)| (d.to_string(), *e)).collect(),
        );
        assert!(std::ptr::eq(idx.environments(), &envs));
        assert_eq!(idx.probes(), 0);
        assert_eq!(
            (idx.app_env(path), idx.probes()),
            (*want, *probes),
            "{apps:?} {path}"
        );
    }
    // No Application: no lookup at all.
    let idx = EnvIndex::new(&envs, Vec::new());
    assert_eq!((idx.app_env("a/b/x.yaml"), idx.probes()), (None, 0));
}
