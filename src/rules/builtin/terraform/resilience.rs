//! TF007 prod resources without high availability, TF008 prod without deletion protection.

use super::{is_false, is_prod, report_resource, report_value};
use crate::diagnostics::RuleMeta;
use crate::diagnostics::Severity;
use crate::rules::rule::{Ctx, Rule};
use crate::terraform::TfModel;
use crate::terraform::value::Tv;

pub struct ProdHa;

static PROD_HA: RuleMeta = RuleMeta {
    id: "TF007",
    name: "prod-not-highly-available",
    severity: Severity::Warning,
    category: "terraform",
    tags: &["reliability", "environment"],
    summary: "A prod database, cache or cluster runs in a single zone or without failover",
    explanation: "A zone outage or a host failure takes a single-zone database, cache or cluster \
down with it. What is a sensible saving in dev is an outage in prod.\n\nChecked in prod stacks: \
`aws_db_instance` `multi_az`, `google_sql_database_instance` `settings.availability_type = \"REGIONAL\"`, \
`aws_elasticache_replication_group` `automatic_failover_enabled`, `google_redis_instance` \
`tier = \"STANDARD_HA\"`, `google_container_cluster` with a zonal `location`, and Linode LKE \
`control_plane.high_availability`.",
    help: "turn on the provider's HA option (multi_az, REGIONAL, STANDARD_HA, automatic failover) or use a regional cluster in prod",
    fail_example: "# environments/prod/main.tf\nresource \"google_redis_instance\" \"cache\" {\n  tier           = \"BASIC\"\n  memory_size_gb = 4\n}\n",
    pass_example: "# environments/prod/main.tf\nresource \"google_redis_instance\" \"cache\" {\n  tier           = \"STANDARD_HA\"\n  memory_size_gb = 4\n}\n",
    security_severity: None,
    since: "0.1.0",
};

/// `us-central1-a` is a zone; `us-central1` a region.
fn is_zone(loc: &str) -> bool {
    let parts: Vec<&str> = loc.split('-').collect();
    parts.len() >= 3
        && parts
            .last()
            .is_some_and(|l| l.len() == 1 && l.chars().all(|c| c.is_ascii_lowercase()))
}

