//! Argo CD rules: Applications, ApplicationSets and AppProjects.

pub mod default_project;
pub mod destination_namespace;
pub mod missing_source;
pub mod prod_revision;
pub mod project_wildcards;

use crate::config::env::Env;
use crate::model::k8s::K8sObject;
use crate::parse::node::Node;

/// An Argo CD Application's spec (an ApplicationSet's template spec).
pub fn app_spec<'a>(obj: &K8sObject<'a>) -> Option<&'a Node> {
    if obj.group() != "argoproj.io" {
        return None;
    }
    match obj.kind {
        "Application" => obj.root.get("spec"),
        "ApplicationSet" => obj.root.path(&["spec", "template", "spec"]),
        _ => None,
    }
}

/// Every source of an Application (`source` and `sources[]`).
pub fn sources(spec: &Node) -> Vec<&Node> {
    let mut v: Vec<&Node> = spec
        .get("source")
        .filter(|s| s.as_map().is_some())
        .into_iter()
        .collect();
    v.extend(spec.get("sources").into_iter().flat_map(Node::items));
    v
}

/// The environment an Application deploys to: its file's path, an `environment`/`env` label,
/// its name, then its destination namespace.
pub fn app_env(obj: &K8sObject<'_>, spec: &Node) -> Option<Env> {
    obj.env
        .or_else(|| {
            let labels = obj.root.path(&["metadata", "labels"])?;
            ["environment", "env"].iter().find_map(|k| {
                labels
                    .get(k)
                    .and_then(Node::key_text)
                    .and_then(Env::from_name)
            })
        })
        .or_else(|| obj.name.and_then(Env::from_name))
        .or_else(|| {
            spec.path(&["destination", "namespace"])
                .and_then(Node::as_str)
                .and_then(Env::from_name)
        })
}
