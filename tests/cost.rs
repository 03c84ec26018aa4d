//! `octolint cost`: the example stacks in `infra/` against the hand calculation in
//! docs/cost.md, the JSON shape, unpriced items, and environments from configuration.

use std::path::PathBuf;
mod common;
use common::{run, write};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Hand calculation from list prices (docs/cost.md), 730 hours a month.
fn hand(env: &str) -> f64 {
    let h = 730.0;
    let sql = |vcpu: f64, gb: f64| (vcpu * 0.0413 + gb * 0.007) * h;
    match env {
        "dev" => {
            0.10 * h + 0.067006 * h * 0.3 + 50.0 * 0.10 + sql(1.0, 3.75) + 20.0 * 0.17 + 0.049 * h
        }
        "staging" => {
            0.10 * h
                + 2.0 * 0.134012 * h
                + 100.0 * 0.10
                + sql(2.0, 7.5)
                + 50.0 * 0.17
                + 2.0 * 0.049 * h
        }
        "prod" => {
            0.10 * h
                + 3.0 * 0.194236 * h
                + 150.0 * 0.10
                + 2.0 * sql(4.0, 15.0)
                + 2.0 * 200.0 * 0.17
                + 5.0 * 0.054 * h
        }
        _ => 0.0,
    }
}

#[test]
fn infra_matches_the_hand_calculation() {
    let o = run(&["cost", "infra", "--format", "json"], &root());
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let envs = v["environments"].as_array().expect("environments");
    assert_eq!(envs.len(), 3);
    for e in envs {
        let name = e["name"].as_str().expect("name");
        let got = e["monthly_usd"].as_f64().expect("monthly");
        let want = hand(name);
        assert!(
            (got - want).abs() / want < 0.10,
            "{name}: {got} vs hand {want}"
        );
        assert!((got - want).abs() < 0.05, "{name}: {got} vs hand {want}");
        let ceiling = e["ceiling_usd"].as_f64().expect("ceiling");
        assert!(got < ceiling, "{name} over its ceiling");
        for r in e["resources"].as_array().expect("resources") {
            for k in ["address", "sku", "quantity", "monthly_usd", "file", "line"] {
                assert!(!r[k].is_null(), "{k} missing in {r}");
            }
        }
        // Buckets are usage-based: listed, not counted as zero.
        assert!(e["unpriced"].as_array().is_some_and(|u| u.iter().any(|x| {
            x["reason"]
                .as_str()
                .is_some_and(|s| s.contains("usage-based"))
        })));
    }
    let text = String::from_utf8_lossy(&run(&["cost", "infra"], &root()).stdout).to_string();
    assert!(
        text.contains("prod: $1,172.97 a month of $5,000.00 ceiling"),
        "{text}"
    );
}

#[test]
fn unknown_skus_and_configured_environments() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(
        d,
        "octolint.toml",
        "[environments.qa]\nlike = \"dev\"\nmonthly-ceiling = 100\n\n[[prices]]\nprovider = \"aws\"\nkind = \"machine\"\nsku = \"x9.huge\"\nhourly = 1.0\nvcpu = 64\nmemory-gb = 256\n",
    );
    write(
        d,
        "live/qa/main.tf",
        r#"provider "aws" {
  region = "us-east-1"
}

resource "aws_instance" "known" {
  instance_type = "x9.huge"
}

resource "aws_instance" "mystery" {
  instance_type = "z1.imaginary"
}

resource "aws_nat_gateway" "nat" {
  subnet_id = "subnet-1"
}
"#,
    );
    let o = run(&["cost", ".", "--format", "json"], d);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let qa = &v["environments"][0];
    assert_eq!(qa["name"], "qa", "{v}");
    assert_eq!(qa["ceiling_usd"], 100.0);
    let total = qa["monthly_usd"].as_f64().unwrap_or(0.0);
    assert!((total - (730.0 + 0.045 * 730.0)).abs() < 0.01, "{total}");
    let unpriced = qa["unpriced"].as_array().expect("unpriced");
    assert!(unpriced.iter().any(|u| {
        u["address"] == "aws_instance.mystery"
            && u["reason"]
                .as_str()
                .is_some_and(|r| r.contains("z1.imaginary"))
    }));
    // The same stack fails the ceiling and the dev-like sizing limits in `check`.
    let o = run(
        &[
            "check",
            ".",
            "--select",
            "COST001,SIZE001",
            "--format",
            "json",
        ],
        d,
    );
    let c: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let ids: Vec<&str> = c["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["rule_id"].as_str())
        .collect();
    assert!(
        ids.contains(&"COST001") && ids.contains(&"SIZE001"),
        "{ids:?}"
    );
}
