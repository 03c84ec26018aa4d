//! Source files, byte spans and line/column lookup.
//!
//! A [`Span`] is a pair of byte offsets into one [`SourceFile`]. Lines and columns are
//! computed only when something is rendered, through a lazily built line index. This module
//! depends on nothing else in the crate.

use std::path::PathBuf;
use std::sync::OnceLock;

/// A half-open byte range `[start, end)` into a source file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        let start = u32::try_from(start).unwrap_or(u32::MAX);
        let end = u32::try_from(end).unwrap_or(u32::MAX).max(start);
        Span { start, end }
    }

    pub fn start(self) -> usize {
        self.start as usize
    }

    pub fn end(self) -> usize {
        self.end as usize
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    /// The smallest span covering both.
    pub fn cover(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// The directory part of a `/`-separated relative path (`""` at the root).
pub fn dir_of(path: &str) -> &str {
    path.rsplit_once('/').map(|(d, _)| d).unwrap_or("")
}

/// Join a relative path onto a `/`-separated directory, resolving `.` and `..`.
pub fn normalize_join(dir: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = if rel.starts_with('/') {
        Vec::new()
    } else {
        dir.split('/')
            .filter(|s| !s.is_empty() && *s != ".")
            .collect()
    };
    for seg in rel.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

/// A 1-based line and column; columns count Unicode code points.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: usize,
    pub col: usize,
}

/// A full region in rendering coordinates: 1-based, end column exclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Region {
    pub start: LineCol,
    pub end: LineCol,
}

/// One file read from disk (or given in a test).
#[derive(Debug)]
pub struct SourceFile {
    /// Path relative to the checked root, with `/` separators (lossy for non-UTF-8 names).
    pub path: String,
    /// Path on disk.
    pub abs_path: PathBuf,
    pub text: String,
    lines: OnceLock<Vec<u32>>,
}

impl SourceFile {
    pub fn new(path: impl Into<String>, abs_path: PathBuf, text: String) -> Self {
        SourceFile {
            path: path.into(),
            abs_path,
            text,
            lines: OnceLock::new(),
        }
    }

    fn line_starts(&self) -> &[u32] {
        self.lines.get_or_init(|| {
            // Line breaks as YAML counts them: `\n`, `\r\n` and a lone `\r` (old Mac files).
            let mut starts = vec![0u32];
            let bytes = self.text.as_bytes();
            for (i, &b) in bytes.iter().enumerate() {
                let brk = b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
                if brk {
                    starts.push(u32::try_from(i + 1).unwrap_or(u32::MAX));
                }
            }
            starts
        })
    }

    /// Number of lines (a trailing newline does not open a new line).
    pub fn line_count(&self) -> usize {
        let n = self.line_starts().len();
        if self.text.ends_with('\n') || self.text.ends_with('\r') {
            n - 1
        } else {
            n
        }
    }

    /// The 0-based line index holding byte `offset`.
    fn line_index(&self, offset: usize) -> usize {
        let starts = self.line_starts();
        match starts.binary_search(&(offset as u32)) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        }
    }

    /// Byte range of the 1-based line `line`, without its line terminator.
    pub fn line_range(&self, line: usize) -> (usize, usize) {
        let starts = self.line_starts();
        let idx = line.saturating_sub(1).min(starts.len() - 1);
        let start = starts[idx] as usize;
        let mut end = starts
            .get(idx + 1)
            .map(|&s| s as usize)
            .unwrap_or(self.text.len());
        let bytes = self.text.as_bytes();
        while end > start && matches!(bytes[end - 1], b'\n' | b'\r') {
            end -= 1;
        }
        (start, end)
    }

    /// The text of the 1-based line `line`.
    pub fn line_text(&self, line: usize) -> &str {
        let (s, e) = self.line_range(line);
        self.text.get(s..e).unwrap_or("")
    }

    /// Clamp an offset into the text and onto a char boundary.
    fn clamp(&self, offset: usize) -> usize {
        let mut o = offset.min(self.text.len());
        while o > 0 && !self.text.is_char_boundary(o) {
            o -= 1;
        }
        o
    }

    pub fn line_col(&self, offset: usize) -> LineCol {
        let offset = self.clamp(offset);
        let idx = self.line_index(offset);
        let start = self.line_starts()[idx] as usize;
        let col = self.text[start..offset].chars().count() + 1;
        LineCol { line: idx + 1, col }
    }

    /// The rendering region of a span. An empty span covers one character so that
    /// every region is visible.
    pub fn region(&self, span: Span) -> Region {
        let start = self.line_col(span.start());
        let mut end = self.line_col(span.end().max(span.start()));
        if end == start {
            end.col += 1;
        }
        Region { start, end }
    }

    /// The span of the whole 1-based line (without terminator).
    pub fn line_span(&self, line: usize) -> Span {
        let (s, e) = self.line_range(line);
        Span::new(s, e)
    }
}

