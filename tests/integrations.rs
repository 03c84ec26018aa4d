//! The places users run octolint, tested as shipped: the GitHub Action's shell steps run
//! against a fake runner (`$GITHUB_OUTPUT`, `$GITHUB_STEP_SUMMARY`, `$GITHUB_PATH`) on a
//! fixture repository; `-o FORMAT=FILE` reports; `--statistics`; `octolint verify` on the
//! project's own policies; the Dockerfile, the README and the Argo CD manifests agreeing.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{run, stderr, stdout, write};
use octolint::parse::node::Node;
use octolint::parse::yaml;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
}

fn yaml_root(text: &str) -> Node {
    let parsed = yaml::parse(text);
    assert!(parsed.error.is_none(), "{:?}", parsed.error);
    parsed.docs.into_iter().next().expect("one document").root
}

fn str_map(node: Option<&Node>) -> Vec<(String, String)> {
    node.and_then(Node::as_map)
        .unwrap_or(&[])
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().unwrap_or_default().to_string(),
                v.as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[derive(Debug)]
struct Step {
    id: String,
    name: String,
    cond: Option<String>,
    run: Option<String>,
    uses: Option<String>,
    env: Vec<(String, String)>,
    with: Vec<(String, String)>,
}

struct Action {
    /// Input name → default.
    inputs: BTreeMap<String, String>,
    steps: Vec<Step>,
}

fn action() -> Action {
    let doc = yaml_root(&read("action.yml"));
    let mut inputs = BTreeMap::new();
    for (k, v) in doc.get("inputs").and_then(Node::as_map).expect("inputs") {
        let default = v
            .get("default")
            .and_then(Node::as_str)
            .unwrap_or_default()
            .to_string();
        inputs.insert(k.as_str().expect("input name").to_string(), default);
    }
    let runs = doc.get("runs").expect("runs");
    assert_eq!(runs.get("using").and_then(Node::as_str), Some("composite"));
    let steps = runs
        .get("steps")
        .and_then(Node::as_seq)
        .expect("steps")
        .iter()
        .map(|s| {
            let text = |k: &str| s.get(k).and_then(Node::as_str).map(str::to_string);
            if text("run").is_some() {
                assert_eq!(text("shell").as_deref(), Some("bash"), "{:?}", text("name"));
            }
            Step {
                id: text("id").unwrap_or_default(),
                name: text("name").unwrap_or_default(),
                cond: text("if"),
                run: text("run"),
                uses: text("uses"),
                env: str_map(s.get("env")),
                with: str_map(s.get("with")),
            }
        })
        .collect();
    Action { inputs, steps }
}

/// A fake runner: step outputs, `$GITHUB_PATH` additions and a small `${{ }}` evaluator
/// (enough for what action.yml uses: inputs, step outputs, `github.*`, `always()`, `==`,
/// `!=` and `&&`).
struct Runner {
    inputs: BTreeMap<String, String>,
    outputs: BTreeMap<String, BTreeMap<String, String>>,
    path: Vec<PathBuf>,
    home: PathBuf,
    workspace: PathBuf,
    summary: PathBuf,
    log: String,
}

impl Runner {
    fn value(&self, expr: &str) -> String {
        let e = expr.trim();
        if let Some(lit) = e.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')) {
            return lit.to_string();
        }
        if e == "always()" {
            return "true".into();
        }
        if let Some(name) = e.strip_prefix("inputs.") {
            return self
                .inputs
                .get(name)
                .unwrap_or_else(|| panic!("unknown input `{name}`"))
                .clone();
        }
        if let Some(rest) = e.strip_prefix("steps.") {
            let (id, out) = rest.split_once(".outputs.").expect("steps.ID.outputs.NAME");
            return self
                .outputs
                .get(id)
                .and_then(|o| o.get(out))
                .cloned()
                .unwrap_or_default();
        }
        if e.starts_with("github.") {
            return String::new();
        }
        panic!("unsupported expression `{e}`");
    }

    fn condition(&self, expr: &str) -> bool {
        let e = expr.trim();
        let e = e
            .strip_prefix("${{")
            .and_then(|x| x.strip_suffix("}}"))
            .unwrap_or(e);
        e.split("&&").all(|part| {
            if let Some((l, r)) = part.split_once("!=") {
                self.value(l) != self.value(r)
            } else if let Some((l, r)) = part.split_once("==") {
                self.value(l) == self.value(r)
            } else {
                self.value(part) == "true"
            }
        })
    }

    fn substitute(&self, text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(i) = rest.find("${{") {
            out.push_str(&rest[..i]);
            let end = rest[i..].find("}}").expect("closed expression") + i;
            out.push_str(&self.value(&rest[i + 3..end]));
            rest = &rest[end + 2..];
        }
        out.push_str(rest);
        out
    }

    /// Run a `run:` step as GitHub does (`bash --noprofile --norc -eo pipefail FILE`); its
    /// exit code.
    fn run_step(&mut self, n: usize, step: &Step) -> i32 {
        let tmp = self.home.join(format!("step{n}"));
        std::fs::create_dir_all(&tmp).expect("mkdir");
        let script = tmp.join("script.sh");
        std::fs::write(&script, self.substitute(step.run.as_deref().unwrap_or(""))).expect("w");
        let output_file = tmp.join("output");
        let path_file = tmp.join("path");
        std::fs::write(&output_file, "").expect("w");
        std::fs::write(&path_file, "").expect("w");
        let mut path: Vec<PathBuf> = self.path.iter().rev().cloned().collect();
        path.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        let mut cmd = Command::new("bash");
        cmd.args(["--noprofile", "--norc", "-eo", "pipefail"])
            .arg(&script)
            .current_dir(&self.workspace)
            .env_clear()
            .env("PATH", std::env::join_paths(path).expect("PATH"))
            .env("HOME", &self.home)
            .env("GITHUB_ACTION_PATH", root())
            .env("GITHUB_WORKSPACE", &self.workspace)
            .env("GITHUB_OUTPUT", &output_file)
            .env("GITHUB_PATH", &path_file)
            .env("GITHUB_STEP_SUMMARY", &self.summary)
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64");
        for (k, v) in &step.env {
            cmd.env(k, self.substitute(v));
        }
        let out = cmd.output().expect("bash runs");
        self.log.push_str(&format!(
            "== {}\n{}{}",
            step.name,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
        let outputs = std::fs::read_to_string(&output_file).expect("output");
        let map = self.outputs.entry(step.id.clone()).or_default();
        for line in outputs.lines() {
            if let Some((k, v)) = line.split_once('=') {
                map.insert(k.to_string(), v.to_string());
            }
        }
        for line in std::fs::read_to_string(&path_file).expect("path").lines() {
            self.path.push(PathBuf::from(line));
        }
        out.status.code().unwrap_or(-1)
    }
}

/// What a run of the whole action did.
struct ActionRun {
    /// Exit code of the job (the first failing step's), 0 when every step passed.
    code: i32,
    /// Names of the steps that ran (run steps executed, `uses` steps that would run).
    ran: Vec<String>,
    /// The `with:` of the upload step when it would run.
    upload: Option<BTreeMap<String, String>>,
    runner: Runner,
}

/// Run action.yml in `workspace` with `inputs` over the defaults. The cache step is a cache
/// hit that restores the octolint binary built by this test run, so nothing is compiled.
fn run_action(workspace: &Path, inputs: &[(&str, &str)]) -> ActionRun {
    let action = action();
    let home = tempfile::tempdir().expect("tmp").keep();
    let summary = home.join("summary.md");
    std::fs::write(&summary, "Earlier step output\n").expect("w");
    let mut all = action.inputs.clone();
    for (k, v) in inputs {
        assert!(all.contains_key(*k), "action.yml has no input `{k}`");
        all.insert(k.to_string(), v.to_string());
    }
    let mut runner = Runner {
        inputs: all,
        outputs: BTreeMap::new(),
        path: Vec::new(),
        home,
        workspace: workspace.to_path_buf(),
        summary,
        log: String::new(),
    };
    let (mut code, mut ran, mut upload) = (0, Vec::new(), None);
    for (n, step) in action.steps.iter().enumerate() {
        // Steps after a failure run only when their condition says `always()`.
        let wanted = match &step.cond {
            Some(c) => (code == 0 || c.contains("always()")) && runner.condition(c),
            None => code == 0,
        };
        if !wanted {
            continue;
        }
        ran.push(step.name.clone());
        match step.uses.as_deref() {
            Some(u) if u.starts_with("actions/cache@") => {
                let home = runner.value("steps.key.outputs.home");
                assert!(
                    !home.is_empty(),
                    "the cache key step gives the install root"
                );
                let key = runner.value("steps.key.outputs.key");
                assert!(key.starts_with("octolint-Linux-X64-rust1.95-"), "{key}");
                let bin = PathBuf::from(home).join("bin");
                std::fs::create_dir_all(&bin).expect("mkdir");
                // A link, not a copy: a binary just written by this multi-threaded process
                // can fail to start ("Text file busy") while another test thread forks, as
                // long as the child still holds the writing descriptor.
                std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_octolint"), bin.join("octolint"))
                    .expect("restore the binary");
                runner
                    .outputs
                    .entry(step.id.clone())
                    .or_default()
                    .insert("cache-hit".into(), "true".into());
            }
            Some(u) if u.starts_with("github/codeql-action/upload-sarif@") => {
                upload = Some(
                    step.with
                        .iter()
                        .map(|(k, v)| (k.clone(), runner.substitute(v)))
                        .collect(),
                );
            }
            Some(u) => panic!("unexpected action {u}"),
            None => {
                let c = runner.run_step(n, step);
                if c != 0 && code == 0 {
                    code = c;
                }
            }
        }
    }
    ActionRun {
        code,
        ran,
        upload,
        runner,
    }
}

const PRIVILEGED: &str = "apiVersion: v1
kind: Pod
metadata:
  name: bad
  namespace: apps
spec:
  containers:
    - name: app
      image: registry.example.com/app:1.0
      securityContext:
        privileged: true
";

fn fixture_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tmp");
    write(dir.path(), "k8s/apps/bad.yaml", PRIVILEGED);
    write(dir.path(), "README.md", "# fixture\n");
    dir
}

#[test]
fn action_runs_once_writes_sarif_and_summary_and_fails_on_errors() {
    let repo = fixture_repo();
    let r = run_action(
        repo.path(),
        &[
            ("path", "k8s/apps"),
            ("sarif-category", "octolint-k8s"),
            ("args", "--select K8S001"),
        ],
    );
    let log = &r.runner.log;
    assert_eq!(r.code, 1, "{log}");
    assert_eq!(
        r.ran,
        [
            "Cache key",
            "Restore the octolint build",
            "Put octolint on PATH",
            "Run octolint",
            "Upload SARIF",
            "Fail on findings"
        ],
        "the install step is skipped on a cache hit\n{log}"
    );
    // One octolint run: the annotation on standard output, the SARIF file and the summary.
    assert_eq!(log.matches("::error file=").count(), 1, "{log}");
    assert!(
        log.contains(
            "title=K8S001 privileged-container::container `app` of Pod/apps/bad runs privileged"
        ),
        "{log}"
    );
    let check = &r.runner.outputs["check"];
    assert_eq!(check["exit-code"], "1");
    assert_eq!(check["sarif-file"], "octolint.sarif");
    let sarif: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo.path().join("octolint.sarif")).expect("SARIF written"),
    )
    .expect("SARIF is JSON");
    let run0 = &sarif["runs"][0];
    assert_eq!(run0["automationDetails"]["id"], "octolint-k8s");
    let results = run0["results"].as_array().expect("results");
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["ruleId"], "K8S001");
    assert_eq!(results[0]["level"], "error");
    let upload = r.upload.expect("the upload step runs");
    assert_eq!(upload["sarif_file"], "octolint.sarif");
    assert_eq!(upload["category"], "octolint-k8s");
    let summary = std::fs::read_to_string(&r.runner.summary).expect("summary");
    assert!(
        summary.starts_with("Earlier step output\n## octolint\n"),
        "the summary is appended\n{summary}"
    );
    assert!(
        summary.contains("**1 problem** (1 error, 0 warnings, 0 info) in 1 file"),
        "{summary}"
    );
    assert!(
        summary.contains("| 1 | 🔴 error | K8S001 | privileged-container |"),
        "{summary}"
    );
    assert!(
        summary.contains("### Coverage\n\nChecked 1 file:"),
        "{summary}"
    );
}

