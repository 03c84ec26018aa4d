//! Price lookups: the generated tables (AWS EC2 and Azure VMs per region, GCP family rates
//! and machine types), the hand-kept tables (`rules/prices/*.toml`: RDS and ElastiCache list
//! prices, flat fees, disks, Linode plans; each group with its `source` and `as_of`) and the
//! user's `[[prices]]` from `octolint.toml`, which win over both.
//!
//! Derived prices are marked `estimated`: RDS/ElastiCache sizes from their family's unit rate
//! (nano 0.25 … N·xlarge 8N units), GCP types from vCPU × rate + GB × rate. A price from
//! another region than the one asked for says so in `note`.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

use super::generated;
use super::shapes;
use crate::config::PriceOverride;

pub const HOURS_PER_MONTH: f64 = 730.0;

const TABLES: &[(&str, &str)] = &[
    (
        "rules/prices/gcp.toml",
        include_str!("../../rules/prices/gcp.toml"),
    ),
    (
        "rules/prices/aws.toml",
        include_str!("../../rules/prices/aws.toml"),
    ),
    (
        "rules/prices/azure.toml",
        include_str!("../../rules/prices/azure.toml"),
    ),
    (
        "rules/prices/linode.toml",
        include_str!("../../rules/prices/linode.toml"),
    ),
];

