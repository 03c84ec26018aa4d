//! Tests of the validation walk on small documents.

use super::*;
use crate::parse::yaml;
use crate::source::Span;

fn check(text: &str, version: &str, partial: bool) -> Vec<(Problem, usize, String)> {
    let p = yaml::parse(text);
    let root = &p.docs[0].root;
    let api = root.get("apiVersion").and_then(Node::as_str).unwrap_or("");
    let kind = root.get("kind").and_then(Node::as_str).unwrap_or("");
    match validate_builtin(root, api, kind, version, partial) {
        Outcome::Checked(v) => v
            .into_iter()
            .map(|v| {
                let line = text[..v.span.start()].matches('\n').count() + 1;
                (v.problem, line, v.message)
            })
            .collect(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn deployment_mistakes() {
    let text = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: \"3\"
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      contianers:
        - name: web
          image: nginx
";
    let got = check(text, "1.35", false);
    assert_eq!(
        got,
        vec![
            (
                Problem::WrongType,
                7,
                "`spec.replicas` must be integer, not string `\"3\"`".to_string()
            ),
            (
                Problem::MissingRequired,
                13,
                "required field `containers` is missing in `spec.template.spec`".to_string()
            ),
            (
                Problem::UnknownField,
                14,
                "unknown field `spec.template.spec.contianers`: did you mean `containers`?"
                    .to_string()
            ),
        ]
    );
    // a patch never misses fields
    let got = check(text, "1.35", true);
    assert_eq!(got.len(), 2);
}

#[test]
fn beyond_the_schema() {
    let text = "apiVersion: v1
kind: Pod
metadata:
  name: Web_1
spec:
  restartPolicy: always
  containers:
    - name: web
      image: nginx
      imagePullPolicy: IfNotPresent
      ports:
        - containerPort: 70000
          protocol: tcp
      resources:
        limits: {memory: 512MB, cpu: 500m}
        requests: {memory: 512Mi}
      env:
        - name: A
          value: 4
";
    let got = check(text, "1.35", false);
    let lines: Vec<(Problem, usize)> = got.iter().map(|(p, l, _)| (*p, *l)).collect();
    assert_eq!(
        lines,
        vec![
            (Problem::InvalidValue, 4),
            (Problem::InvalidValue, 6),
            (Problem::InvalidValue, 12),
            (Problem::InvalidValue, 13),
            (Problem::InvalidValue, 15),
            (Problem::WrongType, 19),
        ],
        "{got:#?}"
    );
}

fn line_col(text: &str, span: Span) -> (usize, usize) {
    let before = &text[..span.start()];
    let line = before.matches('\n').count() + 1;
    let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, col)
}

#[test]
fn config_versions() {
    use crate::config::Settings;
    let path = std::path::Path::new("/repo/octolint.toml");
    let s = Settings::from_str(
        path,
        "[kubernetes]\nversion = \"v1.31\"\ncrd-schemas = [\"schemas/crds\"]\n\n[environments.prod]\nkubernetes-version = \"1.30\"\n",
    )
    .expect("valid config");
    assert_eq!(s.options.kubernetes_version, "1.31");
    assert_eq!(
        s.options
            .kubernetes_versions
            .get("prod")
            .map(String::as_str),
        Some("1.30")
    );
    assert_eq!(
        s.options.crd_schemas,
        vec![std::path::PathBuf::from("/repo/schemas/crds")]
    );
    let e =
        Settings::from_str(path, "[kubernetes]\nversion = \"latest\"\n").expect_err("bad version");
    assert_eq!(e.line_col, Some((2, 11)));
    assert!(e.message.contains("invalid Kubernetes version `latest`"));
    let d = Settings::defaults();
    assert_eq!(d.options.kubernetes_version, k8s::DEFAULT_VERSION);
}

#[test]
fn repo_crd_schema() {
    let crd = "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
spec:
  group: example.com
  names: {kind: Widget}
  versions:
    - name: v1
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              required: [size]
              properties:
                size: {type: integer, maximum: 3}
                port: {x-kubernetes-int-or-string: true}
";
    let p = yaml::parse(crd);
    let mut crds = crd::RepoCrds::default();
    crds.add(&p.docs[0].root);
    assert_eq!(crds.len(), 1);
    let cr = "apiVersion: example.com/v1
kind: Widget
metadata: {name: w, labels: {a: b}}
spec:
  size: 4
  port: http
  colour: red
";
    let p = yaml::parse(cr);
    let schema = crds.get("example.com/v1", "Widget").expect("schema");
    let got: Vec<(Problem, (usize, usize))> = schema
        .validate(&p.docs[0].root, false)
        .iter()
        .map(|v| (v.problem, line_col(cr, v.span)))
        .collect();
    assert_eq!(
        got,
        vec![
            (Problem::InvalidValue, (5, 9)),
            (Problem::UnknownField, (7, 3)),
        ]
    );
    assert!(crds.get("example.com/v2", "Widget").is_none());
    assert!(crd::bundled().len() > 100);
    assert!(
        crd::bundled()
            .get("cert-manager.io/v1", "Certificate")
            .is_some()
    );
}

#[test]
fn values_merge_over_defaults() {
    let schema: serde_json::Value = serde_json::from_str(
        r#"{"type": "object", "required": ["image"], "properties": {
            "replicas": {"type": "integer"},
            "image": {"type": "object", "required": ["repository"],
                      "properties": {"repository": {"type": "string"}, "tag": {"type": "string"}}}}}"#,
    )
    .expect("json");
    let s = values::ValuesSchema::compile(&schema);
    let defaults = yaml::parse("replicas: x\nimage:\n  repository: nginx\n");
    let prod = "image:\n  tag: 1.28\n";
    let over = yaml::parse(prod);
    let got: Vec<(Problem, (usize, usize), String)> = s
        .validate(&over.docs[0].root, Some(&defaults.docs[0].root))
        .into_iter()
        .map(|v| (v.problem, line_col(prod, v.span), v.message))
        .collect();
    // `replicas: x` is the defaults' problem (reported on values.yaml), not prod's
    assert_eq!(
        got,
        vec![(
            Problem::WrongType,
            (2, 8),
            "`image.tag` must be string, not number `1.28`".to_string()
        )]
    );
    // `null` deletes a default: the required repository is then missing, at `image:`
    let prod = "image:\n  repository: null\n";
    let over = yaml::parse(prod);
    let got: Vec<(Problem, (usize, usize))> = s
        .validate(&over.docs[0].root, Some(&defaults.docs[0].root))
        .into_iter()
        .map(|v| (v.problem, line_col(prod, v.span)))
        .collect();
    assert_eq!(got, vec![(Problem::MissingRequired, (1, 1))]);
}

#[test]
fn coverage_line() {
    let mut c = crd::Coverage::default();
    assert_eq!(c.line(), None);
    c.add("cert-manager.io/v1", "Certificate", true);
    c.add("example.com/v1", "Widget", false);
    assert_eq!(
        c.line().as_deref(),
        Some("1 custom resource not validated: no schema")
    );
    c.add("example.com/v1", "Widget", false);
    c.add("acme.io/v2", "Gadget", false);
    assert_eq!(c.validated, 1);
    assert_eq!(c.no_schema, 3);
    assert_eq!(
        c.line().as_deref(),
        Some("3 custom resources not validated: no schema")
    );
    let missing: Vec<(&str, usize)> = c.missing.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(
        missing,
        vec![("acme.io/v2/Gadget", 1), ("example.com/v1/Widget", 2)]
    );
}
