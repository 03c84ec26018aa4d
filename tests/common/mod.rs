//! Helpers shared by the end-to-end test files.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// Run the octolint binary in `cwd`.
pub fn run(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_octolint"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("octolint runs")
}

/// Write `content` to `dir/rel`, creating directories.
pub fn write(dir: &Path, rel: &str, content: &str) {
    let p = dir.join(rel);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(p, content).expect("write");
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// (path, start line, environments) of each finding of a `check -f json` run.
pub fn located_findings(o: &Output) -> Vec<(String, u64, serde_json::Value)> {
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json output");
    v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["location"]["path"].as_str().unwrap_or("").to_string(),
                f["location"]["region"]["start_line"].as_u64().unwrap_or(0),
                f["environments"].clone(),
            )
        })
        .collect()
}

/// (rule id, path, start line) of every finding of a `check -f json` report, in output order.
pub fn rule_path_lines(report: &serde_json::Value) -> Vec<(String, String, u64)> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap_or("").to_string(),
                f["location"]["path"].as_str().unwrap_or("").to_string(),
                f["location"]["region"]["start_line"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

/// The repository (this crate's directory) as a render file system.
pub fn repo_fs() -> octolint::render::DiskFs {
    octolint::render::DiskFs::new(std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}

/// The primary origin of the first output line containing `needle` (looked up at the line's
/// first non-blank byte when the needle starts before it), as (file, line, role).
pub fn origin_of(
    u: &octolint::render::RenderUnit,
    needle: &str,
) -> (String, usize, octolint::render::Role) {
    use octolint::render::Fs as _;
    let out = &u.outputs[0];
    let at = out
        .text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in output:\n{}", out.text));
    let line_start = out.text[..at].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let first =
        line_start + out.text[line_start..].len() - out.text[line_start..].trim_start().len();
    let o = out
        .origins
        .primary(octolint::source::Span::new(
            first.max(at),
            first.max(at) + 1,
        ))
        .unwrap_or_else(|| panic!("no origin for {needle:?}"));
    let src = repo_fs().read(&o.path).expect("origin file readable");
    (
        o.path.to_string(),
        src.line_col(o.span.start()).line,
        o.role,
    )
}

/// `../shared/corpus` beside the repository; `None` (with a SKIP note) when it is absent on a
/// developer machine; a failure when `CI` is set.
pub fn shared_corpus() -> Option<std::path::PathBuf> {
    let p = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if p.is_dir() {
        return Some(p);
    }
    if std::env::var_os("CI").is_some() {
        panic!("../shared/corpus is absent and CI is set");
    }
    eprintln!("SKIP: ../shared/corpus is absent");
    None
}

/// A build's errors as (code, line in their file, message); line 0 when unlocated.
pub fn located_errors(
    u: &octolint::render::RenderUnit,
    fs: &dyn octolint::render::Fs,
) -> Vec<(&'static str, usize, String)> {
    u.errors
        .iter()
        .map(|e| {
            let line = match (e.span, fs.read(&e.path)) {
                (Some(s), Some(src)) => src.line_col(s.start()).line,
                _ => 0,
            };
            (e.code, line, e.message.clone())
        })
        .collect()
}
