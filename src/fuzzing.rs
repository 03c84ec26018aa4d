//! Fuzz entry points: one function per target, shared by the cargo-fuzz targets in `fuzz/`
//! and the deterministic stable-Rust fuzz test (`tests/fuzz.rs`), so both exercise exactly the
//! same code. Each takes arbitrary bytes and must return without panicking, in bounded time
//! and memory; a few cheap invariants are checked on the way (spans inside the text and on
//! character boundaries, redaction removing what it was given). Not part of the stable API.

use std::path::PathBuf;
use std::sync::Arc;

use crate::discover::{Entry, FileKind};
use crate::parse::node::{Node, Value as NodeValue};
use crate::parse::{hcl, yaml};
use crate::redact::SecretSet;
use crate::source::{SourceFile, Span};

/// The fuzz targets by name (for scripts and the stable test).
pub const TARGETS: &[&str] = &["yaml", "json", "hcl_terraform", "secrets", "rego_input"];

/// Run target `name` on `data`; false for an unknown name.
pub fn run(name: &str, data: &[u8]) -> bool {
    match name {
        "yaml" => yaml_target(data),
        "json" => json_target(data),
        "hcl_terraform" => hcl_terraform_target(data),
        "secrets" => secrets_target(data),
        "rego_input" => rego_input_target(data),
        _ => return false,
    }
    true
}

fn text_of(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

fn check_span(src: &SourceFile, span: Span) {
    let text = &src.text;
    assert!(
        span.start() <= span.end() && span.end() <= text.len(),
        "span {span:?} outside a text of {} bytes",
        text.len()
    );
    assert!(
        text.is_char_boundary(span.start()) && text.is_char_boundary(span.end()),
        "span {span:?} not on character boundaries"
    );
    let region = src.region(span);
    assert!(region.start.line >= 1 && region.start.line <= region.end.line);
}

fn walk_nodes(src: &SourceFile, n: &Node, depth: usize) {
    check_span(src, n.span);
    if depth > 10_000 {
        return;
    }
    match &n.value {
        NodeValue::Seq(items) => items.iter().for_each(|i| walk_nodes(src, i, depth + 1)),
        NodeValue::Map(entries) => {
            for (k, v) in entries {
                walk_nodes(src, k, depth + 1);
                walk_nodes(src, v, depth + 1);
            }
        }
        NodeValue::Scalar { .. } => {}
    }
}

/// The YAML parser: every node's span lies inside the text, and lines and columns resolve.
pub fn yaml_target(data: &[u8]) {
    let text = text_of(data);
    let parsed = yaml::parse(&text);
    let src = SourceFile::new("fuzz.yaml", PathBuf::from("fuzz.yaml"), text.clone());
    for d in &parsed.docs {
        check_span(&src, d.span);
        walk_nodes(&src, &d.root, 0);
    }
    if let Some(e) = &parsed.error {
        let _ = src.line_col(e.offset);
    }
}

fn scratch_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "octolint-fuzz-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let _ = std::fs::create_dir_all(&dir);
    dir
}

/// The JSON/JSONC loader, through the same per-file entry point as a check (strict JSON,
/// then JSONC for non-manifests, then YAML spans).
pub fn json_target(data: &[u8]) {
    let dir = scratch_dir();
    let abs = dir.join("input.json");
    if std::fs::write(&abs, data).is_err() {
        return;
    }
    static SETTINGS: std::sync::OnceLock<crate::config::Settings> = std::sync::OnceLock::new();
    let settings = SETTINGS.get_or_init(crate::config::Settings::defaults);
    let opts = crate::parse::file::LoadOptions {
        max_size: crate::config::DEFAULT_MAX_FILE_SIZE,
    };
    for kind in [FileKind::Json, FileKind::TerraformJson] {
        let mut pf = crate::parse::file::load(
            Entry {
                rel: "input.json".into(),
                abs: abs.clone(),
                kind,
            },
            &opts,
        );
        // The secret scanner and the per-document rules, as a check runs them.
        let checks = crate::rules::run::FileChecks {
            rules: crate::rules::registry(),
            options: &settings.options,
            secrets: Some(&settings.secrets),
        };
        let envs = crate::model::envs::EnvIndex::new(&settings.options.environments, Vec::new());
        let found = crate::rules::run::check_file(&pf, &checks, false, envs.file_env(&pf.path));
        pf.findings.extend(found);
        if let Some(src) = &pf.source {
            for f in &pf.findings {
                if let Some(span) = f.location.span {
                    check_span(src, span);
                }
            }
        }
    }
}

