//! Path patterns of the configuration (`exclude`, `paths`, allowlists) as globs.

/// Patterns without a `/` match at any depth, like `.gitignore`; `dir/` means everything below.
pub fn expand_pattern(p: &str) -> Vec<String> {
    let p = p.trim_start_matches("./");
    let mut out = Vec::new();
    if let Some(dir) = p.strip_suffix('/') {
        out.push(format!("{dir}/**"));
        if !dir.contains('/') {
            out.push(format!("**/{dir}/**"));
        }
    } else {
        out.push(p.to_string());
        if !p.contains('/') {
            out.push(format!("**/{p}"));
        }
        if !p.ends_with("/**") {
            out.push(format!("{p}/**"));
        }
    }
    out
}
