//! TF001 open ingress, TF002 public databases, TF003 public buckets, TF004 public cluster
//! endpoints.

use super::{is_true, report_resource, report_value};
use crate::diagnostics::RuleMeta;
use crate::diagnostics::Severity;
use crate::rules::rule::{Ctx, Rule};
use crate::terraform::TfModel;
use crate::terraform::value::{Tv, V};

const WORLD: &[&str] = &["0.0.0.0/0", "::/0", "*", "Internet", "any"];

fn is_world(s: &str) -> bool {
    WORLD.contains(&s)
}

/// Does the port range reach anything but 80 and 443? `None` when unknown.
fn beyond_web(from: Option<f64>, to: Option<f64>) -> Option<bool> {
    let (from, to) = (from?, to?);
    if from <= 0.0 && to <= 0.0 || from < 0.0 || to >= 65535.0 && from <= 0.0 {
        return Some(true);
    }
    Some(!((from == 80.0 && to == 80.0) || (from == 443.0 && to == 443.0)))
}

fn port_text(from: f64, to: f64) -> String {
    if from <= 0.0 && (to <= 0.0 || to >= 65535.0) {
        "all ports".into()
    } else if from == to {
        format!("port {from}")
    } else {
        format!("ports {from}-{to}")
    }
}

/// The first world-open CIDR among `lists`.
fn world_cidr<'a>(lists: &[Option<&'a Tv>]) -> Option<&'a Tv> {
    lists.iter().flatten().find_map(|l| match &l.v {
        V::List(items) => items.iter().find(|i| i.as_str().is_some_and(is_world)),
        V::Str(s) if is_world(s) => Some(*l),
        _ => None,
    })
}

/// A world-open source: (cidr value, from port, to port, protocol).
type OpenRule<'a> = (&'a Tv, Option<f64>, Option<f64>, Option<String>);

pub struct OpenIngress;

static OPEN_INGRESS: RuleMeta = RuleMeta {
    id: "TF001",
    name: "open-ingress",
    severity: Severity::Error,
    category: "terraform",
    tags: &["security", "network"],
    summary: "A security group or firewall admits the whole internet to a port other than 80/443",
    explanation: "Ingress from `0.0.0.0/0` or `::/0` to SSH, RDP, database or admin ports is found by \
internet-wide scanners within minutes. Only public web ports (80 and 443) are reported as fine; \
everything else should be reachable from known ranges, a bastion, a VPN or an identity-aware proxy.\n\n\
Checked: `aws_security_group` ingress blocks, `aws_security_group_rule`, \
`aws_vpc_security_group_ingress_rule`, `google_compute_firewall` and `azurerm_network_security_rule`. \
The CIDR may be set in a tfvars file or a module argument: the finding points there.",
    help: "restrict the source ranges to known networks, or put the service behind a load balancer, VPN or IAP",
    fail_example: "resource \"aws_security_group\" \"ssh\" {\n  ingress {\n    from_port   = 22\n    to_port     = 22\n    protocol    = \"tcp\"\n    cidr_blocks = [\"0.0.0.0/0\"]\n  }\n}\n",
    pass_example: "resource \"aws_security_group\" \"ssh\" {\n  ingress {\n    from_port   = 22\n    to_port     = 22\n    protocol    = \"tcp\"\n    cidr_blocks = [\"10.0.0.0/8\"]\n  }\n}\n",
    security_severity: Some("8.0"),
    since: "0.1.0",
};

