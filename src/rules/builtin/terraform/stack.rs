//! Stack-level rules: TF010 state backend with locking, TF011 pinned versions, TF014
//! undeclared variables, TF015 missing local modules, TF016 circular locals and modules, TF018
//! evaluation limits.

use crate::diagnostics::RuleMeta;
use crate::diagnostics::Severity;
use crate::rules::rule::{Ctx, Rule};
use crate::terraform::value::Tv;
use crate::terraform::{ProblemKind, StackKind, TfModel};

pub struct StateBackend;

static BACKEND: RuleMeta = RuleMeta {
    id: "TF010",
    name: "state-backend-locking",
    severity: Severity::Warning,
    category: "terraform",
    tags: &["reliability", "state"],
    summary: "A stack keeps its state locally, or in S3 without state locking",
    explanation: "State on a laptop is lost with it and cannot be shared; remote state without \
locking lets two `terraform apply` runs (a colleague and CI) write it at once and corrupt it. \
Reported: root stacks without a `backend` block, and `s3` backends with neither `dynamodb_table` nor \
`use_lockfile = true`. A root stack is a directory no other code calls as a module that has a \
backend, or provider configuration and a tfvars file; reusable modules (called by other code, or \
with an `examples/` directory), usage examples and test directories are not stacks.",
    help: "configure a remote backend with locking (gcs, azurerm and remote lock natively; s3 needs use_lockfile = true or dynamodb_table)",
    fail_example: "terraform {\n  backend \"s3\" {\n    bucket = \"acme-tfstate\"\n    key    = \"prod/terraform.tfstate\"\n    region = \"eu-west-1\"\n  }\n}\n",
    pass_example: "terraform {\n  backend \"s3\" {\n    bucket       = \"acme-tfstate\"\n    key          = \"prod/terraform.tfstate\"\n    region       = \"eu-west-1\"\n    use_lockfile = true\n  }\n}\n",
    security_severity: None,
    since: "0.1.0",
};

impl Rule for StateBackend {
    fn meta(&self) -> &'static RuleMeta {
        &BACKEND
    }

    fn check_terraform(&self, tf: &TfModel, ctx: &mut Ctx<'_>) {
        for s in tf.stacks.iter().filter(|s| s.kind == StackKind::Root) {
            let dir = if s.dir.is_empty() { "." } else { &s.dir };
            match &s.backend {
                None => {
                    let at = s.terraform_block.as_ref().unwrap_or(&s.first_file);
                    ctx.report_at(&at.path, at.span, None, format!("stack `{dir}` has no backend: its state stays on the machine that applies it"));
                }
                Some((kind, body, at)) if kind == "s3" => {
                    let lockfile = body.get("use_lockfile").and_then(Tv::as_bool) == Some(true);
                    if !lockfile && body.get("dynamodb_table").is_none() {
                        ctx.report_at(&at.path, at.span, None, format!("stack `{dir}` keeps state in S3 without locking (no use_lockfile or dynamodb_table)"));
                    }
                }
                _ => {}
            }
        }
    }
}

pub struct PinnedVersions;

static PINNED: RuleMeta = RuleMeta {
    id: "TF011",
    name: "unpinned-versions",
    severity: Severity::Warning,
    category: "terraform",
    tags: &["reliability", "supply-chain"],
    summary: "A stack does not pin the Terraform version or a provider's version",
    explanation: "Without `required_version` and provider `version` constraints, the next `init` can \
pick up a major release with breaking changes, and two machines can apply with different \
providers. Reported for root stacks (see TF010: not for reusable modules, examples or tests): no \
`required_version` in a `terraform` block, and `required_providers` entries without `version`.",
    help: "add required_version = \"~> 1.9\" and a version constraint for every provider in required_providers (and commit .terraform.lock.hcl)",
    fail_example: "terraform {\n  required_providers {\n    google = {\n      source = \"hashicorp/google\"\n    }\n  }\n}\n",
    pass_example: "terraform {\n  required_version = \"~> 1.9\"\n  required_providers {\n    google = {\n      source  = \"hashicorp/google\"\n      version = \"~> 6.0\"\n    }\n  }\n}\n",
    security_severity: None,
    since: "0.1.0",
};

impl Rule for PinnedVersions {
    fn meta(&self) -> &'static RuleMeta {
        &PINNED
    }

    fn check_terraform(&self, tf: &TfModel, ctx: &mut Ctx<'_>) {
        for s in tf.stacks.iter().filter(|s| s.kind == StackKind::Root) {
            let dir = if s.dir.is_empty() { "." } else { &s.dir };
            if !s.required_version {
                let at = s.terraform_block.as_ref().unwrap_or(&s.first_file);
                ctx.report_at(
                    &at.path,
                    at.span,
                    None,
                    format!("stack `{dir}` does not set required_version"),
                );
            }
            for (p, at) in &s.unpinned_providers {
                ctx.report_at(
                    &at.path,
                    at.span,
                    None,
                    format!("provider `{p}` of stack `{dir}` has no version constraint"),
                );
            }
        }
    }
}

