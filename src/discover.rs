//! Walk the tree (the `ignore` crate: `.gitignore`, `.octolintignore`, excludes), classify
//! every file, and return them sorted. Depends on `config` for glob expansion only.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use globset::{Glob, GlobSet, GlobSetBuilder};
use ignore::{WalkBuilder, WalkState};

use crate::config::patterns::expand_pattern;

/// What a file is, decided from its path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FileKind {
    /// `.tf`, `.tfvars`
    Terraform,
    /// `.tf.json`, `.tfvars.json`
    TerraformJson,
    /// Plain YAML (may hold Kubernetes objects)
    Yaml,
    /// Plain JSON (may hold Kubernetes objects)
    Json,
    /// `kustomization.yaml`
    Kustomization,
    /// A chart's `Chart.yaml`
    HelmChart,
    /// A chart's `values*.yaml`
    HelmValues,
    /// A file under a chart's `templates/` (Go template, not YAML)
    HelmTemplate,
    /// Any other file (scanned as text when it is text)
    Other,
}

impl FileKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Terraform => "terraform",
            FileKind::TerraformJson => "terraform-json",
            FileKind::Yaml => "yaml",
            FileKind::Json => "json",
            FileKind::Kustomization => "kustomization",
            FileKind::HelmChart => "helm-chart",
            FileKind::HelmValues => "helm-values",
            FileKind::HelmTemplate => "helm-template",
            FileKind::Other => "other",
        }
    }

    /// Parsed as YAML/JSON documents.
    pub fn is_yaml_like(self) -> bool {
        matches!(
            self,
            FileKind::Yaml
                | FileKind::Json
                | FileKind::TerraformJson
                | FileKind::Kustomization
                | FileKind::HelmChart
                | FileKind::HelmValues
        )
    }

    /// A configuration format octolint parses (so failing to read it is reported).
    pub fn is_config(self) -> bool {
        self.is_yaml_like() || self == FileKind::Terraform
    }
}

#[derive(Clone, Debug)]
pub struct Entry {
    /// Path relative to the base, `/`-separated (lossy for non-UTF-8 names).
    pub rel: String,
    pub abs: PathBuf,
    pub kind: FileKind,
}

/// A path the walker could not handle (permission denied, symlink loop, ...).
#[derive(Clone, Debug)]
pub struct WalkProblem {
    pub rel: String,
    pub message: String,
}

#[derive(Debug, Default)]
pub struct Discovery {
    pub entries: Vec<Entry>,
    pub problems: Vec<WalkProblem>,
    pub symlinks_skipped: usize,
}

pub struct Options {
    /// Paths given on the command line (files or directories).
    pub paths: Vec<PathBuf>,
    /// Paths in output are relative to this directory.
    pub base: PathBuf,
    pub exclude: Vec<String>,
    pub follow_links: bool,
    pub threads: usize,
}

/// Directories never worth walking.
const SKIP_DIRS: &[&str] = &[".git", ".terraform", ".terragrunt-cache", ".hg", ".svn"];

pub fn relative(base: &Path, path: &Path) -> String {
    // The walker's paths start with the base as given: a byte prefix is enough (and much
    // cheaper than comparing components) when it ends at a separator.
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let (b, p) = (base.as_os_str().as_bytes(), path.as_os_str().as_bytes());
        if let Some(rest) = p.strip_prefix(b)
            && !b.is_empty()
            && (b.ends_with(b"/") || rest.starts_with(b"/"))
        {
            let rest = rest.strip_prefix(b"/").unwrap_or(rest);
            if !rest.is_empty() && !rest.starts_with(b"/") && !rest.starts_with(b"./") {
                return String::from_utf8_lossy(rest).into_owned();
            }
        }
    }
    let rel = path.strip_prefix(base).unwrap_or(path);
    let s = rel.to_string_lossy();
    let s = s.strip_prefix("./").unwrap_or(&s);
    let s = if std::path::MAIN_SEPARATOR == '/' {
        s.to_string()
    } else {
        s.replace(std::path::MAIN_SEPARATOR, "/")
    };
    if s.is_empty() { ".".to_string() } else { s }
}

pub fn build_excludes(patterns: &[String]) -> Result<GlobSet, String> {
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        for g in expand_pattern(p) {
            b.add(Glob::new(&g).map_err(|e| format!("invalid exclude pattern `{p}`: {e}"))?);
        }
    }
    b.build().map_err(|e| e.to_string())
}

/// Files (relative, absolute), problems, symbolic links skipped.
type Found = (Vec<(String, PathBuf)>, Vec<WalkProblem>, usize);