#[test]
fn action_follows_fail_on_and_config() {
    let repo = fixture_repo();
    // Errors do not fail the step with fail-on: never; the reports are still written.
    let r = run_action(
        repo.path(),
        &[
            ("path", "k8s"),
            ("fail-on", "never"),
            ("upload-sarif", "false"),
        ],
    );
    assert_eq!(r.code, 0, "{}", r.runner.log);
    assert_eq!(r.runner.outputs["check"]["exit-code"], "0");
    assert!(!r.ran.iter().any(|s| s == "Fail on findings"));
    assert!(r.upload.is_none());
    assert!(repo.path().join("octolint.sarif").is_file());

    // A config that lowers K8S001 to a warning: clean at fail-on error, failing at warning.
    write(
        repo.path(),
        "ci/octolint.toml",
        "[rules]\nselect = [\"K8S001\"]\n[rules.severity]\nK8S001 = \"warning\"\n",
    );
    let r = run_action(repo.path(), &[("config", "ci/octolint.toml")]);
    assert_eq!(r.code, 0, "{}", r.runner.log);
    assert!(r.runner.log.contains("::warning file="), "{}", r.runner.log);
    let r = run_action(
        repo.path(),
        &[("config", "ci/octolint.toml"), ("fail-on", "warning")],
    );
    assert_eq!(r.code, 1, "{}", r.runner.log);

    // A usage error is exit 2 and fails the job; no SARIF means no upload.
    let r = run_action(
        repo.path(),
        &[("path", "missing"), ("sarif-file", "other.sarif")],
    );
    assert_eq!(r.code, 2, "{}", r.runner.log);
    assert!(r.upload.is_none());
}

