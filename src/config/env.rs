//! Environments (dev, staging, prod) from paths and names: the file name first
//! (`values-prod.yaml`), then directories from the deepest up (`overlays/production`,
//! `environments/stg`), then a namespace suffix (`payments-prod`). Configured environment
//! globs (issue: environments and cost) will take precedence over these conventions.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Env {
    Dev,
    Staging,
    Prod,
}

impl Env {
    pub fn as_str(self) -> &'static str {
        match self {
            Env::Dev => "dev",
            Env::Staging => "staging",
            Env::Prod => "prod",
        }
    }

    fn from_token(t: &str) -> Option<Env> {
        // Compared without allocating: every word of every path goes through here.
        const WORDS: [(&str, Env); 9] = [
            ("dev", Env::Dev),
            ("development", Env::Dev),
            ("develop", Env::Dev),
            ("stage", Env::Staging),
            ("staging", Env::Staging),
            ("stg", Env::Staging),
            ("prod", Env::Prod),
            ("production", Env::Prod),
            ("prd", Env::Prod),
        ];
        WORDS
            .iter()
            .find(|(w, _)| w.len() == t.len() && w.eq_ignore_ascii_case(t))
            .map(|(_, e)| *e)
    }

    /// The environment a name (a path segment, a file stem, a namespace) names, by its
    /// `-`/`_`/`.`-separated words, the last naming word winning.
    pub fn from_name(name: &str) -> Option<Env> {
        name.split(['-', '_', '.'])
            .filter_map(Env::from_token)
            .next_back()
    }

    /// From a `/`-separated relative path: the file name, then directories deepest first.
    pub fn from_path(path: &str) -> Option<Env> {
        let mut segs = path.rsplit('/');
        let file = segs.next().unwrap_or("");
        let stem = file.split('.').next().unwrap_or(file);
        Env::from_name(stem).or_else(|| segs.find_map(Env::from_name))
    }
}

impl fmt::Display for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Env;

    #[test]
    fn from_paths() {
        assert_eq!(
            Env::from_path("k8s/prod/apps/web/deployment.yaml"),
            Some(Env::Prod)
        );
        assert_eq!(Env::from_path("k8s/prod-eu/apps/web.yaml"), Some(Env::Prod));
        assert_eq!(
            Env::from_path("helm/values/web/values-stg.yaml"),
            Some(Env::Staging)
        );
        assert_eq!(
            Env::from_path("overlays/production/kustomization.yaml"),
            Some(Env::Prod)
        );
        assert_eq!(
            Env::from_path("environments/dev/values-prod.yaml"),
            Some(Env::Prod)
        );
        assert_eq!(Env::from_path("apps/devops/web.yaml"), None);
        assert_eq!(Env::from_path("apps/product/web.yaml"), None);
        assert_eq!(Env::from_name("payments-prod"), Some(Env::Prod));
        assert_eq!(Env::from_name("team-001-dev"), Some(Env::Dev));
    }
}
