//! Built-in transformers (namespace, name prefix/suffix, labels, annotations, images,
//! replicas), name references rewritten after renames, selectors, and the legacy order.

use crate::render::Origin;

use super::kfile::{Image, Selector};
use super::tree::{N, V};

/// One resource of a build.
#[derive(Clone, Debug)]
pub struct Res {
    pub obj: N,
    /// Every (name, namespace) the resource had before its current one, oldest first.
    pub history: Vec<(String, String)>,
    /// A generated ConfigMap/Secret that takes the content-hash suffix at the end.
    pub needs_hash: bool,
}

impl Res {
    pub fn new(obj: N) -> Res {
        Res {
            obj,
            history: Vec::new(),
            needs_hash: false,
        }
    }
    pub fn kind(&self) -> &str {
        self.obj.str_at(&["kind"]).unwrap_or("")
    }
    pub fn api_version(&self) -> &str {
        self.obj.str_at(&["apiVersion"]).unwrap_or("")
    }
    pub fn group(&self) -> &str {
        group_of(self.api_version())
    }
    pub fn version(&self) -> &str {
        let av = self.api_version();
        av.rsplit_once('/').map(|(_, v)| v).unwrap_or(av)
    }
    pub fn name(&self) -> &str {
        self.obj.str_at(&["metadata", "name"]).unwrap_or("")
    }
    pub fn namespace(&self) -> &str {
        self.obj.str_at(&["metadata", "namespace"]).unwrap_or("")
    }
    /// The name it was first given.
    pub fn org_name(&self) -> &str {
        self.history
            .first()
            .map(|h| h.0.as_str())
            .unwrap_or(self.name())
    }
    pub fn org_namespace(&self) -> &str {
        self.history
            .first()
            .map(|h| h.1.as_str())
            .unwrap_or(self.namespace())
    }
    /// Whether `name` is its current or any previous name.
    pub fn had_name(&self, name: &str) -> bool {
        self.name() == name || self.history.iter().any(|h| h.0 == name)
    }
    fn remember(&mut self) {
        let cur = (self.name().to_string(), self.namespace().to_string());
        if self.history.last() != Some(&cur) {
            self.history.push(cur);
        }
    }
    pub fn set_name(&mut self, name: String, o: Option<Origin>) {
        self.remember();
        let meta = self.obj.child_map("metadata", &o);
        meta.set("name", N::string(name, o));
    }
    pub fn set_namespace(&mut self, ns: &str, o: &Option<Origin>) {
        self.remember();
        let meta = self.obj.child_map("metadata", o);
        meta.set("namespace", N::string(ns, o.clone()));
    }
    /// "The same id" as kustomize's ResId equality over any id (current or previous).
    pub fn matches_id(&self, api_version: &str, kind: &str, name: &str, ns: &str) -> bool {
        if self.kind() != kind || self.api_version() != api_version {
            return false;
        }
        let ns_eq = |a: &str| eff_ns(a) == eff_ns(ns);
        (self.name() == name && ns_eq(self.namespace()))
            || self.history.iter().any(|(n, s)| n == name && ns_eq(s))
    }
}

pub fn group_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map(|(g, _)| g).unwrap_or("")
}

fn eff_ns(ns: &str) -> &str {
    if ns.is_empty() { "default" } else { ns }
}

/// Kinds Kubernetes keeps outside namespaces (kind, group).
const CLUSTER_SCOPED: &[(&str, &str)] = &[
    ("Namespace", ""),
    ("Node", ""),
    ("PersistentVolume", ""),
    ("ComponentStatus", ""),
    ("ClusterRole", "rbac.authorization.k8s.io"),
    ("ClusterRoleBinding", "rbac.authorization.k8s.io"),
    ("CustomResourceDefinition", "apiextensions.k8s.io"),
    ("StorageClass", "storage.k8s.io"),
    ("CSIDriver", "storage.k8s.io"),
    ("CSINode", "storage.k8s.io"),
    ("VolumeAttachment", "storage.k8s.io"),
    ("PriorityClass", "scheduling.k8s.io"),
    (
        "ValidatingWebhookConfiguration",
        "admissionregistration.k8s.io",
    ),
    (
        "MutatingWebhookConfiguration",
        "admissionregistration.k8s.io",
    ),
    ("ValidatingAdmissionPolicy", "admissionregistration.k8s.io"),
    (
        "ValidatingAdmissionPolicyBinding",
        "admissionregistration.k8s.io",
    ),
    ("APIService", "apiregistration.k8s.io"),
    ("RuntimeClass", "node.k8s.io"),
    ("PodSecurityPolicy", "policy"),
    ("PodSecurityPolicy", "extensions"),
    ("IngressClass", "networking.k8s.io"),
    ("CertificateSigningRequest", "certificates.k8s.io"),
    ("FlowSchema", "flowcontrol.apiserver.k8s.io"),
    ("PriorityLevelConfiguration", "flowcontrol.apiserver.k8s.io"),
    ("TokenReview", "authentication.k8s.io"),
    ("SelfSubjectReview", "authentication.k8s.io"),
    ("SubjectAccessReview", "authorization.k8s.io"),
    ("SelfSubjectAccessReview", "authorization.k8s.io"),
    ("SelfSubjectRulesReview", "authorization.k8s.io"),
];

