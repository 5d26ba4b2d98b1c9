//! Java `.properties` and `spark-defaults.conf`, read as `Properties.load` reads them:
//! `#`/`!` comment lines, a key ended by `=`, `:` or whitespace, values that continue
//! over lines ending in an odd run of backslashes. Values are written with Java's escapes
//! and non-ASCII as `\uXXXX`, since `Properties.load(InputStream)` reads ISO-8859-1.

use std::fmt::Write as _;

use super::{Edit, EncodeProblem, Site, collect, escaped_problem, is_escaped};
use crate::scan::Item;

/// Where an item sits in a properties file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Context {
    role: Role,
    /// The item starts a run of value text (the value's start, or a continuation line's),
    /// where leading whitespace would be skipped.
    at_chunk_start: bool,
    /// The item ends the value.
    at_value_end: bool,
    /// The item is the whole value.
    whole: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Comment,
    Key,
    Value,
}

/// One logical line: its comment, key and value regions.
#[derive(Debug, Default)]
struct Line {
    end: usize,
    comment: bool,
    value_start: usize,
    value_end: usize,
    chunk_starts: Vec<usize>,
}

fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\x0c')
}

fn is_eol(b: u8) -> bool {
    matches!(b, b'\n' | b'\r')
}

/// Steps over one line break (`\n`, `\r\n` or `\r`).
fn skip_eol(bytes: &[u8], mut pos: usize) -> usize {
    if bytes.get(pos) == Some(&b'\r') {
        pos += 1;
    }
    if bytes.get(pos) == Some(&b'\n') {
        pos += 1;
    }
    pos
}

fn skip_blanks(bytes: &[u8], mut pos: usize) -> usize {
    while pos < bytes.len() && is_blank(bytes[pos]) {
        pos += 1;
    }
    pos
}

/// Reads the logical line that starts at `start`.
fn read_line(bytes: &[u8], start: usize) -> Line {
    let pos = skip_blanks(bytes, start);
    if pos >= bytes.len() || is_eol(bytes[pos]) || matches!(bytes[pos], b'#' | b'!') {
        let end = memchr::memchr2(b'\n', b'\r', &bytes[pos..]).map_or(bytes.len(), |i| pos + i);
        let comment = pos < bytes.len() && !is_eol(bytes[pos]);
        return Line { end: skip_eol(bytes, end), comment, ..Line::default() };
    }

    let mut pos = read_key(bytes, pos);
    pos = skip_blanks(bytes, pos);
    if matches!(bytes.get(pos), Some(b'=' | b':')) {
        pos = skip_blanks(bytes, pos + 1);
    }
    let value_start = pos;
    let mut chunk_starts = vec![pos];
    loop {
        match bytes[pos..].iter().position(|&b| b == b'\\' || is_eol(b)) {
            None => {
                pos = bytes.len();
                break;
            }
            Some(i) if bytes[pos + i] == b'\\' => {
                pos += i + 1;
                if pos < bytes.len() && is_eol(bytes[pos]) {
                    pos = skip_blanks(bytes, skip_eol(bytes, pos));
                    chunk_starts.push(pos);
                } else if pos < bytes.len() {
                    pos += 1;
                }
            }
            Some(i) => {
                pos += i;
                break;
            }
        }
    }
    Line { end: skip_eol(bytes, pos), comment: false, value_start, value_end: pos, chunk_starts }
}

/// Reads a key; returns where it ends.
fn read_key(bytes: &[u8], mut pos: usize) -> usize {
    while pos < bytes.len() {
        match bytes[pos] {
            b'\\' if bytes.get(pos + 1).is_some_and(|&b| is_eol(b)) => {
                pos = skip_blanks(bytes, skip_eol(bytes, pos + 1));
            }
            b'\\' => pos += 2,
            b'=' | b':' => return pos,
            b if is_blank(b) || is_eol(b) => return pos,
            _ => pos += 1,
        }
    }
    bytes.len()
}

