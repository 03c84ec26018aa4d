//! `octolint.toml`: found at the checked path or above it, parsed strictly (unknown keys and
//! bad values are errors naming the key, file and line), turned into immutable [`Settings`].
//! It is read before any rule exists, so it does not know the rule catalogue: rule selectors
//! are kept with their positions and checked by `catalog::validate`. Environments (`env`,
//! `environments`) and naming conventions (`naming`) are configuration too. Depends on
//! `secrets` (to compile added patterns), `diagnostics` and `source`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use toml::Spanned;

use crate::diagnostics::Severity;
use crate::diagnostics::suppress::selector_matches;
use crate::secrets;
use crate::source::SourceFile;

pub mod env;
pub mod environments;
pub mod naming;
pub mod patterns;

use patterns::expand_pattern;

pub const CONFIG_NAME: &str = "octolint.toml";
pub const DEFAULT_MAX_FILE_SIZE: u64 = 10 * 1024 * 1024;
/// The Kubernetes version checked against when `[kubernetes] version` is not set.
pub const DEFAULT_KUBERNETES_VERSION: &str = "1.35";
/// Directory names whose Terraform is tests and test fixtures (`[terraform] test-dirs`).
pub const DEFAULT_TF_TEST_DIRS: &[&str] = &["test", "tests"];

/// Namespaces owned by cluster add-ons and controllers, exempt from the namespace rules
/// (K8S005-K8S007) unless `[kubernetes] system-namespaces` replaces the list. A leading or
/// trailing `*` matches any prefix or suffix: `*-system` is the naming convention of
/// controller namespaces (`kube-system`, `flux-system`, `istio-system`, `gatekeeper-system`,
/// `envoy-gateway-system`, `metallb-system`, `crossplane-system`).
pub const DEFAULT_SYSTEM_NAMESPACES: &[&str] = &[
    "*-system",
    "kube-public",
    "kube-node-lease",
    "argocd",
    "argo-rollouts",
    "cert-manager",
    "external-secrets",
    "ingress-nginx",
    "karpenter",
    "keda",
    "kyverno",
    "linkerd",
    "sealed-secrets",
    "tigera-operator",
];

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    fail_on: Option<Spanned<String>>,
    max_file_size: Option<u64>,
    #[serde(default)]
    rules: RawRules,
    #[serde(default)]
    overrides: Vec<RawOverride>,
    #[serde(default)]
    kubernetes: RawKubernetes,
    #[serde(default)]
    argocd: RawArgocd,
    #[serde(default)]
    secrets: RawSecrets,
    #[serde(default)]
    terraform: RawTerraform,
    #[serde(default)]
    environments: BTreeMap<String, crate::config::environments::RawEnv>,
    #[serde(default)]
    prices: Vec<PriceOverride>,
}

