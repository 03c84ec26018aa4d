//! COST001 environments over their monthly ceiling, SIZE001 dev sized like prod.

use super::report_value;
use crate::config::env::Env;
use crate::cost::{estimate, fmt_usd, sql_shape};
use crate::diagnostics::RuleMeta;
use crate::diagnostics::{Location, Severity};
use crate::rules::rule::{Ctx, Rule};
use crate::terraform::TfModel;
use crate::terraform::value::Tv;

pub struct CostCeiling;

static CEILING: RuleMeta = RuleMeta {
    id: "COST001",
    name: "environment-over-budget",
    severity: Severity::Error,
    category: "cost",
    tags: &["cost", "environment"],
    summary: "An environment's estimated monthly cost is over its ceiling",
    explanation: "`octolint cost` prices every environment's Terraform stacks offline from list \
prices (rules/prices/*.toml): node pools × nodes × zones, managed control planes, databases with \
HA and storage, caches, NAT gateways, load balancers and disks. When an environment's estimate is \
over its monthly ceiling (`rules/environments.toml`: dev $500, staging $1,500, prod $5,000; override \
with `[environments.<name>] monthly-ceiling`), the finding is placed at the environment's root stack \
with the three most expensive resources as related locations. Usage-based and unknown items are \
listed as unpriced by `octolint cost`, never counted as zero.",
    help: "run `octolint cost` to see what drives the estimate; size down, use spot/preemptible nodes where that is safe, or raise the ceiling in octolint.toml if the budget changed",
    fail_example: "# environments/dev/terraform.tfvars\nnode_machine_type = \"n2-standard-32\"\nnode_count        = 6\n",
    pass_example: "# environments/dev/terraform.tfvars\nnode_machine_type = \"e2-standard-2\"\nnode_count        = 2\n",
    security_severity: None,
    since: "0.1.0",
};

impl Rule for CostCeiling {
    fn meta(&self) -> &'static RuleMeta {
        &CEILING
    }

    fn check_terraform(&self, tf: &TfModel, ctx: &mut Ctx<'_>) {
        let prices = crate::cost::prices::table_for(&ctx.options.price_overrides);
        let envs = estimate(tf, &ctx.options.environments, &prices);
        for e in envs {
            let Some(ceiling) = e.ceiling_usd else {
                continue;
            };
            if e.monthly_usd <= ceiling {
                continue;
            }
            let Some(at) = e.stacks.first().cloned() else {
                continue;
            };
            let top: Vec<String> = e
                .resources
                .iter()
                .take(3)
                .map(|l| format!("{} {}", l.address, fmt_usd(l.monthly_usd)))
                .collect();
            let f = ctx.report_at(
                &at.path,
                at.span,
                None,
                format!(
                    "{} is estimated at {} a month, over its {} ceiling (largest: {}; {} item(s) unpriced)",
                    e.name,
                    fmt_usd(e.monthly_usd),
                    fmt_usd(ceiling),
                    top.join(", "),
                    e.unpriced.len()
                ),
            );
            for l in e.resources.iter().take(3) {
                f.related.push(
                    Location::new(l.at.path.clone(), Some(l.at.span)).with_message(format!(
                        "{} × {} = {} a month ({})",
                        l.quantity,
                        l.sku,
                        fmt_usd(l.monthly_usd),
                        l.address
                    )),
                );
            }
        }
    }
}

pub struct DevOversized;

static OVERSIZED: RuleMeta = RuleMeta {
    id: "SIZE001",
    name: "dev-oversized",
    severity: Severity::Warning,
    category: "cost",
    tags: &["cost", "environment", "sizing"],
    summary: "A dev (or dev-like) environment uses prod-sized nodes, instances, node counts or databases",
    explanation: "What is normal in prod (16-vCPU nodes, large database classes) is waste in dev. \
Limits per environment come from `rules/environments.toml` (dev: 4 vCPU and 16 GB per node or \
instance, 6 nodes per pool, 2 vCPU per database) and `[environments.<name>]` (max-vcpu, \
max-memory-gb, max-nodes, max-db-vcpu); environments declared `like = \"dev\"` inherit them. \
The finding points where the size is set, usually a tfvars line.",
    help: "use a smaller machine type, fewer nodes or a smaller database tier in dev (or raise the limit for this environment in octolint.toml)",
    fail_example: "# environments/dev/terraform.tfvars\nnode_machine_type = \"n2-standard-16\"\n",
    pass_example: "# environments/dev/terraform.tfvars\nnode_machine_type = \"e2-standard-2\"\n",
    security_severity: None,
    since: "0.1.0",
};

