//! HOCON (Typesafe Config): `#` and `//` comments outside quoted strings, `"quoted"`
//! strings with JSON escapes, `"""triple-quoted"""` raw strings, and unquoted text, where
//! a value is written as a quoted string that HOCON joins to its neighbours.

use super::{Edit, EncodeProblem, Site, collect, escaped_problem, is_escaped, json_escape};
use crate::scan::Item;

/// Where an item sits in a HOCON file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Context {
    /// In a `#` or `//` comment.
    Comment,
    /// In a `"quoted"` string.
    Quoted {
        /// The quotes hold only the item.
        whole: bool,
    },
    /// In a `"""triple-quoted"""` string whose text starts at `start`.
    Triple {
        /// Where the string's text starts, after the opening quotes.
        start: usize,
    },
    /// In unquoted text.
    Unquoted {
        /// The item is the whole value of its field.
        whole: bool,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Normal,
    Quoted,
    Triple,
    Comment,
}

struct Lexer<'a> {
    bytes: &'a [u8],
    pos: usize,
    state: State,
    /// Where the last triple-quoted string's text starts.
    triple_start: usize,
}

impl Lexer<'_> {
    /// Moves to `target`, or just past it when an escape or a token straddles it.
    fn advance_to(&mut self, target: usize) {
        while self.pos < target {
            let b = self.bytes[self.pos];
            let next = |n: usize| self.bytes.get(self.pos + n).copied();
            match self.state {
                State::Normal => match b {
                    b'"' if next(1) == Some(b'"') && next(2) == Some(b'"') => {
                        self.state = State::Triple;
                        self.pos += 3;
                        self.triple_start = self.pos;
                    }
                    b'"' => {
                        self.state = State::Quoted;
                        self.pos += 1;
                    }
                    b'#' => self.state = State::Comment,
                    b'/' if next(1) == Some(b'/') => self.state = State::Comment,
                    _ => self.pos += 1,
                },
                State::Quoted => {
                    match b {
                        b'\\' => self.pos += 1,
                        b'"' | b'\n' => self.state = State::Normal,
                        _ => {}
                    }
                    self.pos += 1;
                }
                State::Triple => {
                    let run = self.bytes[self.pos..].iter().take_while(|&&c| c == b'"').count();
                    if run >= 3 {
                        self.state = State::Normal;
                        self.pos += run;
                    } else {
                        self.pos += run.max(1);
                    }
                }
                State::Comment => match memchr::memchr(b'\n', &self.bytes[self.pos..target]) {
                    Some(i) => {
                        self.state = State::Normal;
                        self.pos += i + 1;
                    }
                    None => self.pos = target,
                },
            }
        }
    }
}

