//! Schema validation, offline: Kubernetes objects against the embedded schemas of their
//! target version, custom resources against CRD schemas (from the repository, the bundled
//! catalog and configured directories), and Helm values against a chart's
//! `values.schema.json`.
//!
//! Schemas are compiled once per process into arenas ([`schema::Compiled`]) shared by every
//! thread; the walk ([`walk`]) reads the parsed tree ([`crate::parse::node::Node`], scalars
//! resolved as YAML 1.1 like the API server) and reports each violation at the offending key
//! or value with its JSON path. The VAL rules (`rules::builtin::validation`) turn violations
//! into findings. Depends on `model` and `source` only; never on rules, the pipeline or
//! reporters.

pub mod checks;
pub mod crd;
pub mod k8s;
pub mod schema;
pub mod values;
pub mod walk;

use std::cell::RefCell;
use std::sync::Arc;

use crate::parse::node::Node;
use crate::source::Span;

pub use walk::{Problem, Violation};

/// The outcome of validating one object against the built-in schemas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A built-in kind: its violations (possibly none).
    Checked(Vec<Violation>),
    /// A built-in API group that does not serve this apiVersion/kind at the version.
    Unknown {
        version: &'static str,
        lookup: k8s::Lookup,
    },
    /// Not a built-in group (a custom resource), or no schemas.
    NotBuiltin,
}

/// Validate one Kubernetes object (`root` with string `apiVersion` and `kind`) against the
/// schemas of `version`. `partial` objects (Kustomize patches) are never missing fields.
pub fn validate_builtin(
    root: &Node,
    api_version: &str,
    kind: &str,
    version: &str,
    partial: bool,
) -> Outcome {
    let Some(vs) = k8s::schemas(version) else {
        return Outcome::NotBuiltin;
    };
    let (compiled, id) = match vs.lookup(api_version, kind) {
        k8s::Lookup::Schema => match vs.schema(api_version, kind) {
            Some(schema) => schema,
            None => return Outcome::NotBuiltin,
        },
        k8s::Lookup::Custom => return Outcome::NotBuiltin,
        lookup @ k8s::Lookup::Unknown { .. } => {
            return Outcome::Unknown {
                version: vs.version,
                lookup,
            };
        }
    };
    let opts = walk::Options {
        partial,
        null_ok: false,
        extra_checks: true,
    };
    let mut w = walk::Walker::new(compiled, opts);
    w.validate(root, id, anchor(root));
    let mut out = w.out;
    check_name(root, kind, &mut out);
    out.sort_by_key(|v| (v.span.start, v.span.end, v.problem));
    out.dedup_by(|a, b| a.span == b.span && a.message == b.message);
    Outcome::Checked(out)
}

/// Where an object-level missing field is reported: the `kind:` line.
pub fn anchor(root: &Node) -> Span {
    root.entry("kind")
        .map(|(k, v)| k.span.cover(v.span))
        .unwrap_or(Span::new(root.span.start(), root.span.start()))
}

/// `metadata.name` must be a DNS-1123 subdomain (or label) for kinds that become DNS names,
/// pod names or labels.
fn check_name(root: &Node, kind: &str, out: &mut Vec<Violation>) {
    let Some(name) = root.path(&["metadata", "name"]) else {
        return;
    };
    let Some(text) = name.as_str() else { return };
    if text.contains("{{") || text.contains("$(") {
        return;
    }
    let label = matches!(kind, "Namespace" | "Service");
    let subdomain = matches!(
        kind,
        "Deployment"
            | "StatefulSet"
            | "DaemonSet"
            | "ReplicaSet"
            | "Job"
            | "Pod"
            | "ConfigMap"
            | "Secret"
            | "ServiceAccount"
            | "PersistentVolumeClaim"
            | "PersistentVolume"
            | "Ingress"
            | "IngressClass"
            | "NetworkPolicy"
            | "HorizontalPodAutoscaler"
            | "PodDisruptionBudget"
            | "StorageClass"
            | "PriorityClass"
            | "CronJob"
            | "LimitRange"
            | "ResourceQuota"
    );
    let ok = if label {
        checks::is_dns_label(text)
    } else if subdomain {
        checks::is_dns_subdomain(text)
    } else {
        return;
    };
    if !ok {
        let what = if label {
            "a DNS-1123 label (lowercase letters, digits and `-`, at most 63 characters)"
        } else {
            "a DNS-1123 subdomain (lowercase letters, digits, `-` and `.`, at most 253 characters)"
        };
        out.push(Violation {
            problem: Problem::InvalidValue,
            span: name.span,
            path: "metadata.name".into(),
            message: format!("`metadata.name` of a {kind} must be {what}, not `{text}`"),
            help: None,
        });
    }
}

thread_local! {
    static LAST: RefCell<Option<(CacheKey, Arc<Outcome>)>> = const { RefCell::new(None) };
}

struct CacheKey {
    node: usize,
    span: Span,
    partial: bool,
    path: String,
    version: String,
}

impl CacheKey {
    fn is(&self, path: &str, root: &Node, version: &str, partial: bool) -> bool {
        self.node == root as *const Node as usize
            && self.span == root.span
            && self.partial == partial
            && self.path == path
            && self.version == version
    }
}

/// [`validate_builtin`] memoized for the object last validated on this thread: the VAL001
/// to VAL005 rules run one after the other on the same object and share one walk.
pub fn validate_builtin_cached(
    path: &str,
    root: &Node,
    api_version: &str,
    kind: &str,
    version: &str,
    partial: bool,
) -> Arc<Outcome> {
    let hit = LAST.with(|l| {
        l.borrow()
            .as_ref()
            .filter(|(k, _)| k.is(path, root, version, partial))
            .map(|(_, o)| o.clone())
    });
    if let Some(hit) = hit {
        return hit;
    }
    let out = Arc::new(validate_builtin(root, api_version, kind, version, partial));
    let key = CacheKey {
        node: root as *const Node as usize,
        span: root.span,
        partial,
        path: path.to_string(),
        version: version.to_string(),
    };
    LAST.with(|l| *l.borrow_mut() = Some((key, out.clone())));
    out
}

#[cfg(test)]
mod tests;
