//! Output contracts checked on values (never "the same as last run"): SARIF, JSON and GitHub
//! regions on single-line, multi-line and multi-byte spans; fingerprints unique and stable;
//! suppressions that need a reason.

mod common;

use std::path::Path;

use common::{run, write};

fn json(o: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("invalid JSON ({e}): {}", String::from_utf8_lossy(&o.stdout)))
}

/// A Pod whose container runs privileged; `prefix` goes before `privileged: true` on its line.
fn pod(name: &str, container_name: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\nspec:\n  containers:\n    - name: {container_name}\n      image: nginx:1.27.2\n      securityContext:\n        privileged: true\n"
    )
}

fn sarif_region(d: &Path) -> serde_json::Value {
    let o = run(&["check", ".", "--select", "K8S001", "-f", "sarif"], d);
    json(&o)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"].clone()
}

#[test]
fn sarif_json_and_github_regions_on_a_single_line_span() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "pod.yaml", &pod("p", "c"));
    // `        privileged: true` : the value `true` is columns 21..25 (end exclusive).
    let r = sarif_region(dir.path());
    assert_eq!(r["startLine"], 10);
    assert_eq!(r["startColumn"], 21);
    assert_eq!(r["endLine"], 10);
    assert_eq!(r["endColumn"], 25);
    let o = run(
        &["check", ".", "--select", "K8S001", "-f", "json"],
        dir.path(),
    );
    let loc = &json(&o)["findings"][0]["location"];
    assert_eq!(loc["region"]["start_line"], 10);
    assert_eq!(loc["region"]["start_column"], 21);
    assert_eq!(loc["region"]["end_column"], 25);
    assert_eq!(loc["start_byte"].as_u64().map(|b| b > 0), Some(true));
    let o = run(
        &["check", ".", "--select", "K8S001", "-f", "github"],
        dir.path(),
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.starts_with("::error file=pod.yaml,line=10,col=21,endLine=10,endColumn=25,"),
        "{out}"
    );
}

#[test]
fn sarif_columns_count_code_points_on_multi_byte_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Two 3-byte characters before the value: columns count characters, not bytes.
    let text = pod("p", "c").replace("privileged: true", "privileged: true # ☃☃ café");
    let text = text.replace(
        "      securityContext:\n",
        "      securityContext: # ünïcødé\n",
    );
    write(dir.path(), "pod.yaml", &text);
    let r = sarif_region(dir.path());
    assert_eq!(r["startColumn"], 21);
    assert_eq!(r["endColumn"], 25);
    // A multi-byte name before the span on the same line shifts columns by characters.
    let dir2 = tempfile::tempdir().expect("tempdir");
    let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: nginx:1.27.2\n      securityContext: {ü: 1, privileged: true}\n";
    write(dir2.path(), "pod.yaml", text);
    let r = sarif_region(dir2.path());
    assert_eq!(r["startLine"], 9);
    // `      securityContext: {ü: 1, privileged: true}`: `true` starts at character 43
    // (byte 44: `ü` is two bytes).
    assert_eq!(r["startColumn"], 43);
    assert_eq!(r["endColumn"], 47);
}