pub(super) fn analyze(text: &str, items: &[Item<'_>]) -> Vec<Context> {
    let bytes = text.as_bytes();
    let mut lexer = Lexer { bytes, pos: 0, state: State::Normal, triple_start: 0 };
    items
        .iter()
        .map(|item| {
            lexer.advance_to(item.span.offset);
            let (start, end) = (item.span.offset, item.span.end());
            match lexer.state {
                State::Comment => Context::Comment,
                State::Quoted => Context::Quoted {
                    whole: start > 0
                        && bytes[start - 1] == b'"'
                        && !is_escaped(text, start - 1)
                        && bytes.get(end) == Some(&b'"'),
                },
                State::Triple => Context::Triple { start: lexer.triple_start },
                State::Normal => Context::Unquoted { whole: is_whole_unquoted(bytes, start, end) },
            }
        })
        .collect()
}

/// Whether an unquoted item is a field's whole value: a separator before it and the end
/// of the value after it.
fn is_whole_unquoted(bytes: &[u8], start: usize, end: usize) -> bool {
    let before = bytes[..start].iter().rev().find(|b| !matches!(b, b' ' | b'\t'));
    let after = bytes[end..].iter().find(|b| !matches!(b, b' ' | b'\t'));
    matches!(before, Some(b'=' | b':'))
        && matches!(after, None | Some(b'\n' | b'\r' | b',' | b'}' | b'#'))
}

pub(super) fn site(context: &Context) -> Site {
    let whole_value = match *context {
        Context::Quoted { whole } | Context::Unquoted { whole } => whole,
        Context::Comment | Context::Triple { .. } => false,
    };
    Site { in_comment: *context == Context::Comment, whole_value }
}

pub(super) fn encode(
    text: &str,
    items: &[Item<'_>],
    contexts: &[Context],
    replacements: &[Option<&str>],
) -> Result<Vec<Edit>, Vec<EncodeProblem>> {
    collect(
        items
            .iter()
            .zip(contexts)
            .zip(replacements)
            .enumerate()
            .map(|(index, ((item, context), replacement))| {
                let Some(value) = replacement else {
                    return Ok(None);
                };
                let range = item.span.range();
                match context {
                    Context::Comment => Ok(None),
                    Context::Quoted { .. } if is_escaped(text, item.span.offset) => {
                        Err(escaped_problem(index))
                    }
                    Context::Quoted { .. } => Ok(Some(Edit::new(range, json_escape(value)))),
                    Context::Triple { start } if !keeps_triple_end(text, *start, &range, value) => {
                        Err(EncodeProblem::new(
                            index,
                            "a triple-quoted HOCON string cannot hold this value: with its neighbours it makes `\"\"\"`",
                        )
                        .with_help("use a \"quoted\" string around the placeholder"))
                    }
                    Context::Triple { .. } => Ok(Some(Edit::new(range, (*value).to_owned()))),
                    Context::Unquoted { .. } => Ok(Some(Edit::quoted(
                        range,
                        format!("\"{}\"", json_escape(value)),
                    ))),
                }
            }),
    )
}

/// Where a triple-quoted string's text ends: at the first `"""`, where quotes beyond
/// three in that run still belong to the text.
fn triple_end(text: &str) -> Option<usize> {
    let close = text.find("\"\"\"")?;
    let run = text[close..].bytes().take_while(|&b| b == b'"').count();
    Some(close + run - 3)
}

/// Whether the triple-quoted string whose text starts at `start` still ends where it did
/// with `value` in place of `range` (no `"""` in the value or made with its neighbours).
fn keeps_triple_end(text: &str, start: usize, range: &std::ops::Range<usize>, value: &str) -> bool {
    let Some(end) = triple_end(&text[start..]) else {
        return false;
    };
    let new_text = format!("{}{value}{}", &text[start..range.start], &text[range.end..]);
    triple_end(&new_text) == Some(end - range.len() + value.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::scan;

    #[test]
    fn contexts() {
        let text = "a = \"$<kv:a/b>\" # $<kv:a/b>\nb = $<kv:a/b>\nc = \"\"\"x$<kv:a/b>\"\"\"\nd = \"http://x\" // $<kv:a/b>\ne = \"\\\"$<kv:a/b>\"\n";
        let items = scan(text);
        assert_eq!(
            analyze(text, &items),
            [
                Context::Quoted { whole: true },
                Context::Comment,
                Context::Unquoted { whole: true },
                Context::Triple { start: 49 },
                Context::Comment,
                Context::Quoted { whole: false },
            ]
        );
    }

    #[test]
    fn triple_quotes_made_with_the_neighbours_are_refused() {
        // Found by the round-trip properties: `""` before a `"` closed the string early.
        let encode_one = |text: &str, value: &str| {
            let items = scan(text);
            let contexts = analyze(text, &items);
            encode(text, &items, &contexts, &[Some(value)])
        };
        assert!(encode_one("k = \"\"\"$<kv:a/b>\"x\"\"\"\n", "a\"\"").is_err());
        assert!(encode_one("k = \"\"\"x\"$<kv:a/b>\"\"\"\n", "\"\"a").is_err());
        assert!(encode_one("k = \"\"\"$<kv:a/b>\"\"\"\n", "a\"\"").is_ok());
        // Quotes beyond three in the closing run belong to the string.
        assert!(encode_one("k = \"\"\"$<kv:a/b>\"\"\"\n", "\"\"\"").is_ok());
        assert!(encode_one("k = \"\"\"$<kv:a/b>b\"\"\"\n", "a\"\"\"").is_err());
    }

    #[test]
    fn unquoted_values_become_quoted_strings() {
        let text = "b = $<kv:a/b>\n";
        let items = scan(text);
        let contexts = analyze(text, &items);
        let edits = encode(text, &items, &contexts, &[Some("x\"y")]).unwrap();
        assert_eq!(&*super::super::apply(text.as_bytes(), &edits), b"b = \"x\\\"y\"\n");
    }
}
