//! Metadata of the findings the engine reports itself: files that do not parse, duplicate
//! keys, files that could not be checked, and suppressions without a reason.

use super::{RuleMeta, Severity};

pub static PARSE_ERROR: RuleMeta = RuleMeta {
    id: "OCT000",
    name: "parse-error",
    severity: Severity::Error,
    category: "octolint",
    tags: &["syntax"],
    summary: "A YAML, JSON or HCL file does not parse",
    explanation: "A file that does not parse cannot be applied by `kubectl`, Argo CD or Terraform, and \
none of octolint's other rules can check it. The finding points at the line and column where the \
parser stopped; documents before the error in a multi-document YAML file are still checked.\n\n\
Files under a Helm chart's `templates/` directory are Go templates, not YAML, and are never \
reported here.",
    help: "fix the syntax at the reported position (indentation, an unclosed bracket or quote, a tab used for indentation)",
    fail_example: "apiVersion: v1\nkind: ConfigMap\ndata:\n  key: [unclosed\n",
    pass_example: "apiVersion: v1\nkind: ConfigMap\ndata:\n  key: \"[closed]\"\n",
    security_severity: None,
    since: "0.1.0",
};

pub static DUPLICATE_KEY: RuleMeta = RuleMeta {
    id: "OCT001",
    name: "duplicate-key",
    severity: Severity::Warning,
    category: "octolint",
    tags: &["syntax"],
    summary: "A YAML mapping or Terraform object repeats a key",
    explanation: "YAML requires the keys of a mapping to be unique. Kubernetes' strict decoding \
rejects such objects, and lenient tools silently keep the last value, so the first one is \
dead text that reviewers still read and trust.",
    help: "remove one of the two keys, or merge their values",
    fail_example: "metadata:\n  name: web\n  name: api\n",
    pass_example: "metadata:\n  name: web\n",
    security_severity: None,
    since: "0.1.0",
};

pub static SKIPPED_FILE: RuleMeta = RuleMeta {
    id: "OCT002",
    name: "unchecked-file",
    severity: Severity::Warning,
    category: "octolint",
    tags: &["coverage"],
    summary: "A configuration file could not be read or checked",
    explanation: "octolint reports every configuration file it could not check, so that a file \
is never silently left out: a file it may not read, a binary file with a YAML/JSON/Terraform name, \
a file larger than `max-file-size`, a file that is not UTF-8, or a path the walker could not enter.",
    help: "fix the file's permissions or encoding, raise `max-file-size` in octolint.toml, or exclude the path",
    fail_example: "# a 20 MB values.yaml with the default max-file-size of 10 MiB\n",
    pass_example: "# any readable UTF-8 file under the size limit\n",
    security_severity: None,
    since: "0.1.0",
};

pub static SUPPRESSION_WITHOUT_REASON: RuleMeta = RuleMeta {
    id: "OCT003",
    name: "suppression-without-reason",
    severity: Severity::Warning,
    category: "octolint",
    tags: &["suppression"],
    summary: "A suppression comment or annotation gives no reason",
    explanation: "A suppression hides a finding from every later reader. Without a reason nobody \
can tell whether it is still needed. The suppression still applies; this finding asks for the \
reason.",
    help: "add the reason after ` -- `, e.g. `# octolint:ignore K8S001 -- node exporter needs host access`",
    fail_example: "    securityContext:\n      privileged: true # octolint:ignore K8S001\n",
    pass_example: "    securityContext:\n      privileged: true # octolint:ignore K8S001 -- CNI agent needs it\n",
    security_severity: None,
    since: "0.1.0",
};

pub static POLICY_ERROR: RuleMeta = RuleMeta {
    id: "OCT004",
    name: "policy-error",
    severity: Severity::Error,
    category: "octolint",
    tags: &["policy"],
    summary: "A Rego policy failed while evaluating a document",
    explanation: "A policy rule raised an error for this input (for example a builtin called with \
a value of the wrong type), so its verdict on this document is unknown. The other rules and \
documents are still checked. The message names the rule and the place in the policy.",
    help: "fix the policy so it handles this input (check types before calling builtins), or exclude the file",
    fail_example: "# policy/main.rego\npackage main\ndeny contains msg if { msg := concat(\", \", input.metadata.name) }\n",
    pass_example: "# policy/main.rego\npackage main\ndeny contains msg if { is_array(input.tags); msg := concat(\", \", input.tags) }\n",
    security_severity: None,
    since: "0.1.0",
};
