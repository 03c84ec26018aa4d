//! Regression tests for the hardening issue: every crash, leak and silent behaviour it lists,
//! checked end to end through the binary (exit code, a located finding or error, and that the
//! other files of the run are still checked). Peak memory and time of the crash cases are
//! measured by `scripts/measure-hardening.sh` and recorded in docs/reliability.md, not asserted.

mod common;

use std::path::{Path, PathBuf};

use common::{run, stderr, stdout, write};

fn json(o: &std::process::Output) -> serde_json::Value {
    serde_json::from_str(&stdout(o)).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

/// (rule id, path, start line) of every finding.
fn located(v: &serde_json::Value) -> Vec<(String, String, u64)> {
    let mut out = common::rule_path_lines(v);
    out.sort();
    out
}

fn files_checked(v: &serde_json::Value) -> u64 {
    v["coverage"]["files"].as_u64().unwrap_or(0)
}

/// A second file with a known finding, to show the rest of the run is still checked.
fn neighbour(d: &Path) {
    write(
        d,
        "k8s/pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: nginx:latest\n",
    );
}

fn has(v: &[(String, String, u64)], rule: &str, path: &str, line: u64) -> bool {
    v.iter()
        .any(|(r, p, l)| r == rule && p == path && *l == line)
}

fn doubling_locals(n: usize) -> String {
    let mut s = format!("locals {{\n  s0 = \"{}\"\n", "x".repeat(100));
    for k in 1..=n {
        s.push_str(&format!(
            "  s{k} = \"${{local.s{}}}${{local.s{}}}\"\n",
            k - 1,
            k - 1
        ));
    }
    s.push_str("  t0 = [\"x\"]\n");
    for k in 1..=n {
        s.push_str(&format!("  t{k} = [local.t{}, local.t{}]\n", k - 1, k - 1));
    }
    s.push_str("  j = join(local.s13, [local.s13, local.s13, local.s13])\n");
    s.push_str("  r = replace(local.s13, \"\", local.s13)\n");
    s.push_str("}\n");
    s
}

#[test]
fn terraform_value_explosions_become_located_unknowns() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(d, "infra/main.tf", &doubling_locals(40));
    neighbour(d);
    let o = run(
        &[
            "check",
            ".",
            "--no-config",
            "--format",
            "json",
            "--fail-on",
            "warning",
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v = json(&o);
    let f = located(&v);
    // s16 (100 characters doubled 16 times is over 4 MiB), t16, join and replace.
    assert!(has(&f, "TF018", "infra/main.tf", 18), "{f:?}");
    assert!(has(&f, "TF018", "infra/main.tf", 59), "{f:?}");
    assert!(has(&f, "TF018", "infra/main.tf", 84), "{f:?}");
    assert!(has(&f, "TF018", "infra/main.tf", 85), "{f:?}");
    assert!(has(&f, "K8S006", "k8s/pod.yaml", 8) || f.iter().any(|x| x.1 == "k8s/pod.yaml"));
    assert_eq!(files_checked(&v), 2);
}

#[test]
fn huge_counts_are_capped_loudly_and_cost_prints_no_impossible_figure() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(
        d,
        "envs/prod/main.tf",
        "provider \"google\" {}\n\nresource \"google_compute_instance\" \"vm\" {\n  count        = 1e300\n  machine_type = \"e2-standard-4\"\n  zone         = \"europe-west1-b\"\n}\n\nresource \"google_container_node_pool\" \"pool\" {\n  node_count = 1e300\n  node_config {\n    machine_type = \"e2-standard-4\"\n  }\n}\n",
    );
    neighbour(d);
    let o = run(
        &[
            "check",
            ".",
            "--no-config",
            "--format",
            "json",
            "--select",
            "TF018",
        ],
        d,
    );
    let v = json(&o);
    assert!(
        has(&located(&v), "TF018", "envs/prod/main.tf", 4),
        "{}",
        stdout(&o)
    );
    assert_eq!(files_checked(&v), 2);
    let c = run(&["cost", ".", "--no-config"], d);
    let out = stdout(&c);
    assert!(!out.contains("92,233,720,368,547,758"), "{out}");
    let longest_digits = out
        .split(|ch: char| !ch.is_ascii_digit())
        .map(str::len)
        .max()
        .unwrap_or(0);
    assert!(longest_digits < 16, "an impossible figure: {out}");
}

fn policy_case(policy: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().to_path_buf();
    write(&d, "policy/p.rego", policy);
    write(
        &d,
        "k8s/a.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
    );
    neighbour(&d);
    (dir, d)
}

#[test]
fn recursive_rego_is_a_located_error_in_check_and_verify() {
    for (policy, line) in [
        (
            "package main\n\nf(x) = y if {\n\ty := f(x)\n}\n\ndeny contains msg if {\n\tmsg := f(input.kind)\n}\n",
            3,
        ),
        (
            "package main\n\ndeny contains msg if {\n\tmsg := g(input.kind)\n}\n\nf(x) := y if { y := g(x) }\ng(x) := y if { y := f(x) }\n",
            8,
        ),
    ] {
        let (_t, d) = policy_case(policy);
        let o = run(&["check", ".", "--no-config", "--policy", "policy"], &d);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        let err = stderr(&o);
        assert!(
            err.contains(&format!("policy/p.rego:{line}:")) && err.contains("recursive rule"),
            "{err}"
        );
        let o = run(&["verify", "--policy", "policy"], &d);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains("recursive rule"), "{}", stderr(&o));
    }
}

