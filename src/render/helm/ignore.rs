//! `.helmignore`: which files of a chart directory Helm loads.
//!
//! Helm reads the rules from the `.helmignore` at the top of the chart it loads, adds one of its
//! own (`templates/.?*`: hidden files in `templates/`), and tests every directory and file of
//! the walk against them, by its path relative to that top directory. A directory that is
//! ignored is not entered. Vendored subchart directories (`charts/<name>/`) are walked as part
//! of their parent, so the parent's rules apply to them and their own `.helmignore` does not;
//! archives (`charts/*.tgz`) are not filtered at all.
//!
//! Rule syntax (Helm's `pkg/ignore`): one rule a line, blank lines and `#` comments skipped;
//! patterns are Go's `path/filepath.Match`; a rule with no `/` matches the base name, a rule
//! with a `/` (a leading one is dropped) the whole path; a trailing `/` matches directories
//! only; `!` negates, which in Helm means that everything the pattern does not match is
//! ignored. `**` is an error, as is a malformed pattern, and the chart then fails to load.

/// A rule that makes Helm refuse the chart: where it is in the file, and Helm's message.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct RuleError {
    /// Byte range of the offending line in the `.helmignore` file (without its line end).
    pub start: usize,
    pub end: usize,
    pub message: &'static str,
}

struct Rule {
    pattern: Vec<u8>,
    negate: bool,
    dir_only: bool,
    /// No `/` in the pattern: it is matched against the base name.
    base_name: bool,
}

/// The rules of one chart directory, Helm's default included.
pub(crate) struct Rules {
    rules: Vec<Rule>,
}

/// Helm's own rule, after the file's: hidden entries of `templates/`.
const DEFAULT_RULE: &[u8] = b"templates/.?*";

/// Go's `bufio.Scanner` gives up on a line that fills its 64 KiB buffer.
const MAX_LINE: usize = 64 * 1024;

impl Rules {
    /// No `.helmignore`: Helm's default rule only.
    pub fn defaults() -> Rules {
        let mut r = Rules { rules: Vec::new() };
        r.add(DEFAULT_RULE);
        r
    }

    /// The rules of a `.helmignore` file, then Helm's default rule.
    pub fn parse(data: &[u8]) -> Result<Rules, RuleError> {
        let mut r = Rules { rules: Vec::new() };
        let mut next = 0;
        for mut line in data.split(|&c| c == b'\n') {
            let pos = next;
            next += line.len() + 1;
            if line.len() >= MAX_LINE {
                return Err(RuleError {
                    start: pos,
                    end: pos + line.len(),
                    message: "bufio.Scanner: token too long",
                });
            }
            if let Some(l) = line.strip_suffix(b"\r") {
                line = l;
            }
            let line_end = pos + line.len();
            if pos == 0
                && let Some(l) = line.strip_prefix(b"\xEF\xBB\xBF")
            {
                line = l;
            }
            let rule = trim_space(line);
            let message = if rule.is_empty() || rule[0] == b'#' {
                None
            } else if rule.windows(2).any(|w| w == b"**") {
                Some("double-star (**) syntax is not supported")
            } else if !valid_pattern(rule) {
                Some("syntax error in pattern")
            } else {
                r.add(rule);
                None
            };
            if let Some(message) = message {
                return Err(RuleError {
                    start: pos,
                    end: line_end,
                    message,
                });
            }
        }
        r.add(DEFAULT_RULE);
        Ok(r)
    }

    fn add(&mut self, rule: &[u8]) {
        let (negate, rule) = match rule.strip_prefix(b"!") {
            Some(r) => (true, r),
            None => (false, rule),
        };
        let (dir_only, rule) = match rule.strip_suffix(b"/") {
            Some(r) => (true, r),
            None => (false, rule),
        };
        let (base_name, rule) = match rule.strip_prefix(b"/") {
            Some(r) => (false, r),
            None => (!rule.contains(&b'/'), rule),
        };
        self.rules.push(Rule {
            pattern: rule.to_vec(),
            negate,
            dir_only,
            base_name,
        });
    }

    /// Helm's `Rules.Ignore` for one path of the walk (relative, `/`-separated, no trailing
    /// `/`). The first rule that decides wins.
    pub fn ignores(&self, path: &str, is_dir: bool) -> bool {
        let full = path.as_bytes();
        let base = full.rsplit(|&c| c == b'/').next().unwrap_or(full);
        for r in &self.rules {
            let name = if r.base_name { base } else { full };
            let wrong_kind = r.dir_only && !is_dir;
            if r.negate {
                if wrong_kind || !go_match(&r.pattern, name) {
                    return true;
                }
            } else if !wrong_kind && go_match(&r.pattern, name) {
                return true;
            }
        }
        false
    }
}