pub fn is_cluster_scoped(kind: &str, group: &str) -> bool {
    CLUSTER_SCOPED
        .iter()
        .any(|(k, g)| *k == kind && *g == group)
}

// ---------------------------------------------------------------- field specs

/// A field path (`/`-separated; lists are crossed implicitly) on the kinds it applies to.
struct Fs {
    kind: Option<&'static str>,
    group: Option<&'static str>,
    path: &'static str,
    create: bool,
}

const fn fs(kind: &'static str, path: &'static str, create: bool) -> Fs {
    Fs {
        kind: Some(kind),
        group: None,
        path,
        create,
    }
}

const fn fsg(kind: &'static str, group: &'static str, path: &'static str, create: bool) -> Fs {
    Fs {
        kind: Some(kind),
        group: Some(group),
        path,
        create,
    }
}

const AFFINITY: &[&str] = &[
    "spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
    "spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
    "spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
    "spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
    "spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels",
];

/// Label paths other than metadata/labels (kustomize's commonLabels / templateLabels).
const TEMPLATE_LABELS: &[Fs] = &[
    fs(
        "ReplicationController",
        "spec/template/metadata/labels",
        true,
    ),
    fs("Deployment", "spec/template/metadata/labels", true),
    fs("ReplicaSet", "spec/template/metadata/labels", true),
    fs("DaemonSet", "spec/template/metadata/labels", true),
    fsg("StatefulSet", "apps", "spec/template/metadata/labels", true),
    fsg("Job", "batch", "spec/template/metadata/labels", true),
    fsg("CronJob", "batch", "spec/jobTemplate/metadata/labels", true),
    fsg(
        "CronJob",
        "batch",
        "spec/jobTemplate/spec/template/metadata/labels",
        true,
    ),
    fsg(
        "StatefulSet",
        "apps",
        "spec/volumeClaimTemplates/metadata/labels",
        true,
    ),
];

const SELECTOR_LABELS: &[Fs] = &[
    fs("Service", "spec/selector", true),
    fs("ReplicationController", "spec/selector", true),
    fs("Deployment", "spec/selector/matchLabels", true),
    fs("ReplicaSet", "spec/selector/matchLabels", true),
    fs("DaemonSet", "spec/selector/matchLabels", true),
    fsg("StatefulSet", "apps", "spec/selector/matchLabels", true),
    fsg("Job", "batch", "spec/selector/matchLabels", false),
    fsg(
        "CronJob",
        "batch",
        "spec/jobTemplate/spec/selector/matchLabels",
        false,
    ),
    fsg(
        "PodDisruptionBudget",
        "policy",
        "spec/selector/matchLabels",
        false,
    ),
    fsg(
        "NetworkPolicy",
        "networking.k8s.io",
        "spec/podSelector/matchLabels",
        false,
    ),
    fsg(
        "NetworkPolicy",
        "networking.k8s.io",
        "spec/ingress/from/podSelector/matchLabels",
        false,
    ),
    fsg(
        "NetworkPolicy",
        "networking.k8s.io",
        "spec/egress/to/podSelector/matchLabels",
        false,
    ),
];

const TEMPLATE_ANNOTATIONS: &[Fs] = &[
    fs(
        "ReplicationController",
        "spec/template/metadata/annotations",
        true,
    ),
    fs("Deployment", "spec/template/metadata/annotations", true),
    fs("ReplicaSet", "spec/template/metadata/annotations", true),
    fs("DaemonSet", "spec/template/metadata/annotations", true),
    fs("StatefulSet", "spec/template/metadata/annotations", true),
    fsg("Job", "batch", "spec/template/metadata/annotations", true),
    fsg(
        "CronJob",
        "batch",
        "spec/jobTemplate/metadata/annotations",
        true,
    ),
    fsg(
        "CronJob",
        "batch",
        "spec/jobTemplate/spec/template/metadata/annotations",
        true,
    ),
];

const REPLICAS: &[&str] = &[
    "Deployment",
    "ReplicationController",
    "ReplicaSet",
    "StatefulSet",
];

fn applies(f: &Fs, r: &Res) -> bool {
    f.kind.is_none_or(|k| k == r.kind()) && f.group.is_none_or(|g| g == r.group())
}

/// Visit the node at `path` (crossing lists), creating maps on the way when `create`.
fn visit(n: &mut N, segs: &[&str], create: bool, o: &Option<Origin>, f: &mut dyn FnMut(&mut N)) {
    let Some((first, rest)) = segs.split_first() else {
        f(n);
        return;
    };
    match &mut n.v {
        V::Seq(items) => {
            for i in items {
                visit(i, segs, create, o, f);
            }
        }
        V::Map(_) => {
            if n.get(first).is_none() {
                if !create {
                    return;
                }
                n.set(first, N::map(o.clone()));
            }
            if let Some(c) = n.get_mut(first) {
                if c.is_null() {
                    if !create {
                        return;
                    }
                    *c = N::map(o.clone());
                }
                visit(c, rest, create, o, f);
            }
        }
        V::Scalar(..) => {}
    }
}

