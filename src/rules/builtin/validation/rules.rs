//! The seven VAL rules.

use rayon::prelude::*;

use crate::diagnostics::RuleMeta;
use crate::diagnostics::Severity;
use crate::model::k8s::K8sObject;
use crate::model::repo::Repo;
use crate::parse::node::Node;
use crate::rules::rule::{Ctx, Rule};
use crate::validate::crd::{self, Coverage, RepoCrds, Resolver};
use crate::validate::k8s::{self, Lookup};
use crate::validate::{Outcome, Problem, Violation, validate_builtin_cached};

use super::target_version;

fn builtin(problem: Problem, obj: &K8sObject<'_>, ctx: &mut Ctx<'_>) {
    let version = target_version(obj, ctx.path(), ctx.options);
    let out = validate_builtin_cached(
        ctx.path(),
        obj.root,
        obj.api_version,
        obj.kind,
        version,
        obj.partial,
    );
    if let Outcome::Checked(vs) = &*out {
        for v in vs.iter().filter(|v| v.problem == problem) {
            report(ctx, v);
        }
    }
}

fn report(ctx: &mut Ctx<'_>, v: &Violation) {
    let f = ctx.report(v.span, v.message.clone());
    if let Some(h) = &v.help {
        f.help = Some(h.clone());
    }
}

pub struct UnknownField;
pub struct WrongType;
pub struct MissingRequired;
pub struct InvalidValue;
pub struct UnknownApi;
pub struct CustomResource;
pub struct ValuesSchema;

static VAL001: RuleMeta = RuleMeta {
    id: "VAL001",
    name: "unknown-field",
    severity: Severity::Error,
    category: "validation",
    tags: &["schema", "correctness"],
    summary: "A Kubernetes object has a field its schema does not define",
    explanation: "The API server drops fields it does not know (or, with strict field \
validation, which `kubectl` uses by default since 1.27, rejects the object). A typo such as \
`contianers:` or `schedual:` therefore either breaks the sync or silently loses the setting. \
The object is checked against the schema of the target Kubernetes version (`[kubernetes] \
version`, per environment `kubernetes-version`); the message suggests the closest known field.",
    help: "fix the field name, or move the field to where the schema expects it",
    fail_example: "spec:\n  template:\n    spec:\n      contianers:\n        - name: web\n          image: nginx:1.27\n",
    pass_example: "spec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.27\n",
    security_severity: None,
    since: "0.1.0",
};

static VAL002: RuleMeta = RuleMeta {
    id: "VAL002",
    name: "wrong-type",
    severity: Severity::Error,
    category: "validation",
    tags: &["schema", "correctness"],
    summary: "A field of a Kubernetes object has the wrong type",
    explanation: "YAML guesses types: `replicas: \"3\"` is a string, `value: 4` an integer, \
`enabled: yes` a boolean (YAML 1.1, as the API server reads it). The API server rejects a \
string where the schema wants an integer and a number where it wants a string (an env var \
`value`, a ConfigMap's `data`), and a Service `port` must be a number. Fields that take an \
integer or a string (`targetPort`, quantities) accept both.",
    help: "quote numbers meant as strings (`\"8080\"`), unquote numbers meant as numbers",
    fail_example: "kind: ConfigMap\ndata:\n  PORT: 8080\n",
    pass_example: "kind: ConfigMap\ndata:\n  PORT: \"8080\"\n",
    security_severity: None,
    since: "0.1.0",
};

static VAL003: RuleMeta = RuleMeta {
    id: "VAL003",
    name: "missing-required-field",
    severity: Severity::Error,
    category: "validation",
    tags: &["schema", "correctness"],
    summary: "A Kubernetes object lacks a field its schema requires",
    explanation: "The API server rejects an object without its required fields (a Deployment \
without `selector`, a container without `name`, a Service port without `port`). The finding \
points at the key of the mapping that lacks the field. Kustomize patches are partial objects \
and are never reported: the built object is what must be complete.",
    help: "add the missing field",
    fail_example: "kind: Deployment\nspec:\n  template: {}\n",
    pass_example: "kind: Deployment\nspec:\n  selector:\n    matchLabels: {app: web}\n  template: {}\n",
    security_severity: None,
    since: "0.1.0",
};

