//! End-to-end tests of the `octolint` binary: the repo's own example content lints clean,
//! exit codes, config errors, output formats (SARIF validated against the 2.1.0 schema),
//! determinism across thread counts, suppressions, baselines, bad input, and the shared
//! corpus (skipped with a message when `../shared` is absent).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_octolint"));
    c.env_remove("NO_COLOR");
    c
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn shared() -> Option<PathBuf> {
    let p = root().join("../shared");
    if p.is_dir() {
        Some(p)
    } else {
        // In CI the shared material is always beside the clone: a skip there would hide a
        // test that no longer runs.
        assert!(
            std::env::var_os("CI").is_none(),
            "../shared is absent but CI is set: tests that need it must not skip in CI"
        );
        eprintln!(
            "SKIP: ../shared is absent (clone octolint beside the shared material to run this test)"
        );
        None
    }
}

fn run(args: &[&str], cwd: &Path) -> Output {
    bin()
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("octolint runs")
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exited normally (no signal)")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("invalid JSON ({e}): {}", stdout(o)))
}

fn write(dir: &Path, rel: &str, content: &[u8]) {
    let p = dir.join(rel);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(p, content).expect("write");
}

const PRIVILEGED: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: nginx:1.27.2\n      resources:\n        requests: {cpu: 10m, memory: 16Mi}\n        limits: {cpu: 10m, memory: 16Mi}\n      securityContext:\n        privileged: true\n";

#[test]
fn example_content_lints_clean() {
    for dir in ["manifests", "infra"] {
        let o = run(&["check", dir, "--format", "json"], &root());
        let v = json(&o);
        assert_eq!(
            v["findings"].as_array().map(Vec::len),
            Some(0),
            "{dir}: {}",
            stdout(&o)
        );
        assert_eq!(code(&o), 0, "{dir}");
        assert!(
            v["coverage"]["parsed"].as_u64().unwrap_or(0) > 3,
            "{dir} was not parsed"
        );
    }
    // The whole repository too (fixtures are excluded by octolint.toml).
    let o = run(&["check", ".", "--format", "json"], &root());
    assert_eq!(code(&o), 0, "{}", stdout(&o));
}

#[test]
fn exit_codes_follow_fail_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "pod.yaml", PRIVILEGED.as_bytes());
    write(
        dir.path(),
        "warn/pod.yaml",
        PRIVILEGED
            .replace("privileged: true", "privileged: false")
            .replace("nginx:1.27.2", "nginx")
            .as_bytes(),
    );
    let d = dir.path();
    assert_eq!(code(&run(&["check", "."], d)), 1);
    assert_eq!(code(&run(&["check", ".", "--fail-on", "never"], d)), 0);
    assert_eq!(
        code(&run(&["check", "warn"], d)),
        0,
        "warnings alone pass by default"
    );
    assert_eq!(code(&run(&["check", "warn", "--fail-on", "warning"], d)), 1);
    assert_eq!(code(&run(&["check", ".", "--ignore", "K8S001"], d)), 0);
    assert_eq!(code(&run(&["check", "missing-dir"], d)), 2);
    let o = run(&["check", ".", "--select", "NOPE42"], d);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("NOPE42"));
    assert_eq!(
        code(&run(&["check", "--format", "yaml"], d)),
        2,
        "usage error"
    );
}

#[test]
fn config_errors_name_key_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "pod.yaml", PRIVILEGED.as_bytes());
    write(
        dir.path(),
        "octolint.toml",
        b"fail-on = \"error\"\n\n[rules]\nignroe = [\"K8S001\"]\n",
    );
    let o = run(&["check", "."], dir.path());
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(err.contains("octolint.toml:4:1"), "{err}");
    assert!(err.contains("ignroe"), "{err}");

    write(
        dir.path(),
        "octolint.toml",
        b"[rules.severity]\nK8S001 = \"meh\"\n",
    );
    let o = run(&["check", "."], dir.path());
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("octolint.toml:2:10"), "{}", stderr(&o));

    // A valid config found above the checked directory applies.
    write(
        dir.path(),
        "octolint.toml",
        b"[rules]\nselect = [\"K8S001\"]\n[rules.severity]\nK8S001 = \"warning\"\n",
    );
    write(dir.path(), "sub/pod.yaml", PRIVILEGED.as_bytes());
    let o = run(&["check", "sub", "--format", "json"], dir.path());
    assert_eq!(code(&o), 0);
    assert_eq!(json(&o)["findings"][0]["severity"], "warning");

    // Per-path overrides.
    write(
        dir.path(),
        "octolint.toml",
        b"[rules]\nselect = [\"K8S001\"]\n[[overrides]]\npaths = [\"legacy/\"]\nignore = [\"privileged-container\"]\n",
    );
    write(dir.path(), "legacy/pod.yaml", PRIVILEGED.as_bytes());
    let o = run(&["check", ".", "--format", "json"], dir.path());
    let paths: Vec<String> = json(&o)["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            f["location"]["path"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    assert!(paths.iter().all(|p| !p.starts_with("legacy/")), "{paths:?}");
    assert!(paths.iter().any(|p| p == "pod.yaml"));
}