/// Every reporter on one synthetic finding whose span covers two lines and starts after a
/// multi-byte character.
#[test]
fn reporters_agree_on_a_multi_line_multi_byte_span() {
    use octolint::diagnostics::{Finding, Location, engine, new_finding};
    use octolint::outcome::{Coverage, Outcome};
    use octolint::report::{self, Format, ReportOptions};
    use octolint::source::{SourceFile, Span};
    use std::collections::HashMap;
    use std::sync::Arc;

    let text = "a: 1\nkey: \"é\" {x: [1,\n  2]}\nz: 3\n";
    let src = Arc::new(SourceFile::new("m.yaml", "m.yaml".into(), text.to_string()));
    let start = text.find('{').expect("brace");
    let end = text.find(']').expect("bracket") + 2;
    let span = Span::new(start, end);
    let mut f: Finding = new_finding(
        &engine::PARSE_ERROR,
        Location::new(Arc::from("m.yaml"), Some(span)),
        "synthetic".into(),
    );
    f.location.region = Some(src.region(span));
    f.fingerprint = "0123456789abcdef:1".into();
    let outcome = Outcome {
        findings: vec![f],
        coverage: Coverage::default(),
        sources: HashMap::from([(Arc::from("m.yaml"), src.clone())]),
        rules: vec![&engine::PARSE_ERROR],
        files: Vec::new(),
        prefixes: Default::default(),
        secrets: Default::default(),
        rendered: Default::default(),
    };
    let opts = ReportOptions {
        root: "/repo".into(),
        color: false,
        show_suppressed: false,
        category: "octolint".into(),
        secrets: None,
    };
    // `key: "é" {x: [1,` : `{` is the 10th character (the 11th byte).
    let sarif: serde_json::Value =
        serde_json::from_str(&report::render(Format::Sarif, &outcome, &opts)).expect("sarif");
    let r = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"];
    assert_eq!(r["startLine"], 2);
    assert_eq!(r["startColumn"], 10);
    assert_eq!(r["endLine"], 3);
    assert_eq!(r["endColumn"], 6, "end is exclusive: after `2]}}`");
    let j: serde_json::Value =
        serde_json::from_str(&report::render(Format::Json, &outcome, &opts)).expect("json");
    let region = &j["findings"][0]["location"]["region"];
    assert_eq!(
        (
            &region["start_line"],
            &region["start_column"],
            &region["end_line"],
            &region["end_column"]
        ),
        (
            &serde_json::json!(2),
            &serde_json::json!(10),
            &serde_json::json!(3),
            &serde_json::json!(6)
        )
    );
    assert_eq!(j["findings"][0]["location"]["start_byte"], start);
    assert_eq!(j["findings"][0]["location"]["end_byte"], end);
    let gh = report::render(Format::Github, &outcome, &opts);
    assert!(
        gh.starts_with("::error file=m.yaml,line=2,col=10,endLine=3,endColumn=6,"),
        "{gh}"
    );
}

fn fingerprints(d: &Path) -> Vec<(String, u64, String)> {
    let o = run(&["check", ".", "--select", "K8S001", "-f", "json"], d);
    json(&o)["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["location"]["path"].as_str().expect("path").to_string(),
                f["location"]["region"]["start_line"]
                    .as_u64()
                    .expect("line"),
                f["fingerprint"].as_str().expect("fingerprint").to_string(),
            )
        })
        .collect()
}

#[test]
fn fingerprints_are_unique_and_stable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    // The same finding twice in one file (identical lines), and in a second file.
    let twice = format!("{}---\n{}", pod("p", "c"), pod("p", "c"));
    write(d, "a.yaml", &twice);
    write(d, "b.yaml", &pod("p", "c"));
    let first = fingerprints(d);
    assert_eq!(first.len(), 3, "{first:?}");
    for (_, _, fp) in &first {
        let (hash, n) = fp.split_once(':').expect("hash:occurrence");
        assert_eq!(hash.len(), 16, "{fp}");
        assert!(n.parse::<u32>().is_ok_and(|n| n >= 1), "{fp}");
    }
    let unique: std::collections::BTreeSet<&str> =
        first.iter().map(|(_, _, f)| f.as_str()).collect();
    assert_eq!(unique.len(), 3, "fingerprints must be unique: {first:?}");
    // Identical findings on two lines of one file differ only by their occurrence number.
    assert_eq!(first[0].2.split(':').next(), first[1].2.split(':').next());
    assert_ne!(first[0].2, first[1].2);
    // Edits above and below keep every fingerprint.
    write(
        d,
        "a.yaml",
        &format!("# a comment\n# another\n{twice}# trailing\n"),
    );
    let second = fingerprints(d);
    assert_eq!(
        first.iter().map(|x| &x.2).collect::<Vec<_>>(),
        second.iter().map(|x| &x.2).collect::<Vec<_>>()
    );
    assert_ne!(
        first[0].1, second[0].1,
        "the line moved, the fingerprint did not"
    );
}

#[test]
fn a_suppression_needs_a_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    for (directive, reasoned) in [
        ("# octolint:ignore K8S001 --", false),
        ("# octolint:ignore K8S001 --   ", false),
        ("# octolint:ignore K8S001", false),
        ("# octolint:ignore K8S001 -- device plugin needs it", true),
    ] {
        let text =
            pod("p", "c").replace("privileged: true", &format!("privileged: true {directive}"));
        write(d, "pod.yaml", &text);
        let o = run(
            &["check", ".", "-f", "json", "--select", "K8S001,OCT003"],
            d,
        );
        let v = json(&o);
        let ids: Vec<&str> = v["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|f| f["suppression"].is_null())
            .map(|f| f["rule_id"].as_str().expect("id"))
            .collect();
        assert_eq!(v["summary"]["suppressed"], 1, "{directive}");
        if reasoned {
            assert!(ids.is_empty(), "{directive}: {ids:?}");
        } else {
            assert_eq!(ids, ["OCT003"], "{directive}");
        }
    }
}

