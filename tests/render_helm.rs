//! Helm rendering end to end: the fixture chart (subchart, aliased and disabled
//! dependency, library dependency resolved in the repository, values files, `.Files`,
//! `.Capabilities`, NOTES.txt, install order), origins of rendered bytes, located errors,
//! and every chart of the shared corpus rendered without a panic (timed).

mod common;

use common::shared_corpus;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use octolint::render::helm::{HelmOptions, chart_index, render_chart};
use octolint::render::{DiskFs, Fs, RenderUnit, RenderedSource, Role, UnitStatus};
use octolint::source::Span;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/render/helm")
}

fn stream(unit: &RenderUnit) -> String {
    let mut out = String::new();
    for s in &unit.outputs {
        out.push_str("---\n# Source: ");
        out.push_str(&s.name);
        out.push('\n');
        out.push_str(&s.text);
        out.push('\n');
    }
    out
}

fn prod() -> RenderUnit {
    let fs = DiskFs::new(fixtures());
    let opts = HelmOptions {
        value_files: vec!["web/values-prod.yaml".into()],
        ..Default::default()
    };
    render_chart(&fs, "web", &opts)
}

const WEB_PROD: &str = r#"---
# Source: web/templates/configmap.yaml
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: release-name-web
spec:
  minAvailable: 1
---
# Source: web/templates/configmap.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: release-name-web
data:
  app.conf: "listen 8080;\n"
---
# Source: web/charts/db/templates/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: release-name-db
  labels:
    env: prod
spec:
  ports:
    - port: 5432
---
# Source: web/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: release-name-web
  labels:
    app.kubernetes.io/name: web
    app.kubernetes.io/instance: release-name
  annotations:
    checksum/config: f8d1100433cd79ed2717d3be506bfc96f3348713497b5dfcebc4a0644fc15ae5
spec:
  replicas: 3
  template:
    spec:
      containers:
        - name: web
          image: "nginx:1.2.3"
          securityContext:
            privileged: true
            runAsNonRoot: true
          ports:
            - name: http
              containerPort: 8080
          env:
            - name: BIG
              value: "1e+06"
            - name: ENV
              value: prod
"#;

#[test]
fn fixture_chart_renders_like_helm_template() {
    // Verified object-identical with Helm v4.2 (../shared/bench/render_compare.py).
    let unit = prod();
    assert_eq!(unit.status, UnitStatus::Rendered, "{:?}", unit.errors);
    assert_eq!(stream(&unit), WEB_PROD);
    assert_eq!(
        unit.inputs.iter().map(|s| s.as_ref()).collect::<Vec<_>>(),
        vec!["web/values.yaml", "web/values-prod.yaml"]
    );
}

fn line_of(fs: &DiskFs, path: &str, span: Span) -> (usize, String) {
    let src = fs.read(path).expect("file exists");
    let lc = src.line_col(span.start());
    (lc.line, src.line_text(lc.line).to_string())
}

#[test]
fn values_and_template_origins_point_at_real_lines() {
    let unit = prod();
    let fs = DiskFs::new(fixtures());
    let dep = unit
        .outputs
        .iter()
        .find(|s| s.text.contains("kind: Deployment"))
        .expect("deployment rendered");
    assert_eq!(dep.fallback.as_ref(), "web/templates/deployment.yaml");
    // `replicas: 3` comes from values-prod.yaml line 1, written by deployment.yaml line 10
    let at = dep.text.find("replicas: 3").expect("replicas") + "replicas: ".len();
    let got = dep.origins.lookup(Span::new(at, at + 1));
    assert_eq!(got[0].role, Role::Values);
    assert_eq!(got[0].path.as_ref(), "web/values-prod.yaml");
    assert_eq!(line_of(&fs, "web/values-prod.yaml", got[0].span).0, 1);
    assert_eq!(got[1].role, Role::Template);
    assert_eq!(got[1].path.as_ref(), "web/templates/deployment.yaml");
    assert_eq!(
        line_of(&fs, "web/templates/deployment.yaml", got[1].span),
        (10, "  replicas: {{ .Values.replicaCount }}".to_string())
    );
    // `privileged: true` (from a toYaml of the whole securityContext) lands on the values line
    let at = dep.text.find("privileged: true").expect("privileged");
    let primary = dep.origins.primary(Span::new(at, at + 1)).expect("origin");
    assert_eq!(primary.path.as_ref(), "web/values-prod.yaml");
    assert_eq!(
        line_of(&fs, "web/values-prod.yaml", primary.span),
        (3, "  privileged: true".to_string())
    );
    // literal template text: each line of a text run maps to its own template line, not to
    // the line where the run starts
    let at = dep.text.find("kind: Deployment").expect("kind");
    let o = dep.origins.primary(Span::new(at, at + 1)).expect("origin");
    assert_eq!(o.role, Role::Template);
    assert_eq!(
        line_of(&fs, "web/templates/deployment.yaml", o.span),
        (2, "kind: Deployment".to_string())
    );
}

#[test]
fn template_failures_are_located_and_the_rest_still_renders() {
    let fs = DiskFs::new(fixtures());
    let unit = render_chart(&fs, "broken", &HelmOptions::default());
    assert_eq!(unit.status, UnitStatus::Failed);
    let errs: Vec<(String, usize, &str)> = unit
        .errors
        .iter()
        .map(|e| {
            let line = e
                .span
                .map(|s| line_of(&fs, &e.path, s).0)
                .unwrap_or_default();
            (e.path.to_string(), line, e.code)
        })
        .collect();
    assert_eq!(
        errs,
        vec![
            ("broken/templates/c.yaml".to_string(), 1, "parse"),
            ("broken/templates/a.yaml".to_string(), 6, "required"),
        ]
    );
    assert!(unit.errors[1].message.contains("x is required"));
    // a parse error covers the one character where it was found
    let s = unit.errors[0].span.expect("located");
    assert_eq!(s.end - s.start, 1, "{s:?}");
    // b.yaml rendered; its .Files.Get of a path outside the chart gave nothing
    assert_eq!(unit.outputs.len(), 1);
    assert_eq!(unit.outputs[0].name, "broken/templates/b.yaml");
    assert!(
        unit.outputs[0].text.ends_with("y: \"\""),
        "{}",
        unit.outputs[0].text
    );
}

#[test]
fn set_values_and_library_charts() {
    let fs = DiskFs::new(fixtures());
    let opts = HelmOptions {
        set: vec![
            ("replicaCount".into(), "5".into()),
            ("db.enabled".into(), "false".into()),
            ("cache.enabled".into(), "true".into()),
        ],
        release_name: "rel".into(),
        ..Default::default()
    };
    let unit = render_chart(&fs, "web", &opts);
    let text = stream(&unit);
    assert!(text.contains("replicas: 5"), "{text}");
    // the aliased copy renders under its alias; the disabled one does not
    assert!(
        text.contains("# Source: web/charts/cache/templates/service.yaml"),
        "{text}"
    );
    assert!(text.contains("name: rel-cache"), "{text}");
    assert!(!text.contains("rel-db"), "{text}");
    let lib = render_chart(&fs, "common", &HelmOptions::default());
    assert!(matches!(lib.status, UnitStatus::Unsupported(_)));
    assert!(lib.outputs.is_empty());
}

/// Write `files` (path, text) under a new temporary directory.
fn chart_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (rel, text) in files {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }
    dir
}

/// [`chart_dir`] for owned (path, text) pairs.
fn chart_dir_of(files: &[(String, String)]) -> tempfile::TempDir {
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    chart_dir(&refs)
}

/// The `data` lines of the one ConfigMap a chart in `dir/c` renders.
fn data_lines(dir: &tempfile::TempDir, opts: &HelmOptions) -> String {
    let unit = render_chart(&DiskFs::new(dir.path()), "c", opts);
    assert_eq!(unit.status, UnitStatus::Rendered, "{:?}", unit.errors);
    let text = stream(&unit);
    let data = text.split("\ndata:\n").nth(1).unwrap_or_default();
    data.trim_end().to_string()
}

