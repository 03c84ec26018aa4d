//! One finding per namespace for the namespace rules (K8S005 quota, K8S006 LimitRange,
//! K8S007 default-deny). Each rule reports on its own, so `select`/`ignore`, severities and
//! suppressions by any of the three ids keep working; after suppressions are applied (in the
//! finalize stage) the active findings of the three at one namespace declaration are merged
//! into the one with the lowest id, whose message lists everything that is missing with each
//! part's id. Suppressed parts stay separate (and suppressed).

use std::collections::BTreeMap;

/// The paragraphs the three rule pages share: exempt namespaces and the merged report.
macro_rules! namespace_rules_doc {
    () => {
        "\n\n**Controller namespaces are exempt.** Namespaces that a cluster add-on owns are \
managed by that add-on, not by the team that owns the repository, and quotas or a default-deny \
policy there break the controller (cert-manager must reach ACME servers, an ingress controller \
must accept traffic from everywhere). The rule skips the names in `[kubernetes] \
system-namespaces`; the default list is `*-system` (the naming convention of controller \
namespaces: `kube-system`, `flux-system`, `istio-system`, `gatekeeper-system`, \
`envoy-gateway-system`, `metallb-system`, `crossplane-system`), `kube-public`, \
`kube-node-lease`, `argocd`, `argo-rollouts`, `cert-manager`, `external-secrets`, \
`ingress-nginx`, `karpenter`, `keda`, `kyverno`, `linkerd`, `sealed-secrets` and \
`tigera-operator`. `monitoring` is not on it: a Prometheus stack is a large workload that a \
team runs, and bounding it is the point. `system-namespaces = [...]` replaces the list, \
`extend-system-namespaces = [...]` adds to it (a leading or trailing `*` matches any suffix or \
prefix), and a namespace listed in `[kubernetes] namespaces` is always checked.\n\n\
**One finding per namespace.** K8S005 (quota), K8S006 (LimitRange) and K8S007 (default-deny) \
each decide on their own, so `select`, `ignore`, severities and suppressions work per id. The \
findings of the three at one namespace are then reported as one, under the lowest id that \
fired, whose message lists everything missing with each part's id, e.g. \"namespace `payments` has \
no ResourceQuota (K8S005), no LimitRange (K8S006) and no default-deny NetworkPolicy (K8S007)\". \
A part suppressed by its id (`# octolint:ignore K8S005`, the `octolint.io/ignore` annotation) \
stays apart, and the next id carries the rest. A Namespace in a Kustomize base that a build \
also declares under the same name (an overlay that includes the base) is reported once, at the \
build's declaration. A baseline records the merged finding's \
fingerprint (that of its id): when that part is fixed, the next id's finding is new."
    };
}
pub(crate) use namespace_rules_doc;

use crate::config::RuleOptions;
use crate::diagnostics::Finding;
use crate::model::repo::{NamespaceScope, Repo};

/// The namespace rules, in merge order.
pub const NAMESPACE_RULES: [&str; 3] = ["K8S005", "K8S006", "K8S007"];

/// Should the namespace rules skip `name`? Controller namespaces (`[kubernetes]
/// system-namespaces`, with a default list) are managed by their add-on, not by the team
/// that owns the repository.
pub fn exempt(options: &RuleOptions, name: &str) -> bool {
    options.is_system_namespace(name)
}

/// Is the declaration at `i` of `scope` a Kustomize resource file whose namespace the
/// repository also declares through a build (an overlay that includes it, or its own
/// directory's build)? Then the build's declaration is the one reported: the raw file of a
/// base is not deployed on its own, and reporting both names one namespace twice.
pub fn shadowed_by_build(repo: &Repo<'_>, scope: &NamespaceScope<'_, '_>, i: usize) -> bool {
    let decl = scope.namespaces[i];
    let rendered = |p: &str| p.contains("/.octolint-render/");
    if rendered(decl.path) {
        return false;
    }
    let dir = decl.dir();
    let in_kustomization = ["kustomization.yaml", "kustomization.yml", "Kustomization"]
        .iter()
        .any(|f| {
            repo.exists(&if dir.is_empty() {
                (*f).to_string()
            } else {
                format!("{dir}/{f}")
            })
        });
    in_kustomization
        && scope
            .namespaces
            .iter()
            .zip(&scope.names)
            .any(|(o, n)| *n == scope.names[i] && rendered(o.path))
}

/// The message every namespace rule uses: "namespace `x` has <what>".
pub fn message(name: &str, what: &str) -> String {
    format!("namespace `{name}` has {what}")
}

