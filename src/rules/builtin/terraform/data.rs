//! TF005 storage without encryption at rest, TF006 prod backups below the minimum.

use super::{absent_or_false, is_false, is_prod, is_true, report_resource, report_value};
use crate::diagnostics::RuleMeta;
use crate::diagnostics::Severity;
use crate::rules::rule::{Ctx, Rule};
use crate::terraform::TfModel;
use crate::terraform::value::Tv;

pub struct Unencrypted;

static UNENCRYPTED: RuleMeta = RuleMeta {
    id: "TF005",
    name: "unencrypted-storage",
    severity: Severity::Error,
    category: "terraform",
    tags: &["security", "encryption"],
    summary: "A database, disk, cache or cluster secret store is not encrypted at rest (or in transit)",
    explanation: "Unencrypted storage exposes data through snapshots, backups and retired disks, and \
most compliance regimes require encryption at rest. On AWS it is off unless asked for and cannot be \
turned on for an existing RDS instance without a rebuild, so it must be right from the start.\n\n\
Checked: `aws_db_instance` / `aws_rds_cluster` `storage_encrypted`, `aws_ebs_volume` `encrypted`, \
`encrypted = false` on `aws_instance` block devices and `aws_launch_template` \
`block_device_mappings`, \
`aws_elasticache_replication_group` `at_rest_encryption_enabled` and `transit_encryption_enabled`, \
`aws_eks_cluster` `encryption_config` for Kubernetes Secrets. GCP encrypts these by default.",
    help: "set storage_encrypted / encrypted / at_rest_encryption_enabled = true (with a KMS key where required); add encryption_config to EKS clusters",
    fail_example: "resource \"aws_db_instance\" \"main\" {\n  engine         = \"postgres\"\n  instance_class = \"db.t3.micro\"\n}\n",
    pass_example: "resource \"aws_db_instance\" \"main\" {\n  engine            = \"postgres\"\n  instance_class    = \"db.t3.micro\"\n  storage_encrypted = true\n}\n",
    security_severity: Some("6.0"),
    since: "0.1.0",
};

/// The `encrypted = false` settings of an instance's `root_block_device` / `ebs_block_device`
/// blocks or a launch template's `block_device_mappings { ebs { … } }` (also `dynamic` ones).
fn block_volumes(r: &crate::terraform::Resource) -> Vec<&Tv> {
    fn blocks(v: Option<&Tv>) -> Vec<&Tv> {
        v.and_then(Tv::as_list)
            .map(|l| l.iter().collect())
            .unwrap_or_default()
    }
    let mut volumes = blocks(r.body.get("root_block_device"));
    volumes.extend(blocks(r.body.get("ebs_block_device")));
    for m in blocks(r.body.get("block_device_mappings")) {
        volumes.extend(blocks(m.as_map().and_then(|m| m.get("ebs"))));
    }
    volumes
        .into_iter()
        .filter_map(|v| v.as_map()?.get("encrypted"))
        .filter(|e| is_false(Some(e)))
        .collect()
}

impl Rule for Unencrypted {
    fn meta(&self) -> &'static RuleMeta {
        &UNENCRYPTED
    }

    fn check_terraform(&self, tf: &TfModel, ctx: &mut Ctx<'_>) {
        for r in &tf.resources {
            let check = |ctx: &mut Ctx<'_>, key: &str, what: &str| {
                let v = r.attr(&[key]);
                if let Some(v) = v.filter(|v| is_false(Some(v))) {
                    report_value(
                        ctx,
                        r,
                        v,
                        format!("`{}` sets {key} = false: {what}", r.address),
                    );
                } else if v.is_none() {
                    report_resource(
                        ctx,
                        r,
                        format!("`{}` does not set {key} = true: {what}", r.address),
                    );
                }
            };
            match r.rtype.as_str() {
                // Read replicas inherit the source's encryption.
                "aws_db_instance" if r.attr(&["replicate_source_db"]).is_none() => {
                    check(ctx, "storage_encrypted", "its storage is not encrypted");
                }
                "aws_rds_cluster" => {
                    let serverless =
                        r.attr(&["engine_mode"]).and_then(Tv::as_str) == Some("serverless");
                    if !serverless && r.attr(&["replication_source_identifier"]).is_none() {
                        check(ctx, "storage_encrypted", "its storage is not encrypted");
                    }
                }
                "aws_ebs_volume" => check(ctx, "encrypted", "the volume is not encrypted"),
                // Instance and launch-template volumes: only an explicit `encrypted = false`
                // (without it, the account's EBS encryption by default decides).
                "aws_instance" | "aws_launch_template" => {
                    for v in block_volumes(r) {
                        report_value(
                            ctx,
                            r,
                            v,
                            format!(
                                "`{}` sets encrypted = false on a block device: the volume is not encrypted",
                                r.address
                            ),
                        );
                    }
                }
                "aws_elasticache_replication_group" => {
                    check(
                        ctx,
                        "at_rest_encryption_enabled",
                        "cached data is not encrypted at rest",
                    );
                    check(
                        ctx,
                        "transit_encryption_enabled",
                        "traffic to the cache is not encrypted",
                    );
                }
                "aws_eks_cluster" if r.attr(&["encryption_config"]).is_none() => {
                    report_resource(
                        ctx,
                        r,
                        format!(
                            "`{}` has no encryption_config: Kubernetes Secrets are not envelope-encrypted with KMS",
                            r.address
                        ),
                    );
                }
                _ => {}
            }
        }
    }
}

