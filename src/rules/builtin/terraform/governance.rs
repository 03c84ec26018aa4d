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
provider `default_tags` and Google provider `default_labels` of the stack count, also for the \
resources of the modules it calls (they inherit the root's provider configuration). Auto \
Scaling groups are read from their `tag` blocks (also `dynamic` ones). Checked on the main \
billable resource types (instances, databases, caches, buckets, clusters and node groups) that a \
stack deploys: not in usage examples and tests.",
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
            // The stack's provider defaults (AWS `default_tags`, Google `default_labels`)
            // apply to its resources, also to those of the modules it calls.
            let Some(defaults) = provider_defaults(tf, r) else {
                continue;
            };
            let tags = r.attr(path);
            if tags.is_some_and(|t| !t.is_wholly_known()) {
                continue;
            }
            let mut keys: Vec<String> = tags
                .and_then(Tv::as_map)
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default();
            // Auto Scaling groups are tagged with `tag { key = … }` blocks (often `dynamic`).
            if r.rtype == "aws_autoscaling_group"
                && let Some(blocks) = r.body.get("tag")
            {
                let Some(list) = blocks.as_list() else {
                    continue;
                };
                let block_keys: Option<Vec<String>> = list
                    .iter()
                    .map(|b| b.as_map()?.get("key")?.to_str())
                    .collect();
                let Some(block_keys) = block_keys else {
                    continue;
                };
                keys.extend(block_keys);
            }
            let missing: Vec<&str> = required
                .iter()
                .filter(|k| !keys.contains(k) && !defaults.contains(*k))
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

/// The keys the stack's provider configurations add to every resource of `r`'s provider:
/// AWS `default_tags { tags = … }` (not applied to Auto Scaling groups, which the provider
/// does not tag by default), Google `default_labels`. `None` when they are unknown (the
/// resource may well be tagged).
fn provider_defaults(tf: &TfModel, r: &crate::terraform::Resource) -> Option<Vec<String>> {
    let (names, path): (&[&str], &[&str]) = if r.rtype.starts_with("aws_") {
        if r.rtype == "aws_autoscaling_group" {
            return Some(Vec::new());
        }
        (&["aws"], &["default_tags", "tags"])
    } else if r.rtype.starts_with("google_") {
        (&["google", "google-beta"], &["default_labels"])
    } else {
        return Some(Vec::new());
    };
    let mut keys = Vec::new();
    for p in tf
        .providers
        .iter()
        .filter(|p| p.stack == r.stack && names.contains(&p.rtype.as_str()))
    {
        match p.body.path(path) {
            None => {}
            Some(t) if !t.is_known() => return None,
            Some(t) => match t.as_map() {
                Some(m) => keys.extend(m.keys().cloned()),
                None => return None,
            },
        }
    }
    Some(keys)
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
