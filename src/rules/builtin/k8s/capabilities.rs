//! K8S010: a container adds a Linux capability beyond the Pod Security baseline set.
//! K8S011: a container does not drop all capabilities (restricted profile), or adds one other
//! than `NET_BIND_SERVICE`.

use crate::diagnostics::RuleMeta;
use crate::diagnostics::Severity;
use crate::model::k8s::K8sObject;
use crate::parse::node::Node;
use crate::rules::rule::{Ctx, Rule};

/// Capabilities the baseline profile allows a container to add.
const BASELINE: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

fn cap_name(n: &Node) -> Option<String> {
    n.key_text()
        .map(|t| t.trim_start_matches("CAP_").to_ascii_uppercase())
}

pub struct DangerousCapability;

static DANGEROUS: RuleMeta = RuleMeta {
    id: "K8S010",
    name: "dangerous-capability",
    severity: Severity::Error,
    category: "kubernetes",
    tags: &["security", "pod-security"],
    summary: "A container adds a Linux capability outside the Pod Security baseline set",
    explanation: "Capabilities such as `SYS_ADMIN`, `NET_ADMIN`, `SYS_PTRACE` or `ALL` hand a \
container large parts of root's power over the node: mounting filesystems, rewriting the network, \
reading other processes' memory. The baseline Pod Security profile allows only a short list \
(`AUDIT_WRITE`, `CHOWN`, `DAC_OVERRIDE`, `FOWNER`, `FSETID`, `KILL`, `MKNOD`, `NET_BIND_SERVICE`, \
`SETFCAP`, `SETGID`, `SETPCAP`, `SETUID`, `SYS_CHROOT`).",
    help: "remove the capability from `securityContext.capabilities.add`; if the workload truly needs it, isolate it and suppress with a reason",
    fail_example: "securityContext:\n  capabilities:\n    add: [SYS_ADMIN]\n",
    pass_example: "securityContext:\n  capabilities:\n    drop: [ALL]\n    add: [NET_BIND_SERVICE]\n",
    security_severity: Some("8.0"),
    since: "0.1.0",
};

impl Rule for DangerousCapability {
    fn meta(&self) -> &'static RuleMeta {
        &DANGEROUS
    }

    fn check_object(&self, obj: &K8sObject<'_>, ctx: &mut Ctx<'_>) {
        for c in obj.containers() {
            let added = c
                .security_context()
                .and_then(|sc| sc.path(&["capabilities", "add"]));
            for cap in added.into_iter().flat_map(Node::items) {
                let Some(name) = cap_name(cap) else { continue };
                if !BASELINE.contains(&name.as_str()) {
                    ctx.report(
                        cap.span,
                        format!(
                            "{} of {} adds capability `{name}`",
                            c.display_name(),
                            obj.logical_name()
                        ),
                    );
                }
            }
        }
    }
}

pub struct CapabilitiesNotDropped;

static NOT_DROPPED: RuleMeta = RuleMeta {
    id: "K8S011",
    name: "capabilities-not-dropped",
    severity: Severity::Warning,
    category: "kubernetes",
    tags: &["security", "pod-security"],
    summary: "A container keeps the default Linux capabilities (does not drop ALL)",
    explanation: "Container runtimes grant a default set of capabilities (`CHOWN`, `NET_RAW`, \
`SETUID`, …) that almost no application needs and that help an attacker after a compromise \
(`NET_RAW` allows ARP and DNS spoofing inside the node). The restricted Pod Security profile \
requires `drop: [ALL]` and allows adding back only `NET_BIND_SERVICE`.",
    help: "set `securityContext.capabilities.drop: [ALL]` and add back only `NET_BIND_SERVICE` if the process binds a port below 1024",
    fail_example: "containers:\n  - name: app\n    image: example/app:1.0.0\n",
    pass_example: "containers:\n  - name: app\n    image: example/app:1.0.0\n    securityContext:\n      capabilities:\n        drop: [ALL]\n",
    security_severity: Some("4.0"),
    since: "0.1.0",
};

impl Rule for CapabilitiesNotDropped {
    fn meta(&self) -> &'static RuleMeta {
        &NOT_DROPPED
    }

    fn check_object(&self, obj: &K8sObject<'_>, ctx: &mut Ctx<'_>) {
        if obj.is_windows() {
            return;
        }
        for c in obj.containers() {
            let caps_entry = c.security_context().and_then(|sc| sc.entry("capabilities"));
            let caps = caps_entry.map(|(_, v)| v);
            let drops_all = caps
                .and_then(|cp| cp.get("drop"))
                .into_iter()
                .flat_map(Node::items)
                .any(|d| cap_name(d).as_deref() == Some("ALL"));
            if !drops_all && !obj.partial {
                let span = caps_entry
                    .map(|(k, _)| k.span)
                    .unwrap_or_else(|| c.anchor_span());
                ctx.report(
                    span,
                    format!(
                        "{} of {} does not drop all capabilities",
                        c.display_name(),
                        obj.logical_name()
                    ),
                );
            }
            for cap in caps
                .and_then(|cp| cp.get("add"))
                .into_iter()
                .flat_map(Node::items)
            {
                let Some(name) = cap_name(cap) else { continue };
                // Capabilities outside the baseline are K8S010's.
                if name != "NET_BIND_SERVICE" && BASELINE.contains(&name.as_str()) {
                    ctx.report(
                        cap.span,
                        format!(
                            "{} of {} adds capability `{name}` (the restricted profile allows only `NET_BIND_SERVICE`)",
                            c.display_name(),
                            obj.logical_name()
                        ),
                    );
                }
            }
        }
    }
}