impl Rule for DevOversized {
    fn meta(&self) -> &'static RuleMeta {
        &OVERSIZED
    }

    fn check_terraform(&self, tf: &TfModel, ctx: &mut Ctx<'_>) {
        // The options outlive the context's borrow: no copies of the tables.
        let options = ctx.options;
        let prices = crate::cost::prices::table_for(&options.price_overrides);
        for r in tf.resources.iter().filter(|r| r.env == Some(Env::Dev)) {
            let Some(spec) = r
                .env_name
                .as_deref()
                .and_then(|n| options.environments.get(n))
            else {
                continue;
            };
            let envn = spec.name.clone();
            let machine = |provider: &str, kind: &str, v: Option<&Tv>| {
                let s = v.and_then(Tv::as_str)?;
                prices
                    .get(provider, kind, s)
                    .map(|p| (s.to_string(), p.vcpu, p.memory_gb))
            };
            let (sku_v, found) = match r.rtype.as_str() {
                "google_container_node_pool" | "google_container_cluster" => {
                    let v = r.attr(&["node_config", "machine_type"]);
                    (v, machine("gcp", "machine", v))
                }
                "google_compute_instance" => {
                    let v = r.attr(&["machine_type"]);
                    (v, machine("gcp", "machine", v))
                }
                "aws_instance" => {
                    let v = r.attr(&["instance_type"]);
                    (v, machine("aws", "machine", v))
                }
                "aws_eks_node_group" => {
                    let v = r
                        .attr(&["instance_types"])
                        .and_then(Tv::as_list)
                        .and_then(|l| l.first());
                    (v, machine("aws", "machine", v))
                }
                "azurerm_kubernetes_cluster_node_pool" => {
                    let v = r.attr(&["vm_size"]);
                    (v, machine("azure", "machine", v))
                }
                _ => (None, None),
            };
            if let (Some(v), Some((sku, vcpu, mem))) = (sku_v, found) {
                let too_big = spec.max_vcpu.is_some_and(|m| vcpu > m)
                    || spec.max_memory_gb.is_some_and(|m| mem > m);
                if too_big {
                    report_value(
                        ctx,
                        r,
                        v,
                        format!(
                            "{envn} `{}` uses {sku} ({vcpu} vCPU, {mem} GB); {envn} allows up to {} vCPU and {} GB",
                            r.address,
                            spec.max_vcpu.map_or("any".into(), |m| m.to_string()),
                            spec.max_memory_gb.map_or("any".into(), |m| m.to_string()),
                        ),
                    );
                }
            }
            // Node counts.
            let count = r
                .attr(&["node_count"])
                .or(r.attr(&["autoscaling", "max_node_count"]))
                .or(r.attr(&["scaling_config", "max_size"]));
            if let (Some(v), Some(max)) = (count, spec.max_nodes)
                && matches!(
                    r.rtype.as_str(),
                    "google_container_node_pool"
                        | "aws_eks_node_group"
                        | "azurerm_kubernetes_cluster_node_pool"
                )
                && let Some(n) = v.as_num()
                && n > max
            {
                report_value(
                    ctx,
                    r,
                    v,
                    format!(
                        "{envn} `{}` scales to {n} nodes; {envn} allows up to {max}",
                        r.address
                    ),
                );
            }
            // Databases.
            let db = match r.rtype.as_str() {
                "google_sql_database_instance" => {
                    let v = r.attr(&["settings", "tier"]);
                    v.and_then(Tv::as_str)
                        .and_then(sql_shape)
                        .map(|(c, _)| (v, c))
                }
                "aws_db_instance" | "aws_rds_cluster_instance" => {
                    let v = r.attr(&["instance_class"]);
                    v.and_then(Tv::as_str)
                        .and_then(|c| prices.get("aws", "rds", c))
                        .map(|p| (v, p.vcpu))
                }
                _ => None,
            };
            if let (Some((Some(v), vcpu)), Some(max)) = (db, spec.max_db_vcpu)
                && vcpu > max
            {
                report_value(
                    ctx,
                    r,
                    v,
                    format!(
                        "{envn} database `{}` has {vcpu} vCPU ({}); {envn} allows up to {max}",
                        r.address,
                        v.as_str().unwrap_or("")
                    ),
                );
            }
        }
    }
}