/// A flow list closed left of its key's indentation takes the parser's re-indent path; the
/// spans of warnings after it are the original file's (the audit's live bug: OCT001 at 6:3
/// instead of 6:1).
#[test]
fn warning_positions_after_a_reindented_flow_list() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(d, "top.yaml", "a:\n  b: [\n    1,\n]\nc: 1\nc: 2\n");
    write(
        d,
        "nested.yaml",
        "spec:\n  template:\n    args: [\n      a,\n  ]\n  x: 1\n  x: 2\n",
    );
    let o = run(
        &[
            "check",
            ".",
            "--no-config",
            "--select",
            "OCT001",
            "-f",
            "json",
        ],
        d,
    );
    let got: Vec<(String, u64, u64, u64, u64)> = json(&o)["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let l = &f["location"];
            let r = &l["region"];
            (
                l["path"].as_str().unwrap_or("").to_string(),
                r["start_line"].as_u64().unwrap_or(0),
                r["start_column"].as_u64().unwrap_or(0),
                r["end_line"].as_u64().unwrap_or(0),
                r["end_column"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("nested.yaml".to_string(), 7, 3, 7, 4),
            ("top.yaml".to_string(), 6, 1, 6, 2),
        ]
    );
}

/// One credential, one finding: a TF013 finding on the same bytes as a secret finding
/// (`redact`, a SEC rule) gives way; touching, distant or other-file TF013 findings stay, and
/// neither a non-secret SEC finding nor a redacted TF013 finding counts as a secret.
#[test]
fn tf013_gives_way_to_a_secret_finding_on_the_same_bytes() {
    use octolint::catalog::all_meta;
    use octolint::diagnostics::{Finding, Location, new_finding};
    use octolint::finalize::prefer_secret_findings;
    use octolint::source::Span;
    use std::sync::Arc;

    let metas = all_meta();
    let meta = |id: &str| {
        *metas
            .iter()
            .find(|m| m.id == id)
            .unwrap_or_else(|| panic!("{id} is a rule"))
    };
    let finding = |id: &str, path: &str, start: usize, end: usize, redact: bool| -> Finding {
        let mut f = new_finding(
            meta(id),
            Location::new(Arc::from(path), Some(Span::new(start, end))),
            format!("{id} {path} {start}..{end}"),
        );
        f.redact = redact;
        f
    };
    let all = |fs: Vec<Finding>| -> Vec<String> {
        prefer_secret_findings(fs)
            .into_iter()
            .map(|f| f.message)
            .collect()
    };
    // No secret at all: everything stays, as it was.
    assert_eq!(
        all(vec![
            finding("TF013", "a.tf", 10, 20, true),
            finding("K8S001", "a.tf", 10, 20, false),
        ]),
        ["TF013 a.tf 10..20", "K8S001 a.tf 10..20"]
    );
    let kept = all(vec![
        finding("SEC001", "a.tf", 10, 20, true),
        // Overlapping the secret from either side, or inside it: dropped.
        finding("TF013", "a.tf", 5, 11, true),
        finding("TF013", "a.tf", 19, 30, true),
        finding("TF013", "a.tf", 12, 14, true),
        // Touching it on the left or the right: kept.
        finding("TF013", "a.tf", 0, 10, true),
        finding("TF013", "a.tf", 20, 25, true),
        // Elsewhere in the file, or the same bytes of another file: kept.
        finding("TF013", "a.tf", 40, 50, true),
        finding("TF013", "b.tf", 10, 20, true),
        // Another rule on the secret's bytes: kept.
        finding("K8S001", "a.tf", 10, 20, false),
    ]);
    assert_eq!(
        kept,
        [
            "SEC001 a.tf 10..20",
            "TF013 a.tf 0..10",
            "TF013 a.tf 20..25",
            "TF013 a.tf 40..50",
            "TF013 b.tf 10..20",
            "K8S001 a.tf 10..20",
        ]
    );
    // A SEC finding that is not redacted is no secret value; a redacted finding of another
    // rule is no secret finding.
    assert_eq!(
        all(vec![
            finding("SEC001", "c.tf", 10, 20, false),
            finding("TF013", "c.tf", 10, 20, true),
            finding("K8S001", "d.tf", 10, 20, true),
            finding("TF013", "d.tf", 12, 18, true),
        ]),
        [
            "SEC001 c.tf 10..20",
            "TF013 c.tf 10..20",
            "K8S001 d.tf 10..20",
            "TF013 d.tf 12..18"
        ]
    );
}

