//! A short deterministic fuzz run on stable Rust: every fuzz target (`octolint::fuzzing`, the
//! same entry points as the cargo-fuzz targets in `fuzz/`) gets its seeds from `fixtures/`,
//! the saved regressions in `fuzz/regressions/<target>/` and a sample of `../shared/corpus`,
//! then a fixed number of mutations of them from a fixed xorshift seed. A panic fails the
//! test with the target, the iteration and the input saved to the temp directory.
//! `scripts/fuzz.sh` runs the long, coverage-guided version with cargo-fuzz.

use std::path::{Path, PathBuf};

use octolint::fuzzing::{Mutator, TARGETS, run};

/// Mutated inputs per target (plus every seed as it is).
const MUTATIONS: usize = 300;
/// Corpus files sampled from `../shared/corpus` per target.
const CORPUS_SAMPLE: usize = 40;
const MAX_INPUT: usize = 64 * 1024;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.file_name().is_some_and(|n| n == ".git") {
            continue;
        }
        if p.is_dir() {
            files(&p, out);
        } else if p.is_file() {
            out.push(p);
        }
    }
}

/// Does a file suit a target's input format?
fn suits(target: &str, p: &Path) -> bool {
    let name = p.to_string_lossy().to_ascii_lowercase();
    match target {
        "yaml" | "rego_input" => name.ends_with(".yaml") || name.ends_with(".yml"),
        "json" => name.ends_with(".json"),
        "hcl_terraform" => name.ends_with(".tf") || name.ends_with(".tfvars"),
        _ => !name.ends_with(".snap"),
    }
}

/// Seeds of a target: (mutated, run once as they are). Saved regressions and the
/// evaluation-limit fixtures are run once: each already costs a whole evaluation budget.
fn seeds(target: &str) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let mut all = Vec::new();
    files(&root().join("fixtures"), &mut all);
    let regressions = root().join("fuzz/regressions").join(target);
    let mut fixed_files = Vec::new();
    files(&regressions, &mut fixed_files);
    let heavy = |p: &Path| p.starts_with(root().join("fixtures/TF018"));
    let read = |p: &PathBuf| std::fs::read(p).ok().filter(|b| b.len() <= MAX_INPUT);
    let mut fixed: Vec<Vec<u8>> = fixed_files.iter().filter_map(read).collect();
    fixed.extend(
        all.iter()
            .filter(|p| suits(target, p) && heavy(p))
            .filter_map(read),
    );
    let mut out: Vec<Vec<u8>> = all
        .iter()
        .filter(|p| suits(target, p) && !heavy(p))
        .filter_map(read)
        .collect();
    let shared = root().join("../shared/corpus");
    if shared.is_dir() {
        let mut corpus = Vec::new();
        files(&shared, &mut corpus);
        let fit: Vec<&PathBuf> = corpus.iter().filter(|p| suits(target, p)).collect();
        let step = (fit.len() / CORPUS_SAMPLE).max(1);
        out.extend(
            fit.iter()
                .step_by(step)
                .take(CORPUS_SAMPLE)
                .filter_map(|p| read(p)),
        );
    } else if std::env::var_os("CI").is_some() {
        panic!("../shared is absent but CI is set: the fuzz seeds need ../shared/corpus");
    } else {
        eprintln!("SKIP: ../shared is absent; fuzzing from fixtures/ only");
    }
    assert!(!out.is_empty(), "{target}: no seeds");
    (out, fixed)
}

fn fuzz(target: &str, seed: u64) {
    let (seeds, fixed) = seeds(target);
    let started = std::time::Instant::now();
    let mut m = Mutator::new(seed);
    let mut inputs: Vec<Vec<u8>> = fixed;
    inputs.extend(seeds.iter().cloned());
    for _ in 0..MUTATIONS {
        let a = &seeds[m.next_u64() as usize % seeds.len()];
        let b = &seeds[m.next_u64() as usize % seeds.len()];
        inputs.push(m.mutate(a, b, MAX_INPUT));
    }
    for (i, input) in inputs.iter().enumerate() {
        let result = std::panic::catch_unwind(|| run(target, input));
        if result.is_err() {
            let saved = std::env::temp_dir().join(format!("octolint-fuzz-{target}-{i}.bin"));
            let _ = std::fs::write(&saved, input);
            panic!(
                "{target}: input {i} panicked; saved to {} (add it to fuzz/regressions/{target}/)",
                saved.display()
            );
        }
    }
    eprintln!(
        "fuzz {target}: {} inputs ({} seeds) in {:.2} s",
        inputs.len(),
        seeds.len(),
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn every_target_is_listed_and_runs() {
    for t in TARGETS {
        assert!(run(t, b""), "{t} is not a target");
    }
    assert!(!run("nope", b""));
}

#[test]
fn fuzz_yaml() {
    fuzz("yaml", 0x0c70_1147_0001);
}

#[test]
fn fuzz_json() {
    fuzz("json", 0x0c70_1147_0002);
}

#[test]
fn fuzz_hcl_terraform() {
    fuzz("hcl_terraform", 0x0c70_1147_0003);
}

#[test]
fn fuzz_secrets() {
    fuzz("secrets", 0x0c70_1147_0004);
}

#[test]
fn fuzz_rego_input() {
    fuzz("rego_input", 0x0c70_1147_0005);
}

#[test]
fn mutator_is_deterministic() {
    let mut a = Mutator::new(7);
    let mut b = Mutator::new(7);
    for _ in 0..50 {
        assert_eq!(
            a.mutate(b"key: value\n", b"other: [1, 2]\n", 4096),
            b.mutate(b"key: value\n", b"other: [1, 2]\n", 4096)
        );
    }
}
