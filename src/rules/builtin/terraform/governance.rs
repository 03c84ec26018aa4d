//! TF012 required tags / labels.

use super::{report_resource, report_value};
use crate::diagnostics::RuleMeta;
use crate::diagnostics::Severity;
use crate::rules::rule::{Ctx, Rule};
use crate::terraform::TfModel;
use crate::terraform::value::Tv;

pub struct RequiredTags;

static META: RuleMeta = RuleMeta {
    id: "TF012",
    name: "missing-required-tags",
    severity: Severity::Warning,
    category: "terraform",
    tags: &["governance", "cost"],
    summary: "A taggable resource lacks required tags or labels (default: project, environment)",
    explanation: "Cost reports, ownership and cleanup all depend on tags (AWS) and labels (GCP). \
The required keys are `[terraform] required-tags` (default `project` and `environment`). AWS \
provider `default_tags` count. Checked on the main billable resource types: instances, databases, \
caches, buckets, clusters and node groups.",
    help: "add the required keys to tags (AWS, or the provider's default_tags) / labels (GCP)",
    fail_example: "resource \"google_storage_bucket\" \"assets\" {\n  name     = \"assets\"\n  location = \"EU\"\n}\n",
    pass_example: "resource \"google_storage_bucket\" \"assets\" {\n  name     = \"assets\"\n  location = \"EU\"\n  labels = {\n    project     = \"shop\"\n    environment = \"prod\"\n  }\n}\n",
    security_severity: None,
    since: "0.1.0",
};

/// Where each taggable type keeps its tags.
fn tag_path(rtype: &str) -> Option<&'static [&'static str]> {
    Some(match rtype {
        "aws_instance"
        | "aws_db_instance"
        | "aws_rds_cluster"
        | "aws_s3_bucket"
        | "aws_eks_cluster"
        | "aws_eks_node_group"
        | "aws_elasticache_replication_group"
        | "aws_lb"
        | "aws_nat_gateway"
        | "aws_ebs_volume"
        | "aws_autoscaling_group" => &["tags"],
        "google_storage_bucket"
        | "google_compute_instance"
        | "google_redis_instance"
        | "google_compute_disk" => &["labels"],
        "google_sql_database_instance" => &["settings", "user_labels"],
        "google_container_cluster" => &["resource_labels"],
        _ => return None,
    })
}

impl Rule for RequiredTags {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_terraform(&self, tf: &TfModel, ctx: &mut Ctx<'_>) {
        let required = ctx.options.required_tags.clone();
        if required.is_empty() {
            return;
        }
        for r in tf.resources.iter().filter(|r| r.in_stack) {
            let Some(path) = tag_path(&r.rtype) else {
                continue;
            };
            // AWS provider default_tags of the same stack apply to every AWS resource.
            let defaults: Vec<String> = if r.rtype.starts_with("aws_") {
                tf.providers
                    .iter()
                    .filter(|p| p.stack == r.stack && p.rtype == "aws")
                    .filter_map(|p| p.body.path(&["default_tags", "tags"]))
                    .filter_map(Tv::as_map)
                    .flat_map(|m| m.keys().cloned())
                    .collect()
            } else {
                Vec::new()
            };
            let tags = r.attr(path);
            if tags.is_some_and(|t| !t.is_wholly_known()) {
                continue;
            }
            let keys: Vec<&String> = tags
                .and_then(Tv::as_map)
                .map(|m| m.keys().collect())
                .unwrap_or_default();
            let missing: Vec<&str> = required
                .iter()
                .filter(|k| !keys.contains(k) && !defaults.contains(k))
                .map(String::as_str)
                .collect();
            if missing.is_empty() {
                continue;
            }
            let what = if path[path.len() - 1] == "tags" {
                "tags"
            } else {
                "labels"
            };
            let msg = format!("`{}` has no {} {}", r.address, missing.join(", "), what);
            match tags {
                Some(t) => {
                    report_value(ctx, r, t, msg);
                }
                None => {
                    report_resource(ctx, r, msg);
                }
            }
        }
    }
}

pub struct NamingConvention;

static NAMING: RuleMeta = RuleMeta {
    id: "TF017",
    name: "naming-convention",
    severity: Severity::Warning,
    category: "terraform",
    tags: &["governance"],
    summary: "A resource name does not follow `[terraform] naming` (off unless configured)",
    explanation: "A naming convention such as `{project}-{env}-{service}` makes ownership, \
environment and purpose readable from a name in the console, in bills and in alerts. Configure it \
with `[terraform] naming`: literal text and `{placeholders}`; `{env}` must be the stack's \
environment (`dev`, `staging`, `prod`), any other placeholder is one or more lower-case letters or \
digits (words joined by `-` are allowed in the last one). Checked: the `name` (or S3 `bucket`, RDS \
`identifier`) of taggable resources in stacks, when it is known.",
    help: "rename the resource to match the convention (renaming usually replaces the resource: plan it)",
    fail_example: "# naming = \"{project}-{env}-{service}\"\n# environments/prod/main.tf\nresource \"google_storage_bucket\" \"assets\" {\n  name = \"assets-bucket\"\n}\n",
    pass_example: "# naming = \"{project}-{env}-{service}\"\n# environments/prod/main.tf\nresource \"google_storage_bucket\" \"assets\" {\n  name = \"shop-prod-assets\"\n}\n",
    security_severity: None,
    since: "0.1.0",
};

impl Rule for NamingConvention {
    fn meta(&self) -> &'static RuleMeta {
        &NAMING
    }

    fn check_terraform(&self, tf: &TfModel, ctx: &mut Ctx<'_>) {
        let Some(template) = ctx.options.naming.clone() else {
            return;
        };
        for r in tf.resources.iter().filter(|r| r.in_stack) {
            if tag_path(&r.rtype).is_none() {
                continue;
            }
            let Some(v) = ["name", "bucket", "identifier"]
                .iter()
                .find_map(|k| r.attr(&[k]))
            else {
                continue;
            };
            let Some(name) = v.as_str() else { continue };
            let env = r.env.map(|e| e.as_str());
            let Some(re) = crate::config::naming::naming_regex(&template, env) else {
                return;
            };
            if !re.is_match(name) {
                report_value(
                    ctx,
                    r,
                    v,
                    format!(
                        "`{}` is named `{name}`, which does not follow `{template}`",
                        r.address
                    ),
                );
            }
        }
    }
}
