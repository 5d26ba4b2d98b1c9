//! Reporters for lint findings: one per `--output-format`, each writing to a
//! `dyn Write` it is given. Every format that shows source text masks the bytes of a
//! KV101 finding, and literal text in a credential's value beside a malformed
//! placeholder, as `****`, so no credential leaves the tool.

mod concise;
mod full;
mod github;
mod json;
mod sarif;

use std::io::{self, Write};
use std::ops::Range;
use std::path::Path;

use crate::cli::LintFormat;
use crate::diagnostic::{Code, Diagnostic, Severity};
use crate::span::Span;

/// The findings of one file, with its text (for source lines and masking).
#[derive(Clone, Copy, Debug)]
pub struct FileFindings<'a> {
    /// The file, as the findings name it.
    pub path: &'a Path,
    /// Its text, exactly as linted (the spans index into it).
    pub text: &'a str,
    /// Its findings, sorted by position (as [`crate::lint::check_file`] returns them).
    pub diagnostics: &'a [Diagnostic],
    /// Credential text to mask beyond the KV101 findings' own spans (as
    /// [`crate::lint::Linted::masks`] holds it).
    pub masks: &'a [Range<usize>],
}

impl FileFindings<'_> {
    /// Every range to mask where this file's source is shown.
    pub(crate) fn masks(&self) -> Masks {
        let mut ranges: Vec<Range<usize>> = self
            .diagnostics
            .iter()
            .filter(|d| d.code == Code::Kv101)
            .map(|d| d.span.range())
            .chain(self.masks.iter().cloned())
            .collect();
        ranges.sort_by_key(|r| (r.start, r.end));
        let mut merged: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
        for range in ranges {
            match merged.last_mut() {
                Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
                _ => merged.push(range),
            }
        }
        Masks(merged)
    }
}

/// The ranges of one file to mask, sorted and apart, so that the ones on a line are
/// found by a binary search (a file can have many findings).
pub(crate) struct Masks(Vec<Range<usize>>);

impl Masks {
    /// The masks that reach into `line`.
    fn on(&self, line: &Range<usize>) -> &[Range<usize>] {
        let first = self.0.partition_point(|m| m.end <= line.start);
        let last = self.0.partition_point(|m| m.start < line.end);
        &self.0[first..last.max(first)]
    }
}

/// A file lint could not check, or checked only up to where its reader stopped. It has
/// no finding code (SPEC section 7 lists none for it), yet the machine formats carry it,
/// so that an upload or an annotation shows why the run failed, not just its exit code.
#[derive(Clone, Debug)]
pub struct Unchecked<'a> {
    /// The file, as the findings name it.
    pub path: &'a Path,
    /// What kind of failure: its rule name in the machine formats.
    pub kind: UncheckedKind,
    /// Where its reader stopped, as 1-based line and column, if it got into the file.
    pub position: Option<(u32, u32)>,
    /// What went wrong, with no text of the file in it.
    pub message: String,
}

/// Why a file was not checked in full.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UncheckedKind {
    /// Its reader stopped at a syntax error: the findings before it are reported, but no
    /// plaintext credential was looked for.
    SyntaxError,
    /// It could not be read, or not as text of its type: nothing was looked for.
    Unreadable,
}

impl UncheckedKind {
    /// The name the machine formats give it, in the place of a rule's.
    pub fn name(self) -> &'static str {
        match self {
            UncheckedKind::SyntaxError => "syntax-error",
            UncheckedKind::Unreadable => "unreadable-file",
        }
    }

    /// How to get the file checked.
    pub fn help(self) -> Option<&'static str> {
        match self {
            UncheckedKind::SyntaxError => Some(SYNTAX_HELP),
            UncheckedKind::Unreadable => None,
        }
    }
}

/// What to do about a file whose reader stopped.
pub const SYNTAX_HELP: &str = "plaintext credentials were not looked for in this file; fix its syntax, or pass --file-type text to lint it as text";