const CHART_C: &str = "apiVersion: v2\nname: c\nversion: 0.1.0\n";

#[test]
fn chart_dependencies_are_what_helm_leaves_of_them() {
    // Helm (checked with the oracle) renames an aliased dependency to its alias and drops a
    // disabled one from `.Chart.Dependencies`; the rest are enabled.
    let chart = format!(
        "{CHART_C}dependencies:\n- {{name: sub, version: 0.1.0, alias: first}}\n\
         - {{name: other, version: 0.1.0, condition: other.enabled}}\n\
         - {{name: third, version: 0.1.0, tags: [t]}}\n"
    );
    let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deps\ndata:\n  deps: \"\
              {{ range .Chart.Dependencies }}{{ .Name }}/{{ .Alias }}={{ .Enabled }} {{ end }}\"\n";
    let dir = chart_dir(&[
        ("c/Chart.yaml", &chart),
        (
            "c/values.yaml",
            "other: {enabled: false}\ntags: {t: true}\n",
        ),
        ("c/templates/cm.yaml", cm),
        (
            "c/charts/sub/Chart.yaml",
            "apiVersion: v2\nname: sub\nversion: 0.1.0\n",
        ),
        (
            "c/charts/other/Chart.yaml",
            "apiVersion: v2\nname: other\nversion: 0.1.0\n",
        ),
        (
            "c/charts/third/Chart.yaml",
            "apiVersion: v2\nname: third\nversion: 0.1.0\n",
        ),
    ]);
    assert_eq!(
        data_lines(&dir, &HelmOptions::default()),
        "  deps: \"first/first=true third/=true \""
    );
    let on = HelmOptions {
        set: vec![
            ("other.enabled".into(), "true".into()),
            ("tags.t".into(), "false".into()),
        ],
        ..Default::default()
    };
    assert_eq!(
        data_lines(&dir, &on),
        "  deps: \"first/first=true other/=true \""
    );
}

