//! Offline monthly cost estimates per environment from the Terraform model and the price
//! tables: node pools × nodes × zones, managed control planes, databases by tier with HA and
//! storage, caches by size, NAT gateways, load balancers and disks. 730 hours a month.
//! Anything whose size or SKU is unknown is listed as unpriced with the reason — never counted
//! as zero. Lines are keyed by stack, address and component, so two stacks of one environment
//! with the same addresses both count. Depends on `terraform` and `model::environments`.

pub mod compare;
pub mod generated;
pub mod prices;
pub mod shapes;

use std::collections::{BTreeMap, BTreeSet};

use crate::config::environments::Environments;
use crate::terraform::value::{Loc, Tv};
use crate::terraform::{Resource, TfModel};
use prices::{Price, PriceTable};

pub use shapes::sql_shape;

/// Most instances octolint expands from one `count` (the evaluator's cap): a resource at
/// the cap stands for an unknown number of instances.
pub const COUNT_CAP: usize = 1000;
/// Largest quantity (nodes, GB) a line may have before it is reported as unknown.
const MAX_QUANTITY: f64 = 1.0e6;

/// One priced resource.
#[derive(Debug, Clone)]
pub struct Line {
    /// Directory of the root stack.
    pub stack: String,
    pub address: String,
    /// Which part of the resource: `compute`, `disk`, `fee`, `database`, `storage`, `cache`,
    /// `network`. With stack and address, it identifies the line across runs.
    pub component: String,
    pub sku: String,
    pub quantity: f64,
    pub monthly_usd: f64,
    /// Derived from a unit or family rate rather than a listed price.
    pub estimated: bool,
    /// Region whose price was used.
    pub region: String,
    /// How the price was derived, or why its region differs from the environment's.
    pub note: Option<String>,
    /// Where the SKU or size is set (tfvars line, module argument or the resource).
    pub at: Loc,
    /// The resource block.
    pub resource: Loc,
}

#[derive(Debug, Clone)]
pub struct Unpriced {
    pub stack: String,
    pub address: String,
    pub reason: String,
    pub at: Loc,
}

#[derive(Debug, Clone)]
pub struct EnvCost {
    pub name: String,
    /// Sum of the priced lines.
    pub monthly_usd: f64,
    pub ceiling_usd: Option<f64>,
    /// Region configured for the environment or set by its stacks' provider blocks.
    pub regions: Vec<String>,
    /// Why the total is not known (a `count` at octolint's cap): the figure is then a floor.
    pub unknown_total: Option<String>,
    /// Sorted by cost, highest first.
    pub resources: Vec<Line>,
    pub unpriced: Vec<Unpriced>,
    /// The root stacks of the environment (their `terraform` block or first file).
    pub stacks: Vec<Loc>,
}

/// Usage-based resource types: listed as unpriced so nothing disappears silently, and not
/// counted in the coverage target.
const USAGE_BASED: &[&str] = &[
    "google_storage_bucket",
    "aws_s3_bucket",
    "google_bigquery_dataset",
    "aws_cloudwatch_log_group",
    "google_pubsub_topic",
    "google_compute_router_nat",
];

pub const USAGE_REASON: &str = "usage-based (storage, requests, traffic): not estimated";

fn at_of(r: &Resource, v: Option<&Tv>) -> Loc {
    v.and_then(|v| v.origin.first().cloned())
        .unwrap_or_else(|| r.at.clone())
}

struct Pricer<'a> {
    t: &'a PriceTable,
    /// Region of the resource: its own attribute, the environment's, or its provider's.
    region: Option<String>,
    lines: Vec<Line>,
    unpriced: Vec<Unpriced>,
    saturated: Option<String>,
    /// Component name for the next machine line (LKE pools: `pool[N]`).
    component: Option<String>,
}

/// How a machine is priced: provider and kind in the tables, spot.
struct Machine<'a> {
    provider: &'a str,
    kind: &'a str,
    spot: bool,
}

