//! Argo CD relations: which directories the repository's Applications deploy, and to which
//! environment. Depends on `config`, `parse` and `model::k8s`.

use std::collections::BTreeMap;

use crate::config::env::Env;
use crate::config::environments::Environments;
use crate::model::k8s::{K8sObject, objects_in};
use crate::parse::file::{Content, ParsedFile};
use crate::parse::node::Node;

/// Every Argo CD `Application` object of the repository, with its file and node.
pub fn applications(
    files: &[ParsedFile],
) -> impl Iterator<Item = (&ParsedFile, &Node, K8sObject<'_>)> {
    files
        .iter()
        .filter(|f| f.holds.is_none_or(|h| h.applications))
        .flat_map(|f| {
            let docs = match &f.content {
                Content::Docs(docs) => docs.as_slice(),
                _ => &[],
            };
            docs.iter()
                .flat_map(|d| objects_in(&d.root))
                .filter_map(move |node| {
                    let obj = K8sObject::from_node(node)?;
                    (obj.group() == "argoproj.io" && obj.kind == "Application")
                        .then_some((f, node, obj))
                })
        })
}

/// Directories deployed by Argo CD Applications whose environment is known (from the
/// Application file's path, its name or its destination namespace). A directory deployed to
/// two environments is left out.
pub fn app_dirs(files: &[ParsedFile], envs: &Environments) -> Vec<(String, Env)> {
    let mut map: BTreeMap<String, Option<Env>> = BTreeMap::new();
    {
        for (f, node, obj) in applications(files) {
            let spec_node = node.get("spec");
            let dest_ns = spec_node
                .and_then(|s| s.path(&["destination", "namespace"]))
                .and_then(Node::as_str);
            let env = envs
                .resolve(&f.path)
                .0
                .map(|s| s.class)
                .or_else(|| Env::from_path(&f.path))
                .or_else(|| obj.name.and_then(Env::from_name))
                .or_else(|| dest_ns.and_then(Env::from_name));
            let Some(env) = env else { continue };
            let sources = spec_node.and_then(|s| s.get("source")).into_iter().chain(
                spec_node
                    .and_then(|s| s.get("sources"))
                    .into_iter()
                    .flat_map(Node::items),
            );
            for src in sources {
                let Some(p) = src.get("path").and_then(Node::as_str) else {
                    continue;
                };
                let dir = p.trim_start_matches("./").trim_end_matches('/').to_string();
                if dir.is_empty() || dir == "." {
                    continue;
                }
                let slot = map.entry(dir).or_insert(Some(env));
                if *slot != Some(env) {
                    *slot = None;
                }
            }
        }
    }
    map.into_iter().filter_map(|(d, e)| Some((d, e?))).collect()
}