pub fn walk(opts: &Options) -> Result<Discovery, String> {
    let excludes = build_excludes(&opts.exclude)?;
    let Some((first, rest)) = opts.paths.split_first() else {
        return Ok(Discovery::default());
    };
    let mut builder = WalkBuilder::new(first);
    for p in rest {
        builder.add(p);
    }
    let base = opts.base.clone();
    let base_for_filter = base.clone();
    let excludes_for_filter = excludes.clone();
    builder
        .hidden(false)
        .git_ignore(true)
        .git_global(false)
        .git_exclude(true)
        .require_git(false)
        .ignore(false)
        .parents(true)
        .add_custom_ignore_filename(".octolintignore")
        .follow_links(opts.follow_links)
        .threads(opts.threads.max(1))
        .filter_entry(move |e| {
            if e.depth() > 0
                && e.file_type().is_some_and(|t| t.is_dir())
                && let Some(name) = e.file_name().to_str()
                && SKIP_DIRS.contains(&name)
            {
                return false;
            }
            if e.depth() == 0 || excludes_for_filter.is_empty() {
                return true;
            }
            let rel = relative(&base_for_filter, e.path());
            !excludes_for_filter.is_match(&rel)
        });

    // The directories the walk may read: the given directories (and the directories of the
    // given files), resolved. A followed link that leads elsewhere is reported, not read.
    let roots: Vec<PathBuf> = opts
        .paths
        .iter()
        .filter_map(|p| {
            let c = std::fs::canonicalize(p).ok()?;
            if c.is_dir() {
                Some(c)
            } else {
                c.parent().map(Path::to_path_buf)
            }
        })
        .collect();
    let follow = opts.follow_links;
    let found: Mutex<Found> = Mutex::new((Vec::new(), Vec::new(), 0));
    builder.build_parallel().run(|| {
        let found = &found;
        let base = &base;
        let roots = &roots;
        Box::new(move |res| {
            let mut guard = match found.lock() {
                Ok(g) => g,
                Err(p) => p.into_inner(),
            };
            match res {
                Ok(entry) => {
                    let Some(ft) = entry.file_type() else {
                        return WalkState::Continue;
                    };
                    if follow && entry.path_is_symlink() && entry.depth() > 0 {
                        let target = std::fs::canonicalize(entry.path()).ok();
                        let inside = target
                            .as_ref()
                            .is_some_and(|t| roots.iter().any(|r| t.starts_with(r)));
                        if !inside {
                            guard.1.push(WalkProblem {
                                rel: relative(base, entry.path()),
                                message: format!(
                                    "symbolic link points outside the checked tree{}: not followed",
                                    target
                                        .map(|t| format!(" (to `{}`)", t.display()))
                                        .unwrap_or_default()
                                ),
                            });
                            return if ft.is_dir() {
                                WalkState::Skip
                            } else {
                                WalkState::Continue
                            };
                        }
                    }
                    if ft.is_file() {
                        guard
                            .0
                            .push((relative(base, entry.path()), entry.into_path()));
                    } else if ft.is_symlink() {
                        guard.2 += 1;
                    } else if !ft.is_dir() {
                        // A FIFO, socket or device: reading it could block or never end.
                        let rel = relative(base, entry.path());
                        if classify(&rel, &BTreeSet::new()).is_config() {
                            guard.1.push(WalkProblem {
                                rel,
                                message: format!(
                                    "not a regular file ({}): not read",
                                    special_kind(&ft)
                                ),
                            });
                        }
                    }
                }
                Err(err) => {
                    let path = error_path(&err);
                    guard.1.push(WalkProblem {
                        rel: path
                            .map(|p| relative(base, &p))
                            .unwrap_or_else(|| ".".into()),
                        message: error_message(&err),
                    });
                }
            }
            WalkState::Continue
        })
    });
    let (mut files, mut problems, symlinks) = match found.into_inner() {
        Ok(v) => v,
        Err(p) => p.into_inner(),
    };
    files.sort();
    files.dedup_by(|a, b| a.0 == b.0);
    problems.sort_by(|a, b| (&a.rel, &a.message).cmp(&(&b.rel, &b.message)));

    let chart_dirs: BTreeSet<String> = files
        .iter()
        .filter_map(|(rel, _)| {
            let (dir, name) = rel.rsplit_once('/').unwrap_or(("", rel));
            (name == "Chart.yaml" || name == "Chart.yml").then(|| dir.to_string())
        })
        .collect();
    let entries = files
        .into_iter()
        .map(|(rel, abs)| {
            let kind = classify(&rel, &chart_dirs);
            Entry { rel, abs, kind }
        })
        .collect();
    Ok(Discovery {
        entries,
        problems,
        symlinks_skipped: symlinks,
    })
}

/// What kind of special file a file type is.
fn special_kind(ft: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "a named pipe";
        }
        if ft.is_socket() {
            return "a socket";
        }
        if ft.is_block_device() || ft.is_char_device() {
            return "a device";
        }
    }
    let _ = ft;
    "a special file"
}

fn error_path(err: &ignore::Error) -> Option<PathBuf> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child.clone()),
        ignore::Error::Partial(errs) => errs.first().and_then(error_path),
        _ => None,
    }
}

