//! Where the checked directory lives: the Git work tree and its remote URLs (or the
//! configured `[argocd] repo-urls`), so Argo CD sources that point back at this repository
//! can be resolved. Depends on `config`, `discover` and `model::repo`.

use std::path::{Path, PathBuf};

use crate::config::RuleOptions;
use crate::discover;
use crate::model::repo::{RepoOrigin, normalize_repo_url};

/// Run `git` in `dir`; its trimmed standard output when it succeeds.
pub fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The repository the checked directory belongs to: `[argocd] repo-urls` (rooted at the
/// config file's directory), else the Git work tree and its remotes.
pub fn origin(base: &Path, options: &RuleOptions) -> Option<RepoOrigin> {
    let base = if base.as_os_str().is_empty() {
        Path::new(".")
    } else {
        base
    };
    let (urls, root) = if options.repo_urls.is_empty() {
        let root = PathBuf::from(git(base, &["rev-parse", "--show-toplevel"])?);
        let remotes =
            git(base, &["config", "--get-regexp", r"^remote\..*\.url$"]).unwrap_or_default();
        let urls: Vec<String> = remotes
            .lines()
            .filter_map(|l| l.split_whitespace().nth(1).map(str::to_string))
            .collect();
        (urls, root)
    } else {
        (options.repo_urls.clone(), options.repo_root.clone()?)
    };
    if urls.is_empty() {
        return None;
    }
    let base = std::fs::canonicalize(base).ok()?;
    let root = std::fs::canonicalize(root).ok()?;
    let rel = base.strip_prefix(&root).ok()?;
    let mut prefix = discover::relative(Path::new(""), rel);
    if prefix == "." {
        prefix.clear();
    } else {
        prefix.push('/');
    }
    Some(RepoOrigin {
        urls: urls.iter().map(|u| normalize_repo_url(u)).collect(),
        prefix,
    })
}