#[test]
fn files_bytes_and_capabilities_are_true_as_in_go() {
    // Go's `if`: an empty map or byte slice is false, a non-empty one true (checked with the
    // oracle, with and without a file beside the templates).
    let cm = r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: truth
data:
  files: "{{ if .Files }}y{{ else }}n{{ end }}"
  glob-none: "{{ if .Files.Glob "nothing/*" }}y{{ else }}n{{ end }}"
  glob-some: "{{ if .Files.Glob "files/*" }}y{{ else }}n{{ end }}"
  bytes-none: "{{ if .Files.GetBytes "missing" }}y{{ else }}n{{ end }}"
  bytes-some: "{{ if .Files.GetBytes "files/a.txt" }}y{{ else }}n{{ end }}"
  apis: "{{ if .Capabilities.APIVersions }}y{{ else }}n{{ end }}"
  kube: "{{ if .Capabilities.KubeVersion }}y{{ else }}n{{ end }}"
  empty-bytes: "{{ empty (.Files.GetBytes "missing") }}"
"#;
    let with_file = chart_dir(&[
        ("c/Chart.yaml", CHART_C),
        ("c/templates/cm.yaml", cm),
        ("c/files/a.txt", "hi\n"),
    ]);
    assert_eq!(
        data_lines(&with_file, &HelmOptions::default()),
        "  files: \"y\"\n  glob-none: \"n\"\n  glob-some: \"y\"\n  bytes-none: \"n\"\n  \
         bytes-some: \"y\"\n  apis: \"y\"\n  kube: \"y\"\n  empty-bytes: \"true\""
    );
    let bare = chart_dir(&[("c/Chart.yaml", CHART_C), ("c/templates/cm.yaml", cm)]);
    assert_eq!(
        data_lines(&bare, &HelmOptions::default()),
        "  files: \"n\"\n  glob-none: \"n\"\n  glob-some: \"n\"\n  bytes-none: \"n\"\n  \
         bytes-some: \"n\"\n  apis: \"y\"\n  kube: \"y\"\n  empty-bytes: \"true\""
    );
}

#[test]
fn files_and_api_versions_are_collections_as_in_go() {
    // `len` of a byte slice, of `.Files` and of a `Glob`; the API version set as a list for
    // `has` and `uniq`; a byte slice printed by each verb (a string for `%s`, `%q`, `%x`, a
    // list of uint8 for the others); `.Files` printed with its bytes; `KubeVersion` printed
    // by an action (its `String` method) and passed to a function (the struct), compared as a
    // struct; `.Files.Foo` as a map key; the `Has` and `String` methods and fields reached
    // through a variable or parentheses. Expected
    // text: the oracle's.
    let cm = r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: lens
data:
  bytes: "{{ len (.Files.GetBytes "files/a.txt") }}"
  files: "{{ len .Files }}"
  glob: "{{ len (.Files.Glob "files/*") }}"
  apis: "{{ gt (len .Capabilities.APIVersions) 10 }}"
  has: "{{ has "apps/v1" .Capabilities.APIVersions }}"
  has-not: "{{ has "nope/v9" .Capabilities.APIVersions }}"
  uniq: "{{ eq (len (uniq .Capabilities.APIVersions)) (len .Capabilities.APIVersions) }}"
  bytes-v: "{{ printf "%v" (.Files.GetBytes "files/a.txt") }}"
  bytes-print: "{{ .Files.GetBytes "files/b.txt" }}"
  bytes-empty: "{{ printf "%v" (.Files.GetBytes "nothing") }}"
  bytes-s: "{{ printf "%s" (.Files.GetBytes "files/a.txt") | trim }}"
  bytes-d: "{{ printf "%d" (.Files.GetBytes "files/a.txt") }}"
  bytes-x: "{{ printf "%x|%X" (.Files.GetBytes "files/a.txt") (.Files.GetBytes "files/a.txt") }}"
  bytes-q: {{ printf "%q" (.Files.GetBytes "files/a.txt") | quote }}
  bytes-t: "{{ printf "%t" (.Files.GetBytes "files/b.txt") }}"
  bytes-w: "{{ printf "%4d|%o|%c|%-3v|%5s|%U|%e|%T" (.Files.GetBytes "files/a.txt") (.Files.GetBytes "files/a.txt") (.Files.GetBytes "files/b.txt") (.Files.GetBytes "files/b.txt") (.Files.GetBytes "files/b.txt") (.Files.GetBytes "files/b.txt") (.Files.GetBytes "files/b.txt") (.Files.GetBytes "files/b.txt") }}"
  files-v: "{{ .Files }}"
  glob-v: "{{ .Files.Glob "files/*" }}"
  kube-v: "{{ .Capabilities.KubeVersion }}"
  kube-pv: "{{ printf "%v" .Capabilities.KubeVersion }}"
  kube-q: {{ .Capabilities.KubeVersion | quote }}
  kube-var: "{{ $k := .Capabilities.KubeVersion }}{{ $k }}"
  kube-ts: "{{ toString .Capabilities.KubeVersion }}"
  kube-ver: "{{ .Capabilities.KubeVersion.Version }}|{{ .Capabilities.KubeVersion.GitVersion }}"
  kube-eq: "{{ eq .Capabilities.KubeVersion .Capabilities.KubeVersion }}|{{ typeOf .Capabilities.KubeVersion }}|{{ kindOf .Capabilities.KubeVersion }}"
  files-key: "{{ .Files.Foo }}|{{ typeOf .Files }}|{{ typeOf (.Files.Glob "x") }}|{{ typeOf .Files.Foo }}"
  has-m: "{{ .Capabilities.APIVersions.Has "apps/v1" }}|{{ .Capabilities.APIVersions.Has "nope/v9" }}"
  kube-m: "{{ .Capabilities.KubeVersion.String }}|{{ .Capabilities.KubeVersion.Major }}.{{ .Capabilities.KubeVersion.Minor }}"
  var-chain: "{{ $c := .Capabilities }}{{ $c.KubeVersion.Major }}|{{ (.Capabilities).KubeVersion.Minor }}"
  files-index: "{{ index .Files "files/b.txt" }}|{{ index .Files "nope" }}"
  files-lines: "{{ range .Files.Lines "files/a.txt" }}[{{ . }}]{{ end }}"
  files-cfg: {{ (.Files.Glob "files/*").AsConfig | quote }}
  files-sec: {{ (.Files.Glob "files/*").AsSecrets | quote }}
"#;
    let dir = chart_dir(&[
        ("c/Chart.yaml", CHART_C),
        ("c/templates/cm.yaml", cm),
        ("c/files/a.txt", "hi\n"),
        ("c/files/b.txt", "x"),
    ]);
    let want = r#"  bytes: "3"
  files: "2"
  glob: "2"
  apis: "true"
  has: "true"
  has-not: "false"
  uniq: "true"
  bytes-v: "[104 105 10]"
  bytes-print: "[120]"
  bytes-empty: "[]"
  bytes-s: "hi"
  bytes-d: "[104 105 10]"
  bytes-x: "68690a|68690A"
  bytes-q: "\"hi\\n\""
  bytes-t: "[%!t(uint8=120)]"
  bytes-w: "[ 104  105   10]|[150 151 12]|[x]|[120]|    x|[U+0078]|[%!e(uint8=120)]|[]uint8"
  files-v: "map[files/a.txt:[104 105 10] files/b.txt:[120]]"
  glob-v: "map[files/a.txt:[104 105 10] files/b.txt:[120]]"
  kube-v: "v1.31.0"
  kube-pv: "{v1.31.0 v1.31.0 1 31}"
  kube-q: "{v1.31.0 v1.31.0 1 31}"
  kube-var: "v1.31.0"
  kube-ts: "{v1.31.0 v1.31.0 1 31}"
  kube-ver: "v1.31.0|v1.31.0"
  kube-eq: "true|common.KubeVersion|struct"
  files-key: "[]|engine.files|engine.files|[]uint8"
  has-m: "true|false"
  kube-m: "v1.31.0|1.31"
  var-chain: "1|31"
  files-index: "[120]|[]"
  files-lines: "[hi]"
  files-cfg: "a.txt: |\n  hi\nb.txt: x"
  files-sec: "a.txt: aGkK\nb.txt: eA==""#;
    assert_eq!(data_lines(&dir, &HelmOptions::default()), want);
}

#[test]
fn render_is_send_and_parallel_safe() {
    fn assert_send<T: Send>(_: &T) {}
    let unit = prod();
    assert_send(&unit);
    let fs = DiskFs::new(fixtures());
    let outs: Vec<String> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| {
                    stream(&render_chart(
                        &fs,
                        "web",
                        &HelmOptions {
                            value_files: vec!["web/values-prod.yaml".into()],
                            ..Default::default()
                        },
                    ))
                })
            })
            .collect();
        hs.into_iter()
            .map(|h| h.join().expect("no panic"))
            .collect()
    });
    assert!(outs.iter().all(|o| o == WEB_PROD));
}

fn charts_under(fs: &DiskFs, dir: &str, out: &mut Vec<String>, depth: usize) {
    if depth > 10 {
        return;
    }
    for e in fs.list(dir) {
        if e == "Chart.yaml" {
            out.push(dir.to_string());
        }
        if let Some(d) = e.strip_suffix('/') {
            if d.starts_with('.') {
                continue;
            }
            let sub = if dir.is_empty() {
                d.to_string()
            } else {
                format!("{dir}/{d}")
            };
            charts_under(fs, &sub, out, depth + 1);
        }
    }
}

#[test]
fn every_corpus_chart_renders_without_panic() {
    let Some(corpus) = shared_corpus() else {
        return;
    };
    let mut total = 0usize;
    let mut rendered = 0usize;
    let mut secs = 0f64;
    let mut slow: Vec<(f64, String)> = Vec::new();
    for repo in std::fs::read_dir(&corpus).expect("corpus readable") {
        let repo = repo.expect("entry").path();
        if !repo.is_dir() {
            continue;
        }
        let fs = DiskFs::new(&repo);
        let mut charts = Vec::new();
        charts_under(&fs, "", &mut charts, 0);
        let t = Instant::now();
        let opts = HelmOptions {
            chart_index: Some(Arc::new(chart_index(&fs))),
            ..Default::default()
        };
        secs += t.elapsed().as_secs_f64();
        for c in charts {
            total += 1;
            let t = Instant::now();
            let unit = render_chart(&fs, &c, &opts);
            let dt = t.elapsed().as_secs_f64();
            secs += dt;
            slow.push((dt, format!("{}/{c}", repo.display())));
            if unit.status == UnitStatus::Rendered {
                rendered += 1;
            }
            for o in &unit.outputs {
                assert!(!o.text.is_empty());
                assert!(fs.is_file(&o.fallback), "{}", o.fallback);
            }
        }
    }
    eprintln!("corpus: {rendered}/{total} charts rendered cleanly in {secs:.3}s");
    slow.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (t, c) in slow.iter().take(8) {
        eprintln!("  {:.1} ms  {c}", t * 1000.0);
    }
    assert!(total >= 100, "{total}");
    assert!(rendered * 100 >= total * 80, "{rendered}/{total}");
}

/// A `.tgz` of `files` (path, text): ustar entries, gzip with stored deflate blocks.
fn tgz(files: &[(&str, &str)]) -> Vec<u8> {
    tgz_raw(files.iter().map(|(n, t)| (*n, t.as_bytes())))
}

/// A `.tgz` of binary entries (see [`tgz`]).
fn tgz_bytes(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    tgz_raw(entries.iter().map(|(n, d)| (n.as_str(), d.as_slice())))
}

fn tgz_raw<'a>(files: impl Iterator<Item = (&'a str, &'a [u8])>) -> Vec<u8> {
    let mut tar = Vec::new();
    for (name, text) in files {
        let mut h = [0u8; 512];
        // a long path goes to the ustar prefix field, split at a `/`
        let (prefix, name) = match name.len() {
            0..=100 => ("", name),
            _ => match name[name.len() - 100..].find('/') {
                Some(i) => name.split_at(name.len() - 100 + i + 1),
                None => panic!("{name}: no ustar split"),
            },
        };
        let prefix = prefix.trim_end_matches('/');
        assert!(prefix.len() <= 155, "{prefix}: too long for ustar");
        h[..name.len()].copy_from_slice(name.as_bytes());
        h[345..345 + prefix.len()].copy_from_slice(prefix.as_bytes());
        h[100..107].copy_from_slice(b"0000644");
        h[108..115].copy_from_slice(b"0000000");
        h[116..123].copy_from_slice(b"0000000");
        h[124..135].copy_from_slice(format!("{:011o}", text.len()).as_bytes());
        h[136..147].copy_from_slice(b"00000000000");
        h[156] = b'0';
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
        h[148..156].fill(b' ');
        let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
        h[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
        tar.extend_from_slice(&h);
        tar.extend_from_slice(text);
        tar.resize(tar.len().div_ceil(512) * 512, 0);
    }
    tar.resize(tar.len() + 1024, 0);
    let mut gz = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    let mut chunks = tar.chunks(65_535).peekable();
    while let Some(c) = chunks.next() {
        gz.push(u8::from(chunks.peek().is_none()));
        let n = c.len() as u16;
        gz.extend_from_slice(&n.to_le_bytes());
        gz.extend_from_slice(&(!n).to_le_bytes());
        gz.extend_from_slice(c);
    }
    gz.extend_from_slice(&[0; 8]); // CRC-32 and size: not checked
    gz
}

/// Write `data` at `rel` under `dir`, making its directories.
fn write_bytes(dir: &tempfile::TempDir, rel: &str, data: &[u8]) {
    let p = dir.path().join(rel);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(p, data).expect("write");
}

/// `# Source:` lines and object names of a render, in order.
fn sources_and_names(unit: &RenderUnit) -> Vec<String> {
    stream(unit)
        .lines()
        .filter(|l| l.starts_with("# Source:") || l.starts_with("  name:"))
        .map(str::to_string)
        .collect()
}

fn config_map(name: &str) -> String {
    format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n")
}

#[test]
fn helmignore_leaves_out_what_helm_leaves_out() {
    // Helm (the oracle) reads the top chart's .helmignore (a BOM on its first line dropped,
    // CRLF lines) and adds `templates/.?*`. `*` stays inside one name; a rule with no `/`
    // matches a base name at any depth; `sub/` matches directories only. A vendored subchart
    // directory is filtered by its parent's rules, by its path from the parent (its own
    // .helmignore is never read, and `templates/.?*` does not reach it). An archive is not
    // filtered at all. Both aliases of one archived chart render, each with its own values.
    let cm = config_map;
    let pkg = tgz(&[
        (
            "pkg/Chart.yaml",
            "apiVersion: v2\nname: pkg\nversion: 0.1.0\n",
        ),
        ("pkg/.helmignore", "templates/x.yaml\n"),
        (
            "pkg/templates/x.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: pkg-x-{{ .Values.k }}\n",
        ),
        ("pkg/templates/.h.yaml", &cm("pkg-hidden")),
    ]);
    let dir = chart_dir(&[
        (
            "c/Chart.yaml",
            "apiVersion: v2\nname: c\nversion: 0.1.0\ndependencies:\n\
             - {name: pkg, version: 0.1.0, alias: one}\n\
             - {name: pkg, version: 0.1.0, alias: two}\n",
        ),
        ("c/values.yaml", "one: {k: 1}\ntwo: {k: 2}\n"),
        (
            "c/.helmignore",
            "\u{feff}*.md\r\ntemplates/*.txt\nsub/\n/templates/b.yaml\n\
             charts/inner/templates/c.yaml\n# templates/a.yaml\n",
        ),
        ("c/templates/a.yaml", &cm("top-a")),
        ("c/templates/b.yaml", &cm("top-b")),
        ("c/templates/.hidden.yaml", &cm("top-hidden")),
        ("c/templates/x.txt", &cm("top-x-txt")),
        ("c/templates/deep/y.txt", &cm("top-deep-y-txt")),
        ("c/templates/sub/z.yaml", &cm("top-sub-z")),
        ("c/templates/t/sub", &cm("top-t-sub")),
        ("c/templates/README.md", &cm("top-readme")),
        (
            "c/charts/inner/Chart.yaml",
            "apiVersion: v2\nname: inner\nversion: 0.1.0\n",
        ),
        ("c/charts/inner/.helmignore", "templates/d.yaml\n"),
        ("c/charts/inner/templates/c.yaml", &cm("inner-c")),
        ("c/charts/inner/templates/d.yaml", &cm("inner-d")),
        ("c/charts/inner/templates/.h.yaml", &cm("inner-hidden")),
    ]);
    write_bytes(&dir, "c/charts/pkg-0.1.0.tgz", &pkg);
    let unit = render_chart(&DiskFs::new(dir.path()), "c", &HelmOptions::default());
    assert_eq!(unit.status, UnitStatus::Rendered, "{:?}", unit.errors);
    assert_eq!(
        sources_and_names(&unit),
        [
            "# Source: c/charts/inner/templates/.h.yaml",
            "  name: inner-hidden",
            "# Source: c/charts/inner/templates/d.yaml",
            "  name: inner-d",
            "# Source: c/charts/one/templates/.h.yaml",
            "  name: pkg-hidden",
            "# Source: c/charts/one/templates/x.yaml",
            "  name: pkg-x-1",
            "# Source: c/charts/two/templates/.h.yaml",
            "  name: pkg-hidden",
            "# Source: c/charts/two/templates/x.yaml",
            "  name: pkg-x-2",
            "# Source: c/templates/a.yaml",
            "  name: top-a",
            "# Source: c/templates/deep/y.txt",
            "  name: top-deep-y-txt",
            "# Source: c/templates/t/sub",
            "  name: top-t-sub",
        ]
    );

    // the parent ignores the whole charts/ directory: no subchart, vendored or archived
    let dir2 = chart_dir(&[
        ("c/Chart.yaml", CHART_C),
        ("c/.helmignore", "charts\n"),
        ("c/templates/a.yaml", &cm("top-a")),
        (
            "c/charts/inner/Chart.yaml",
            "apiVersion: v2\nname: inner\nversion: 0.1.0\n",
        ),
        ("c/charts/inner/templates/c.yaml", &cm("inner-c")),
    ]);
    let unit = render_chart(&DiskFs::new(dir2.path()), "c", &HelmOptions::default());
    assert_eq!(
        sources_and_names(&unit),
        ["# Source: c/templates/a.yaml", "  name: top-a"]
    );
}

#[test]
fn helmignore_rules_helm_refuses_fail_the_chart_at_their_line() {
    // `**`, a malformed pattern, and a rule that leaves out Chart.yaml: Helm loads no chart.
    let cases: &[(&str, &str, Option<Span>)] = &[
        (
            "*.bak\n# note\nsrc/**/x\n",
            ".helmignore: double-star (**) syntax is not supported",
            Some(Span::new(13, 21)),
        ),
        (
            "a\r\ntemplates/[\r\n",
            ".helmignore: syntax error in pattern",
            Some(Span::new(3, 14)),
        ),
        (
            "*.yaml\n",
            "missing Chart.yaml: .helmignore leaves it out, and Helm then finds no chart",
            None,
        ),
        (
            "!templates/keep.yaml\n",
            "missing Chart.yaml: .helmignore leaves it out, and Helm then finds no chart",
            None,
        ),
    ];
    for (ignore, message, span) in cases {
        let dir = chart_dir(&[
            ("c/Chart.yaml", CHART_C),
            ("c/.helmignore", ignore),
            ("c/templates/keep.yaml", &config_map("keep")),
        ]);
        let unit = render_chart(&DiskFs::new(dir.path()), "c", &HelmOptions::default());
        assert_eq!(unit.status, UnitStatus::Failed, "{ignore:?}");
        assert!(unit.outputs.is_empty(), "{ignore:?}");
        let e = &unit.errors[0];
        assert_eq!(
            (e.message.as_str(), e.span),
            (*message, *span),
            "{ignore:?}"
        );
        let want = if span.is_some() { "c/.helmignore" } else { "c" };
        assert_eq!(&*e.path, want, "{ignore:?}");
    }
}