pub struct Backups;

static BACKUPS: RuleMeta = RuleMeta {
    id: "TF006",
    name: "prod-backup-retention",
    severity: Severity::Warning,
    category: "terraform",
    tags: &["reliability", "database", "environment"],
    summary: "A prod database keeps backups for fewer days than the prod minimum (default 7) or has them off",
    explanation: "Backups are how a bad migration, a deleted table or ransomware is undone; a retention \
shorter than the time it takes to notice the problem is no backup at all. Prod databases must keep at \
least `[terraform] prod-min-backup-days` (default 7) days.\n\nChecked in prod stacks: \
`aws_db_instance` / `aws_rds_cluster` `backup_retention_period` (the AWS default is 1 day), and \
`google_sql_database_instance` `settings.backup_configuration` (`enabled`, and \
`backup_retention_settings.retained_backups`, default 7). The finding points where the value is set, \
often a tfvars line.",
    help: "raise the retention to at least the prod minimum (backup_retention_period / retained_backups) and keep backups enabled",
    fail_example: "# environments/prod/main.tf\nresource \"aws_db_instance\" \"main\" {\n  backup_retention_period = 1\n}\n",
    pass_example: "# environments/prod/main.tf\nresource \"aws_db_instance\" \"main\" {\n  backup_retention_period = 14\n}\n",
    security_severity: None,
    since: "0.1.0",
};

impl Rule for Backups {
    fn meta(&self) -> &'static RuleMeta {
        &BACKUPS
    }

    fn check_terraform(&self, tf: &TfModel, ctx: &mut Ctx<'_>) {
        let min = ctx.options.prod_min_backup_days as f64;
        for r in tf.resources.iter().filter(|r| is_prod(r)) {
            match r.rtype.as_str() {
                "aws_db_instance" | "aws_rds_cluster" => {
                    if r.attr(&["replicate_source_db"]).is_some() {
                        continue;
                    }
                    match r.attr(&["backup_retention_period"]) {
                        Some(v) => {
                            if let Some(days) = v.as_num()
                                && days < min
                            {
                                report_value(
                                    ctx,
                                    r,
                                    v,
                                    format!(
                                        "prod `{}` keeps backups for {days} day(s); the prod minimum is {min}",
                                        r.address
                                    ),
                                );
                            }
                        }
                        None => {
                            report_resource(
                                ctx,
                                r,
                                format!(
                                    "prod `{}` does not set backup_retention_period (AWS keeps 1 day); the prod minimum is {min}",
                                    r.address
                                ),
                            );
                        }
                    }
                }
                "google_sql_database_instance" => {
                    let cfg = r.attr(&["settings", "backup_configuration"]);
                    let enabled = cfg.and_then(|c| c.get("enabled"));
                    if cfg.is_none() || absent_or_false(enabled) && enabled.is_none_or(Tv::is_known)
                    {
                        match enabled {
                            Some(v) => {
                                report_value(
                                    ctx,
                                    r,
                                    v,
                                    format!("prod `{}` has backups disabled", r.address),
                                );
                            }
                            None => {
                                report_resource(
                                    ctx,
                                    r,
                                    format!(
                                        "prod `{}` has no backup_configuration with enabled = true",
                                        r.address
                                    ),
                                );
                            }
                        }
                        continue;
                    }
                    if !is_true(enabled) {
                        continue;
                    }
                    if let Some(v) =
                        cfg.and_then(|c| c.path(&["backup_retention_settings", "retained_backups"]))
                        && let Some(n) = v.as_num()
                        && n < min
                    {
                        report_value(
                            ctx,
                            r,
                            v,
                            format!(
                                "prod `{}` retains {n} backup(s); the prod minimum is {min}",
                                r.address
                            ),
                        );
                    }
                }
                _ => {}
            }
        }
    }
}