#[test]
fn findings_point_at_exact_positions_in_every_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "pod.yaml", PRIVILEGED.as_bytes());
    let d = dir.path();
    let v = json(&run(
        &["check", ".", "--select", "K8S001", "--format", "json"],
        d,
    ));
    assert_eq!(v["version"], 1);
    let f = &v["findings"][0];
    assert_eq!(f["rule_id"], "K8S001");
    assert_eq!(f["location"]["path"], "pod.yaml");
    assert_eq!(f["location"]["region"]["start_line"], 13);
    assert_eq!(f["location"]["region"]["start_column"], 21);
    assert_eq!(f["location"]["region"]["end_column"], 25);
    assert_eq!(f["logical_location"], "Pod/p");

    let gh = stdout(&run(
        &["check", ".", "--select", "K8S001", "--format", "github"],
        d,
    ));
    assert!(gh.starts_with("::error file=pod.yaml,line=13,col=21,endLine=13,endColumn=25,title=K8S001 privileged-container::"), "{gh}");

    let text = stdout(&run(
        &["check", ".", "--select", "K8S001", "--color", "never"],
        d,
    ));
    assert!(text.contains("--> pod.yaml:13:21"), "{text}");
    assert!(text.contains("help:"), "{text}");
    assert!(text.contains("1 problem (1 error"), "{text}");
    assert!(!text.contains('\u{1b}'), "no colour when not a terminal");

    let out = d.join("report.sarif");
    let o = run(
        &[
            "check",
            ".",
            "--select",
            "K8S001",
            "--format",
            "sarif",
            "--output",
            out.to_str().unwrap_or_default(),
        ],
        d,
    );
    assert_eq!(code(&o), 1);
    assert!(stdout(&o).is_empty());
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("report")).expect("json");
    let r = &sarif["runs"][0]["results"][0];
    assert_eq!(
        r["locations"][0]["physicalLocation"]["region"]["startLine"],
        13
    );
    assert_eq!(
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"],
        "%SRCROOT%"
    );
}

fn validate_sarif(doc: &serde_json::Value) {
    let Some(shared) = shared() else { return };
    let schema_text =
        std::fs::read_to_string(shared.join("schemas/sarif-schema-2.1.0.json")).expect("schema");
    let schema: serde_json::Value = serde_json::from_str(&schema_text).expect("schema json");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "SARIF invalid:\n{}", errors.join("\n"));
    // The validator really validates: a broken copy must fail.
    let mut broken = doc.clone();
    broken["runs"][0]["results"][0]["level"] = serde_json::json!("fatal");
    assert!(
        !validator.is_valid(&broken),
        "schema validation is not effective"
    );
}

