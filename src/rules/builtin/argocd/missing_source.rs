//! ARGO006: an Application that deploys from this repository names a `path` or Helm
//! `valueFiles` entry that does not exist in it (repo-wide).

use super::{app_spec, sources};
use crate::diagnostics::RuleMeta;
use crate::diagnostics::Severity;
use crate::model::repo::{Repo, normalize_repo_url};
use crate::parse::node::Node;
use crate::rules::rule::{Ctx, Rule};
use crate::source::normalize_join;

pub struct MissingSource;

static META: RuleMeta = RuleMeta {
    id: "ARGO006",
    name: "argocd-missing-source-path",
    severity: Severity::Error,
    category: "argocd",
    tags: &["reliability", "references"],
    summary: "An Application points at a path or Helm values file that does not exist in this repository",
    explanation: "When an Application's `repoURL` is this repository, its `source.path` and \
`helm.valueFiles` must exist in it: a renamed directory or a typo in a values file name makes the \
sync fail (or, with `ignoreMissingValueFiles`, silently deploys the chart's defaults). The \
repository is recognised by its Git remotes, or by `[argocd] repo-urls` in `octolint.toml` \
(paths are then relative to that file's directory). Value files starting with `$` (multi-source \
references) or given as URLs are not checked.",
    help: "fix the path or the value file name, or add the missing directory/file",
    fail_example: "spec:\n  source:\n    repoURL: https://github.com/acme/gitops.git\n    path: apps/web\n    helm:\n      valueFiles: [values-prod.yaml]\n",
    pass_example: "# apps/web/ and apps/web/values-prod.yaml exist in the repository\n",
    security_severity: None,
    since: "0.1.0",
};

impl Rule for MissingSource {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_repo(&self, repo: &Repo<'_>, ctx: &mut Ctx<'_>) {
        let Some(origin) = &repo.origin else { return };
        for o in &repo.objects {
            let Some(spec) = app_spec(&o.obj) else {
                continue;
            };
            for src in sources(spec) {
                let Some(url) = src.get("repoURL").and_then(Node::as_str) else {
                    continue;
                };
                if src.get("chart").is_some() || !origin.urls.contains(&normalize_repo_url(url)) {
                    continue;
                }
                let Some(path_node) = src.get("path") else {
                    continue;
                };
                let Some(path) = path_node.as_str() else {
                    continue;
                };
                if path.contains("{{") {
                    continue;
                }
                // Repository-relative, then relative to the checked directory.
                let in_repo = format!("{}/", normalize_join("", path));
                let Some(rel) = in_repo.strip_prefix(origin.prefix.as_str()) else {
                    continue; // outside the checked directory
                };
                let rel = rel.trim_end_matches('/');
                if !repo.exists(rel) {
                    ctx.report_at(
                        o.path,
                        path_node.span,
                        Some(o.obj.logical_name()),
                        format!(
                            "source path `{path}` of {} does not exist in this repository",
                            o.obj.logical_name()
                        ),
                    );
                    continue;
                }
                let helm = src.get("helm");
                if helm
                    .and_then(|h| h.get("ignoreMissingValueFiles"))
                    .and_then(Node::as_bool)
                    == Some(true)
                {
                    continue;
                }
                for vf in helm
                    .and_then(|h| h.get("valueFiles"))
                    .into_iter()
                    .flat_map(Node::items)
                {
                    let Some(name) = vf.as_str() else { continue };
                    if name.starts_with('$') || name.contains("://") || name.contains("{{") {
                        continue;
                    }
                    let file = normalize_join(rel, name);
                    if !repo.paths.contains(file.as_str()) {
                        ctx.report_at(
                            o.path,
                            vf.span,
                            Some(o.obj.logical_name()),
                            format!("Helm value file `{name}` of {} does not exist (looked for `{file}`)", o.obj.logical_name()),
                        );
                    }
                }
            }
        }
    }
}
