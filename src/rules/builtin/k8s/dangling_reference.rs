//! K8S027: a workload references a ConfigMap, Secret, ServiceAccount or PersistentVolumeClaim
//! that the repository never defines (repo-wide; `[kubernetes] check-references = false`
//! turns it off).

use std::collections::BTreeSet;

use crate::diagnostics::RuleMeta;
use crate::diagnostics::Severity;
use crate::model::repo::Repo;
use crate::parse::node::Node;
use crate::rules::rule::{Ctx, Rule};

pub struct DanglingReference;

static META: RuleMeta = RuleMeta {
    id: "K8S027",
    name: "dangling-reference",
    severity: Severity::Warning,
    category: "kubernetes",
    tags: &["reliability", "references"],
    summary: "A workload references a ConfigMap, Secret, ServiceAccount or PVC the repository never defines",
    explanation: "A pod that mounts or reads a ConfigMap or Secret that does not exist stays in \
`ContainerCreating`; one that names a missing ServiceAccount or claim is never created. In a \
GitOps repository the referenced object should be in Git too. Definitions count wherever they \
are in the repository: ConfigMaps, Secrets, ServiceAccounts, PersistentVolumeClaims, \
ExternalSecret and SealedSecret targets, cert-manager Certificate `secretName`s, and Kustomize \
`configMapGenerator`/`secretGenerator` names. References marked `optional: true` and the \
`kube-root-ca.crt` ConfigMap that Kubernetes creates in every namespace are skipped, and \
ServiceAccount references are checked only when the repository defines ServiceAccounts at all \
(otherwise they are managed elsewhere, e.g. by Terraform or the cloud's identity tooling). \
Secrets that a rendered Helm chart references but does not render are skipped: charts create them \
at install time (a hook Job, an operator) or expect the installer to supply them. Objects \
created outside Git (by Helm charts, operators or by hand) can be allowed by turning the rule off \
with `[kubernetes] check-references = false` or by a suppression.",
    help: "add the missing object to the repository (or an ExternalSecret/SealedSecret for a Secret), or fix the name",
    fail_example: "env:\n  - name: DB_PASSWORD\n    valueFrom:\n      secretKeyRef: {name: db-credentials, key: password}\n",
    pass_example: "env:\n  - name: DB_PASSWORD\n    valueFrom:\n      secretKeyRef: {name: db-credentials, key: password, optional: true}\n",
    security_severity: None,
    since: "0.1.0",
};

#[derive(Default)]
struct Defined<'a> {
    config_maps: BTreeSet<&'a str>,
    secrets: BTreeSet<&'a str>,
    service_accounts: BTreeSet<&'a str>,
    claims: BTreeSet<&'a str>,
    /// The repository manages ServiceAccounts at all.
    any_service_account: bool,
}

fn collect<'a>(repo: &Repo<'a>, kustomize_generated: &BTreeSet<(&'a str, &'a str)>) -> Defined<'a> {
    let mut d = Defined::default();
    d.config_maps.insert("kube-root-ca.crt");
    d.service_accounts.insert("default");
    for (kind, name) in kustomize_generated {
        match *kind {
            "configMapGenerator" => d.config_maps.insert(name),
            _ => d.secrets.insert(name),
        };
    }
    for o in &repo.objects {
        let name = o.obj.name;
        let s = |p: &[&str]| o.obj.root.path(p).and_then(Node::as_str);
        match (o.obj.kind, o.obj.group()) {
            ("ConfigMap", "") => d.config_maps.extend(name),
            ("Secret", "") => d.secrets.extend(name),
            ("ServiceAccount", "") => d.service_accounts.extend(name),
            ("PersistentVolumeClaim", "") => d.claims.extend(name),
            ("ExternalSecret", _) => d.secrets.extend(s(&["spec", "target", "name"]).or(name)),
            ("SealedSecret", _) => d
                .secrets
                .extend(s(&["spec", "template", "metadata", "name"]).or(name)),
            ("Certificate", "cert-manager.io") => d.secrets.extend(s(&["spec", "secretName"])),
            _ => {}
        }
        // Claims a StatefulSet creates from its templates.
        for t in o
            .obj
            .root
            .path(&["spec", "volumeClaimTemplates"])
            .into_iter()
            .flat_map(Node::items)
        {
            d.claims
                .extend(t.path(&["metadata", "name"]).and_then(Node::as_str));
        }
        d.any_service_account |= o.obj.kind == "ServiceAccount" && o.obj.group().is_empty();
    }
    d
}

