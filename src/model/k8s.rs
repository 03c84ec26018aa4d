//! A typed view of one Kubernetes object in a YAML/JSON document: identity, and where each
//! workload kind keeps its pod spec and containers. Rules use these views instead of walking
//! raw trees. Depends on `parse::node`, `parse::file` (what a file holds) and `source`.

use crate::config::env::Env;
use crate::parse::file::{Content, Holds};
use crate::parse::node::Node;
use crate::source::Span;

/// One Kubernetes object (a document with string `apiVersion` and `kind`).
#[derive(Debug)]
pub struct K8sObject<'a> {
    pub root: &'a Node,
    pub api_version: &'a str,
    pub kind: &'a str,
    pub name: Option<&'a str>,
    pub namespace: Option<&'a str>,
    /// True for Kustomize patches and other partial objects: rules must not report
    /// missing fields on them.
    pub partial: bool,
    /// The environment from the file's path, else the namespace's suffix.
    pub env: Option<Env>,
}

/// The Kubernetes objects a document holds: the document itself, or the `items` of a
/// `kind: List` (or `*List`) document.
pub fn objects_in(root: &Node) -> Vec<&Node> {
    let Some(obj) = K8sObject::from_node(root) else {
        return Vec::new();
    };
    if obj.kind.ends_with("List")
        && let Some(items) = root.get("items").and_then(Node::as_seq)
    {
        return items
            .iter()
            .filter(|i| K8sObject::from_node(i).is_some())
            .collect();
    }
    vec![root]
}

/// What the documents of `content` hold (see [`Holds`]).
pub fn holds(content: &Content) -> Holds {
    let mut h = Holds::default();
    let Content::Docs(docs) = content else {
        return h;
    };
    for node in docs.iter().flat_map(|d| objects_in(&d.root)) {
        h.objects += 1;
        if let Some(o) = K8sObject::from_node(node) {
            h.applications |= o.kind == "Application" && o.group() == "argoproj.io";
            h.secrets |= o.kind == "Secret" && o.api_version == "v1";
        }
    }
    h
}

/// Where a container sits in its pod spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerKind {
    Container,
    Init,
    Ephemeral,
}

impl ContainerKind {
    pub fn label(self) -> &'static str {
        match self {
            ContainerKind::Container => "container",
            ContainerKind::Init => "init container",
            ContainerKind::Ephemeral => "ephemeral container",
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Container<'a> {
    pub node: &'a Node,
    pub kind: ContainerKind,
    pub name: Option<&'a str>,
}

impl<'a> Container<'a> {
    /// The span to report a missing field at: the container's `name:` value, else the
    /// container's first line.
    pub fn anchor_span(&self) -> Span {
        match self.node.entry("name") {
            Some((k, v)) => k.span.cover(v.span),
            None => Span::new(self.node.span.start(), self.node.span.start()),
        }
    }

    /// The container's `securityContext`.
    pub fn security_context(&self) -> Option<&'a Node> {
        self.node.get("securityContext")
    }

    pub fn display_name(&self) -> String {
        match self.name {
            Some(n) => format!("{} `{n}`", self.kind.label()),
            None => format!("unnamed {}", self.kind.label()),
        }
    }
}

impl<'a> K8sObject<'a> {
    /// The object view of a document, if it is one.
    pub fn from_node(root: &'a Node) -> Option<Self> {
        let api_version = root.get("apiVersion")?.as_str()?;
        let kind = root.get("kind")?.as_str()?;
        if api_version.is_empty() || kind.is_empty() {
            return None;
        }
        let meta = root.get("metadata");
        Some(K8sObject {
            root,
            api_version,
            kind,
            name: meta.and_then(|m| m.get("name")).and_then(Node::as_str),
            namespace: meta.and_then(|m| m.get("namespace")).and_then(Node::as_str),
            partial: false,
            env: None,
        })
    }

    /// Set the environment from the file's path, else the namespace's suffix.
    pub fn with_env_from(mut self, path: &str) -> Self {
        self.env = Env::from_path(path).or_else(|| self.namespace.and_then(Env::from_name));
        self
    }