#[test]
fn sarif_is_valid_and_complete() {
    let o = run(
        &[
            "check",
            "fixtures",
            "--no-config",
            "--format",
            "sarif",
            "--show-suppressed",
        ],
        &root(),
    );
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("sarif json");
    assert_eq!(doc["version"], "2.1.0");
    let run0 = &doc["runs"][0];
    assert_eq!(run0["columnKind"], "unicodeCodePoints");
    assert!(run0["automationDetails"]["id"].is_string());
    let rules = run0["tool"]["driver"]["rules"].as_array().expect("rules");
    let ids: Vec<&str> = rules.iter().filter_map(|r| r["id"].as_str()).collect();
    for id in [
        "K8S001", "K8S002", "K8S003", "K8S004", "OCT000", "OCT001", "OCT002", "OCT003",
    ] {
        assert!(ids.contains(&id), "{id} missing from tool.driver.rules");
    }
    let k = rules.iter().find(|r| r["id"] == "K8S001").expect("K8S001");
    assert!(
        k["help"]["markdown"]
            .as_str()
            .is_some_and(|m| m.contains("## Why"))
    );
    assert_eq!(k["properties"]["security-severity"], "9.0");
    assert!(
        k["helpUri"]
            .as_str()
            .is_some_and(|u| u.ends_with("rules/K8S001.md"))
    );
    let results = run0["results"].as_array().expect("results");
    assert!(results.len() > 10);
    for r in results {
        assert!(r["partialFingerprints"]["octolint/v1"].is_string());
        let idx = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[idx]["id"], r["ruleId"]);
    }
    assert!(
        results.iter().any(|r| r["relatedLocations"].is_array()),
        "related locations present"
    );
    assert!(
        results.iter().any(|r| r["suppressions"].is_array()),
        "suppressed results present"
    );
    validate_sarif(&doc);
}

#[test]
fn output_is_identical_across_thread_counts() {
    for format in ["json", "sarif"] {
        let a = run(
            &[
                "check",
                "fixtures",
                "--no-config",
                "--format",
                format,
                "-j",
                "1",
            ],
            &root(),
        );
        let b = run(
            &[
                "check",
                "fixtures",
                "--no-config",
                "--format",
                format,
                "-j",
                "2",
            ],
            &root(),
        );
        let c = run(
            &[
                "check",
                "fixtures",
                "--no-config",
                "--format",
                format,
                "-j",
                "8",
            ],
            &root(),
        );
        assert!(!a.stdout.is_empty());
        assert_eq!(a.stdout, b.stdout, "{format}: -j1 vs -j2");
        assert_eq!(a.stdout, c.stdout, "{format}: -j1 vs -j8");
    }
}

#[test]
fn fingerprints_survive_edits_above() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "pod.yaml", PRIVILEGED.as_bytes());
    let fp = |d: &Path| {
        json(&run(&["check", ".", "--format", "json"], d))["findings"][0]["fingerprint"].clone()
    };
    let before = fp(dir.path());
    write(
        dir.path(),
        "pod.yaml",
        format!("# a new comment\n# and another\n{PRIVILEGED}").as_bytes(),
    );
    assert_eq!(before, fp(dir.path()));
}

#[test]
fn suppressions_and_baseline() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(
        d,
        "pod.yaml",
        PRIVILEGED
            .replace(
                "privileged: true",
                "privileged: true # octolint:ignore K8S001 -- device plugin",
            )
            .as_bytes(),
    );
    let o = run(&["check", ".", "--select", "K8S001", "--format", "json"], d);
    assert_eq!(code(&o), 0);
    let v = json(&o);
    assert_eq!(v["summary"]["suppressed"], 1);
    assert_eq!(v["findings"][0]["suppression"]["kind"], "inline");
    assert_eq!(v["findings"][0]["suppression"]["reason"], "device plugin");
    let sarif = stdout(&run(
        &["check", ".", "--select", "K8S001", "--format", "sarif"],
        d,
    ));
    assert!(
        !sarif.contains("\"ruleId\""),
        "suppressed results stay out of SARIF by default"
    );

    // Baseline: accept today's findings, fail only on new ones.
    write(d, "pod.yaml", PRIVILEGED.as_bytes());
    let o = run(
        &[
            "check",
            ".",
            "--select",
            "K8S001",
            "--write-baseline",
            "baseline.json",
        ],
        d,
    );
    assert_eq!(code(&o), 0);
    assert_eq!(
        code(&run(
            &[
                "check",
                ".",
                "--select",
                "K8S001",
                "--baseline",
                "baseline.json"
            ],
            d
        )),
        0
    );
    write(
        d,
        "new.yaml",
        PRIVILEGED.replace("name: p", "name: q").as_bytes(),
    );
    let o = run(
        &[
            "check",
            ".",
            "--baseline",
            "baseline.json",
            "--format",
            "json",
        ],
        d,
    );
    assert_eq!(code(&o), 1);
    let v = json(&o);
    assert_eq!(v["summary"]["suppressed"], 1);
    assert_eq!(v["summary"]["error"], 1);
    write(
        d,
        "bad-baseline.json",
        b"{\"version\": 9, \"fingerprints\": []}",
    );
    assert_eq!(
        code(&run(
            &[
                "check",
                ".",
                "--select",
                "K8S001",
                "--baseline",
                "bad-baseline.json"
            ],
            d
        )),
        2
    );
}