static VAL004: RuleMeta = RuleMeta {
    id: "VAL004",
    name: "invalid-value",
    severity: Severity::Error,
    category: "validation",
    tags: &["schema", "correctness"],
    summary: "A Kubernetes field has a value the API server rejects",
    explanation: "Some values have the right type but are still rejected, and most of these \
rules are not in the published schema, so schema validators such as kubeconform let them \
through: enums written only in descriptions (`imagePullPolicy`, `restartPolicy`, `protocol`, \
Service `type`, `pathType`), resource quantity syntax (`512MB` is rejected; `512M` and \
`512Mi` are accepted), DNS-1123 names, label keys and values, IANA port names and port \
ranges. Schema enums, patterns and bounds are reported here too.",
    help: "use one of the allowed values named in the message",
    fail_example: "containers:\n  - name: web\n    imagePullPolicy: always\n    resources:\n      limits: {memory: 512MB}\n",
    pass_example: "containers:\n  - name: web\n    imagePullPolicy: Always\n    resources:\n      limits: {memory: 512Mi}\n",
    security_severity: None,
    since: "0.1.0",
};

static VAL005: RuleMeta = RuleMeta {
    id: "VAL005",
    name: "unknown-api-version",
    severity: Severity::Error,
    category: "validation",
    tags: &["schema", "upgrade"],
    summary: "A built-in apiVersion/kind is not served by the target Kubernetes version",
    explanation: "An object whose `apiVersion` and `kind` the target cluster does not serve \
cannot be applied: a kind misspelled, an API version removed (with the release that removed \
it and its replacement) or one that only a newer release serves. Only built-in API groups are \
checked; custom resources are VAL006's. The beta APIs removed up to 1.26 that the bundled \
policy POL001 reports (with their replacement) are left to POL001, so they are reported once.",
    help: "use an apiVersion/kind the target version serves (the message names it), or set `[kubernetes] version`",
    fail_example: "apiVersion: flowcontrol.apiserver.k8s.io/v1beta3\nkind: FlowSchema\n",
    pass_example: "apiVersion: flowcontrol.apiserver.k8s.io/v1\nkind: FlowSchema\n",
    security_severity: None,
    since: "0.1.0",
};

static VAL006: RuleMeta = RuleMeta {
    id: "VAL006",
    name: "custom-resource-schema",
    severity: Severity::Error,
    category: "validation",
    tags: &["schema", "crd"],
    summary: "A custom resource breaks its CustomResourceDefinition's schema",
    explanation: "Custom resources are checked against the `openAPIV3Schema` of their CRD: \
the CRDs defined in the repository first, then the directories of `[kubernetes] \
crd-schemas`, then the bundled catalog (Argo CD, cert-manager, External Secrets, Sealed \
Secrets, Prometheus operator, Gateway API, Istio, Flux, KEDA, Karpenter, Kyverno and more). \
Types, required fields, enums, bounds, patterns, `x-kubernetes-int-or-string` and \
`x-kubernetes-preserve-unknown-fields` are honoured; undeclared fields are unknown. A \
custom resource whose CRD is unknown is not an error: it is counted as not validated.",
    help: "fix the field as the message says (the CRD's schema defines what is allowed)",
    fail_example: "apiVersion: cert-manager.io/v1\nkind: Certificate\nspec:\n  secretName: web-tls\n  dnsNames: example.com\n",
    pass_example: "apiVersion: cert-manager.io/v1\nkind: Certificate\nspec:\n  secretName: web-tls\n  dnsNames: [example.com]\n  issuerRef: {name: letsencrypt}\n",
    security_severity: None,
    since: "0.1.0",
};