impl Pricer<'_> {
    #[allow(clippy::too_many_arguments)]
    fn line(
        &mut self,
        r: &Resource,
        component: &str,
        sku: &str,
        qty: f64,
        p: &Price,
        unit: f64,
        at: Loc,
    ) {
        let monthly = qty * unit;
        if !qty.is_finite() || !(0.0..=MAX_QUANTITY).contains(&qty) || !monthly.is_finite() {
            return self.unpriced(
                r,
                format!(
                    "{sku}: quantity {} is beyond any real deployment: cost unknown",
                    big(qty)
                ),
                Some(at),
            );
        }
        self.lines.push(Line {
            stack: r.stack.clone(),
            address: r.address.clone(),
            component: component.to_string(),
            sku: sku.to_string(),
            quantity: qty,
            monthly_usd: monthly,
            estimated: p.estimated,
            region: p.region.clone(),
            note: p.note.clone(),
            at,
            resource: r.at.clone(),
        });
    }

    fn unpriced(&mut self, r: &Resource, reason: String, at: Option<Loc>) {
        self.unpriced.push(Unpriced {
            stack: r.stack.clone(),
            address: r.address.clone(),
            reason,
            at: at.unwrap_or_else(|| r.at.clone()),
        });
    }

    fn quote(&self, provider: &str, kind: &str, sku: &str) -> Result<Price, String> {
        self.t.quote(provider, kind, sku, self.region.as_deref())
    }

    /// A machine SKU × count (spot when asked).
    #[allow(clippy::too_many_arguments)]
    fn machine(
        &mut self,
        r: &Resource,
        m: Machine<'_>,
        sku: Option<&Tv>,
        default: Option<&str>,
        count: Option<f64>,
        count_at: Loc,
    ) {
        let component = self.component.take().unwrap_or_else(|| "compute".into());
        let name = match sku {
            Some(v) => match v.as_str() {
                Some(s) => s.to_string(),
                None => {
                    return self.unpriced(
                        r,
                        "machine type is not known (set from a value octolint cannot resolve)"
                            .into(),
                        None,
                    );
                }
            },
            None => match default {
                Some(d) => d.to_string(),
                None => return self.unpriced(r, "no machine type".into(), None),
            },
        };
        let Some(count) = count else {
            return self.unpriced(
                r,
                format!("{name}: the number of nodes is not known"),
                Some(count_at),
            );
        };
        // GCP has listed preemptible prices; the others a spot factor.
        let gcp_spot = m.spot && m.provider == "gcp" && m.kind == "machine";
        let kind = if gcp_spot { "machine-spot" } else { m.kind };
        let p = match self.quote(m.provider, kind, &name) {
            Ok(p) => p,
            Err(why) => return self.unpriced(r, why, Some(at_of(r, sku))),
        };
        let unit = if m.spot && !gcp_spot {
            p.monthly * self.t.spot_factor(m.provider)
        } else {
            p.monthly
        };
        let label = if m.spot {
            format!("{name} (spot)")
        } else {
            name
        };
        // The count is what usually drives the cost when it was set explicitly.
        let at = if count_at != r.at && count > 1.0 {
            count_at
        } else if sku.is_some() {
            at_of(r, sku)
        } else {
            count_at
        };
        self.line(r, &component, &label, count, &p, unit, at);
    }

    fn fixed(&mut self, r: &Resource, provider: &str, kind: &str, sku: &str, qty: f64) {
        let component = if kind == "network" { "network" } else { "fee" };
        match self.quote(provider, kind, sku) {
            Ok(p) => {
                let unit = p.monthly;
                self.line(r, component, sku, qty, &p, unit, r.at.clone());
            }
            Err(why) => self.unpriced(r, why, None),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn disk(
        &mut self,
        r: &Resource,
        provider: &str,
        kind: &str,
        dtype: &str,
        gb: Option<&Tv>,
        default_gb: f64,
        mult: f64,
    ) {
        let size = match gb {
            Some(v) => match v.as_num() {
                Some(n) => n,
                None => return self.unpriced(r, "disk size is not known".into(), None),
            },
            None => default_gb,
        };
        let component = if kind == "disk" { "disk" } else { "storage" };
        match self.quote(provider, kind, dtype) {
            Ok(p) => {
                let unit = p.monthly;
                let at = at_of(r, gb);
                self.line(
                    r,
                    component,
                    &format!("{dtype} GB"),
                    size * mult,
                    &p,
                    unit,
                    at,
                );
            }
            Err(_) => self.unpriced(r, format!("no price for disk type `{dtype}`"), None),
        }
    }

    /// An RDS instance or ElastiCache node type by engine (× `mult` for Multi-AZ).
    #[allow(clippy::too_many_arguments)]
    fn aws_db(
        &mut self,
        r: &Resource,
        family_kind: &str,
        engine: Result<&str, String>,
        class: Option<&Tv>,
        qty: f64,
        mult: f64,
        suffix: &str,
    ) {
        let c = match class.map(Tv::as_str) {
            Some(Some(c)) => c.to_string(),
            _ => {
                return self.unpriced(
                    r,
                    "instance class is not known (set from a value octolint cannot resolve)".into(),
                    None,
                );
            }
        };
        let engine = match engine {
            Ok(e) => e,
            Err(why) => return self.unpriced(r, format!("{c}: {why}"), Some(at_of(r, class))),
        };
        let (kind, factor) = match engine {
            "valkey" => (format!("{family_kind}:redis"), 0.8),
            "memcached" => (format!("{family_kind}:redis"), 1.0),
            e => (format!("{family_kind}:{e}"), 1.0),
        };
        match self.quote("aws", &kind, &c) {
            Ok(mut p) => {
                if factor != 1.0 {
                    p.estimated = true;
                    p.note = Some("Valkey: Redis OSS price − 20 %".into());
                }
                let unit = p.monthly * mult * factor;
                let component = if family_kind == "rds" {
                    "database"
                } else {
                    "cache"
                };
                let label = format!("{c} {engine}{suffix}");
                self.line(r, component, &label, qty, &p, unit, at_of(r, class));
            }
            Err(why) => self.unpriced(r, why, Some(at_of(r, class))),
        }
    }

    fn price(&mut self, r: &Resource) {
        let a = |k: &[&str]| r.attr(k);
        let num = |k: &[&str]| r.attr(k).and_then(Tv::as_num);
        if let Some(n) = num(&["count"])
            && n >= COUNT_CAP as f64
        {
            let Some(base) = r.address.strip_suffix("[0]") else {
                // One entry for the whole resource, on its first instance.
                return;
            };
            self.saturated = Some(format!(
                "`{base}` has count = {}, at or above octolint's limit of {COUNT_CAP} instances",
                big(n)
            ));
            return self.unpriced(
                r,
                format!(
                    "count = {} is at or above octolint's limit of {COUNT_CAP}: cost unknown",
                    big(n)
                ),
                Some(at_of(r, a(&["count"]))),
            );
        }
        let gcp_m = |spot| Machine {
            provider: "gcp",
            kind: "machine",
            spot,
        };
        match r.rtype.as_str() {
            "google_container_cluster" => {
                self.fixed(r, "gcp", "gke-cluster", "cluster-management-fee", 1.0);
                let removed = a(&["remove_default_node_pool"]).and_then(Tv::as_bool) == Some(true);
                let autopilot = a(&["enable_autopilot"]).and_then(Tv::as_bool) == Some(true);
                if autopilot {
                    let rates = match (
                        self.t.get("gcp", "gke-autopilot", "vcpu"),
                        self.t.get("gcp", "gke-autopilot", "memory-gb"),
                    ) {
                        (Some(c), Some(m)) => format!(
                            " at ${:.4} per requested vCPU-hour and ${:.7} per GB-hour",
                            c.monthly / prices::HOURS_PER_MONTH,
                            m.monthly / prices::HOURS_PER_MONTH
                        ),
                        _ => String::new(),
                    };
                    self.unpriced(
                        r,
                        format!(
                            "{USAGE_REASON}: Autopilot bills the pods' requests{rates}, which Terraform does not set"
                        ),
                        None,
                    );
                } else if !removed {
                    let zones = zones(r);
                    let per_zone = num(&["initial_node_count"]).or(Some(1.0));
                    let count = zones.and_then(|z| per_zone.map(|n| n * z));
                    self.machine(
                        r,
                        gcp_m(gke_spot(r)),
                        a(&["node_config", "machine_type"]),
                        Some("e2-medium"),
                        count,
                        r.at.clone(),
                    );
                }
            }
            "google_container_node_pool" => {
                let zones = zones(r);
                let (count, count_at) = if let Some(t) = a(&["autoscaling", "total_min_node_count"])
                {
                    (t.as_num(), at_of(r, Some(t)))
                } else {
                    let per = a(&["node_count"])
                        .or(a(&["autoscaling", "min_node_count"]))
                        .or(a(&["initial_node_count"]));
                    let n = match per {
                        Some(v) => v.as_num(),
                        None => Some(1.0),
                    };
                    (n.and_then(|n| zones.map(|z| n * z)), at_of(r, per))
                };
                self.machine(
                    r,
                    gcp_m(gke_spot(r)),
                    a(&["node_config", "machine_type"]),
                    Some("e2-medium"),
                    count,
                    count_at,
                );
                if let Some(c) = count {
                    let dtype = a(&["node_config", "disk_type"])
                        .and_then(Tv::as_str)
                        .unwrap_or("pd-balanced")
                        .to_string();
                    self.disk(
                        r,
                        "gcp",
                        "disk",
                        &dtype,
                        a(&["node_config", "disk_size_gb"]),
                        100.0,
                        c,
                    );
                }
            }
            "google_compute_instance" => {
                let spot = a(&["scheduling", "provisioning_model"]).and_then(Tv::as_str)
                    == Some("SPOT")
                    || a(&["scheduling", "preemptible"]).and_then(Tv::as_bool) == Some(true);
                self.machine(
                    r,
                    gcp_m(spot),
                    a(&["machine_type"]),
                    None,
                    Some(1.0),
                    r.at.clone(),
                );
            }
            "google_compute_disk" | "google_compute_region_disk" => {
                let dtype = a(&["type"])
                    .and_then(Tv::as_str)
                    .unwrap_or("pd-standard")
                    .to_string();
                let replicas = if r.rtype == "google_compute_region_disk" {
                    2.0
                } else {
                    1.0
                };
                self.disk(r, "gcp", "disk", &dtype, a(&["size"]), 10.0, replicas);
            }
            "google_compute_forwarding_rule" | "google_compute_global_forwarding_rule" => {
                self.fixed(r, "gcp", "network", "forwarding-rule", 1.0);
            }
            "google_sql_database_instance" => self.cloud_sql(r),
            "google_redis_instance" => self.memorystore(r),
            "aws_instance" => {
                let spot = a(&["instance_market_options", "market_type"]).and_then(Tv::as_str)
                    == Some("spot");
                self.machine(
                    r,
                    Machine {
                        provider: "aws",
                        kind: "machine",
                        spot,
                    },
                    a(&["instance_type"]),
                    None,
                    Some(1.0),
                    r.at.clone(),
                );
            }
            "aws_eks_cluster" => self.fixed(r, "aws", "eks-cluster", "cluster", 1.0),
            "aws_eks_node_group" => {
                let types = a(&["instance_types"]);
                let first = types.and_then(Tv::as_list).and_then(|l| l.first());
                let size =
                    a(&["scaling_config", "desired_size"]).or(a(&["scaling_config", "min_size"]));
                let spot = a(&["capacity_type"]).and_then(Tv::as_str) == Some("SPOT");
                let count = match size {
                    Some(v) => v.as_num(),
                    None => None,
                };
                let sku = if types.is_some() && first.is_none() {
                    types
                } else {
                    first
                };
                self.machine(
                    r,
                    Machine {
                        provider: "aws",
                        kind: "machine",
                        spot,
                    },
                    sku,
                    Some("t3.medium"),
                    count,
                    at_of(r, size),
                );
            }
            "aws_db_instance" | "aws_rds_cluster_instance" => {
                let multi = a(&["multi_az"]).and_then(Tv::as_bool) == Some(true);
                let mult = if multi { 2.0 } else { 1.0 };
                let engine = rds_engine(a(&["engine"]), r.rtype == "aws_rds_cluster_instance");
                let suffix = if multi { " (Multi-AZ)" } else { "" };
                self.aws_db(r, "rds", engine, a(&["instance_class"]), 1.0, mult, suffix);
                if r.rtype == "aws_db_instance" {
                    let st = a(&["storage_type"])
                        .and_then(Tv::as_str)
                        .unwrap_or("gp2")
                        .to_string();
                    self.disk(
                        r,
                        "aws",
                        "rds-storage",
                        &st,
                        a(&["allocated_storage"]),
                        20.0,
                        mult,
                    );
                }
            }
            "aws_elasticache_replication_group" | "aws_elasticache_cluster" => {
                let nodes = num(&["num_cache_clusters"])
                    .or(num(&["num_cache_nodes"]))
                    .or_else(|| {
                        let groups = num(&["num_node_groups"])?;
                        Some(groups * (num(&["replicas_per_node_group"]).unwrap_or(0.0) + 1.0))
                    })
                    .unwrap_or(1.0);
                let engine = match a(&["engine"]).map(Tv::as_str) {
                    None => Ok("redis"),
                    Some(Some(e @ ("redis" | "valkey"))) => Ok(e),
                    Some(Some("memcached")) => Ok("memcached"),
                    Some(Some(e)) => Err(format!("unknown engine `{e}`")),
                    Some(None) => Err("engine is not known".to_string()),
                };
                self.aws_db(r, "elasticache", engine, a(&["node_type"]), nodes, 1.0, "");
            }
            "aws_nat_gateway" => self.fixed(r, "aws", "network", "nat-gateway", 1.0),
            "aws_lb" | "aws_alb" => self.fixed(r, "aws", "network", "load-balancer", 1.0),
            "aws_elb" => self.fixed(r, "aws", "network", "classic-load-balancer", 1.0),
            "aws_ebs_volume" => {
                let t = a(&["type"])
                    .and_then(Tv::as_str)
                    .unwrap_or("gp2")
                    .to_string();
                self.disk(r, "aws", "disk", &t, a(&["size"]), 0.0, 1.0);
            }
            "azurerm_kubernetes_cluster" => {
                match a(&["sku_tier"]).and_then(Tv::as_str) {
                    Some("Standard") => self.fixed(r, "azure", "aks-cluster", "standard", 1.0),
                    Some("Premium") => self.fixed(r, "azure", "aks-cluster", "premium", 1.0),
                    _ => {}
                }
                let count = a(&["default_node_pool", "node_count"])
                    .or(a(&["default_node_pool", "min_count"]));
                let n = count.map_or(Some(1.0), Tv::as_num);
                self.machine(
                    r,
                    Machine {
                        provider: "azure",
                        kind: "machine",
                        spot: false,
                    },
                    a(&["default_node_pool", "vm_size"]),
                    None,
                    n,
                    at_of(r, count),
                );
            }
            "azurerm_kubernetes_cluster_node_pool" => {
                let count = a(&["node_count"]).or(a(&["min_count"]));
                let n = count.map_or(Some(1.0), Tv::as_num);
                let spot = a(&["priority"]).and_then(Tv::as_str) == Some("Spot");
                self.machine(
                    r,
                    Machine {
                        provider: "azure",
                        kind: "machine",
                        spot,
                    },
                    a(&["vm_size"]),
                    None,
                    n,
                    at_of(r, count),
                );
            }
            "azurerm_linux_virtual_machine" | "azurerm_windows_virtual_machine" => {
                self.machine(
                    r,
                    Machine {
                        provider: "azure",
                        kind: "machine",
                        spot: a(&["priority"]).and_then(Tv::as_str) == Some("Spot"),
                    },
                    a(&["size"]),
                    None,
                    Some(1.0),
                    r.at.clone(),
                );
            }
            "azurerm_nat_gateway" => self.fixed(r, "azure", "network", "nat-gateway", 1.0),
            "azurerm_lb" if a(&["sku"]).and_then(Tv::as_str) != Some("Basic") => {
                self.fixed(r, "azure", "network", "load-balancer", 1.0);
            }
            "linode_lke_cluster" => {
                if a(&["control_plane", "high_availability"]).and_then(Tv::as_bool) == Some(true) {
                    self.fixed(r, "linode", "lke-cluster", "ha-control-plane", 1.0);
                }
                for (i, pool) in a(&["pool"])
                    .and_then(Tv::as_list)
                    .unwrap_or(&[])
                    .iter()
                    .enumerate()
                {
                    let count = pool.get("count");
                    let n = count.and_then(Tv::as_num);
                    self.component = Some(format!("pool[{i}]"));
                    self.machine(
                        r,
                        Machine {
                            provider: "linode",
                            kind: "machine",
                            spot: false,
                        },
                        pool.get("type"),
                        None,
                        n,
                        at_of(r, count),
                    );
                }
            }
            "linode_instance" => self.machine(
                r,
                Machine {
                    provider: "linode",
                    kind: "machine",
                    spot: false,
                },
                a(&["type"]),
                None,
                Some(1.0),
                r.at.clone(),
            ),
            "linode_nodebalancer" => self.fixed(r, "linode", "network", "nodebalancer", 1.0),
            "linode_volume" => self.disk(
                r,
                "linode",
                "disk",
                "block-storage",
                a(&["size"]),
                20.0,
                1.0,
            ),
            t if USAGE_BASED.contains(&t) => {
                self.unpriced(r, USAGE_REASON.into(), None);
            }
            _ => {}
        }
        if r.address.contains("[?]") {
            // The instance stands for an unknown number of instances.
            let each: f64 = self
                .lines
                .iter()
                .filter(|l| l.address == r.address)
                .map(|l| l.monthly_usd)
                .sum();
            if each > 0.0 {
                self.lines.retain(|l| l.address != r.address);
                self.unpriced(
                    r,
                    format!("count or for_each is not known ({} each)", fmt_usd(each)),
                    None,
                );
            }
        } else if at_cap(&r.address) {
            // An instance index at the cap: a module `count` that octolint stopped expanding.
            self.saturated = Some(format!(
                "`{}` is instance {} of a `count` octolint stops expanding at {COUNT_CAP}",
                r.address, COUNT_CAP
            ));
        }
    }

    fn cloud_sql(&mut self, r: &Resource) {
        let a = |k: &[&str]| r.attr(k);
        let tier = a(&["settings", "tier"]);
        let ha = a(&["settings", "availability_type"]).and_then(Tv::as_str) == Some("REGIONAL");
        let mult = if ha { 2.0 } else { 1.0 };
        let suffix = if ha { " (HA)" } else { "" };
        match tier.and_then(Tv::as_str) {
            Some(t) => match sql_shape(t) {
                Some((vcpu, mem)) => {
                    let plus = t.starts_with("db-perf-optimized-");
                    let (kc, km) = if plus {
                        ("plus-vcpu", "plus-memory-gb")
                    } else {
                        ("vcpu", "memory-gb")
                    };
                    let (Ok(pv), Ok(pm)) = (
                        self.quote("gcp", "cloudsql-unit", kc),
                        self.quote("gcp", "cloudsql-unit", km),
                    ) else {
                        return self.unpriced(r, "no Cloud SQL unit prices".into(), None);
                    };
                    let unit = (vcpu * pv.monthly + mem * pm.monthly) * mult;
                    let p = Price {
                        // The Enterprise Plus unit rates are approximate (see gcp.toml).
                        estimated: plus,
                        note: Some(format!(
                            "{vcpu} vCPU × ${}/h + {mem} GB × ${}/h{}",
                            pv.monthly / prices::HOURS_PER_MONTH,
                            pm.monthly / prices::HOURS_PER_MONTH,
                            if ha { ", × 2 for HA" } else { "" }
                        )),
                        ..pv
                    };
                    self.line(
                        r,
                        "database",
                        &format!("{t}{suffix}"),
                        1.0,
                        &p,
                        unit,
                        at_of(r, tier),
                    );
                }
                None => match self.quote("gcp", "cloudsql-unit", t) {
                    Ok(p) => {
                        let unit = p.monthly * mult;
                        let label = format!("{t}{suffix}");
                        self.line(r, "database", &label, 1.0, &p, unit, at_of(r, tier));
                    }
                    Err(_) => self.unpriced(
                        r,
                        format!("unknown Cloud SQL tier `{t}`"),
                        Some(at_of(r, tier)),
                    ),
                },
            },
            None => self.unpriced(r, "tier is not known".into(), None),
        }
        let dtype = a(&["settings", "disk_type"])
            .and_then(Tv::as_str)
            .unwrap_or("PD_SSD")
            .to_string();
        self.disk(
            r,
            "gcp",
            "cloudsql-storage",
            &dtype,
            a(&["settings", "disk_size"]),
            10.0,
            mult,
        );
    }

    fn memorystore(&mut self, r: &Resource) {
        let tier = r
            .attr(&["tier"])
            .and_then(Tv::as_str)
            .unwrap_or("BASIC")
            .to_string();
        let size = r.attr(&["memory_size_gb"]);
        let Some(gb) = size.and_then(Tv::as_num) else {
            return self.unpriced(r, "memory_size_gb is not known".into(), None);
        };
        let band = match gb {
            g if g <= 4.0 => "M1",
            g if g <= 10.0 => "M2",
            g if g <= 35.0 => "M3",
            g if g <= 100.0 => "M4",
            _ => "M5",
        };
        match self.quote("gcp", "memorystore", &format!("{tier}-{band}")) {
            Ok(p) => {
                let unit = p.monthly;
                let label = format!("{tier} {band} GB");
                self.line(r, "cache", &label, gb, &p, unit, at_of(r, size));
            }
            Err(_) => self.unpriced(r, format!("unknown Memorystore tier `{tier}`"), None),
        }
    }
}

/// The RDS engine's price table: `postgres`, `mysql` (MariaDB too), `aurora`. A cluster
/// instance whose engine is not known is Aurora (what `aws_rds_cluster_instance` usually is).
fn rds_engine(v: Option<&Tv>, cluster: bool) -> Result<&'static str, String> {
    let e = match v.map(Tv::as_str) {
        None if cluster => return Ok("aurora"),
        None => return Ok("postgres"),
        Some(None) if cluster => return Ok("aurora"),
        Some(None) => return Err("the engine is not known".into()),
        Some(Some(e)) => e,
    };
    match e {
        "postgres" => Ok("postgres"),
        "mysql" | "mariadb" => Ok("mysql"),
        "aurora" | "aurora-mysql" | "aurora-postgresql" => Ok("aurora"),
        other => Err(format!(
            "engine `{other}` (licence-dependent prices) is not in the tables"
        )),
    }
}