/// Go's `strings.TrimSpace`: Unicode white space off both ends; bytes that are not UTF-8
/// stop the trimming, as in Go.
fn trim_space(b: &[u8]) -> &[u8] {
    let mut s = b;
    while let Some((c, n)) = first_char(s)
        && c.is_whitespace()
    {
        s = &s[n..];
    }
    while let Some((c, n)) = last_char(s)
        && c.is_whitespace()
    {
        s = &s[..s.len() - n];
    }
    s
}

fn first_char(b: &[u8]) -> Option<(char, usize)> {
    (1..=b.len().min(4)).find_map(|n| {
        let s = std::str::from_utf8(&b[..n]).ok()?;
        s.chars().next().map(|c| (c, n))
    })
}

fn last_char(b: &[u8]) -> Option<(char, usize)> {
    (1..=b.len().min(4)).find_map(|n| {
        let s = std::str::from_utf8(&b[b.len() - n..]).ok()?;
        s.chars().next().map(|c| (c, n))
    })
}

/// Go's `utf8.DecodeRune`: the first code point and its length; a byte that does not start
/// valid UTF-8 is U+FFFD, one byte long.
fn rune(b: &[u8]) -> (u32, usize) {
    first_char(b).map_or((0xFFFD, 1), |(c, n)| (c as u32, n))
}

/// Splits `*…*chunk rest`: whether stars lead, the run of single-character terms after them,
/// and what follows (from the next star outside a `[...]`).
fn next_chunk(p: &[u8]) -> (bool, &[u8], &[u8]) {
    let stars = p.iter().take_while(|&&c| c == b'*').count();
    let p = &p[stars..];
    let mut in_class = false;
    let mut i = 0;
    while i < p.len() {
        match p[i] {
            b'\\' if i + 1 < p.len() => i += 1,
            b'[' => in_class = true,
            b']' => in_class = false,
            b'*' if !in_class => break,
            _ => {}
        }
        i += 1;
    }
    (stars > 0, &p[..i], &p[i..])
}

/// One character of a `[...]` range, `\` escapes included: the character and what follows,
/// or `None` where Go reports a malformed pattern (nothing may end a class but `]`).
fn class_char(p: &[u8]) -> Option<(u32, &[u8])> {
    let p = match p.first()? {
        b'-' | b']' => return None,
        b'\\' => &p[1..],
        _ => p,
    };
    if p.is_empty() {
        return None;
    }
    let (r, n) = rune(p);
    if n == 1 && r == 0xFFFD {
        return None;
    }
    let rest = &p[n..];
    (!rest.is_empty()).then_some((r, rest))
}

/// A `[...]` class at the start of `p` (after its `[`): whether it admits `r`, and what
/// follows its `]`; `None` when malformed.
fn class(p: &[u8], r: u32) -> Option<(bool, &[u8])> {
    let (negated, mut p) = match p.strip_prefix(b"^") {
        Some(rest) => (true, rest),
        None => (false, p),
    };
    let mut hit = false;
    let mut ranges = 0;
    loop {
        if ranges > 0
            && let Some(rest) = p.strip_prefix(b"]")
        {
            return Some((hit != negated, rest));
        }
        let (lo, rest) = class_char(p)?;
        let (hi, rest) = match rest.strip_prefix(b"-") {
            Some(r2) => class_char(r2)?,
            None => (lo, rest),
        };
        hit |= lo <= r && r <= hi;
        ranges += 1;
        p = rest;
    }
}

/// Whether Go's `filepath.Match` accepts `pattern` (it reports `ErrBadPattern` otherwise).
fn valid_pattern(mut pattern: &[u8]) -> bool {
    while !pattern.is_empty() {
        let (_, mut chunk, rest) = next_chunk(pattern);
        pattern = rest;
        while let Some(&c) = chunk.first() {
            chunk = match c {
                b'[' => match class(&chunk[1..], 0) {
                    Some((_, rest)) => rest,
                    None => return false,
                },
                b'\\' if chunk.len() == 1 => return false,
                b'\\' => &chunk[2..],
                _ => &chunk[1..],
            };
        }
    }
    true
}

