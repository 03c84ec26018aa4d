//! Builtins real policies use that regorus lacks, added as engine extensions.
//!
//! - `net.cidr_intersects(a, b)`: do two CIDR ranges share an address?

use std::net::IpAddr;

use regorus::{Engine, Value};

/// A CIDR as (family is v6, network bits as u128, prefix length).
fn parse_cidr(s: &str) -> anyhow::Result<(bool, u128, u32)> {
    let (addr, len) = s
        .split_once('/')
        .ok_or_else(|| anyhow::anyhow!("invalid CIDR `{s}`"))?;
    let ip: IpAddr = addr
        .parse()
        .map_err(|_| anyhow::anyhow!("invalid CIDR `{s}`"))?;
    let len: u32 = len
        .parse()
        .map_err(|_| anyhow::anyhow!("invalid CIDR `{s}`"))?;
    let (v6, bits, width) = match ip {
        IpAddr::V4(a) => (false, u128::from(u32::from(a)), 32),
        IpAddr::V6(a) => (true, u128::from(a), 128),
    };
    if len > width {
        anyhow::bail!("invalid CIDR `{s}`");
    }
    // Left-align so both families compare on the top bits.
    let aligned = bits << (128 - width);
    Ok((v6, aligned, len))
}

fn mask(len: u32) -> u128 {
    if len == 0 {
        0
    } else {
        u128::MAX << (128 - len)
    }
}

/// `net.cidr_intersects`.
pub fn cidr_intersects(a: &str, b: &str) -> anyhow::Result<bool> {
    let (v6a, na, la) = parse_cidr(a)?;
    let (v6b, nb, lb) = parse_cidr(b)?;
    if v6a != v6b {
        return Ok(false);
    }
    let m = mask(la.min(lb));
    Ok(na & m == nb & m)
}

fn string_arg<'a>(args: &'a [Value], i: usize, f: &str) -> anyhow::Result<&'a str> {
    match args.get(i).map(Value::as_string) {
        Some(Ok(s)) => Ok(s.as_ref()),
        _ => anyhow::bail!("{f}: operand {} must be a string", i + 1),
    }
}

/// Add the extensions to an engine.
pub fn register(engine: &mut Engine) -> anyhow::Result<()> {
    engine.add_extension(
        "net.cidr_intersects".into(),
        2,
        Box::new(|args: Vec<Value>| {
            let a = string_arg(&args, 0, "net.cidr_intersects")?;
            let b = string_arg(&args, 1, "net.cidr_intersects")?;
            Ok(Value::from(cidr_intersects(a, b)?))
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intersections() {
        assert!(cidr_intersects("10.0.0.0/8", "10.1.0.0/16").unwrap_or(false));
        assert!(!cidr_intersects("10.0.0.0/16", "10.1.0.0/16").unwrap_or(true));
        assert!(cidr_intersects("0.0.0.0/0", "192.168.1.1/32").unwrap_or(false));
        assert!(cidr_intersects("fd00::/8", "fd12::/16").unwrap_or(false));
        assert!(!cidr_intersects("fd00::/8", "10.0.0.0/8").unwrap_or(true));
        assert!(cidr_intersects("10.0.0.0/33", "10.0.0.0/8").is_err());
    }

    #[test]
    fn registered_in_the_engine() {
        let mut e = Engine::new();
        assert!(register(&mut e).is_ok());
        let r = e.eval_query(
            "net.cidr_intersects(\"10.0.0.0/8\", \"10.2.0.0/16\")".into(),
            false,
        );
        let v = r.map(|r| r.result[0].expressions[0].value.clone());
        assert_eq!(v.ok(), Some(Value::from(true)));
    }
}
