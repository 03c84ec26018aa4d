//! What a SKU name says about its size: AWS size units (`nano` 0.25 … `N·xlarge` 8N), vCPU
//! and memory of GCP machine types (`n2-highcpu-4`, `custom-4-16384`, Cloud SQL tiers) and
//! vCPU of Azure VM sizes. Pure functions of the name; no prices here.

/// An AWS type split into family and size: `db.r5.2xlarge` → (`r5`, `2xlarge`) with the
/// `db.`/`cache.` prefix removed.
pub fn aws_parts(name: &str) -> Option<(&str, &str)> {
    let n = name
        .strip_prefix("db.")
        .or_else(|| name.strip_prefix("cache."))
        .unwrap_or(name);
    let (family, size) = n.split_once('.')?;
    if family.is_empty() || size.is_empty() || size.contains('.') {
        return None;
    }
    Some((family, size))
}

/// Size units of an AWS size name: nano 0.25, micro 0.5, small 1, medium 2, large 4,
/// xlarge 8, N·xlarge 8N. `metal` and anything else: none.
pub fn aws_units(size: &str) -> Option<f64> {
    Some(match size {
        "nano" => 0.25,
        "micro" => 0.5,
        "small" => 1.0,
        "medium" => 2.0,
        "large" => 4.0,
        "xlarge" => 8.0,
        s => {
            let n: f64 = s.strip_suffix("xlarge")?.parse().ok()?;
            if !(1.0..=1024.0).contains(&n) {
                return None;
            }
            8.0 * n
        }
    })
}

/// Why a family is not priced by its unit rate: GPU/accelerator, HPC, high-memory `u-` and
/// bare-metal sizes are priced differently from the rest of their family.
pub fn aws_unpriceable(family: &str, size: &str) -> Option<&'static str> {
    let accel = ["p", "g", "inf", "trn", "dl", "f", "vt", "gr"];
    let head: String = family
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect();
    if size.starts_with("metal") {
        Some("bare-metal sizes")
    } else if family.starts_with("hpc") {
        Some("HPC families")
    } else if family.starts_with("u-") || family.starts_with("u7") {
        Some("high-memory `u-` families")
    } else if accel.contains(&head.as_str()) {
        Some("GPU and accelerator families")
    } else {
        None
    }
}

/// vCPU and memory (GB) of an EC2-style type, from the size and the family's memory ratio.
/// Approximate for unusual families; `None` where the name does not say.
pub fn aws_shape(name: &str) -> Option<(f64, f64)> {
    let (family, size) = aws_parts(name)?;
    let units = aws_units(size)?;
    let burstable = family.starts_with('t');
    let vcpu = if burstable {
        (units / 2.0).max(2.0)
    } else {
        (units / 2.0).max(1.0)
    };
    let mem = if burstable {
        units * 2.0
    } else {
        let ratio = match family.chars().next()? {
            'm' => 4.0,
            'c' => 2.0,
            'r' | 'z' | 'i' | 'd' => 8.0,
            'x' => 16.0,
            _ => return Some((vcpu, 0.0)),
        };
        vcpu * ratio
    };
    Some((vcpu, mem))
}

