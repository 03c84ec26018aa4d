//! The whole repository as repo-wide rules see it: every complete Kubernetes object with the
//! file it came from. Depends on `model::k8s` and `source`.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use crate::model::k8s::K8sObject;
use crate::parse::node::Node;
use crate::source::Span;

/// One object and where it lives.
#[derive(Debug)]
pub struct ObjectRef<'a> {
    pub path: &'a Arc<str>,
    /// Span of the whole document.
    pub doc_span: Span,
    pub obj: K8sObject<'a>,
}

impl ObjectRef<'_> {
    /// The directory of the file (`""` at the root).
    pub fn dir(&self) -> &str {
        crate::source::dir_of(self.path)
    }
}

#[derive(Debug, Default)]
pub struct Repo<'a> {
    /// Complete objects (no Kustomize patches), in path order.
    pub objects: Vec<ObjectRef<'a>>,
    /// `(configMapGenerator | secretGenerator, name)` of every kustomization.
    pub kustomize_generated: BTreeSet<(&'a str, &'a str)>,
    /// Every file checked, relative to the checked directory.
    pub paths: BTreeSet<&'a str>,
    /// Where this checkout lives, for Argo CD sources that point back at it.
    pub origin: Option<RepoOrigin>,
    /// Indexes into `objects`, built by [`Repo::build_index`].
    by_kind: HashMap<(&'a str, &'a str), Vec<usize>>,
    by_namespace: HashMap<Option<&'a str>, Vec<usize>>,
}

/// The Git repository being checked: its URLs (normalized, see [`normalize_repo_url`]) and
/// the checked directory's path inside it (`""` or `sub/dir/`).
#[derive(Debug, Clone, Default)]
pub struct RepoOrigin {
    pub urls: Vec<String>,
    pub prefix: String,
}

/// `https://user@GitHub.com/acme/gitops.git/`, `git@github.com:acme/gitops` and
/// `ssh://git@github.com/acme/gitops.git` all become `github.com/acme/gitops`.
pub fn normalize_repo_url(url: &str) -> String {
    let mut u = url.trim();
    for scheme in ["https://", "http://", "ssh://", "git://", "git+ssh://"] {
        if let Some(rest) = u.strip_prefix(scheme) {
            u = rest;
        }
    }
    let u = u.rsplit_once('@').map(|(_, r)| r).unwrap_or(u);
    // scp-like `host:path`
    let u = match u.split_once(':') {
        Some((host, rest)) if !rest.starts_with(|c: char| c.is_ascii_digit()) => {
            format!("{host}/{rest}")
        }
        _ => u.to_string(),
    };
    let u = u.trim_end_matches('/');
    let u = u.strip_suffix(".git").unwrap_or(u);
    match u.split_once('/') {
        Some((host, path)) => format!("{}/{path}", host.to_ascii_lowercase()),
        None => u.to_ascii_lowercase(),
    }
}

impl Repo<'_> {
    /// Does a file or a directory exist at this path (relative to the checked directory)?
    pub fn exists(&self, path: &str) -> bool {
        let path = path.trim_end_matches('/');
        if path.is_empty() || path == "." {
            return true;
        }
        if self.paths.contains(path) {
            return true;
        }
        let dir = format!("{path}/");
        self.paths
            .range(dir.as_str()..)
            .next()
            .is_some_and(|p| p.starts_with(&dir))
    }
}

impl<'a> Repo<'a> {
    /// Objects of one kind in one API group (`""` for the core group).
    pub fn of_kind<'r>(
        &'r self,
        group: &'r str,
        kind: &'r str,
    ) -> impl Iterator<Item = &'r ObjectRef<'a>> + 'r {
        self.by_kind
            .get(&(group, kind))
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .map(|&i| &self.objects[i])
    }

    /// Objects whose (effective) namespace is `ns`.
    pub fn in_namespace<'r>(
        &'r self,
        ns: Option<&'a str>,
    ) -> impl Iterator<Item = &'r ObjectRef<'a>> + 'r {
        let list = self.by_namespace.get(&ns).map(Vec::as_slice);
        list.unwrap_or(&[]).iter().map(|&i| &self.objects[i])
    }

    pub fn with_paths(paths: BTreeSet<&'a str>) -> Self {
        Repo {
            paths,
            ..Repo::default()
        }
    }

    /// Index the objects by kind and namespace; call once after filling `objects`.
    pub fn build_index(&mut self) {
        self.by_kind.clear();
        self.by_namespace.clear();
        for (i, o) in self.objects.iter().enumerate() {
            self.by_kind
                .entry((o.obj.group(), o.obj.kind))
                .or_default()
                .push(i);
            self.by_namespace
                .entry(o.obj.namespace)
                .or_default()
                .push(i);
        }
    }
}

