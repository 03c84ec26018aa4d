//! Environments as configured: the embedded defaults (`rules/environments.toml`) merged with
//! `[environments.<name>]` of `octolint.toml`. Each environment has a name (`prod`, `qa`), a
//! class (the canonical environment whose rules apply: dev, staging or prod), optional path
//! globs that take precedence over path conventions, a monthly cost ceiling and sizing limits.

use std::collections::BTreeMap;

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;

use super::env::Env;

const DEFAULTS: &str = include_str!("../../rules/environments.toml");

/// Keys of one environment (embedded table or configuration).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawEnv {
    pub paths: Option<Vec<String>>,
    pub like: Option<String>,
    pub monthly_ceiling: Option<f64>,
    pub max_vcpu: Option<f64>,
    pub max_memory_gb: Option<f64>,
    pub max_nodes: Option<f64>,
    pub max_db_vcpu: Option<f64>,
    pub min_replicas: Option<i64>,
    pub min_backup_days: Option<i64>,
    pub min_zones: Option<i64>,
    /// Target Kubernetes version of this environment's clusters (schema validation).
    pub kubernetes_version: Option<String>,
    /// Cloud region the environment runs in (`eu-west-1`), for `octolint cost`.
    pub region: Option<String>,
}

#[derive(Debug, Clone)]
pub struct EnvSpec {
    pub name: String,
    pub class: Env,
    pub globs: Option<GlobSet>,
    pub patterns: Vec<String>,
    pub monthly_ceiling: Option<f64>,
    pub max_vcpu: Option<f64>,
    pub max_memory_gb: Option<f64>,
    pub max_nodes: Option<f64>,
    pub max_db_vcpu: Option<f64>,
    pub min_replicas: Option<i64>,
    pub min_backup_days: Option<i64>,
    pub min_zones: Option<i64>,
    pub region: Option<String>,
}

impl EnvSpec {
    /// A configured name other than dev, staging and prod (`qa`, `prod-eu`).
    pub fn is_custom(&self) -> bool {
        !matches!(self.name.as_str(), "dev" | "staging" | "prod")
    }
}

#[derive(Debug, Clone)]
pub struct Environments {
    pub specs: Vec<EnvSpec>,
}

impl Default for Environments {
    fn default() -> Self {
        Environments::build(&BTreeMap::new()).unwrap_or(Environments { specs: Vec::new() })
    }
}

fn merge(base: &RawEnv, over: &RawEnv) -> RawEnv {
    RawEnv {
        paths: over.paths.clone().or_else(|| base.paths.clone()),
        like: over.like.clone().or_else(|| base.like.clone()),
        monthly_ceiling: over.monthly_ceiling.or(base.monthly_ceiling),
        max_vcpu: over.max_vcpu.or(base.max_vcpu),
        max_memory_gb: over.max_memory_gb.or(base.max_memory_gb),
        max_nodes: over.max_nodes.or(base.max_nodes),
        max_db_vcpu: over.max_db_vcpu.or(base.max_db_vcpu),
        min_replicas: over.min_replicas.or(base.min_replicas),
        min_backup_days: over.min_backup_days.or(base.min_backup_days),
        min_zones: over.min_zones.or(base.min_zones),
        kubernetes_version: over
            .kubernetes_version
            .clone()
            .or_else(|| base.kubernetes_version.clone()),
        region: over.region.clone(),
    }
}