/// Paths are shown as the user typed the checked directory: findings, related locations,
/// sources and skipped files.
#[test]
fn display_paths_prefix_every_path_with_the_checked_directory() {
    use octolint::catalog::all_meta;
    use octolint::diagnostics::{Location, new_finding};
    use octolint::finalize::display_paths;
    use octolint::outcome::{PathPrefixes, Skipped};
    use octolint::source::{SourceFile, Span};
    use std::collections::HashMap;
    use std::sync::Arc;

    let metas = all_meta();
    let mut f = new_finding(
        metas[0],
        Location::new(Arc::from("pod.yaml"), Some(Span::new(0, 1))),
        "m".into(),
    );
    f.related.push(Location::new(
        Arc::from("values.yaml"),
        Some(Span::new(0, 1)),
    ));
    let mut findings = vec![f];
    let mut sources: HashMap<Arc<str>, Arc<SourceFile>> = HashMap::from([(
        Arc::from("pod.yaml"),
        Arc::new(SourceFile::new(
            "pod.yaml",
            "pod.yaml".into(),
            "a: 1\n".into(),
        )),
    )]);
    let mut skipped = vec![Skipped {
        path: "big.yaml".into(),
        reason: "too large".into(),
    }];
    let prefixes = PathPrefixes {
        display: "k8s/".into(),
        repo: "deploy/k8s/".into(),
    };
    display_paths(&mut findings, &mut sources, &mut skipped, &prefixes);
    assert_eq!(findings[0].location.path.as_ref(), "k8s/pod.yaml");
    assert_eq!(findings[0].related[0].path.as_ref(), "k8s/values.yaml");
    assert_eq!(
        sources.keys().map(|k| k.as_ref()).collect::<Vec<_>>(),
        ["k8s/pod.yaml"]
    );
    assert_eq!(skipped[0].path, "k8s/big.yaml");
    // Checking `.`: nothing changes.
    display_paths(
        &mut findings,
        &mut sources,
        &mut skipped,
        &PathPrefixes::default(),
    );
    assert_eq!(findings[0].location.path.as_ref(), "k8s/pod.yaml");
}

/// The secret allowlist's fingerprints suppress secret findings only; the baseline's suppress
/// any finding; neither touches a finding whose fingerprint it does not list.
#[test]
fn allowlisted_and_baselined_fingerprints_suppress_exactly_their_findings() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(d, "pod.yaml", &pod("p", "c"));
    // Built at run time, so that the repository holds no secret-looking literal.
    let token = format!("ghp_{}", "Q7w2Er9Ty4Ui1Op6As3Df8Gh5Jk0Lz7Xc2Vb");
    write(d, "app.env", &format!("GITHUB_TOKEN={token}\n"));
    let state = |extra: &[&str]| -> Vec<(String, String)> {
        let mut argv = vec!["check", ".", "--select", "K8S001,SEC", "-f", "json"];
        argv.extend_from_slice(extra);
        let v = json(&run(&argv, d));
        let mut out: Vec<(String, String)> = v["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| {
                (
                    f["rule_id"].as_str().unwrap_or("").to_string(),
                    f["suppression"]["kind"].as_str().unwrap_or("-").to_string(),
                )
            })
            .collect();
        out.sort();
        out
    };
    let v = json(&run(
        &["check", ".", "--select", "K8S001,SEC", "-f", "json"],
        d,
    ));
    let fp = |rule: &str| -> String {
        v["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .find(|f| f["rule_id"].as_str().is_some_and(|r| r.starts_with(rule)))
            .and_then(|f| f["fingerprint"].as_str())
            .unwrap_or_else(|| panic!("a {rule} finding: {v}"))
            .to_string()
    };
    let (k8s, sec) = (fp("K8S001"), fp("SEC"));
    let sec_id = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find_map(|f| f["rule_id"].as_str().filter(|r| r.starts_with("SEC")))
        .expect("secret rule")
        .to_string();
    assert_eq!(
        state(&[]),
        [("K8S001".into(), "-".into()), (sec_id.clone(), "-".into())]
    );
    // Both fingerprints in the secret allowlist: only the secret is suppressed.
    write(
        d,
        "octolint.toml",
        &format!("[secrets.allowlist]\nfingerprints = [\"{k8s}\", \"{sec}\"]\n"),
    );
    assert_eq!(
        state(&[]),
        [
            ("K8S001".into(), "-".into()),
            (sec_id.clone(), "config".into())
        ]
    );
    std::fs::remove_file(d.join("octolint.toml")).expect("rm");
    // The baseline lists the K8S001 finding only.
    write(
        d,
        "baseline.json",
        &format!("{{\"version\": 1, \"fingerprints\": [\"{k8s}\"]}}"),
    );
    assert_eq!(
        state(&["--baseline", "baseline.json", "--show-suppressed"]),
        [("K8S001".into(), "baseline".into()), (sec_id, "-".into())]
    );
}