fn error_message(err: &ignore::Error) -> String {
    match err {
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => error_message(err),
        ignore::Error::Loop { ancestor, .. } => {
            format!("symbolic link loop back to `{}`", ancestor.display())
        }
        other => other.to_string(),
    }
}

/// Classify a file by its relative path, knowing which directories are Helm charts.
pub fn classify(rel: &str, chart_dirs: &BTreeSet<String>) -> FileKind {
    let (dir, name) = rel.rsplit_once('/').unwrap_or(("", rel));
    let lower = name.to_ascii_lowercase();
    // The nearest enclosing chart, if any.
    let chart = std::iter::successors(Some(dir), |d| {
        if d.is_empty() {
            None
        } else {
            Some(d.rsplit_once('/').map(|(p, _)| p).unwrap_or(""))
        }
    })
    .find(|d| chart_dirs.contains(*d));
    if let Some(chart) = chart {
        let inside = if chart.is_empty() {
            dir
        } else {
            dir.strip_prefix(chart)
                .map(|d| d.trim_start_matches('/'))
                .unwrap_or(dir)
        };
        if inside == "templates" || inside.starts_with("templates/") {
            return FileKind::HelmTemplate;
        }
        if inside.is_empty() {
            if lower == "chart.yaml" || lower == "chart.yml" {
                return FileKind::HelmChart;
            }
            if lower.starts_with("values") && (lower.ends_with(".yaml") || lower.ends_with(".yml"))
            {
                return FileKind::HelmValues;
            }
        }
    }
    if lower.ends_with(".tf") || lower.ends_with(".tfvars") {
        FileKind::Terraform
    } else if lower.ends_with(".tf.json") || lower.ends_with(".tfvars.json") {
        FileKind::TerraformJson
    } else if matches!(
        lower.as_str(),
        "kustomization.yaml" | "kustomization.yml" | "kustomization"
    ) {
        FileKind::Kustomization
    } else if lower.ends_with(".yaml") || lower.ends_with(".yml") {
        FileKind::Yaml
    } else if lower.ends_with(".json") {
        FileKind::Json
    } else {
        FileKind::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_by_table() {
        let cases = [
            (".", "./k8s/a.yaml", "k8s/a.yaml"),
            ("./", "./k8s/a.yaml", "k8s/a.yaml"),
            ("k8s", "k8s/a.yaml", "a.yaml"),
            ("k8s/", "k8s/a.yaml", "a.yaml"),
            ("/tmp/repo", "/tmp/repo/x/y.tf", "x/y.tf"),
            ("/tmp/repo", "/tmp/repo", "."),
            // A sibling whose name starts like the base is not under it.
            (
                "/tmp/repo",
                "/tmp/repository/a.yaml",
                "/tmp/repository/a.yaml",
            ),
            ("", "k8s/a.yaml", "k8s/a.yaml"),
            ("/tmp/repo", "/elsewhere/a.yaml", "/elsewhere/a.yaml"),
        ];
        for (base, path, want) in cases {
            assert_eq!(
                relative(Path::new(base), Path::new(path)),
                want,
                "{base} {path}"
            );
        }
    }

    #[test]
    fn classifies_paths() {
        let charts: BTreeSet<String> = ["charts/web".to_string(), String::new()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect();
        assert_eq!(
            classify("charts/web/templates/deploy.yaml", &charts),
            FileKind::HelmTemplate
        );
        assert_eq!(
            classify("charts/web/templates/sub/x.yaml", &charts),
            FileKind::HelmTemplate
        );
        assert_eq!(
            classify("charts/web/values-prod.yaml", &charts),
            FileKind::HelmValues
        );
        assert_eq!(
            classify("charts/web/Chart.yaml", &charts),
            FileKind::HelmChart
        );
        assert_eq!(
            classify("charts/web/ci/values.yaml", &charts),
            FileKind::Yaml
        );
        assert_eq!(classify("infra/main.tf", &charts), FileKind::Terraform);
        assert_eq!(
            classify("infra/prod.tfvars.json", &charts),
            FileKind::TerraformJson
        );
        assert_eq!(
            classify("apps/kustomization.yaml", &charts),
            FileKind::Kustomization
        );
        assert_eq!(classify("templates/x.yaml", &charts), FileKind::Yaml);
        assert_eq!(classify("README.md", &charts), FileKind::Other);
        let root_chart: BTreeSet<String> = [String::new()].into_iter().collect();
        assert_eq!(
            classify("templates/x.yaml", &root_chart),
            FileKind::HelmTemplate
        );
    }

    #[test]
    fn exclude_patterns() {
        let g = build_excludes(&["vendor/".into(), "*.gen.yaml".into()]).expect("globs");
        assert!(g.is_match("vendor/a/b.yaml"));
        assert!(g.is_match("x/vendor/a.yaml"));
        assert!(g.is_match("a/b/c.gen.yaml"));
        assert!(!g.is_match("a/b/c.yaml"));
    }
}
