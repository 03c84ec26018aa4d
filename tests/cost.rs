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
        "dev" => 0.10 * h + 0.0201 * h + 50.0 * 0.10 + sql(1.0, 3.75) + 20.0 * 0.17 + 0.049 * h,
        "staging" => {
            0.10 * h
                + 2.0 * 0.13402 * h
                + 100.0 * 0.10
                + sql(2.0, 7.5)
                + 50.0 * 0.17
                + 2.0 * 0.049 * h
        }
        "prod" => {
            0.10 * h
                + 3.0 * 0.1942 * h
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
        text.contains("prod: $1,172.89 a month of $5,000.00 ceiling"),
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

fn json_of(o: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)))
}

fn env<'a>(v: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    v["environments"]
        .as_array()
        .and_then(|a| a.iter().find(|e| e["name"] == name))
        .unwrap_or_else(|| panic!("no environment {name} in {v}"))
}

/// The four SKUs of docs/cost.md "Hand calculations", priced end to end.
#[test]
fn documented_skus_match_the_hand_calculations() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(
        d,
        "prod/main.tf",
        r#"provider "aws" {
  region = "us-east-1"
}

resource "aws_db_instance" "db" {
  engine            = "postgres"
  instance_class    = "db.r5.2xlarge"
  allocated_storage = 100
}

resource "google_compute_instance" "vm" {
  machine_type = "n2-highcpu-4"
  zone         = "us-central1-a"
}

resource "google_sql_database_instance" "sql" {
  region = "us-central1"
  settings {
    tier      = "db-custom-4-16384"
    disk_size = 10
  }
}

resource "azurerm_kubernetes_cluster_node_pool" "pool" {
  vm_size    = "Standard_D4s_v5"
  node_count = 1
}
"#,
    );
    let v = json_of(&run(&["cost", ".", "--format", "json"], d));
    let prod = env(&v, "prod");
    let line = |addr: &str, component: &str| {
        prod["resources"]
            .as_array()
            .and_then(|a| {
                a.iter()
                    .find(|r| r["address"] == addr && r["component"] == component)
            })
            .unwrap_or_else(|| panic!("{addr} {component} missing in {prod}"))
            .clone()
    };
    let h = 730.0;
    let cases = [
        // db.r5.large $0.25 = 4 units → $0.0625 a unit; 2xlarge = 16 units.
        ("aws_db_instance.db", "database", 16.0 * 0.0625 * h, true),
        ("google_compute_instance.vm", "compute", 0.1434 * h, false),
        // 4 vCPU × $0.0413 + 16 GB × $0.007.
        (
            "google_sql_database_instance.sql",
            "database",
            (4.0 * 0.0413 + 16.0 * 0.007) * h,
            false,
        ),
        (
            "azurerm_kubernetes_cluster_node_pool.pool",
            "compute",
            0.192 * h,
            false,
        ),
    ];
    for (addr, component, want, estimated) in cases {
        let l = line(addr, component);
        let got = l["monthly_usd"].as_f64().expect("monthly");
        assert!((got - want).abs() < 0.006, "{addr}: {got} vs hand {want}");
        assert_eq!(l["estimated"], estimated, "{l}");
    }
    assert_eq!(
        line("aws_db_instance.db", "database")["sku"],
        "db.r5.2xlarge postgres"
    );
    // The text output marks the estimated line.
    let text = common::stdout(&run(&["cost", "."], d));
    assert!(
        text.lines()
            .any(|l| l.contains("aws_db_instance.db") && l.contains("$730.00*")),
        "{text}"
    );
    assert!(text.contains("* estimated:"), "{text}");
}

/// Two stacks of one environment with the same addresses both count (regression: the
/// identical resources of `regions/prod` were dropped).
#[test]
fn duplicate_stacks_keep_both_stacks_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let stack = |pool: &str| {
        format!(
            r#"provider "aws" {{
  region = "us-east-1"
}}

resource "aws_eks_cluster" "main" {{
  name = "prod"
}}