    /// API group (`apps`, `argoproj.io`, or empty for the core group).
    pub fn group(&self) -> &'a str {
        // A byte scan: rules ask for the group of every object many times, and `rsplit_once`
        // costs more than the dozen bytes of an `apiVersion`.
        match self.api_version.bytes().rposition(|b| b == b'/') {
            Some(i) => &self.api_version[..i],
            None => "",
        }
    }

    /// `Kind/namespace/name` for logical locations.
    pub fn logical_name(&self) -> String {
        let name = self.name.unwrap_or("<unnamed>");
        match self.namespace {
            Some(ns) => format!("{}/{ns}/{name}", self.kind),
            None => format!("{}/{name}", self.kind),
        }
    }

    /// Span of `metadata.name` (value), else of `kind`, for object-level findings.
    pub fn name_span(&self) -> Span {
        self.root
            .path(&["metadata", "name"])
            .map(|n| n.span)
            .or_else(|| self.root.entry("kind").map(|(k, v)| k.span.cover(v.span)))
            .unwrap_or(self.root.span)
    }

    /// Annotation value on the object's metadata.
    pub fn annotation(&self, key: &str) -> Option<&'a Node> {
        self.root.path(&["metadata", "annotations"])?.get(key)
    }

    /// The pod spec, wherever this kind keeps it.
    pub fn pod_spec(&self) -> Option<&'a Node> {
        let spec = self.root.get("spec")?;
        let group = self.group();
        let pod = match (self.kind, group) {
            ("Pod", "") => Some(spec),
            ("PodTemplate", "") => self.root.path(&["template", "spec"]),
            ("ReplicationController", "") => spec.path(&["template", "spec"]),
            ("Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet", "apps" | "extensions") => {
                spec.path(&["template", "spec"])
            }
            ("Job", "batch") => spec.path(&["template", "spec"]),
            ("CronJob", "batch") => spec.path(&["jobTemplate", "spec", "template", "spec"]),
            ("Rollout", "argoproj.io") => spec.path(&["template", "spec"]),
            _ => None,
        }?;
        pod.as_map().map(|_| pod)
    }

    /// The pod-level `securityContext`.
    pub fn pod_security_context(&self) -> Option<&'a Node> {
        self.pod_spec()?.get("securityContext")
    }

    /// A security setting for a container: the container's own value, else the pod's.
    pub fn effective_security(&self, c: &Container<'a>, key: &str) -> Option<&'a Node> {
        c.security_context()
            .and_then(|sc| sc.get(key))
            .filter(|v| !v.is_null())
            .or_else(|| {
                self.pod_security_context()?
                    .get(key)
                    .filter(|v| !v.is_null())
            })
    }

    /// Windows pods are exempt from the Linux-only Pod Security checks.
    pub fn is_windows(&self) -> bool {
        self.pod_spec()
            .and_then(|p| p.path(&["os", "name"]))
            .and_then(Node::as_str)
            == Some("windows")
    }

    /// The pod template's metadata (the object's own for a bare Pod).
    pub fn pod_metadata(&self) -> Option<&'a Node> {
        self.pod_spec()?;
        match self.kind {
            "Pod" => self.root.get("metadata"),
            "CronJob" => self
                .root
                .path(&["spec", "jobTemplate", "spec", "template", "metadata"]),
            "PodTemplate" => self.root.path(&["template", "metadata"]),
            _ => self.root.path(&["spec", "template", "metadata"]),
        }
    }

    /// Labels of the pods this object runs, as (key, value) text pairs.
    pub fn pod_labels(&self) -> Vec<(&'a str, &'a str)> {
        self.pod_metadata()
            .and_then(|m| m.get("labels"))
            .and_then(Node::as_map)
            .unwrap_or(&[])
            .iter()
            .filter_map(|(k, v)| Some((k.key_text()?, v.key_text()?)))
            .collect()
    }

    /// True for kinds that run pods until stopped (not Jobs or bare Pods).
    pub fn is_long_running(&self) -> bool {
        matches!(
            self.kind,
            "Deployment"
                | "StatefulSet"
                | "DaemonSet"
                | "ReplicaSet"
                | "ReplicationController"
                | "Rollout"
        )
    }

    /// Every container, init container and ephemeral container of the pod spec.
    pub fn containers(&self) -> Vec<Container<'a>> {
        let Some(pod) = self.pod_spec() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (key, kind) in [
            ("initContainers", ContainerKind::Init),
            ("containers", ContainerKind::Container),
            ("ephemeralContainers", ContainerKind::Ephemeral),
        ] {
            for node in pod.get(key).into_iter().flat_map(Node::items) {
                if node.as_map().is_some() {
                    out.push(Container {
                        node,
                        kind,
                        name: node.get("name").and_then(Node::as_str),
                    });
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::yaml;

    #[test]
    fn finds_containers_per_kind() {
        let text = "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c, namespace: ns}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          initContainers: [{name: i, image: a}]\n          containers: [{name: m, image: b}]\n";
        let p = yaml::parse(text);
        let obj = K8sObject::from_node(&p.docs[0].root).expect("object");
        assert_eq!(obj.logical_name(), "CronJob/ns/c");
        let cs = obj.containers();
        assert_eq!(cs.len(), 2);
        assert_eq!(cs[0].kind, ContainerKind::Init);
        assert_eq!(cs[1].name, Some("m"));
    }

    #[test]
    fn non_objects_are_not_views() {
        let p = yaml::parse("foo: bar\n");
        assert!(K8sObject::from_node(&p.docs[0].root).is_none());
        let p = yaml::parse("apiVersion: v1\nkind: 3\n");
        assert!(K8sObject::from_node(&p.docs[0].root).is_none());
    }

    #[test]
    fn lists_hold_objects() {
        let p = yaml::parse(
            "apiVersion: v1\nkind: List\nitems:\n  - {apiVersion: v1, kind: Pod, metadata: {name: a}}\n  - {apiVersion: v1, kind: Pod, metadata: {name: b}}\n  - 3\n",
        );
        let objs = objects_in(&p.docs[0].root);
        assert_eq!(objs.len(), 2);
        let p = yaml::parse("apiVersion: v1\nkind: List\nitems: 7\n");
        assert_eq!(objects_in(&p.docs[0].root).len(), 1);
        let p = yaml::parse("just: data\n");
        assert!(objects_in(&p.docs[0].root).is_empty());
    }

    #[test]
    fn crd_named_deployment_has_no_pod_spec() {
        let p = yaml::parse(
            "apiVersion: example.com/v1\nkind: Rollout\nspec:\n  template:\n    spec: {containers: [{name: a}]}\n",
        );
        let obj = K8sObject::from_node(&p.docs[0].root).expect("object");
        assert!(obj.pod_spec().is_none());
    }
}