/// Everything one lint run found.
#[derive(Clone, Debug, Default)]
pub struct Findings<'a> {
    /// Files with their findings; files without findings may be left out.
    pub files: Vec<FileFindings<'a>>,
    /// Files that were not checked in full, in the order they were linted.
    pub unchecked: Vec<Unchecked<'a>>,
    /// How many files were linted, for the summary line.
    pub files_checked: usize,
}

impl Findings<'_> {
    /// Every finding with the text of its file, in file order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&Diagnostic, &str)> {
        self.files.iter().flat_map(|f| f.diagnostics.iter().map(move |d| (d, f.text)))
    }

    /// The counts for the summary line.
    pub fn summary(&self) -> Summary {
        let count = |severity| self.iter().filter(|(d, _)| d.severity == severity).count();
        Summary {
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            files: self.files_checked,
        }
    }
}

/// The counts of a run: "2 errors, 1 warning in 16 files".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Summary {
    /// Findings with severity error.
    pub errors: usize,
    /// Findings with severity warning.
    pub warnings: usize,
    /// Files linted.
    pub files: usize,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        write!(
            f,
            "{}, {} in {}",
            plural(self.errors, "error"),
            plural(self.warnings, "warning"),
            plural(self.files, "file")
        )
    }
}

/// Writes findings in one format.
pub trait Reporter {
    /// Writes every finding.
    fn report(&self, findings: &Findings<'_>, out: &mut dyn Write) -> io::Result<()>;

    /// Writes the summary line, for the formats that have one (`full`, `concise`); the
    /// caller picks the stream (stderr, say, so that stdout stays machine-readable).
    fn summary(&self, findings: &Findings<'_>, out: &mut dyn Write) -> io::Result<()> {
        let _ = (findings, out);
        Ok(())
    }
}

/// The reporter for `--output-format`; `color` only matters to `full`.
pub fn reporter(format: LintFormat, color: bool) -> Box<dyn Reporter> {
    match format {
        LintFormat::Full => Box::new(full::Full { color }),
        LintFormat::Concise => Box::new(concise::Concise),
        LintFormat::Json => Box::new(json::Json),
        LintFormat::Sarif => Box::new(sarif::Sarif),
        LintFormat::Github => Box::new(github::Github),
    }
}

/// The text that stands for a masked credential.
pub const MASK: &str = "****";

/// One source line with every KV101 span of its file replaced by [`MASK`].
pub(crate) struct MaskedLine {
    /// The shown part's byte range in the file: the line without its line break, or a
    /// window of a long line.
    pub(crate) range: Range<usize>,
    /// The column where the shown part starts (1 unless a long line was cut).
    pub(crate) first_column: u32,
    /// The line as shown.
    pub(crate) text: String,
    /// The masked ranges, relative to the line start, in order.
    cuts: Vec<Range<usize>>,
}

impl MaskedLine {
    /// The line that `span` starts on in `text`, with `masks` applied: all of it, or on
    /// a long line [`CONTEXT`] bytes either side of the span.
    pub(crate) fn new(text: &str, span: Span, masks: &Masks) -> Self {
        let offset = span.offset;
        let range = shown_range(text, offset, span.end());
        let skipped = text[range.start..offset].chars().count();
        let first_column = span.column.saturating_sub(u32::try_from(skipped).unwrap_or(u32::MAX));
        let cuts: Vec<Range<usize>> = masks
            .on(&range)
            .iter()
            .filter_map(|r| {
                let (start, end) = (r.start.max(range.start), r.end.min(range.end));
                (start < end).then(|| start - range.start..end - range.start)
            })
            .collect();
        let line = &text[range.clone()];
        let mut shown = String::with_capacity(line.len());
        let mut at = 0;
        for cut in &cuts {
            shown.push_str(&line[at..cut.start]);
            shown.push_str(MASK);
            at = cut.end;
        }
        shown.push_str(&line[at..]);
        Self { range, first_column, text: shown, cuts }
    }

    /// Where the byte at `offset` (relative to the line start) lands in the shown line.
    /// An offset inside a masked range lands on the mask's start.
    pub(crate) fn map(&self, offset: usize) -> usize {
        let (mut added, mut removed) = (0, 0);
        for cut in &self.cuts {
            if offset < cut.start {
                break;
            }
            if offset < cut.end {
                return cut.start + added - removed;
            }
            added += MASK.len();
            removed += cut.len();
        }
        offset + added - removed
    }

