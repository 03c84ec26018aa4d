//! Building the repository model from the parsed files: every complete Kubernetes object
//! (Kustomize patches and values files left out) with its file, namespace (its own, else the
//! namespace of the nearest kustomization above it) and environment, indexed by kind and
//! namespace; the names Kustomize generators create; and, when Argo CD Applications may
//! point back at this repository, where it lives. Work is linear in the number of objects.
//! Depends on `model`, `parse`, `config` and `source`.

use std::collections::BTreeSet;
use std::path::Path;

use rayon::prelude::*;

use crate::config::RuleOptions;
use crate::discover::FileKind;
use crate::model::envs::FileEnv;
use crate::model::k8s::{K8sObject, objects_in};
use crate::model::kustomize::{kustomizations, kustomize_namespaces};
use crate::model::origin;
use crate::model::repo::{ObjectRef, Repo};
use crate::parse::file::{Content, ParsedFile};
use crate::parse::node::Node;
use crate::source::dir_of;

/// The repository model of `files`. `partial`: Kustomize patch files (partial objects);
/// `file_envs`: the environment each file's path gives ([`EnvIndex::file_env`]), in the
/// order of `files` (the document rules computed them already).
///
/// [`EnvIndex::file_env`]: crate::model::envs::EnvIndex::file_env
pub fn build_repo<'a>(
    files: &'a [ParsedFile],
    partial: &BTreeSet<String>,
    file_envs: &[FileEnv],
    options: &RuleOptions,
    base: &Path,
    default_namespaces: &'a [(String, String)],
) -> Repo<'a> {
    let mut kns = kustomize_namespaces(files);
    for (dir, ns) in default_namespaces {
        kns.entry(dir.as_str()).or_insert(ns.as_str());
    }
    let mut repo = Repo::with_paths(files.iter().map(|f| f.path.as_ref()).collect());
    for (_, root) in kustomizations(files) {
        for kind in ["configMapGenerator", "secretGenerator"] {
            for g in root.get(kind).into_iter().flat_map(Node::items) {
                if let Some(name) = g.get("name").and_then(Node::as_str) {
                    repo.kustomize_generated.insert((kind, name));
                }
            }
        }
    }
    repo.objects = files
        .par_iter()
        .zip(file_envs.par_iter().copied())
        .filter(|(f, _)| {
            !matches!(f.entry.kind, FileKind::Kustomization | FileKind::HelmValues)
                && !partial.contains(f.path.as_ref())
        })
        .flat_map_iter(|(f, file_env)| {
            let docs = match &f.content {
                Content::Docs(docs) => docs.as_slice(),
                _ => &[],
            };
            let kns = &kns;
            docs.iter()
                .flat_map(|d| objects_in(&d.root))
                .filter_map(move |node| {
                    let mut obj = K8sObject::from_node(node)?;
                    if obj.namespace.is_none() {
                        // Inherit the namespace of the nearest kustomization above the file.
                        let mut dir = dir_of(&f.path);
                        loop {
                            if let Some(ns) = kns.get(dir) {
                                obj.namespace = Some(ns);
                                break;
                            }
                            if dir.is_empty() {
                                break;
                            }
                            dir = dir_of(dir);
                        }
                    }
                    Some(ObjectRef {
                        path: &f.path,
                        doc_span: node.span,
                        obj: {
                            let mut obj = obj;
                            obj.env = file_env.object_env(obj.namespace);
                            obj
                        },
                    })
                })
        })
        .collect();
    repo.build_index();
    let points_back = repo
        .objects
        .iter()
        .any(|o| o.obj.group() == "argoproj.io" && o.obj.kind.starts_with("Application"));
    if points_back {
        repo.origin = origin::origin(base, options);
    }
    repo
}