static VAL007: RuleMeta = RuleMeta {
    id: "VAL007",
    name: "values-schema",
    severity: Severity::Error,
    category: "validation",
    tags: &["schema", "helm"],
    summary: "Helm values break the chart's values.schema.json",
    explanation: "`helm install` and `helm upgrade` refuse to run when the merged values break \
the chart's `values.schema.json`, so the deployment fails at sync time. Each values file of a \
chart is merged over the chart's `values.yaml` (maps merge, other values replace, `null` \
deletes) and the result is validated; the finding points at the line of the values file that \
set the offending value.",
    help: "change the value to what the chart's values.schema.json expects",
    fail_example: "# values.schema.json: {\"properties\": {\"replicaCount\": {\"type\": \"integer\"}}}\nreplicaCount: \"2\"\n",
    pass_example: "replicaCount: 2\n",
    security_severity: None,
    since: "0.1.0",
};

impl Rule for UnknownField {
    fn meta(&self) -> &'static RuleMeta {
        &VAL001
    }
    fn check_object(&self, obj: &K8sObject<'_>, ctx: &mut Ctx<'_>) {
        builtin(Problem::UnknownField, obj, ctx);
    }
}

impl Rule for WrongType {
    fn meta(&self) -> &'static RuleMeta {
        &VAL002
    }
    fn check_object(&self, obj: &K8sObject<'_>, ctx: &mut Ctx<'_>) {
        builtin(Problem::WrongType, obj, ctx);
    }
}

impl Rule for MissingRequired {
    fn meta(&self) -> &'static RuleMeta {
        &VAL003
    }
    fn check_object(&self, obj: &K8sObject<'_>, ctx: &mut Ctx<'_>) {
        builtin(Problem::MissingRequired, obj, ctx);
    }
}

impl Rule for InvalidValue {
    fn meta(&self) -> &'static RuleMeta {
        &VAL004
    }
    fn check_object(&self, obj: &K8sObject<'_>, ctx: &mut Ctx<'_>) {
        builtin(Problem::InvalidValue, obj, ctx);
    }
}