fn add_pairs(n: &mut N, pairs: &[(String, String, Origin)]) {
    if !matches!(n.v, V::Map(_)) {
        return;
    }
    for (k, v, o) in pairs {
        n.set(k, N::string(v.clone(), Some(o.clone())));
    }
}

/// commonLabels, or a `labels` entry.
pub fn labels(
    rs: &mut [Res],
    pairs: &[(String, String, Origin)],
    selectors: bool,
    templates: bool,
) {
    if pairs.is_empty() {
        return;
    }
    let o = Some(pairs[0].2.clone());
    for r in rs.iter_mut() {
        let mut specs: Vec<&Fs> = Vec::new();
        if selectors || templates {
            specs.extend(TEMPLATE_LABELS.iter());
        }
        if selectors {
            specs.extend(SELECTOR_LABELS.iter());
        }
        let meta = r.obj.child_map("metadata", &o);
        let lab = meta.child_map("labels", &o);
        add_pairs(lab, pairs);
        for f in specs {
            if applies(f, r) {
                let segs: Vec<&str> = f.path.split('/').collect();
                visit(&mut r.obj, &segs, f.create, &o, &mut |n| {
                    add_pairs(n, pairs)
                });
            }
        }
        if selectors && matches!(r.kind(), "Deployment" | "StatefulSet") && r.group() == "apps" {
            for p in AFFINITY {
                let segs: Vec<&str> = p.split('/').collect();
                visit(&mut r.obj, &segs, false, &o, &mut |n| add_pairs(n, pairs));
            }
        }
    }
}

pub fn annotations(rs: &mut [Res], pairs: &[(String, String, Origin)]) {
    if pairs.is_empty() {
        return;
    }
    let o = Some(pairs[0].2.clone());
    for r in rs.iter_mut() {
        let meta = r.obj.child_map("metadata", &o);
        let ann = meta.child_map("annotations", &o);
        add_pairs(ann, pairs);
        for f in TEMPLATE_ANNOTATIONS {
            if applies(f, r) {
                let segs: Vec<&str> = f.path.split('/').collect();
                visit(&mut r.obj, &segs, f.create, &o, &mut |n| {
                    add_pairs(n, pairs)
                });
            }
        }
    }
}

pub fn namespace(rs: &mut [Res], ns: &str, o: &Origin) {
    let o = Some(o.clone());
    for r in rs.iter_mut() {
        let (kind, group) = (r.kind().to_string(), r.group().to_string());
        if kind == "Namespace" && r.api_version() == "v1" {
            r.set_name(ns.to_string(), o.clone());
            continue;
        }
        if !is_cluster_scoped(&kind, &group) {
            r.set_namespace(ns, &o);
        }
        if (kind == "RoleBinding" || kind == "ClusterRoleBinding")
            && let Some(subjects) = r.obj.get_mut("subjects").and_then(N::as_seq_mut)
        {
            for s in subjects {
                if s.get("name").and_then(N::text) == Some("default") {
                    s.set("namespace", N::string(ns, o.clone()));
                }
            }
        }
        if kind == "APIService" && group == "apiregistration.k8s.io" {
            visit(&mut r.obj, &["spec", "service"], false, &o, &mut |n| {
                n.set("namespace", N::string(ns, o.clone()))
            });
        }
        if kind == "CustomResourceDefinition" {
            visit(
                &mut r.obj,
                &["spec", "conversion", "webhook", "clientConfig", "service"],
                false,
                &o,
                &mut |n| {
                    if n.get("namespace").is_some() {
                        n.set("namespace", N::string(ns, o.clone()))
                    }
                },
            );
        }
    }
}

fn skip_rename(r: &Res) -> bool {
    let kind = r.kind();
    kind == "CustomResourceDefinition"
        || kind == "Namespace"
        || (kind == "APIService" && r.group() == "apiregistration.k8s.io")
}

pub fn prefix_suffix(rs: &mut [Res], prefix: &str, suffix: &str, o: &Origin) {
    for r in rs.iter_mut() {
        if skip_rename(r) {
            continue;
        }
        let name = format!("{prefix}{}{suffix}", r.name());
        r.set_name(name, Some(o.clone()));
    }
}

/// `name[:tag][@digest]` split as kustomize does.
pub fn split_image(s: &str) -> (&str, &str, &str) {
    let slash = s.find('/').filter(|&i| i > 0).unwrap_or(0);
    let search = &s[slash..];
    let id = search.find('@');
    let ic = search.find(':');
    match (ic, id) {
        (None, None) => (s, "", ""),
        (ic, Some(id)) if ic.is_none_or(|c| id < c) => {
            let id = id + slash;
            (&s[..id], "", &s[id + 1..])
        }
        (Some(ic), Some(id)) => {
            let (ic, id) = (ic + slash, id + slash);
            (&s[..ic], &s[ic + 1..id], &s[id + 1..])
        }
        (Some(ic), None) => {
            let ic = ic + slash;
            (&s[..ic], &s[ic + 1..], "")
        }
        _ => (s, "", ""),
    }
}