resource "aws_eks_node_group" "{pool}" {{
  instance_types = ["m5.large"]
  scaling_config {{
    desired_size = 3
  }}
}}
"#
        )
    };
    write(d, "prod/main.tf", &stack("general"));
    write(d, "regions/prod/main.tf", &stack("batch"));
    let v = json_of(&run(&["cost", ".", "--format", "json"], d));
    let prod = env(&v, "prod");
    let lines = prod["resources"].as_array().expect("resources");
    let mut got: Vec<(String, String)> = lines
        .iter()
        .map(|l| {
            (
                l["stack"].as_str().unwrap_or("").to_string(),
                l["address"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("prod".to_string(), "aws_eks_cluster.main".to_string()),
            ("prod".to_string(), "aws_eks_node_group.general".to_string()),
            (
                "regions/prod".to_string(),
                "aws_eks_cluster.main".to_string()
            ),
            (
                "regions/prod".to_string(),
                "aws_eks_node_group.batch".to_string()
            ),
        ]
    );
    let want = 2.0 * (0.10 * 730.0 + 3.0 * 0.096 * 730.0);
    let total = prod["monthly_usd"].as_f64().expect("total");
    assert!((total - want).abs() < 0.01, "{total} vs {want}");
}

/// A `count` at octolint's expansion cap stands for an unknown number of instances: the
/// total says unknown instead of a figure.
#[test]
fn saturated_count_is_unknown() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(
        d,
        "dev/main.tf",
        r#"provider "aws" {
  region = "us-east-1"
}

resource "aws_instance" "fleet" {
  count         = 100000000
  instance_type = "m5.large"
}

resource "aws_nat_gateway" "nat" {
  subnet_id = "subnet-1"
}
"#,
    );
    let v = json_of(&run(&["cost", ".", "--format", "json"], d));
    let dev = env(&v, "dev");
    assert!(
        dev["total_unknown"]
            .as_str()
            .is_some_and(|s| s.contains("aws_instance.fleet")),
        "{dev}"
    );
    assert_eq!(dev["monthly_usd"], 32.85, "{dev}");
    let unpriced = dev["unpriced"].as_array().expect("unpriced");
    assert_eq!(unpriced.len(), 1, "{dev}");
    assert_eq!(
        unpriced[0]["reason"],
        "count = 100000000 is at or above octolint's limit of 1000: cost unknown"
    );
    assert!(
        dev["resources"]
            .as_array()
            .is_some_and(|a| a.iter().all(|l| l["address"] == "aws_nat_gateway.nat"))
    );
    let text = common::stdout(&run(&["cost", "."], d));
    assert!(
        text.contains("dev: unknown (at least $32.85) a month"),
        "{text}"
    );
}

#[test]
fn regions_from_config_and_provider() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(
        d,
        "octolint.toml",
        "[environments.staging]\nregion = \"westeurope\"\n",
    );
    let pool = r#"provider "azurerm" {
  features {}
}

resource "azurerm_kubernetes_cluster_node_pool" "pool" {
  vm_size    = "Standard_D4s_v5"
  node_count = 2
}
"#;
    write(d, "staging/main.tf", pool);
    write(d, "dev/main.tf", pool);
    write(
        d,
        "prod/main.tf",
        "provider \"aws\" {\n  region = \"us-gov-west-1\"\n}\n\nprovider \"aws\" {\n  alias  = \"east\"\n  region = \"us-east-1\"\n}\n\nresource \"aws_instance\" \"a\" {\n  instance_type = \"m5.large\"\n}\n\nresource \"aws_instance\" \"b\" {\n  instance_type = \"m5.large\"\n  provider      = aws.east\n}\n",
    );
    let v = json_of(&run(&["cost", ".", "--format", "json"], d));
    let names: Vec<&str> = v["environments"]
        .as_array()
        .expect("envs")
        .iter()
        .filter_map(|e| e["name"].as_str())
        .collect();
    assert_eq!(names, ["dev", "staging", "prod"], "promotion order");
    let first = |e: &str| env(&v, e)["resources"][0].clone();
    assert_eq!(first("staging")["region"], "westeurope");
    assert_eq!(first("staging")["monthly_usd"], 335.8, "2 × 0.23 × 730");
    assert_eq!(first("dev")["region"], "eastus");
    assert_eq!(first("dev")["monthly_usd"], 280.32, "2 × 0.192 × 730");
    assert_eq!(env(&v, "staging")["regions"][0], "westeurope");
    assert_eq!(first("prod")["region"], "us-gov-west-1");
    assert_eq!(first("prod")["monthly_usd"], 88.33, "0.121 × 730");
    assert_eq!(first("prod")["note"], serde_json::Value::Null);
    // `provider = aws.east` takes the aliased configuration's region.
    let b = &env(&v, "prod")["resources"][1];
    assert_eq!(b["address"], "aws_instance.b");
    assert_eq!(b["region"], "us-east-1");
    assert_eq!(b["monthly_usd"], 70.08);
}

