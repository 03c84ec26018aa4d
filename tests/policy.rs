//! Rego policies end to end: conftest semantics (rule names, results, exceptions,
//! namespaces, data, combine, Rego v0), locations (document start, `path`, `_loc`,
//! Terraform in conftest's HCL2 shape), rule ids and SARIF rules, errors with positions,
//! `octolint verify`, and the bundled policies' own tests.

use std::path::PathBuf;
use std::process::Output;

mod common;
use common::{run, stderr, stdout, write};

use octolint::policy::{Policies, PolicyOptions, verify};

/// (rule id, severity, path, line, suppressed kind) of every finding, in output order.
fn findings(o: &Output) -> Vec<(String, String, String, u64, String)> {
    let v: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("invalid JSON ({e}): {}{}", stdout(o), stderr(o)));
    v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap_or("").to_string(),
                f["severity"].as_str().unwrap_or("").to_string(),
                f["location"]["path"].as_str().unwrap_or("").to_string(),
                f["location"]["region"]["start_line"].as_u64().unwrap_or(0),
                f["suppression"]["kind"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

const MAIN: &str = r#"# METADATA
# title: Deployment rules of the platform team
# custom:
#   id: PLAT
package main

import rego.v1

deny contains msg if {
	input.kind == "Deployment"
	not input.spec.template.spec.securityContext.runAsNonRoot
	msg := sprintf("Deployment %s may run as root", [input.metadata.name])
}

# METADATA
# title: Containers must not use the latest tag
# custom:
#   id: PLAT-LATEST
deny_latest contains {"msg": msg, "path": ["spec", "template", "spec", "containers", i, "image"], "team": "platform"} if {
	input.kind == "Deployment"
	some i, c in input.spec.template.spec.containers
	endswith(c.image, ":latest")
	msg := sprintf("container %s uses latest", [c.name])
}

violation_replicas contains {"msg": "one replica", "id": "REPLICAS-1", "_loc": {"line": 6}} if {
	input.kind == "Deployment"
	input.spec.replicas == 1
}

warn_team contains msg if {
	input.kind == "Deployment"
	not input.metadata.labels.team
	msg := "no team label"
}

exception contains rules if {
	input.metadata.name == "legacy"
	rules := ["latest"]
}

deny_bucket contains {"msg": sprintf("bucket %s is public", [name]), "path": ["resource", "aws_s3_bucket", name, 0, "acl"]} if {
	some name, buckets in input.resource.aws_s3_bucket
	buckets[0].acl == "public-read"
}

deny_registry contains msg if {
	input.kind == "Deployment"
	some c in input.spec.template.spec.containers
	not startswith(c.image, data.lists.allowed[0])
	msg := sprintf("%s is not from %s", [c.image, data.lists.allowed[0]])
}
"#;

const DEPLOYMENTS: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  template:
    spec:
      containers:
        - name: web
          image: nginx:latest
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: legacy
  labels:
    team: core
spec:
  template:
    spec:
      securityContext:
        runAsNonRoot: true
      containers:
        - name: app
          image: registry.example.com/app:latest
";

const MAIN_TF: &str = r#"resource "aws_s3_bucket" "logs" {
  bucket = "logs-${var.env}"
  acl    = "public-read"
}

resource "aws_s3_bucket" "assets" {
  bucket = "assets"
  acl    = "private"
}
"#;

fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(d, "policy/main.rego", MAIN);
    write(
        d,
        "policy/other.rego",
        "package team.storage\nimport rego.v1\nwarn contains \"storage team check\" if { input.kind == \"Deployment\" }\n",
    );
    write(
        d,
        "data/lists/registries.yaml",
        "allowed:\n  - registry.example.com/\n",
    );
    write(d, "k8s/deploy.yaml", DEPLOYMENTS);
    write(d, "tf/main.tf", MAIN_TF);
    dir
}