/// An `images` entry's name matcher (kustomize uses the name as a regular expression).
struct ImageMatcher<'a> {
    img: &'a Image,
    re: regex::Regex,
}

impl<'a> ImageMatcher<'a> {
    /// `None` when the name is not a valid regular expression (kustomize then crashes).
    fn new(img: &'a Image) -> Option<Self> {
        let pat = format!(
            "^{}(:[a-zA-Z0-9_.{{}}-]*)?(@sha256:[a-zA-Z0-9_.{{}}-]*)?$",
            img.name
        );
        Some(ImageMatcher {
            img,
            re: regex::Regex::new(&pat).ok()?,
        })
    }

    fn matches(&self, value: &str) -> bool {
        self.re.is_match(value)
    }
}

fn new_image(value: &str, m: &ImageMatcher) -> Option<String> {
    let img = m.img;
    if !m.matches(value) {
        return None;
    }
    let (name, tag, digest) = split_image(value);
    let mut name = name.to_string();
    let (mut tag, mut digest) = (tag.to_string(), digest.to_string());
    if let Some(n) = &img.new_name {
        name = n.clone();
    }
    match (&img.new_tag, &img.digest, &img.tag_suffix) {
        (Some(t), Some(d), _) => {
            tag = t.clone();
            digest = d.clone();
        }
        (Some(t), None, _) => {
            tag = t.clone();
            digest.clear();
        }
        (None, Some(d), _) => {
            tag.clear();
            digest = d.clone();
        }
        (None, None, Some(s)) => {
            tag.push_str(s);
            digest.clear();
        }
        _ => {}
    }
    if !tag.is_empty() {
        name.push(':');
        name.push_str(&tag);
    }
    if !digest.is_empty() {
        name.push('@');
        name.push_str(&digest);
    }
    Some(name)
}

fn images_walk(n: &mut N, img: &ImageMatcher, depth: usize) {
    // kustomize walks the whole object; parsed YAML nests at most `MAX_DEPTH` levels, so
    // this bound (for trees built deeper by hand) never cuts a parsed object short.
    if depth > crate::parse::yaml::MAX_DEPTH {
        return;
    }
    match &mut n.v {
        V::Map(m) => {
            for (k, v) in m.iter_mut() {
                images_walk(v, img, depth + 1);
                if k == "containers" || k == "initContainers" {
                    for c in v.as_seq_mut().into_iter().flatten() {
                        if let Some(im) = c.get_mut("image")
                            && let Some(t) = im.text()
                            && let Some(new) = new_image(t, img)
                        {
                            *im = N::string(new, Some(img.img.origin.clone()));
                        }
                    }
                }
            }
        }
        V::Seq(s) => s.iter_mut().for_each(|i| images_walk(i, img, depth + 1)),
        V::Scalar(..) => {}
    }
}

/// kustomize runs two image filters one after the other: one over every `containers` /
/// `initContainers` list anywhere (not in CRDs), then one over the images field specs
/// (`spec/...` and `spec/template/spec/...`). A tag suffix therefore lands twice on the
/// containers the field specs name, as it does with kustomize.
pub fn images(rs: &mut [Res], img: &Image) -> Result<(), String> {
    let Some(m) = ImageMatcher::new(img) else {
        return Err(format!(
            "images: name {:?} is not a valid regular expression (kustomize matches image names as one, and crashes on it)",
            img.name
        ));
    };
    for r in rs.iter_mut() {
        if r.kind() != "CustomResourceDefinition" {
            images_walk(&mut r.obj, &m, 0);
        }
        for base in [&["spec"][..], &["spec", "template", "spec"][..]] {
            let Some(spec) = r.obj.path_mut(base) else {
                continue;
            };
            for field in ["containers", "initContainers"] {
                for c in spec
                    .get_mut(field)
                    .and_then(N::as_seq_mut)
                    .into_iter()
                    .flatten()
                {
                    if let Some(im) = c.get_mut("image")
                        && let Some(t) = im.text()
                        && let Some(new) = new_image(t, &m)
                    {
                        *im = N::string(new, Some(img.origin.clone()));
                    }
                }
            }
        }
    }
    Ok(())
}

/// Set `spec/replicas` of the named workloads; false when nothing matched.
pub fn replicas(rs: &mut [Res], name: &str, count: &N) -> bool {
    let mut hit = false;
    for r in rs.iter_mut() {
        if !r.had_name(name) || !REPLICAS.contains(&r.kind()) {
            continue;
        }
        hit = true;
        let o = count.o.clone();
        let spec = r.obj.child_map("spec", &o);
        spec.set("replicas", count.clone());
    }
    hit
}

// ---------------------------------------------------------------- selectors

/// A name or namespace pattern of a selector (anchored, as kustomize), `None` when absent
/// or empty; an error when it is no regular expression (kustomize fails then).
fn pattern(p: &Option<String>, what: &str) -> Result<Option<regex::Regex>, String> {
    let Some(text) = p.as_deref().filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    regex::Regex::new(&format!("^(?:{text})$"))
        .map(Some)
        .map_err(|_| format!("patch target {what} {text:?} is not a valid regular expression"))
}

