//! Checks the Kubernetes API server makes that its published schema does not encode: enums
//! written only in field descriptions, resource quantity syntax, DNS-1123 names, label keys
//! and values, IANA service names and port ranges. Attached to schema nodes by definition and
//! property name when a version is compiled.

/// A check beyond the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    None,
    /// One of these strings (written only in the field's description).
    Enum(&'static [&'static str]),
    /// A resource quantity (`500m`, `512Mi`, `1.5G`, `1e3`).
    Quantity,
    /// A DNS-1123 label (`web-1`): container names, Service port names.
    DnsLabel,
    /// An IANA service name (container port names, at most 15 characters).
    PortName,
    /// A port number in this range.
    Port(i64, i64),
    /// A port number (1-65535) or an IANA service name (`targetPort`, probe ports).
    PortOrName,
    /// A map of label keys to label values.
    Labels,
}

const PROTOCOLS: &[&str] = &["TCP", "UDP", "SCTP"];
const PULL: &[&str] = &["Always", "IfNotPresent", "Never"];

/// Checks attached to a property of a definition.
pub fn for_property(def: &str, prop: &str) -> Option<Check> {
    if labels_property(def, prop) {
        return Some(Check::Labels);
    }
    let short = def.strip_prefix("io.k8s.api.")?;
    Some(match (short, prop) {
        ("core.v1.Container" | "core.v1.EphemeralContainer", "imagePullPolicy") => {
            Check::Enum(PULL)
        }
        ("core.v1.Container" | "core.v1.EphemeralContainer", "terminationMessagePolicy") => {
            Check::Enum(&["File", "FallbackToLogsOnError"])
        }
        ("core.v1.Container" | "core.v1.EphemeralContainer", "name") => Check::DnsLabel,
        ("core.v1.PodSpec", "restartPolicy") => Check::Enum(&["Always", "OnFailure", "Never"]),
        ("core.v1.PodSpec", "dnsPolicy") => {
            Check::Enum(&["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"])
        }
        ("core.v1.PodSpec", "preemptionPolicy") => Check::Enum(&["PreemptLowerPriority", "Never"]),
        ("core.v1.ContainerPort", "protocol")
        | ("core.v1.ServicePort", "protocol")
        | ("core.v1.EndpointPort", "protocol")
        | ("discovery.v1.EndpointPort", "protocol")
        | ("networking.v1.NetworkPolicyPort", "protocol") => Check::Enum(PROTOCOLS),
        ("core.v1.ContainerPort", "containerPort") => Check::Port(1, 65535),
        ("core.v1.ContainerPort", "hostPort") => Check::Port(0, 65535),
        ("core.v1.ContainerPort", "name") => Check::PortName,
        ("core.v1.ServicePort", "port") => Check::Port(1, 65535),
        ("core.v1.ServicePort", "nodePort") => Check::Port(0, 65535),
        ("core.v1.ServicePort", "targetPort") => Check::PortOrName,
        ("core.v1.ServicePort", "name") => Check::DnsLabel,
        ("core.v1.HTTPGetAction" | "core.v1.TCPSocketAction", "port") => Check::PortOrName,
        ("core.v1.GRPCAction", "port") => Check::Port(1, 65535),
        ("networking.v1.ServiceBackendPort", "number") => Check::Port(0, 65535),
        ("core.v1.ServiceSpec", "type") => {
            Check::Enum(&["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"])
        }
        ("core.v1.ServiceSpec", "externalTrafficPolicy" | "internalTrafficPolicy") => {
            Check::Enum(&["Cluster", "Local"])
        }
        ("core.v1.ServiceSpec", "sessionAffinity") => Check::Enum(&["ClientIP", "None"]),
        ("networking.v1.HTTPIngressPath", "pathType") => {
            Check::Enum(&["Exact", "Prefix", "ImplementationSpecific"])
        }
        ("apps.v1.DeploymentStrategy", "type") => Check::Enum(&["Recreate", "RollingUpdate"]),
        ("apps.v1.DaemonSetUpdateStrategy", "type") => Check::Enum(&["OnDelete", "RollingUpdate"]),
        ("apps.v1.StatefulSetUpdateStrategy", "type") => {
            Check::Enum(&["OnDelete", "RollingUpdate"])
        }
        ("apps.v1.StatefulSetSpec", "podManagementPolicy") => {
            Check::Enum(&["OrderedReady", "Parallel"])
        }
        ("batch.v1.CronJobSpec", "concurrencyPolicy") => {
            Check::Enum(&["Allow", "Forbid", "Replace"])
        }
        ("core.v1.Toleration", "operator") => Check::Enum(&["Exists", "Equal"]),
        ("core.v1.Toleration", "effect") => {
            Check::Enum(&["NoSchedule", "PreferNoSchedule", "NoExecute"])
        }
        ("core.v1.PersistentVolumeClaimSpec", "volumeMode") => {
            Check::Enum(&["Filesystem", "Block"])
        }
        _ => return None,
    })
}

/// Checks attached to a whole definition (wherever it is used).
pub fn for_definition(def: &str) -> Option<Check> {
    match def {
        "io.k8s.apimachinery.pkg.api.resource.Quantity" => Some(Check::Quantity),
        _ => None,
    }
}