#[test]
fn values_keys_and_documents_are_what_helm_reads() {
    // go-yaml v2 resolves a key before sigs.k8s.io/yaml makes it a JSON key: `yes` is
    // "true", `off` "false", `0x1F` "31", `0o17` "15", `1.50` "1.5". A chart's values.yaml
    // may hold several documents, merged in order; a user's values file counts its first
    // document only. Expected: the oracle's.
    let dir = chart_dir(&[
        ("c/Chart.yaml", CHART_C),
        (
            "c/values.yaml",
            "a: {b: 1, c: {d: 1}}\nyes: 1\n0x1F: k\n---\n# second\na: {e: 2, c: 5}\n1.50: f\n",
        ),
        (
            "c/templates/cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: vals\ndata:\n  \
             j: {{ toJson .Values | quote }}\n",
        ),
        ("c/user.yaml", "off: 1\n0o17: a\n---\nignored: true\n"),
    ]);
    assert_eq!(
        data_lines(&dir, &HelmOptions::default()),
        r#"  j: "{\"1.5\":\"f\",\"31\":\"k\",\"a\":{\"b\":1,\"c\":5,\"e\":2},\"true\":1}""#
    );
    let user = HelmOptions {
        value_files: vec!["c/user.yaml".into()],
        ..Default::default()
    };
    assert_eq!(
        data_lines(&dir, &user),
        r#"  j: "{\"1.5\":\"f\",\"15\":\"a\",\"31\":\"k\",\"a\":{\"b\":1,\"c\":5,\"e\":2},\"false\":1,\"true\":1}""#
    );

    // a null key: Helm refuses the values file; the error is at the key
    let bad = chart_dir(&[("c/Chart.yaml", CHART_C), ("c/values.yaml", "a: 1\n~: x\n")]);
    let unit = render_chart(&DiskFs::new(bad.path()), "c", &HelmOptions::default());
    assert_eq!(unit.status, UnitStatus::Failed);
    let e = &unit.errors[0];
    assert_eq!(
        (&*e.path, e.span, e.message.as_str()),
        (
            "c/values.yaml",
            Some(Span::new(5, 6)),
            "error converting YAML to JSON: unsupported map key of type: %!s(<nil>), key: <nil>, value: \"x\""
        )
    );
}