/// Merge the active K8S005-K8S007 findings that point at the same place into one.
pub fn merge(findings: &mut Vec<Finding>) {
    let mut groups: BTreeMap<(String, u32, u32, String), Vec<usize>> = BTreeMap::new();
    for (i, f) in findings.iter().enumerate() {
        if f.suppressed.is_some() || !NAMESPACE_RULES.contains(&f.rule_id.as_ref()) {
            continue;
        }
        let Some(span) = f.location.span else {
            continue;
        };
        let key = (
            f.location.path.to_string(),
            span.start,
            span.end,
            f.logical.clone().unwrap_or_default(),
        );
        groups.entry(key).or_default().push(i);
    }
    let mut drop = vec![false; findings.len()];
    for (_, mut members) in groups {
        if members.len() < 2 {
            continue;
        }
        members.sort_by(|&a, &b| findings[a].rule_id.cmp(&findings[b].rule_id));
        let head = members[0];
        let prefix = findings[head]
            .message
            .find(" has ")
            .map(|i| findings[head].message[..i + 5].to_string());
        let mut parts = Vec::new();
        let mut helps = Vec::new();
        let mut related = Vec::new();
        let mut envs: Vec<String> = Vec::new();
        let mut severity = findings[head].severity;
        for &m in &members {
            let f = &findings[m];
            let part = match &prefix {
                Some(p) if f.message.starts_with(p.as_str()) => f.message[p.len()..].to_string(),
                _ => f.message.clone(),
            };
            parts.push(format!("{part} ({})", f.rule_id));
            if let Some(h) = &f.help {
                helps.push(format!("{}: {h}", f.rule_id));
            }
            related.extend(f.related.iter().cloned());
            envs.extend(f.environments.iter().cloned());
            severity = severity.max(f.severity);
        }
        let list = match parts.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
            _ => parts.join(""),
        };
        envs.sort();
        envs.dedup();
        let f = &mut findings[head];
        f.message = format!("{}{list}", prefix.as_deref().unwrap_or(""));
        f.help = Some(helps.join("; "));
        f.related = related;
        f.environments = envs;
        f.severity = severity;
        for &m in &members[1..] {
            drop[m] = true;
        }
    }
    let mut i = 0;
    findings.retain(|_| {
        i += 1;
        !drop[i - 1]
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::{Location, Severity, Suppression};
    use crate::source::Span;
    use std::sync::Arc;

    fn finding(id: &str, what: &str) -> Finding {
        Finding {
            rule_id: Arc::from(id),
            rule_name: Arc::from("x"),
            severity: Severity::Warning,
            message: message("web", what),
            help: Some(format!("fix {id}")),
            location: Location::new(Arc::from("ns.yaml"), Some(Span::new(20, 23))),
            related: Vec::new(),
            logical: Some("Namespace/web".into()),
            fingerprint: String::new(),
            suppressed: None,
            redact: false,
            metadata: None,
            environments: Vec::new(),
        }
    }

    #[test]
    fn three_become_one_listing_what_is_missing() {
        let mut fs = vec![
            finding("K8S007", "no default-deny NetworkPolicy for egress traffic"),
            finding("K8S005", "no ResourceQuota"),
            finding("K8S006", "no LimitRange"),
            finding("K8S003", "no ResourceQuota"),
        ];
        merge(&mut fs);
        assert_eq!(fs.len(), 2);
        assert_eq!(fs[0].rule_id.as_ref(), "K8S005");
        assert_eq!(
            fs[0].message,
            "namespace `web` has no ResourceQuota (K8S005), no LimitRange (K8S006) and no \
             default-deny NetworkPolicy for egress traffic (K8S007)"
        );
        assert_eq!(
            fs[0].help.as_deref(),
            Some("K8S005: fix K8S005; K8S006: fix K8S006; K8S007: fix K8S007")
        );
        assert_eq!(fs[1].rule_id.as_ref(), "K8S003");
    }

    #[test]
    fn a_suppressed_part_stays_apart_and_the_next_id_carries() {
        let mut fs = vec![
            finding("K8S005", "no ResourceQuota"),
            finding("K8S006", "no LimitRange"),
            finding("K8S007", "no default-deny NetworkPolicy"),
        ];
        fs[0].suppressed = Some(Suppression {
            kind: "inline",
            reason: None,
        });
        merge(&mut fs);
        assert_eq!(fs.len(), 2);
        assert!(fs[0].suppressed.is_some());
        assert_eq!(fs[1].rule_id.as_ref(), "K8S006");
        assert_eq!(
            fs[1].message,
            "namespace `web` has no LimitRange (K8S006) and no default-deny NetworkPolicy (K8S007)"
        );
    }

    #[test]
    fn system_namespaces_match_names_and_patterns() {
        let mut o = RuleOptions::default();
        for ns in [
            "kube-system",
            "envoy-gateway-system",
            "cert-manager",
            "argocd",
        ] {
            assert!(exempt(&o, ns), "{ns}");
        }
        for ns in ["payments", "monitoring", "system", "default"] {
            assert!(!exempt(&o, ns), "{ns}");
        }
        // Listed in `namespaces`: checked after all.
        o.namespaces = vec!["cert-manager".into()];
        assert!(!exempt(&o, "cert-manager"));
        o.system_namespaces = vec!["team-*".into()];
        assert!(exempt(&o, "team-a") && !exempt(&o, "kube-system"));
    }
}
