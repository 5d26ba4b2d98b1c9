//! Java `.properties` and `spark-defaults.conf`, read as `Properties.load` reads them:
//! `#`/`!` comment lines, a key ended by `=`, `:` or whitespace, values that continue
//! over lines ending in an odd run of backslashes. Values are written with Java's escapes
//! and non-ASCII as `\uXXXX`, since `Properties.load(InputStream)` reads ISO-8859-1.

use std::fmt::Write as _;

use super::{Edit, EncodeProblem, Site, collect, escaped_problem, is_escaped};
use std::ops::Range;

use crate::scan::{Item, ItemKind};

/// Where an item sits in a properties file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Context {
    role: Role,
    /// The item starts a run of value text (the value's start, or a continuation line's),
    /// where leading whitespace would be skipped.
    at_chunk_start: bool,
    /// The item is the whole value.
    whole: bool,
    /// The bytes of the value (or of the key, for an item in a key).
    value: (usize, usize),
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

/// Reads the logical line that starts at `start`. `opaque` holds the sorted ranges of
/// the placeholders and escapes, which count as key characters: they are replaced, so the
/// `:` in `$<kv:` never ends a key.
fn read_line(bytes: &[u8], start: usize, opaque: &[Range<usize>]) -> Line {
    let pos = skip_blanks(bytes, start);
    if pos >= bytes.len() || is_eol(bytes[pos]) || matches!(bytes[pos], b'#' | b'!') {
        let end = memchr::memchr2(b'\n', b'\r', &bytes[pos..]).map_or(bytes.len(), |i| pos + i);
        let comment = pos < bytes.len() && !is_eol(bytes[pos]);
        return Line { end: skip_eol(bytes, end), comment, ..Line::default() };
    }

    let mut pos = read_key(bytes, pos, opaque);
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
fn read_key(bytes: &[u8], mut pos: usize, opaque: &[Range<usize>]) -> usize {
    while pos < bytes.len() {
        if let Ok(i) = opaque.binary_search_by_key(&pos, |r| r.start) {
            pos = opaque[i].end;
            continue;
        }
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
    let opaque: Vec<Range<usize>> = items
        .iter()
        .filter(|i| matches!(i.kind, ItemKind::Placeholder(_) | ItemKind::Escape))
        .map(|i| i.span.range())
        .collect();
    let mut line = read_line(bytes, 0, &opaque);
    let mut line_start = 0;
    items
        .iter()
        .map(|item| {
            let offset = item.span.offset;
            while offset >= line.end && line.end > line_start {
                line_start = line.end;
                line = read_line(bytes, line_start, &opaque);
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
        whole: start == line.value_start && end == line.value_end,
        value: (line.value_start, line.value_end),
    }
}

pub(super) fn site(context: &Context) -> Site {
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
            let range = item.span.range();
            if spark && context.role == Role::Value && trims(text, range.clone(), value, context) {
                return Err(EncodeProblem::new(
                    index,
                    "the value starts or ends with whitespace, which Spark trims from spark-defaults.conf values",
                ));
            }
            let next = text.as_bytes().get(range.end).copied();
            if context.role == Role::Key && value.is_empty() && starts_line(text, range.start)
                && next.is_none_or(|b| is_blank(b) || is_eol(b))
            {
                return Err(EncodeProblem::new(
                    index,
                    "an empty value cannot be a key followed by whitespace",
                )
                .with_help("separate the key from its value with `=`"));
            }
            let mut encoded = escape(value, context.role == Role::Key, context.at_chunk_start);
            let mut range = range;
            if value.is_empty() && context.at_chunk_start && next.is_some_and(is_blank) {
                // The blank after an empty value would start the run and be skipped.
                encoded = escape(&char::from(next.unwrap_or(b' ')).to_string(), false, true);
                range.end += 1;
            }
            Ok(Some(Edit::new(range, encoded)))
        },
    ))
}

/// Whether Spark's trim of the whole value would cut into `value` written at `range`:
/// the value as read must trim to the trimmed text around the item with `value` in it.
fn trims(text: &str, range: std::ops::Range<usize>, value: &str, context: &Context) -> bool {
    let is_trimmed = |c: char| c <= ' ';
    let before = unescape(&text[context.value.0..range.start]);
    let after = unescape(&text[range.end..context.value.1]);
    let read = format!("{before}{value}{after}");
    let meant = format!(
        "{}{value}{}",
        before.trim_start_matches(is_trimmed),
        after.trim_end_matches(is_trimmed)
    );
    read.trim_matches(is_trimmed) != meant
}

/// Whether `offset` is the first non-blank byte of its line.
fn starts_line(text: &str, offset: usize) -> bool {
    text.as_bytes()[..offset].iter().rev().take_while(|&&b| !is_eol(b)).all(|&b| is_blank(b))
}

/// A run of value text as `Properties.load` reads it: escapes resolved, line
/// continuations and the blanks after them dropped.
fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some(eol @ ('\r' | '\n')) => {
                if eol == '\r' {
                    chars.next_if_eq(&'\n');
                }
                while chars.next_if(|c| matches!(c, ' ' | '\t' | '\x0c')).is_some() {}
            }
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('f') => out.push('\x0c'),
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                let unit = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32);
                out.push(unit.unwrap_or('\u{FFFD}'));
            }
            Some(c) => out.push(c),
            None => {}
        }
    }
    out
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
            // After a key ended by whitespace, a first `=` or `:` would be the separator.
            '=' | ':' if leading && i == 0 => {
                out.push('\\');
                out.push(c);
            }
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

    // Found by the `encode_properties` fuzz target: the `:` of `$<kv:` ended the key, so a
    // second placeholder on a key-only line was taken for a value and its `:` not escaped.
    #[test]
    fn the_colon_of_a_placeholder_never_ends_a_key() {
        let text = "$<kv:a/b>$<kv:a/b>\n$<kv:a/b> v\n";
        assert_eq!(roles(text), [(Role::Key, false), (Role::Key, false), (Role::Key, false)]);
        let items = scan(text);
        let contexts = analyze(text, &items);
        let edits = encode(text, &items, &contexts, &[Some("k:1"); 3], false).unwrap();
        assert!(edits.iter().all(|e| e.text.as_str() == "k\\:1"), "{edits:?}");
    }

    #[test]
    fn crlf_lines() {
        let text = "a=1\r\nb=$<kv:a/b>\r\n";
        assert_eq!(roles(text), [(Role::Value, true)]);
    }

    fn render(text: &str, value: &str, spark: bool) -> Result<String, Vec<EncodeProblem>> {
        let items = scan(text);
        let contexts = analyze(text, &items);
        let edits = encode(text, &items, &contexts, &[Some(value)], spark)?;
        Ok(String::from_utf8(super::super::apply(text.as_bytes(), &edits).to_vec()).unwrap())
    }

    /// `name: (template, value, spark) => rendered`, or `=> err` for a refusal.
    macro_rules! renders {
        ($($name:ident: ($text:expr, $value:expr, $spark:expr) => $expected:tt;)*) => {$(
            #[test]
            fn $name() {
                renders!(@check render($text, $value, $spark), $expected);
            }
        )*};
        (@check $got:expr, err) => { assert!($got.is_err()) };
        (@check $got:expr, $expected:expr) => { assert_eq!($got.unwrap(), $expected) };
    }

    // Found by the round-trip properties (tests/it/roundtrip).
    renders! {
        first_equals_after_blank_separator_is_escaped: ("k   $<kv:a/b>\n", "=x", false) => "k   \\=x\n";
        first_colon_is_escaped: ("k=$<kv:a/b>\n", ":x", true) => "k=\\:x\n";
        empty_value_keeps_the_blanks_after_it: ("k=$<kv:a/b>   \n", "", false) => "k=\\   \n";
        spark_trims_template_blanks_too: ("k $<kv:a/b>   \n", "x ", true) => err;
        spark_keeps_edge_blanks_inside_the_value: ("k a\\\n  $<kv:a/b>\\\n  b\n", " x ", true) => "k a\\\n  \\ x \\\n  b\n";
        spark_refuses_edge_blanks_at_the_value_edge: ("k $<kv:a/b>\n", "x\n", true) => err;
        empty_key_before_a_blank_is_refused: ("$<kv:a/b> v\n", "", false) => err;
        empty_key_before_equals_is_fine: ("$<kv:a/b>=v\n", "", false) => "=v\n";
    }

    #[test]
    fn escapes_as_java_reads_them() {
        assert_eq!(escape(" a\\b\nü😀", false, true), "\\ a\\\\b\\n\\u00FC\\uD83D\\uDE00");
        assert_eq!(escape(" a", false, false), " a");
        assert_eq!(escape("a=b c", true, false), "a\\=b\\ c");
    }
}