#[test]
fn charts_entries_load_as_helm_loads_them() {
    // Helm (the oracle) loads every entry of charts/ as a subchart except names starting with
    // `_` or `.`; an entry that holds no Chart.yaml (a README, a directory of other files)
    // makes it refuse the parent chart; `.prov` files stay the parent's own files.
    let cm = config_map;
    let chart_b = "apiVersion: v2\nname: b\nversion: 0.1.0\n";
    let dir = chart_dir(&[
        ("c/Chart.yaml", CHART_C),
        ("c/templates/cm.yaml", &cm("c")),
        (
            "c/templates/prov.yaml",
            "# {{ .Files.Get \"charts/c.prov\" | trim }}|{{ len .Files }}\n",
        ),
        ("c/charts/README.md", "read me\n"),
        ("c/charts/.gitkeep", ""),
        ("c/charts/c.prov", "signed\n"),
        ("c/charts/_skip/Chart.yaml", chart_b),
        ("c/charts/_skip/templates/cm.yaml", &cm("skip")),
        ("c/charts/.dot/Chart.yaml", chart_b),
        ("c/charts/.dot/templates/cm.yaml", &cm("dot")),
        ("c/charts/foo/bar.txt", "x\n"),
        ("c/charts/empty/.keep/x", "x\n"),
    ]);
    write_bytes(
        &dir,
        "c/charts/_old-0.1.0.tgz",
        &tgz(&[("old/Chart.yaml", chart_b)]),
    );
    let unit = render_chart(&DiskFs::new(dir.path()), "c", &HelmOptions::default());
    let errors: Vec<(&str, &str)> = unit
        .errors
        .iter()
        .map(|e| (&*e.path, e.message.as_str()))
        .collect();
    let why = "Chart.yaml file is missing (Helm loads every entry of charts/ as a chart, except \
               names starting with `_` or `.`)";
    assert_eq!(
        errors,
        [
            (
                "c/charts/README.md",
                format!("error unpacking subchart README.md in c: {why}").as_str()
            ),
            (
                "c/charts/empty",
                format!("error unpacking subchart empty in c: {why}").as_str()
            ),
            (
                "c/charts/foo",
                format!("error unpacking subchart foo in c: {why}").as_str()
            ),
        ]
    );
    assert_eq!(unit.status, UnitStatus::Failed);
    assert_eq!(
        sources_and_names(&unit),
        [
            "# Source: c/templates/cm.yaml",
            "  name: c",
            "# Source: c/templates/prov.yaml"
        ]
    );
    assert!(
        stream(&unit).contains("\n# signed|1\n"),
        "{}",
        stream(&unit)
    );

    // the same rules inside an archive: `_skip` is skipped, `sub` loads, and `.prov` files
    // under charts/ belong to the archived chart
    let g = tgz(&[
        ("g/Chart.yaml", "apiVersion: v2\nname: g\nversion: 0.1.0\n"),
        ("g/templates/cm.yaml", &cm("g")),
        (
            "g/templates/f.yaml",
            "# {{ .Files.Get \"charts/sub/x.prov\" | trim }}|{{ .Files.Get \"charts/g.prov\" | trim }}|{{ len .Files }}\n",
        ),
        ("g/charts/g.prov", "provg\n"),
        ("g/charts/_skip/Chart.yaml", chart_b),
        ("g/charts/_skip/templates/cm.yaml", &cm("skip")),
        (
            "g/charts/sub/Chart.yaml",
            "apiVersion: v2\nname: sub\nversion: 0.1.0\n",
        ),
        ("g/charts/sub/templates/cm.yaml", &cm("sub")),
        ("g/charts/sub/templates/f.yaml", "# {{ len .Files }}\n"),
        ("g/charts/sub/x.prov", "provsub\n"),
    ]);
    let dir = chart_dir(&[("c/Chart.yaml", CHART_C), ("c/templates/cm.yaml", &cm("c"))]);
    write_bytes(&dir, "c/charts/g-0.1.0.tgz", &g);
    let unit = render_chart(&DiskFs::new(dir.path()), "c", &HelmOptions::default());
    assert_eq!(unit.status, UnitStatus::Rendered, "{:?}", unit.errors);
    let text = stream(&unit);
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("# ") || l.starts_with("  name:"))
        .collect();
    assert_eq!(
        lines,
        [
            "# Source: c/charts/g/charts/sub/templates/cm.yaml",
            "  name: sub",
            "# Source: c/charts/g/templates/cm.yaml",
            "  name: g",
            "# Source: c/templates/cm.yaml",
            "  name: c",
            "# Source: c/charts/g/charts/sub/templates/f.yaml",
            "# 0",
            "# Source: c/charts/g/templates/f.yaml",
            "# provsub|provg|2",
        ]
    );
}

#[test]
fn chart_yaml_and_requirements_are_read_as_helm_reads_them() {
    // Expected: the oracle's. No apiVersion is a v1 chart; requirements.yaml lists the
    // dependencies whatever the apiVersion (Helm warns for v2), and a v1 chart keeps
    // requirements.yaml and requirements.lock among its files.
    let files = "# {{ range $p, $_ := .Files }}{{ $p }},{{ end }}|{{ .Chart.APIVersion }}\n";
    let sub = |d: &str| {
        vec![
            (
                format!("{d}/requirements.yaml"),
                "dependencies:\n- {name: sub, version: 0.1.0, condition: sub.enabled}\n"
                    .to_string(),
            ),
            (format!("{d}/requirements.lock"), String::new()),
            (
                format!("{d}/values.yaml"),
                "sub:\n  enabled: false\n".to_string(),
            ),
            (
                format!("{d}/charts/sub/Chart.yaml"),
                "apiVersion: v2\nname: sub\nversion: 0.1.0\n".to_string(),
            ),
            (
                format!("{d}/charts/sub/templates/cm.yaml"),
                config_map("sub"),
            ),
            (format!("{d}/templates/files.yaml"), files.to_string()),
        ]
    };
    for (chart_yaml, want) in [
        (
            "name: c\nversion: 0.1.0\n",
            "# requirements.lock,requirements.yaml,|v1",
        ),
        (
            "apiVersion: v1\nname: c\nversion: 0.1.0\n",
            "# requirements.lock,requirements.yaml,|v1",
        ),
        ("apiVersion: v2\nname: c\nversion: 0.1.0\n", "# |v2"),
    ] {
        let mut all = sub("c");
        all.push(("c/Chart.yaml".into(), chart_yaml.into()));
        let dir = chart_dir_of(&all);
        let unit = render_chart(&DiskFs::new(dir.path()), "c", &HelmOptions::default());
        assert_eq!(unit.status, UnitStatus::Rendered, "{:?}", unit.errors);
        assert_eq!(
            stream(&unit),
            format!("---\n# Source: c/templates/files.yaml\n{want}\n"),
            "{chart_yaml:?}"
        );
    }
}