#[test]
fn conftest_semantics_levels_locations_and_ids() {
    let dir = repo();
    let d = dir.path();
    let o = run(
        &[
            "check",
            ".",
            "--no-builtin",
            "-d",
            "data",
            "--format",
            "json",
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let got = findings(&o);
    let want: Vec<(&str, &str, &str, u64, &str)> = vec![
        ("PLAT", "error", "k8s/deploy.yaml", 1, ""),
        ("PLAT", "error", "k8s/deploy.yaml", 1, ""),
        ("PLAT", "warning", "k8s/deploy.yaml", 1, ""),
        ("REPLICAS-1", "error", "k8s/deploy.yaml", 6, ""),
        ("PLAT-LATEST", "error", "k8s/deploy.yaml", 11, ""),
        ("PLAT-LATEST", "error", "k8s/deploy.yaml", 26, "exception"),
        ("PLAT", "error", "tf/main.tf", 3, ""),
    ];
    let want: Vec<(String, String, String, u64, String)> = want
        .into_iter()
        .map(|(a, b, c, d, e)| (a.into(), b.into(), c.into(), d, e.into()))
        .collect();
    assert_eq!(got, want, "{}", stdout(&o));
    let text = stdout(&o);
    assert!(
        text.contains("\"team\": \"platform\""),
        "metadata kept: {text}"
    );
    assert!(text.contains("nginx:latest is not from registry.example.com/"));
    assert!(
        !text.contains("storage team check"),
        "only `main` by default"
    );

    // SARIF: policy rules listed with their titles; warn -> warning, deny -> error.
    let o = run(
        &[
            "check",
            ".",
            "--no-builtin",
            "-d",
            "data",
            "--format",
            "sarif",
        ],
        d,
    );
    let sarif: serde_json::Value = serde_json::from_slice(&o.stdout).expect("sarif");
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules");
    let latest = rules
        .iter()
        .find(|r| r["id"] == "PLAT-LATEST")
        .expect("PLAT-LATEST listed");
    assert_eq!(
        latest["shortDescription"]["text"],
        "Containers must not use the latest tag"
    );
    assert!(rules.iter().any(|r| r["id"] == "REPLICAS-1"));
    let levels: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["level"].as_str())
        .collect();
    assert!(levels.contains(&"warning") && levels.contains(&"error"));
}

#[test]
fn namespaces_globs_and_all() {
    let dir = repo();
    let d = dir.path();
    let ids = |args: &[&str]| -> Vec<String> {
        let mut a = vec![
            "check",
            ".",
            "--no-builtin",
            "-d",
            "data",
            "--format",
            "json",
        ];
        a.extend_from_slice(args);
        findings(&run(&a, d)).into_iter().map(|f| f.0).collect()
    };
    let only_team = ids(&["-n", "team.*"]);
    assert_eq!(only_team, vec!["team.storage.warn"; 2]);
    let all = ids(&["--all-namespaces"]);
    assert!(all.contains(&"team.storage.warn".to_string()) && all.contains(&"PLAT".to_string()));
}

#[test]
fn combine_gives_one_evaluation_over_all_documents() {
    let dir = repo();
    let d = dir.path();
    write(
        d,
        "policy/main.rego",
        "package main\nimport rego.v1\n\
deny contains {\"msg\": sprintf(\"%d Deployments without a team\", [n]), \"path\": [i, \"contents\", \"metadata\", \"name\"]} if {\n\
  missing := [j | some j, el in input; el.contents.kind == \"Deployment\"; not el.contents.metadata.labels.team]\n\
  n := count(missing)\n  n > 0\n  i := missing[0]\n}\n\
warn contains sprintf(\"%d inputs\", [count(input)]) if { true }\n",
    );
    let o = run(
        &[
            "check",
            ".",
            "--no-builtin",
            "--combine",
            "--format",
            "json",
        ],
        d,
    );
    let got = findings(&o);
    assert_eq!(got.len(), 2, "{}", stdout(&o));
    // 2 Deployments, 1 Terraform file and the data file (it is in the checked tree too).
    assert!(stdout(&o).contains("4 inputs"), "{}", stdout(&o));
    // A result without a path goes to the first file; one with a path to its node.
    assert_eq!(got[0].2, "data/lists/registries.yaml");
    let error = got.iter().find(|f| f.1 == "error").expect("deny");
    assert_eq!((error.2.as_str(), error.3), ("k8s/deploy.yaml", 4));
}

#[test]
fn rego_v0_policies_run_with_the_flag() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(
        d,
        "policy/old.rego",
        "package main\n\ndeny[msg] {\n  input.kind == \"Pod\"\n  msg := \"pods are not allowed\"\n}\n",
    );
    write(
        d,
        "pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n",
    );
    let o = run(&["check", ".", "--no-builtin", "--format", "json"], d);
    assert_eq!(o.status.code(), Some(2), "v1 parser rejects v0 syntax");
    assert!(stderr(&o).contains("old.rego:3:"), "{}", stderr(&o));
    let o = run(
        &[
            "check",
            ".",
            "--no-builtin",
            "--rego-version",
            "v0",
            "--format",
            "json",
        ],
        d,
    );
    assert_eq!(findings(&o).len(), 1, "{}{}", stdout(&o), stderr(&o));
}

