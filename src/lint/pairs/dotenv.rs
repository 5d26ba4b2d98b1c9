//! `.env` pairs as the `dotenvy` crate reads them: `KEY=value` or `export KEY=value`,
//! values single-quoted, double-quoted or bare (a bare value ends at ` #`), `#` lines.

use super::{Pairs, ScalarKind, quoted_end, trim};

/// Reads the pairs of a dotenv file. Every value is text.
pub(super) fn extract(text: &str) -> Pairs {
    let mut pairs = Pairs::new();
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let end = start + line.trim_end_matches(['\n', '\r']).len();
        if let Some((key, value)) = pair(text, start, end) {
            pairs.push(key, 0, value, ScalarKind::Text);
        }
        start += line.len();
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

/// The value's content: inside its quotes, or a bare value up to an inline comment.
fn value(text: &str, start: usize, end: usize) -> std::ops::Range<usize> {
    let range = trim(text, start..end);
    let line = &text[..end];
    match text.as_bytes().get(range.start) {
        Some(&quote @ (b'"' | b'\'')) if range.start < end => {
            range.start + 1..quoted_end(line, range.start, quote, quote == b'"')
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
}
