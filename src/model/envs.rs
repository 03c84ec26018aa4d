//! The environment of every file and object, resolved once per file.
//!
//! Precedence (highest first): configured path globs and custom environment names
//! (`[environments.<name>]`), the dev/staging/prod words of the path (file name first, then
//! directories deepest first), the suffix of the object's namespace (`payments-prod`), and
//! finally the environment of the Argo CD Application that deploys the file's directory.
//!
//! The Application lookup is indexed by directory: a path probes each run of its directory
//! segments once, so the work per object does not grow with the number of Applications.
//! Depends on `config` only.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::config::env::Env;
use crate::config::environments::Environments;

/// Environments and the directories Argo CD Applications deploy, ready for lookups.
#[derive(Debug)]
pub struct EnvIndex<'a> {
    envs: &'a Environments,
    app_dirs: HashMap<String, Env>,
    longest_app_dir: usize,
    probes: AtomicUsize,
    /// Environments of rendered (virtual) files, set by the render stage.
    files: HashMap<String, Env>,
}

/// The path-derived part of a file's environment, computed once per file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FileEnv {
    /// From configured globs or a custom environment's name in the path.
    pub configured: Option<Env>,
    /// From the dev/staging/prod words of the path.
    pub from_path: Option<Env>,
    /// From the Argo CD Application that deploys the file's directory.
    pub app: Option<Env>,
}

impl FileEnv {
    /// The environment of an object of this file in `namespace`.
    pub fn object_env(&self, namespace: Option<&str>) -> Option<Env> {
        self.configured
            .or(self.from_path)
            .or_else(|| namespace.and_then(Env::from_name))
            .or(self.app)
    }
}

impl<'a> EnvIndex<'a> {
    /// `app_dirs`: directories deployed by Argo CD Applications, with their environment.
    pub fn new(envs: &'a Environments, app_dirs: Vec<(String, Env)>) -> Self {
        let longest_app_dir = app_dirs.iter().map(|(d, _)| d.len()).max().unwrap_or(0);
        EnvIndex {
            envs,
            app_dirs: app_dirs.into_iter().collect(),
            longest_app_dir,
            probes: AtomicUsize::new(0),
            files: HashMap::new(),
        }
    }

    /// Files whose environment is known already (rendered for an environment).
    pub fn with_file_envs(mut self, files: HashMap<String, Env>) -> Self {
        self.files = files;
        self
    }

    pub fn environments(&self) -> &'a Environments {
        self.envs
    }

    /// Lookups done so far (for the linear-work test).
    pub fn probes(&self) -> usize {
        self.probes.load(Ordering::Relaxed)
    }

    /// The path-derived environment of each of `paths`, in parallel (in their order).
    pub fn file_envs<'p>(
        &self,
        paths: impl rayon::iter::IndexedParallelIterator<Item = &'p str>,
    ) -> Vec<FileEnv> {
        use rayon::iter::ParallelIterator;
        paths.map(|p| self.file_env(p)).collect()
    }

    /// The path-derived environment of the file at `path`.
    pub fn file_env(&self, path: &str) -> FileEnv {
        if let Some(env) = self.files.get(path) {
            return FileEnv {
                configured: Some(*env),
                ..FileEnv::default()
            };
        }
        let configured = self.envs.configured(path).map(|s| s.class);
        FileEnv {
            configured,
            from_path: Env::from_path(path),
            app: self.app_env(path),
        }
    }

    /// The environment of the Application deploying the deepest directory run of `path`.
    /// Argo CD paths are relative to the repository root, ours to the checked directory, so
    /// an Application's directory may match any run of the path's directory segments.
    pub fn app_env(&self, path: &str) -> Option<Env> {
        if self.app_dirs.is_empty() {
            return None;
        }
        let dir = &path[..path.rfind('/')?];
        // Every run of whole directory segments, by start then end (the file name is not
        // one); runs longer than the longest Application directory are not looked up.
        let mut best: Option<(&str, Env)> = None;
        let mut probes = 0;
        let mut start = 0;
        loop {
            let ends = dir[start..]
                .match_indices('/')
                .map(|(i, _)| start + i)
                .chain(std::iter::once(dir.len()));
            for end in ends.filter(|&e| e > start) {
                if end - start > self.longest_app_dir {
                    break;
                }
                probes += 1;
                let run = &dir[start..end];
                if let Some(env) = self.app_dirs.get(run)
                    && best.is_none_or(|(b, _)| run.len() > b.len())
                {
                    best = Some((run, *env));
                }
            }
            match dir[start..].find('/') {
                Some(i) => start += i + 1,
                None => break,
            }
        }
        self.probes.fetch_add(probes, Ordering::Relaxed);
        best.map(|(_, e)| e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_dirs_match_any_run_of_directories_deepest_wins() {
        let envs = Environments::default();
        let idx = EnvIndex::new(
            &envs,
            vec![
                ("apps/web".to_string(), Env::Staging),
                ("apps".to_string(), Env::Dev),
                ("clusters/eu/apps/web".to_string(), Env::Prod),
            ],
        );
        assert_eq!(idx.app_env("apps/web/deploy.yaml"), Some(Env::Staging));
        assert_eq!(
            idx.app_env("repo/apps/web/x/deploy.yaml"),
            Some(Env::Staging)
        );
        assert_eq!(idx.app_env("apps/api/deploy.yaml"), Some(Env::Dev));
        assert_eq!(
            idx.app_env("clusters/eu/apps/web/deploy.yaml"),
            Some(Env::Prod)
        );
        // A file name is not a directory; partial segment names do not match.
        assert_eq!(idx.app_env("apps.yaml"), None);
        assert_eq!(idx.app_env("myapps/web2/deploy.yaml"), None);
    }

    #[test]
    fn precedence_configured_path_namespace_application() {
        let fe = FileEnv {
            configured: None,
            from_path: None,
            app: Some(Env::Dev),
        };
        assert_eq!(fe.object_env(Some("payments-prod")), Some(Env::Prod));
        assert_eq!(fe.object_env(None), Some(Env::Dev));
        let fe = FileEnv {
            configured: Some(Env::Staging),
            from_path: Some(Env::Prod),
            app: None,
        };
        assert_eq!(fe.object_env(Some("x-dev")), Some(Env::Staging));
    }
}
