//! The rule engine: per-document rules on every Kubernetes object of a file (in parallel
//! across files), the secret scanner over every text, then repository rules on the
//! repository model and Terraform rules on the Terraform model. Annotations that suppress
//! findings on an object are applied here, where the object is known.
//! Depends on `rules::rule`, `model`, `terraform`, `secrets`, `parse`, `config` and
//! `diagnostics`.

use std::collections::HashMap;
use std::sync::Arc;

use rayon::prelude::*;

use crate::config::RuleOptions;
use crate::diagnostics::suppress::{self, IGNORE_ANNOTATION};
use crate::diagnostics::{Finding, Location, Suppression, engine, new_finding};
use crate::discover::FileKind;
use crate::model::envs::FileEnv;
use crate::model::k8s::{K8sObject, objects_in};
use crate::model::repo::{ObjectRef, Repo};
use crate::parse::file::{Content, ParsedFile};
use crate::parse::node::Node;
use crate::rules::rule::{Ctx, Rule};
use crate::secrets;
use crate::source::Span;

/// What the per-file checks need.
pub struct FileChecks<'a> {
    pub rules: &'a [&'static dyn Rule],
    pub options: &'a RuleOptions,
    /// The secret scanner, unless secret rules are off.
    pub secrets: Option<&'a crate::config::SecretSettings>,
}

/// Run the secret scanner over the file's text and the per-document rules over its
/// objects. `is_patch`: the file is a Kustomize patch (a partial object); `file_env`: the
/// environment its path gives ([`EnvIndex::file_env`]), computed once per file by the caller
/// (the repository model reuses it).
pub fn check_file(
    f: &ParsedFile,
    checks: &FileChecks<'_>,
    is_patch: bool,
    file_env: FileEnv,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    // Not over rendered Helm templates: a value there comes from a values file (scanned as
    // itself) or from a generator run at install time (`randAlphaNum`, `genPrivateKey`).
    let scanner = checks
        .secrets
        .filter(|s| !s.path_allowed(&f.path))
        .filter(|_| !crate::rules::builtin::k8s::helm_rendered(&f.path))
        .map(|s| s.scanner());
    if let (Some(scanner), Some(src)) = (scanner, &f.source) {
        for hit in scanner.scan_file(&f.path, &src.text) {
            let finding = secret_finding(scanner, &f.path, &hit, hit.span, "");
            findings.push(finding);
        }
    }
    check_documents(f, checks, is_patch, file_env, scanner, &mut findings);
    findings
}

/// A finding for a secret hit at `span`; `what` completes the message.
fn secret_finding(
    scanner: &secrets::Scanner,
    path: &Arc<str>,
    hit: &secrets::Hit,
    span: Span,
    what: &str,
) -> Finding {
    let pattern = &scanner.patterns[hit.pattern];
    let mut f = new_finding(
        pattern.meta,
        Location::new(path.clone(), Some(span)),
        format!("{}{what}: `{}`", pattern.title, hit.redacted),
    );
    f.redact = true;
    if hit.allowed {
        f.suppressed = Some(Suppression {
            kind: "inline",
            reason: Some("octolint:allow on the line".into()),
        });
    }
    f
}

/// Run per-document rules on every Kubernetes object of one file.
fn check_documents(
    f: &ParsedFile,
    checks: &FileChecks<'_>,
    is_patch: bool,
    file_env: FileEnv,
    scanner: Option<&secrets::Scanner>,
    findings: &mut Vec<Finding>,
) {
    let (rules, options) = (checks.rules, checks.options);
    let Content::Docs(docs) = &f.content else {
        return;
    };
    // Values files outside a chart (`helm/values/prod/app.yaml`, `values-prod.yaml` next to
    // an Argo CD Application) are read like a chart's values when they hold no objects.
    let values_like = f.entry.kind == FileKind::Yaml
        && f.path
            .split('/')
            .any(|seg| seg == "values" || seg.starts_with("values-") || seg.starts_with("values."))
        && docs.iter().all(|d| d.root.get("kind").is_none());
    if f.entry.kind == FileKind::HelmValues || values_like {
        let env = options
            .environments
            .resolve(&f.path)
            .0
            .map(|s| s.class)
            .or_else(|| crate::config::env::Env::from_path(&f.path));
        for d in docs {
            for rule in rules {
                let mut ctx = Ctx::new(options, rule.meta(), &f.path, None, findings);
                rule.check_values(&d.root, env, &mut ctx);
            }
        }
        return;
    }
    if f.entry.kind == FileKind::Kustomization {
        return;
    }
    for node in docs.iter().flat_map(|d| objects_in(&d.root)) {
        let Some(mut obj) = K8sObject::from_node(node) else {
            continue;
        };
        obj.env = file_env.object_env(obj.namespace);
        obj.partial = is_patch;
        let logical = obj.logical_name();
        let start = findings.len();
        for rule in rules {
            let mut ctx = Ctx::new(options, rule.meta(), &f.path, Some(&logical), findings);
            rule.check_object(&obj, &mut ctx);
        }
        let mut start = start;
        if let Some(scanner) = scanner
            && obj.kind == "Secret"
            && obj.group().is_empty()
        {
            // Text-level hits on the encoded values (found before this object's findings)
            // give way to the decoded ones, which are appended.
            start = scan_secret_data(scanner, &obj, &f.path, findings, start);
        }
        if let Some(ann) = obj.annotation(IGNORE_ANNOTATION) {
            let reasonless = apply_annotation(ann, &mut findings[start..]);
            if reasonless {
                findings.push(new_finding(
                    &engine::SUPPRESSION_WITHOUT_REASON,
                    Location::new(f.path.clone(), Some(ann.span)),
                    format!("`{IGNORE_ANNOTATION}` on {logical} gives no reason"),
                ));
            }
        }
    }
}