impl Rule for OpenIngress {
    fn meta(&self) -> &'static RuleMeta {
        &OPEN_INGRESS
    }

    fn check_terraform(&self, tf: &TfModel, ctx: &mut Ctx<'_>) {
        for r in &tf.resources {
            // (cidr value, from, to, protocol)
            let mut rules: Vec<OpenRule<'_>> = Vec::new();
            let ports = |b: &Tv| {
                (
                    b.get("from_port").and_then(Tv::as_num),
                    b.get("to_port").and_then(Tv::as_num),
                    b.get("protocol")
                        .or(b.get("ip_protocol"))
                        .and_then(Tv::to_str),
                )
            };
            match r.rtype.as_str() {
                "aws_security_group" => {
                    for b in r.attr(&["ingress"]).and_then(Tv::as_list).unwrap_or(&[]) {
                        if let Some(c) =
                            world_cidr(&[b.get("cidr_blocks"), b.get("ipv6_cidr_blocks")])
                        {
                            let (f, t, p) = ports(b);
                            rules.push((c, f, t, p));
                        }
                    }
                }
                "aws_security_group_rule" => {
                    if r.attr(&["type"]).and_then(Tv::as_str) == Some("ingress")
                        && let Some(c) =
                            world_cidr(&[r.attr(&["cidr_blocks"]), r.attr(&["ipv6_cidr_blocks"])])
                    {
                        let (f, t, p) = ports(&r.body);
                        rules.push((c, f, t, p));
                    }
                }
                "aws_vpc_security_group_ingress_rule" => {
                    if let Some(c) = world_cidr(&[r.attr(&["cidr_ipv4"]), r.attr(&["cidr_ipv6"])]) {
                        let (f, t, p) = ports(&r.body);
                        let all = p.as_deref() == Some("-1");
                        rules.push((
                            c,
                            if all { Some(0.0) } else { f },
                            if all { Some(0.0) } else { t },
                            p,
                        ));
                    }
                }
                "google_compute_firewall" => {
                    let dir = r
                        .attr(&["direction"])
                        .and_then(Tv::as_str)
                        .unwrap_or("INGRESS");
                    if dir != "INGRESS" {
                        continue;
                    }
                    let Some(c) = world_cidr(&[r.attr(&["source_ranges"])]) else {
                        continue;
                    };
                    for a in r.attr(&["allow"]).and_then(Tv::as_list).unwrap_or(&[]) {
                        let proto = a.get("protocol").and_then(Tv::to_str);
                        if proto.as_deref() == Some("icmp") {
                            continue;
                        }
                        match a.get("ports") {
                            None => rules.push((c, Some(0.0), Some(0.0), proto.clone())),
                            Some(p) if p.is_wholly_known() => {
                                for port in p.strings() {
                                    let (f, t) = match port.split_once('-') {
                                        Some((a, b)) => (a.parse().ok(), b.parse().ok()),
                                        None => (port.parse().ok(), port.parse().ok()),
                                    };
                                    rules.push((c, f, t, proto.clone()));
                                }
                            }
                            Some(_) => {}
                        }
                    }
                }
                "azurerm_network_security_rule" => {
                    let inbound = r.attr(&["direction"]).and_then(Tv::as_str) == Some("Inbound");
                    let allow = r.attr(&["access"]).and_then(Tv::as_str) == Some("Allow");
                    if inbound
                        && allow
                        && let Some(c) = world_cidr(&[r.attr(&["source_address_prefix"])])
                    {
                        let range = r.attr(&["destination_port_range"]).and_then(Tv::to_str);
                        let (f, t) = match range.as_deref() {
                            Some("*") => (Some(0.0), Some(0.0)),
                            Some(p) => match p.split_once('-') {
                                Some((a, b)) => (a.parse().ok(), b.parse().ok()),
                                None => (p.parse().ok(), p.parse().ok()),
                            },
                            None => (None, None),
                        };
                        rules.push((c, f, t, None));
                    }
                }
                _ => {}
            }
            for (cidr, from, to, proto) in rules {
                let all_proto = proto.as_deref() == Some("-1") || proto.as_deref() == Some("all");
                let (from, to) = if all_proto {
                    (Some(0.0), Some(0.0))
                } else {
                    (from, to)
                };
                if beyond_web(from, to) == Some(true) {
                    let (f, t) = (from.unwrap_or(0.0), to.unwrap_or(0.0));
                    report_value(
                        ctx,
                        r,
                        cidr,
                        format!(
                            "`{}` admits {} to {}",
                            r.address,
                            match cidr.as_str() {
                                // Azure's wildcard and service tags name no CIDR.
                                Some("*") => "any source (`*`)",
                                Some(c) => c,
                                None => "the internet",
                            },
                            port_text(f, t)
                        ),
                    );
                }
            }
        }
    }
}

pub struct PublicDatabase;

static PUBLIC_DATABASE: RuleMeta = RuleMeta {
    id: "TF002",
    name: "public-database",
    severity: Severity::Error,
    category: "terraform",
    tags: &["security", "network", "database"],
    summary: "A database accepts connections from the internet",
    explanation: "A database with a public address, or a Cloud SQL instance whose authorized networks \
include `0.0.0.0/0`, is one leaked or guessed password away from a data breach, and is probed \
constantly. Databases belong on private networks, reached through private IPs, the Cloud SQL Auth \
Proxy or a bastion.\n\nChecked: `aws_db_instance` and `aws_rds_cluster_instance` \
`publicly_accessible = true`; `google_sql_database_instance` authorized networks open to the world.",
    help: "set publicly_accessible = false (AWS) or remove the 0.0.0.0/0 authorized network and use private IP (Cloud SQL)",
    fail_example: "resource \"aws_db_instance\" \"main\" {\n  publicly_accessible = true\n}\n",
    pass_example: "resource \"aws_db_instance\" \"main\" {\n  publicly_accessible = false\n}\n",
    security_severity: Some("8.5"),
    since: "0.1.0",
};

