//! Price tables (`rules/prices/*.toml`, embedded) with user overrides from `octolint.toml`.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

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
    #[serde(default)]
    monthly: bool,
    items: Vec<(String, f64, f64, f64)>,
}

#[derive(Debug, Clone)]
pub struct Price {
    /// USD per unit-month (730 hours).
    pub monthly: f64,
    pub vcpu: f64,
    pub memory_gb: f64,
    pub source: String,
    pub as_of: String,
}

#[derive(Debug, Clone, Default)]
pub struct PriceTable {
    map: HashMap<(String, String, String), Price>,
    spot: HashMap<String, f64>,
    /// (provider, region, as_of) of each embedded table.
    pub tables: Vec<(String, String, String)>,
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
                for (sku, price, vcpu, mem) in g.items {
                    let monthly = if g.monthly {
                        price
                    } else {
                        price * HOURS_PER_MONTH
                    };
                    t.map.insert(
                        (raw.provider.clone(), g.kind.clone(), sku),
                        Price {
                            monthly,
                            vcpu,
                            memory_gb: mem,
                            source: g.source.clone(),
                            as_of: raw.as_of.clone(),
                        },
                    );
                }
            }
            t.tables.push((raw.provider, raw.region, raw.as_of));
        }
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
            t.map.insert(
                (o.provider.clone(), o.kind.clone(), o.sku.clone()),
                Price {
                    monthly,
                    vcpu: o.vcpu,
                    memory_gb: o.memory_gb,
                    source: "octolint.toml".into(),
                    as_of: "configured".into(),
                },
            );
        }
        t
    }

    pub fn get(&self, provider: &str, kind: &str, sku: &str) -> Option<&Price> {
        self.map
            .get(&(provider.to_string(), kind.to_string(), sku.to_string()))
    }

    pub fn spot_factor(&self, provider: &str) -> f64 {
        self.spot.get(provider).copied().unwrap_or(1.0)
    }
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

    #[test]
    fn tables_load_and_price() {
        let t = PriceTable::embedded().expect("valid tables");
        let p = t.get("gcp", "machine", "e2-standard-2").expect("sku");
        assert!((p.monthly - 48.91).abs() < 0.01, "{}", p.monthly);
        assert_eq!((p.vcpu, p.memory_gb), (2.0, 8.0));
        assert!(t.get("aws", "rds", "db.t3.micro").is_some());
        assert!(
            t.get("linode", "machine", "g6-standard-2")
                .is_some_and(|p| p.monthly == 24.0)
        );
        assert_eq!(t.tables.len(), 4);
    }
}