/// Whether an address has an instance index at the count cap (`…[999]`).
fn at_cap(address: &str) -> bool {
    let last = format!("[{}]", COUNT_CAP - 1);
    address.contains(&last)
}

/// GKE nodes on spot or preemptible VMs.
fn gke_spot(r: &Resource) -> bool {
    ["spot", "preemptible"]
        .iter()
        .any(|k| r.attr(&["node_config", k]).and_then(Tv::as_bool) == Some(true))
}

/// Zones a GKE node pool spans: `node_locations`, else one for a zonal location, else 3.
fn zones(r: &Resource) -> Option<f64> {
    if let Some(z) = r.attr(&["node_locations"]) {
        return z.as_list().map(|l| l.len() as f64);
    }
    match r.attr(&["location"]).and_then(Tv::as_str) {
        Some(l) if l.split('-').count() >= 3 => Some(1.0),
        Some(_) => Some(3.0),
        None => r.attr(&["location"]).map_or(Some(1.0), |_| None),
    }
}

pub fn fmt_usd(v: f64) -> String {
    // Beyond a trillion dollars a month the figure comes from a runaway count, not a plan:
    // never print a saturated or impossible number.
    if !v.is_finite() || v.abs() >= 1e12 {
        return format!(
            "{}more than $1,000,000,000,000",
            if v < 0.0 { "-" } else { "" }
        );
    }
    let cents = (v * 100.0).round() as i64;
    let (whole, frac) = (cents / 100, (cents % 100).abs());
    let s = whole.abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{}${out}.{frac:02}", if v < 0.0 { "-" } else { "" })
}