/// A chart named `name` whose one template is a ConfigMap of that name.
fn level(name: &str) -> [(String, String); 2] {
    [
        (
            "Chart.yaml".into(),
            format!("apiVersion: v2\nname: {name}\nversion: 0.1.0\n"),
        ),
        ("templates/cm.yaml".into(), config_map(name)),
    ]
}

fn names_of(unit: &RenderUnit) -> Vec<String> {
    let mut names: Vec<String> = stream(unit)
        .lines()
        .filter_map(|l| l.strip_prefix("  name: ").map(str::to_string))
        .collect();
    names.sort();
    names
}

#[test]
fn subchart_nesting_stops_at_eight_levels_in_every_form() {
    // A bound of ours (Helm has none; a file:// cycle would never end): charts nest at most
    // eight levels below the one rendered, whether as directories, as directories inside an
    // archive, as archives inside archives, or as file:// dependencies.
    let want: Vec<String> = (0..=8).map(|i| format!("l{i}")).collect();
    let prefix = |i: usize| -> String { (1..=i).map(|k| format!("charts/l{k}/")).collect() };

    // directories: c/charts/l1/charts/l2/…
    let mut files: Vec<(String, String)> = Vec::new();
    for i in 0..=10 {
        for (rel, text) in level(&format!("l{i}")) {
            files.push((format!("c/{}{rel}", prefix(i)), text));
        }
    }
    let dir = chart_dir_of(&files);
    let unit = render_chart(&DiskFs::new(dir.path()), "c", &HelmOptions::default());
    assert_eq!(names_of(&unit), want, "directories");

    // directories inside one archive: l1-0.1.0.tgz holds l1/charts/l2/charts/l3/…
    let mut inner: Vec<(String, String)> = Vec::new();
    for i in 1..=10 {
        for (rel, text) in level(&format!("l{i}")) {
            let p = prefix(i);
            inner.push((format!("l1/{}{rel}", &p["charts/l1/".len()..]), text));
        }
    }
    let refs: Vec<(&str, &str)> = inner
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let dir = chart_dir(&[
        ("c/Chart.yaml", "apiVersion: v2\nname: l0\nversion: 0.1.0\n"),
        ("c/templates/cm.yaml", &config_map("l0")),
    ]);
    write_bytes(&dir, "c/charts/l1-0.1.0.tgz", &tgz(&refs));
    let unit = render_chart(&DiskFs::new(dir.path()), "c", &HelmOptions::default());
    assert_eq!(names_of(&unit), want, "directories in an archive");

    // archives inside archives: l1.tgz holds l1/charts/l2.tgz, which holds …
    let mut bytes: Option<Vec<u8>> = None;
    for i in (1..=10).rev() {
        let name = format!("l{i}");
        let [(c_rel, c_text), (t_rel, t_text)] = level(&name);
        let mut entries: Vec<(String, Vec<u8>)> = vec![
            (format!("{name}/{c_rel}"), c_text.into_bytes()),
            (format!("{name}/{t_rel}"), t_text.into_bytes()),
        ];
        if let Some(b) = bytes.take() {
            entries.push((format!("{name}/charts/l{}-0.1.0.tgz", i + 1), b));
        }
        bytes = Some(tgz_bytes(&entries));
    }
    let dir = chart_dir(&[
        ("c/Chart.yaml", "apiVersion: v2\nname: l0\nversion: 0.1.0\n"),
        ("c/templates/cm.yaml", &config_map("l0")),
    ]);
    write_bytes(&dir, "c/charts/l1-0.1.0.tgz", &bytes.unwrap_or_default());
    let unit = render_chart(&DiskFs::new(dir.path()), "c", &HelmOptions::default());
    assert_eq!(names_of(&unit), want, "archives in archives");

    // file:// dependencies: l0 -> l1 -> … each beside the other in the repository
    let mut files: Vec<(String, String)> = Vec::new();
    for i in 0..=10 {
        let [(_, c_text), (t_rel, t_text)] = level(&format!("l{i}"));
        let deps = format!(
            "dependencies:\n- {{name: l{}, version: 0.1.0, repository: \"file://../l{}\"}}\n",
            i + 1,
            i + 1
        );
        let c_text = if i < 10 { c_text + &deps } else { c_text };
        files.push((format!("l{i}/Chart.yaml"), c_text));
        files.push((format!("l{i}/{t_rel}"), t_text));
    }
    let dir = chart_dir_of(&files);
    let unit = render_chart(&DiskFs::new(dir.path()), "l0", &HelmOptions::default());
    assert_eq!(names_of(&unit), want, "file:// dependencies");

    // a file:// cycle ends at the same depth; a dependency on itself is an error
    let dir = chart_dir(&[
        (
            "a/Chart.yaml",
            "apiVersion: v2\nname: a\nversion: 0.1.0\ndependencies:\n\
             - {name: b, version: 0.1.0, repository: \"file://../b\"}\n",
        ),
        ("a/templates/cm.yaml", &config_map("a")),
        (
            "b/Chart.yaml",
            "apiVersion: v2\nname: b\nversion: 0.1.0\ndependencies:\n\
             - {name: a, version: 0.1.0, repository: \"file://../a\"}\n",
        ),
        ("b/templates/cm.yaml", &config_map("b")),
        (
            "s/Chart.yaml",
            "apiVersion: v2\nname: s\nversion: 0.1.0\ndependencies:\n\
             - {name: s, version: 0.1.0, repository: \"file://.\"}\n",
        ),
        ("s/templates/cm.yaml", &config_map("s")),
    ]);
    let unit = render_chart(&DiskFs::new(dir.path()), "a", &HelmOptions::default());
    assert_eq!(
        names_of(&unit),
        ["a", "a", "a", "a", "a", "b", "b", "b", "b"]
    );
    let unit = render_chart(&DiskFs::new(dir.path()), "s", &HelmOptions::default());
    assert_eq!(names_of(&unit), ["s"]);
    let messages: Vec<&str> = unit.errors.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(
        messages,
        ["dependency \"s\" is neither vendored in charts/ nor found in the repository"]
    );
}

#[test]
fn values_coalesce_nulls_as_helm_does() {
    // Expected: the oracle's. A user null under a subchart's key is kept (Helm merges a child
    // chart's table), a user null elsewhere deletes the default; a null inside a default table
    // the user did not set is dropped, and a null default is no value.
    let dir = chart_dir(&[
        ("c/Chart.yaml", CHART_C),
        (
            "c/values.yaml",
            "sub: {a: 1, b: 2}\nother: {a: {n: null, k: 1}, m: null, d: 1}\n",
        ),
        ("c/templates/v.yaml", "# {{ toJson .Values.other }}\n"),
        (
            "c/u.yaml",
            "other: {z: 1, d: null}\nsub: {a: null, q: {w: null, e: 1}}\n",
        ),
        (
            "c/charts/sub/Chart.yaml",
            "apiVersion: v2\nname: sub\nversion: 0.1.0\n",
        ),
        ("c/charts/sub/values.yaml", "r: {s: null, t: 2}\n"),
        ("c/charts/sub/templates/v.yaml", "# {{ toJson .Values }}\n"),
    ]);
    let opts = HelmOptions {
        value_files: vec!["c/u.yaml".into()],
        ..Default::default()
    };
    let unit = render_chart(&DiskFs::new(dir.path()), "c", &opts);
    assert_eq!(unit.status, UnitStatus::Rendered, "{:?}", unit.errors);
    let lines: Vec<String> = stream(&unit)
        .lines()
        .filter(|l| l.starts_with("# {"))
        .map(str::to_string)
        .collect();
    assert_eq!(
        lines,
        [
            r#"# {"a":null,"b":2,"global":{},"q":{"e":1,"w":null},"r":{"t":2}}"#,
            r#"# {"a":{"k":1},"z":1}"#,
        ]
    );
}

