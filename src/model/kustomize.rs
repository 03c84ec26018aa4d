//! Kustomize relations between files: the kustomizations of the repository, the files they
//! list as patches (partial objects), and the namespace each kustomization directory sets.
//! Depends on `parse` and `source`.

use std::collections::{BTreeSet, HashMap};

use crate::discover::FileKind;
use crate::parse::file::{Content, ParsedFile};
use crate::parse::node::Node;
use crate::source::{dir_of, normalize_join};

/// Every kustomization document with the directory it sits in.
pub fn kustomizations(files: &[ParsedFile]) -> impl Iterator<Item = (&str, &Node)> {
    files
        .iter()
        .filter(|f| f.entry.kind == FileKind::Kustomization)
        .flat_map(|f| {
            let docs = match &f.content {
                Content::Docs(docs) => docs.as_slice(),
                _ => &[],
            };
            docs.iter().map(move |d| (dir_of(&f.path), &d.root))
        })
}

/// Files listed as patches by a kustomization: partial objects.
pub fn kustomize_patches(files: &[ParsedFile]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (dir, root) in kustomizations(files) {
        for key in ["patchesStrategicMerge", "patches", "patchesJson6902"] {
            for item in root.get(key).into_iter().flat_map(Node::items) {
                let rel = item
                    .as_str()
                    .or_else(|| item.get("path").and_then(Node::as_str));
                if let Some(r) = rel.filter(|r| !r.contains('\n')) {
                    out.insert(normalize_join(dir, r));
                }
            }
        }
    }
    out
}

/// `namespace:` of each kustomization, by directory.
pub fn kustomize_namespaces(files: &[ParsedFile]) -> HashMap<&str, &str> {
    kustomizations(files)
        .filter_map(|(dir, root)| {
            root.get("namespace")
                .and_then(Node::as_str)
                .map(|ns| (dir, ns))
        })
        .collect()
}