    /// The shown range of a span that starts on this line (clipped to the line).
    pub(crate) fn map_span(&self, span: Range<usize>) -> Range<usize> {
        let start = span.start - self.range.start;
        let end = span.end.min(self.range.end).max(span.start) - self.range.start;
        let inside = self.cuts.iter().find(|c| c.start <= start && end <= c.end && start < c.end);
        match inside {
            Some(cut) => self.map(cut.start)..self.map(cut.start) + MASK.len(),
            None => self.map(start)..self.map(end),
        }
    }
}

/// How much of a long line is shown either side of a finding. Whole lines would make
/// many findings on one long line (a minified JSON file) cost its length each.
const CONTEXT: usize = 240;

/// The byte range shown for a finding from `offset` to `end`: the line holding `offset`,
/// without `\n` or `\r\n`, cut to [`CONTEXT`] bytes before `offset` and after `end`.
fn shown_range(text: &str, offset: usize, end: usize) -> Range<usize> {
    let bytes = text.as_bytes();
    let from = floor_boundary(text, offset.saturating_sub(CONTEXT));
    let start = match memchr::memrchr(b'\n', &bytes[from..offset]) {
        Some(n) => from + n + 1,
        // A BOM is not part of the first line as shown (SPEC section 2: not a column).
        None if from == 0 && text.starts_with('\u{feff}') => '\u{feff}'.len_utf8().min(offset),
        None => from,
    };
    let to = ceil_boundary(text, end.max(offset).saturating_add(CONTEXT).min(text.len()));
    let end = match memchr::memchr(b'\n', &bytes[offset..to]) {
        Some(n) if n > 0 && bytes[offset + n - 1] == b'\r' => offset + n - 1,
        Some(n) => offset + n,
        None => to,
    };
    start..end.max(start)
}

fn floor_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn ceil_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

/// The 1-based line and column just past the end of `d`'s span (exclusive end).
pub(crate) fn end_position(text: &str, d: &Diagnostic) -> (u32, u32) {
    let covered = &text[d.span.range()];
    let count = |s: &str| u32::try_from(s.chars().count()).unwrap_or(u32::MAX);
    match covered.rfind('\n') {
        Some(last) => {
            let lines = u32::try_from(covered.matches('\n').count()).unwrap_or(u32::MAX);
            (d.span.line + lines, 1 + count(&covered[last + 1..]))
        }
        None => (d.span.line, d.span.column + count(covered)),
    }
}

/// A path as `/`-separated text, for machine formats.
pub(crate) fn portable_path(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    text.strip_prefix("./").map(str::to_owned).unwrap_or(text)
}

#[cfg(test)]
pub(crate) mod test_support;

#[cfg(test)]
mod tests {
    use super::*;

    /// A finding far into a long line shows a window of it, with the column the window
    /// starts at, so that many findings on one line cost linear time (a fresh user's
    /// report: 8,000 findings on one line took 12 s in `full`).
    #[test]
    fn long_lines_are_shown_in_a_window() {
        let text = format!("a: \"{}ü$<kv:x\"\nnext\n", "x".repeat(1000));
        let offset = text.find('$').unwrap();
        let span = Span { offset, len: 6, line: 1, column: 1006 };
        let line = MaskedLine::new(&text, span, &Masks(Vec::new()));
        assert_eq!(line.range, offset - CONTEXT..text.find('\n').unwrap());
        assert_eq!(line.first_column, 1006 - 239);
        assert!(line.text.ends_with("ü$<kv:x\""));
        let short = "b: 1\r\nc: $<kv:x\r\n";
        let offset = short.find('$').unwrap();
        let span = Span { offset, len: 6, line: 2, column: 4 };
        let line = MaskedLine::new(short, span, &Masks(Vec::new()));
        assert_eq!((line.text.as_str(), line.first_column), ("c: $<kv:x", 1));
    }
}