fn compare_fixture() -> (PathBuf, tempfile::TempDir) {
    let fx = root().join("fixtures/cost/compare");
    let o = run(&["cost", ".", "--format", "json"], &fx.join("base"));
    assert_eq!(o.status.code(), Some(0));
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(tmp.path().join("base.json"), &o.stdout).expect("write base");
    (fx, tmp)
}

#[test]
fn compare_added_removed_resized() {
    let (fx, tmp) = compare_fixture();
    let base = tmp.path().join("base.json");
    let base = base.to_str().expect("utf-8 path");
    let head = fx.join("head");
    let o = run(&["cost", ".", "--compare", base, "--format", "json"], &head);
    assert_eq!(o.status.code(), Some(0));
    let v = json_of(&o);
    let prod = env(&v, "prod");
    assert_eq!(prod["old_monthly_usd"], 133.3);
    assert_eq!(prod["new_monthly_usd"], 1656.01);
    assert_eq!(prod["delta_usd"], 1522.71);
    let changes: Vec<(String, String, String, String)> = prod["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| {
            (
                c["kind"].as_str().unwrap_or("").into(),
                c["address"].as_str().unwrap_or("").into(),
                c["old"]["sku"].as_str().unwrap_or("-").into(),
                c["new"]["sku"].as_str().unwrap_or("-").into(),
            )
        })
        .collect();
    let s = |a: &str, b: &str, c: &str, d: &str| (a.into(), b.into(), c.into(), d.into());
    assert_eq!(
        changes,
        [
            s(
                "added",
                "aws_db_instance.db",
                "-",
                "db.r5.2xlarge postgres (Multi-AZ)"
            ),
            s("resized", "aws_instance.api", "m5.large", "m5.xlarge"),
            s("removed", "aws_instance.worker", "t3.medium", "-"),
            s("added", "aws_db_instance.db", "-", "gp2 GB"),
        ]
    );
    assert_eq!(prod["changes"][0]["new"]["monthly_usd"], 1460.0);
    assert_eq!(prod["changes"][1]["delta_usd"], 70.08);
    assert_eq!(prod["changes"][2]["old"]["monthly_usd"], 30.37);

    let md = common::stdout(&run(
        &["cost", ".", "--compare", base, "--format", "markdown"],
        &head,
    ));
    assert!(
        md.contains("| prod | $133.30 | $1,656.01 | +$1,522.71 (+1142.3 %) |"),
        "{md}"
    );
    assert!(
        md.contains("| resized | `aws_instance.api` in `prod` | 1 × m5.large = $70.08 | 1 × m5.xlarge = $140.16 | +$70.08 |"),
        "{md}"
    );
    let text = common::stdout(&run(&["cost", ".", "--compare", base], &head));
    assert!(
        text.contains("prod: $133.30 → $1,656.01 a month, +$1,522.71 (+1142.3 %)"),
        "{text}"
    );
    assert!(
        text.contains(
            "removed  aws_instance.worker (prod): 1 × t3.medium = $30.37 → — (-$30.37/month)"
        ),
        "{text}"
    );
    // Unchanged base against itself: nothing to report, the gate passes.
    let same = run(
        &["cost", ".", "--compare", base, "--fail-on-increase", "0%"],
        &fx.join("base"),
    );
    assert_eq!(same.status.code(), Some(0));
    assert!(common::stdout(&same).contains("No cost change."));
}

