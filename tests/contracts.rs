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