impl Environments {
    /// The embedded defaults with `config` (name → keys) on top. Errors name the
    /// environment and key.
    pub fn build(config: &BTreeMap<String, RawEnv>) -> Result<Environments, String> {
        let defaults: BTreeMap<String, RawEnv> =
            toml::from_str(DEFAULTS).map_err(|e| format!("rules/environments.toml: {e}"))?;
        let mut names: Vec<String> = vec!["dev".into(), "staging".into(), "prod".into()];
        let extra: Vec<String> = config
            .keys()
            .filter(|k| !names.contains(k))
            .cloned()
            .collect();
        names.extend(extra);
        let mut specs = Vec::new();
        for name in names {
            let canonical = Env::from_name(&name).filter(|e| e.as_str() == name);
            let over = config.get(&name).cloned().unwrap_or_default();
            let class = match (&over.like, canonical) {
                (Some(l), _) => Env::from_name(l)
                    .filter(|e| e.as_str() == l)
                    .ok_or_else(|| {
                        format!(
                            "[environments.{name}] like = \"{l}\": expected dev, staging or prod"
                        )
                    })?,
                (None, Some(c)) => c,
                (None, None) => {
                    return Err(format!(
                        "[environments.{name}] needs `like = \"dev\"` (or staging/prod) to say which rules apply"
                    ));
                }
            };
            let base = defaults.get(class.as_str()).cloned().unwrap_or_default();
            let raw = merge(&base, &over);
            let patterns = over.paths.clone().unwrap_or_default();
            let globs = if patterns.is_empty() {
                None
            } else {
                let mut b = GlobSetBuilder::new();
                for p in &patterns {
                    for g in crate::config::patterns::expand_pattern(p) {
                        b.add(Glob::new(&g).map_err(|e| {
                            format!("[environments.{name}] invalid glob `{p}`: {e}")
                        })?);
                    }
                }
                Some(b.build().map_err(|e| e.to_string())?)
            };
            specs.push(EnvSpec {
                name,
                class,
                globs,
                patterns,
                monthly_ceiling: raw.monthly_ceiling,
                max_vcpu: raw.max_vcpu,
                max_memory_gb: raw.max_memory_gb,
                max_nodes: raw.max_nodes,
                max_db_vcpu: raw.max_db_vcpu,
                min_replicas: raw.min_replicas,
                min_backup_days: raw.min_backup_days,
                min_zones: raw.min_zones,
                region: raw.region,
            });
        }
        Ok(Environments { specs })
    }

    pub fn get(&self, name: &str) -> Option<&EnvSpec> {
        self.specs.iter().find(|s| s.name == name)
    }

    /// The environment of a path: configured globs first (the first matching environment
    /// wins; others matching are returned as conflicts), then a path segment naming a
    /// configured environment, then the dev/staging/prod conventions.
    /// The environment configuration alone gives `path`: the first environment whose globs
    /// match it, else a custom environment named by one of its segments (deepest first).
    /// Unlike [`Environments::resolve`], the dev/staging/prod words of the path are not
    /// read, and conflicts are not collected.
    pub fn configured(&self, path: &str) -> Option<&EnvSpec> {
        self.specs
            .iter()
            .find(|s| s.globs.as_ref().is_some_and(|g| g.is_match(path)))
            .or_else(|| {
                path.rsplit('/')
                    .find_map(|seg| self.specs.iter().find(|s| s.is_custom() && s.name == seg))
            })
    }

    pub fn resolve(&self, path: &str) -> (Option<&EnvSpec>, Vec<&str>) {
        let matching: Vec<&EnvSpec> = self
            .specs
            .iter()
            .filter(|s| s.globs.as_ref().is_some_and(|g| g.is_match(path)))
            .collect();
        if let Some(first) = matching.first() {
            let conflicts = matching[1..].iter().map(|s| s.name.as_str()).collect();
            return (Some(first), conflicts);
        }
        let custom = path
            .rsplit('/')
            .find_map(|seg| self.specs.iter().find(|s| s.is_custom() && s.name == seg));
        if let Some(s) = custom {
            return (Some(s), Vec::new());
        }
        let env = Env::from_path(path);
        (env.and_then(|e| self.get(e.as_str())), Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_globs_and_custom_names() {
        let mut cfg = BTreeMap::new();
        cfg.insert(
            "qa".to_string(),
            RawEnv {
                like: Some("dev".into()),
                monthly_ceiling: Some(300.0),
                ..RawEnv::default()
            },
        );
        cfg.insert(
            "prod".to_string(),
            RawEnv {
                paths: Some(vec!["live/main/".into()]),
                ..RawEnv::default()
            },
        );
        let envs = Environments::build(&cfg).expect("valid");
        assert_eq!(envs.get("dev").and_then(|s| s.monthly_ceiling), Some(500.0));
        let (qa, _) = envs.resolve("terraform/aws/qa/main.tf");
        assert_eq!(
            qa.map(|s| (s.name.as_str(), s.class, s.monthly_ceiling)),
            Some(("qa", Env::Dev, Some(300.0)))
        );
        assert_eq!(
            qa.and_then(|s| s.max_vcpu),
            Some(4.0),
            "inherits dev limits"
        );
        let (p, _) = envs.resolve("live/main/db.tf");
        assert_eq!(p.map(|s| s.name.as_str()), Some("prod"));
        let (s, _) = envs.resolve("environments/staging/main.tf");
        assert_eq!(s.map(|s| s.name.as_str()), Some("staging"));
        assert!(
            Environments::build(&BTreeMap::from([("system".to_string(), RawEnv::default())]))
                .is_err()
        );
    }
}