#[test]
fn bad_input_is_reported_and_the_run_goes_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(d, "good.yaml", PRIVILEGED.as_bytes());
    write(d, "broken.yaml", b"a: [1, 2\nb: c\n");
    write(d, "broken.tf", b"resource \"x\" \"y\" {\n  a = \n");
    write(d, "empty.yaml", b"");
    write(d, "binary.yaml", b"\x00\x01\x02\x03binary");
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        bomb.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    write(d, "bomb.yaml", bomb.as_bytes());
    // 50 MB: over the default 10 MiB limit.
    let big = "key: value\n".repeat(50 * 1024 * 1024 / 11);
    write(d, "huge.yaml", big.as_bytes());
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let name = std::ffi::OsStr::from_bytes(b"caf\xe9.yaml");
        std::fs::write(d.join(name), PRIVILEGED).expect("non-UTF-8 name");
        std::os::unix::fs::symlink(d, d.join("loop")).expect("symlink loop");
    }
    let o = run(&["check", ".", "--format", "json", "--follow-links"], d);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let v = json(&o);
    let findings = v["findings"].as_array().expect("findings");
    let has = |rule: &str, path: &str| {
        findings.iter().any(|f| {
            f["rule_id"] == rule
                && f["location"]["path"]
                    .as_str()
                    .is_some_and(|p| p.contains(path))
        })
    };
    assert!(has("OCT000", "broken.yaml"));
    assert!(has("OCT000", "broken.tf"));
    assert!(has("OCT000", "bomb.yaml"));
    assert!(has("OCT002", "binary.yaml"));
    assert!(has("OCT002", "huge.yaml"));
    assert!(has("K8S001", "good.yaml"), "other files are still checked");
    #[cfg(unix)]
    {
        assert!(has("K8S001", "caf"), "non-UTF-8 file names are checked");
        assert!(has("OCT002", "loop"), "symlink loop reported");
    }
    assert!(!has("OCT000", "empty.yaml"), "an empty file is valid");
    let text = stdout(&run(&["check", ".", "--color", "never"], d));
    assert!(
        text.contains("skipped huge.yaml"),
        "coverage line names skipped files"
    );
    // Without --follow-links the symlink is counted, not followed.
    let v = json(&run(&["check", ".", "--format", "json"], d));
    assert!(
        v["coverage"]["skipped"]
            .as_array()
            .is_some_and(|s| s.iter().any(|x| x["path"] == "(symbolic links)"))
    );
}

/// The uid and gid of `nobody` (from /etc/passwd; 65534 when it is not listed).
#[cfg(unix)]
fn nobody() -> (u32, u32) {
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    passwd
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find(|f| f.len() > 3 && f[0] == "nobody")
        .and_then(|f| Some((f[2].parse().ok()?, f[3].parse().ok()?)))
        .unwrap_or((65534, 65534))
}

/// An unreadable file is reported (OCT002) and the run goes on. Root reads anything, and CI
/// runs as root: then the check runs as `nobody`, so the test never skips.
#[cfg(unix)]
#[test]
fn unreadable_file_is_reported_even_when_the_tests_run_as_root() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    use std::os::unix::process::CommandExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(d, "good.yaml", PRIVILEGED.as_bytes());
    write(d, "secret/locked.yaml", PRIVILEGED.as_bytes());
    let locked = d.join("secret/locked.yaml");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    // Another user may traverse the directory and read everything else.
    std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    // The owner of a directory we just made is our effective uid.
    let euid = std::fs::metadata(d).expect("stat").uid();
    let mut cmd = bin();
    cmd.args(["check", ".", "--no-config", "--format", "json"])
        .current_dir(d);
    if euid == 0 {
        let (uid, gid) = nobody();
        // std drops root's supplementary groups when it sets the uid.
        cmd.uid(uid).gid(gid);
    }
    let o = cmd
        .output()
        .expect("octolint runs (as nobody when the tests run as root)");
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let v = json(&o);
    let findings: Vec<(String, String, Option<u64>)> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule_id"] == "OCT002" || f["rule_id"] == "K8S001")
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap_or("").to_string(),
                f["location"]["path"].as_str().unwrap_or("").to_string(),
                f["location"]["region"]["start_line"].as_u64(),
            )
        })
        .collect();
    assert_eq!(
        findings,
        [
            ("K8S001".to_string(), "good.yaml".to_string(), Some(13)),
            ("OCT002".to_string(), "secret/locked.yaml".to_string(), None),
        ],
        "{}",
        stdout(&o)
    );
    let skipped = v["coverage"]["skipped"].to_string();
    assert!(skipped.contains("secret/locked.yaml"), "{skipped}");
}