/// Label maps: `metadata.labels` and selectors' `matchLabels`.
fn labels_property(def: &str, prop: &str) -> bool {
    matches!(
        (def, prop),
        ("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "labels")
            | (
                "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector",
                "matchLabels"
            )
    )
}

/// Kubernetes resource quantity syntax:
/// `<sign?><digits>[.<digits>][<binarySI>|<decimalSI>|<decimalExponent>]`.
pub fn is_quantity(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_digits = i - start;
    let mut frac_digits = 0;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let fs = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        frac_digits = i - fs;
    }
    if int_digits + frac_digits == 0 {
        return false;
    }
    let suffix = &s[i..];
    match suffix {
        "" | "Ki" | "Mi" | "Gi" | "Ti" | "Pi" | "Ei" | "n" | "u" | "m" | "k" | "M" | "G" | "T"
        | "P" | "E" => true,
        _ => {
            let Some(exp) = suffix.strip_prefix(['e', 'E']) else {
                return false;
            };
            let exp = exp.strip_prefix(['+', '-']).unwrap_or(exp);
            !exp.is_empty() && exp.bytes().all(|c| c.is_ascii_digit())
        }
    }
}

/// A DNS-1123 label: at most 63 lowercase alphanumerics or `-`, alphanumeric at both ends.
pub fn is_dns_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

/// A DNS-1123 subdomain as Kubernetes checks it (`IsDNS1123Subdomain`): at most 253
/// characters, dot-separated parts of lowercase alphanumerics or `-`, alphanumeric at both
/// ends. The parts have no length limit of their own (a 72-character Pod name is valid).
pub fn is_dns_subdomain(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|part| {
            let b = part.as_bytes();
            !b.is_empty()
                && b.iter()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
                && b[0] != b'-'
                && b[b.len() - 1] != b'-'
        })
}

/// An IANA service name: 1-15 lowercase alphanumerics or `-`, at least one letter, no `--`,
/// alphanumeric at both ends.
pub fn is_port_name(s: &str) -> bool {
    is_dns_label(s)
        && s.len() <= 15
        && s.bytes().any(|c| c.is_ascii_lowercase())
        && !s.contains("--")
}

/// A label value: empty, or at most 63 alphanumerics, `-`, `_` or `.`, alphanumeric at both
/// ends.
pub fn is_label_value(s: &str) -> bool {
    if s.is_empty() {
        return true;
    }
    let b = s.as_bytes();
    b.len() <= 63
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
}

/// A label key: an optional DNS-1123 subdomain prefix and `/`, then a name like a label
/// value (but not empty).
pub fn is_label_key(s: &str) -> bool {
    let (prefix, name) = match s.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, s),
    };
    prefix.is_none_or(is_dns_subdomain) && !name.is_empty() && is_label_value(name)
}

/// Edit distance (Levenshtein) for "did you mean" suggestions.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The closest candidate within a distance that scales with the length, if any.
pub fn suggest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).clamp(1, 3);
    let lower = word.to_ascii_lowercase();
    candidates
        .map(|c| {
            let d = if c.to_ascii_lowercase() == lower {
                0
            } else {
                edit_distance(word, c)
            };
            (d, c)
        })
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities() {
        for ok in [
            "512Mi", "512M", "1", "0.5", "500m", "1e3", "1.5Gi", ".5", "+1", "2E6",
        ] {
            assert!(is_quantity(ok), "{ok}");
        }
        for bad in ["512MB", "1GB", "Mi", "", "1.2.3", "12 Mi", "1ki", "1e"] {
            assert!(!is_quantity(bad), "{bad}");
        }
    }

    #[test]
    fn names_and_labels() {
        assert!(is_dns_label("web-1"));
        assert!(!is_dns_label("Web"));
        assert!(!is_dns_label("-web"));
        assert!(is_dns_subdomain("a.b-c"));
        assert!(!is_dns_subdomain("a..b"));
        let long = "release-name-prometheus-yet-another-cloudwatch-exporter-test-connection";
        assert!(long.len() > 63 && is_dns_subdomain(long) && !is_dns_label(long));
        assert!(is_port_name("http-metrics"));
        assert!(!is_port_name("http-metrics-port"));
        assert!(!is_port_name("8080"));
        assert!(is_label_key("app.kubernetes.io/name"));
        assert!(!is_label_key("app.kubernetes.io/"));
        assert!(!is_label_key("Bad_Prefix/name"));
        assert!(is_label_value(""));
        assert!(is_label_value("v1.2_3"));
        assert!(!is_label_value("has space"));
        assert!(!is_label_value("-x"));
    }

    #[test]
    fn suggestions() {
        let c = ["containers", "initContainers", "volumes"];
        assert_eq!(suggest("contianers", c.iter().copied()), Some("containers"));
        assert_eq!(suggest("Containers", c.iter().copied()), Some("containers"));
        assert_eq!(suggest("xyz", c.iter().copied()), None);
        assert_eq!(edit_distance("schedual", "schedule"), 2);
    }
}