#[test]
fn rego_budgets_become_oct004_for_that_input() {
    let (_t, d) = policy_case(
        "package main\n\ndeny contains msg if {\n\tinput.kind == \"ConfigMap\"\n\tn := count(numbers.range(1, 1e8))\n\tmsg := sprintf(\"%d\", [n])\n}\n",
    );
    let o = run(
        &[
            "check",
            ".",
            "--no-config",
            "--policy",
            "policy",
            "--format",
            "json",
        ],
        &d,
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v = json(&o);
    let f = located(&v);
    assert!(has(&f, "OCT004", "k8s/a.yaml", 1), "{f:?}");
    assert!(f.iter().any(|x| x.1 == "k8s/pod.yaml"), "{f:?}");
    assert!(stdout(&o).contains("octolint's limit"), "{}", stdout(&o));

    let (_t, d) = policy_case(
        "package main\n\ndeny contains msg if {\n\tinput.kind == \"ConfigMap\"\n\ts := {[i, j] | some i in numbers.range(1, 20000); some j in numbers.range(1, 20000)}\n\tmsg := sprintf(\"%d\", [count(s)])\n}\n",
    );
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_octolint"))
        .args([
            "check",
            ".",
            "--no-config",
            "--policy",
            "policy",
            "--format",
            "json",
        ])
        .env("OCTOLINT_POLICY_TIMEOUT_MS", "200")
        .current_dir(&d)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v = json(&o);
    assert!(
        has(&located(&v), "OCT004", "k8s/a.yaml", 1),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("time budget"), "{}", stdout(&o));

    let (_t, d) = policy_case(
        "package main\n\ndeny contains msg if {\n\tmsg := sprintf(\"%0999999999d\", [1])\n}\n",
    );
    let o = run(&["check", ".", "--no-config", "--policy", "policy"], &d);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("policy/p.rego:4:"), "{}", stderr(&o));
}