/// GitHub annotations: a suppressed finding is left out, unless `--show-suppressed`.
#[test]
fn github_annotations_leave_suppressed_findings_out() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(d, "a.yaml", &pod("a", "c"));
    write(
        d,
        "b.yaml",
        &pod("b", "c").replace(
            "privileged: true",
            "privileged: true # octolint:ignore K8S001 -- device plugin",
        ),
    );
    let lines = |extra: &[&str]| -> Vec<String> {
        let mut argv = vec!["check", ".", "--select", "K8S001", "-f", "github"];
        argv.extend_from_slice(extra);
        String::from_utf8_lossy(&run(&argv, d).stdout)
            .lines()
            .map(|l| l.split(",line=").next().unwrap_or("").to_string())
            .collect()
    };
    assert_eq!(lines(&[]), ["::error file=a.yaml"]);
    // The message: no environment list on a plain file's finding, then the help.
    let out = String::from_utf8_lossy(
        &run(&["check", ".", "--select", "K8S001", "-f", "github"], d).stdout,
    )
    .into_owned();
    let message = out.split("::").nth(2).unwrap_or("");
    assert!(
        message.starts_with("container `c` of Pod/a runs privileged%0Ahelp: "),
        "{out}"
    );
    assert_eq!(
        lines(&["--show-suppressed"]),
        ["::error file=a.yaml", "::error file=b.yaml"]
    );
}