/// Converts character indices (as reported by the YAML scanner) into byte offsets.
pub struct CharToByte<'a> {
    text: &'a str,
    ascii: bool,
    // Sampled table: byte offset of every 64th character.
    samples: Vec<u32>,
}

impl<'a> CharToByte<'a> {
    pub fn new(text: &'a str) -> Self {
        let ascii = text.is_ascii();
        let mut samples = Vec::new();
        if !ascii {
            for (n, (b, _)) in text.char_indices().enumerate() {
                if n % 64 == 0 {
                    samples.push(b as u32);
                }
            }
        }
        CharToByte {
            text,
            ascii,
            samples,
        }
    }

    pub fn byte(&self, char_index: usize) -> usize {
        if self.ascii {
            return char_index.min(self.text.len());
        }
        let Some(&base) = self.samples.get(char_index / 64) else {
            return self.text.len();
        };
        let rest = char_index % 64;
        let tail = &self.text[base as usize..];
        match tail.char_indices().nth(rest) {
            Some((b, _)) => base as usize + b,
            None => self.text.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> SourceFile {
        SourceFile::new("t.yaml", PathBuf::from("t.yaml"), text.to_string())
    }

    #[test]
    fn lone_carriage_returns_break_lines_as_in_yaml() {
        let f = file("a: 1\rb: 2\r\nc: 3\rd: x\r");
        assert_eq!(f.line_count(), 4);
        assert_eq!(f.line_col(5).line, 2);
        assert_eq!(f.line_col(11).line, 3);
        assert_eq!(f.line_col(16).line, 4);
        assert_eq!(f.line_text(2), "b: 2");
        assert_eq!(f.line_text(4), "d: x");
    }

    #[test]
    fn line_col_is_one_based_and_counts_chars() {
        let f = file("a: 1\nb: é x\n");
        assert_eq!(f.line_col(0), LineCol { line: 1, col: 1 });
        assert_eq!(f.line_col(5), LineCol { line: 2, col: 1 });
        let x = f.text.find('x').unwrap_or(0);
        assert_eq!(f.line_col(x), LineCol { line: 2, col: 6 });
        assert_eq!(f.line_count(), 2);
        assert_eq!(f.line_text(2), "b: é x");
    }

    #[test]
    fn empty_span_region_covers_one_column() {
        let f = file("abc\n");
        let r = f.region(Span::new(1, 1));
        assert_eq!(r.start, LineCol { line: 1, col: 2 });
        assert_eq!(r.end, LineCol { line: 1, col: 3 });
    }

    #[test]
    fn spans_clamp_cover_and_know_when_they_are_empty() {
        assert_eq!(Span::new(3, 7), Span { start: 3, end: 7 });
        // An end before the start is raised to it; offsets past u32 saturate.
        assert_eq!(Span::new(7, 3), Span { start: 7, end: 7 });
        assert_eq!(
            Span::new(usize::MAX, usize::MAX),
            Span {
                start: u32::MAX,
                end: u32::MAX
            }
        );
        assert_eq!((Span::new(3, 7).start(), Span::new(3, 7).end()), (3, 7));
        assert!(Span::new(4, 4).is_empty());
        assert!(!Span::new(4, 5).is_empty());
        assert!(Span::default().is_empty());
        assert_eq!(Span::new(5, 9).cover(Span::new(2, 6)), Span::new(2, 9));
        assert_eq!(Span::new(2, 3).cover(Span::new(8, 9)), Span::new(2, 9));
    }

    #[test]
    fn dir_of_and_normalize_join_by_table() {
        let dirs = [
            ("a/b/c.yaml", "a/b"),
            ("a/c.yaml", "a"),
            ("c.yaml", ""),
            ("", ""),
        ];
        for (path, dir) in dirs {
            assert_eq!(dir_of(path), dir, "dir_of({path:?})");
        }
        let joins = [
            ("a/b", "c.yaml", "a/b/c.yaml"),
            ("a/b", "../c/./d.yaml", "a/c/d.yaml"),
            ("a//b/", "./c", "a/b/c"),
            ("a", "../../x", "x"),
            ("a/b", "/abs/x", "abs/x"),
            ("", "x", "x"),
            ("a", "", "a"),
            // the directory's own `.` is no level to climb out of
            ("./a", "../x", "x"),
        ];
        for (dir, rel, want) in joins {
            assert_eq!(
                normalize_join(dir, rel),
                want,
                "normalize_join({dir:?}, {rel:?})"
            );
        }
    }

    #[test]
    fn line_ranges_strip_terminators_and_clamp_the_line_number() {
        let f = file("\nab\r\n\ncd");
        assert_eq!(f.line_count(), 4);
        // (line, byte range, text): the empty first line, a CRLF line, an empty line, the last
        // line without terminator; line 0 reads as line 1, lines past the end as the last.
        let rows = [
            (0, (0, 0), ""),
            (1, (0, 0), ""),
            (2, (1, 3), "ab"),
            (3, (5, 5), ""),
            (4, (6, 8), "cd"),
            (5, (6, 8), "cd"),
            (99, (6, 8), "cd"),
        ];
        for (line, range, text) in rows {
            assert_eq!(f.line_range(line), range, "line_range({line})");
            assert_eq!(f.line_text(line), text, "line_text({line})");
            assert_eq!(
                f.line_span(line),
                Span::new(range.0, range.1),
                "line_span({line})"
            );
        }
        assert_eq!(file("a\n").line_count(), 1);
        assert_eq!(file("a").line_count(), 1);
        assert_eq!(file("a\n\n").line_count(), 2);
    }

    #[test]
    fn offsets_inside_a_character_clamp_back_to_its_start() {
        // `é` is bytes 3..5; offset 4 is inside it and reads as the `é` itself.
        let f = file("ab é x\n");
        assert_eq!(f.line_col(3), LineCol { line: 1, col: 4 });
        assert_eq!(f.line_col(4), LineCol { line: 1, col: 4 });
        assert_eq!(f.line_col(5), LineCol { line: 1, col: 5 });
        // Past the end: the end of the text.
        assert_eq!(f.line_col(100), LineCol { line: 2, col: 1 });
        let r = f.region(Span::new(4, 6));
        assert_eq!(r.start, LineCol { line: 1, col: 4 });
        assert_eq!(r.end, LineCol { line: 1, col: 6 });
    }

    #[test]
    fn char_to_byte_handles_multibyte() {
        let text = "é".repeat(100) + "x";
        let c = CharToByte::new(&text);
        assert_eq!(c.byte(100), 200);
        assert_eq!(c.byte(1), 2);
        assert_eq!(c.byte(1000), text.len());
        let a = CharToByte::new("abc");
        assert_eq!(a.byte(2), 2);
    }
}