/// Region each provider's prices default to (the one its data has, or the cheapest common one).
pub fn default_region(provider: &str) -> &'static str {
    match provider {
        "aws" => "us-east-1",
        "azure" => "eastus",
        "gcp" => "us-central1",
        "linode" => "us-east",
        _ => "",
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    provider: String,
    region: String,
    as_of: String,
    spot_factor: Option<f64>,
    price: Vec<RawGroup>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    kind: String,
    source: String,
    /// The group's own date, when it differs from the table's.
    as_of: Option<String>,
    #[serde(default)]
    monthly: bool,
    items: Vec<(String, f64, f64, f64)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Price {
    /// USD per unit-month (730 hours).
    pub monthly: f64,
    pub vcpu: f64,
    pub memory_gb: f64,
    pub source: String,
    pub as_of: String,
    /// Derived from a unit or family rate rather than listed.
    pub estimated: bool,
    /// The region whose price this is.
    pub region: String,
    /// Why the region differs from the one asked for, or how the price was derived.
    pub note: Option<String>,
}

type Key = (String, String, String);

#[derive(Debug, Clone, Default)]
pub struct PriceTable {
    /// Hand-kept entries.
    map: HashMap<Key, Price>,
    /// `[[prices]]` from the configuration.
    user: HashMap<Key, Price>,
    /// (provider, kind, family) → (USD per unit-hour, source, as_of, region) for RDS and
    /// ElastiCache, from the family's listed sizes.
    units: HashMap<Key, (f64, String, String, String)>,
    spot: HashMap<String, f64>,
    /// (provider, region, as_of) of each price source, for the report's footer.
    pub tables: Vec<(String, String, String)>,
}

fn key(p: &str, k: &str, s: &str) -> Key {
    (p.to_string(), k.to_string(), s.to_string())
}

/// An Azure location as the price data names it (`West Europe` → `westeurope`).
pub fn azure_region(r: &str) -> String {
    r.chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase()
}

/// A GCP region from a region or zone (`europe-west1-b` → `europe-west1`).
pub fn gcp_region(r: &str) -> String {
    let parts: Vec<&str> = r.split('-').collect();
    if parts.len() >= 3 && parts[2].len() == 1 {
        parts[..2].join("-")
    } else {
        r.to_string()
    }
}

fn elsewhere(asked: Option<&str>, priced: &str) -> Option<String> {
    match asked {
        Some(a) if a != priced => Some(format!("no {a} prices: priced in {priced}")),
        _ => None,
    }
}

impl PriceTable {
    fn embedded() -> Result<PriceTable, String> {
        let mut t = PriceTable::default();
        for (file, text) in TABLES {
            let raw: RawTable = toml::from_str(text).map_err(|e| format!("{file}: {e}"))?;
            if let Some(f) = raw.spot_factor {
                t.spot.insert(raw.provider.clone(), f);
            }
            for g in raw.price {
                let as_of = g.as_of.clone().unwrap_or_else(|| raw.as_of.clone());
                let mut fam: HashMap<String, (f64, f64)> = HashMap::new();
                for (sku, price, vcpu, mem) in g.items {
                    let (hourly, monthly) = if g.monthly {
                        (price / HOURS_PER_MONTH, price)
                    } else {
                        (price, price * HOURS_PER_MONTH)
                    };
                    let unit_kind =
                        g.kind.starts_with("rds:") || g.kind.starts_with("elasticache:");
                    if unit_kind
                        && let Some((f, size)) = shapes::aws_parts(&sku)
                        && let Some(u) = shapes::aws_units(size)
                    {
                        let e = fam.entry(f.to_string()).or_default();
                        e.0 += hourly;
                        e.1 += u;
                    }
                    t.map.insert(
                        key(&raw.provider, &g.kind, &sku),
                        Price {
                            monthly,
                            vcpu,
                            memory_gb: mem,
                            source: g.source.clone(),
                            as_of: as_of.clone(),
                            estimated: false,
                            region: raw.region.clone(),
                            note: None,
                        },
                    );
                }
                for (f, (sum, units)) in fam {
                    t.units.insert(
                        key(&raw.provider, &g.kind, &f),
                        (
                            sum / units,
                            g.source.clone(),
                            as_of.clone(),
                            raw.region.clone(),
                        ),
                    );
                }
            }
            t.tables.push((raw.provider, raw.region, raw.as_of));
        }
        t.tables.extend(generated::summaries());
        Ok(t)
    }

    /// The embedded tables with `overrides` on top.
    pub fn with_overrides(overrides: &[PriceOverride]) -> PriceTable {
        let mut t = embedded().clone();
        for o in overrides {
            let monthly = o
                .monthly
                .or(o.hourly.map(|h| h * HOURS_PER_MONTH))
                .unwrap_or(0.0);
            t.user.insert(
                key(&o.provider, &o.kind, &o.sku),
                Price {
                    monthly,
                    vcpu: o.vcpu,
                    memory_gb: o.memory_gb,
                    source: "octolint.toml".into(),
                    as_of: "configured".into(),
                    estimated: false,
                    region: "configured".into(),
                    note: None,
                },
            );
        }
        t
    }

    /// The price of `sku` in the provider's default region (`rds`: PostgreSQL,
    /// `elasticache`: Redis).
    pub fn get(&self, provider: &str, kind: &str, sku: &str) -> Option<Price> {
        self.quote(provider, kind, sku, None).ok()
    }

    /// The price of `sku` in `region` (or the nearest the data has, with a note), or why
    /// there is none.
    pub fn quote(
        &self,
        provider: &str,
        kind: &str,
        sku: &str,
        region: Option<&str>,
    ) -> Result<Price, String> {
        if let Some(p) = self.user.get(&key(provider, kind, sku)) {
            return Ok(p.clone());
        }
        let kind = match kind {
            "rds" => "rds:postgres",
            "elasticache" => "elasticache:redis",
            k => k,
        };
        match (provider, kind) {
            ("aws", "machine") => return self.aws_machine(sku, region),
            ("azure", "machine") => return azure_machine(sku, region),
            ("gcp", "machine") => return self.gcp_machine(sku, region, false),
            ("gcp", "machine-spot") => return self.gcp_machine(sku, region, true),
            _ => {}
        }
        if let Some(p) = self.map.get(&key(provider, kind, sku)) {
            let mut p = p.clone();
            if kind.starts_with("rds:") || kind.starts_with("elasticache:") {
                p.note = elsewhere(region, &p.region);
                if let Some((v, m)) = shapes::aws_shape(sku).filter(|_| p.vcpu == 0.0) {
                    (p.vcpu, p.memory_gb) = (v, m);
                }
            }
            return Ok(p);
        }
        if kind.starts_with("rds:") || kind.starts_with("elasticache:") {
            return self.by_units(provider, kind, sku, region);
        }
        Err(format!("no price for {kind} `{sku}`"))
    }

    /// An RDS or ElastiCache size from its family's unit rate.
    fn by_units(
        &self,
        provider: &str,
        kind: &str,
        sku: &str,
        region: Option<&str>,
    ) -> Result<Price, String> {
        let what = if kind.starts_with("rds:") {
            "RDS class"
        } else {
            "ElastiCache node type"
        };
        let Some((family, size)) = shapes::aws_parts(sku) else {
            return Err(format!("unknown {what} `{sku}`"));
        };
        if let Some(why) = shapes::aws_unpriceable(family, size) {
            return Err(format!(
                "{what} `{sku}`: {why} are not priced from unit rates"
            ));
        }
        let Some(units) = shapes::aws_units(size) else {
            return Err(format!("unknown {what} size `{sku}`"));
        };
        let Some((rate, source, as_of, r)) = self.units.get(&key(provider, kind, family)) else {
            let engine = kind.split_once(':').map_or("", |(_, e)| e);
            return Err(format!(
                "no {engine} list price for the `{family}` family (add `{sku}` under [[prices]] in octolint.toml)"
            ));
        };
        let (vcpu, mem) = shapes::aws_shape(sku).unwrap_or((0.0, 0.0));
        let derived = format!("{units} units × ${rate:.5}/h, the {family} family's unit rate");
        Ok(Price {
            monthly: rate * units * HOURS_PER_MONTH,
            vcpu,
            memory_gb: mem,
            source: source.clone(),
            as_of: as_of.clone(),
            estimated: true,
            region: r.clone(),
            note: Some(match elsewhere(region, r) {
                Some(n) => format!("{derived}; {n}"),
                None => derived,
            }),
        })
    }

    fn aws_machine(&self, sku: &str, region: Option<&str>) -> Result<Price, String> {
        let t = generated::aws_ec2();
        let asked = region.filter(|r| t.has_region(r));
        let priced = asked.unwrap_or(default_region("aws"));
        let hourly = t.hourly(sku, priced).ok_or_else(|| {
            format!("unknown SKU `{sku}` (add it under [[prices]] in octolint.toml)")
        })?;
        let (vcpu, mem) = shapes::aws_shape(sku).unwrap_or((0.0, 0.0));
        Ok(Price {
            monthly: hourly * HOURS_PER_MONTH,
            vcpu,
            memory_gb: mem,
            source: t.meta.sources.first().cloned().unwrap_or_default(),
            as_of: t.meta.as_of.clone(),
            estimated: false,
            region: priced.to_string(),
            note: elsewhere(region, priced),
        })
    }

    fn gcp_machine(&self, sku: &str, region: Option<&str>, spot: bool) -> Result<Price, String> {
        let g = generated::gcp();
        let priced = default_region("gcp");
        let note = elsewhere(region.map(gcp_region).as_deref(), priced);
        let source = g.meta.sources.first().cloned().unwrap_or_default();
        let shape = shapes::gcp_shape(sku);
        let (vcpu, mem) = shape.as_ref().map_or((0.0, 0.0), |s| (s.vcpu, s.memory_gb));
        let shared = match sku {
            "e2-micro" => Some((0.25, 1.0)),
            "e2-small" => Some((0.5, 2.0)),
            "e2-medium" => Some((1.0, 4.0)),
            "f1-micro" => Some((0.2, 0.6)),
            "g1-small" => Some((0.5, 1.7)),
            _ => None,
        };
        let (vcpu, mem) = shared.unwrap_or((vcpu, mem));
        if let Some((od, pre)) = g.machine_type(sku) {
            let listed = if spot { pre } else { Some(od) };
            if let Some(h) = listed {
                return Ok(Price {
                    monthly: h * HOURS_PER_MONTH,
                    vcpu,
                    memory_gb: mem,
                    source,
                    as_of: g.meta.as_of.clone(),
                    estimated: false,
                    region: priced.into(),
                    note,
                });
            }
        }
        let Some(s) = shape else {
            return Err(format!(
                "unknown SKU `{sku}` (add it under [[prices]] in octolint.toml)"
            ));
        };
        if shapes::gcp_accelerator(&s.family) {
            return Err(format!(
                "`{sku}`: GPU machine types are not priced from family rates"
            ));
        }
        let Some((pc, pg, fallback)) = g.rates(s.custom, &s.family, spot) else {
            return Err(format!("no rates for the `{}` family", s.family));
        };
        let mut how = format!(
            "{} vCPU × ${pc}/h + {} GB × ${pg}/h{}",
            s.vcpu,
            s.memory_gb,
            if fallback {
                " (default rates: the data has none for this family)"
            } else {
                ""
            }
        );
        if let Some(n) = note {
            how = format!("{how}; {n}");
        }
        Ok(Price {
            monthly: (s.vcpu * pc + s.memory_gb * pg) * HOURS_PER_MONTH,
            vcpu: s.vcpu,
            memory_gb: s.memory_gb,
            source,
            as_of: g.meta.as_of.clone(),
            estimated: true,
            region: priced.into(),
            note: Some(how),
        })
    }

    pub fn spot_factor(&self, provider: &str) -> f64 {
        self.spot.get(provider).copied().unwrap_or(1.0)
    }
}

fn azure_machine(sku: &str, region: Option<&str>) -> Result<Price, String> {
    let t = generated::azure_vm();
    let asked = region.map(azure_region);
    let priced = asked
        .as_deref()
        .filter(|r| t.has_region(r))
        .unwrap_or(default_region("azure"))
        .to_string();
    let hourly = match t.hourly(sku, &priced) {
        Some(h) => h,
        None if t.hourly(sku, default_region("azure")).is_some() => {
            return Err(format!("`{sku}` has no price in {priced}"));
        }
        None => {
            return Err(format!(
                "unknown SKU `{sku}` (add it under [[prices]] in octolint.toml)"
            ));
        }
    };
    let (vcpu, mem) = shapes::azure_shape(sku).unwrap_or((0.0, 0.0));
    Ok(Price {
        monthly: hourly * HOURS_PER_MONTH,
        vcpu,
        memory_gb: mem,
        source: t.meta.sources.first().cloned().unwrap_or_default(),
        as_of: t.meta.as_of.clone(),
        estimated: false,
        note: elsewhere(asked.as_deref(), &priced),
        region: priced,
    })
}

/// The embedded tables (checked by the test suite).
/// The price table a configuration asks for: the embedded tables, with its `[[prices]]`
/// overrides on top when it has any.
pub fn table_for(overrides: &[PriceOverride]) -> std::borrow::Cow<'static, PriceTable> {
    if overrides.is_empty() {
        std::borrow::Cow::Borrowed(embedded())
    } else {
        std::borrow::Cow::Owned(PriceTable::with_overrides(overrides))
    }
}

