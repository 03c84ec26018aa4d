//! Rule metadata written in policies: OPA `# METADATA` annotations (a YAML block in
//! comments before a `package` or a rule) and package-level metadata rules
//! (`__rego_metadata__` / `__rego_metadoc__`, evaluated at load). octolint reads `title`,
//! `description`, and `custom.id` / `custom.severity` (or top-level `id`).

use std::collections::HashMap;

use crate::parse::node::Node;
use crate::parse::yaml;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Meta {
    pub id: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub severity: Option<String>,
    /// Kebab-case rule name (`custom.name`).
    pub name: Option<String>,
    /// How to fix (`custom.help`).
    pub help: Option<String>,
    /// Snippets for the rule page (`custom.fail`, `custom.pass`).
    pub fail: Option<String>,
    pub pass: Option<String>,
    /// The rule only reads Kubernetes objects of these kinds / apiVersions
    /// (`custom.kinds`, `custom.api_versions`): other inputs skip it.
    pub kinds: Option<Vec<String>>,
    pub api_versions: Option<Vec<String>>,
}

impl Meta {
    pub fn from_node(n: &Node) -> Meta {
        let s = |node: Option<&Node>| node.and_then(Node::as_str).map(str::to_string);
        let custom = n.get("custom");
        Meta {
            id: s(custom.and_then(|c| c.get("id"))).or_else(|| s(n.get("id"))),
            title: s(n.get("title")),
            description: s(n.get("description")),
            severity: s(custom.and_then(|c| c.get("severity"))).or_else(|| s(n.get("severity"))),
            name: s(custom.and_then(|c| c.get("name"))),
            help: s(custom.and_then(|c| c.get("help"))),
            fail: s(custom.and_then(|c| c.get("fail"))),
            pass: s(custom.and_then(|c| c.get("pass"))),
            kinds: list(custom.and_then(|c| c.get("kinds"))),
            api_versions: list(custom.and_then(|c| c.get("api_versions"))),
        }
    }

    /// Fill what `self` lacks from `other`.
    pub fn or(mut self, other: &Meta) -> Meta {
        self.id = self.id.or_else(|| other.id.clone());
        self.title = self.title.or_else(|| other.title.clone());
        self.description = self.description.or_else(|| other.description.clone());
        self.severity = self.severity.or_else(|| other.severity.clone());
        self.name = self.name.or_else(|| other.name.clone());
        self.help = self.help.or_else(|| other.help.clone());
        self.fail = self.fail.or_else(|| other.fail.clone());
        self.pass = self.pass.or_else(|| other.pass.clone());
        self.kinds = self.kinds.or_else(|| other.kinds.clone());
        self.api_versions = self.api_versions.or_else(|| other.api_versions.clone());
        self
    }
}

fn list(n: Option<&Node>) -> Option<Vec<String>> {
    let items: Vec<String> = n?
        .as_seq()?
        .iter()
        .filter_map(|i| i.as_str().map(str::to_string))
        .collect();
    Some(items)
}

/// Annotations of one policy file: the package's and each rule's (by name).
#[derive(Debug, Default)]
pub struct Annotations {
    pub package: Meta,
    pub rules: HashMap<String, Meta>,
}

/// Read the `# METADATA` blocks of a policy source.
pub fn annotations(source: &str) -> Annotations {
    let mut out = Annotations::default();
    let lines: Vec<&str> = source.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim() != "# METADATA" {
            i += 1;
            continue;
        }
        let mut block = String::new();
        i += 1;
        while i < lines.len() {
            let t = lines[i].trim_start();
            let Some(rest) = t.strip_prefix('#') else {
                break;
            };
            block.push_str(rest.strip_prefix(' ').unwrap_or(rest));
            block.push('\n');
            i += 1;
        }
        // The annotated statement: the next non-empty line.
        while i < lines.len() && lines[i].trim().is_empty() {
            i += 1;
        }
        let Some(target) = lines.get(i).map(|l| l.trim()) else {
            break;
        };
        let parsed = yaml::parse(&block);
        let Some(doc) = parsed.docs.first() else {
            continue;
        };
        let meta = Meta::from_node(&doc.root);
        if target.starts_with("package ") {
            out.package = meta;
        } else {
            let name: String = target
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.rules.insert(name, meta);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_and_rule_annotations() {
        let src = "# METADATA\n# title: Pod rules\n# custom:\n#   id: POL900\npackage x\n\n# METADATA\n# title: No privileged\n# description: |\n#   Long text.\ndeny_priv contains msg if { true }\n";
        let a = annotations(src);
        assert_eq!(a.package.id.as_deref(), Some("POL900"));
        let r = &a.rules["deny_priv"];
        assert_eq!(r.title.as_deref(), Some("No privileged"));
        assert_eq!(r.description.as_deref(), Some("Long text.\n"));
        assert_eq!(r.clone().or(&a.package).id.as_deref(), Some("POL900"));
    }
}
