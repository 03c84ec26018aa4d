//! SIZE003: a dev workload requests more CPU or memory than a dev node has.

use crate::config::env::Env;
use crate::diagnostics::RuleMeta;
use crate::diagnostics::Severity;
use crate::model::k8s::K8sObject;
use crate::parse::node::Node;
use crate::rules::rule::{Ctx, Rule};

pub struct DevRequests;

static META: RuleMeta = RuleMeta {
    id: "SIZE003",
    name: "dev-oversized-requests",
    severity: Severity::Warning,
    category: "kubernetes",
    tags: &["cost", "environment", "sizing"],
    summary: "A dev (or dev-like) container requests more CPU or memory than a dev node offers",
    explanation: "Requests reserve node capacity whether it is used or not. A dev container asking \
for prod-sized CPU or memory either cannot be scheduled on dev-sized nodes or forces bigger, \
costlier ones. The limits are the environment's `max-vcpu` and `max-memory-gb` \
(`rules/environments.toml`: 4 vCPU and 16 GB for dev; override in `[environments.<name>]`).",
    help: "request what the container needs in dev (a values or overlay per environment), not prod's figures",
    fail_example: "# overlays/dev/deployment.yaml\nresources:\n  requests:\n    cpu: \"8\"\n    memory: 32Gi\n",
    pass_example: "# overlays/dev/deployment.yaml\nresources:\n  requests:\n    cpu: 250m\n    memory: 512Mi\n",
    security_severity: None,
    since: "0.1.0",
};

/// CPU quantity in cores (`500m`, `2`, `1.5`).
pub fn cpu_cores(q: &str) -> Option<f64> {
    match q.strip_suffix('m') {
        Some(m) => m.parse::<f64>().ok().map(|v| v / 1000.0),
        None => q.parse().ok(),
    }
}

/// Memory quantity in GB (GiB-based suffixes as 2^30, decimal ones as 10^9).
pub fn memory_gb(q: &str) -> Option<f64> {
    const UNITS: &[(&str, f64)] = &[
        ("Ki", 1024.0),
        ("Mi", 1048576.0),
        ("Gi", 1073741824.0),
        ("Ti", 1099511627776.0),
        ("k", 1e3),
        ("K", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
    ];
    for (suffix, mult) in UNITS {
        if let Some(n) = q.strip_suffix(suffix) {
            return n.parse::<f64>().ok().map(|v| v * mult / 1073741824.0);
        }
    }
    q.parse::<f64>().ok().map(|v| v / 1073741824.0)
}

impl Rule for DevRequests {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_object(&self, obj: &K8sObject<'_>, ctx: &mut Ctx<'_>) {
        if obj.env != Some(Env::Dev) {
            return;
        }
        let envs = &ctx.options.environments;
        let spec = envs
            .resolve(ctx.path())
            .0
            .filter(|s| s.class == Env::Dev)
            .or_else(|| envs.get("dev"));
        let Some(spec) = spec else { return };
        for c in obj.containers() {
            let Some(req) = c.node.path(&["resources", "requests"]) else {
                continue;
            };
            let text = |n: &Node| {
                n.as_str()
                    .map(str::to_string)
                    .or_else(|| n.as_f64().map(|f| f.to_string()))
            };
            if let (Some(cpu), Some(max)) = (req.get("cpu"), spec.max_vcpu)
                && let Some(cores) = text(cpu).as_deref().and_then(cpu_cores)
                && cores > max
            {
                ctx.report(
                    cpu.span,
                    format!(
                        "{} of {} requests {cores} CPU; {} nodes have {max}",
                        c.display_name(),
                        obj.logical_name(),
                        spec.name
                    ),
                );
            }
            if let (Some(mem), Some(max)) = (req.get("memory"), spec.max_memory_gb)
                && let Some(gb) = text(mem).as_deref().and_then(memory_gb)
                && gb > max
            {
                ctx.report(
                    mem.span,
                    format!(
                        "{} of {} requests {gb:.1} GB of memory; {} nodes have {max} GB",
                        c.display_name(),
                        obj.logical_name(),
                        spec.name
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities() {
        assert_eq!(cpu_cores("500m"), Some(0.5));
        assert_eq!(cpu_cores("2"), Some(2.0));
        assert_eq!(memory_gb("2Gi"), Some(2.0));
        assert_eq!(memory_gb("512Mi"), Some(0.5));
        assert!(memory_gb("1G").is_some_and(|g| (g - 0.931).abs() < 0.01));
        assert_eq!(cpu_cores("x"), None);
    }
}
