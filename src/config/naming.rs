//! Naming conventions for Terraform resource names (`[terraform] naming`): a template of
//! literal text and `{placeholders}` compiled to a regex.

/// The regex of a naming template for an environment (`None` env: any word).
pub fn naming_regex(template: &str, env: Option<&str>) -> Option<regex::Regex> {
    let mut re = String::from("^");
    let mut rest = template;
    let mut placeholders = 0;
    while let Some(open) = rest.find('{') {
        re.push_str(&regex::escape(&rest[..open]));
        let close = rest[open..].find('}')? + open;
        let name = &rest[open + 1..close];
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return None;
        }
        placeholders += 1;
        rest = &rest[close + 1..];
        if name == "env" {
            match env {
                Some(e) => re.push_str(&regex::escape(e)),
                None => re.push_str("[a-z0-9]+"),
            }
        } else if rest.is_empty() {
            re.push_str("[a-z0-9]+(?:-[a-z0-9]+)*");
        } else {
            re.push_str("[a-z0-9]+");
        }
    }
    if placeholders == 0 {
        return None;
    }
    re.push_str(&regex::escape(rest));
    re.push('$');
    regex::Regex::new(&re).ok()
}