fn optional(n: &Node) -> bool {
    n.get("optional").and_then(Node::as_bool) == Some(true)
}

impl Rule for DanglingReference {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_repo(&self, repo: &Repo<'_>, ctx: &mut Ctx<'_>) {
        if !ctx.options.check_references {
            return;
        }
        let defined = collect(repo, &repo.kustomize_generated);
        for o in &repo.objects {
            let Some(pod) = o.obj.pod_spec() else {
                continue;
            };
            // (what, name node, defined set)
            let mut refs: Vec<(&str, &Node, &BTreeSet<&str>)> = Vec::new();
            for c in o.obj.containers() {
                for env in c.node.get("env").into_iter().flat_map(Node::items) {
                    let vf = env.get("valueFrom");
                    if let Some(r) = vf
                        .and_then(|v| v.get("configMapKeyRef"))
                        .filter(|r| !optional(r))
                    {
                        refs.extend(
                            r.get("name")
                                .map(|n| ("ConfigMap", n, &defined.config_maps)),
                        );
                    }
                    if let Some(r) = vf
                        .and_then(|v| v.get("secretKeyRef"))
                        .filter(|r| !optional(r))
                    {
                        refs.extend(r.get("name").map(|n| ("Secret", n, &defined.secrets)));
                    }
                }
                for ef in c.node.get("envFrom").into_iter().flat_map(Node::items) {
                    if let Some(r) = ef.get("configMapRef").filter(|r| !optional(r)) {
                        refs.extend(
                            r.get("name")
                                .map(|n| ("ConfigMap", n, &defined.config_maps)),
                        );
                    }
                    if let Some(r) = ef.get("secretRef").filter(|r| !optional(r)) {
                        refs.extend(r.get("name").map(|n| ("Secret", n, &defined.secrets)));
                    }
                }
            }
            for v in pod.get("volumes").into_iter().flat_map(Node::items) {
                if let Some(r) = v.get("configMap").filter(|r| !optional(r)) {
                    refs.extend(
                        r.get("name")
                            .map(|n| ("ConfigMap", n, &defined.config_maps)),
                    );
                }
                if let Some(r) = v.get("secret").filter(|r| !optional(r)) {
                    refs.extend(r.get("secretName").map(|n| ("Secret", n, &defined.secrets)));
                }
                if let Some(r) = v.get("persistentVolumeClaim") {
                    refs.extend(
                        r.get("claimName")
                            .map(|n| ("PersistentVolumeClaim", n, &defined.claims)),
                    );
                }
            }
            if let Some(sa) = pod
                .get("serviceAccountName")
                .filter(|_| defined.any_service_account)
            {
                refs.push(("ServiceAccount", sa, &defined.service_accounts));
            }
            // A chart's Secrets that it does not render are created at install time (a hook
            // Job such as kube-webhook-certgen, an operator) or supplied by the installer
            // (`existingSecret`): not a reference the repository can satisfy.
            let helm = super::helm_rendered(o.path);
            for (what, node, set) in refs {
                if helm && what == "Secret" {
                    continue;
                }
                let Some(name) = node.as_str() else { continue };
                if name.contains("{{") || name.contains('$') || set.contains(name) {
                    continue;
                }
                ctx.report_at(
                    o.path,
                    node.span,
                    Some(o.obj.logical_name()),
                    format!(
                        "{} references {what} `{name}`, which the repository does not define",
                        o.obj.logical_name()
                    ),
                );
            }
        }
    }
}