#[test]
fn charts_are_indexed_by_name_within_bounds_and_the_nearest_wins() {
    let chart = |name: &str| format!("apiVersion: v2\nname: {name}\nversion: 0.1.0\n");
    let deep: String = (1..=11).map(|i| format!("d{i}/")).collect();
    let at_10: String = (1..=10).map(|i| format!("d{i}/")).collect();
    let files = [
        ("x/common/Chart.yaml".to_string(), chart("common")),
        ("x/common/templates/cm.yaml".into(), config_map("from-x")),
        ("y/z/common/Chart.yaml".into(), chart("common")),
        ("y/z/common/templates/cm.yaml".into(), config_map("from-y")),
        (
            "x/app/Chart.yaml".into(),
            chart("app") + "dependencies:\n- {name: common, version: 0.1.0}\n",
        ),
        (
            "y/app/Chart.yaml".into(),
            chart("app") + "dependencies:\n- {name: common, version: 0.1.0}\n",
        ),
        (".hidden/Chart.yaml".into(), chart("hidden")),
        ("node_modules/m/Chart.yaml".into(), chart("nm")),
        ("t/templates/Chart.yaml".into(), chart("tpl")),
        (format!("{at_10}Chart.yaml"), chart("ten")),
        (format!("{deep}Chart.yaml"), chart("eleven")),
    ];
    let dir = chart_dir_of(&files);
    let fs = DiskFs::new(dir.path());
    let index = chart_index(&fs);
    let names: Vec<&str> = index.keys().map(String::as_str).collect();
    // hidden directories, node_modules and templates/ are not searched; depth 10 is, 11 not
    assert_eq!(names, ["app", "common", "ten"]);
    assert_eq!(index["common"], ["x/common", "y/z/common"]);
    // a dependency that is not vendored resolves to the chart of that name nearest to it
    for (app, want) in [("x/app", "from-x"), ("y/app", "from-y")] {
        let unit = render_chart(&fs, app, &HelmOptions::default());
        assert_eq!(names_of(&unit), [want], "{app}");
    }
}

#[test]
fn broken_yaml_in_chart_files_is_reported_at_its_byte() {
    for (file, text, want) in [
        (
            "c/values.yaml",
            "a: 1\nb: [\n",
            "values file is not valid YAML",
        ),
        (
            "c/Chart.yaml",
            "name: c\nversion: [\n",
            "Chart.yaml is not valid YAML",
        ),
    ] {
        let mut files = vec![("c/templates/cm.yaml", "# x\n")];
        if file != "c/Chart.yaml" {
            files.push(("c/Chart.yaml", CHART_C));
        }
        files.push((file, text));
        let dir = chart_dir(&files);
        let unit = render_chart(&DiskFs::new(dir.path()), "c", &HelmOptions::default());
        let e = &unit.errors[0];
        assert_eq!(&*e.path, file);
        assert!(e.message.starts_with(want), "{}", e.message);
        let span = e.span.expect("a span");
        assert_eq!(span.end(), span.start() + 1, "{file}: one byte");
        assert_eq!(
            span.start(),
            text.len(),
            "{file}: at the end, where the [ is left open"
        );
    }
}

#[test]
fn an_empty_value_takes_its_key_as_origin() {
    // `a:` has no value text: the finding for its rendered line points at the key (a user's
    // null stays in .Values when the chart has no default for it)
    let dir = chart_dir(&[
        ("c/Chart.yaml", CHART_C),
        ("c/u.yaml", "x: 1\na:\nb: 2\n"),
        ("c/templates/v.yaml", "{{ toYaml .Values }}\n"),
    ]);
    let fs = DiskFs::new(dir.path());
    let opts = HelmOptions {
        value_files: vec!["c/u.yaml".into()],
        ..Default::default()
    };
    let unit = render_chart(&fs, "c", &opts);
    let out = &unit.outputs[0];
    let at = out.text.find("a: null").expect("a: null rendered");
    let got = out.origins.lookup(Span::new(at, at + 1));
    let values = got
        .iter()
        .find(|o| o.role == Role::Values)
        .expect("a values origin");
    assert_eq!(values.path.as_ref(), "c/u.yaml");
    assert_eq!(values.span, Span::new(5, 6), "the key `a`");
}

#[test]
fn hooks_come_last_and_unknown_hook_events_drop_the_document() {
    // Expected: the oracle's. Hook events are trimmed and compared without case; one unknown
    // event drops the whole document.
    let a = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: hooked\n  annotations:\n    \
             helm.sh/hook: \" Pre-Install , post-upgrade\"\n---\napiVersion: v1\nkind: \
             ConfigMap\nmetadata:\n  name: bogus\n  annotations:\n    helm.sh/hook: \
             pre-install,nope\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: plain\n";
    let dir = chart_dir(&[
        ("c/Chart.yaml", CHART_C),
        ("c/templates/a.yaml", a),
        ("c/templates/b.yaml", &config_map("b")),
    ]);
    let unit = render_chart(&DiskFs::new(dir.path()), "c", &HelmOptions::default());
    assert_eq!(
        sources_and_names(&unit),
        [
            "# Source: c/templates/a.yaml",
            "  name: plain",
            "# Source: c/templates/b.yaml",
            "  name: b",
            "# Source: c/templates/a.yaml",
            "  name: hooked",
        ]
    );
}

#[test]
fn a_template_error_points_at_one_byte_of_its_action() {
    let dir = chart_dir(&[
        ("c/Chart.yaml", CHART_C),
        (
            "c/templates/b.yaml",
            "a: 1\nx: {{ required \"need .Values.x\" .Values.x }}\n",
        ),
    ]);
    let unit = render_chart(&DiskFs::new(dir.path()), "c", &HelmOptions::default());
    let e = &unit.errors[0];
    assert_eq!(&*e.path, "c/templates/b.yaml");
    assert_eq!(e.span, Some(Span::new(11, 12)), "{}", e.message);
    assert!(e.message.ends_with("need .Values.x"), "{}", e.message);
}

#[test]
fn output_budgets_stop_the_chart() {
    // 32 MiB of output: one template over it stops the chart (the next template, which would
    // fail, never runs); two templates of exactly 16 MiB are within it, one more byte is not
    const HALF: usize = 16 << 20;
    let big = chart_dir(&[
        ("c/Chart.yaml", CHART_C),
        // Helm runs templates in reverse name order: z first
        ("c/templates/z.yaml", "# {{ repeat 17000000 \"ab\" }}\n"),
        ("c/templates/a.yaml", "{{ fail \"a ran\" }}\n"),
    ]);
    let unit = render_chart(&DiskFs::new(big.path()), "c", &HelmOptions::default());
    let codes: Vec<&str> = unit.errors.iter().map(|e| e.code).collect();
    assert_eq!(codes, ["budget"]);
    for (extra, want) in [("", Vec::<&str>::new()), ("a", vec!["budget"])] {
        let a = format!("{{{{ repeat {HALF} \"a\" }}}}");
        let b = format!("{{{{ repeat {HALF} \"b\" }}}}{extra}");
        let dir = chart_dir(&[
            ("c/Chart.yaml", CHART_C),
            ("c/templates/a.yaml", &a),
            ("c/templates/b.yaml", &b),
        ]);
        let unit = render_chart(&DiskFs::new(dir.path()), "c", &HelmOptions::default());
        let errors: Vec<(&str, &str)> = unit
            .errors
            .iter()
            .map(|e| (e.code, e.message.as_str()))
            .collect();
        let want: Vec<(&str, &str)> = want
            .into_iter()
            .map(|c| (c, "rendered output exceeds the budget of 33554432 bytes"))
            .collect();
        assert_eq!(errors, want, "extra {extra:?}");
    }
}

