//! JSON pairs from a small string-aware pass: object members whose value is a string
//! (text) or a number, `true`, `false` or `null` (typed). No tree is built, so every
//! value keeps its exact byte span, and invalid JSON yields what came before the fault.

use super::{Pairs, ScalarKind, quoted_end};

enum Frame {
    Object { id: usize, key: Option<String> },
    Array { parent_key: Option<String> },
}

/// Reads the pairs of a JSON document.
pub(super) fn extract(text: &str) -> Pairs {
    let mut pass = Pass { text, pairs: Pairs::new(), stack: Vec::new() };
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        i = match bytes[i] {
            b'{' => pass.open_object(i),
            b'[' => pass.open_array(i),
            b'}' | b']' => pass.close(i),
            b'"' => pass.string(i),
            b if b.is_ascii_whitespace() || b == b',' || b == b':' => i + 1,
            _ => pass.literal(i),
        };
    }
    pass.pairs
}

struct Pass<'t> {
    text: &'t str,
    pairs: Pairs,
    stack: Vec<Frame>,
}

impl Pass<'_> {
    fn open_object(&mut self, at: usize) -> usize {
        let parent = self.value_key();
        let id = self.pairs.open(parent);
        self.stack.push(Frame::Object { id, key: None });
        at + 1
    }

    fn open_array(&mut self, at: usize) -> usize {
        let parent_key = self.value_key();
        self.stack.push(Frame::Array { parent_key });
        at + 1
    }

    fn close(&mut self, at: usize) -> usize {
        self.stack.pop();
        at + 1
    }

    /// The key whose value starts here (taking it), or the key of the enclosing array.
    fn value_key(&mut self) -> Option<String> {
        match self.stack.last_mut() {
            Some(Frame::Object { key, .. }) => key.take(),
            Some(Frame::Array { parent_key }) => parent_key.clone(),
            None => None,
        }
    }

    fn string(&mut self, at: usize) -> usize {
        let end = quoted_end(self.text, at, b'"', true);
        let content = at + 1..end;
        match self.stack.last_mut() {
            Some(Frame::Object { key: key @ None, .. }) => {
                let raw = &self.text[at..(end + 1).min(self.text.len())];
                *key = Some(serde_json::from_str(raw).unwrap_or_else(|_| raw.to_owned()));
            }
            Some(Frame::Object { id, key: key @ Some(_) }) => {
                let (id, name) = (*id, key.take().unwrap_or_default());
                self.pairs.push(name, id, content, ScalarKind::Text);
            }
            _ => {}
        }
        end + 1
    }

    fn literal(&mut self, at: usize) -> usize {
        let rest = &self.text.as_bytes()[at..];
        let len = rest
            .iter()
            .position(|b| b.is_ascii_whitespace() || b",:{}[]\"".contains(b))
            .unwrap_or(rest.len())
            .max(1);
        if let Some(Frame::Object { id, key: key @ Some(_) }) = self.stack.last_mut() {
            let (id, name) = (*id, key.take().unwrap_or_default());
            // A bare word that is no JSON literal (`"password": hunter2`) is text, and is
            // checked (and masked) as a credential value would be.
            let token = &self.text[at..at + len];
            let typed = serde_json::from_str::<serde::de::IgnoredAny>(token).is_ok();
            let kind = if typed { ScalarKind::Typed } else { ScalarKind::Text };
            self.pairs.push(name, id, at..at + len, kind);
        }
        at + len
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::shown;
    use super::*;

    #[test]
    fn members_with_string_and_typed_values() {
        let text = r#"{"a": {"pass\u0077ord": "x\"y", "n": 3, "t": true}, "l": ["s", {"k": "v"}]}"#;
        let pairs = extract(text);
        let expected = [("password", "x\\\"y"), ("n", "3"), ("t", "true"), ("k", "v")];
        assert_eq!(shown(&pairs, text), expected.map(|(k, v)| (k.to_owned(), v.to_owned())));
        assert_eq!(pairs.pairs[2].kind, ScalarKind::Typed);
        assert_eq!(pairs.mappings[pairs.pairs[3].mapping].parent_key.as_deref(), Some("l"));
    }

    #[test]
    fn bare_words_that_are_no_literal_are_text() {
        let text = r#"{"a": 1e3, "b": null, "password": hunter2, "p": $<kv:kv-app/x>}"#;
        let kinds: Vec<_> = extract(text).pairs.iter().map(|p| p.kind).collect();
        assert_eq!(
            kinds,
            [ScalarKind::Typed, ScalarKind::Typed, ScalarKind::Text, ScalarKind::Text]
        );
    }

    #[test]
    fn truncated_input_keeps_what_was_read() {
        let text = r#"{"a": "b", "c": "d"#;
        assert_eq!(shown(&extract(text), text).len(), 2);
    }
}
