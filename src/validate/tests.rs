//! Tests of the validation walk on small documents.

use super::*;
use crate::parse::yaml;

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
