//! `.env` pairs as the `dotenvy` crate reads them: `KEY=value` or `export KEY=value`,
//! values single-quoted, double-quoted or bare (a bare value ends at ` #`), `#` lines.

use super::{Pairs, ScalarKind, quoted_end, trim};

/// Reads the pairs of a dotenv file. Every value is text. A quoted value can run on over
/// line breaks, as dotenvy reads it: the lines it spans hold no pairs of their own.
pub(super) fn extract(text: &str) -> Pairs {
    let mut pairs = Pairs::new();
    let mut start = 0;
    while start < text.len() {
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let end = start + text[start..line_end].trim_end_matches('\r').len();
        let mut next = line_end + 1;
        if let Some((key, value)) = pair(text, start, end) {
            if value.end > end {
                next = text[value.end..].find('\n').map_or(text.len(), |i| value.end + i + 1);
            }
            pairs.push(key, 0, value, ScalarKind::Text);
        }
        start = next;
    }
    pairs
}

fn pair(text: &str, start: usize, end: usize) -> Option<(String, std::ops::Range<usize>)> {
    let line = &text[start..end];
    let body = line.trim_start();
    let body = body.strip_prefix("export ").map_or(body, str::trim_start);
    if body.starts_with('#') {
        return None;
    }
    let (key, _) = body.split_once('=')?;
    let key = key.trim();
    if key.is_empty() || key.contains(char::is_whitespace) {
        return None;
    }
    let value_start = end - body.len() + body.find('=')? + 1;
    Some((key.to_owned(), value(text, value_start, end)))
}

/// The value's content: inside its quotes (which may close on a later line), or a bare
/// value up to an inline comment.
fn value(text: &str, start: usize, end: usize) -> std::ops::Range<usize> {
    let range = trim(text, start..end);
    match text.as_bytes().get(range.start) {
        Some(&quote @ (b'"' | b'\'')) if range.start < end => {
            range.start + 1..quoted_end(text, range.start, quote, quote == b'"')
        }
        _ => {
            let bare = &text[range.clone()];
            let cut = bare.find(" #").or_else(|| bare.find("\t#")).unwrap_or(bare.len());
            trim(text, range.start..range.start + cut)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::shown;
    use super::*;

    #[test]
    fn bare_quoted_and_exported_values() {
        let text =
            "# c\nA=1\nexport B='two'\nC=\"th\\\"ree\" # x\nD=bare # comment\nE=\nnot a pair\n";
        let expected = [("A", "1"), ("B", "two"), ("C", "th\\\"ree"), ("D", "bare"), ("E", "")];
        assert_eq!(shown(&extract(text), text), expected.map(|(k, v)| (k.into(), v.into())));
    }

    #[test]
    fn quoted_values_run_on_over_line_breaks() {
        let text = "A=\"one\r\nB=two\" # c\nC='x\ny'\nD=4\nE=\"open\nF=5\n";
        let expected = [("A", "one\r\nB=two"), ("C", "x\ny"), ("D", "4"), ("E", "open\nF=5\n")];
        assert_eq!(shown(&extract(text), text), expected.map(|(k, v)| (k.into(), v.into())));
    }
}