#[test]
fn extra_reports_from_one_run() {
    let repo = fixture_repo();
    let args = [
        "check",
        "k8s",
        "--select",
        "K8S001",
        "--format",
        "json",
        "-o",
        "sarif=r.sarif",
        "-o",
        "summary=r.md",
        "-o",
        "text=r.txt",
        "-o",
        "main.json",
    ];
    let out = run(&args, repo.path());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "",
        "the --format report goes to the plain -o FILE"
    );
    let file = |name: &str| std::fs::read_to_string(repo.path().join(name)).expect(name);
    let main: serde_json::Value = serde_json::from_str(&file("main.json")).expect("json");
    assert_eq!(main["findings"][0]["rule_id"], "K8S001");
    let sarif: serde_json::Value = serde_json::from_str(&file("r.sarif")).expect("sarif");
    assert_eq!(sarif["runs"][0]["results"][0]["ruleId"], "K8S001");
    let text = file("r.txt");
    assert!(text.contains("error[K8S001]"), "{text}");
    assert!(!text.contains('\u{1b}'), "no colour in files");
    assert!(file("r.md").starts_with("## octolint\n"));

    let bad = run(&["check", "k8s", "-o", "a.txt", "-o", "b.txt"], repo.path());
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("write more reports with `-o FORMAT=FILE`"),
        "{}",
        stderr(&bad)
    );
    let same = run(
        &["check", "k8s", "-o", "sarif=x", "-o", "json=x"],
        repo.path(),
    );
    assert_eq!(same.status.code(), Some(2));
    assert!(
        stderr(&same).contains("two reports would be written to `x`"),
        "{}",
        stderr(&same)
    );
    let nodir = run(
        &["check", "k8s", "-o", "sarif=no/such/dir.sarif"],
        repo.path(),
    );
    assert_eq!(nodir.status.code(), Some(2));
    assert!(
        stderr(&nodir).contains("cannot write `no/such/dir.sarif`"),
        "{}",
        stderr(&nodir)
    );
    let stats_json = run(
        &["check", "k8s", "--statistics", "--format", "json"],
        repo.path(),
    );
    assert_eq!(stats_json.status.code(), Some(2));
}