/// SARIF results: percent-encoded URIs under `%SRCROOT%` (an absolute `file:///…/` URI), related
/// locations only when there are some, no empty `properties`, suppressed findings left out
/// unless asked for and then carrying their justification.
#[test]
fn sarif_uris_related_locations_and_suppressions() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(
        d,
        "my stack/main.tf",
        "variable \"admin_cidr\" {\n  type = string\n}\n\nresource \"aws_security_group_rule\" \"rdp\" {\n  type              = \"ingress\"\n  from_port         = 3389\n  to_port           = 3389\n  protocol          = \"tcp\"\n  cidr_blocks       = [var.admin_cidr]\n  security_group_id = \"sg-123\"\n}\n\nprovider \"aws\" {\n  region = \"eu-west-1\"\n}\n",
    );
    write(
        d,
        "my stack/terraform.tfvars",
        "admin_cidr = \"0.0.0.0/0\"\n",
    );
    write(d, "k8s/pod é.yaml", &pod("a", "c"));
    write(
        d,
        "k8s/quiet.yaml",
        &pod("b", "c").replace(
            "privileged: true",
            "privileged: true # octolint:ignore K8S001 -- device plugin",
        ),
    );
    let sarif = |extra: &[&str]| -> serde_json::Value {
        let mut argv = vec![
            "check",
            ".",
            "--no-config",
            "--select",
            "TF001,K8S001",
            "-f",
            "sarif",
        ];
        argv.extend_from_slice(extra);
        json(&run(&argv, d))["runs"][0].clone()
    };
    let run0 = sarif(&[]);
    let root = run0["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .expect("root uri")
        .to_string();
    let name = d
        .file_name()
        .and_then(|n| n.to_str())
        .expect("temp dir name");
    assert!(
        root.starts_with("file:///") && !root.starts_with("file:////"),
        "{root}"
    );
    assert!(
        root.ends_with(&format!("/{name}/")) && !root.ends_with("//"),
        "{root}"
    );
    let results = run0["results"].as_array().expect("results");
    // Each result's ruleIndex points at its rule's descriptor.
    for r in results {
        let rule =
            &run0["tool"]["driver"]["rules"][r["ruleIndex"].as_u64().expect("index") as usize];
        assert_eq!(rule["id"], r["ruleId"], "{rule}");
        assert!(
            rule["name"].as_str().is_some_and(|n| !n.is_empty()),
            "{rule}"
        );
        assert!(rule["shortDescription"]["text"].is_string(), "{rule}");
        // TF001 and K8S001 are errors; each descriptor links its rule's page.
        assert_eq!(r["level"], "error", "{r}");
        assert_eq!(rule["defaultConfiguration"]["level"], "error", "{rule}");
        let id = rule["id"].as_str().unwrap_or("");
        assert_eq!(
            rule["helpUri"].as_str(),
            Some(format!("https://github.com/octolint/octolint/blob/main/rules/{id}.md").as_str()),
            "{rule}"
        );
    }
    let uris: Vec<&str> = results
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap_or("")
        })
        .collect();
    assert_eq!(
        uris,
        ["k8s/pod%20%C3%A9.yaml", "my%20stack/terraform.tfvars"]
    );
    for r in results {
        assert!(r.get("properties").is_none(), "{r}");
        assert!(r.get("suppressions").is_none(), "{r}");
    }
    assert!(results[0].get("relatedLocations").is_none());
    let related = &results[1]["relatedLocations"];
    assert_eq!(related.as_array().map(Vec::len), Some(1), "{related}");
    assert_eq!(related[0]["id"], 1);
    assert_eq!(
        related[0]["physicalLocation"]["artifactLocation"]["uri"],
        "my%20stack/main.tf"
    );
    assert_eq!(related[0]["physicalLocation"]["region"]["startLine"], 5);
    assert_eq!(
        related[0]["message"]["text"],
        "resource `aws_security_group_rule.rdp`"
    );
    // Asked for, the suppressed finding comes with its justification.
    let shown = sarif(&["--show-suppressed"]);
    let quiet: Vec<&serde_json::Value> = shown["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(quiet.len(), 1);
    assert_eq!(
        quiet[0]["suppressions"],
        serde_json::json!([{ "kind": "inSource", "justification": "device plugin" }])
    );
    assert_eq!(
        quiet[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "k8s/quiet.yaml"
    );
}

/// Inline suppression directives by table: where a directive is one, what it covers, its
/// rules, reason and byte range.
#[test]
fn suppression_directive_table() {
    use octolint::diagnostics::suppress::{directives, find, parse_spec};
    use octolint::source::SourceFile;

    // (spec after `octolint:ignore`) → (rules, reason)
    let specs: &[(&str, &[&str], Option<&str>)] = &[
        (" K8S001", &["K8S001"], None),
        (
            " K8S001,K8S002 -- vendor chart",
            &["K8S001", "K8S002"],
            Some("vendor chart"),
        ),
        (
            " K8S001 K8S002\tTF001",
            &["K8S001", "K8S002", "TF001"],
            None,
        ),
        (" K8S001 --", &["K8S001"], None),
        (" K8S001 --   ", &["K8S001"], None),
        (" K8S001 -- why # other comment", &["K8S001"], Some("why")),
        ("", &[], None),
    ];
    for (spec, rules, reason) in specs {
        let (r, why) = parse_spec(spec);
        assert_eq!(
            (
                r.iter().map(String::as_str).collect::<Vec<_>>(),
                why.as_deref()
            ),
            (rules.to_vec(), *reason),
            "parse_spec({spec:?})"
        );
    }

    let text = "\
a: 1 # octolint:ignore K8S001 -- trailing
# octolint:ignore all -- own line
b: 2
c: 3
// octolint:ignore TF -- slashes
d = 4
e: \"octolint:ignore K8S001\"
# note: octolint:ignore K8S001
f: 5 # octolint:ignore privileged-container -- by name
g: 6 # octolint:ignore K8S002\r
h: 7
";
    let file = SourceFile::new("x.yaml", "x.yaml".into(), text.to_string());
    let dirs = directives(&file);
    let summary: Vec<(usize, bool, &str)> = dirs
        .iter()
        .map(|d| (d.line, d.own_line, &text[d.start..d.end]))
        .collect();
    assert_eq!(
        summary,
        [
            (1, false, "# octolint:ignore K8S001 -- trailing"),
            (2, true, "# octolint:ignore all -- own line"),
            (5, true, "// octolint:ignore TF -- slashes"),
            (
                9,
                false,
                "# octolint:ignore privileged-container -- by name"
            ),
            (10, false, "# octolint:ignore K8S002"),
        ]
    );
    // (line, rule id, rule name) → the covering directive's line
    let rows: &[(usize, &str, &str, Option<usize>)] = &[
        (1, "K8S001", "x", Some(1)),
        (1, "K8S002", "x", None),
        // A trailing comment does not cover the next line.
        (2, "K8S001", "x", Some(2)),
        // An own-line comment covers its line and the next, not the one after.
        (3, "K8S009", "x", Some(2)),
        (4, "K8S009", "x", None),
        (6, "TF001", "x", Some(5)),
        (6, "K8S001", "x", None),
        // In a string or after other comment text: no directive.
        (7, "K8S001", "x", None),
        (8, "K8S001", "x", None),
        (9, "K8S001", "privileged-container", Some(9)),
        (9, "K8S001", "other-name", None),
        (10, "K8S002", "x", Some(10)),
        (11, "K8S002", "x", None),
        (12, "K8S001", "x", None),
    ];
    for (line, id, name, want) in rows {
        assert_eq!(
            find(&dirs, *line, id, name).map(|d| d.line),
            *want,
            "line {line} {id} {name}"
        );
    }
    assert!(directives(&SourceFile::new("y.yaml", "y.yaml".into(), "a: 1\n".into())).is_empty());
}

/// A fingerprint hashes the finding's line text, so that two findings of one rule on one
/// object keep their fingerprints when the other goes away (the counter only separates
/// findings on identical lines).
#[test]
fn fingerprints_of_one_object_do_not_depend_on_each_other() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let containers = |both: bool| {
        let mut s =
            String::from("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n");
        if both {
            s.push_str("    - name: web\n      image: nginx:latest\n");
        }
        s.push_str("    - name: cache\n      image: redis:latest\n");
        s
    };
    let fps = |d: &Path| -> Vec<(String, String)> {
        let v = json(&run(&["check", ".", "--select", "K8S002", "-f", "json"], d));
        v["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| {
                (
                    f["message"].as_str().unwrap_or("").to_string(),
                    f["fingerprint"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect()
    };
    write(d, "pod.yaml", &containers(true));
    let both = fps(d);
    assert_eq!(both.len(), 2, "{both:?}");
    assert!(both.iter().all(|(_, fp)| fp.ends_with(":1")), "{both:?}");
    write(d, "pod.yaml", &containers(false));
    let one = fps(d);
    assert_eq!(one.len(), 1, "{one:?}");
    assert!(one[0].0.contains("redis"), "{one:?}");
    assert_eq!(
        Some(&one[0]),
        both.iter().find(|(m, _)| m.contains("redis")),
        "the redis finding keeps its fingerprint"
    );
}

/// The job summary links findings to their line on GitHub when the three `GITHUB_*`
/// variables are set and not blank, from the repository's top level (the nearest `.git`
/// above the checked directory).
#[test]
fn summary_links_need_every_github_variable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::create_dir(d.join(".git")).expect("mkdir .git");
    write(d, "deploy/k8s/pod.yaml", &pod("a", "c"));
    let summary = |sha: &str| -> String {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_octolint"))
            .args([
                "check",
                "k8s",
                "--no-config",
                "--select",
                "K8S001",
                "-f",
                "summary",
            ])
            .current_dir(d.join("deploy"))
            .env("GITHUB_SERVER_URL", "https://github.example/")
            .env("GITHUB_REPOSITORY", "acme/gitops")
            .env("GITHUB_SHA", sha)
            .output()
            .expect("octolint runs");
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let linked = summary("0123abcd");
    assert!(
        linked.contains("| [k8s/pod.yaml:10](https://github.example/acme/gitops/blob/0123abcd/deploy/k8s/pod.yaml#L10) | K8S001 privileged-container |"),
        "{linked}"
    );
    // A blank variable is as good as none: plain locations.
    let plain = summary("  ");
    assert!(!plain.contains("https://"), "{plain}");
    assert!(
        plain.contains("| `k8s/pod.yaml:10` | K8S001 privileged-container |"),
        "{plain}"
    );
}