/// Does every `key: value` of a `matchLabels`-style map appear in `labels`? An empty or
/// non-map selector matches nothing.
pub fn selector_matches(selector: &Node, labels: &[(&str, &str)]) -> bool {
    let Some(entries) = selector.as_map() else {
        return false;
    };
    !entries.is_empty()
        && entries.iter().all(|(k, v)| {
            labels
                .iter()
                .any(|(lk, lv)| Some(*lk) == k.key_text() && Some(*lv) == v.key_text())
        })
}

/// Every Namespace the repository declares, and for each, the objects of one kind that
/// belong to it. Names repeat across environment directories (separate clusters), so an
/// object belongs to the declaration(s) of its namespace nearest to it in the directory tree.
pub struct NamespaceScope<'r, 'a> {
    /// The Namespace object, or for a configured namespace the repository does not declare,
    /// the first object deployed into it (findings point there).
    pub namespaces: Vec<&'r ObjectRef<'a>>,
    /// The namespace names, parallel to `namespaces`.
    pub names: Vec<&'a str>,
    /// Parallel to `namespaces`.
    pub members: Vec<Vec<&'r ObjectRef<'a>>>,
}

impl NamespaceScope<'_, '_> {
    /// Where to report about a namespace: its `metadata.name`, or the anchor object's
    /// `metadata.namespace` for a configured, undeclared namespace.
    pub fn anchor_span(&self, anchor: &ObjectRef<'_>, name: &str) -> crate::source::Span {
        if anchor.obj.kind == "Namespace" && anchor.obj.name == Some(name) {
            return anchor.obj.name_span();
        }
        anchor
            .obj
            .root
            .path(&["metadata", "namespace"])
            .map(|n| n.span)
            .unwrap_or_else(|| anchor.obj.name_span())
    }
}

impl<'a> Repo<'a> {
    /// Namespaces to check: the declared ones, plus configured ones the repository only
    /// deploys into (anchored at the first object in them).
    fn checked_namespaces<'r>(&'r self, extra: &[String]) -> Vec<(&'r ObjectRef<'a>, &'a str)> {
        let mut out: Vec<(&ObjectRef<'a>, &'a str)> = self
            .of_kind("", "Namespace")
            .filter_map(|n| n.obj.name.map(|name| (n, name)))
            .collect();
        for want in extra {
            if out.iter().any(|(_, n)| n == want) {
                continue;
            }
            if let Some(first) = self
                .objects
                .iter()
                .find(|o| o.obj.namespace == Some(want.as_str()))
                && let Some(name) = first.obj.namespace
            {
                out.push((first, name));
            }
        }
        out
    }

    pub fn namespace_scope<'r>(
        &'r self,
        group: &'r str,
        kind: &'r str,
        extra: &[String],
    ) -> NamespaceScope<'r, 'a> {
        let checked = self.checked_namespaces(extra);
        let names: Vec<&'a str> = checked.iter().map(|(_, n)| *n).collect();
        let namespaces: Vec<&ObjectRef<'a>> = checked.into_iter().map(|(o, _)| o).collect();
        let mut members = vec![Vec::new(); namespaces.len()];
        let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, n) in namespaces.iter().enumerate() {
            by_name
                .entry(n.obj.name.unwrap_or_default())
                .or_default()
                .push(i);
        }
        for o in self.of_kind(group, kind) {
            let Some(ns) = o.obj.namespace else { continue };
            let candidates: Vec<usize> = by_name.get(ns).cloned().unwrap_or_default();
            let best = candidates
                .iter()
                .map(|&i| common_dirs(namespaces[i].dir(), o.dir()))
                .max();
            for i in candidates {
                if Some(common_dirs(namespaces[i].dir(), o.dir())) == best {
                    members[i].push(o);
                }
            }
        }
        NamespaceScope {
            namespaces,
            names,
            members,
        }
    }
}

/// Length of the common leading directories of two `/`-separated paths.
pub fn common_dirs(a: &str, b: &str) -> usize {
    a.split('/')
        .zip(b.split('/'))
        .take_while(|(x, y)| x == y)
        .count()
}

#[cfg(test)]
mod tests {
    use super::common_dirs;

    #[test]
    fn normalizes_urls() {
        use super::normalize_repo_url as n;
        assert_eq!(
            n("https://user@GitHub.com/acme/gitops.git/"),
            "github.com/acme/gitops"
        );
        assert_eq!(n("git@github.com:acme/gitops"), "github.com/acme/gitops");
        assert_eq!(
            n("ssh://git@github.com/acme/gitops.git"),
            "github.com/acme/gitops"
        );
        assert_eq!(
            n("https://git.example.com:8443/a/b.git"),
            "git.example.com:8443/a/b"
        );
    }

    #[test]
    fn common_prefix() {
        assert_eq!(common_dirs("k8s/dev/ns", "k8s/dev/apps"), 2);
        assert_eq!(common_dirs("k8s/dev", "k8s/prod"), 1);
        assert_eq!(common_dirs("", "a"), 0);
    }
}
