//! How chart defaults, values files, `--set` pairs, subchart values and globals merge: each
//! case of `fixtures/render/helm/values-table.json` (written by
//! `scripts/helm-values-table.py` with Helm's own library) is built as a chart and rendered;
//! `.Values` of the chart and of its subchart must be what Helm gave, or the render must fail
//! where Helm's failed.

use std::path::Path;

use octolint::render::helm::{HelmOptions, render_chart};
use octolint::render::{DiskFs, UnitStatus};

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(p, text).expect("write");
}

const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: NAME\ndata:\n  v: {{ toJson .Values | quote }}\n";

/// The chart of one case, as the script builds it; returns the values files.
fn build(dir: &Path, row: &serde_json::Value) -> Vec<String> {
    let mut chart = String::from("apiVersion: v2\nname: c\nversion: 0.1.0\n");
    if let Some(sub) = row["sub"].as_str() {
        let mut dep = serde_json::json!({"name": "sub", "version": "0.1.0"});
        if let (Some(d), Some(extra)) = (dep.as_object_mut(), row["dependency"].as_object()) {
            d.extend(extra.clone());
        }
        chart.push_str(&format!("dependencies:\n- {dep}\n"));
        write(
            dir,
            "c/charts/sub/Chart.yaml",
            "apiVersion: v2\nname: sub\nversion: 0.1.0\n",
        );
        write(dir, "c/charts/sub/values.yaml", sub);
        write(
            dir,
            "c/charts/sub/templates/cm.yaml",
            &CM.replace("NAME", "sub"),
        );
    }
    write(dir, "c/Chart.yaml", &chart);
    write(
        dir,
        "c/values.yaml",
        row["defaults"].as_str().expect("defaults"),
    );
    write(dir, "c/templates/cm.yaml", &CM.replace("NAME", "parent"));
    let mut files = Vec::new();
    for (i, f) in row["files"].as_array().expect("files").iter().enumerate() {
        let rel = format!("values-{i}.yaml");
        write(dir, &rel, f.as_str().expect("file text"));
        files.push(rel);
    }
    files
}

#[test]
fn values_merge_like_helm() {
    let table: serde_json::Value =
        serde_json::from_str(include_str!("../fixtures/render/helm/values-table.json"))
            .expect("values-table.json");
    let rows = table["rows"].as_array().expect("rows");
    assert!(rows.len() >= 39);
    let mut wrong = Vec::new();
    for row in rows {
        let name = row["name"].as_str().expect("name");
        let dir = tempfile::tempdir().expect("tempdir");
        let files = build(dir.path(), row);
        let set = row["set"]
            .as_array()
            .expect("set")
            .iter()
            .filter_map(|s| s.as_str()?.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let opts = HelmOptions {
            value_files: files,
            set,
            ..Default::default()
        };
        let unit = render_chart(&DiskFs::new(dir.path()), "c", &opts);
        let got = if unit.status == UnitStatus::Rendered {
            let mut m = serde_json::Map::new();
            for o in &unit.outputs {
                let doc: serde_json::Value = serde_yaml_like(&o.text);
                let who = doc["metadata"]["name"].as_str().unwrap_or("?").to_string();
                let v: serde_json::Value =
                    serde_json::from_str(doc["data"]["v"].as_str().unwrap_or("null"))
                        .unwrap_or_default();
                m.insert(who, v);
            }
            Some(serde_json::Value::Object(m))
        } else {
            None
        };
        let want = row.get("values").cloned();
        if got != want {
            wrong.push(format!(
                "{name}\n   helm: {}\n   here: {}  {:?}",
                want.map_or("fails".into(), |v| v.to_string()),
                got.map_or("fails".into(), |v| v.to_string()),
                unit.errors.iter().map(|e| &e.message).collect::<Vec<_>>()
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} differ:\n{}",
        wrong.len(),
        rows.len(),
        wrong.join("\n")
    );
}

/// The ConfigMap the templates print, read with octolint's own YAML parser.
fn serde_yaml_like(text: &str) -> serde_json::Value {
    let parsed = octolint::parse::yaml::parse(text);
    parsed
        .docs
        .first()
        .map(|d| octolint::render::command::to_json(&d.root))
        .unwrap_or_default()
}
