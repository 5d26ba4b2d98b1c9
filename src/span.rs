//! Source positions: one `Span` type shared by the scanner, the encoders, lint and the
//! writer, and the `LineIndex` that turns byte offsets into 1-based lines and columns.

use std::fmt;

/// A range of bytes in one file, with the 1-based line and column of its start.
///
/// Columns count Unicode scalar values, not bytes; a UTF-8 BOM is not counted and CRLF
/// is one line break (SPEC section 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    /// Byte offset of the first byte.
    pub offset: usize,
    /// Length in bytes.
    pub len: usize,
    /// 1-based line of the first byte.
    pub line: u32,
    /// 1-based column of the first byte, in characters.
    pub column: u32,
}

impl Span {
    /// The byte offset one past the end.
    pub fn end(&self) -> usize {
        self.offset + self.len
    }

    /// The byte range of the span.
    pub fn range(&self) -> std::ops::Range<usize> {
        self.offset..self.end()
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// Converts byte offsets of one file into lines and columns.
///
/// Offsets must be asked for in ascending order, which is the order the scanner and the
/// encoders produce them in; each call then costs only the bytes since the previous one,
/// so a whole file costs one pass even when it is a single multi-megabyte line.
#[derive(Debug)]
pub struct LineIndex<'a> {
    text: &'a [u8],
    offset: usize,
    line: u32,
    column: u32,
}

impl<'a> LineIndex<'a> {
    /// Starts at the beginning of `text`, skipping a UTF-8 BOM.
    pub fn new(text: &'a [u8]) -> Self {
        let offset = if text.starts_with(BOM) { BOM.len() } else { 0 };
        Self { text, offset, line: 1, column: 1 }
    }

    /// The span of `len` bytes at `offset`.
    ///
    /// Panics if `offset` lies before an offset asked for earlier.
    pub fn span(&mut self, offset: usize, len: usize) -> Span {
        self.advance_to(offset);
        Span { offset, len, line: self.line, column: self.column }
    }

    fn advance_to(&mut self, offset: usize) {
        assert!(offset >= self.offset, "line index asked to go backwards");
        let gap = &self.text[self.offset..offset];
        match memchr::memrchr(b'\n', gap) {
            Some(last) => {
                self.line +=
                    u32::try_from(memchr::memchr_iter(b'\n', gap).count()).unwrap_or(u32::MAX);
                self.column = 1 + count_chars(&gap[last + 1..]);
            }
            None => self.column += count_chars(gap),
        }
        self.offset = offset;
    }
}

/// The UTF-8 byte order mark.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Counts characters by counting the bytes that start one (anything but `10xxxxxx`).
fn count_chars(bytes: &[u8]) -> u32 {
    let count = bytes.iter().filter(|&&b| b & 0xC0 != 0x80).count();
    u32::try_from(count).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str, offset: usize) -> (u32, u32) {
        let span = LineIndex::new(text.as_bytes()).span(offset, 0);
        (span.line, span.column)
    }

    #[test]
    fn counts_characters_not_bytes() {
        assert_eq!(at("schlüssel=$", 11), (1, 11));
    }

    #[test]
    fn bom_is_not_a_column() {
        assert_eq!(at("\u{feff}a=$", 5), (1, 3));
    }

    #[test]
    fn crlf_is_one_line_break() {
        assert_eq!(at("a\r\n\r\nb=$", 7), (3, 3));
    }

    #[test]
    fn ascending_queries_reuse_the_cursor() {
        let text = "ab\ncd\nef";
        let mut index = LineIndex::new(text.as_bytes());
        assert_eq!(index.span(1, 1).to_string(), "1:2");
        assert_eq!(index.span(4, 1).to_string(), "2:2");
        assert_eq!(index.span(7, 1).to_string(), "3:2");
    }
}
