//! YAML pairs from `saphyr-parser` events: each mapping key with a scalar value. Plain
//! scalars that YAML types as booleans, numbers or null are marked typed.

use std::ops::Range;

use saphyr_parser::{Event, ScalarStyle};

use super::{Pairs, ScalarKind, quoted_end, trim};

/// Where the walk is: inside a mapping (waiting for a key, or for the value of one) or
/// a sequence.
enum Frame {
    Mapping { id: usize, pending: Pending },
    Sequence { parent_key: Option<String> },
}

/// What a mapping waits for next. A key that is itself a mapping or a sequence (a
/// complex key) leaves `Value(None)`, so its value is skipped.
enum Pending {
    Key,
    Value(Option<String>),
}

/// Reads the pairs of a YAML stream, stopping quietly at the first syntax error.
pub(super) fn extract(text: &str) -> Pairs {
    let mut walk = Walk::new(text);
    let _ = crate::filetype::yaml_events(text, |event, range| walk.event(&event, range));
    walk.finish()
}

/// Builds the pairs of a YAML stream from its parse events, for a caller that parses the
/// file for other reasons too.
pub(crate) struct Walk<'t> {
    text: &'t str,
    pairs: Pairs,
    stack: Vec<Frame>,
}

impl<'t> Walk<'t> {
    pub(crate) fn new(text: &'t str) -> Self {
        Self { text, pairs: Pairs::new(), stack: Vec::new() }
    }

    /// The pairs of the events seen so far.
    pub(crate) fn finish(self) -> Pairs {
        self.pairs
    }
}

impl Walk<'_> {
    /// Takes the next event of the parse, with its byte range.
    pub(crate) fn event(&mut self, event: &Event<'_>, range: Range<usize>) {
        match event {
            Event::MappingStart(..) => {
                let parent = self.container_key();
                let id = self.pairs.open(parent);
                self.stack.push(Frame::Mapping { id, pending: Pending::Key });
            }
            Event::SequenceStart(..) => {
                let parent_key = self.container_key();
                self.stack.push(Frame::Sequence { parent_key });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            Event::Scalar(value, style, ..) => self.scalar(value, *style, range),
            Event::Alias(_) => self.node_without_pair(),
            _ => {}
        }
    }

    /// A mapping or sequence starts: it is the value of the pending key (the key it
    /// belongs to is returned), a sequence item, or a complex key.
    fn container_key(&mut self) -> Option<String> {
        match self.stack.last_mut() {
            Some(Frame::Mapping { pending, .. }) => {
                match std::mem::replace(pending, Pending::Key) {
                    Pending::Key => {
                        *pending = Pending::Value(None);
                        None
                    }
                    Pending::Value(key) => key,
                }
            }
            Some(Frame::Sequence { parent_key }) => parent_key.clone(),
            None => None,
        }
    }

    fn node_without_pair(&mut self) {
        if let Some(Frame::Mapping { pending, .. }) = self.stack.last_mut() {
            *pending = match pending {
                Pending::Key => Pending::Value(None),
                Pending::Value(_) => Pending::Key,
            };
        }
    }

    fn scalar(&mut self, value: &str, style: ScalarStyle, range: Range<usize>) {
        let Some(Frame::Mapping { id, pending }) = self.stack.last_mut() else {
            return;
        };
        let id = *id;
        match std::mem::replace(pending, Pending::Key) {
            Pending::Key => *pending = Pending::Value(Some(value.to_string())),
            Pending::Value(None) => {}
            Pending::Value(Some(key)) => {
                let range = self.value_range(style, range);
                self.pairs.push(key, id, range, kind(value, style));
            }
        }
    }

    /// The bytes of a scalar's content. The parser's span end is not reliable for
    /// quoted scalars (it can run past the closing quote), so quotes are matched here.
    fn value_range(&self, style: ScalarStyle, range: Range<usize>) -> Range<usize> {
        let Range { start, end } = range;
        match style {
            ScalarStyle::DoubleQuoted => start + 1..quoted_end(self.text, start, b'"', true),
            ScalarStyle::SingleQuoted => start + 1..quoted_end(self.text, start, b'\'', false),
            _ => trim(self.text, start..end),
        }
    }
}

/// Plain scalars that YAML 1.1 or 1.2 reads as something other than a string.
fn kind(value: &str, style: ScalarStyle) -> ScalarKind {
    if style == ScalarStyle::Plain && is_typed(value) {
        ScalarKind::Typed
    } else {
        ScalarKind::Text
    }
}

fn is_typed(value: &str) -> bool {
    const WORDS: &[&str] = &["true", "false", "yes", "no", "on", "off", "y", "n", "null", "~", ""];
    let lower = value.to_ascii_lowercase();
    WORDS.contains(&lower.as_str()) || is_number(&lower)
}

/// Integers, floats, hex, octal, `.inf` and `.nan`, with `_` separators (YAML 1.1).
pub(crate) fn is_number(lower: &str) -> bool {
    let body = lower.trim_start_matches(['+', '-']);
    if matches!(body, ".inf" | ".nan") {
        return true;
    }
    let digits = body.strip_prefix("0x").or_else(|| body.strip_prefix("0o")).unwrap_or(body);
    let hex = digits.len() < body.len() && body.starts_with("0x");
    !digits.is_empty()
        && digits.chars().any(|c| c.is_ascii_digit() || hex && c.is_ascii_hexdigit())
        && digits.chars().all(|c| {
            c.is_ascii_digit()
                || c == '_'
                || c == '.'
                || (hex && c.is_ascii_hexdigit())
                || (!hex && matches!(c, 'e' | '+' | '-'))
        })
}

#[cfg(test)]
mod tests {
    use super::super::tests::shown;
    use super::*;

    #[test]
    fn scalar_values_with_their_spans() {
        let text =
            "a:\n  b: \"x\\\"y\"  # c\n  c: 'q''r'\n  d: plain text\n  e: |\n    lit\n  f: [1]\n";
        let pairs = extract(text);
        assert_eq!(
            shown(&pairs, text),
            [("b", "x\\\"y"), ("c", "q''r"), ("d", "plain text"), ("e", "lit")]
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
        assert_eq!(pairs.mappings[pairs.pairs[0].mapping].parent_key.as_deref(), Some("a"));
    }

    #[test]
    fn typed_plain_scalars() {
        use ScalarKind::{Text, Typed};
        let text = "a: true\nb: 'true'\nc: 12_000\nd: ~\ne: 0x1F\nf: s3cr3t\ng: 1.5e3\n";
        let kinds: Vec<_> = extract(text).pairs.iter().map(|p| p.kind).collect();
        assert_eq!(kinds, [Typed, Text, Typed, Typed, Typed, Text, Typed]);
    }

    #[test]
    fn sequence_items_know_their_key() {
        let text = "headers:\n- name: X-Api-Key\n  value: abc\n";
        let pairs = extract(text);
        assert_eq!(pairs.mappings[pairs.pairs[1].mapping].parent_key.as_deref(), Some("headers"));
    }

    #[test]
    fn unicode_offsets_are_bytes() {
        let text = "schlüssel: wert\npassword: \"ü1\"\n";
        assert_eq!(shown(&extract(text), text)[1].1, "ü1");
    }

    #[test]
    fn stops_at_a_syntax_error() {
        let text = "a: 1\nb: [\n";
        assert_eq!(extract(text).pairs.len(), 1);
    }
}
