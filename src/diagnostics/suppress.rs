//! Inline suppressions: `# octolint:ignore RULE[,RULE] -- reason` (or `//`) on the finding's
//! line or on the line above it; `octolint.io/ignore` annotations on Kubernetes objects use
//! the same `RULES -- reason` syntax.

use crate::source::SourceFile;

/// The Kubernetes annotation that suppresses findings on an object.
pub const IGNORE_ANNOTATION: &str = "octolint.io/ignore";

/// One parsed suppression directive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directive {
    /// 1-based line the comment sits on.
    pub line: usize,
    /// Rule ids, names or prefixes; `all` matches everything.
    pub rules: Vec<String>,
    pub reason: Option<String>,
    /// The comment stands alone on its line (so it covers the next line).
    pub own_line: bool,
    /// Byte range of the comment in the file.
    pub start: usize,
    pub end: usize,
}

impl Directive {
    pub fn matches(&self, rule_id: &str, rule_name: &str) -> bool {
        self.rules
            .iter()
            .any(|r| selector_matches(r, rule_id, rule_name))
    }
}

/// Does a selector (`all`, id, name, or id prefix such as `K8S`) match a rule?
pub fn selector_matches(selector: &str, rule_id: &str, rule_name: &str) -> bool {
    selector.eq_ignore_ascii_case("all")
        || selector.eq_ignore_ascii_case(rule_id)
        || selector == rule_name
        || (selector.len() < rule_id.len()
            && rule_id
                .get(..selector.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(selector)))
}

/// Parse `RULES -- reason` (the part after `octolint:ignore` or the annotation value).
pub fn parse_spec(spec: &str) -> (Vec<String>, Option<String>) {
    // A second comment on the same line ends the directive.
    let spec = spec.split(" #").next().unwrap_or(spec);
    let (ids, reason) = match spec.split_once("--") {
        Some((ids, reason)) => (
            ids,
            Some(reason.trim().to_string()).filter(|r| !r.is_empty()),
        ),
        None => (spec, None),
    };
    let rules = ids
        .split([',', ' ', '\t'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    (rules, reason)
}

const MARKER: &str = "octolint:ignore";

/// Every `octolint:ignore` directive in a file, in line order.
pub fn directives(file: &SourceFile) -> Vec<Directive> {
    let text = &file.text;
    if !text.contains(MARKER) {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut line_start = 0;
    for (idx, raw) in text.split_inclusive('\n').enumerate() {
        let offset = line_start;
        line_start += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        let Some(pos) = line.find(MARKER) else {
            continue;
        };
        let before = &line[..pos];
        let comment_start = before.rfind('#').or_else(|| before.rfind("//"));
        let Some(cs) = comment_start else { continue };
        let between = before[cs..].trim_start_matches(['#', '/']).trim();
        if !between.is_empty() {
            continue;
        }
        let (rules, reason) = parse_spec(&line[pos + MARKER.len()..]);
        out.push(Directive {
            line: idx + 1,
            rules,
            reason,
            own_line: line[..cs].trim().is_empty(),
            start: offset + cs,
            end: offset + line.len(),
        });
    }
    out
}

/// The directive that covers a finding on `line` for this rule, if any.
pub fn find<'d>(
    dirs: &'d [Directive],
    line: usize,
    rule_id: &str,
    rule_name: &str,
) -> Option<&'d Directive> {
    dirs.iter().find(|d| {
        (d.line == line || (d.own_line && d.line + 1 == line)) && d.matches(rule_id, rule_name)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn parses_directives() {
        let text = "a: 1 # octolint:ignore K8S001,K8S002 -- vendor chart\n# octolint:ignore all\nb: 2\nc: \"octolint:ignore x\"\n";
        let f = SourceFile::new("x.yaml", PathBuf::new(), text.into());
        let d = directives(&f);
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].rules, vec!["K8S001", "K8S002"]);
        assert_eq!(d[0].reason.as_deref(), Some("vendor chart"));
        assert!(!d[0].own_line);
        assert!(d[1].own_line);
        assert!(find(&d, 3, "K8S009", "x").is_some());
        assert!(find(&d, 1, "K8S002", "x").is_some());
        assert!(find(&d, 1, "K8S003", "x").is_none());
        assert!(find(&d, 2, "K8S001", "x").is_some());
    }

    #[test]
    fn selectors() {
        assert!(selector_matches("K8S", "K8S001", "privileged-container"));
        assert!(selector_matches(
            "privileged-container",
            "K8S001",
            "privileged-container"
        ));
        assert!(!selector_matches("K8S0011", "K8S001", "n"));
        assert!(!selector_matches("TF", "K8S001", "n"));
    }
}
