//! Offline monthly cost estimates per environment from the Terraform model and the price
//! tables: node pools × nodes × zones, managed control planes, databases by tier with HA and
//! storage, caches by size, NAT gateways, load balancers and disks. 730 hours a month.
//! Anything whose size or SKU is unknown is listed as unpriced with the reason — never counted
//! as zero. Depends on `terraform` and `model::environments`.

pub mod prices;

use std::collections::BTreeMap;

use crate::config::environments::Environments;
use crate::terraform::value::{Loc, Tv};
use crate::terraform::{Resource, TfModel};
use prices::PriceTable;

/// One priced resource.
#[derive(Debug, Clone)]
pub struct Line {
    pub address: String,
    pub sku: String,
    pub quantity: f64,
    pub monthly_usd: f64,
    /// Where the SKU or size is set (tfvars line, module argument or the resource).
    pub at: Loc,
    /// The resource block.
    pub resource: Loc,
}

#[derive(Debug, Clone)]
pub struct Unpriced {
    pub address: String,
    pub reason: String,
    pub at: Loc,
}

#[derive(Debug, Clone)]
pub struct EnvCost {
    pub name: String,
    pub monthly_usd: f64,
    pub ceiling_usd: Option<f64>,
    /// Sorted by cost, highest first.
    pub resources: Vec<Line>,
    pub unpriced: Vec<Unpriced>,
    /// The root stacks of the environment (their `terraform` block or first file).
    pub stacks: Vec<Loc>,
}

/// Resource types that cost money by size; others are ignored (free or usage-based ones are
/// listed as unpriced so nothing disappears silently).
const USAGE_BASED: &[&str] = &[
    "google_storage_bucket",
    "aws_s3_bucket",
    "google_bigquery_dataset",
    "aws_cloudwatch_log_group",
    "google_pubsub_topic",
];

fn at_of(r: &Resource, v: Option<&Tv>) -> Loc {
    v.and_then(|v| v.origin.first().cloned())
        .unwrap_or_else(|| r.at.clone())
}

struct Pricer<'a> {
    t: &'a PriceTable,
    lines: Vec<Line>,
    unpriced: Vec<Unpriced>,
}