#[test]
fn compare_gate() {
    let (fx, tmp) = compare_fixture();
    let base = tmp.path().join("base.json");
    let base = base.to_str().expect("utf-8 path");
    let head = fx.join("head");
    let gate = |limit: &str| {
        run(
            &["cost", ".", "--compare", base, "--fail-on-increase", limit],
            &head,
        )
    };
    let o = gate("10%");
    assert_eq!(o.status.code(), Some(1));
    assert!(
        common::stdout(&o).contains(
            "FAIL prod: +$1,522.71 a month (+1142.3 %), over the allowed increase of 10 %"
        ),
        "{}",
        common::stdout(&o)
    );
    assert_eq!(gate("1500").status.code(), Some(1));
    assert_eq!(gate("$2,000").status.code(), Some(0));
    assert_eq!(gate("2000%").status.code(), Some(0));
    assert_eq!(gate("lots").status.code(), Some(2));
    // A base that is not a cost report is a usage error.
    std::fs::write(tmp.path().join("bad.json"), "{}").expect("write");
    let bad = tmp.path().join("bad.json");
    let o = run(
        &["cost", ".", "--compare", bad.to_str().expect("utf-8")],
        &head,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(common::stderr(&o).contains("no `environments` array"));
}

/// The generated price tables are what scripts/gen-prices.py makes of ../shared/prices.
#[test]
fn generated_price_tables_are_fresh() {
    let src = root().join("../shared/prices");
    if !src.is_dir() {
        assert!(
            std::env::var_os("CI").is_none(),
            "../shared/prices is required in CI"
        );
        eprintln!("SKIP: ../shared/prices is absent");
        return;
    }
    let o = std::process::Command::new("python3")
        .arg(root().join("scripts/gen-prices.py"))
        .arg("--check")
        .output();
    match o {
        Ok(o) => assert!(
            o.status.success(),
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) => {
            assert!(std::env::var_os("CI").is_none(), "python3: {e}");
            eprintln!("SKIP: python3 is not available: {e}");
        }
    }
}

/// Every cost line of the shared corpus whose SKU is known is priced (the issue's ≥ 95 %).
#[test]
fn shared_corpus_skus_are_priced() {
    let corpus = root().join("../shared/corpus");
    if !corpus.is_dir() {
        assert!(
            std::env::var_os("CI").is_none(),
            "../shared/corpus is required in CI"
        );
        eprintln!("SKIP: ../shared/corpus is absent");
        return;
    }
    let v = json_of(&run(
        &["cost", corpus.to_str().expect("utf-8"), "--format", "json"],
        &root(),
    ));
    let mut priced = 0;
    let mut unpriced_sku = Vec::new();
    for e in v["environments"].as_array().expect("envs") {
        priced += e["resources"].as_array().map_or(0, Vec::len);
        for u in e["unpriced"].as_array().expect("unpriced") {
            let r = u["reason"].as_str().unwrap_or("");
            if r.contains("unknown SKU") || r.contains("no price") || r.contains("unknown RDS") {
                unpriced_sku.push(u["address"].clone());
            }
        }
    }
    assert!(priced >= 28, "{priced}");
    assert!(
        unpriced_sku.len() * 20 <= priced + unpriced_sku.len(),
        "{unpriced_sku:?}"
    );
}

/// Linode pools are separate lines; ElastiCache by engine; Autopilot is usage-based with
/// its rates; GPU and metal classes stay unpriced.
#[test]
fn linode_caches_autopilot_and_unpriceable_classes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(
        d,
        "staging/main.tf",
        r#"provider "linode" {}

resource "linode_lke_cluster" "k" {
  control_plane {
    high_availability = true
  }
  pool {
    type  = "g6-standard-4"
    count = 3
  }
  pool {
    type  = "g6-dedicated-8"
    count = 2
  }
}

resource "aws_elasticache_replication_group" "cache" {
  engine             = "valkey"
  node_type          = "cache.r6g.large"
  num_cache_clusters = 2
}

resource "aws_db_instance" "metal" {
  instance_class    = "db.r5.metal"
  allocated_storage = 20
}

resource "google_container_cluster" "auto" {
  enable_autopilot = true
  location         = "us-central1"
}
"#,
    );
    let v = json_of(&run(&["cost", ".", "--format", "json"], d));
    let st = env(&v, "staging");
    let lines: Vec<(String, String, f64)> = st["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .map(|l| {
            (
                l["component"].as_str().unwrap_or("").to_string(),
                l["sku"].as_str().unwrap_or("").to_string(),
                l["monthly_usd"].as_f64().unwrap_or(-1.0),
            )
        })
        .collect();
    let has = |c: &str, s: &str, m: f64| {
        assert!(
            lines
                .iter()
                .any(|l| l.0 == c && l.1 == s && (l.2 - m).abs() < 0.006),
            "{c} {s} {m} not in {lines:?}"
        );
    };
    has("pool[0]", "g6-standard-4", 144.0);
    has("pool[1]", "g6-dedicated-8", 288.0);
    has("fee", "ha-control-plane", 60.0);
    // Valkey: Redis OSS $0.206/h × 0.8 × 2 nodes.
    has("cache", "cache.r6g.large valkey", 0.206 * 0.8 * 2.0 * 730.0);
    has("fee", "cluster-management-fee", 73.0);
    let reasons: Vec<&str> = st["unpriced"]
        .as_array()
        .expect("unpriced")
        .iter()
        .filter_map(|u| u["reason"].as_str())
        .collect();
    assert!(
        reasons
            .contains(&"RDS class `db.r5.metal`: bare-metal sizes are not priced from unit rates"),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.starts_with("usage-based") && r.contains("$0.0445 per requested vCPU-hour")),
        "{reasons:?}"
    );
}