/// A price override or addition from `[[prices]]` in `octolint.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PriceOverride {
    pub provider: String,
    pub kind: String,
    pub sku: String,
    pub hourly: Option<f64>,
    pub monthly: Option<f64>,
    #[serde(default)]
    pub vcpu: f64,
    #[serde(default)]
    pub memory_gb: f64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawTerraform {
    required_tags: Option<Vec<String>>,
    test_dirs: Option<Vec<String>>,
    registry_modules: Option<Vec<String>>,
    prod_min_backup_days: Option<Spanned<i64>>,
    naming: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawSecrets {
    /// Extra patterns (`[[secrets.pattern]]`).
    #[serde(default)]
    pattern: Vec<Spanned<secrets::UserPattern>>,
    #[serde(default)]
    allowlist: RawSecretAllow,
    /// A gitleaks configuration whose rules and allowlists are added.
    gitleaks_config: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSecretAllow {
    /// Globs of files never scanned for secrets.
    #[serde(default)]
    paths: Vec<Spanned<String>>,
    /// Regexes on secret values that are not secrets.
    #[serde(default)]
    regexes: Vec<Spanned<String>>,
    /// Words that mark a value as a non-secret.
    #[serde(default)]
    stopwords: Vec<String>,
    /// Fingerprints of accepted findings (from the JSON/SARIF output).
    #[serde(default)]
    fingerprints: Vec<String>,
}

/// Secret-scanner settings: the scanner (the embedded table unless the configuration adds
/// patterns or allowlist entries) and the file and finding allowlists.
#[derive(Debug, Default)]
pub struct SecretSettings {
    custom: Option<secrets::Scanner>,
    pub allow_paths: Option<GlobSet>,
    pub allow_path_regexes: Vec<regex::Regex>,
    pub fingerprints: std::collections::BTreeSet<String>,
}

impl SecretSettings {
    pub fn scanner(&self) -> &secrets::Scanner {
        self.custom.as_ref().unwrap_or_else(|| secrets::scanner())
    }

    /// Is the file at `path` allowlisted (never scanned)?
    pub fn path_allowed(&self, path: &str) -> bool {
        self.allow_paths.as_ref().is_some_and(|g| g.is_match(path))
            || self.allow_path_regexes.iter().any(|r| r.is_match(path))
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawArgocd {
    prod_manual_sync: Option<bool>,
    repo_urls: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawKubernetes {
    allowed_registries: Option<Vec<String>>,
    prod_min_replicas: Option<Spanned<i64>>,
    check_references: Option<bool>,
    namespaces: Option<Vec<String>>,
    /// Namespaces exempt from K8S005-K8S007 (replaces the default list).
    system_namespaces: Option<Vec<String>>,
    /// Namespaces added to the exempt list (default or `system-namespaces`).
    extend_system_namespaces: Option<Vec<String>>,
    /// Target Kubernetes version for schema validation (`1.30`).
    version: Option<Spanned<String>>,
    /// Directories of CRD JSON schemas (`<group>/<kind>_<version>.json`).
    crd_schemas: Option<Vec<String>>,
}

/// Options that rules read (from the `[kubernetes]` table and friends).
#[derive(Debug, Clone)]
pub struct RuleOptions {
    /// Image registry prefixes images must come from (empty: any registry).
    pub allowed_registries: Vec<String>,
    /// Minimum replicas for prod Deployments/StatefulSets and HPA `minReplicas`.
    pub prod_min_replicas: i64,
    /// Report references to ConfigMaps, Secrets, ServiceAccounts and PVCs the repo never
    /// defines, and Services that select nothing.
    pub check_references: bool,
    /// Namespaces the repository deploys into without declaring them, to check like declared
    /// ones (quota, LimitRange, default-deny).
    pub namespaces: Vec<String>,
    /// Namespace names (or `*` patterns) owned by controllers, not checked by K8S005-K8S007
    /// unless listed in `namespaces` (`[kubernetes] system-namespaces`,
    /// `extend-system-namespaces`).
    pub system_namespaces: Vec<String>,
    /// Prod Applications must not sync automatically (`[argocd] prod-manual-sync`).
    pub prod_manual_sync: bool,
    /// URLs of this repository as Argo CD sees it (`[argocd] repo-urls`); its root is the
    /// directory of the config file. Without them, the Git remotes are used.
    pub repo_urls: Vec<String>,
    pub repo_root: Option<PathBuf>,
    /// Tag (AWS) / label (GCP) keys every taggable Terraform resource must carry.
    pub required_tags: Vec<String>,
    /// Directory names that hold Terraform tests and fixtures (`[terraform] test-dirs`).
    pub tf_test_dirs: Vec<String>,
    /// Registry addresses of the checked repository (`[terraform] registry-modules`).
    pub tf_registry_modules: Vec<String>,
    /// Minimum backup retention in days for prod databases.
    pub prod_min_backup_days: i64,
    /// Naming convention for Terraform resource names (`{project}-{env}-{service}`), if any.
    pub naming: Option<String>,
    /// Environments: names, path globs, ceilings and sizing limits.
    pub environments: crate::config::environments::Environments,
    /// Price overrides and additions (`[[prices]]`); the cost module applies them.
    pub price_overrides: Vec<PriceOverride>,
    /// Target Kubernetes version for schema validation (`[kubernetes] version`).
    pub kubernetes_version: String,
    /// Per-environment target versions (`[environments.<name>] kubernetes-version`).
    pub kubernetes_versions: BTreeMap<String, String>,
    /// Extra CRD schema directories (`[kubernetes] crd-schemas`), absolute.
    pub crd_schemas: Vec<PathBuf>,
    /// The checked directory (set per run), for rules that read a chart's
    /// `values.schema.json` through a confined file view.
    pub checked_root: Option<PathBuf>,
}

impl RuleOptions {
    /// Is `name` a controller's namespace that K8S005-K8S007 leave alone? Never when
    /// `[kubernetes] namespaces` names it explicitly.
    pub fn is_system_namespace(&self, name: &str) -> bool {
        if self.namespaces.iter().any(|n| n == name) {
            return false;
        }
        self.system_namespaces
            .iter()
            .any(|p| match (p.strip_prefix('*'), p.strip_suffix('*')) {
                (Some(suffix), _) if !suffix.is_empty() => name.ends_with(suffix),
                (_, Some(prefix)) if !prefix.is_empty() => name.starts_with(prefix),
                _ => p == name || p == "*",
            })
    }
}

impl Default for RuleOptions {
    fn default() -> Self {
        RuleOptions {
            allowed_registries: Vec::new(),
            prod_min_replicas: 2,
            check_references: true,
            namespaces: Vec::new(),
            system_namespaces: DEFAULT_SYSTEM_NAMESPACES
                .iter()
                .map(|s| s.to_string())
                .collect(),
            prod_manual_sync: false,
            repo_urls: Vec::new(),
            repo_root: None,
            required_tags: vec!["project".into(), "environment".into()],
            tf_test_dirs: DEFAULT_TF_TEST_DIRS.iter().map(|s| s.to_string()).collect(),
            tf_registry_modules: Vec::new(),
            prod_min_backup_days: 7,
            naming: None,
            environments: crate::config::environments::Environments::default(),
            price_overrides: Vec::new(),
            kubernetes_version: DEFAULT_KUBERNETES_VERSION.to_string(),
            kubernetes_versions: BTreeMap::new(),
            crd_schemas: Vec::new(),
            checked_root: None,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    #[serde(default)]
    select: Vec<Spanned<String>>,
    #[serde(default)]
    ignore: Vec<Spanned<String>>,
    #[serde(default)]
    severity: BTreeMap<Spanned<String>, Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOverride {
    paths: Vec<Spanned<String>>,
    #[serde(default)]
    ignore: Vec<Spanned<String>>,
    #[serde(default)]
    severity: BTreeMap<Spanned<String>, Spanned<String>>,
}

/// A rule-level severity setting: a severity or `off`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Off,
    On(Severity),
}

#[derive(Debug)]
pub struct PathOverride {
    pub paths: GlobSet,
    pub ignore: Vec<String>,
    pub severity: Vec<(String, Level)>,
}

/// Settings from the config file, merged with the command line.
#[derive(Debug, Default)]
pub struct Settings {
    pub config_path: Option<PathBuf>,
    pub exclude: Vec<String>,
    pub fail_on: Option<Severity>,
    pub max_file_size: u64,
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    pub severity: Vec<(String, Level)>,
    pub overrides: Vec<PathOverride>,
    pub options: RuleOptions,
    pub secrets: SecretSettings,
    /// Every rule selector of the file with its line and column, for `catalog::validate`.
    pub selectors: Vec<(String, Option<(usize, usize)>)>,
}

/// A configuration error: message plus `file:line:col` when known.
#[derive(Debug)]
pub struct ConfigError {
    pub path: PathBuf,
    pub line_col: Option<(usize, usize)>,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line_col {
            Some((l, c)) => write!(f, "{}:{l}:{c}: {}", self.path.display(), self.message),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

/// The major and minor of a Kubernetes version (`1.30`, `v1.30`, `1.30.2`).
pub fn kube_minor(v: &str) -> Option<(u32, u32)> {
    let v = v.trim().trim_start_matches('v');
    let mut it = v.split('.');
    let major = it.next()?.parse().ok()?;
    let minor = it.next()?.parse().ok()?;
    Some((major, minor))
}

/// Is `v` a Kubernetes version octolint understands (`1.30`, `v1.30`, `1.30.2`)?
pub fn is_kube_version(v: &str) -> bool {
    kube_minor(v).is_some()
}

/// Find `octolint.toml` in `start` or the nearest directory above it.
pub fn discover(start: &Path) -> Option<PathBuf> {
    let start = if start.is_file() {
        start.parent()?
    } else {
        start
    };
    let abs = std::path::absolute(start).ok()?;
    abs.ancestors()
        .map(|d| d.join(CONFIG_NAME))
        .find(|p| p.is_file())
}

pub fn parse_level(s: &str) -> Option<Level> {
    if s == "off" {
        Some(Level::Off)
    } else {
        Severity::parse(s).map(Level::On)
    }
}

impl Settings {
    pub fn defaults() -> Self {
        Settings {
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            ..Settings::default()
        }
    }

    /// Load and validate a config file.
    pub fn load(path: &Path) -> Result<Settings, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            path: path.to_path_buf(),
            line_col: None,
            message: format!("cannot read config: {e}"),
        })?;
        Self::from_str(path, &text)
    }

    pub fn from_str(path: &Path, text: &str) -> Result<Settings, ConfigError> {
        let file = SourceFile::new(
            path.display().to_string(),
            path.to_path_buf(),
            text.to_string(),
        );
        let err_at = |span: Option<std::ops::Range<usize>>, message: String| {
            let lc = span.map(|s| {
                let lc = file.line_col(s.start);
                (lc.line, lc.col)
            });
            ConfigError {
                path: path.to_path_buf(),
                line_col: lc,
                message,
            }
        };
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let msg = e.message().trim().to_string();
            err_at(e.span(), msg)
        })?;

        validate(&raw, text, &err_at)?;
        let secret_settings = secret_settings(&raw.secrets, path, &err_at)?;
        // Rule selectors are checked against the catalogue later (`catalog::validate`).
        let selectors = std::cell::RefCell::new(Vec::new());
        let check_selector = |s: &Spanned<String>| -> Result<String, ConfigError> {
            let lc = file.line_col(s.span().start);
            selectors
                .borrow_mut()
                .push((s.get_ref().clone(), Some((lc.line, lc.col))));
            Ok(s.get_ref().clone())
        };
        let check_severities = |m: &BTreeMap<Spanned<String>, Spanned<String>>| -> Result<Vec<(String, Level)>, ConfigError> {
            let mut out = Vec::new();
            for (k, v) in m {
                let sel = check_selector(k)?;
                let level = parse_level(v.get_ref()).ok_or_else(|| {
                    err_at(
                        Some(v.span()),
                        format!(
                            "invalid severity `{}` for `{sel}`: expected error, warning, info or off",
                            v.get_ref()
                        ),
                    )
                })?;
                out.push((sel, level));
            }
            Ok(out)
        };
        let globs = |pats: &[Spanned<String>]| -> Result<GlobSet, ConfigError> {
            let mut b = GlobSetBuilder::new();
            for p in pats {
                for g in expand_pattern(p.get_ref()) {
                    let glob = Glob::new(&g).map_err(|e| {
                        err_at(
                            Some(p.span()),
                            format!("invalid glob `{}`: {e}", p.get_ref()),
                        )
                    })?;
                    b.add(glob);
                }
            }
            b.build()
                .map_err(|e| err_at(None, format!("invalid glob set: {e}")))
        };

        let fail_on = match &raw.fail_on {
            None => None,
            Some(s) => Some(Severity::parse(s.get_ref()).ok_or_else(|| {
                err_at(
                    Some(s.span()),
                    format!(
                        "invalid fail-on `{}`: expected error, warning or info",
                        s.get_ref()
                    ),
                )
            })?),
        };
        for e in &raw.exclude {
            globs(std::slice::from_ref(e))?;
        }
        let mut overrides = Vec::new();
        for o in &raw.overrides {
            overrides.push(PathOverride {
                paths: globs(&o.paths)?,
                ignore: o
                    .ignore
                    .iter()
                    .map(check_selector)
                    .collect::<Result<_, _>>()?,
                severity: check_severities(&o.severity)?,
            });
        }
        let defaults = RuleOptions::default();
        let environments = crate::config::environments::Environments::build(&raw.environments)
            .map_err(|e| {
                let at = raw
                    .environments
                    .keys()
                    .find(|k| e.contains(&format!("[environments.{k}]")))
                    .and_then(|k| text.find(&format!("[environments.{k}]")))
                    .map(|i| i..i + 1);
                err_at(at, e)
            })?;
        // Prod minimums: [kubernetes]/[terraform] keys when set, else [environments.prod]
        // (rules/environments.toml).
        let env_prod = environments.get("prod");
        let prod_min_replicas = match &raw.kubernetes.prod_min_replicas {
            Some(v) if *v.get_ref() < 1 => {
                return Err(err_at(
                    Some(v.span()),
                    format!("prod-min-replicas must be at least 1, not {}", v.get_ref()),
                ));
            }
            Some(v) => *v.get_ref(),
            None => env_prod
                .and_then(|p| p.min_replicas)
                .unwrap_or(defaults.prod_min_replicas),
        };
        let check_version = |v: &str, at: Option<std::ops::Range<usize>>| {
            if is_kube_version(v) {
                Ok(v.trim_start_matches('v').to_string())
            } else {
                Err(err_at(
                    at,
                    format!("invalid Kubernetes version `{v}`: expected `1.30` or similar"),
                ))
            }
        };
        let kubernetes_version = match &raw.kubernetes.version {
            Some(v) => check_version(v.get_ref(), Some(v.span()))?,
            None => defaults.kubernetes_version.clone(),
        };
        let mut kubernetes_versions = BTreeMap::new();
        for (name, env) in &raw.environments {
            if let Some(v) = &env.kubernetes_version {
                let at = text
                    .find(&format!("[environments.{name}]"))
                    .map(|i| i..i + 1);
                kubernetes_versions.insert(name.clone(), check_version(v, at)?);
            }
        }
        let config_dir = path.parent().unwrap_or(Path::new(""));
        let crd_schemas = raw
            .kubernetes
            .crd_schemas
            .iter()
            .flatten()
            .map(|d| config_dir.join(d))
            .collect();
        let options = RuleOptions {
            kubernetes_version,
            kubernetes_versions,
            crd_schemas,
            checked_root: None,
            allowed_registries: raw
                .kubernetes
                .allowed_registries
                .clone()
                .unwrap_or_default(),
            prod_min_replicas,
            check_references: raw
                .kubernetes
                .check_references
                .unwrap_or(defaults.check_references),
            prod_manual_sync: raw
                .argocd
                .prod_manual_sync
                .unwrap_or(defaults.prod_manual_sync),
            repo_urls: raw.argocd.repo_urls.clone().unwrap_or_default(),
            namespaces: raw.kubernetes.namespaces.clone().unwrap_or_default(),
            system_namespaces: {
                let mut v = raw
                    .kubernetes
                    .system_namespaces
                    .clone()
                    .unwrap_or(defaults.system_namespaces.clone());
                v.extend(
                    raw.kubernetes
                        .extend_system_namespaces
                        .iter()
                        .flatten()
                        .cloned(),
                );
                v
            },
            required_tags: raw
                .terraform
                .required_tags
                .clone()
                .unwrap_or(defaults.required_tags.clone()),
            tf_test_dirs: raw
                .terraform
                .test_dirs
                .clone()
                .unwrap_or(defaults.tf_test_dirs.clone()),
            tf_registry_modules: raw.terraform.registry_modules.clone().unwrap_or_default(),
            environments: environments.clone(),
            price_overrides: raw.prices.clone(),
            naming: match &raw.terraform.naming {
                Some(t) => {
                    let ok = naming::naming_regex(t.get_ref(), None).is_some();
                    if !ok {
                        return Err(err_at(
                            Some(t.span()),
                            format!(
                                "invalid naming convention `{}`: use literal text and {{placeholders}}",
                                t.get_ref()
                            ),
                        ));
                    }
                    Some(t.get_ref().clone())
                }
                None => None,
            },
            prod_min_backup_days: match &raw.terraform.prod_min_backup_days {
                Some(v) if *v.get_ref() < 0 => {
                    return Err(err_at(
                        Some(v.span()),
                        format!(
                            "prod-min-backup-days must be 0 or more, not {}",
                            v.get_ref()
                        ),
                    ));
                }
                Some(v) => *v.get_ref(),
                None => env_prod
                    .and_then(|p| p.min_backup_days)
                    .unwrap_or(defaults.prod_min_backup_days),
            },
            repo_root: path
                .parent()
                .map(|p| {
                    if p.as_os_str().is_empty() {
                        Path::new(".")
                    } else {
                        p
                    }
                })
                .map(|p| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())),
        };
        Ok(Settings {
            options,
            secrets: secret_settings,
            config_path: Some(path.to_path_buf()),
            exclude: raw.exclude.iter().map(|s| s.get_ref().clone()).collect(),
            fail_on,
            max_file_size: raw.max_file_size.unwrap_or(DEFAULT_MAX_FILE_SIZE),
            select: raw
                .rules
                .select
                .iter()
                .map(check_selector)
                .collect::<Result<_, _>>()?,
            ignore: raw
                .rules
                .ignore
                .iter()
                .map(check_selector)
                .collect::<Result<_, _>>()?,
            severity: check_severities(&raw.rules.severity)?,
            overrides,
            selectors: Vec::new(),
        })
        .map(|mut s| {
            s.selectors = selectors.take();
            s
        })
    }

    /// Check every rule selector of the file with `known` (the rule catalogue): an unknown
    /// one is an error at its line.
    pub fn check_selectors(&self, known: impl Fn(&str) -> bool) -> Result<(), ConfigError> {
        for (sel, lc) in &self.selectors {
            if !sel.eq_ignore_ascii_case("all") && !known(sel) {
                return Err(ConfigError {
                    path: self.config_path.clone().unwrap_or_default(),
                    line_col: *lc,
                    message: format!("unknown rule `{sel}` (run `octolint rules` for the list)"),
                });
            }
        }
        Ok(())
    }

    /// Is the rule enabled at all (select/ignore)?
    pub fn rule_enabled(&self, id: &str, name: &str) -> bool {
        let selected =
            self.select.is_empty() || self.select.iter().any(|s| selector_matches(s, id, name));
        let ignored = self.ignore.iter().any(|s| selector_matches(s, id, name));
        let off = matches!(self.level_for(&self.severity, id, name), Some(Level::Off));
        selected && !ignored && !off
    }

    fn level_for(&self, table: &[(String, Level)], id: &str, name: &str) -> Option<Level> {
        // The most specific selector wins: exact id or name over prefixes.
        table
            .iter()
            .filter(|(s, _)| selector_matches(s, id, name))
            .max_by_key(|(s, _)| {
                if s == id || s == name {
                    usize::MAX
                } else {
                    s.len()
                }
            })
            .map(|(_, l)| *l)
    }

    /// The effective level of a rule at a path (`None` keeps the finding's severity).
    pub fn level_at(&self, path: &str, id: &str, name: &str) -> Option<Level> {
        let mut level = self.level_for(&self.severity, id, name);
        for o in &self.overrides {
            if o.paths.is_match(path) {
                if o.ignore.iter().any(|s| selector_matches(s, id, name)) {
                    level = Some(Level::Off);
                } else if let Some(l) = self.level_for(&o.severity, id, name) {
                    level = Some(l);
                }
            }
        }
        level
    }
}

/// Build the secret settings of `[secrets]` (and the gitleaks file it names).
fn secret_settings(
    raw: &RawSecrets,
    config_path: &Path,
    err_at: &dyn Fn(Option<std::ops::Range<usize>>, String) -> ConfigError,
) -> Result<SecretSettings, ConfigError> {
    let mut patterns: Vec<secrets::UserPattern> = Vec::new();
    let mut first_span = None;
    for p in &raw.pattern {
        first_span.get_or_insert(p.span());
        patterns.push(p.get_ref().clone());
    }
    let mut allow = secrets::Allowlist {
        regexes: Vec::new(),
        stopwords: raw
            .allowlist
            .stopwords
            .iter()
            .map(|w| w.to_ascii_lowercase())
            .collect(),
    };
    for r in &raw.allowlist.regexes {
        let re = regex::Regex::new(r.get_ref())
            .map_err(|e| err_at(Some(r.span()), format!("invalid regex: {e}")))?;
        allow.regexes.push(re);
    }
    let mut allow_path_regexes = Vec::new();
    if let Some(gl) = &raw.gitleaks_config {
        let base = config_path.parent().unwrap_or(Path::new("."));
        let file = base.join(gl.get_ref());
        let text = std::fs::read_to_string(&file).map_err(|e| {
            err_at(
                Some(gl.span()),
                format!("cannot read gitleaks config {}: {e}", file.display()),
            )
        })?;
        let cfg = secrets::from_gitleaks(&text).map_err(|e| {
            err_at(
                Some(gl.span()),
                format!("invalid gitleaks config {}: {e}", file.display()),
            )
        })?;
        for s in &cfg.skipped {
            eprintln!("octolint: {}: skipped gitleaks rule {s}", file.display());
        }
        let bad = |e: regex::Error| {
            err_at(
                Some(gl.span()),
                format!("gitleaks config {}: invalid regex: {e}", file.display()),
            )
        };
        for r in &cfg.allow_regexes {
            allow.regexes.push(regex::Regex::new(r).map_err(bad)?);
        }
        for r in &cfg.allow_paths {
            allow_path_regexes.push(regex::Regex::new(r).map_err(bad)?);
        }
        allow
            .stopwords
            .extend(cfg.stopwords.iter().map(|w| w.to_ascii_lowercase()));
        first_span.get_or_insert(gl.span());
        patterns.extend(cfg.patterns);
    }
    let custom = if patterns.is_empty() && allow.regexes.is_empty() && allow.stopwords.is_empty() {
        None
    } else {
        Some(
            secrets::Scanner::with_config(&patterns, allow)
                .map_err(|e| err_at(first_span.clone(), format!("[secrets]: {e}")))?,
        )
    };
    let allow_paths = if raw.allowlist.paths.is_empty() {
        None
    } else {
        let mut b = GlobSetBuilder::new();
        for p in &raw.allowlist.paths {
            for g in expand_pattern(p.get_ref()) {
                b.add(Glob::new(&g).map_err(|e| {
                    err_at(
                        Some(p.span()),
                        format!("invalid glob `{}`: {e}", p.get_ref()),
                    )
                })?);
            }
        }
        Some(
            b.build()
                .map_err(|e| err_at(None, format!("invalid glob set: {e}")))?,
        )
    };
    Ok(SecretSettings {
        custom,
        allow_paths,
        allow_path_regexes,
        fingerprints: raw.allowlist.fingerprints.iter().cloned().collect(),
    })
}

/// Byte range of `key = …` in the TOML text, searched after `after` (a table header) when
/// given; for locating values that parse but make no sense.
fn key_span(text: &str, after: Option<&str>, key: &str) -> Option<std::ops::Range<usize>> {
    let from = after.and_then(|h| text.find(h)).unwrap_or(0);
    let mut pos = from;
    while let Some(i) = text[pos..].find(key) {
        let at = pos + i;
        let line_start = text[..at].rfind('\n').map_or(0, |n| n + 1);
        let rest = text[at + key.len()..].trim_start_matches([' ', '\t', '"']);
        if text[line_start..at]
            .trim_matches([' ', '\t', '"'])
            .is_empty()
            && rest.starts_with('=')
        {
            return Some(at..at + key.len());
        }
        pos = at + key.len();
    }
    None
}

/// Values that parse but would make the check meaningless: `max-file-size = 0` (every file
/// skipped), negative or non-finite money, negative counts.
fn validate(
    raw: &RawConfig,
    text: &str,
    err_at: &dyn Fn(Option<std::ops::Range<usize>>, String) -> ConfigError,
) -> Result<(), ConfigError> {
    if raw.max_file_size == Some(0) {
        return Err(err_at(
            key_span(text, None, "max-file-size"),
            "`max-file-size = 0` would skip every file: give a size in bytes (default 10485760)"
                .into(),
        ));
    }
    for (name, env) in &raw.environments {
        let header = format!("[environments.{name}]");
        let money = [("monthly-ceiling", env.monthly_ceiling)];
        for (key, v) in money {
            if let Some(v) = v
                && (!v.is_finite() || v < 0.0)
            {
                return Err(err_at(
                    key_span(text, Some(&header), key),
                    format!(
                        "`{key}` of environment `{name}` must be a non-negative amount, not {v}"
                    ),
                ));
            }
        }
        let sizes = [
            ("max-vcpu", env.max_vcpu),
            ("max-memory-gb", env.max_memory_gb),
            ("max-nodes", env.max_nodes),
            ("max-db-vcpu", env.max_db_vcpu),
        ];
        for (key, v) in sizes {
            if let Some(v) = v
                && (!v.is_finite() || v < 0.0)
            {
                return Err(err_at(
                    key_span(text, Some(&header), key),
                    format!("`{key}` of environment `{name}` must not be negative, not {v}"),
                ));
            }
        }
        let counts = [
            ("min-replicas", env.min_replicas),
            ("min-backup-days", env.min_backup_days),
            ("min-zones", env.min_zones),
        ];
        for (key, v) in counts {
            if let Some(v) = v
                && v < 0
            {
                return Err(err_at(
                    key_span(text, Some(&header), key),
                    format!("`{key}` of environment `{name}` must not be negative, not {v}"),
                ));
            }
        }
    }
    let counts = [
        (
            "prod-min-replicas",
            raw.kubernetes.prod_min_replicas.as_ref(),
        ),
        (
            "prod-min-backup-days",
            raw.terraform.prod_min_backup_days.as_ref(),
        ),
    ];
    for (key, v) in counts {
        if let Some(v) = v
            && *v.get_ref() < 0
        {
            return Err(err_at(
                Some(v.span()),
                format!("`{key}` must not be negative, not {}", v.get_ref()),
            ));
        }
    }
    for p in &raw.prices {
        for (key, v) in [("hourly", p.hourly), ("monthly", p.monthly)] {
            if let Some(v) = v
                && (!v.is_finite() || v < 0.0)
            {
                return Err(err_at(
                    key_span(text, Some("[[prices]]"), key),
                    format!(
                        "price `{key}` of `{}` must be a non-negative amount, not {v}",
                        p.sku
                    ),
                ));
            }
        }
        for (key, v) in [("vcpu", p.vcpu), ("memory-gb", p.memory_gb)] {
            if !v.is_finite() || v < 0.0 {
                return Err(err_at(
                    key_span(text, Some("[[prices]]"), key),
                    format!("`{key}` of price `{}` must not be negative, not {v}", p.sku),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Settings, ConfigError> {
        Settings::from_str(Path::new("octolint.toml"), text)
    }

    #[test]
    fn unknown_key_names_line() {
        let err = parse("fail-on = \"error\"\n[rules]\nselekt = [\"K8S\"]\n").expect_err("unknown");
        assert_eq!(err.line_col.map(|l| l.0), Some(3));
        assert!(err.message.contains("selekt"), "{}", err.message);
    }

    #[test]
    fn unknown_rule_and_bad_severity() {
        let s = parse("[rules]\nignore = [\"K9S999\"]\n").expect("parses");
        let err = s
            .check_selectors(|sel| sel == "K8S001")
            .expect_err("unknown rule");
        assert_eq!(err.line_col, Some((2, 11)));
        assert!(err.message.contains("K9S999"), "{}", err.message);
        let err = parse("[rules.severity]\nK8S001 = \"fatal\"\n").expect_err("bad severity");
        assert!(err.message.contains("fatal"));
    }

    #[test]
    fn levels_and_overrides() {
        let s = parse(
            "[rules]\nignore = [\"K8S002\"]\n[rules.severity]\nK8S = \"info\"\nK8S001 = \"warning\"\n[[overrides]]\npaths = [\"legacy/\"]\nignore = [\"K8S001\"]\n",
        )
        .expect("valid");
        assert!(!s.rule_enabled("K8S002", "latest-image-tag"));
        assert!(s.rule_enabled("K8S001", "privileged-container"));
        assert_eq!(
            s.level_at("a.yaml", "K8S001", "x"),
            Some(Level::On(Severity::Warning))
        );
        assert_eq!(
            s.level_at("a.yaml", "K8S003", "x"),
            Some(Level::On(Severity::Info))
        );
        assert_eq!(s.level_at("legacy/a.yaml", "K8S001", "x"), Some(Level::Off));
    }
}