impl Pricer<'_> {
    fn line(&mut self, r: &Resource, sku: &str, qty: f64, unit: f64, at: Loc) {
        self.lines.push(Line {
            address: r.address.clone(),
            sku: sku.to_string(),
            quantity: qty,
            monthly_usd: qty * unit,
            at,
            resource: r.at.clone(),
        });
    }

    fn unpriced(&mut self, r: &Resource, reason: String, at: Option<Loc>) {
        self.unpriced.push(Unpriced {
            address: r.address.clone(),
            reason,
            at: at.unwrap_or_else(|| r.at.clone()),
        });
    }

    /// A machine SKU × count (spot when asked).
    #[allow(clippy::too_many_arguments)]
    fn machine(
        &mut self,
        r: &Resource,
        provider: &str,
        kind: &str,
        sku: Option<&Tv>,
        default: Option<&str>,
        count: Option<f64>,
        count_at: Loc,
        spot: bool,
    ) {
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
        let Some(p) = self.t.get(provider, kind, &name) else {
            return self.unpriced(
                r,
                format!("unknown SKU `{name}` (add it under [[prices]] in octolint.toml)"),
                Some(at_of(r, sku)),
            );
        };
        let unit = if spot {
            p.monthly * self.t.spot_factor(provider)
        } else {
            p.monthly
        };
        let label = if spot { format!("{name} (spot)") } else { name };
        // The count is what usually drives the cost when it was set explicitly.
        let at = if count_at != r.at && count > 1.0 {
            count_at
        } else if sku.is_some() {
            at_of(r, sku)
        } else {
            count_at
        };
        self.line(r, &label, count, unit, at);
    }

    fn fixed(&mut self, r: &Resource, provider: &str, kind: &str, sku: &str, qty: f64) {
        match self.t.get(provider, kind, sku) {
            Some(p) => {
                let unit = p.monthly;
                self.line(r, sku, qty, unit, r.at.clone());
            }
            None => self.unpriced(r, format!("no price for {kind} `{sku}`"), None),
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
        match self.t.get(provider, kind, dtype) {
            Some(p) => {
                let unit = p.monthly;
                let at = at_of(r, gb);
                self.line(r, &format!("{dtype} GB"), size * mult, unit, at);
            }
            None => self.unpriced(r, format!("no price for disk type `{dtype}`"), None),
        }
    }

    fn price(&mut self, r: &Resource) {
        let a = |k: &[&str]| r.attr(k);
        let num = |k: &[&str]| r.attr(k).and_then(Tv::as_num);
        match r.rtype.as_str() {
            "google_container_cluster" => {
                self.fixed(r, "gcp", "gke-cluster", "cluster-management-fee", 1.0);
                let removed = a(&["remove_default_node_pool"]).and_then(Tv::as_bool) == Some(true);
                let autopilot = a(&["enable_autopilot"]).and_then(Tv::as_bool) == Some(true);
                if autopilot {
                    self.unpriced(
                        r,
                        "Autopilot pods are billed by their requests (not estimated)".into(),
                        None,
                    );
                } else if !removed {
                    let zones = zones(r);
                    let per_zone = num(&["initial_node_count"]).or(Some(1.0));
                    let count = zones.and_then(|z| per_zone.map(|n| n * z));
                    let spot = gke_spot(r);
                    self.machine(
                        r,
                        "gcp",
                        "machine",
                        a(&["node_config", "machine_type"]),
                        Some("e2-medium"),
                        count,
                        r.at.clone(),
                        spot,
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
                let spot = gke_spot(r);
                self.machine(
                    r,
                    "gcp",
                    "machine",
                    a(&["node_config", "machine_type"]),
                    Some("e2-medium"),
                    count,
                    count_at,
                    spot,
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
                    "gcp",
                    "machine",
                    a(&["machine_type"]),
                    None,
                    Some(1.0),
                    r.at.clone(),
                    spot,
                );
            }
            "google_compute_disk" => {
                let dtype = a(&["type"])
                    .and_then(Tv::as_str)
                    .unwrap_or("pd-standard")
                    .to_string();
                self.disk(r, "gcp", "disk", &dtype, a(&["size"]), 10.0, 1.0);
            }
            "google_sql_database_instance" => {
                let tier = a(&["settings", "tier"]);
                let ha =
                    a(&["settings", "availability_type"]).and_then(Tv::as_str) == Some("REGIONAL");
                let mult = if ha { 2.0 } else { 1.0 };
                match tier.and_then(Tv::as_str) {
                    Some(t) => match sql_shape(t) {
                        Some((vcpu, mem)) => {
                            let (Some(pv), Some(pm)) = (
                                self.t.get("gcp", "cloudsql-unit", "vcpu"),
                                self.t.get("gcp", "cloudsql-unit", "memory-gb"),
                            ) else {
                                return self.unpriced(r, "no Cloud SQL unit prices".into(), None);
                            };
                            let unit = (vcpu * pv.monthly + mem * pm.monthly) * mult;
                            let label = format!("{t}{}", if ha { " (HA)" } else { "" });
                            self.line(r, &label, 1.0, unit, at_of(r, tier));
                        }
                        None => match self.t.get("gcp", "cloudsql-unit", t) {
                            Some(p) => {
                                let unit = p.monthly * mult;
                                self.line(r, t, 1.0, unit, at_of(r, tier));
                            }
                            None => self.unpriced(
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
            "google_redis_instance" => {
                let tier = a(&["tier"])
                    .and_then(Tv::as_str)
                    .unwrap_or("BASIC")
                    .to_string();
                let size = a(&["memory_size_gb"]);
                match size.and_then(Tv::as_num) {
                    Some(gb) => {
                        let band = match gb {
                            g if g <= 4.0 => "M1",
                            g if g <= 10.0 => "M2",
                            g if g <= 35.0 => "M3",
                            g if g <= 100.0 => "M4",
                            _ => "M5",
                        };
                        match self.t.get("gcp", "memorystore", &format!("{tier}-{band}")) {
                            Some(p) => {
                                let unit = p.monthly;
                                self.line(
                                    r,
                                    &format!("{tier} {band} GB"),
                                    gb,
                                    unit,
                                    at_of(r, size),
                                );
                            }
                            None => {
                                self.unpriced(r, format!("unknown Memorystore tier `{tier}`"), None)
                            }
                        }
                    }
                    None => self.unpriced(r, "memory_size_gb is not known".into(), None),
                }
            }
            "aws_instance" => {
                let spot = a(&["instance_market_options", "market_type"]).and_then(Tv::as_str)
                    == Some("spot");
                self.machine(
                    r,
                    "aws",
                    "machine",
                    a(&["instance_type"]),
                    None,
                    Some(1.0),
                    r.at.clone(),
                    spot,
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
                    "aws",
                    "machine",
                    sku,
                    Some("t3.medium"),
                    count,
                    at_of(r, size),
                    spot,
                );
            }
            "aws_db_instance" | "aws_rds_cluster_instance" => {
                let class = a(&["instance_class"]);
                let multi = a(&["multi_az"]).and_then(Tv::as_bool) == Some(true);
                let mult = if multi { 2.0 } else { 1.0 };
                match class.and_then(Tv::as_str) {
                    Some(c) => match self.t.get("aws", "rds", c) {
                        Some(p) => {
                            let unit = p.monthly * mult;
                            let label = format!("{c}{}", if multi { " (Multi-AZ)" } else { "" });
                            self.line(r, &label, 1.0, unit, at_of(r, class));
                        }
                        None => self.unpriced(
                            r,
                            format!("unknown RDS class `{c}`"),
                            Some(at_of(r, class)),
                        ),
                    },
                    None => self.unpriced(r, "instance_class is not known".into(), None),
                }
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
                    .or(Some(1.0));
                self.machine(
                    r,
                    "aws",
                    "elasticache",
                    a(&["node_type"]),
                    None,
                    nodes,
                    r.at.clone(),
                    false,
                );
            }
            "aws_nat_gateway" => self.fixed(r, "aws", "network", "nat-gateway", 1.0),
            "aws_lb" | "aws_alb" => self.fixed(r, "aws", "network", "load-balancer", 1.0),
            "aws_ebs_volume" => {
                let t = a(&["type"])
                    .and_then(Tv::as_str)
                    .unwrap_or("gp2")
                    .to_string();
                self.disk(r, "aws", "disk", &t, a(&["size"]), 0.0, 1.0);
            }
            "azurerm_kubernetes_cluster" => {
                if a(&["sku_tier"]).and_then(Tv::as_str) == Some("Standard") {
                    self.fixed(r, "azure", "aks-cluster", "standard", 1.0);
                }
                let count = a(&["default_node_pool", "node_count"])
                    .or(a(&["default_node_pool", "min_count"]));
                let n = count.map_or(Some(1.0), Tv::as_num);
                self.machine(
                    r,
                    "azure",
                    "machine",
                    a(&["default_node_pool", "vm_size"]),
                    None,
                    n,
                    at_of(r, count),
                    false,
                );
            }
            "azurerm_kubernetes_cluster_node_pool" => {
                let count = a(&["node_count"]).or(a(&["min_count"]));
                let n = count.map_or(Some(1.0), Tv::as_num);
                let spot = a(&["priority"]).and_then(Tv::as_str) == Some("Spot");
                self.machine(
                    r,
                    "azure",
                    "machine",
                    a(&["vm_size"]),
                    None,
                    n,
                    at_of(r, count),
                    spot,
                );
            }
            "linode_lke_cluster" => {
                if a(&["control_plane", "high_availability"]).and_then(Tv::as_bool) == Some(true) {
                    self.fixed(r, "linode", "lke-cluster", "ha-control-plane", 1.0);
                }
                for pool in a(&["pool"]).and_then(Tv::as_list).unwrap_or(&[]) {
                    let count = pool.get("count");
                    let n = count.and_then(Tv::as_num);
                    self.machine(
                        r,
                        "linode",
                        "machine",
                        pool.get("type"),
                        None,
                        n,
                        at_of(r, count),
                        false,
                    );
                }
            }
            t if USAGE_BASED.contains(&t) => {
                self.unpriced(
                    r,
                    "usage-based (storage, requests, traffic): not estimated".into(),
                    None,
                );
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
        }
    }
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

/// vCPU and GB of a Cloud SQL tier (`db-custom-2-7680`, `db-n1-standard-4`).
pub fn sql_shape(tier: &str) -> Option<(f64, f64)> {
    if let Some(rest) = tier.strip_prefix("db-custom-") {
        let (cpu, mem) = rest.split_once('-')?;
        return Some((cpu.parse().ok()?, mem.parse::<f64>().ok()? / 1024.0));
    }
    for (prefix, gb_per_cpu) in [("db-n1-standard-", 3.75), ("db-n1-highmem-", 6.5)] {
        if let Some(n) = tier.strip_prefix(prefix) {
            let n: f64 = n.parse().ok()?;
            return Some((n, n * gb_per_cpu));
        }
    }
    None
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

/// Estimate every environment. Resources outside any environment's stack are collected
/// under `(no environment)` without a ceiling.
pub fn estimate(model: &TfModel, envs: &Environments, table: &PriceTable) -> Vec<EnvCost> {
    let mut by_env: BTreeMap<String, (Vec<Line>, Vec<Unpriced>)> = BTreeMap::new();
    for r in model.resources.iter().filter(|r| r.in_stack) {
        let mut p = Pricer {
            t: table,
            lines: Vec::new(),
            unpriced: Vec::new(),
        };
        p.price(r);
        if p.lines.is_empty() && p.unpriced.is_empty() {
            continue;
        }
        let name = r
            .env_name
            .as_deref()
            .unwrap_or("(no environment)")
            .to_string();
        let e = by_env.entry(name).or_default();
        e.0.extend(p.lines);
        e.1.extend(p.unpriced);
    }
    let mut out = Vec::new();
    for (name, (mut lines, mut unpriced)) in by_env {
        // One line per address and SKU (a module reached twice is still one resource).
        lines.sort_by(|a, b| (&a.address, &a.sku).cmp(&(&b.address, &b.sku)));
        lines.dedup_by(|a, b| a.address == b.address && a.sku == b.sku);
        lines.sort_by(|a, b| {
            b.monthly_usd
                .total_cmp(&a.monthly_usd)
                .then_with(|| a.address.cmp(&b.address))
        });
        unpriced.sort_by(|a, b| a.address.cmp(&b.address));
        unpriced.dedup_by(|a, b| a.address == b.address && a.reason == b.reason);
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
        out.push(EnvCost {
            name,
            monthly_usd: (total * 100.0).round() / 100.0,
            ceiling_usd: spec.and_then(|s| s.monthly_ceiling),
            resources: lines,
            unpriced,
            stacks,
        });
    }
    out
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
    }
}