#[test]
fn statistics_prints_the_findings_per_rule() {
    let repo = fixture_repo();
    write(
        repo.path(),
        "k8s/apps/second.yaml",
        &PRIVILEGED.replace("name: bad", "name: second"),
    );
    let sel = ["--select", "K8S001,K8S002,K8S012"];
    let mut args = vec!["check", "k8s", "--statistics"];
    args.extend(sel);
    let out = run(&args, repo.path());
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stdout(&out),
        "2  error    K8S001  privileged-container\n\
         2  warning  K8S012  privilege-escalation-allowed\n\
         4 problems (2 errors, 2 warnings, 0 info)\n"
    );
    // The full text output ends with the same table before the totals.
    let mut args = vec!["check", "k8s", "--color", "never"];
    args.extend(sel);
    let text = stdout(&run(&args, repo.path()));
    assert!(
        text.contains(
            "2  error    K8S001  privileged-container\n\
             2  warning  K8S012  privilege-escalation-allowed\n\n4 problems"
        ),
        "{text}"
    );
}

#[test]
fn verify_passes_on_the_projects_own_policies() {
    let out = run(&["verify", "-p", "policies"], &root());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        stdout(&out).ends_with("\n10 passed, 0 failed\n"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn rego_v0_syntax_error_hints_at_the_flag() {
    let dir = tempfile::tempdir().expect("tmp");
    write(
        dir.path(),
        "policy/old.rego",
        "package main\n\ndeny[msg] {\n  input.kind == \"Pod\"\n  msg := \"no pods\"\n}\n",
    );
    write(
        dir.path(),
        "pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n",
    );
    let out = run(&["check", "pod.yaml", "--no-builtin"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("(this policy is Rego v0: pass `--rego-version v0`)"),
        "{}",
        stderr(&out)
    );
    let ok = run(
        &["check", "pod.yaml", "--no-builtin", "--rego-version", "v0"],
        dir.path(),
    );
    assert_eq!(ok.status.code(), Some(1), "{}", stderr(&ok));
    // A v1 policy with a real syntax error gets no such hint.
    write(
        dir.path(),
        "policy/old.rego",
        "package main\n\ndeny contains msg if {\n  input.kind ==\n}\n",
    );
    let out = run(&["check", "pod.yaml", "--no-builtin"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(!stderr(&out).contains("--rego-version"), "{}", stderr(&out));
}

/// `docker build …` in a text: the command line up to its end.
fn docker_build(text: &str) -> Option<String> {
    let i = text.find("docker build ")?;
    Some(text[i..].lines().next()?.trim().to_string())
}

#[test]
fn dockerfile_readme_and_manifests_agree() {
    let version = env!("CARGO_PKG_VERSION");
    let image = format!("ghcr.io/octolint/octolint:{version}");
    let dockerfile = read("Dockerfile");
    let readme = read("README.md");
    let build = format!("docker build -t {image} .");
    assert_eq!(docker_build(&dockerfile).as_deref(), Some(build.as_str()));
    assert_eq!(docker_build(&readme).as_deref(), Some(build.as_str()));
    assert!(dockerfile.contains("cargo build --release --locked"));
    let rust = read("Cargo.toml")
        .lines()
        .find_map(|l| {
            l.strip_prefix("rust-version = ")
                .map(|v| v.trim_matches('"').to_string())
        })
        .expect("rust-version");
    assert!(dockerfile.contains(&format!("ARG RUST_VERSION={rust}\n")));
    // The runtime stage runs as a non-root user (Argo CD's 999 for plugin sidecars).
    let runtime = dockerfile.rsplit("\nFROM ").next().expect("runtime stage");
    assert!(runtime.contains("\nUSER 999:999\n"), "{runtime}");
    // Every octolint image the manifests use is the one the Dockerfile builds.
    let mut seen = 0;
    for rel in [
        "manifests/argocd/repo-server-patch.yaml",
        "manifests/octolint/presync-hook.yaml",
    ] {
        for line in read(rel).lines() {
            if let Some(img) = line
                .trim()
                .strip_prefix("image: ")
                .filter(|i| i.contains("octolint/octolint"))
            {
                assert_eq!(img, image, "{rel}");
                seen += 1;
            }
        }
    }
    assert_eq!(seen, 2);
}

#[test]
fn argocd_plugin_is_complete() {
    let cm = yaml_root(&read("manifests/argocd/cmp-plugin.yaml"));
    let plugin_text = cm
        .path(&["data", "plugin.yaml"])
        .and_then(Node::as_str)
        .expect("plugin.yaml");
    let plugin = yaml_root(plugin_text);
    assert_eq!(
        plugin.get("kind").and_then(Node::as_str),
        Some("ConfigManagementPlugin")
    );
    let name = format!(
        "{}-{}",
        plugin
            .path(&["metadata", "name"])
            .and_then(Node::as_str)
            .expect("name"),
        plugin
            .path(&["spec", "version"])
            .and_then(Node::as_str)
            .expect("version")
    );
    let script = |phase: &str| {
        plugin
            .path(&["spec", phase, "args"])
            .and_then(Node::as_seq)
            .and_then(|a| a.first())
            .and_then(Node::as_str)
            .expect("script")
            .to_string()
    };
    assert!(script("init").contains("octolint check ."));
    // The Application names the plugin.
    let app = read("manifests/argocd/application.yaml");
    assert!(app.contains(&format!("name: {name}\n")), "{app}");
    // The sidecar mounts this ConfigMap's plugin.yaml where argocd-cmp-server reads it.
    let patch = read("manifests/argocd/repo-server-patch.yaml");
    for needle in [
        "command: [/var/run/argocd/argocd-cmp-server]",
        "mountPath: /home/argocd/cmp-server/config/plugin.yaml",
        "subPath: plugin.yaml",
        "name: octolint-cmp",
        "runAsUser: 999",
    ] {
        assert!(patch.contains(needle), "{needle}");
    }

    // `generate` on a plain directory prints its Kubernetes manifests only, with the synced
    // revision filled in.
    let dir = tempfile::tempdir().expect("tmp");
    write(
        dir.path(),
        "a.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  annotations:\n    rev: \"${ARGOCD_APP_REVISION}\"\n",
    );
    write(
        dir.path(),
        "sub/b.yml",
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: b\n",
    );
    write(dir.path(), "values.yaml", "apiVersion: x\nkind: y\n");
    write(dir.path(), "settings.yaml", "replicas: 2\n");
    write(
        dir.path(),
        "tpl/templates/c.yaml",
        "apiVersion: v1\nkind: Pod\n",
    );
    let out = Command::new("sh")
        .args(["-c", &script("generate")])
        .current_dir(dir.path())
        .env("ARGOCD_APP_REVISION", "0123abc")
        .env("ARGOCD_APP_SOURCE_REPO_URL", "https://example.com/r.git")
        .output()
        .expect("sh runs");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  annotations:\n    rev: \"0123abc\"\n\n\
         ---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: b\n\n"
    );
}

#[test]
fn shipped_manifests_lint_clean() {
    let out = run(&["check", "manifests", "--fail-on", "info"], &root());
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stdout(&out).starts_with("no problems found\n"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn summary_shows_cost_against_ceilings_when_the_cost_rule_ran() {
    let dir = tempfile::tempdir().expect("tmp");
    write(
        dir.path(),
        "ceilings.toml",
        "[environments.dev]\nmonthly-ceiling = 100\n",
    );
    let config = dir.path().join("ceilings.toml");
    let config = config.to_str().expect("utf-8 path");
    let out = run(
        &["check", "infra", "--format", "summary", "--config", config],
        &root(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let md = stdout(&out);
    assert!(
        md.contains("| 1 | 🔴 error | COST001 | environment-over-budget |"),
        "{md}"
    );
    for row in [
        "| dev | $181.15 | $100.00 | ❌ over by $81.15 |",
        "| prod | $1,172.89 | $5,000.00 | ✅ within |",
        "| staging | $457.33 | $1,500.00 | ✅ within |",
    ] {
        assert!(md.contains(row), "{row}\n{md}");
    }
    assert!(
        md.contains("### Cost per environment\n\n| Environment | Monthly estimate | Ceiling | |\n")
    );

    // No cost section when the cost rule did not run.
    let out = run(
        &["check", "infra", "--format", "summary", "--select", "TF"],
        &root(),
    );
    assert!(
        !stdout(&out).contains("Cost per environment"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn summary_links_findings_to_their_line_on_github() {
    let repo = fixture_repo();
    std::fs::create_dir(repo.path().join(".git")).expect("mkdir .git");
    let out = Command::new(env!("CARGO_BIN_EXE_octolint"))
        .args([
            "check", "k8s/apps", "--select", "K8S001", "--format", "summary",
        ])
        .current_dir(repo.path())
        .env("GITHUB_SERVER_URL", "https://github.com")
        .env("GITHUB_REPOSITORY", "acme/gitops")
        .env("GITHUB_SHA", "0123abcd")
        .output()
        .expect("runs");
    let md = stdout(&out);
    assert!(
        md.contains("(https://github.com/acme/gitops/blob/0123abcd/k8s/apps/bad.yaml#L11) | K8S001 privileged-container | container `app` of Pod/apps/bad runs privileged |"),
        "{md}"
    );
    // Without the variables, plain locations.
    let out = run(
        &[
            "check", "k8s/apps", "--select", "K8S001", "--format", "summary",
        ],
        repo.path(),
    );
    assert!(!stdout(&out).contains("https://"), "{}", stdout(&out));
    assert!(stdout(&out).contains(":11` | K8S001"), "{}", stdout(&out));
}