#[test]
fn huge_job_counts_are_clamped_with_a_note() {
    let dir = tempfile::tempdir().expect("tempdir");
    neighbour(dir.path());
    let o = run(
        &[
            "check",
            ".",
            "--no-config",
            "-j",
            "100000",
            "--format",
            "json",
        ],
        dir.path(),
    );
    assert!(
        stderr(&o).contains("-j 100000 is more than"),
        "{}",
        stderr(&o)
    );
    assert_eq!(files_checked(&json(&o)), 1);
    assert_eq!(octolint::cli::clamp_jobs(Some(1000), 2).0, 8);
    assert_eq!(octolint::cli::clamp_jobs(Some(3), 2), (3, None));
    assert_eq!(octolint::cli::clamp_jobs(Some(100_000), 1024).0, 256);
}

#[test]
fn tokens_spelling_placeholder_words_are_reported_and_never_printed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    // A random token (not a real credential) that contains `TOdo`, on the line of another
    // finding, and a keyword-led token the scanner does not report (secrets not selected).
    let token = "ghp_JaqBIoyxQdTOdoqvjuPqNcUOkQGyczoIGvwf"; // octolint:allow
    write(
        d,
        "pod.yaml",
        &format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: nginx:latest # token {token}\n"
        ),
    );
    let o = run(&["check", ".", "--no-config"], d);
    let out = stdout(&o);
    assert!(out.contains("SEC010"), "{out}");
    assert!(!out.contains(&token[4..]), "{out}");
    let o = run(&["check", ".", "--no-config", "--select", "K8S"], d);
    let out = stdout(&o);
    assert!(out.contains("nginx:latest"), "{out}");
    assert!(!out.contains(&token[4..]), "{out}");
}

