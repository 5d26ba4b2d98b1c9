//! JSON: a placeholder sits inside a string (JSON escapes) or bare, where the value must
//! itself be a JSON number, boolean or null. A string-aware pass is all the reading
//! needed; JSON has no comments.

use std::sync::LazyLock;

use super::{Edit, EncodeProblem, Site, collect, escaped_problem, is_escaped, json_escape};
use crate::scan::Item;

/// For each item, whether it starts inside a string.
fn in_string(text: &str, items: &[Item<'_>]) -> Vec<bool> {
    let bytes = text.as_bytes();
    let mut inside = false;
    let mut pos = 0;
    items
        .iter()
        .map(|item| {
            let target = item.span.offset;
            while pos < target {
                if inside {
                    match memchr::memchr2(b'"', b'\\', &bytes[pos..target]) {
                        Some(i) if bytes[pos + i] == b'\\' => pos += i + 2,
                        Some(i) => {
                            inside = false;
                            pos += i + 1;
                        }
                        None => pos = target,
                    }
                } else {
                    match memchr::memchr(b'"', &bytes[pos..target]) {
                        Some(i) => {
                            inside = true;
                            pos += i + 1;
                        }
                        None => pos = target,
                    }
                }
            }
            // An escape right before the item jumps past its first byte; the item is then
            // still inside the string.
            pos = pos.max(target);
            inside
        })
        .collect()
}

pub(super) fn sites(text: &str, items: &[Item<'_>]) -> Vec<Site> {
    let bytes = text.as_bytes();
    items
        .iter()
        .zip(in_string(text, items))
        .map(|(item, inside)| {
            let before = item.span.offset.checked_sub(1).map(|i| bytes[i]);
            let after = bytes.get(item.span.end()).copied();
            let whole_value =
                if inside { before == Some(b'"') && after == Some(b'"') } else { true };
            Site { in_comment: false, whole_value }
        })
        .collect()
}

pub(super) fn encode(
    text: &str,
    items: &[Item<'_>],
    replacements: &[Option<&str>],
) -> Result<Vec<Edit>, Vec<EncodeProblem>> {
    let inside = in_string(text, items);
    collect(items.iter().zip(replacements).zip(inside).enumerate().map(
        |(index, ((item, replacement), inside))| {
            let Some(value) = replacement else { return Ok(None) };
            let range = item.span.range();
            if inside {
                if is_escaped(text, item.span.offset) {
                    return Err(escaped_problem(index));
                }
                Ok(Some(Edit::new(range, json_escape(value))))
            } else if !stands_alone(text, range.clone()) {
                Err(EncodeProblem::new(
                    index,
                    "outside a JSON string a placeholder must be a whole value, with nothing beside it",
                )
                .with_help("put the placeholder inside a string: \"$<kv:...>\""))
            } else if is_bare_literal(value) {
                Ok(Some(Edit::new(range, (*value).to_owned())))
            } else {
                Err(EncodeProblem::new(
                    index,
                    "outside a JSON string the value must be a JSON number, `true`, `false` or `null`",
                )
                .with_help("put the placeholder inside a string: \"$<kv:...>\""))
            }
        },
    ))
}

/// Whether the bare text at `range` is a whole JSON value: only blanks between it and the
/// `:`, `[` or `,` before it (or the start) and the `,`, `]` or `}` after it (or the end).
/// Next to other text (`-$<kv:..>`, `0$<kv:..>`, two placeholders) the value would join it
/// into another token, whatever the value is.
fn stands_alone(text: &str, range: std::ops::Range<usize>) -> bool {
    let blank = |c: char| matches!(c, ' ' | '\t' | '\n' | '\r');
    let before = text[..range.start].trim_end_matches(blank);
    let after = text[range.end..].trim_start_matches(blank);
    matches!(before.chars().next_back(), None | Some(':' | '[' | ','))
        && matches!(after.chars().next(), None | Some(',' | ']' | '}'))
}

/// Whether `value` is, by itself, a JSON number, `true`, `false` or `null`. Numbers follow
/// the grammar of RFC 8259, whatever their size: `1e400` and a 400-digit integer are JSON
/// numbers, though `serde_json` (without arbitrary precision) would not read them.
fn is_bare_literal(value: &str) -> bool {
    static NUMBER: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(r"^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$")
            .expect("valid regex")
    });
    matches!(value, "true" | "false" | "null") || NUMBER.is_match(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::scan;

    fn render(text: &str, value: &str) -> Result<String, Vec<EncodeProblem>> {
        let items = scan(text);
        let replacements = vec![Some(value); items.len()];
        let edits = encode(text, &items, &replacements)?;
        Ok(String::from_utf8(super::super::apply(text.as_bytes(), &edits).to_vec()).unwrap())
    }

    #[test]
    fn strings_get_json_escapes() {
        let out = render(r#"{"a": "x$<kv:kv/s>y"}"#, "q\"\\\n\u{1}").unwrap();
        assert_eq!(out, r#"{"a": "xq\"\\\n\u0001y"}"#);
    }

    #[test]
    fn escaped_quotes_do_not_end_a_string() {
        let text = r#"{"a\"": "\"$<kv:kv/s>"}"#;
        assert_eq!(render(text, "v").unwrap(), r#"{"a\"": "\"v"}"#);
    }

    #[test]
    fn bare_positions_take_literals_only() {
        assert_eq!(render(r#"{"port": $<kv:kv/s>}"#, "1433").unwrap(), r#"{"port": 1433}"#);
        assert!(render(r#"{"port": $<kv:kv/s>}"#, "x").is_err());
        assert!(render(r#"{"port": $<kv:kv/s>}"#, " 1").is_err());
        let huge = "9".repeat(400);
        for value in ["1e400", "-0.5E-3", "0", "true", "null", huge.as_str()] {
            let out = render(r#"{"n": $<kv:kv/s>}"#, value).unwrap();
            assert_eq!(out, format!(r#"{{"n": {value}}}"#));
        }
        for value in ["01", "1.", ".5", "+1", "1e", "0x1F", "NaN", "Infinity", "True", "-", ""] {
            assert!(render(r#"{"n": $<kv:kv/s>}"#, value).is_err(), "{value:?}");
        }
        assert_eq!(render("[\n  $<kv:kv/s> ,\r\n$<kv:kv/s>]", "1").unwrap(), "[\n  1 ,\r\n1]");
        assert_eq!(render("$<kv:kv/s>", "null").unwrap(), "null");
    }

    /// A fresh user's report: a bare value was checked alone, not with the text beside it.
    #[test]
    fn a_bare_placeholder_must_be_a_whole_value() {
        for text in [
            r#"{"p": $<kv:kv/s>$<kv:kv/s>}"#,
            r#"{"p": -$<kv:kv/s>}"#,
            r#"{"p": 0$<kv:kv/s>}"#,
            r#"{"p": t$<kv:kv/s>}"#,
            r#"{"p": $<kv:kv/s>1}"#,
            r#"{"p": $<kv:kv/s> 1}"#,
        ] {
            assert!(render(text, "1").is_err(), "{text}");
        }
    }

    #[test]
    fn whole_value_is_a_string_of_only_the_placeholder() {
        let text = r#"{"a": "$<kv:kv/s>", "b": "x $<kv:kv/s>"}"#;
        let items = scan(text);
        let sites = sites(text, &items);
        assert!(sites[0].whole_value);
        assert!(!sites[1].whole_value);
    }
}