/// Decode a Secret's base64 `data` values and scan them; a credential is reported at the
/// encoded value (replacing a text-level hit on the same value). Returns where the findings
/// from `start` on went: earlier ones removed move it down.
fn scan_secret_data(
    scanner: &secrets::Scanner,
    obj: &K8sObject<'_>,
    path: &Arc<str>,
    findings: &mut Vec<Finding>,
    mut start: usize,
) -> usize {
    use base64::Engine as _;
    let Some(data) = obj.root.get("data").and_then(Node::as_map) else {
        return start;
    };
    for (key, value) in data {
        let Some(encoded) = value.as_str() else {
            continue;
        };
        let compact: String = encoded.split_whitespace().collect();
        let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(compact.as_bytes()) else {
            continue;
        };
        let Ok(decoded) = String::from_utf8(bytes) else {
            continue;
        };
        let hits = scanner.scan_file(path, &decoded);
        if hits.is_empty() {
            continue;
        }
        let span = value.span;
        let replaced = |f: &Finding| {
            f.redact
                && f.location
                    .span
                    .is_some_and(|s| s.start < span.end && span.start < s.end)
        };
        start -= findings[..start].iter().filter(|f| replaced(f)).count();
        findings.retain(|f| !replaced(f));
        let what = format!(
            " in base64-encoded `data.{}` of {}",
            key.key_text().unwrap_or("?"),
            obj.logical_name()
        );
        for hit in hits {
            findings.push(secret_finding(scanner, path, &hit, span, &what));
        }
    }
    start
}

/// Mark the findings an `octolint.io/ignore` annotation covers; true when it has no reason.
fn apply_annotation(ann: &Node, findings: &mut [Finding]) -> bool {
    let spec = ann.key_text().unwrap_or_default();
    let (sel, reason) = suppress::parse_spec(spec);
    for finding in findings {
        if finding.suppressed.is_none()
            && sel
                .iter()
                .any(|s| suppress::selector_matches(s, &finding.rule_id, &finding.rule_name))
        {
            finding.suppressed = Some(Suppression {
                kind: "annotation",
                reason: reason.clone(),
            });
        }
    }
    reason.is_none()
}

/// Run the repository rules on the repository model (in parallel, keeping rule order), and
/// apply the `octolint.io/ignore` annotations of the objects their findings point at.
pub fn check_repo(
    repo: &Repo<'_>,
    rules: &[&'static dyn Rule],
    options: &RuleOptions,
) -> Vec<Finding> {
    let dummy: Arc<str> = Arc::from("");
    let mut out: Vec<Finding> = rules
        .par_iter()
        .flat_map_iter(|rule| {
            let mut found = Vec::new();
            let mut ctx = Ctx::new(options, rule.meta(), &dummy, None, &mut found);
            let t = std::time::Instant::now();
            rule.check_repo(repo, &mut ctx);
            if std::env::var_os("OCTOLINT_TIMINGS").is_some() && t.elapsed().as_millis() > 1 {
                eprintln!(
                    "octolint:   {} {:.1} ms",
                    rule.meta().id,
                    t.elapsed().as_secs_f64() * 1e3
                );
            }
            found
        })
        .collect();
    // Annotations on the objects the findings point at apply here too.
    apply_object_annotations(repo, &mut out);
    out
}

/// Mark findings on an object that carries an `octolint.io/ignore` annotation.
pub fn apply_object_annotations(repo: &Repo<'_>, out: &mut [Finding]) {
    let mut by_path: HashMap<&str, Vec<&ObjectRef<'_>>> = HashMap::new();
    for o in &repo.objects {
        by_path.entry(o.path.as_ref()).or_default().push(o);
    }
    for f in out.iter_mut() {
        let Some(span) = f.location.span else {
            continue;
        };
        let owner = by_path.get(f.location.path.as_ref()).and_then(|objs| {
            objs.iter()
                .find(|o| o.doc_span.start <= span.start && span.start <= o.doc_span.end)
        });
        if let Some(ann) = owner.and_then(|o| o.obj.annotation(IGNORE_ANNOTATION)) {
            apply_annotation(ann, std::slice::from_mut(f));
        }
    }
}

/// Whether any enabled rule reads the Terraform model.
pub fn needs_terraform(rules: &[&'static dyn Rule]) -> bool {
    rules
        .iter()
        .any(|r| matches!(r.meta().category, "terraform" | "cost" | "environments"))
}

/// Run the Terraform rules on the model (in parallel, keeping rule order).
pub fn check_terraform(
    model: &crate::terraform::TfModel,
    rules: &[&'static dyn Rule],
    options: &RuleOptions,
) -> Vec<Finding> {
    let dummy: Arc<str> = Arc::from("");
    rules
        .par_iter()
        .flat_map_iter(|rule| {
            let mut found = Vec::new();
            let mut ctx = Ctx::new(options, rule.meta(), &dummy, None, &mut found);
            rule.check_terraform(model, &mut ctx);
            crate::rules::builtin::terraform::merge_module_findings(found)
        })
        .collect()
}