/// A `target` selector with its patterns compiled.
pub struct Compiled<'a> {
    sel: &'a Selector,
    name: Option<regex::Regex>,
    namespace: Option<regex::Regex>,
}

impl<'a> Compiled<'a> {
    pub fn new(sel: &'a Selector) -> Result<Self, String> {
        Ok(Compiled {
            sel,
            name: pattern(&sel.name, "name")?,
            namespace: pattern(&sel.namespace, "namespace")?,
        })
    }
}

/// A Kubernetes label selector (`a=b,c!=d,e in (f,g),!h,i`) against a label map.
pub fn label_selector_matches(sel: &str, labels: Option<&N>) -> bool {
    let get = |k: &str| labels.and_then(|l| l.get(k)).and_then(N::text);
    // Split on commas that are not inside parentheses.
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in sel.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&sel[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&sel[start..]);
    for p in parts {
        let p = p.trim();
        if p.is_empty() {
            continue;
        }
        let ok = if let Some(k) = p.strip_prefix('!') {
            get(k.trim()).is_none()
        } else if let Some((k, v)) = p.split_once("!=") {
            get(k.trim()) != Some(v.trim())
        } else if let Some((k, v)) = p.split_once("==") {
            get(k.trim()) == Some(v.trim())
        } else if let Some((k, v)) = p.split_once('=') {
            get(k.trim()) == Some(v.trim())
        } else if let Some((k, rest)) = p.split_once(" notin ") {
            let set = set_of(rest);
            get(k.trim()).is_none_or(|v| !set.contains(&v))
        } else if let Some((k, rest)) = p.split_once(" in ") {
            let set = set_of(rest);
            get(k.trim()).is_some_and(|v| set.contains(&v))
        } else {
            get(p).is_some()
        };
        if !ok {
            return false;
        }
    }
    true
}

fn set_of(s: &str) -> Vec<&str> {
    s.trim()
        .trim_start_matches('(')
        .trim_end_matches(')')
        .split(',')
        .map(str::trim)
        .collect()
}

pub fn selects(c: &Compiled, r: &Res) -> bool {
    let sel = c.sel;
    if let Some(g) = &sel.group
        && !g.is_empty()
        && g != r.group()
    {
        return false;
    }
    if let Some(v) = &sel.version
        && !v.is_empty()
        && v != r.version()
    {
        return false;
    }
    if let Some(k) = &sel.kind
        && !k.is_empty()
        && k != r.kind()
    {
        return false;
    }
    if let Some(n) = &c.name
        && !n.is_match(r.org_name())
        && !n.is_match(r.name())
    {
        return false;
    }
    if let Some(ns) = &c.namespace
        && !ns.is_match(eff_ns(r.org_namespace()))
        && !ns.is_match(eff_ns(r.namespace()))
    {
        return false;
    }
    if let Some(ls) = &sel.label_selector
        && !label_selector_matches(ls, r.obj.path(&["metadata", "labels"]))
    {
        return false;
    }
    if let Some(a) = &sel.annotation_selector
        && !label_selector_matches(a, r.obj.path(&["metadata", "annotations"]))
    {
        return false;
    }
    true
}

// ---------------------------------------------------------------- name references

const POD_KINDS: &[(&str, &str)] = &[
    ("Pod", "spec"),
    ("PodTemplate", "template/spec"),
    ("Deployment", "spec/template/spec"),
    ("ReplicaSet", "spec/template/spec"),
    ("DaemonSet", "spec/template/spec"),
    ("StatefulSet", "spec/template/spec"),
    ("Job", "spec/template/spec"),
    ("CronJob", "spec/jobTemplate/spec/template/spec"),
    ("ReplicationController", "spec/template/spec"),
];

const CM_POD_PATHS: &[&str] = &[
    "volumes/configMap/name",
    "containers/env/valueFrom/configMapKeyRef/name",
    "initContainers/env/valueFrom/configMapKeyRef/name",
    "containers/envFrom/configMapRef/name",
    "initContainers/envFrom/configMapRef/name",
    "volumes/projected/sources/configMap/name",
];

const SECRET_POD_PATHS: &[&str] = &[
    "volumes/secret/secretName",
    "containers/env/valueFrom/secretKeyRef/name",
    "initContainers/env/valueFrom/secretKeyRef/name",
    "containers/envFrom/secretRef/name",
    "initContainers/envFrom/secretRef/name",
    "imagePullSecrets/name",
    "volumes/projected/sources/secret/name",
];