/// Whether the single-character terms of `chunk` match the start of `s`; what is left of `s`.
fn match_chunk<'s>(mut chunk: &[u8], mut s: &'s [u8]) -> Option<&'s [u8]> {
    while let Some(&c) = chunk.first() {
        if s.is_empty() {
            return None;
        }
        match c {
            b'[' => {
                let (r, n) = rune(s);
                let (ok, rest) = class(&chunk[1..], r)?;
                if !ok {
                    return None;
                }
                s = &s[n..];
                chunk = rest;
            }
            b'?' => {
                if s[0] == b'/' {
                    return None;
                }
                s = &s[rune(s).1..];
                chunk = &chunk[1..];
            }
            _ => {
                let (lit, rest) = match chunk {
                    [b'\\', l, rest @ ..] => (*l, rest),
                    [l, rest @ ..] => (*l, rest),
                    [] => return None,
                };
                if s[0] != lit {
                    return None;
                }
                s = &s[1..];
                chunk = rest;
            }
        }
    }
    Some(s)
}

/// Go's `path/filepath.Match` (Unix) for a pattern [`valid_pattern`] accepts. A star takes
/// the shortest run of non-`/` bytes after which the next chunk matches (the last chunk must
/// also end the name) and is never revisited: Go does not backtrack, so neither does this.
fn go_match(mut pattern: &[u8], mut name: &[u8]) -> bool {
    'chunks: while !pattern.is_empty() {
        let (star, chunk, rest) = next_chunk(pattern);
        pattern = rest;
        if star && chunk.is_empty() {
            return !name.contains(&b'/');
        }
        let last = pattern.is_empty();
        if let Some(t) = match_chunk(chunk, name)
            && (t.is_empty() || !last)
        {
            name = t;
            continue;
        }
        if star {
            for i in 0..name.len() {
                if name[i] == b'/' {
                    break;
                }
                if let Some(t) = match_chunk(chunk, &name[i + 1..])
                    && (t.is_empty() || !last)
                {
                    name = t;
                    continue 'chunks;
                }
            }
        }
        return false;
    }
    name.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_as_go_filepath_match() {
        // (pattern, name, matched): Go's filepath.Match on Unix
        let table: &[(&str, &str, bool)] = &[
            ("abc", "abc", true),
            ("abc", "abcd", false),
            ("abc", "xabc", false),
            ("c*", "ac", false),
            ("*", "abc", true),
            ("*", "a/b", false),
            ("*c", "abc", true),
            ("a*", "a", true),
            ("a*/b", "abc/b", true),
            ("a*/b", "a/c/b", false),
            ("a*b*c*d*e*/f", "axbxcxdxe/f", true),
            ("a*b*c*d*e*/f", "axbxcxdxexxx/f", true),
            ("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false),
            ("a*b?c*x", "abxbbxdbxebxczzx", true),
            ("a*b?c*x", "abxbbxdbxebxczzy", false),
            ("ab[c]", "abc", true),
            ("ab[b-d]", "abc", true),
            ("ab[e-g]", "abc", false),
            ("ab[^c]", "abc", false),
            ("ab[^b-d]", "abe", true),
            ("a\\*b", "a*b", true),
            ("a\\*b", "ab", false),
            ("a?b", "a☺b", true),
            ("a[^a]b", "a☺b", true),
            ("a???b", "a☺b", false),
            ("[a-ζ]*", "α", true),
            ("*[a-ζ]", "A", false),
            ("a?b", "a/b", false),
            ("a*b", "a/b", false),
            ("[\\]a]", "]", true),
            ("[\\-]", "-", true),
            ("[x\\-]", "z", false),
            ("*x", "xxx", true),
            ("?", "", false),
            ("", "", true),
            ("", "a", false),
            // a class may match `/`; Go takes the first place a chunk matches and keeps it
            ("a[/]b", "a/b", true),
            ("*[^z]*y", "a/y", false),
            ("*[^z]y", "a/y", true),
            // a star inside a class is a character, not a run
            ("a[*]b", "a*b", true),
            ("a[*]b", "axb", false),
            ("*[*]", "x*", true),
            ("[\\]*]x", "*x", true),
        ];
        for &(p, n, want) in table {
            assert!(valid_pattern(p.as_bytes()), "{p:?} is valid");
            assert_eq!(go_match(p.as_bytes(), n.as_bytes()), want, "{p:?} on {n:?}");
        }
    }

    #[test]
    fn malformed_patterns_are_what_go_refuses() {
        for p in [
            "[", "[^", "[^bc", "a[", "[a-", "[a-b", "a\\", "[\\", "[]", "[]a", "[-]", "[x-]",
            "[-x]", "[a-\\", "*[", "a*[", "x*\\", "[\u{80}", "a[\x7f-", "ok[]",
        ] {
            assert!(!valid_pattern(p.as_bytes()), "{p:?} is malformed");
        }
        for p in [
            "[a]", "[^a]", "\\[", "[\\]]", "[a-b]", "[!]", "*", "?", "a\\b", "]", "-",
        ] {
            assert!(valid_pattern(p.as_bytes()), "{p:?} is valid");
        }
        // a pattern byte that is not UTF-8 is refused inside a class only; U+FFFD itself is fine
        assert!(!valid_pattern(b"[\xff]"));
        assert!(valid_pattern(b"\xff"));
        assert!(valid_pattern("[\u{FFFD}]".as_bytes()));
    }

    fn rules(text: &str) -> Rules {
        match Rules::parse(text.as_bytes()) {
            Ok(r) => r,
            Err(e) => panic!("{text:?}: {e:?}"),
        }
    }

    #[test]
    fn rules_decide_as_helm_ignore() {
        // (.helmignore, path, is_dir, ignored)
        let table: &[(&str, &str, bool, bool)] = &[
            // Helm's own rule: hidden entries of templates/, with at least one more character
            ("", "templates/.hidden.yaml", false, true),
            ("", "templates/.d", true, true),
            ("", "templates/.", false, false),
            ("", "templates/a.yaml", false, false),
            ("", "charts/sub/templates/.h.yaml", false, false),
            // no slash: the base name, at any depth, files and directories
            ("*.md\n", "docs/x/README.md", false, true),
            ("*.md\n", "docs.md", true, true),
            ("*.md\n", "README.mdx", false, false),
            // a slash: the whole path, a leading one dropped; `*` stays inside one name
            ("templates/*.yaml\n", "templates/a.yaml", false, true),
            ("templates/*.yaml\n", "templates/sub/a.yaml", false, false),
            ("/templates/b.yaml\n", "templates/b.yaml", false, true),
            ("/x\n", "a/x", false, false),
            // a trailing slash: directories only
            ("sub/\n", "templates/sub", true, true),
            ("sub/\n", "templates/sub", false, false),
            // negation ignores everything the pattern does not match, directories too
            ("!keep.yaml\n", "templates", true, true),
            ("!keep.yaml\n", "templates/keep.yaml", false, false),
            ("!d/\n", "f", false, true),
            ("!d/\n", "d", true, false),
            // the first rule that decides wins
            ("!*.yaml\na.yaml\n", "a.yaml", false, true),
            ("!*.yaml\na.yaml\n", "b.yaml", false, false),
            // lines: trimmed (Unicode space too), CRLF, comments, a BOM on the first line only
            ("  \u{a0}a.txt \t\r\n", "a.txt", false, true),
            ("# a.txt\n", "a.txt", false, false),
            ("\u{feff}a.txt\n", "a.txt", false, true),
            ("x\n\u{feff}a.txt\n", "a.txt", false, false),
            ("x\n\u{feff}a.txt\n", "\u{feff}a.txt", false, true),
            ("a.txt", "a.txt", false, true),
            ("a\\ b\n", "a b", false, true),
        ];
        for &(text, path, dir, want) in table {
            assert_eq!(
                rules(text).ignores(path, dir),
                want,
                "{text:?} on {path:?} (dir: {dir})"
            );
        }
        assert!(Rules::defaults().ignores("templates/.x", false));
        assert!(!Rules::defaults().ignores("templates/x", false));
    }

    #[test]
    fn bad_rules_are_errors_with_their_line() {
        let text = "ok\n# fine\nsrc/**/x\n";
        let e = Rules::parse(text.as_bytes()).err();
        assert_eq!(
            e,
            Some(RuleError {
                start: 10,
                end: 18,
                message: "double-star (**) syntax is not supported"
            })
        );
        let e = Rules::parse(b"a\r\ntemplates/[\r\n").err();
        assert_eq!(
            e,
            Some(RuleError {
                start: 3,
                end: 14,
                message: "syntax error in pattern"
            })
        );
        // a line that fills Go's 64 KiB scanner buffer (65,536 bytes) is an error; one byte
        // less is a rule
        let long = format!("a\n{}\nb", "x".repeat(65_536));
        let e = Rules::parse(long.as_bytes()).err();
        assert_eq!(
            e.map(|e| (e.start, e.end, e.message)),
            Some((2, 65_538, "bufio.Scanner: token too long"))
        );
        assert!(Rules::parse(format!("{}\n", "x".repeat(65_535)).as_bytes()).is_ok());
        // spans stay right after many lines, CRLF or not
        let e = Rules::parse(b"a\r\n\nb\n  [\n").err();
        assert_eq!(e.map(|e| (e.start, e.end)), Some((6, 9)));
        // a bad rule after a comment marker is no rule at all
        assert!(Rules::parse(b"#[\n  # **\n").is_ok());
    }
}