/// vCPU of an Azure VM size: the number after the series letters (`Standard_D4s_v5` → 4,
/// `Standard_E16-4ads_v5` → 16, memory of the full size), and a memory estimate by series.
pub fn azure_shape(sku: &str) -> Option<(f64, f64)> {
    let s = sku.strip_prefix("Standard_")?;
    let series: String = s.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
    let digits: String = s[series.len()..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    let vcpu: f64 = digits.parse().ok()?;
    let lower = s.to_ascii_lowercase();
    let ratio = match series.chars().next()? {
        'B' if lower.contains("ms") => 4.0,
        'B' => 2.0,
        'D' if lower.ends_with("_v2") => 3.5,
        'D' => 4.0,
        'E' => 8.0,
        'F' => 2.0,
        'L' => 8.0,
        _ => 0.0,
    };
    Some((vcpu, vcpu * ratio))
}

/// A GCP machine type parsed: family, vCPU, memory GB, custom.
#[derive(Debug, Clone, PartialEq)]
pub struct GcpShape {
    pub family: String,
    pub vcpu: f64,
    pub memory_gb: f64,
    pub custom: bool,
}

/// GB per vCPU of a predefined class (`standard`, `highmem`, `highcpu`) in a family.
fn gcp_ratio(family: &str, class: &str) -> Option<f64> {
    Some(match (family, class) {
        ("n1", "standard") => 3.75,
        ("n1", "highmem") => 6.5,
        ("n1", "highcpu") => 0.9,
        ("c4", "standard") => 3.75,
        ("c4", "highmem") => 7.75,
        ("n4" | "c2d" | "c3" | "c4" | "n4d" | "n4a" | "c4d" | "c4a", "highcpu") => 2.0,
        (_, "standard") => 4.0,
        (_, "highmem") => 8.0,
        (_, "highcpu") => 1.0,
        _ => return None,
    })
}

/// vCPU and memory of a GCP machine type: predefined `FAMILY-CLASS-N` (the GB-per-vCPU
/// ratio of its class), `custom-N-MB` (N1) and `FAMILY-custom-N-MB[-ext]`.
pub fn gcp_shape(name: &str) -> Option<GcpShape> {
    let parts: Vec<&str> = name.split('-').collect();
    let custom_at = parts.iter().position(|p| *p == "custom");
    if let Some(i) = custom_at {
        let family = if i == 0 {
            "n1".to_string()
        } else {
            parts[..i].join("-")
        };
        let vcpu: f64 = parts.get(i + 1)?.parse().ok()?;
        let mb: f64 = parts.get(i + 2)?.parse().ok()?;
        if !plausible(vcpu, mb / 1024.0) {
            return None;
        }
        match parts.get(i + 3) {
            None | Some(&"ext") if parts.len() <= i + 4 => {}
            _ => return None,
        }
        return Some(GcpShape {
            family,
            vcpu,
            memory_gb: mb / 1024.0,
            custom: true,
        });
    }
    let [family, class, n] = parts.as_slice() else {
        return None;
    };
    let vcpu: f64 = n.parse().ok()?;
    if !(1.0..=1024.0).contains(&vcpu) {
        return None;
    }
    let ratio = gcp_ratio(family, class)?;
    Some(GcpShape {
        family: family.to_string(),
        vcpu,
        memory_gb: vcpu * ratio,
        custom: false,
    })
}

/// GPU machine families: their list price includes the GPUs, so family rates do not apply.
pub fn gcp_accelerator(family: &str) -> bool {
    matches!(
        family,
        "a2" | "a3" | "a4" | "g2" | "g4" | "ct5l" | "ct5lp" | "ct6e"
    )
}

/// vCPU and GB of a Cloud SQL tier priced by its units: `db-custom-N-MB`,
/// `db-n1-standard-N`, `db-n1-highmem-N`, `db-perf-optimized-N-V` (Enterprise Plus, 8 GB per
/// vCPU). Shared-core tiers (`db-f1-micro`, `db-g1-small`) have list prices instead.
pub fn sql_shape(tier: &str) -> Option<(f64, f64)> {
    let shape = if let Some(rest) = tier.strip_prefix("db-custom-") {
        let (cpu, mem) = rest.split_once('-')?;
        (cpu.parse().ok()?, mem.parse::<f64>().ok()? / 1024.0)
    } else if let Some(n) = tier.strip_prefix("db-perf-optimized-N-") {
        let n: f64 = n.parse().ok()?;
        (n, n * 8.0)
    } else {
        let (n, gb_per_cpu) = [("db-n1-standard-", 3.75), ("db-n1-highmem-", 6.5)]
            .iter()
            .find_map(|(prefix, r)| Some((tier.strip_prefix(prefix)?, *r)))?;
        let n: f64 = n.parse().ok()?;
        (n, n * gb_per_cpu)
    };
    plausible(shape.0, shape.1).then_some(shape)
}

/// A shape a real machine can have (hostile names must not make impossible figures).
fn plausible(vcpu: f64, gb: f64) -> bool {
    (0.0..=1024.0).contains(&vcpu) && vcpu > 0.0 && (0.0..=32768.0).contains(&gb)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_sizes() {
        assert_eq!(aws_parts("db.r5.2xlarge"), Some(("r5", "2xlarge")));
        assert_eq!(aws_parts("cache.t4g.micro"), Some(("t4g", "micro")));
        assert_eq!(aws_units("2xlarge"), Some(16.0));
        assert_eq!(aws_units("nano"), Some(0.25));
        assert_eq!(aws_units("metal"), None);
        assert_eq!(aws_shape("m5.2xlarge"), Some((8.0, 32.0)));
        assert_eq!(aws_shape("t3.micro"), Some((2.0, 1.0)));
        assert_eq!(aws_shape("db.r5.2xlarge"), Some((8.0, 64.0)));
        assert_eq!(
            aws_unpriceable("p3", "2xlarge"),
            Some("GPU and accelerator families")
        );
        assert_eq!(aws_unpriceable("r5", "metal"), Some("bare-metal sizes"));
        assert_eq!(aws_unpriceable("hpc6a", "48xlarge"), Some("HPC families"));
        assert_eq!(aws_unpriceable("r5", "2xlarge"), None);
    }

    #[test]
    fn gcp_and_azure_shapes() {
        let s = gcp_shape("n2-highcpu-4").expect("shape");
        assert_eq!((s.family.as_str(), s.vcpu, s.memory_gb), ("n2", 4.0, 4.0));
        let c = gcp_shape("n2-custom-4-16384").expect("custom");
        assert_eq!((c.vcpu, c.memory_gb, c.custom), (4.0, 16.0, true));
        let c = gcp_shape("custom-2-7680-ext").expect("n1 custom");
        assert_eq!((c.family.as_str(), c.vcpu, c.memory_gb), ("n1", 2.0, 7.5));
        assert_eq!(gcp_shape("n1-standard-2").map(|s| s.memory_gb), Some(7.5));
        assert_eq!(gcp_shape("e2-medium"), None);
        assert_eq!(azure_shape("Standard_D4s_v5"), Some((4.0, 16.0)));
        assert_eq!(azure_shape("Standard_E16-4ads_v5"), Some((16.0, 128.0)));
        assert_eq!(sql_shape("db-custom-4-16384"), Some((4.0, 16.0)));
        assert_eq!(sql_shape("db-perf-optimized-N-8"), Some((8.0, 64.0)));
        assert_eq!(sql_shape("db-n1-standard-4"), Some((4.0, 15.0)));
        assert_eq!(sql_shape("db-f1-micro"), None);
        assert_eq!(sql_shape("db-custom-4-1e300"), None);
        assert_eq!(sql_shape("db-custom-NaN-1024"), None);
        assert_eq!(gcp_shape("n2-custom-2-99999999999"), None);
    }
}
