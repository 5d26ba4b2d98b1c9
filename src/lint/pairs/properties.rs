//! `.properties` and `spark-defaults.conf` pairs, by the rules of Java's
//! `Properties.load`: `key=value`, `key: value` or `key value`; `#` and `!` comment
//! lines; a line ending in an odd number of backslashes continues on the next.

use std::ops::Range;

use super::{Pairs, ScalarKind, trim};

/// Reads the pairs of a properties file. Every value is text.
pub(super) fn extract(text: &str, _spark: bool) -> Pairs {
    let mut pairs = Pairs::new();
    let mut lines = physical_lines(text).peekable();
    while let Some(first) = lines.next() {
        let line = &text[first.clone()];
        let body = line.trim_start_matches([' ', '\t', '\x0c']);
        if body.is_empty() || body.starts_with(['#', '!']) {
            continue;
        }
        let mut end = first.end;
        let mut last = first.clone();
        while continues(&text[last.clone()]) {
            let Some(next) = lines.next() else { break };
            end = next.end;
            last = next;
        }
        let start = first.start + (line.len() - body.len());
        if let Some((key, value)) = split(text, start..end) {
            pairs.push(key, 0, value, ScalarKind::Text);
        }
    }
    pairs
}

/// The byte ranges of the lines, without their `\n` or `\r\n`.
fn physical_lines(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut start = 0;
    text.split_inclusive('\n').map(move |line| {
        let range = start..start + line.trim_end_matches(['\n', '\r']).len();
        start += line.len();
        range
    })
}

/// Whether a line ends in an odd number of backslashes.
fn continues(line: &str) -> bool {
    line.bytes().rev().take_while(|&b| b == b'\\').count() % 2 == 1
}

/// Splits a logical line (starting at its key) into the key and the value's range.
fn split(text: &str, line: Range<usize>) -> Option<(String, Range<usize>)> {
    let bytes = text.as_bytes();
    let mut i = line.start;
    let mut key = String::new();
    while i < line.end && !matches!(bytes[i], b'=' | b':' | b' ' | b'\t' | b'\x0c') {
        if bytes[i] == b'\\' && i + 1 < line.end {
            i += 1;
        }
        let c = text[i..].chars().next()?;
        key.push(c);
        i += c.len_utf8();
    }
    while i < line.end && matches!(bytes[i], b' ' | b'\t' | b'\x0c') {
        i += 1;
    }
    if i < line.end && matches!(bytes[i], b'=' | b':') {
        i += 1;
    }
    (!key.is_empty()).then(|| (key, trim(text, i..line.end)))
}

#[cfg(test)]
mod tests {
    use super::super::tests::shown;
    use super::*;

    #[test]
    fn java_separators_comments_and_continuations() {
        let text = "# c\n! c\na=1\r\nb : two\nc three  \n  d\\=e=x\\\n    y\nempty=\n";
        let expected =
            [("a", "1"), ("b", "two"), ("c", "three"), ("d=e", "x\\\n    y"), ("empty", "")];
        assert_eq!(shown(&extract(text, false), text), expected.map(|(k, v)| (k.into(), v.into())));
    }

    #[test]
    fn spark_conf_whitespace_separator() {
        let text = "spark.a.password   $<kv:kv/x>\n";
        assert_eq!(shown(&extract(text, true), text)[0].1, "$<kv:kv/x>");
    }
}
