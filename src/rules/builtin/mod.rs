//! Built-in rules, one file per rule, grouped by domain. `ALL` is the explicit registry.

pub mod argocd;
pub mod engine;
pub mod k8s;
pub mod terraform;

use super::{Rule, RuleMeta};

/// The registry of built-in rules, sorted by id (a unit test checks the order).
pub static ALL: &[&dyn Rule] = &[
    &argocd::default_project::DefaultProject,
    &argocd::project_wildcards::ProjectWildcards,
    &argocd::prod_revision::ProdRevision,
    &argocd::prod_revision::ProdAutoSync,
    &argocd::destination_namespace::DestinationNamespace,
    &argocd::missing_source::MissingSource,
    &terraform::cost::CostCeiling,
    &k8s::privileged_container::PrivilegedContainer,
    &k8s::latest_image_tag::LatestImageTag,
    &k8s::missing_resources::MissingResources,
    &k8s::host_namespaces::HostNamespaces,
    &k8s::namespace_quota::NamespaceQuota,
    &k8s::namespace_limitrange::NamespaceLimitRange,
    &k8s::namespace_default_deny::NamespaceDefaultDeny,
    &k8s::host_path::HostPath,
    &k8s::host_port::HostPort,
    &k8s::capabilities::DangerousCapability,
    &k8s::capabilities::CapabilitiesNotDropped,
    &k8s::privilege_escalation::PrivilegeEscalation,
    &k8s::run_as_root::RunAsRoot,
    &k8s::seccomp::SeccompUnconfined,
    &k8s::proc_mount::ProcMount,
    &k8s::unsafe_sysctl::UnsafeSysctl,
    &k8s::mac_override::MacOverride,
    &k8s::writable_root_fs::WritableRootFs,
    &k8s::seccomp::SeccompMissing,
    &k8s::image_registry::ImageRegistry,
    &k8s::pull_policy::PullPolicy,
    &k8s::missing_probes::MissingProbes,
    &k8s::default_service_account::DefaultServiceAccount,
    &k8s::prod_replicas::ProdReplicas,
    &k8s::prod_pdb::ProdPdb,
    &k8s::secret_in_manifest::SecretInManifest,
    &k8s::dangling_reference::DanglingReference,
    &k8s::service_selector::ServiceSelector,
    &k8s::prod_ingress_tls::ProdIngressTls,
    &terraform::parity::Parity,
    &terraform::cost::DevOversized,
    &k8s::values_replicas::ValuesReplicas,
    &k8s::dev_requests::DevRequests,
    &terraform::network::OpenIngress,
    &terraform::network::PublicDatabase,
    &terraform::network::PublicBucket,
    &terraform::network::PublicClusterEndpoint,
    &terraform::data::Unencrypted,
    &terraform::data::Backups,
    &terraform::resilience::ProdHa,
    &terraform::resilience::DeletionProtection,
    &terraform::cluster::ClusterHardening,
    &terraform::stack::StateBackend,
    &terraform::stack::PinnedVersions,
    &terraform::governance::RequiredTags,
    &terraform::credentials::HardcodedCredential,
    &terraform::stack::UndeclaredVariable,
    &terraform::stack::MissingModule,
    &terraform::stack::CircularLocal,
    &terraform::governance::NamingConvention,
    &terraform::stack::EvalLimit,
];

/// Rules the engine itself reports (parse errors, unreadable files).
pub static ENGINE_RULES: &[&RuleMeta] = &[
    &engine::PARSE_ERROR,
    &engine::DUPLICATE_KEY,
    &engine::SKIPPED_FILE,
    &engine::POLICY_ERROR,
    &engine::SUPPRESSION_WITHOUT_REASON,
];