#[test]
fn rules_and_explain() {
    let o = run(&["rules", "--format", "json"], &root());
    assert_eq!(code(&o), 0);
    let v = json(&o);
    let rules = v["rules"].as_array().expect("rules");
    assert!(
        rules
            .iter()
            .any(|r| r["id"] == "K8S003" && r["name"] == "missing-resources")
    );
    let table = stdout(&run(&["rules"], &root()));
    assert!(table.contains("K8S001") && table.contains("privileged-container"));
    let md = stdout(&run(&["rules", "--format", "markdown"], &root()));
    assert!(md.contains("[K8S001](K8S001.md)"));
    let o = run(&["explain", "privileged-container"], &root());
    assert_eq!(code(&o), 0);
    assert!(stdout(&o).starts_with("# K8S001 `privileged-container`"));
    assert_eq!(code(&run(&["explain", "K8S999"], &root())), 2);
}

#[test]
fn shared_corpus_checks_without_panic() {
    let Some(shared) = shared() else { return };
    let o = run(
        &[
            "check",
            shared.join("corpus").to_str().unwrap_or_default(),
            "--format",
            "json",
        ],
        &root(),
    );
    let c = code(&o);
    assert!(c == 0 || c == 1, "exit {c}: {}", stderr(&o));
    let v = json(&o);
    let cov = &v["coverage"];
    let n = |k: &str| cov[k].as_u64().unwrap_or(0);
    let accounted = n("parsed")
        + n("failed")
        + n("templates")
        + n("text")
        + n("binary")
        + cov["skipped"]
            .as_array()
            .map(|s| s.len() as u64)
            .unwrap_or(0);
    assert_eq!(
        n("files"),
        accounted,
        "every file is parsed or reported with a reason"
    );
    assert!(n("files") > 6000);
    // Every failure to parse is a finding with a position.
    let failures = v["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["rule_id"] == "OCT000")
        .count() as u64;
    assert_eq!(failures, n("failed"));
}

/// The values planted in the secret fixtures: every long token of each true-positive line.
fn planted_secrets() -> Vec<String> {
    let mut out = Vec::new();
    let Ok(dirs) = std::fs::read_dir(root().join("fixtures")) else {
        return out;
    };
    for d in dirs.flatten() {
        let name = d.file_name().to_string_lossy().to_string();
        if !name.starts_with("SEC") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(d.path().join("fail/example.txt")) else {
            continue;
        };
        for line in text.lines().filter(|l| l.contains("expect:")) {
            let value = line.split("  # expect").next().unwrap_or(line);
            for tok in value.split(|c: char| c.is_whitespace() || "\"'=:,{}@".contains(c)) {
                // The part after the first 4 characters must never be printed.
                let random = tok.bytes().any(|b| b.is_ascii_digit())
                    && tok.bytes().any(|b| b.is_ascii_alphabetic());
                if tok.len() >= 16 && random && !tok.starts_with("http") && !tok.contains("-----") {
                    out.push(tok[4..].to_string());
                }
            }
        }
    }
    out
}

#[test]
fn secrets_never_leak_in_any_format() {
    let planted = planted_secrets();
    assert!(planted.len() >= 60, "{}", planted.len());
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    for entry in std::fs::read_dir(root().join("fixtures"))
        .expect("fixtures")
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().to_string();
        // Patterns limited to some paths (SEC069: `.tfvars`) keep their fixtures elsewhere.
        if name.starts_with("SEC") && entry.path().join("fail/example.txt").is_file() {
            let text =
                std::fs::read_to_string(entry.path().join("fail/example.txt")).expect("example");
            write(d, &format!("{name}.env"), text.as_bytes());
        }
    }
    // A duplicate key on the same line as a secret must not print it either.
    write(d, "dup.yaml", b"token: ghp_Q3xv8Rk2Lw9ZpT4mNb7Yc1Hd6Jf0Gs5Ae2Ui\ntoken: ghp_Q3xv8Rk2Lw9ZpT4mNb7Yc1Hd6Jf0Gs5Ae2Ui\n"); // octolint:allow
    for format in ["text", "json", "sarif", "github"] {
        let o = run(
            &[
                "check",
                ".",
                "--format",
                format,
                "--show-suppressed",
                "--color",
                "never",
            ],
            d,
        );
        assert_eq!(code(&o), 1, "{format}: secrets are errors");
        let out = format!("{}{}", stdout(&o), stderr(&o));
        let findings = out.matches("SEC0").count();
        assert!(findings >= 60, "{format}: only {findings} secret findings");
        for secret in &planted {
            assert!(
                !out.contains(secret.as_str()),
                "{format} leaks {}…",
                &secret[..4]
            );
        }
        assert!(
            !out.contains("Q3xv8Rk2Lw9Zp"),
            "{format} leaks the duplicated token"
        );
    }
}