macro_rules! problem_rule {
    ($ty:ident, $meta:ident, $kind:expr) => {
        pub struct $ty;

        impl Rule for $ty {
            fn meta(&self) -> &'static RuleMeta {
                &$meta
            }

            fn check_terraform(&self, tf: &TfModel, ctx: &mut Ctx<'_>) {
                for p in tf.problems.iter().filter(|p| p.kind == $kind) {
                    ctx.report_at(&p.at.path, p.at.span, None, p.message.clone());
                }
            }
        }
    };
}

static UNDECLARED: RuleMeta = RuleMeta {
    id: "TF014",
    name: "undeclared-variable",
    severity: Severity::Warning,
    category: "terraform",
    tags: &["correctness"],
    summary: "A tfvars file or module call sets a variable the module does not declare",
    explanation: "Terraform warns about (tfvars) or rejects (module arguments) values for variables \
that do not exist; usually it is a typo, and the value the author meant to set silently stays at its \
default.",
    help: "fix the name, or declare the variable in the module",
    fail_example: "# terraform.tfvars\ninstance_tpye = \"e2-standard-4\"\n",
    pass_example: "# terraform.tfvars\ninstance_type = \"e2-standard-4\"\n",
    security_severity: None,
    since: "0.1.0",
};

static MISSING_MODULE: RuleMeta = RuleMeta {
    id: "TF015",
    name: "module-source-missing",
    severity: Severity::Error,
    category: "terraform",
    tags: &["correctness"],
    summary: "A module call's local source directory holds no Terraform files",
    explanation: "`terraform init` fails on a local module source that does not exist, so the stack \
cannot be planned at all; the resources it should create are not checked either. Not reported in \
test directories (`[terraform] test-dirs`, default `test` and `tests`): a test harness copies or \
links the modules its fixtures call.",
    help: "fix the relative path in `source` (it is relative to the calling module's directory)",
    fail_example: "module \"db\" {\n  source = \"../modules/databse\"\n}\n",
    pass_example: "module \"db\" {\n  source = \"../modules/database\"\n}\n",
    security_severity: None,
    since: "0.1.0",
};

static CIRCULAR: RuleMeta = RuleMeta {
    id: "TF016",
    name: "circular-local",
    severity: Severity::Error,
    category: "terraform",
    tags: &["correctness"],
    summary: "A local value refers to itself, or a module calls itself",
    explanation: "Terraform rejects a cycle between locals (also through a `for` expression) and a \
module that calls itself, directly or through other modules. octolint keeps such values unknown, \
does not instantiate the module again, and checks everything else.",
    help: "break the cycle: compute the value from variables or other locals, or call a different module",
    fail_example: "locals {\n  a = local.b\n  b = local.a\n}\n",
    pass_example: "locals {\n  a = var.name\n  b = local.a\n}\n",
    security_severity: None,
    since: "0.1.0",
};

problem_rule!(
    UndeclaredVariable,
    UNDECLARED,
    ProblemKind::UndeclaredVariable
);
problem_rule!(MissingModule, MISSING_MODULE, ProblemKind::MissingModule);
problem_rule!(CircularLocal, CIRCULAR, ProblemKind::CircularLocal);

static EVAL_LIMIT: RuleMeta = RuleMeta {
    id: "TF018",
    name: "evaluation-limit",
    severity: Severity::Warning,
    category: "terraform",
    tags: &["coverage"],
    summary: "An expression, `count` or `for_each` is beyond octolint's evaluation limits",
    explanation: "octolint evaluates Terraform with a budget: a value may hold about 4 million \
characters or 130,000 list elements, a stack may evaluate about 64 times that, and a `count` or `for_each` gives \
at most 1,000 instances. An expression past a limit (for example a string doubled forty times \
through chained locals) is treated as unknown, so rules and cost estimates say nothing about it \
rather than guess; this finding shows where that happened. Terraform itself would usually run out \
of memory or hit provider quotas on such a configuration.",
    help: "check the expression: a value this large is almost always a mistake (a self-concatenating local, a count of `1e300`)",
    fail_example: "locals {\n  a = \"xxxxxxxxxxxxxxxx\"\n  b = \"${local.a}${local.a}\"\n  # ... doubled 40 times\n}\nresource \"null_resource\" \"n\" {\n  count = 1e300\n}\n",
    pass_example: "resource \"null_resource\" \"n\" {\n  count = 3\n}\n",
    security_severity: None,
    since: "0.1.0",
};

problem_rule!(EvalLimit, EVAL_LIMIT, ProblemKind::EvalLimit);