/// A map that holds the same map twice, forty times over, is a few template steps and 2^40
/// values to print: Helm never finishes it (octolint used to hang too). It stops the chart at
/// its line, quickly; a map that holds itself prints nothing, as in Helm.
#[test]
fn marshalling_a_value_too_large_stops_the_chart_at_its_line() {
    let dir = chart_dir(&[
        ("c/Chart.yaml", CHART_C),
        (
            "c/templates/b.yaml",
            "{{- $d := dict \"k\" \"v\" }}{{ range until 40 }}{{ $d = dict \"a\" $d \"b\" $d }}{{ end }}\nd: {{ toYaml $d }}\n",
        ),
        (
            "c/templates/a.yaml",
            "{{- $m := dict }}{{ $_ := set $m \"a\" $m }}\nm: {{ toJson $m | quote }}\ny: {{ toYaml (list $m) | quote }}\n",
        ),
    ]);
    let unit = render_chart(&DiskFs::new(dir.path()), "c", &HelmOptions::default());
    let e = &unit.errors[0];
    assert_eq!(unit.errors.len(), 1, "{:?}", unit.errors);
    assert_eq!((&*e.path, e.code), ("c/templates/b.yaml", "budget"));
    let fs = DiskFs::new(dir.path());
    let span = e.span.expect("located");
    assert_eq!(
        line_of(&fs, "c/templates/b.yaml", span).0,
        2,
        "{}",
        e.message
    );
    assert!(
        e.message.ends_with(
            "error calling toYaml: the value has more than 1048576 elements (octolint's budget)"
        ),
        "{}",
        e.message
    );
}

#[test]
fn origins_in_a_later_document_end_where_the_value_ends() {
    let dir = chart_dir(&[
        ("c/Chart.yaml", CHART_C),
        ("c/values.yaml", "x: hello\n"),
        (
            "c/templates/t.yaml",
            "a: 1\n---\nb: {{ .Values.x }}\nc: 2\n",
        ),
    ]);
    let unit = render_chart(&DiskFs::new(dir.path()), "c", &HelmOptions::default());
    let second = &unit.outputs[1];
    assert_eq!(second.text, "b: hello\nc: 2");
    let roles = |at: usize| -> Vec<Role> {
        second
            .origins
            .lookup(Span::new(at, at + 1))
            .iter()
            .map(|o| o.role)
            .collect()
    };
    // `hello` is the value's (and the action's); the newline after it and `c` are not
    assert!(roles(3).contains(&Role::Values), "{:?}", roles(3));
    assert!(roles(7).contains(&Role::Values), "{:?}", roles(7));
    assert!(!roles(8).contains(&Role::Values), "{:?}", roles(8));
    assert!(!roles(9).contains(&Role::Values), "{:?}", roles(9));
    // literal text maps line by line to the template: `c: 2` is bytes 28..32 of t.yaml
    let at_c = second.origins.lookup(Span::new(9, 10));
    let spans: Vec<(Role, Span)> = at_c.iter().map(|o| (o.role, o.span)).collect();
    assert_eq!(spans, [(Role::Template, Span::new(28, 32))]);
}

/// The file and line of the primary origin of the first `needle` in a rendered output.
fn primary_line(fs: &DiskFs, out: &RenderedSource, needle: &str) -> (String, usize) {
    let at = out
        .text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} in {}", out.text));
    let o = out.origins.primary(Span::new(at, at + 1)).expect("origin");
    (o.path.to_string(), line_of(fs, &o.path, o.span).0)
}

/// Where rendered bytes come from, through `printf` and through `toYaml` of lists of maps:
/// a value that `printf` formats maps to the values line of its last argument from values,
/// and each key of a `toYaml`-printed list item (or map) maps to its own values line.
#[test]
fn printf_and_toyaml_list_items_keep_their_values_lines() {
    let values = "name: web\nsuffix: prod\nports:\n  - name: http\n    port: 80\n  - name: admin\n    port: 9090\nnote:\n  a: \"k: v\"\n  k: 1\n";
    let tpl = "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ printf \"%s-%s\" .Values.name .Values.suffix }}\n  labels:\n    fixed: {{ printf \"%s\" \"x\" }}\n  annotations:\n    note: |\n{{ toYaml .Values.note | indent 6 }}\nspec:\n  ports:\n{{ toYaml .Values.ports | indent 4 }}\n";
    let dir = chart_dir(&[
        ("c/Chart.yaml", CHART_C),
        ("c/values.yaml", values),
        ("c/templates/svc.yaml", tpl),
    ]);
    let fs = DiskFs::new(dir.path());
    let unit = render_chart(&fs, "c", &HelmOptions::default());
    assert_eq!(unit.status, UnitStatus::Rendered, "{:?}", unit.errors);
    let origin_line = |needle: &str| primary_line(&fs, &unit.outputs[0], needle);
    assert_eq!(origin_line("web-prod"), ("c/values.yaml".into(), 2));
    assert_eq!(origin_line("fixed: x"), ("c/templates/svc.yaml".into(), 6));
    assert_eq!(origin_line("port: 9090"), ("c/values.yaml".into(), 7));
    assert_eq!(origin_line("name: admin"), ("c/values.yaml".into(), 6));
    assert_eq!(origin_line("port: 80\n"), ("c/values.yaml".into(), 5));
    // a key is found where a key starts a line, not inside a value printed before it
    assert_eq!(origin_line("k: 1"), ("c/values.yaml".into(), 10));
}

/// How much of a `toYaml`-printed value is mapped back to values lines is bounded: keys up to
/// 64 maps deep and the first 10,001 entries of nested collections; the rest maps to the line
/// of the value that was printed (`deep:`, `items:`).
#[test]
fn toyaml_origins_are_bounded_in_depth_and_count() {
    let mut values = String::from("deep:\n");
    for i in 0..70 {
        values.push_str(&format!("{}k{i}:\n", "  ".repeat(i + 1)));
    }
    values.push_str(&format!("{}leaf: 1\n", "  ".repeat(71)));
    values.push_str("items:\n");
    for i in 0..10_005 {
        values.push_str(&format!("  - n{i}: {i}\n"));
    }
    // a map inside 70 lists (lines 10,079 and 10,080): lists count as levels too
    values.push_str(&format!("lists:\n  {}k: 1\n", "- ".repeat(70)));
    let tpl = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  deep: |\n{{ toYaml .Values.deep | indent 4 }}\n  items: |\n{{ toYaml .Values.items | indent 4 }}\n  lists: |\n{{ toYaml .Values.lists | indent 4 }}\n";
    let dir = chart_dir(&[
        ("c/Chart.yaml", CHART_C),
        ("c/values.yaml", &values),
        ("c/templates/cm.yaml", tpl),
    ]);
    let fs = DiskFs::new(dir.path());
    let unit = render_chart(&fs, "c", &HelmOptions::default());
    assert_eq!(unit.status, UnitStatus::Rendered, "{:?}", unit.errors);
    let origin_line = |needle: &str| primary_line(&fs, &unit.outputs[0], needle);
    // `k{i}` is on values line i + 2; the map holding it is i levels below `.Values.deep`
    assert_eq!(origin_line("k0:"), ("c/values.yaml".into(), 2));
    assert_eq!(origin_line("k64:"), ("c/values.yaml".into(), 66));
    assert_eq!(origin_line("k65:"), ("c/values.yaml".into(), 1));
    // item i is on values line 74 + i
    assert_eq!(origin_line("n0:"), ("c/values.yaml".into(), 74));
    assert_eq!(origin_line("n10000:"), ("c/values.yaml".into(), 10_074));
    assert_eq!(origin_line("n10001:"), ("c/values.yaml".into(), 73));
    assert_eq!(origin_line("k: 1"), ("c/values.yaml".into(), 10_079));
}
