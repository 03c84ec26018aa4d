//! Argo CD relations: which directories the repository's Applications deploy, and to which
//! environment. Depends on `config`, `parse` and `model::k8s`.

use std::collections::BTreeMap;

use crate::config::env::Env;
use crate::config::environments::Environments;
use crate::model::k8s::{K8sObject, objects_in};
use crate::parse::file::{Content, ParsedFile};
use crate::parse::node::Node;

/// Directories deployed by Argo CD Applications whose environment is known (from the
/// Application file's path, its name or its destination namespace). A directory deployed to
/// two environments is left out.
pub fn app_dirs(files: &[ParsedFile], envs: &Environments) -> Vec<(String, Env)> {
    let mut map: BTreeMap<String, Option<Env>> = BTreeMap::new();
    for f in files {
        let Content::Docs(docs) = &f.content else {
            continue;
        };
        for node in docs.iter().flat_map(|d| objects_in(&d.root)) {
            let Some(obj) = K8sObject::from_node(node) else {
                continue;
            };
            if obj.group() != "argoproj.io" || obj.kind != "Application" {
                continue;
            }
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
