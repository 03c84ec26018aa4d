//! Terraform stacks end to end: values resolved through tfvars and module calls with
//! provenance (the finding at the tfvars line, the module argument and the resource as SARIF
//! related locations), and bad input that must not stop the run.

use std::path::Path;
mod common;
use common::{rule_path_lines, run, write};

fn stack(d: &Path) {
    write(
        d,
        "environments/prod/main.tf",
        r#"terraform {
  required_version = "~> 1.9"
  backend "gcs" {
    bucket = "acme-tfstate"
  }
}

variable "redis_tier" {
  type = string
}

module "redis" {
  source = "../../modules/redis"
  tier   = var.redis_tier
}
"#,
    );
    write(
        d,
        "environments/prod/terraform.tfvars",
        "# prod sizing\nredis_tier = \"BASIC\"\n",
    );
    write(
        d,
        "modules/redis/main.tf",
        r#"variable "tier" {
  type    = string
  default = "STANDARD_HA"
}

resource "google_redis_instance" "this" {
  name           = "cache"
  memory_size_gb = 4
  tier           = var.tier
  labels = {
    project     = "shop"
    environment = "prod"
  }
}
"#,
    );
}

#[test]
fn findings_point_at_the_tfvars_line_with_the_resource_related() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    stack(d);
    let o = run(&["check", ".", "--select", "TF007", "--format", "sarif"], d);
    let sarif: serde_json::Value = serde_json::from_slice(&o.stdout).expect("sarif");
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), 1, "{sarif}");
    let r = &results[0];
    let loc = &r["locations"][0]["physicalLocation"];
    assert_eq!(
        loc["artifactLocation"]["uri"],
        "environments/prod/terraform.tfvars"
    );
    assert_eq!(loc["region"]["startLine"], 2);
    let related: Vec<(String, u64)> = r["relatedLocations"]
        .as_array()
        .expect("related")
        .iter()
        .map(|l| {
            (
                l["physicalLocation"]["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
                l["physicalLocation"]["region"]["startLine"]
                    .as_u64()
                    .unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        related,
        vec![
            ("environments/prod/main.tf".to_string(), 14),
            ("modules/redis/main.tf".to_string(), 9),
            ("modules/redis/main.tf".to_string(), 6),
            // The stack's call of the module.
            ("environments/prod/main.tf".to_string(), 12),
        ]
    );
    assert!(
        r["message"]["text"]
            .as_str()
            .is_some_and(|m| m.contains("module.redis.google_redis_instance.this")),
        "{r}"
    );

    // The module alone (its default is STANDARD_HA) and dev are fine.
    write(
        d,
        "environments/prod/terraform.tfvars",
        "redis_tier = \"STANDARD_HA\"\n",
    );
    let o = run(&["check", ".", "--select", "TF", "--format", "json"], d);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
}

#[test]
fn bad_terraform_is_reported_and_the_rest_is_checked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    stack(d);
    write(d, "broken/main.tf", "resource \"x\" \"y\" {\n  a = \n}\n");
    write(
        d,
        "odd/main.tf",
        r#"locals {
  a = local.b
  b = local.a
  c = totally_unknown_function(1)
  d = <<-EOT
    heredoc ${var.x}
  EOT
}

variable "x" {
  default = "y"
}

resource "aws_security_group" "dyn" {
  dynamic "ingress" {
    for_each = var.rules
    content {
      from_port   = ingress.value.port
      to_port     = ingress.value.port
      protocol    = "tcp"
      cidr_blocks = ["0.0.0.0/0"]
    }
  }
}

resource "aws_instance" "many" {
  count         = length(var.unknown)
  instance_type = "t3.micro"
}
"#,
    );
    write(
        d,
        "json/main.tf.json",
        r#"{"resource": {"aws_s3_bucket": {"b": {"bucket": "x", "acl": "public-read"}}}}"#,
    );
    write(d, "environments/prod/extra.auto.tfvars", "nope = 1\n");
    let o = run(
        &["check", ".", "--select", "TF,OCT000", "--format", "json"],
        d,
    );
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let ids: Vec<String> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            format!(
                "{}:{}",
                f["rule_id"].as_str().unwrap_or(""),
                f["location"]["path"].as_str().unwrap_or("")
            )
        })
        .collect();
    for want in [
        "OCT000:broken/main.tf",
        "TF016:odd/main.tf",
        "TF007:environments/prod/terraform.tfvars",
        "TF014:environments/prod/extra.auto.tfvars",
    ] {
        assert!(ids.iter().any(|i| i == want), "{want} missing from {ids:?}");
    }
    // Dynamic blocks and unknown counts are unknown, never reported as open ingress.
    assert!(!ids.iter().any(|i| i.starts_with("TF001")), "{ids:?}");
}

#[test]
fn module_outputs_flow_between_local_modules() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(
        d,
        "prod/main.tf",
        r#"terraform {
  backend "gcs" {
    bucket = "acme-tfstate"
  }
}

module "sizing" {
  source = "../modules/sizing"
  tier   = "BASIC"
}

module "cache" {
  source = "../modules/cache"
  tier   = module.sizing.cache_tier
}
"#,
    );
    write(
        d,
        "modules/sizing/main.tf",
        "variable \"tier\" {\n  type = string\n}\n\noutput \"cache_tier\" {\n  value = var.tier\n}\n",
    );
    write(
        d,
        "modules/cache/main.tf",
        "variable \"tier\" {\n  type = string\n}\n\nresource \"google_redis_instance\" \"this\" {\n  name           = \"cache\"\n  memory_size_gb = 1\n  tier           = var.tier\n}\n",
    );
    let o = run(&["check", ".", "--select", "TF007", "--format", "json"], d);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let f = &v["findings"][0];
    assert_eq!(f["location"]["path"], "prod/main.tf", "{v}");
    assert_eq!(f["location"]["region"]["start_line"], 9);
    let related = f["related"].as_array().map(Vec::len).unwrap_or(0);
    assert!(related >= 3, "module argument, output, resource: {v}");
}