#[test]
fn secret_look_alikes_stay_quiet_for_every_pattern() {
    let o = run(
        &[
            "check",
            "fixtures/SEC066/pass",
            "--no-config",
            "--select",
            "SEC",
            "--format",
            "json",
        ],
        &root(),
    );
    let v = json(&o);
    assert_eq!(
        v["findings"].as_array().map(Vec::len),
        Some(0),
        "{}",
        stdout(&o)
    );
}

#[test]
fn secret_patterns_and_allowlists_from_config_and_gitleaks() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(
        d,
        "octolint.toml",
        br#"[secrets]
gitleaks-config = ".gitleaks.toml"

[[secrets.pattern]]
id = "ACME001"
name = "acme-deploy-token"
title = "ACME deploy token"
keywords = ["acmedt_"]
regex = '''\b(acmedt_[a-z0-9]{24})\b'''
revoke = "Revoke it in the ACME console."

[secrets.allowlist]
paths = ["docs/"]
regexes = ['''^ghp_TESTONLY''']
stopwords = ["notreal"]
"#,
    );
    write(
        d,
        ".gitleaks.toml",
        br#"[extend]
useDefault = true
[[rules]]
id = "internal-api-key"
description = "Internal API key"
regex = '''(?i)internal[_-]?key\s*=\s*["']?([A-Z0-9]{32})'''
secretGroup = 1
keywords = ["internal"]
[allowlist]
paths = ['''^samples/''']
"#,
    );
    let acme = "acmedt_a8f3k2m9x7q1w5e4r6t0y2u8";
    let internal = "A8F3K2M9X7Q1W5E4R6T0Y2U8ZZ1QWE4R";
    write(d, "app.yaml", format!("token: {acme}\n").as_bytes());
    write(d, "docs/readme.md", format!("token: {acme}\n").as_bytes());
    write(
        d,
        ".env",
        format!("INTERNAL_KEY=\"{internal}\"\n").as_bytes(),
    );
    write(
        d,
        "samples/x.env",
        format!("INTERNAL_KEY=\"{internal}\"\n").as_bytes(),
    );
    write(
        d,
        "ci.yaml",
        b"gh: ghp_TESTONLYa8f3k2m9x7q1w5e4r6t0y2u8z1Q\n",
    );
    write(
        d,
        "stop.yaml",
        b"gh: ghp_NOTREALa8f3k2m9x7q1w5e4r6t0y2u8z1Qw\n",
    );
    write(
        d,
        "real.yaml",
        b"gh: ghp_Xa8f3k2m9x7q1w5e4r6t0y2u8z1Qw3e4r5Tz\n", // octolint:allow
    );

    let o = run(&["check", ".", "--format", "json"], d);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let v = json(&o);
    let got = common::rule_path_lines(&v);
    assert_eq!(
        got,
        vec![
            ("gitleaks.internal-api-key".into(), ".env".into(), 1),
            ("ACME001".into(), "app.yaml".into(), 1),
            ("SEC010".into(), "real.yaml".into(), 1),
        ]
    );
    let text = stdout(&o);
    assert!(!text.contains(acme) && !text.contains(internal), "leak");
    // Custom patterns are rules like the others: selectable, listed, explained, in SARIF.
    let o = run(
        &["check", ".", "--select", "ACME001", "--format", "sarif"],
        d,
    );
    assert_eq!(code(&o), 1);
    let sarif = json(&o);
    validate_sarif(&sarif);
    assert_eq!(
        sarif["runs"][0]["results"].as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(
        sarif["runs"][0]["tool"]["driver"]["rules"][0]["id"],
        "ACME001"
    );
    assert!(stdout(&run(&["rules"], d)).contains("acme-deploy-token"));
    assert!(stdout(&run(&["explain", "ACME001"], d)).contains("ACME console"));

    // An accepted fingerprint suppresses that finding only.
    let fp = v["findings"][2]["fingerprint"]
        .as_str()
        .expect("fp")
        .to_string();
    let cfg = std::fs::read_to_string(d.join("octolint.toml")).expect("cfg");
    write(
        d,
        "octolint.toml",
        format!("{cfg}fingerprints = [\"{fp}\"]\n").as_bytes(),
    );
    let v = json(&run(&["check", ".", "--format", "json"], d));
    let active = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["suppression"].is_null())
        .count();
    assert_eq!(active, 2, "{v}");

    // Bad patterns are config errors with a location.
    write(
        d,
        "octolint.toml",
        b"[[secrets.pattern]]\nid = \"K8S001\"\nregex = 'x(y)'\n",
    );
    let o = run(&["check", "."], d);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("already used"), "{}", stderr(&o));
    write(
        d,
        "octolint.toml",
        b"[[secrets.pattern]]\nid = \"X1\"\nregex = 'x(y'\n",
    );
    let o = run(&["check", "."], d);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("octolint.toml:1:") && stderr(&o).contains("invalid regex"),
        "{}",
        stderr(&o)
    );
}