#[test]
fn policy_and_data_errors_name_file_line_and_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(
        d,
        "pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n",
    );
    let cases: &[(&str, &str, &str)] = &[
        (
            "package main\nimport rego.v1\ndeny contains msg if {\n  msg := \n}\n",
            "policy/main.rego:4:",
            "",
        ),
        (
            "package main\nimport rego.v1\ndeny contains msg if {\n  input.kind == \"Pod\"\n  msg := crypto.x509.parse_rsa_private_key(input.key)\n}\n",
            "policy/main.rego:5:",
            "unsupported builtin `crypto.x509.parse_rsa_private_key`",
        ),
        (
            "package main\nimport rego.v1\ndeny contains msg if {\n  r := http.send({\"method\": \"get\", \"url\": \"http://127.0.0.1\"})\n  msg := r.body\n}\n",
            "policy/main.rego:4:",
            "no network or host access",
        ),
    ];
    let conflicts: &[(&str, &str, &str)] = &[
        (
            "package main\nimport rego.v1\nx := 1\nx := 2\ndeny contains \"a\" if { x == 1 }\n",
            "policy/main.rego:4:1",
            "conflicts",
        ),
        (
            "package main\nimport rego.v1\ndefault allow := false\ndefault allow := true\n",
            "policy/main.rego:4:1",
            "more than one default",
        ),
    ];
    for (policy, at, reason) in cases.iter().chain(conflicts) {
        write(d, "policy/main.rego", policy);
        let o = run(&["check", ".", "--no-builtin"], d);
        assert_eq!(o.status.code(), Some(2), "{policy}");
        let err = stderr(&o);
        assert!(err.contains(at) && err.contains(reason), "{err}");
    }
    write(d, "policy/main.rego", "package main\nimport rego.v1\n");
    write(d, "data/bad.yaml", "a: [1, 2\n");
    let o = run(&["check", ".", "--no-builtin", "-d", "data"], d);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("data/bad.yaml:"), "{}", stderr(&o));
}

#[test]
fn verify_passes_and_fails_like_conftest() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(
        d,
        "policy/main.rego",
        "package main\nimport rego.v1\ndeny contains \"pod\" if { input.kind == \"Pod\" }\n",
    );
    write(
        d,
        "policy/main_test.rego",
        "package main\nimport rego.v1\n\
test_pod_denied if { deny[\"pod\"] with input as {\"kind\": \"Pod\"} }\n\
test_service_allowed if { count(deny) == 0 with input as {\"kind\": \"Service\"} }\n",
    );
    let o = run(&["verify"], d);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("PASS - policy/main_test.rego - data.main.test_pod_denied"));
    assert!(stdout(&o).lines().any(|l| l == "2 passed, 0 failed"));
    write(
        d,
        "policy/more_test.rego",
        "package main\nimport rego.v1\ntest_wrong if { count(deny) == 1 with input as {\"kind\": \"Service\"} }\n",
    );
    let o = run(&["verify", "--policy", "policy"], d);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("FAIL - policy/more_test.rego - data.main.test_wrong"));
    assert!(stdout(&o).lines().any(|l| l == "2 passed, 1 failed"));
}

#[test]
fn results_are_identical_across_thread_counts() {
    let dir = repo();
    let d = dir.path();
    for i in 0..40 {
        write(d, &format!("k8s/more/d{i}.yaml"), DEPLOYMENTS);
    }
    let outs: Vec<Vec<u8>> = ["1", "2", "8"]
        .iter()
        .map(|j| {
            run(
                &["check", ".", "-d", "data", "-j", j, "--format", "sarif"],
                d,
            )
            .stdout
        })
        .collect();
    assert!(outs[0].len() > 1000);
    assert_eq!(outs[0], outs[1]);
    assert_eq!(outs[0], outs[2]);
}

#[test]
fn bundled_policies_pass_their_own_tests() {
    let p = Policies::load(&PolicyOptions {
        bundled: true,
        tests: true,
        ..PolicyOptions::default()
    })
    .expect("bundled policies compile")
    .expect("bundled policies exist");
    let results = verify::run(&p);
    assert!(results.len() >= 10, "{results:?}");
    for r in &results {
        assert!(r.passed, "{} {} {:?}", r.file, r.name, r.error);
    }
}

#[test]
fn every_bundled_policy_file_is_compiled_in() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut on_disk = Vec::new();
    let mut stack = vec![root.join("policies")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).expect("policies/").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rego") {
                let rel = p.strip_prefix(&root).expect("below root");
                on_disk.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    on_disk.sort();
    let mut listed: Vec<String> = octolint::policy::BUNDLED
        .iter()
        .map(|(p, _)| p.to_string())
        .collect();
    listed.sort();
    assert_eq!(
        on_disk, listed,
        "list every policies/ file in policy::BUNDLED"
    );
}

#[test]
fn rules_limited_to_kinds_skip_other_inputs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(
        d,
        "policy/main.rego",
        "package main\nimport rego.v1\n\n# METADATA\n# custom:\n#   kinds: [Service]\nwarn_svc contains \"a Service\" if { true }\n\nwarn_any contains \"anything\" if { true }\n",
    );
    write(
        d,
        "k8s.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
    );
    write(d, "main.tf", "variable \"x\" {}\n");
    let o = run(&["check", ".", "--no-builtin", "--format", "json"], d);
    let got: Vec<(String, u64)> = findings(&o)
        .into_iter()
        .map(|f| (format!("{}:{}", f.2, f.0), f.3))
        .collect();
    assert_eq!(
        got,
        vec![
            ("k8s.yaml:main.warn_any".to_string(), 1),
            ("k8s.yaml:main.warn_svc".to_string(), 1),
            ("k8s.yaml:main.warn_any".to_string(), 6),
            ("main.tf:main.warn_any".to_string(), 1),
        ],
        "{}",
        stdout(&o)
    );
}
