//! K8S026: a Secret with literal `data`/`stringData` is committed to Git.

use crate::diagnostics::RuleMeta;
use crate::diagnostics::Severity;
use crate::model::k8s::K8sObject;
use crate::rules::rule::{Ctx, Rule};
use crate::secrets::is_sops_value;

pub struct SecretInManifest;

static META: RuleMeta = RuleMeta {
    id: "K8S026",
    name: "secret-in-manifest",
    severity: Severity::Warning,
    category: "kubernetes",
    tags: &["security", "secrets"],
    summary: "A Kubernetes Secret with literal `data` or `stringData` is committed",
    explanation: "`data` is only base64, not encryption: anyone who can read the repository — \
every clone, fork, CI log and backup — can read the secret, and it stays in Git history after it \
is deleted. Keep the value in a secret store and commit a reference to it: an ExternalSecret \
(External Secrets Operator), a SealedSecret (encrypted for one cluster), or SOPS-encrypted files. \
Whether the values are real credentials is the secret scanner's call; this rule flags the \
practice.\n\n\
Values encrypted with SOPS (`ENC[AES256_GCM,data:…]`, as Flux and helm-secrets decrypt them at \
apply time) are not counted: a Secret whose every value is encrypted is not reported. Secrets \
that a Helm chart's templates render are not reported either: their values come from the values \
files (which the secret scanner reads) or are generated at install time.",
    help: "replace the Secret with an ExternalSecret or a SealedSecret, then rotate the values that were committed",
    fail_example: "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: hunter2\n",
    pass_example: "apiVersion: external-secrets.io/v1beta1\nkind: ExternalSecret\nmetadata:\n  name: db\nspec:\n  secretStoreRef: {name: vault, kind: ClusterSecretStore}\n  target: {name: db}\n  data:\n    - secretKey: password\n      remoteRef: {key: prod/db, property: password}\n",
    security_severity: Some("6.0"),
    since: "0.1.0",
};

impl Rule for SecretInManifest {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_object(&self, obj: &K8sObject<'_>, ctx: &mut Ctx<'_>) {
        // A chart's Secret template is filled from values at install time: what would be
        // committed is in the values file, which the secret scanner reads.
        if obj.kind != "Secret" || !obj.group().is_empty() || super::helm_rendered(ctx.path()) {
            return;
        }
        for key in ["data", "stringData"] {
            let Some((k, v)) = obj.root.entry(key) else {
                continue;
            };
            let Some(entries) = v.as_map() else { continue };
            // SOPS-encrypted values (`ENC[AES256_GCM,…]`, decrypted by Flux or the
            // sops/helm-secrets plugins at apply time) are the safe way to commit a Secret.
            let literal = entries
                .iter()
                .filter(|(_, val)| !val.is_null() && !val.as_str().is_some_and(is_sops_value))
                .count();
            if literal > 0 {
                ctx.report(
                    k.span,
                    format!(
                        "{} commits {literal} value{} in `{key}`",
                        obj.logical_name(),
                        if literal == 1 { "" } else { "s" }
                    ),
                );
            }
        }
    }
}