/// A Git repository with `k8s/bad.yaml` (a privileged Pod at line 10).
fn repo_with_subdir() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    let status = Command::new("git")
        .args(["init", "-q"])
        .current_dir(tmp.path())
        .status()
        .expect("git runs");
    assert!(status.success());
    write(
        tmp.path(),
        "k8s/bad.yaml",
        b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: nginx:1.2\n      securityContext:\n        privileged: true\n",
    );
    tmp
}

#[test]
fn paths_are_shown_from_where_the_user_stands() {
    let tmp = repo_with_subdir();
    let top = tmp.path();
    // From the repository root, checking a subdirectory.
    let o = run(
        &["check", "k8s", "--select", "K8S001", "--format", "github"],
        top,
    );
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with("::error file=k8s/bad.yaml,line=10,col=21,"),
        "{}",
        stdout(&o)
    );
    let o = run(&["check", "./k8s/", "--select", "K8S001"], top);
    assert!(
        stdout(&o).contains("--> k8s/bad.yaml:10:21"),
        "{}",
        stdout(&o)
    );
    let o = run(&["check", "k8s", "--select", "K8S001", "-f", "json"], top);
    assert_eq!(json(&o)["findings"][0]["location"]["path"], "k8s/bad.yaml");
    // From inside the subdirectory.
    let o = run(
        &["check", ".", "--select", "K8S001", "-f", "json"],
        &top.join("k8s"),
    );
    assert_eq!(json(&o)["findings"][0]["location"]["path"], "bad.yaml");
    // From outside the tree, with a relative and an absolute path.
    let parent = top.parent().expect("parent");
    let name = top.file_name().expect("name").to_string_lossy().to_string();
    let rel = format!("{name}/k8s");
    let o = run(&["check", &rel, "--select", "K8S001", "-f", "json"], parent);
    assert_eq!(
        json(&o)["findings"][0]["location"]["path"],
        format!("{name}/k8s/bad.yaml")
    );
    let abs = top.join("k8s");
    let abs = abs.to_string_lossy().to_string();
    let o = run(&["check", &abs, "--select", "K8S001", "-f", "json"], parent);
    assert_eq!(
        json(&o)["findings"][0]["location"]["path"],
        format!("{abs}/bad.yaml")
    );
}