/// A module repository checked out as `terraform-google-widget`: its examples call it through
/// the registry address `acme/widget/google`, so the module is evaluated with their arguments
/// and is not a stack; a finding in it appears once and lists the callers.
fn module_repo(d: &Path) {
    write(
        d,
        "main.tf",
        r#"resource "google_storage_bucket" "this" {
  name                     = var.name
  location                 = "EU"
  public_access_prevention = var.public_access_prevention
  labels = {
    project     = "shop"
    environment = "prod"
  }
}
"#,
    );
    write(
        d,
        "variables.tf",
        r#"variable "name" {
  type = string
}

variable "public_access_prevention" {
  type    = string
  default = "inherited"
}
"#,
    );
    for ex in ["one", "two"] {
        write(
            d,
            &format!("examples/{ex}/main.tf"),
            &format!(
                r#"provider "google" {{
  project = "acme"
}}

module "bucket" {{
  source  = "acme/widget/google"
  version = "~> 1.0"
  name    = "{ex}"
}}
"#
            ),
        );
    }
    write(
        d,
        "tests/fixtures/widget.tf",
        "module \"widget\" {\n  source = \"./fabric/modules/widget\"\n}\n",
    );
}

fn json_findings(o: &std::process::Output) -> Vec<serde_json::Value> {
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    v["findings"].as_array().cloned().unwrap_or_default()
}

#[test]
fn registry_callers_of_a_module_repository_are_listed_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().join("terraform-google-widget");
    module_repo(&d);
    let o = run(&["check", ".", "--select", "TF", "--format", "json"], &d);
    let found = json_findings(&o);
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let summary = rule_path_lines(&report);
    // No TF010/TF011 (a module and its examples), no TF015 (a test fixture): one TF003 at
    // the variable's default, for both callers.
    assert_eq!(
        summary,
        vec![("TF003".to_string(), "variables.tf".to_string(), 7)],
        "{found:?}"
    );
    let callers: Vec<(String, u64)> = found[0]["related"]
        .as_array()
        .expect("related")
        .iter()
        .filter(|r| {
            r["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("module called by"))
        })
        .map(|r| {
            (
                r["path"].as_str().unwrap_or("").to_string(),
                r["region"]["start_line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        callers,
        vec![
            ("examples/one/main.tf".to_string(), 5),
            ("examples/two/main.tf".to_string(), 5)
        ]
    );
    assert!(
        found[0]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("`google_storage_bucket.this` ")),
        "{found:?}"
    );
}

#[test]
fn terraform_layout_options_in_the_configuration() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().join("widget");
    module_repo(&d);
    // Without a matching directory name the registry source is external: the module is
    // checked on its own (no callers), and the test fixture's missing module is skipped.
    let o = run(
        &["check", ".", "--select", "TF003,TF015", "--format", "json"],
        &d,
    );
    let found = json_findings(&o);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["rule_id"], "TF003");
    // `registry-modules` names the checked directory; `test-dirs = []` reports TF015 in
    // tests/ too.
    write(
        &d,
        "octolint.toml",
        "[terraform]\nregistry-modules = [\"acme/widget/google\"]\ntest-dirs = []\n",
    );
    let o = run(
        &["check", ".", "--select", "TF003,TF015", "--format", "json"],
        &d,
    );
    let found = json_findings(&o);
    let rules: Vec<&str> = found
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(rules, vec!["TF015", "TF003"], "{found:?}");
    assert_eq!(found[0]["location"]["path"], "tests/fixtures/widget.tf");
    assert!(
        found[1]["message"]
            .as_str()
            .is_some_and(|m| m.ends_with("(in 2 module instances)")),
        "{found:?}"
    );
}

#[test]
fn nested_dynamic_blocks_are_bounded_and_located() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    // Seven nested `dynamic` blocks over ten elements each: ten million generated blocks. The
    // stack's budget stops the expansion, the place is reported (TF018) and the rest of the run
    // goes on.
    let mut body = String::from("x = l6.value\n");
    for level in (0..7).rev() {
        body = format!(
            "dynamic \"l{level}\" {{\n  for_each = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]\n  content {{\n{body}  }}\n}}\n"
        );
    }
    write(
        d,
        "main.tf",
        &format!(
            "provider \"aws\" {{\n  region = \"eu-west-1\"\n}}\n\nresource \"aws_security_group\" \"wide\" {{\n  name = \"wide\"\n{body}}}\n"
        ),
    );
    write(
        d,
        "other/main.tf",
        "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"b\"\n  acl    = \"public-read\"\n}\n",
    );
    let start = std::time::Instant::now();
    let o = run(&["check", ".", "--no-config", "--format", "json"], d);
    let elapsed = start.elapsed();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let rules: Vec<(String, String)> = rule_path_lines(&v)
        .into_iter()
        .map(|(rule, path, _)| (rule, path))
        .collect();
    assert!(
        rules.contains(&("TF018".to_string(), "main.tf".to_string())),
        "{rules:?}"
    );
    assert!(
        rules.contains(&("TF003".to_string(), "other/main.tf".to_string())),
        "{rules:?}"
    );
    assert!(elapsed.as_secs() < 60, "{elapsed:?}");
}
