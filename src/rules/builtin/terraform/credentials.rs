//! TF013 credentials written into Terraform (provider blocks and resource arguments).

use super::report_value;
use crate::diagnostics::RuleMeta;
use crate::diagnostics::Severity;
use crate::rules::rule::{Ctx, Rule};
use crate::secrets::{is_placeholder, redact};
use crate::terraform::TfModel;

pub struct HardcodedCredential;

static META: RuleMeta = RuleMeta {
    id: "TF013",
    name: "hardcoded-credential",
    severity: Severity::Error,
    category: "terraform",
    tags: &["security", "secrets"],
    summary: "A password, key or token is written into Terraform code or tfvars",
    explanation: "A credential in a `.tf` or `.tfvars` file is in Git history for good, in every \
clone and CI log, and in the state file. Reported: literal values (also through variables and \
tfvars) of arguments such as `password`, `master_password`, `admin_password`, `secret_key`, \
`access_key`, `client_secret`, `token` and `api_key` in provider blocks and resources. A value the \
secret scanner already reports (SEC rules) is reported once, by the scanner. The value is shown \
redacted.",
    help: "generate it (random_password), read it from a secret manager (data source) or pass it in through a TF_VAR_ environment variable marked sensitive",
    fail_example: "provider \"aws\" {\n  access_key = \"AKIA...\"\n}\nresource \"aws_db_instance\" \"main\" {\n  password = \"hunter2-prod\"\n}\n",
    pass_example: "resource \"aws_db_instance\" \"main\" {\n  manage_master_user_password = true\n}\n",
    security_severity: Some("8.0"),
    since: "0.1.0",
};

const KEYS: &[&str] = &[
    "password",
    "master_password",
    "admin_password",
    "root_password",
    "secret_key",
    "access_key",
    "client_secret",
    "token",
    "api_key",
    "api_token",
    "auth_token",
];

impl Rule for HardcodedCredential {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_terraform(&self, tf: &TfModel, ctx: &mut Ctx<'_>) {
        for r in tf.resources.iter().chain(&tf.providers) {
            let Some(body) = r.body.as_map() else {
                continue;
            };
            for key in KEYS {
                let Some(v) = body.get(*key) else { continue };
                let Some(s) = v.as_str() else { continue };
                if s.len() < 4 || is_placeholder(s) || v.origin.is_empty() {
                    continue;
                }
                let what = if r.name.is_empty() {
                    "provider"
                } else {
                    "resource"
                };
                let f = report_value(
                    ctx,
                    r,
                    v,
                    format!(
                        "`{key}` of {what} `{}` is written in the code: `{}`",
                        r.address,
                        redact(s)
                    ),
                );
                f.redact = true;
            }
        }
    }
}