pub fn embedded() -> &'static PriceTable {
    static T: OnceLock<PriceTable> = OnceLock::new();
    T.get_or_init(|| PriceTable::embedded().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t() -> PriceTable {
        PriceTable::embedded().expect("valid tables")
    }

    #[test]
    fn tables_load_and_price() {
        let t = t();
        let p = t.get("gcp", "machine", "e2-standard-2").expect("sku");
        assert!((p.monthly - 0.067006 * 730.0).abs() < 0.01, "{}", p.monthly);
        assert_eq!((p.vcpu, p.memory_gb), (2.0, 8.0));
        assert!(t.get("aws", "rds", "db.t3.micro").is_some());
        assert!(
            t.get("linode", "machine", "g6-standard-2")
                .is_some_and(|p| p.monthly == 24.0)
        );
    }

    /// The hand calculations in docs/cost.md.
    #[test]
    fn documented_hand_calculations() {
        let t = t();
        let h = HOURS_PER_MONTH;
        // RDS PostgreSQL db.r5.2xlarge: the r5 unit rate (db.r5.large $0.25 / 4 units) × 16.
        let p = t
            .quote("aws", "rds:postgres", "db.r5.2xlarge", None)
            .expect("r5");
        assert!(p.estimated);
        assert!(
            (p.monthly - 0.25 / 4.0 * 16.0 * h).abs() < 1e-9,
            "{}",
            p.monthly
        );
        assert_eq!(p.monthly, 730.0);
        // GCP n2-highcpu-4: listed $0.1434/h; the family rates give 4 × 0.031611 + 4 × 0.004237.
        let p = t.get("gcp", "machine", "n2-highcpu-4").expect("n2");
        assert!(!p.estimated);
        assert!((p.monthly - 0.1434 * h).abs() < 1e-9);
        let derived = 4.0 * 0.031611 + 4.0 * 0.004237;
        assert!((derived - 0.1434f64).abs() / 0.1434 < 0.0004);
        // An unlisted n2 size is derived from the same rates.
        let p = t.get("gcp", "machine", "n2-highcpu-12").expect("derived");
        assert!(p.estimated);
        assert!((p.monthly - (12.0 * 0.031611 + 12.0 * 0.004237) * h).abs() < 1e-9);
        // Custom types use the custom rates.
        let p = t
            .get("gcp", "machine", "n2-custom-4-16384")
            .expect("custom");
        assert!(p.estimated);
        assert!((p.monthly - (4.0 * 0.033174 + 16.0 * 0.004446) * h).abs() < 1e-9);
        // Spot: the listed preemptible price.
        let p = t
            .quote("gcp", "machine-spot", "n2-highcpu-4", None)
            .expect("spot");
        assert!((p.monthly - 0.0347 * h).abs() < 1e-9);
        // Azure Standard_D4s_v5: $0.192/h in eastus, $0.23/h in westeurope.
        let p = t.get("azure", "machine", "Standard_D4s_v5").expect("d4s");
        assert!((p.monthly - 0.192 * h).abs() < 1e-9);
        let p = t
            .quote("azure", "machine", "Standard_D4s_v5", Some("West Europe"))
            .expect("weu");
        assert_eq!(p.region, "westeurope");
        assert!((p.monthly - 0.23 * h).abs() < 1e-9);
        // AWS in a region the data lacks: us-east-1, said so.
        let p = t
            .quote("aws", "machine", "m5.large", Some("eu-west-1"))
            .expect("m5");
        assert_eq!(p.region, "us-east-1");
        assert_eq!(
            p.note.as_deref(),
            Some("no eu-west-1 prices: priced in us-east-1")
        );
    }

    /// Every hand-kept group names its source page and date.
    #[test]
    fn hand_kept_entries_have_source_and_date() {
        let t = t();
        assert!(t.map.len() > 100, "{}", t.map.len());
        for ((p, k, s), price) in &t.map {
            assert!(
                price.source.starts_with("https://"),
                "{p} {k} {s}: {}",
                price.source
            );
            assert!(price.as_of.len() >= 7, "{p} {k} {s}: {}", price.as_of);
        }
        // The unit rates: ElastiCache r6g from cache.r6g.large $0.206 / 4 units.
        let p = t
            .quote("aws", "elasticache:redis", "cache.r6g.xlarge", None)
            .expect("r6g");
        assert!(p.estimated);
        assert!((p.monthly - 0.206 / 4.0 * 8.0 * HOURS_PER_MONTH).abs() < 1e-9);
        // A listed size is not estimated.
        let p = t
            .quote("aws", "rds:mysql", "db.t3.micro", Some("eu-west-1"))
            .expect("t3");
        assert!(!p.estimated);
        assert_eq!(
            p.note.as_deref(),
            Some("no eu-west-1 prices: priced in us-east-1")
        );
    }

    #[test]
    fn unpriceable_sizes_stay_unpriced() {
        let t = t();
        for sku in [
            "db.r5.metal",
            "db.p4d.24xlarge",
            "db.hpc6a.48xlarge",
            "db.x9.large",
        ] {
            assert!(t.quote("aws", "rds:postgres", sku, None).is_err(), "{sku}");
        }
        assert!(t.get("gcp", "machine", "a2-custom-4-16384").is_none());
        assert!(t.get("azure", "machine", "Standard_Nope9").is_none());
    }
}