impl Rule for PublicDatabase {
    fn meta(&self) -> &'static RuleMeta {
        &PUBLIC_DATABASE
    }

    fn check_terraform(&self, tf: &TfModel, ctx: &mut Ctx<'_>) {
        for r in &tf.resources {
            match r.rtype.as_str() {
                "aws_db_instance" | "aws_rds_cluster_instance" => {
                    if let Some(v) = r.attr(&["publicly_accessible"])
                        && is_true(Some(v))
                    {
                        report_value(ctx, r, v, format!("`{}` is publicly accessible", r.address));
                    }
                }
                "google_sql_database_instance" => {
                    let nets = r
                        .attr(&["settings", "ip_configuration", "authorized_networks"])
                        .and_then(Tv::as_list)
                        .unwrap_or(&[]);
                    for n in nets {
                        if let Some(v) = n.get("value")
                            && v.as_str().is_some_and(is_world)
                        {
                            report_value(
                                ctx,
                                r,
                                v,
                                format!(
                                    "`{}` authorizes connections from {}",
                                    r.address,
                                    v.as_str().unwrap_or("")
                                ),
                            );
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

pub struct PublicBucket;

static PUBLIC_BUCKET: RuleMeta = RuleMeta {
    id: "TF003",
    name: "public-bucket",
    severity: Severity::Error,
    category: "terraform",
    tags: &["security", "storage"],
    summary: "A storage bucket is, or may become, readable by anyone",
    explanation: "Public buckets are the most common source of cloud data leaks. Reported: S3 \
`public-read`/`public-read-write`/`authenticated-read` ACLs, an `aws_s3_bucket_public_access_block` \
that turns a protection off, GCS IAM bindings for `allUsers` or `allAuthenticatedUsers`, and \
GCS buckets whose `public_access_prevention` is not `enforced` (nothing then stops a later IAM \
change from making them public). Every finding has the rule's severity; lower it for a \
path with `[[overrides]]` in `octolint.toml`.",
    help: "use private ACLs and an S3 public access block with all four settings true; on GCS set public_access_prevention = \"enforced\" and grant access to named principals",
    fail_example: "resource \"google_storage_bucket_iam_member\" \"public\" {\n  bucket = \"assets\"\n  role   = \"roles/storage.objectViewer\"\n  member = \"allUsers\"\n}\n",
    pass_example: "resource \"google_storage_bucket\" \"assets\" {\n  name                        = \"assets\"\n  location                    = \"EU\"\n  public_access_prevention    = \"enforced\"\n  uniform_bucket_level_access = true\n}\n",
    security_severity: Some("8.0"),
    since: "0.1.0",
};

impl Rule for PublicBucket {
    fn meta(&self) -> &'static RuleMeta {
        &PUBLIC_BUCKET
    }

    fn check_terraform(&self, tf: &TfModel, ctx: &mut Ctx<'_>) {
        for r in &tf.resources {
            match r.rtype.as_str() {
                "aws_s3_bucket" | "aws_s3_bucket_acl" => {
                    if let Some(v) = r.attr(&["acl"])
                        && matches!(
                            v.as_str(),
                            Some("public-read" | "public-read-write" | "authenticated-read")
                        )
                    {
                        report_value(
                            ctx,
                            r,
                            v,
                            format!("`{}` has the `{}` ACL", r.address, v.as_str().unwrap_or("")),
                        );
                    }
                }
                "aws_s3_bucket_public_access_block" => {
                    for k in [
                        "block_public_acls",
                        "block_public_policy",
                        "ignore_public_acls",
                        "restrict_public_buckets",
                    ] {
                        if let Some(v) = r.attr(&[k])
                            && super::is_false(Some(v))
                        {
                            report_value(ctx, r, v, format!("`{}` sets {k} = false", r.address));
                        }
                    }
                }
                "google_storage_bucket_iam_member" | "google_storage_bucket_iam_binding" => {
                    let members = r.attr(&["member"]).into_iter().chain(
                        r.attr(&["members"])
                            .and_then(Tv::as_list)
                            .unwrap_or(&[])
                            .iter(),
                    );
                    for m in members {
                        if matches!(m.as_str(), Some("allUsers" | "allAuthenticatedUsers")) {
                            report_value(
                                ctx,
                                r,
                                m,
                                format!(
                                    "`{}` grants access to {}",
                                    r.address,
                                    m.as_str().unwrap_or("")
                                ),
                            );
                        }
                    }
                }
                "google_storage_bucket" => match r.attr(&["public_access_prevention"]) {
                    Some(v) if v.is_known() && v.as_str() != Some("enforced") => {
                        report_value(
                            ctx,
                            r,
                            v,
                            format!("`{}` does not enforce public access prevention", r.address),
                        );
                    }
                    None => {
                        report_resource(
                            ctx,
                            r,
                            format!(
                                "`{}` does not set public_access_prevention = \"enforced\"",
                                r.address
                            ),
                        );
                    }
                    _ => {}
                },
                _ => {}
            }
        }
    }
}

pub struct PublicClusterEndpoint;

static PUBLIC_ENDPOINT: RuleMeta = RuleMeta {
    id: "TF004",
    name: "public-cluster-endpoint",
    severity: Severity::Warning,
    category: "terraform",
    tags: &["security", "network", "kubernetes"],
    summary: "A managed Kubernetes API endpoint is open to the whole internet",
    explanation: "The Kubernetes API server is the cluster's front door. A public endpoint without an \
allow-list can be reached by anyone who finds a credential or an unauthenticated bug. Reported: EKS \
clusters with the public endpoint on (the default) and no `public_access_cidrs` or `0.0.0.0/0` in \
them; GKE clusters without a private endpoint and without `master_authorized_networks_config`.",
    help: "restrict the endpoint to known CIDRs (public_access_cidrs / master_authorized_networks_config) or make it private",
    fail_example: "resource \"aws_eks_cluster\" \"main\" {\n  vpc_config {\n    subnet_ids = var.subnets\n  }\n}\n",
    pass_example: "resource \"aws_eks_cluster\" \"main\" {\n  vpc_config {\n    subnet_ids              = var.subnets\n    endpoint_public_access  = false\n    endpoint_private_access = true\n  }\n}\n",
    security_severity: Some("6.5"),
    since: "0.1.0",
};

impl Rule for PublicClusterEndpoint {
    fn meta(&self) -> &'static RuleMeta {
        &PUBLIC_ENDPOINT
    }

    fn check_terraform(&self, tf: &TfModel, ctx: &mut Ctx<'_>) {
        for r in &tf.resources {
            match r.rtype.as_str() {
                "aws_eks_cluster" => {
                    let Some(vpc) = r.attr(&["vpc_config"]) else {
                        continue;
                    };
                    let public = vpc.get("endpoint_public_access");
                    if super::is_false(public) || public.is_some_and(|p| !p.is_known()) {
                        continue;
                    }
                    match vpc.get("public_access_cidrs") {
                        None => {
                            report_resource(
                                ctx,
                                r,
                                format!(
                                    "`{}` has a public API endpoint with no public_access_cidrs",
                                    r.address
                                ),
                            );
                        }
                        Some(c) => {
                            if let Some(w) = world_cidr(&[Some(c)]) {
                                report_value(
                                    ctx,
                                    r,
                                    w,
                                    format!(
                                        "`{}` opens its API endpoint to {}",
                                        r.address,
                                        w.as_str().unwrap_or("")
                                    ),
                                );
                            }
                        }
                    }
                }
                "google_container_cluster" => {
                    if is_true(r.attr(&["enable_autopilot"]))
                        && r.attr(&["master_authorized_networks_config"]).is_some()
                    {
                        continue;
                    }
                    let private_endpoint =
                        r.attr(&["private_cluster_config", "enable_private_endpoint"]);
                    if is_true(private_endpoint) || private_endpoint.is_some_and(|p| !p.is_known())
                    {
                        continue;
                    }
                    if r.attr(&["master_authorized_networks_config"]).is_none() {
                        report_resource(
                            ctx,
                            r,
                            format!(
                                "`{}` has a public API endpoint without master_authorized_networks_config",
                                r.address
                            ),
                        );
                    }
                }
                _ => {}
            }
        }
    }
}
