//! TF009 managed Kubernetes hardening (GKE, EKS).

use super::{is_false, is_true, report_resource, report_value};
use crate::diagnostics::RuleMeta;
use crate::diagnostics::Severity;
use crate::rules::rule::{Ctx, Rule};
use crate::terraform::TfModel;
use crate::terraform::value::Tv;

pub struct ClusterHardening;

static META: RuleMeta = RuleMeta {
    id: "TF009",
    name: "cluster-hardening",
    severity: Severity::Warning,
    category: "terraform",
    tags: &["security", "kubernetes"],
    summary: "A GKE or EKS cluster misses a standard hardening setting",
    explanation: "Reported for `google_container_cluster` (Standard mode; Autopilot manages these): \
nodes with public IPs (`private_cluster_config.enable_private_nodes`), no Workload Identity \
(`workload_identity_config`, so pods use the node's service account), no NetworkPolicy enforcement \
(`network_policy.enabled` or Dataplane V2), and Shielded Nodes turned off. For `aws_eks_cluster`: no \
control-plane logging (`enabled_cluster_log_types`), which leaves API and authenticator activity \
unaudited.",
    help: "enable private nodes, Workload Identity, network policy (or ADVANCED_DATAPATH) and shielded nodes on GKE; enable api, audit and authenticator logs on EKS",
    fail_example: "resource \"google_container_cluster\" \"main\" {\n  name     = \"main\"\n  location = \"europe-west4\"\n}\n",
    pass_example: "resource \"google_container_cluster\" \"main\" {\n  name              = \"main\"\n  location          = \"europe-west4\"\n  datapath_provider = \"ADVANCED_DATAPATH\"\n  private_cluster_config {\n    enable_private_nodes = true\n  }\n  workload_identity_config {\n    workload_pool = \"acme-prod.svc.id.goog\"\n  }\n}\n",
    security_severity: Some("5.0"),
    since: "0.1.0",
};

impl Rule for ClusterHardening {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_terraform(&self, tf: &TfModel, ctx: &mut Ctx<'_>) {
        for r in &tf.resources {
            match r.rtype.as_str() {
                "google_container_cluster" => {
                    if is_true(r.attr(&["enable_autopilot"])) {
                        continue;
                    }
                    let a = &r.address;
                    match r.attr(&["private_cluster_config", "enable_private_nodes"]) {
                        Some(v) if is_false(Some(v)) => {
                            report_value(ctx, r, v, format!("`{a}` gives its nodes public IPs"));
                        }
                        None => {
                            report_resource(ctx, r, format!("`{a}` does not enable private nodes"));
                        }
                        _ => {}
                    }
                    if r.attr(&["workload_identity_config"]).is_none() {
                        report_resource(
                            ctx,
                            r,
                            format!(
                                "`{a}` has no workload_identity_config: pods use the node's service account"
                            ),
                        );
                    }
                    let dataplane_v2 = r.attr(&["datapath_provider"]).and_then(Tv::as_str)
                        == Some("ADVANCED_DATAPATH");
                    let np = r.attr(&["network_policy", "enabled"]);
                    if !dataplane_v2
                        && !is_true(np)
                        && np.is_none_or(Tv::is_known)
                        && r.attr(&["datapath_provider"]).is_none_or(Tv::is_known)
                    {
                        report_resource(
                            ctx,
                            r,
                            format!(
                                "`{a}` does not enforce NetworkPolicies (network_policy or ADVANCED_DATAPATH)"
                            ),
                        );
                    }
                    if let Some(v) = r.attr(&["enable_shielded_nodes"])
                        && is_false(Some(v))
                    {
                        report_value(ctx, r, v, format!("`{a}` turns Shielded Nodes off"));
                    }
                }
                "aws_eks_cluster" => match r.attr(&["enabled_cluster_log_types"]) {
                    None => {
                        report_resource(
                            ctx,
                            r,
                            format!(
                                "`{}` has no control-plane logging (enabled_cluster_log_types)",
                                r.address
                            ),
                        );
                    }
                    Some(v) if v.as_list().is_some_and(<[Tv]>::is_empty) => {
                        report_value(
                            ctx,
                            r,
                            v,
                            format!("`{}` has no control-plane logging", r.address),
                        );
                    }
                    _ => {}
                },
                _ => {}
            }
        }
    }
}