#[test]
fn sarif_uris_and_fingerprints_are_relative_to_the_repository_root() {
    let tmp = repo_with_subdir();
    let top = tmp.path();
    let sarif_from = |args: &[&str], cwd: &Path| {
        let o = run(args, cwd);
        let v = json(&o);
        let result = v["runs"][0]["results"][0].clone();
        (
            result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].clone(),
            v["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"].clone(),
            result["partialFingerprints"]["octolint/v1"].clone(),
        )
    };
    let top_uri = format!(
        "file://{}/",
        std::fs::canonicalize(top)
            .expect("canonical")
            .to_string_lossy()
    );
    let a = sarif_from(&["check", "k8s", "--select", "K8S001", "-f", "sarif"], top);
    let b = sarif_from(
        &["check", ".", "--select", "K8S001", "-f", "sarif"],
        &top.join("k8s"),
    );
    let abs = top.join("k8s").to_string_lossy().to_string();
    let c = sarif_from(
        &["check", &abs, "--select", "K8S001", "-f", "sarif"],
        std::path::Path::new("/"),
    );
    for (uri, base, fp) in [&a, &b, &c] {
        assert_eq!(uri, "k8s/bad.yaml");
        assert_eq!(base.as_str(), Some(top_uri.as_str()));
        let fp = fp.as_str().expect("fingerprint present");
        assert_eq!(fp.len(), 18, "{fp}");
    }
    assert_eq!(a.2, b.2, "fingerprints stable across directories");
    assert_eq!(a.2, c.2, "fingerprints stable across directories");
}

#[test]
fn namespace_rules_report_once_per_namespace() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(
        d,
        "namespaces.yaml",
        b"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: payments\n---\n\
apiVersion: v1\nkind: Namespace\nmetadata:\n  name: cert-manager\n---\n\
apiVersion: v1\nkind: Namespace\nmetadata:\n  # octolint:ignore K8S005 -- quota set by the platform team\n  name: tools\n",
    );
    let found = |args: &[&str]| -> Vec<(String, u64, String, bool)> {
        let mut all = vec![
            "check",
            ".",
            "--select",
            "K8S005,K8S006,K8S007",
            "-f",
            "json",
        ];
        all.extend_from_slice(args);
        let v = json(&run(&all, d));
        v["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| {
                (
                    f["rule_id"].as_str().unwrap_or("").to_string(),
                    f["location"]["region"]["start_line"].as_u64().unwrap_or(0),
                    f["message"].as_str().unwrap_or("").to_string(),
                    !f["suppression"].is_null(),
                )
            })
            .collect()
    };
    let all3 = "namespace `payments` has no ResourceQuota (K8S005), no LimitRange (K8S006) and no default-deny NetworkPolicy (K8S007)";
    // One finding per namespace; cert-manager is a controller namespace (default list); the
    // suppressed K8S005 part of `tools` stays apart and K8S006 carries the rest.
    assert_eq!(
        found(&["--no-config"]),
        vec![
            ("K8S005".into(), 4, all3.into(), false),
            ("K8S005".into(), 15, "namespace `tools` has no ResourceQuota".into(), true),
            ("K8S006".into(), 15, "namespace `tools` has no LimitRange (K8S006) and no default-deny NetworkPolicy (K8S007)".into(), false),
        ]
    );
    // `--ignore` of one id: the next one carries the finding.
    let got = found(&["--no-config", "--ignore", "K8S005"]);
    assert_eq!(got[0].0, "K8S006");
    assert_eq!(
        got[0].2,
        "namespace `payments` has no LimitRange (K8S006) and no default-deny NetworkPolicy (K8S007)"
    );
    // An empty exempt list checks cert-manager too; `extend-system-namespaces` adds to it.
    write(
        d,
        "octolint.toml",
        b"[kubernetes]\nsystem-namespaces = []\nextend-system-namespaces = [\"pay*\"]\n",
    );
    let got = found(&[]);
    let lines: Vec<u64> = got.iter().filter(|f| !f.3).map(|f| f.1).collect();
    assert_eq!(lines, vec![9, 15]);
}