/// The HCL parser, the conftest-shaped Rego input and the Terraform model with evaluation
/// (the same text as a `.tf` file and as `terraform.tfvars` of one stack).
pub fn hcl_terraform_target(data: &[u8]) {
    let text = text_of(data);
    let Ok(parsed) = hcl::parse(&text) else {
        return;
    };
    let _ = crate::policy::input::from_hcl(&parsed.body, &text);
    let tf_path: Arc<str> = Arc::from("stack/main.tf");
    let vars_path: Arc<str> = Arc::from("stack/terraform.tfvars");
    let tf = [crate::terraform::TfFile {
        path: &tf_path,
        body: &parsed.body,
        text: &text,
    }];
    let vars = [crate::terraform::VarFile::Hcl(crate::terraform::TfFile {
        path: &vars_path,
        body: &parsed.body,
        text: &text,
    })];
    let envs = crate::config::environments::Environments::default();
    let model = crate::terraform::build(&tf, &vars, &envs);
    let src = SourceFile::new("stack/main.tf", PathBuf::from("main.tf"), text.clone());
    for p in &model.problems {
        check_span(&src, p.at.span);
    }
    for r in &model.resources {
        check_span(&src, r.at.span);
    }
}

/// The secret scanner, the excerpt filter and redaction: every hit lies inside the text, and
/// a redacted text no longer holds the values it was given.
pub fn secrets_target(data: &[u8]) {
    let text = text_of(data);
    let scanner = crate::secrets::scanner();
    let hits = scanner.scan_file("fuzz/terraform.tfvars", &text);
    let src = SourceFile::new("f", PathBuf::from("f"), text.clone());
    let mut set = SecretSet::new();
    for h in &hits {
        check_span(&src, h.span);
        if let Some(v) = text.get(h.span.start()..h.span.end()) {
            set.insert(v);
        }
    }
    for (a, b) in scanner.suspicious_spans(&text) {
        check_span(&src, Span::new(a, b));
    }
    for (a, b) in crate::redact::excerpt_spans(&text, Some(&set)) {
        check_span(&src, Span::new(a, b));
    }
    let _ = set.redact_text(&text);
}

/// YAML documents converted to Rego input values (and serialized, as policies print them).
pub fn rego_input_target(data: &[u8]) {
    let text = text_of(data);
    let parsed = yaml::parse(&text);
    for d in &parsed.docs {
        let v = crate::policy::input::from_node(&d.root);
        let _ = v.to_json_str();
        let mut set = SecretSet::new();
        set.add_document(&d.root);
    }
}

/// A small deterministic mutator (xorshift64*) for the stable fuzz test and for seeding:
/// byte flips, insertions, deletions, duplications, splices from another seed and
/// dictionary tokens that matter to the parsers.
pub struct Mutator {
    state: u64,
}

const TOKENS: &[&[u8]] = &[
    b"\n",
    b"\r",
    b"\r\n",
    b"\t",
    b" ",
    b": ",
    b"- ",
    b"---\n",
    b"...\n",
    b"&a ",
    b"*a",
    b"<<: *a",
    b"!!binary ",
    b"|\n",
    b">-\n",
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b"'",
    b"#",
    b"${",
    b"%{",
    b"{{",
    b"}}",
    b"local.",
    b"var.",
    b"module.",
    b"count",
    b"for_each",
    b"= [for x in ",
    b" : x]",
    b"locals {\n",
    b"variable \"v\" {}\n",
    b"module \"m\" {\n  source = \"./\"\n}\n",
    b"resource \"a\" \"b\" {\n",
    b"password = \"",
    b"token: ",
    b"ghp_",
    b"sk-proj-",
    b"LS0tLS1CRUdJTi",
    b"apiVersion: v1\nkind: Secret\ndata:\n  k: ",
    b"stringData:\n  k: ",
    b"\xef\xbb\xbf",
    b"\xff",
    b"\x00",
    b"1e300",
    b"-1",
    b"9999999999999999999999",
    b"/*",
    b"*/",
    b"//",
];

impl Mutator {
    pub fn new(seed: u64) -> Self {
        Mutator { state: seed | 1 }
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.state = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }

    /// A mutation of `input` (1 to 8 edits), `other` supplying splices; at most `max` bytes.
    pub fn mutate(&mut self, input: &[u8], other: &[u8], max: usize) -> Vec<u8> {
        let mut out = input.to_vec();
        let edits = 1 + self.below(8);
        for _ in 0..edits {
            let at = self.below(out.len() + 1);
            match self.below(7) {
                0 if !out.is_empty() => {
                    let i = self.below(out.len());
                    out[i] ^= 1 << self.below(8);
                }
                1 => {
                    let b = (self.next_u64() & 0xff) as u8;
                    out.insert(at, b);
                }
                2 if !out.is_empty() => {
                    let len = 1 + self.below(16.min(out.len()));
                    let s = self.below(out.len() - len + 1);
                    out.drain(s..s + len);
                }
                3 if !out.is_empty() => {
                    let len = 1 + self.below(64.min(out.len()));
                    let s = self.below(out.len() - len + 1);
                    let chunk = out[s..s + len].to_vec();
                    out.splice(at..at, chunk);
                }
                4 if !other.is_empty() => {
                    let len = 1 + self.below(128.min(other.len()));
                    let s = self.below(other.len() - len + 1);
                    out.splice(at..at, other[s..s + len].iter().copied());
                }
                _ => {
                    let t = TOKENS[self.below(TOKENS.len())];
                    out.splice(at..at, t.iter().copied());
                }
            }
            if out.len() > max {
                out.truncate(max);
            }
        }
        out
    }
}