pub(super) fn analyze(text: &str, items: &[Item<'_>]) -> Vec<Context> {
    let bytes = text.as_bytes();
    let mut line = read_line(bytes, 0);
    let mut line_start = 0;
    items
        .iter()
        .map(|item| {
            let offset = item.span.offset;
            while offset >= line.end && line.end > line_start {
                line_start = line.end;
                line = read_line(bytes, line_start);
            }
            context(&line, item.span.offset, item.span.end())
        })
        .collect()
}

fn context(line: &Line, start: usize, end: usize) -> Context {
    let role = if line.comment {
        Role::Comment
    } else if start < line.value_start {
        Role::Key
    } else {
        Role::Value
    };
    Context {
        role,
        at_chunk_start: line.chunk_starts.contains(&start),
        at_value_end: end == line.value_end,
        whole: start == line.value_start && end == line.value_end,
    }
}

pub(super) fn site(context: Context) -> Site {
    Site { in_comment: context.role == Role::Comment, whole_value: context.whole }
}

pub(super) fn encode(
    text: &str,
    items: &[Item<'_>],
    contexts: &[Context],
    replacements: &[Option<&str>],
    spark: bool,
) -> Result<Vec<Edit>, Vec<EncodeProblem>> {
    collect(items.iter().zip(contexts).zip(replacements).enumerate().map(
        |(index, ((item, context), replacement))| {
            let Some(value) = replacement else { return Ok(None) };
            if context.role == Role::Comment {
                return Ok(None);
            }
            if is_escaped(text, item.span.offset) {
                return Err(escaped_problem(index));
            }
            if spark && trims(value, *context) {
                return Err(EncodeProblem::new(
                    index,
                    "the value starts or ends with whitespace, which Spark trims from spark-defaults.conf values",
                ));
            }
            if context.role == Role::Key && value.is_empty() && is_alone(text, item) {
                return Err(EncodeProblem::new(
                    index,
                    "an empty value alone on its line would leave a blank line, and the key would be lost",
                ));
            }
            let encoded = escape(value, context.role == Role::Key, context.at_chunk_start);
            Ok(Some(Edit::new(item.span.range(), encoded)))
        },
    ))
}

/// Whether only blanks share the item's line.
fn is_alone(text: &str, item: &Item<'_>) -> bool {
    let bytes = text.as_bytes();
    let range = item.span.range();
    let start = bytes[..range.start].iter().rposition(|&b| is_eol(b)).map_or(0, |p| p + 1);
    let end =
        bytes[range.end..].iter().position(|&b| is_eol(b)).map_or(bytes.len(), |p| p + range.end);
    bytes[start..range.start].iter().chain(&bytes[range.end..end]).all(|&b| is_blank(b))
}

fn trims(value: &str, context: Context) -> bool {
    let leading = value.chars().next().is_some_and(|c| c <= ' ');
    let trailing = value.chars().last().is_some_and(|c| c <= ' ');
    (leading && context.at_chunk_start) || (trailing && context.at_value_end)
}

/// Java properties escaping. `key` adds the separators; `leading` protects a first space
/// that `Properties.load` would otherwise skip.
fn escape(value: &str, key: bool, leading: bool) -> String {
    let mut out = String::with_capacity(value.len());
    for (i, c) in value.chars().enumerate() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{c}' => out.push_str("\\f"),
            ' ' if key || (leading && i == 0) => out.push_str("\\ "),
            '=' | ':' | '#' | '!' if key => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_ascii_control() || !c.is_ascii() => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04X}");
                }
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::scan;

    fn roles(text: &str) -> Vec<(Role, bool)> {
        let items = scan(text);
        analyze(text, &items).iter().map(|c| (c.role, c.at_chunk_start)).collect()
    }

    #[test]
    fn comments_keys_values_and_continuations() {
        let text = "# $<kv:a/b>\n  ! $<kv:a/b>\n$<kv:a/b>=x\nk = $<kv:a/b>\nk: a\\\n   $<kv:a/b>\nk v$<kv:a/b>\n";
        assert_eq!(
            roles(text),
            [
                (Role::Comment, false),
                (Role::Comment, false),
                (Role::Key, false),
                (Role::Value, true),
                (Role::Value, true),
                (Role::Value, false),
            ]
        );
    }

    #[test]
    fn crlf_lines() {
        let text = "a=1\r\nb=$<kv:a/b>\r\n";
        assert_eq!(roles(text), [(Role::Value, true)]);
    }

    // Found by the `encode_properties` fuzz target: `$<kv:kv-app/x>` alone on a line is a
    // key, and an empty value there left a blank line, which drops the entry.
    #[test]
    fn an_empty_key_alone_on_its_line_is_refused() {
        let encode_empty = |text: &str| {
            let items = scan(text);
            let contexts = analyze(text, &items);
            encode(text, &items, &contexts, &vec![Some(""); items.len()], false)
        };
        assert!(encode_empty("v>\n$<kv:kv-app/x>").is_err());
        assert!(encode_empty("  $<kv:kv-app/x>  \r\n").is_err());
        assert_eq!(encode_empty("$<kv:kv-app/x>=v\n").unwrap().len(), 1);
        assert_eq!(encode_empty("k$<kv:kv-app/x>\n").unwrap().len(), 1);
        assert_eq!(encode_empty("k=$<kv:kv-app/x>\n").unwrap().len(), 1);
    }

    #[test]
    fn escapes_as_java_reads_them() {
        assert_eq!(escape(" a\\b\nü😀", false, true), "\\ a\\\\b\\n\\u00FC\\uD83D\\uDE00");
        assert_eq!(escape(" a", false, false), " a");
        assert_eq!(escape("a=b c", true, false), "a\\=b\\ c");
    }
}