/// The price-table provider of a Terraform resource type or provider name.
fn provider_of(rtype: &str) -> Option<&'static str> {
    let p = rtype.split('_').next()?;
    Some(match p {
        "aws" => "aws",
        "google" => "gcp",
        "azurerm" => "azure",
        "linode" => "linode",
        _ => return None,
    })
}

/// The region a resource runs in: its own `region`/`zone`/`location` (GCP, Azure), the
/// environment's configured region, or its stack's (non-aliased) provider block's `region`.
fn region_of(
    r: &Resource,
    env_region: Option<&str>,
    provider_regions: &BTreeMap<(String, String), String>,
) -> Option<String> {
    let provider = provider_of(&r.rtype)?;
    if matches!(provider, "gcp" | "azure") {
        for k in ["region", "location", "zone"] {
            if let Some(v) = r.attr(&[k]).and_then(Tv::as_str) {
                return Some(if provider == "gcp" {
                    prices::gcp_region(v)
                } else {
                    v.to_string()
                });
            }
        }
    }
    if let Some(e) = env_region {
        return Some(e.to_string());
    }
    // `provider = aws.west` (kept as text by the evaluator), else the default configuration.
    let default = r.rtype.split('_').next().unwrap_or_default();
    let name = r
        .attr(&["provider"])
        .and_then(Tv::as_str)
        .filter(|n| n.split('.').next() == Some(default))
        .unwrap_or(default);
    provider_regions
        .get(&(r.stack.clone(), name.to_string()))
        .or_else(|| provider_regions.get(&(r.stack.clone(), default.to_string())))
        .cloned()
}

