//! VAL rules: schema validation of Kubernetes objects (VAL001-VAL005 against the embedded
//! schemas of the target version), custom resources (VAL006) and Helm values (VAL007). The
//! work is done by `crate::validate`; VAL001-VAL005 share one walk per object.

mod rules;

pub use rules::{
    CustomResource, InvalidValue, MissingRequired, UnknownApi, UnknownField, ValuesSchema,
    WrongType, crd_coverage,
};

use crate::config::RuleOptions;
use crate::model::k8s::K8sObject;

/// The Kubernetes version an object is checked against: its environment's
/// `kubernetes-version`, else `[kubernetes] version`, else the default.
pub fn target_version<'o>(obj: &K8sObject<'_>, path: &str, options: &'o RuleOptions) -> &'o str {
    // Resolving the path's environment matches globs: only worth it when some environment
    // names its own version (this runs for every object and every validation rule).
    let by_name = (!options.kubernetes_versions.is_empty())
        .then(|| options.environments.resolve(path).0)
        .flatten()
        .and_then(|s| options.kubernetes_versions.get(&s.name));
    let by_class = || {
        obj.env
            .and_then(|e| options.kubernetes_versions.get(e.as_str()))
    };
    by_name
        .or_else(by_class)
        .map(String::as_str)
        .unwrap_or(options.kubernetes_version.as_str())
}