/// (referenced kind, referrer kind, path) for references outside pod specs.
const OTHER_REFS: &[(&str, &str, &str)] = &[
    (
        "Deployment",
        "HorizontalPodAutoscaler",
        "spec/scaleTargetRef/name",
    ),
    (
        "ReplicationController",
        "HorizontalPodAutoscaler",
        "spec/scaleTargetRef/name",
    ),
    (
        "ReplicaSet",
        "HorizontalPodAutoscaler",
        "spec/scaleTargetRef/name",
    ),
    (
        "StatefulSet",
        "HorizontalPodAutoscaler",
        "spec/scaleTargetRef/name",
    ),
    ("ConfigMap", "Role", "rules/resourceNames"),
    ("ConfigMap", "ClusterRole", "rules/resourceNames"),
    ("Secret", "Ingress", "spec/tls/secretName"),
    ("Secret", "ServiceAccount", "imagePullSecrets/name"),
    ("Secret", "Role", "rules/resourceNames"),
    ("Secret", "ClusterRole", "rules/resourceNames"),
    ("Service", "StatefulSet", "spec/serviceName"),
    (
        "Service",
        "Ingress",
        "spec/rules/http/paths/backend/serviceName",
    ),
    ("Service", "Ingress", "spec/backend/serviceName"),
    (
        "Service",
        "Ingress",
        "spec/rules/http/paths/backend/service/name",
    ),
    ("Service", "Ingress", "spec/defaultBackend/service/name"),
    ("Service", "APIService", "spec/service/name"),
    ("Role", "RoleBinding", "roleRef/name"),
    ("ClusterRole", "RoleBinding", "roleRef/name"),
    ("ClusterRole", "ClusterRoleBinding", "roleRef/name"),
    (
        "PersistentVolume",
        "PersistentVolumeClaim",
        "spec/volumeName",
    ),
    ("StorageClass", "PersistentVolume", "spec/storageClassName"),
    (
        "StorageClass",
        "PersistentVolumeClaim",
        "spec/storageClassName",
    ),
    (
        "StorageClass",
        "StatefulSet",
        "spec/volumeClaimTemplates/spec/storageClassName",
    ),
    ("IngressClass", "Ingress", "spec/ingressClassName"),
    (
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "spec/policyName",
    ),
];

/// Kinds referred to by `serviceAccountName` etc. (not from ReplicaSet: as kustomize).
const SA_LIKE_KINDS: &[&str] = &[
    "Pod",
    "StatefulSet",
    "Deployment",
    "ReplicationController",
    "CronJob",
    "Job",
    "DaemonSet",
];

struct Target {
    idx: usize,
    name: String,
    namespace: String,
}

/// Snapshot of who is called what, for reference rewriting.
struct Index {
    /// (kind, current name, current ns, names it had, (name, ns) pairs it had, cluster-scoped)
    #[allow(clippy::type_complexity)]
    items: Vec<(
        String,
        String,
        String,
        Vec<String>,
        Vec<(String, String)>,
        bool,
    )>,
}

impl Index {
    fn build(rs: &[Res]) -> Index {
        Index {
            items: rs
                .iter()
                .map(|r| {
                    let mut names: Vec<String> = r.history.iter().map(|h| h.0.clone()).collect();
                    names.push(r.name().to_string());
                    let mut ids = r.history.clone();
                    ids.push((r.name().to_string(), r.namespace().to_string()));
                    (
                        r.kind().to_string(),
                        r.name().to_string(),
                        r.namespace().to_string(),
                        names,
                        ids,
                        is_cluster_scoped(r.kind(), r.group()),
                    )
                })
                .collect(),
        }
    }

    /// The ServiceAccount a binding subject names: same name and, when the subject gives a
    /// namespace, a namespace the account had.
    fn find_subject(&self, name: &str, ns: Option<&str>) -> Option<Target> {
        let hits: Vec<usize> = (0..self.items.len())
            .filter(|&i| {
                let it = &self.items[i];
                it.0 == "ServiceAccount"
                    && it
                        .4
                        .iter()
                        .any(|(n, s)| n == name && ns.is_none_or(|ns| eff_ns(s) == eff_ns(ns)))
            })
            .collect();
        if hits.len() != 1 {
            return None;
        }
        let it = &self.items[hits[0]];
        Some(Target {
            idx: hits[0],
            name: it.1.clone(),
            namespace: it.2.clone(),
        })
    }

    /// The resource of `kind` once called `name`, as kustomize picks a referral: a
    /// namespaced referrer (in `ns`) sees only cluster-scoped ones and those of its own
    /// namespace; of what is left, the one, or the first of several that all have the same
    /// name now. Several names: none (kustomize stops with "found multiple possible
    /// referrals"). Binding subjects are [`Index::find_subject`]'s.
    fn find(&self, kind: &str, name: &str, ns: Option<&str>, me: usize) -> Option<Target> {
        let cands: Vec<usize> = (0..self.items.len())
            .filter(|&i| i != me || kind == "ServiceAccount")
            .filter(|&i| self.items[i].0 == kind && self.items[i].3.iter().any(|n| n == name))
            .filter(|&i| {
                let it = &self.items[i];
                ns.is_none_or(|ns| it.5 || eff_ns(&it.2) == eff_ns(ns))
            })
            .collect();
        let pick = *cands.first()?;
        let it = &self.items[pick];
        if cands.iter().any(|&i| self.items[i].1 != it.1) {
            return None;
        }
        Some(Target {
            idx: pick,
            name: it.1.clone(),
            namespace: it.2.clone(),
        })
    }
}