/// Environments in promotion order: dev, staging, prod, then the others by name, and
/// `(no environment)` last.
fn promotion_rank(name: &str) -> (u8, &str) {
    match name {
        "dev" => (0, ""),
        "staging" => (1, ""),
        "prod" => (2, ""),
        "(no environment)" => (4, ""),
        n => (3, n),
    }
}

/// Estimate every environment. Resources outside any environment's stack are collected
/// under `(no environment)` without a ceiling.
pub fn estimate(model: &TfModel, envs: &Environments, table: &PriceTable) -> Vec<EnvCost> {
    // Provider blocks' regions per stack (the default, non-aliased block of each provider).
    // Keys: (stack, `aws` or `aws.ALIAS`).
    let mut provider_regions: BTreeMap<(String, String), String> = BTreeMap::new();
    for p in &model.providers {
        let Some(region) = p.attr(&["region"]).and_then(Tv::as_str) else {
            continue;
        };
        let name = match p.attr(&["alias"]).and_then(Tv::as_str) {
            Some(alias) => format!("{}.{alias}", p.rtype),
            None => p.rtype.clone(),
        };
        provider_regions
            .entry((p.stack.clone(), name))
            .or_insert_with(|| region.to_string());
    }
    type Acc = (Vec<Line>, Vec<Unpriced>, BTreeSet<String>, Option<String>);
    let mut by_env: BTreeMap<String, Acc> = BTreeMap::new();
    for r in model.resources.iter().filter(|r| r.in_stack) {
        let name = r
            .env_name
            .as_deref()
            .unwrap_or("(no environment)")
            .to_string();
        let env_region = envs.get(&name).and_then(|s| s.region.as_deref());
        let mut p = Pricer {
            t: table,
            region: region_of(r, env_region, &provider_regions),
            lines: Vec::new(),
            unpriced: Vec::new(),
            saturated: None,
            component: None,
        };
        p.price(r);
        if p.lines.is_empty() && p.unpriced.is_empty() && p.saturated.is_none() {
            continue;
        }
        let e = by_env.entry(name).or_default();
        if let Some(reg) = &p.region
            && !p.lines.is_empty()
        {
            e.2.insert(reg.clone());
        }
        e.0.extend(p.lines);
        e.1.extend(p.unpriced);
        if e.3.is_none() {
            e.3 = p.saturated;
        }
    }
    let mut out = Vec::new();
    for (name, (mut lines, mut unpriced, regions, saturated)) in by_env {
        // One line per stack, address and component (a module reached twice in one stack is
        // still one resource; the same address in two stacks is two).
        lines.sort_by(|a, b| {
            (&a.stack, &a.address, &a.component, &a.sku).cmp(&(
                &b.stack,
                &b.address,
                &b.component,
                &b.sku,
            ))
        });
        lines.dedup_by(|a, b| {
            a.stack == b.stack
                && a.address == b.address
                && a.component == b.component
                && a.sku == b.sku
        });
        lines.sort_by(|a, b| {
            b.monthly_usd
                .total_cmp(&a.monthly_usd)
                .then_with(|| a.address.cmp(&b.address))
                .then_with(|| a.stack.cmp(&b.stack))
                .then_with(|| a.component.cmp(&b.component))
        });
        unpriced.sort_by(|a, b| {
            (&a.address, &a.stack, &a.reason).cmp(&(&b.address, &b.stack, &b.reason))
        });
        unpriced
            .dedup_by(|a, b| a.address == b.address && a.stack == b.stack && a.reason == b.reason);
        let total: f64 = lines.iter().map(|l| l.monthly_usd).sum();
        let spec = envs.get(&name);
        let stacks: Vec<Loc> = model
            .stacks
            .iter()
            .filter(|s| s.env_name.as_deref() == Some(name.as_str()))
            .map(|s| {
                s.terraform_block
                    .clone()
                    .unwrap_or_else(|| s.first_file.clone())
            })
            .collect();
        let mut regions: Vec<String> = regions.into_iter().collect();
        if let Some(r) = spec.and_then(|s| s.region.clone())
            && !regions.contains(&r)
        {
            regions.insert(0, r);
        }
        out.push(EnvCost {
            name,
            monthly_usd: (total * 100.0).round() / 100.0,
            ceiling_usd: spec.and_then(|s| s.monthly_ceiling),
            regions,
            unknown_total: saturated,
            resources: lines,
            unpriced,
            stacks,
        });
    }
    out.sort_by(|a, b| promotion_rank(&a.name).cmp(&promotion_rank(&b.name)));
    out
}