impl Rule for ProdHa {
    fn meta(&self) -> &'static RuleMeta {
        &PROD_HA
    }

    fn check_terraform(&self, tf: &TfModel, ctx: &mut Ctx<'_>) {
        for r in tf.resources.iter().filter(|r| is_prod(r)) {
            match r.rtype.as_str() {
                "aws_db_instance" => {
                    if r.attr(&["replicate_source_db"]).is_some() {
                        continue;
                    }
                    match r.attr(&["multi_az"]) {
                        Some(v) if is_false(Some(v)) => {
                            report_value(
                                ctx,
                                r,
                                v,
                                format!("prod `{}` is not Multi-AZ", r.address),
                            );
                        }
                        None => {
                            report_resource(
                                ctx,
                                r,
                                format!("prod `{}` does not set multi_az = true", r.address),
                            );
                        }
                        _ => {}
                    }
                }
                "google_sql_database_instance" => {
                    match r.attr(&["settings", "availability_type"]) {
                        Some(v) if v.is_known() && v.as_str() != Some("REGIONAL") => {
                            report_value(
                                ctx,
                                r,
                                v,
                                format!(
                                    "prod `{}` is {} (not REGIONAL)",
                                    r.address,
                                    v.as_str().unwrap_or("?")
                                ),
                            );
                        }
                        None if r.attr(&["settings"]).is_some_and(Tv::is_known) => {
                            report_resource(
                                ctx,
                                r,
                                format!(
                                    "prod `{}` is zonal: set settings.availability_type = \"REGIONAL\"",
                                    r.address
                                ),
                            );
                        }
                        _ => {}
                    }
                }
                "aws_elasticache_replication_group" => {
                    match r.attr(&["automatic_failover_enabled"]) {
                        Some(v) if is_false(Some(v)) => {
                            report_value(
                                ctx,
                                r,
                                v,
                                format!("prod `{}` has automatic failover off", r.address),
                            );
                        }
                        None => {
                            report_resource(
                                ctx,
                                r,
                                format!("prod `{}` does not enable automatic failover", r.address),
                            );
                        }
                        _ => {}
                    }
                }
                "google_redis_instance" => match r.attr(&["tier"]) {
                    Some(v) if v.is_known() && v.as_str() != Some("STANDARD_HA") => {
                        report_value(
                            ctx,
                            r,
                            v,
                            format!(
                                "prod `{}` uses the {} tier (no replica, no failover)",
                                r.address,
                                v.as_str().unwrap_or("?")
                            ),
                        );
                    }
                    None => {
                        report_resource(
                            ctx,
                            r,
                            format!(
                                "prod `{}` uses the default BASIC tier: set tier = \"STANDARD_HA\"",
                                r.address
                            ),
                        );
                    }
                    _ => {}
                },
                "google_container_cluster" => {
                    if let Some(v) = r.attr(&["location"])
                        && v.as_str().is_some_and(is_zone)
                    {
                        report_value(
                            ctx,
                            r,
                            v,
                            format!(
                                "prod `{}` is a zonal cluster in {}",
                                r.address,
                                v.as_str().unwrap_or("")
                            ),
                        );
                    }
                }
                "linode_lke_cluster" => {
                    let ha = r.attr(&["control_plane", "high_availability"]);
                    match ha {
                        Some(v) if is_false(Some(v)) => {
                            report_value(
                                ctx,
                                r,
                                v,
                                format!("prod `{}` has a control plane without HA", r.address),
                            );
                        }
                        None => {
                            report_resource(
                                ctx,
                                r,
                                format!(
                                    "prod `{}` does not set control_plane.high_availability = true",
                                    r.address
                                ),
                            );
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
        }
    }
}

pub struct DeletionProtection;

static DELETION: RuleMeta = RuleMeta {
    id: "TF008",
    name: "prod-deletion-protection",
    severity: Severity::Warning,
    category: "terraform",
    tags: &["reliability", "environment", "database"],
    summary: "A prod database or cluster can be destroyed without turning deletion protection off first",
    explanation: "One wrong `terraform apply` (a renamed resource, a forced replacement, a destroy in \
the wrong workspace) deletes a database for good. Deletion protection makes that a two-step decision.\n\n\
Checked in prod stacks: `aws_db_instance` and `aws_rds_cluster` (off by default), and \
`google_sql_database_instance` / `google_container_cluster` when set to false (on by default).",
    help: "set deletion_protection = true on prod databases and clusters",
    fail_example: "# environments/prod/main.tf\nresource \"aws_rds_cluster\" \"main\" {\n  engine = \"aurora-postgresql\"\n}\n",
    pass_example: "# environments/prod/main.tf\nresource \"aws_rds_cluster\" \"main\" {\n  engine              = \"aurora-postgresql\"\n  deletion_protection = true\n}\n",
    security_severity: None,
    since: "0.1.0",
};

impl Rule for DeletionProtection {
    fn meta(&self) -> &'static RuleMeta {
        &DELETION
    }

    fn check_terraform(&self, tf: &TfModel, ctx: &mut Ctx<'_>) {
        for r in tf.resources.iter().filter(|r| is_prod(r)) {
            let v = r.attr(&["deletion_protection"]);
            match r.rtype.as_str() {
                "aws_db_instance" | "aws_rds_cluster" => match v {
                    Some(v) if is_false(Some(v)) => {
                        report_value(
                            ctx,
                            r,
                            v,
                            format!("prod `{}` has deletion protection off", r.address),
                        );
                    }
                    None => {
                        report_resource(
                            ctx,
                            r,
                            format!(
                                "prod `{}` does not set deletion_protection = true",
                                r.address
                            ),
                        );
                    }
                    _ => {}
                },
                "google_sql_database_instance" | "google_container_cluster" => {
                    if let Some(v) = v
                        && is_false(Some(v))
                    {
                        report_value(
                            ctx,
                            r,
                            v,
                            format!("prod `{}` has deletion protection off", r.address),
                        );
                    }
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn zones_and_regions() {
        assert!(super::is_zone("us-central1-a"));
        assert!(super::is_zone("europe-west4-b"));
        assert!(!super::is_zone("us-central1"));
        assert!(!super::is_zone("EU"));
    }
}