/// Rewrite the names of `kind` at `path` of the referrer `me` (in namespace `ns`; `None`
/// when it is cluster-scoped).
fn rewrite_at(n: &mut N, path: &str, kind: &str, ns: Option<&str>, me: usize, ix: &Index) {
    let segs: Vec<&str> = path.split('/').collect();
    visit(n, &segs, false, &None, &mut |leaf| match &mut leaf.v {
        V::Scalar(..) => {
            if let Some(t) = leaf.text().and_then(|v| ix.find(kind, v, ns, me))
                && Some(t.name.as_str()) != leaf.text()
            {
                let o = leaf.o.clone();
                *leaf = N::string(t.name, o);
            }
        }
        V::Seq(items) => {
            for it in items {
                if let Some(t) = it.text().and_then(|v| ix.find(kind, v, ns, me))
                    && Some(t.name.as_str()) != it.text()
                {
                    let o = it.o.clone();
                    *it = N::string(t.name, o);
                }
            }
        }
        V::Map(_) => {}
    });
}

/// Rewrite every reference to a renamed resource (prefix, suffix, hash) to its final name.
pub fn fix_references(rs: &mut [Res]) {
    let renamed = rs.iter().any(|r| !r.history.is_empty());
    if !renamed {
        return;
    }
    let ix = Index::build(rs);
    for (me, r) in rs.iter_mut().enumerate() {
        let kind = r.kind().to_string();
        let scope = (!is_cluster_scoped(&kind, r.group())).then(|| r.namespace().to_string());
        let ns = scope.as_deref();
        if let Some((_, base)) = POD_KINDS.iter().find(|(k, _)| *k == kind) {
            for p in CM_POD_PATHS {
                rewrite_at(&mut r.obj, &format!("{base}/{p}"), "ConfigMap", ns, me, &ix);
            }
            for p in SECRET_POD_PATHS {
                rewrite_at(&mut r.obj, &format!("{base}/{p}"), "Secret", ns, me, &ix);
            }
            if SA_LIKE_KINDS.contains(&kind.as_str()) {
                for (target, field) in [
                    ("ServiceAccount", "serviceAccountName"),
                    (
                        "PersistentVolumeClaim",
                        "volumes/persistentVolumeClaim/claimName",
                    ),
                    ("PriorityClass", "priorityClassName"),
                ] {
                    rewrite_at(&mut r.obj, &format!("{base}/{field}"), target, ns, me, &ix);
                }
            }
        }
        for (target, referrer, path) in OTHER_REFS {
            if *referrer != kind {
                continue;
            }
            if path.starts_with("roleRef") {
                let rk = r.obj.str_at(&["roleRef", "kind"]).unwrap_or("");
                if rk != *target {
                    continue;
                }
            }
            if path.contains("scaleTargetRef") {
                let rk = r
                    .obj
                    .str_at(&["spec", "scaleTargetRef", "kind"])
                    .unwrap_or("");
                if rk != *target {
                    continue;
                }
            }
            rewrite_at(&mut r.obj, path, target, ns, me, &ix);
        }
        if kind == "RoleBinding" || kind == "ClusterRoleBinding" {
            for s in r
                .obj
                .get_mut("subjects")
                .and_then(N::as_seq_mut)
                .into_iter()
                .flatten()
            {
                if s.str_at(&["kind"]) != Some("ServiceAccount") {
                    continue;
                }
                let Some(name) = s.str_at(&["name"]).map(String::from) else {
                    continue;
                };
                let sns = s.str_at(&["namespace"]).map(String::from);
                if let Some(t) = ix.find_subject(&name, sns.as_deref()) {
                    let _ = t.idx;
                    if t.name != name {
                        let o = s.get("name").and_then(|n| n.o.clone());
                        s.set("name", N::string(t.name, o));
                    }
                    if !t.namespace.is_empty() && sns.as_deref() != Some(t.namespace.as_str()) {
                        let o = s.get("namespace").and_then(|n| n.o.clone()).or(s.o.clone());
                        s.set("namespace", N::string(t.namespace, o));
                    }
                }
            }
        }
        if kind == "ValidatingWebhookConfiguration" || kind == "MutatingWebhookConfiguration" {
            for w in r
                .obj
                .get_mut("webhooks")
                .and_then(N::as_seq_mut)
                .into_iter()
                .flatten()
            {
                if let Some(svc) = w.path_mut(&["clientConfig", "service"]) {
                    let Some(name) = svc.str_at(&["name"]).map(String::from) else {
                        continue;
                    };
                    let sns = svc.str_at(&["namespace"]).map(String::from);
                    if let Some(t) = ix.find("Service", &name, sns.as_deref(), usize::MAX) {
                        let o = svc.get("name").and_then(|n| n.o.clone());
                        svc.set("name", N::string(t.name, o));
                        if !t.namespace.is_empty() {
                            let o = svc.get("namespace").and_then(|n| n.o.clone());
                            svc.set("namespace", N::string(t.namespace, o));
                        }
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------- order

const ORDER_FIRST: &[&str] = &[
    "Namespace",
    "ResourceQuota",
    "StorageClass",
    "CustomResourceDefinition",
    "ServiceAccount",
    "PodSecurityPolicy",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "ConfigMap",
    "Secret",
    "Endpoints",
    "Service",
    "LimitRange",
    "PriorityClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "Deployment",
    "StatefulSet",
    "CronJob",
    "PodDisruptionBudget",
];
const ORDER_LAST: &[&str] = &[
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

/// kustomize's legacy order: kinds first/last by the lists, then by group/version/kind,
/// then namespace and name.
pub fn legacy_sort(rs: &mut [Res], first: Option<&[String]>, last: Option<&[String]>) {
    let rank = |kind: &str| -> i64 {
        let (f, l): (Vec<&str>, Vec<&str>) = match (first, last) {
            (Some(f), Some(l)) => (
                f.iter().map(String::as_str).collect(),
                l.iter().map(String::as_str).collect(),
            ),
            (Some(f), None) => (f.iter().map(String::as_str).collect(), Vec::new()),
            (None, Some(l)) => (Vec::new(), l.iter().map(String::as_str).collect()),
            (None, None) => (ORDER_FIRST.to_vec(), ORDER_LAST.to_vec()),
        };
        if let Some(i) = f.iter().position(|k| *k == kind) {
            return i as i64 - f.len() as i64;
        }
        if let Some(i) = l.iter().position(|k| *k == kind) {
            return 1 + i as i64;
        }
        0
    };
    let gvk = |r: &Res| {
        let g = if r.group().is_empty() {
            "~G"
        } else {
            r.group()
        };
        let v = if r.version().is_empty() {
            "~V"
        } else {
            r.version()
        };
        let k = if r.kind().is_empty() { "~K" } else { r.kind() };
        format!("{g}_{v}_{k}")
    };
    let id = |r: &Res| {
        let ns = if r.namespace().is_empty() {
            "~X"
        } else {
            r.namespace()
        };
        let n = if r.name().is_empty() { "~N" } else { r.name() };
        format!("{ns}|{n}")
    };
    let mut keyed: Vec<(i64, String, bool, String, Res)> = Vec::new();
    let taken: Vec<Res> = rs.to_vec();
    for r in taken {
        keyed.push((rank(r.kind()), gvk(&r), r.group().is_empty(), id(&r), r));
    }
    keyed.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| {
                if a.1 == b.1 {
                    return std::cmp::Ordering::Equal;
                }
                let both_ns = a.4.kind() == "Namespace" && b.4.kind() == "Namespace";
                if both_ns && (a.2 || b.2) {
                    b.1.cmp(&a.1)
                } else {
                    a.1.cmp(&b.1)
                }
            })
            .then_with(|| a.3.cmp(&b.3))
    });
    for (slot, (_, _, _, _, r)) in rs.iter_mut().zip(keyed) {
        *slot = r;
    }
}

#[cfg(test)]
mod tests {
    use super::{label_selector_matches, split_image};
    use crate::render::kustomize::tree::docs;

    #[test]
    fn label_selectors_match_as_kubernetes_reads_them() {
        let labels = docs("{app: web, tier: backend, env: prod}").remove(0);
        let cases = [
            ("app=web", true),
            ("app=api", false),
            ("app==web", true),
            ("app==api", false),
            ("app!=api", true),
            ("app!=web", false),
            ("missing!=x", true),
            ("tier", true),
            ("missing", false),
            ("!missing", true),
            ("!tier", false),
            ("env in (prod,staging)", true),
            ("env in (dev, staging)", false),
            ("missing in (prod)", false),
            ("env notin (dev,staging)", true),
            ("env notin (prod)", false),
            ("missing notin (prod)", true),
            // the comma inside parentheses does not split
            ("env in (staging,prod),app=web", true),
            ("env in (staging,prod),app=api", false),
            (" app = web , tier ", true),
            ("", true),
        ];
        for (sel, want) in cases {
            assert_eq!(label_selector_matches(sel, Some(&labels)), want, "{sel:?}");
        }
        assert!(!label_selector_matches("app=web", None));
        assert!(label_selector_matches("!app", None));
    }

    #[test]
    fn image_references_split_into_name_tag_and_digest() {
        for (s, want) in [
            ("nginx", ("nginx", "", "")),
            ("nginx:1.25", ("nginx", "1.25", "")),
            ("nginx@sha256:abc", ("nginx", "", "sha256:abc")),
            ("nginx:1.25@sha256:abc", ("nginx", "1.25", "sha256:abc")),
            ("reg.io:5000/team/app", ("reg.io:5000/team/app", "", "")),
            (
                "reg.io:5000/team/app:v2",
                ("reg.io:5000/team/app", "v2", ""),
            ),
            (
                "reg.io:5000/app@sha256:f",
                ("reg.io:5000/app", "", "sha256:f"),
            ),
            (
                "reg.io:5000/app:v2@sha256:f",
                ("reg.io:5000/app", "v2", "sha256:f"),
            ),
            ("/app:1", ("/app", "1", "")),
        ] {
            assert_eq!(split_image(s), want, "{s}");
        }
    }
}