#[test]
fn helm_values_string_block_secret_is_found() {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/prometheus-community__helm-charts/charts/prometheus-node-exporter/ci/kube-rbac-proxy-tlssecret-values.yaml");
    if !p.is_file() {
        assert!(
            std::env::var_os("CI").is_none(),
            "../shared is absent but CI is set"
        );
        eprintln!("SKIP: ../shared is absent");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(&p, dir.path().join("values.yaml")).expect("copy");
    neighbour(dir.path());
    let o = run(
        &[
            "check",
            ".",
            "--no-config",
            "--format",
            "json",
            "--select",
            "SEC",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    assert!(
        has(&located(&v), "SEC051", "values.yaml", 22),
        "{}",
        stdout(&o)
    );
    assert_eq!(files_checked(&v), 2);
}

#[cfg(unix)]
#[test]
fn followed_links_never_leave_the_tree() {
    let dir = tempfile::tempdir().expect("tempdir");
    let outside = dir.path().join("outside");
    let repo = dir.path().join("repo");
    write(
        &outside,
        "shadow.yaml",
        "root:$6$Zk7Lq2Vx9Pw4$abcdefgh:19000:0:99999:7:::\n: [\n",
    );
    neighbour(&repo);
    std::os::unix::fs::symlink(outside.join("shadow.yaml"), repo.join("shadow.yaml"))
        .expect("symlink");
    std::os::unix::fs::symlink(&outside, repo.join("out")).expect("symlink");
    write(&repo, "real/inner.yaml", "a: 1\n");
    std::os::unix::fs::symlink(repo.join("real/inner.yaml"), repo.join("inner-link.yaml"))
        .expect("symlink");
    for format in ["text", "json"] {
        let o = run(
            &[
                "check",
                ".",
                "--no-config",
                "--follow-links",
                "--format",
                format,
            ],
            &repo,
        );
        assert!(!stdout(&o).contains("Zk7Lq2Vx9Pw4"), "{}", stdout(&o));
        assert!(!stdout(&o).contains("root:$6$"), "{}", stdout(&o));
    }
    let o = run(
        &[
            "check",
            ".",
            "--no-config",
            "--follow-links",
            "--format",
            "json",
            "--fail-on",
            "warning",
        ],
        &repo,
    );
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    let f = located(&v);
    assert!(
        f.iter().any(|x| x.0 == "OCT002" && x.1 == "shadow.yaml"),
        "{f:?}"
    );
    assert!(f.iter().any(|x| x.0 == "OCT002" && x.1 == "out"), "{f:?}");
    // The pod, the real file and the link to it inside the tree.
    assert_eq!(files_checked(&v), 3, "{}", stdout(&o));
}

#[cfg(unix)]
#[test]
fn fifos_named_like_yaml_are_reported_as_unchecked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    neighbour(d);
    let fifo = d.join("pipe.yaml");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        // mkfifo is in coreutils: CI has it, and a skip there would hide the test.
        assert!(
            std::env::var_os("CI").is_none(),
            "mkfifo is not available but CI is set: this test must not skip in CI"
        );
        eprintln!("SKIP: mkfifo is not available");
        return;
    }
    let o = run(
        &[
            "check",
            ".",
            "--no-config",
            "--format",
            "json",
            "--fail-on",
            "warning",
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    assert!(
        located(&v)
            .iter()
            .any(|x| x.0 == "OCT002" && x.1 == "pipe.yaml")
    );
    assert_eq!(files_checked(&v), 1);
    let o = run(
        &[
            "check",
            "pipe.yaml",
            "--no-config",
            "--format",
            "json",
            "--fail-on",
            "warning",
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        located(&json(&o))
            .iter()
            .any(|x| x.0 == "OCT002" && x.1 == "pipe.yaml")
    );
}

#[test]
fn absolute_paths_keep_module_sources_resolvable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = std::fs::canonicalize(dir.path()).expect("canonical");
    for env in ["a", "b"] {
        write(
            &d,
            &format!("stacks/{env}/main.tf"),
            "terraform {\n  required_version = \">= 1.5\"\n}\n\nmodule \"net\" {\n  source = \"../../modules/net\"\n  name   = \"x\"\n}\n",
        );
    }
    write(
        &d,
        "modules/net/main.tf",
        "variable \"name\" {\n  type = string\n}\n",
    );
    let a = d.join("stacks/a");
    let b = d.join("stacks/b");
    let m = d.join("modules");
    let o = run(
        &[
            "check",
            a.to_str().unwrap_or(""),
            b.to_str().unwrap_or(""),
            m.to_str().unwrap_or(""),
            "--no-config",
            "--select",
            "TF015",
            "--format",
            "json",
        ],
        &d,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert_eq!(located(&json(&o)), Vec::new());
}

#[test]
fn meaningless_configuration_values_are_errors() {
    for (cfg, line, what) in [
        ("max-file-size = 0\n", 1, "max-file-size"),
        (
            "[environments.dev]\nmonthly-ceiling = -1\n",
            2,
            "monthly-ceiling",
        ),
        (
            "[environments.prod]\nmin-replicas = -2\n",
            2,
            "min-replicas",
        ),
        (
            "[kubernetes]\nprod-min-replicas = -1\n",
            2,
            "prod-min-replicas",
        ),
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        write(dir.path(), "octolint.toml", cfg);
        neighbour(dir.path());
        let o = run(&["check", "."], dir.path());
        assert_eq!(o.status.code(), Some(2), "{cfg}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(
            err.contains(&format!("octolint.toml:{line}:")) && err.contains(what),
            "{cfg}: {err}"
        );
    }
}

#[test]
fn carriage_return_line_endings_count_lines_as_yaml_does() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "pod.yaml",
        "apiVersion: v1\rkind: Pod\rmetadata:\r  name: p\rspec:\r  containers:\r    - name: c\r      image: nginx:latest\r",
    );
    write(dir.path(), "other.yaml", "a: [\n");
    let o = run(
        &["check", ".", "--no-config", "--format", "json"],
        dir.path(),
    );
    let v = json(&o);
    let f = located(&v);
    let pod: Vec<_> = f.iter().filter(|x| x.1 == "pod.yaml").collect();
    assert!(!pod.is_empty(), "{f:?}");
    assert!(pod.iter().all(|x| x.2 > 1), "{f:?}");
    assert!(pod.iter().any(|x| x.2 == 8), "{f:?}");
    assert!(has(&f, "OCT000", "other.yaml", 2) || f.iter().any(|x| x.1 == "other.yaml"));
}

#[test]
fn local_and_module_cycles_are_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(
        d,
        "stack/main.tf",
        "provider \"google\" {}\n\nlocals {\n  names = [for n in local.names : upper(n)]\n}\n\nmodule \"me\" {\n  source = \"./\"\n}\n",
    );
    neighbour(d);
    let o = run(
        &[
            "check",
            ".",
            "--no-config",
            "--format",
            "json",
            "--select",
            "TF016",
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let v = json(&o);
    let f = located(&v);
    assert!(has(&f, "TF016", "stack/main.tf", 4), "{f:?}");
    assert!(has(&f, "TF016", "stack/main.tf", 8), "{f:?}");
    assert_eq!(files_checked(&v), 2);
}

/// The redaction the pipeline's finalize stage applies (see docs/reliability.md): scanner
/// hits and Secret objects make the secret set; every format is then free of it.
#[test]
fn rego_results_are_redacted_in_every_format() {
    use octolint::redact::{SecretSet, redact_all};
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let password = "Zk7Lq2Vx9Pw4Xy"; // octolint:allow random test value
    let encoded = "Wms3THEyVng5UHc0WHk="; // base64 of the value above
    write(
        d,
        "k8s/secret.yaml",
        &format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ntype: Opaque\ndata:\n  password: {encoded}\nstringData:\n  token: tok-8fK2mQ9xLp\n"
        ),
    );
    write(
        d,
        "policy/p.rego",
        "package main\n\ndeny contains msg if {\n\tinput.kind == \"Secret\"\n\tmsg := sprintf(\"%v\", [input])\n}\n\ndeny contains r if {\n\tinput.kind == \"Secret\"\n\tr := {\"msg\": sprintf(\"decoded %s\", [base64.decode(input.data.password)]), \"input\": input}\n}\n",
    );
    let policies = octolint::policy::Policies::load(&octolint::policy::PolicyOptions {
        dirs: vec![d.join("policy")],
        ..Default::default()
    })
    .expect("loads")
    .map(std::sync::Arc::new);
    let opts = octolint::pipeline::RunOptions {
        paths: vec![d.to_path_buf()],
        base: d.to_path_buf(),
        follow_links: false,
        jobs: 2,
        exclude: Vec::new(),
        baseline: None,
        policies,
        no_builtin: false,
        render: true,
        prefixes: Default::default(),
    };
    let settings = octolint::config::Settings::defaults();
    let mut outcome = octolint::pipeline::run(&opts, &settings).expect("runs");
    // What finalize does: collect, then redact.
    let mut set = SecretSet::new();
    set.add_findings(&outcome.findings, |p| {
        outcome.sources.get(p).map(|s| s.text.as_str())
    });
    for src in outcome.sources.values() {
        for doc in octolint::parse::yaml::parse(&src.text).docs {
            set.add_document(&doc.root);
        }
    }
    let set = std::sync::Arc::new(set);
    redact_all(&mut outcome.findings, &set);
    let ropts = octolint::report::ReportOptions {
        root: d.to_path_buf(),
        color: false,
        show_suppressed: true,
        category: "octolint/".into(),
        secrets: Some(set.clone()),
    };
    assert!(
        outcome
            .findings
            .iter()
            .any(|f| f.message.contains("decoded"))
    );
    for format in [
        octolint::report::Format::Text,
        octolint::report::Format::Json,
        octolint::report::Format::Sarif,
        octolint::report::Format::Github,
    ] {
        let out = octolint::report::render(format, &outcome, &ropts);
        for secret in [password, encoded, "tok-8fK2mQ9xLp"] {
            assert!(
                !out.contains(secret),
                "{format:?} leaks {}…: {out}",
                &secret[..4]
            );
        }
    }
}
