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
