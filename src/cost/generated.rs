//! The generated price tables (`rules/prices/generated/*.tsv`, written by
//! `scripts/gen-prices.py` from list-price facts): AWS EC2 and Azure VM prices per region,
//! GCP family rates and machine types. Embedded as text and parsed lazily, once per process,
//! the first time a price of that provider is looked up.

use std::collections::HashMap;
use std::sync::OnceLock;

const AWS_EC2: &str = include_str!("../../rules/prices/generated/aws-ec2.tsv");
const AZURE_VM: &str = include_str!("../../rules/prices/generated/azure-vm.tsv");
const GCP_RATES: &str = include_str!("../../rules/prices/generated/gcp-rates.tsv");
const GCP_TYPES: &str = include_str!("../../rules/prices/generated/gcp-machine-types.tsv");

/// `# source:` and `# as_of:` lines of a generated table.
#[derive(Debug, Default)]
pub struct Meta {
    pub sources: Vec<String>,
    pub as_of: String,
}

/// Splits a table into its metadata and its header + data lines.
fn split(text: &str) -> (Meta, impl Iterator<Item = &str>) {
    let mut meta = Meta::default();
    for line in text.lines().take_while(|l| l.starts_with('#')) {
        if let Some(s) = line.strip_prefix("# source: ") {
            meta.sources.push(s.to_string());
        } else if let Some(d) = line.strip_prefix("# as_of: ") {
            meta.as_of = d.to_string();
        }
    }
    (meta, text.lines().filter(|l| !l.starts_with('#')))
}

/// Header facts of the generated tables without parsing their rows: (provider label,
/// regions, as_of).
pub fn summaries() -> Vec<(String, String, String)> {
    let regions = |text: &str| -> Vec<String> {
        text.lines()
            .find(|l| !l.starts_with('#'))
            .map(|h| h.split('\t').skip(1).map(str::to_string).collect())
            .unwrap_or_default()
    };
    let aws = regions(AWS_EC2);
    let azure = regions(AZURE_VM);
    vec![
        ("aws EC2".into(), aws.join(", "), split(AWS_EC2).0.as_of),
        (
            "azure VMs".into(),
            format!("{} regions", azure.len()),
            split(AZURE_VM).0.as_of,
        ),
        (
            "gcp Compute".into(),
            "us-central1".into(),
            split(GCP_RATES).0.as_of,
        ),
    ]
}

/// Names × regions, USD per hour. Rows are indexed by name and their cells parsed only when
/// looked up (the Azure table has ~97,000 cells).
#[derive(Debug, Default)]
pub struct Wide {
    pub meta: Meta,
    pub regions: Vec<String>,
    /// name → the row's price cells (tab-separated, one per region).
    rows: HashMap<&'static str, &'static str>,
}

impl Wide {
    fn parse(text: &'static str) -> Wide {
        let (meta, mut lines) = split(text);
        let regions: Vec<String> = lines
            .next()
            .map(|h| h.split('\t').skip(1).map(str::to_string).collect())
            .unwrap_or_default();
        let rows = lines.filter_map(|l| l.split_once('\t')).collect();
        Wide {
            meta,
            regions,
            rows,
        }
    }

    /// The hourly price of `name` in `region`.
    pub fn hourly(&self, name: &str, region: &str) -> Option<f64> {
        let i = self.regions.iter().position(|r| r == region)?;
        self.rows.get(name)?.split('\t').nth(i)?.parse().ok()
    }

    pub fn has_region(&self, region: &str) -> bool {
        self.regions.iter().any(|r| r == region)
    }
}

pub fn aws_ec2() -> &'static Wide {
    static T: OnceLock<Wide> = OnceLock::new();
    T.get_or_init(|| Wide::parse(AWS_EC2))
}

pub fn azure_vm() -> &'static Wide {
    static T: OnceLock<Wide> = OnceLock::new();
    T.get_or_init(|| Wide::parse(AZURE_VM))
}

/// GCP (us-central1): per-family vCPU and GB rates and the fixed machine-type prices.
#[derive(Debug, Default)]
pub struct Gcp {
    pub meta: Meta,
    /// (table `predefined`|`custom`, family, kind `ondemand`|`preemptible`) → (vCPU, GB) per hour.
    rates: HashMap<(String, String, String), (f64, f64)>,
    /// machine type → (on-demand, preemptible) per hour.
    types: HashMap<String, (f64, Option<f64>)>,
}

impl Gcp {
    fn parse(rates: &str, types: &str) -> Gcp {
        let (meta, lines) = split(rates);
        let rates = lines
            .skip(1)
            .filter_map(|l| {
                let c: Vec<&str> = l.split('\t').collect();
                let [table, family, kind, cpu, gb] = c.as_slice() else {
                    return None;
                };
                Some((
                    (table.to_string(), family.to_string(), kind.to_string()),
                    (cpu.parse().ok()?, gb.parse().ok()?),
                ))
            })
            .collect();
        let (_, lines) = split(types);
        let types = lines
            .skip(1)
            .filter_map(|l| {
                let c: Vec<&str> = l.split('\t').collect();
                let [name, usd, pre] = c.as_slice() else {
                    return None;
                };
                Some((name.to_string(), (usd.parse().ok()?, pre.parse().ok())))
            })
            .collect();
        Gcp { meta, rates, types }
    }

    /// Per-vCPU and per-GB hourly rates of a family (`custom`: the custom-type rates), falling
    /// back to the `_default` rates the data gives for families without their own.
    pub fn rates(&self, custom: bool, family: &str, preemptible: bool) -> Option<(f64, f64, bool)> {
        let table = if custom { "custom" } else { "predefined" };
        let kind = if preemptible {
            "preemptible"
        } else {
            "ondemand"
        };
        let key = |f: &str| (table.to_string(), f.to_string(), kind.to_string());
        if let Some(r) = self.rates.get(&key(family)) {
            return Some((r.0, r.1, false));
        }
        self.rates.get(&key("_default")).map(|r| (r.0, r.1, true))
    }

    /// The listed hourly price of a machine type (on-demand, preemptible).
    pub fn machine_type(&self, name: &str) -> Option<(f64, Option<f64>)> {
        self.types.get(name).copied()
    }
}

pub fn gcp() -> &'static Gcp {
    static T: OnceLock<Gcp> = OnceLock::new();
    T.get_or_init(|| Gcp::parse(GCP_RATES, GCP_TYPES))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_parse_with_their_sources() {
        let a = aws_ec2();
        assert_eq!(a.regions, ["us-east-1", "us-gov-east-1", "us-gov-west-1"]);
        assert_eq!(a.hourly("r5.2xlarge", "us-east-1"), Some(0.504));
        assert_eq!(a.meta.as_of, "2026-07-20");
        assert_eq!(a.meta.sources.len(), 2);
        let z = azure_vm();
        assert_eq!(z.regions.len(), 57);
        assert_eq!(z.hourly("Standard_D4s_v5", "eastus"), Some(0.192));
        assert_eq!(z.hourly("Standard_D4s_v5", "westeurope"), Some(0.23));
        assert_eq!(z.hourly("Standard_D4s_v5", "atlantis"), None);
        let g = gcp();
        assert_eq!(g.machine_type("n2-highcpu-4"), Some((0.1434, Some(0.0347))));
        assert_eq!(
            g.rates(false, "n2", false),
            Some((0.031611, 0.004237, false))
        );
        assert_eq!(
            g.rates(true, "n2", false),
            Some((0.033174, 0.004446, false))
        );
        assert_eq!(
            g.rates(false, "zz9", false),
            Some((0.033174, 0.004446, true))
        );
    }
}