impl Rule for UnknownApi {
    fn meta(&self) -> &'static RuleMeta {
        &VAL005
    }
    fn check_object(&self, obj: &K8sObject<'_>, ctx: &mut Ctx<'_>) {
        let version = target_version(obj, ctx.path(), ctx.options);
        let out = validate_builtin_cached(
            ctx.path(),
            obj.root,
            obj.api_version,
            obj.kind,
            version,
            obj.partial,
        );
        let Outcome::Unknown {
            version: resolved,
            lookup:
                Lookup::Unknown {
                    removed_in,
                    added_in,
                    pol001,
                },
        } = &*out
        else {
            return;
        };
        if *pol001 {
            return;
        }
        let Some(vs) = k8s::schemas(version) else {
            return;
        };
        let (api, kind) = (obj.api_version, obj.kind);
        let served = vs.api_versions_of(kind);
        let use_instead = match served.as_slice() {
            [] => String::new(),
            list => format!(
                "; use {}",
                list.iter()
                    .map(|a| format!("`{a}`"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
        };
        let api_span = obj.root.get("apiVersion").map(|n| n.span);
        let kind_span = obj.root.get("kind").map(|n| n.span);
        let (span, msg) = match (removed_in, added_in) {
            (Some(r), _) => (
                api_span,
                format!(
                    "`{api}` `{kind}` is not served by Kubernetes {resolved}: removed in {r}{use_instead}"
                ),
            ),
            (None, Some(a)) => (
                api_span,
                format!(
                    "`{api}` `{kind}` is not served by Kubernetes {resolved}: added in {a}{use_instead}"
                ),
            ),
            (None, None) if served.is_empty() => {
                let kinds = vs.kinds_in(api);
                let sug = crate::validate::checks::suggest(kind, kinds.iter().copied());
                let tail = sug
                    .map(|s| format!(": did you mean `{s}`?"))
                    .unwrap_or_default();
                (
                    kind_span,
                    format!("Kubernetes {resolved} has no kind `{kind}` in `{api}`{tail}"),
                )
            }
            (None, None) => (
                api_span,
                format!("`{api}` does not serve `{kind}` in Kubernetes {resolved}{use_instead}"),
            ),
        };
        ctx.report(span.unwrap_or(obj.root.span), msg);
    }
}

/// The CRDs a repository defines (complete objects only).
fn repo_crds<'r>(repo: &'r Repo<'_>) -> RepoCrds<'r> {
    let mut crds = RepoCrds::default();
    for o in repo.of_kind("apiextensions.k8s.io", "CustomResourceDefinition") {
        crds.add(o.obj.root);
    }
    crds
}

/// Custom resources in the repository: how many have a schema (repository CRDs, configured
/// directories or the bundled catalog) and which do not. For the coverage line.
pub fn crd_coverage(repo: &Repo<'_>, options: &crate::config::RuleOptions) -> Coverage {
    let crds = repo_crds(repo);
    let user = crd::from_dirs(&options.crd_schemas);
    let resolver = Resolver {
        repo: &crds,
        user: &user,
        bundled: crd::bundled(),
    };
    let mut cov = Coverage::default();
    for o in &repo.objects {
        if is_custom(o.obj.api_version) {
            let has = resolver.has(o.obj.api_version, o.obj.kind);
            cov.add(o.obj.api_version, o.obj.kind, has);
        }
    }
    cov
}

/// A custom resource: an API group no Kubernetes version serves.
fn is_custom(api_version: &str) -> bool {
    api_version.contains('/') && !k8s::is_builtin_group(k8s::group_of(api_version))
}

impl Rule for CustomResource {
    fn meta(&self) -> &'static RuleMeta {
        &VAL006
    }

    fn check_repo(&self, repo: &Repo<'_>, ctx: &mut Ctx<'_>) {
        let crds = repo_crds(repo);
        let user = crd::from_dirs(&ctx.options.crd_schemas);
        let resolver = Resolver {
            repo: &crds,
            user: &user,
            bundled: crd::bundled(),
        };
        let found: Vec<(usize, Vec<Violation>)> = repo
            .objects
            .par_iter()
            .enumerate()
            .filter(|(_, o)| is_custom(o.obj.api_version))
            .filter_map(|(i, o)| {
                let schema = resolver.get(o.obj.api_version, o.obj.kind)?;
                let v = schema.validate(o.obj.root, o.obj.partial);
                (!v.is_empty()).then_some((i, v))
            })
            .collect();
        for (i, vs) in found {
            let o = &repo.objects[i];
            for v in vs {
                let f = ctx.report_at(o.path, v.span, Some(o.obj.logical_name()), v.message);
                if let Some(h) = v.help {
                    f.help = Some(h);
                }
            }
        }
    }
}

impl Rule for ValuesSchema {
    fn meta(&self) -> &'static RuleMeta {
        &VAL007
    }

    fn check_values(&self, doc: &Node, _env: Option<crate::config::env::Env>, ctx: &mut Ctx<'_>) {
        let Some(root) = &ctx.options.checked_root else {
            return;
        };
        let fs = crate::render::DiskFs::new(root.clone());
        let key = root.to_string_lossy().to_string();
        let Some(chart) = crate::validate::values::chart_for(&fs, &key, ctx.path()) else {
            return;
        };
        let own_defaults = ctx.path().rsplit('/').next() == Some("values.yaml")
            && crate::source::dir_of(ctx.path()) == crate::source::dir_of(&chart.schema_path);
        let defaults = if own_defaults {
            None
        } else {
            chart.defaults.as_ref()
        };
        let schema_path = chart.schema_path.clone();
        for v in chart.schema.validate(doc, defaults) {
            let f = ctx.report(v.span, format!("{} (`{schema_path}`)", v.message));
            if let Some(h) = v.help {
                f.help = Some(h);
            }
        }
    }
}