/// A count or quantity for a message: absurd values (a capped `count = 1e300`) are never
/// printed digit by digit.
fn big(n: f64) -> String {
    if n.is_finite() && n.abs() < 1e12 {
        format!("{n}")
    } else if n.is_finite() {
        "more than a trillion".to_string()
    } else {
        "not a finite number".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_tiers_and_money() {
        assert_eq!(sql_shape("db-custom-2-7680"), Some((2.0, 7.5)));
        assert_eq!(sql_shape("db-n1-standard-4"), Some((4.0, 15.0)));
        assert_eq!(sql_shape("db-f1-micro"), None);
        assert_eq!(fmt_usd(1234.5), "$1,234.50");
        assert_eq!(fmt_usd(73.0), "$73.00");
        assert_eq!(fmt_usd(-12.5), "-$12.50");
    }

    #[test]
    fn promotion_order() {
        let mut v = vec!["qa", "(no environment)", "prod", "dev", "perf", "staging"];
        v.sort_by(|a, b| promotion_rank(a).cmp(&promotion_rank(b)));
        assert_eq!(
            v,
            ["dev", "staging", "prod", "perf", "qa", "(no environment)"]
        );
    }

    #[test]
    fn engines_and_caps() {
        assert_eq!(rds_engine(None, false), Ok("postgres"));
        assert_eq!(rds_engine(None, true), Ok("aurora"));
        assert!(rds_engine(Some(&Tv::unknown()), false).is_err());
        assert!(at_cap("module.x[999].aws_instance.a"));
        assert!(!at_cap("aws_instance.a[99]"));
    }
}
