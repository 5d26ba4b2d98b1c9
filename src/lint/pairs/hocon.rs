//! HOCON pairs: `key = value`, `key: value`, `key += value` and `key { ... }` nesting,
//! with quoted and dotted keys, `#` and `//` comments outside quoted strings, and value
//! concatenation (`"x"${y}`) read as one value.

use super::{Pairs, ScalarKind, quoted_end, trim};

enum Frame {
    Object { id: usize },
    Array { parent_key: Option<String> },
}

/// Reads the pairs of a HOCON file.
pub(super) fn extract(text: &str) -> Pairs {
    let mut reader =
        Reader { text, bytes: text.as_bytes(), pairs: Pairs::new(), stack: Vec::new() };
    reader.run();
    reader.pairs
}

struct Reader<'t> {
    text: &'t str,
    bytes: &'t [u8],
    pairs: Pairs,
    stack: Vec<Frame>,
}

impl Reader<'_> {
    fn run(&mut self) {
        let mut i = 0;
        while i < self.bytes.len() {
            i = match self.bytes[i] {
                b if b.is_ascii_whitespace() || b == b',' => i + 1,
                b'#' => self.line_end(i),
                b'/' if self.bytes.get(i + 1) == Some(&b'/') => self.line_end(i),
                b'{' => self.open_object(i, None),
                b'[' => self.open_array(i, None),
                b'}' | b']' => {
                    self.stack.pop();
                    i + 1
                }
                _ if matches!(self.stack.last(), Some(Frame::Array { .. })) => self.skip_value(i),
                _ => self.field(i),
            };
        }
    }

    fn mapping(&self) -> usize {
        match self.stack.last() {
            Some(Frame::Object { id }) => *id,
            _ => 0,
        }
    }

    fn open_object(&mut self, at: usize, key: Option<String>) -> usize {
        let parent = key.or_else(|| match self.stack.last() {
            Some(Frame::Array { parent_key }) => parent_key.clone(),
            _ => None,
        });
        let id =
            if self.stack.is_empty() && parent.is_none() { 0 } else { self.pairs.open(parent) };
        self.stack.push(Frame::Object { id });
        at + 1
    }

    fn open_array(&mut self, at: usize, parent_key: Option<String>) -> usize {
        self.stack.push(Frame::Array { parent_key });
        at + 1
    }

    /// One field: a key, a separator, and a value or an object.
    fn field(&mut self, at: usize) -> usize {
        let (key, mut i) = self.key(at);
        if key.is_empty() {
            return self.line_end(at);
        }
        if key == "include" {
            return self.line_end(i);
        }
        i = self.skip_blanks(i);
        if self.text[i..].starts_with("+=") {
            i += 2;
        } else if matches!(self.bytes.get(i), Some(b'=' | b':')) {
            i += 1;
        }
        i = self.skip_blanks(i);
        match self.bytes.get(i) {
            Some(b'{') => self.open_object(i, Some(key)),
            Some(b'[') => self.open_array(i, Some(key)),
            _ => self.value(key, i),
        }
    }

    /// A key path such as `a.b."c.d"`, unquoted, and the offset behind it.
    fn key(&self, at: usize) -> (String, usize) {
        let mut key = String::new();
        let mut i = at;
        while let Some(&b) = self.bytes.get(i) {
            if b == b'"' {
                let end = quoted_end(self.text, i, b'"', true);
                key.push_str(&self.text[i + 1..end]);
                i = end + 1;
            } else if b.is_ascii_whitespace() || b"=:{}[],#+".contains(&b) || self.is_comment(i) {
                break;
            } else {
                let c = self.text[i..].chars().next().unwrap_or(' ');
                key.push(c);
                i += c.len_utf8();
            }
        }
        (key, i)
    }

    /// A simple value (possibly a concatenation) up to the end of the field.
    fn value(&mut self, key: String, at: usize) -> usize {
        let end = self.value_end(at);
        let range = trim(self.text, at..end);
        let raw = &self.text[range.clone()];
        let single_string = raw.starts_with('"') && quoted_end(raw, 0, b'"', true) + 1 == raw.len();
        let (range, kind) = if raw.starts_with("\"\"\"") && raw.len() >= 6 {
            (range.start + 3..range.end - 3, ScalarKind::Text)
        } else if single_string && raw.len() >= 2 {
            (range.start + 1..range.end - 1, ScalarKind::Text)
        } else {
            (range, unquoted_kind(raw))
        };
        let id = self.mapping();
        self.pairs.push(key, id, range, kind);
        end
    }

    /// Where a value ends: a newline, `,`, `}`, `]` or a comment outside quotes.
    fn value_end(&self, at: usize) -> usize {
        let mut i = at;
        while let Some(&b) = self.bytes.get(i) {
            if self.text[i..].starts_with("\"\"\"") {
                i = self.text[i + 3..].find("\"\"\"").map_or(self.bytes.len(), |e| i + 3 + e + 3);
            } else if b == b'"' {
                i = quoted_end(&self.text[..self.line_end(i)], i, b'"', true) + 1;
            } else if self.text[i..].starts_with("${") {
                i = self.text[i..].find('}').map_or(self.line_end(i), |e| i + e + 1);
            } else if matches!(b, b'\n' | b',' | b'}' | b']') || self.is_comment(i) {
                return i;
            } else {
                i += 1;
            }
        }
        self.bytes.len()
    }

    /// Skips one array element that is not an object or array.
    fn skip_value(&self, at: usize) -> usize {
        self.value_end(at).max(at + 1)
    }

    fn is_comment(&self, i: usize) -> bool {
        self.bytes[i] == b'#' || self.text[i..].starts_with("//")
    }

    fn skip_blanks(&self, mut i: usize) -> usize {
        while matches!(self.bytes.get(i), Some(b' ' | b'\t')) {
            i += 1;
        }
        i
    }

    fn line_end(&self, at: usize) -> usize {
        self.text[at..].find('\n').map_or(self.bytes.len(), |n| at + n)
    }
}

fn unquoted_kind(raw: &str) -> ScalarKind {
    let lower = raw.to_ascii_lowercase();
    let typed = matches!(lower.as_str(), "true" | "false" | "yes" | "no" | "on" | "off" | "null")
        || super::yaml::is_number(&lower);
    if typed { ScalarKind::Typed } else { ScalarKind::Text }
}

#[cfg(test)]
mod tests {
    use super::super::tests::shown;
    use super::*;

    #[test]
    fn nested_objects_separators_and_comments() {
        let text = "# c\napp {\n  name = \"x\" // c\n  db.password: \"p#w\"\n  n = 3\n  \
                    src { url = \"http://h\"${a.b}, \"k.v\" += plain value # c\n }\n  l = [\"s\", {t = u}]\n}\n";
        let pairs = extract(text);
        let expected = [
            ("name", "x"),
            ("db.password", "p#w"),
            ("n", "3"),
            ("url", "\"http://h\"${a.b}"),
            ("k.v", "plain value"),
            ("t", "u"),
        ];
        assert_eq!(shown(&pairs, text), expected.map(|(k, v)| (k.into(), v.into())));
        assert_eq!(pairs.pairs[2].kind, ScalarKind::Typed);
        let src = pairs.pairs[3].mapping;
        assert_eq!(pairs.mappings[src].parent_key.as_deref(), Some("src"));
        assert_eq!(pairs.mappings[pairs.pairs[5].mapping].parent_key.as_deref(), Some("l"));
    }

    #[test]
    fn triple_quoted_and_include() {
        let text = "include \"other.conf\"\nkey = \"\"\"a\nb\"\"\"\n";
        assert_eq!(shown(&extract(text), text), [("key".to_owned(), "a\nb".to_owned())]);
    }
}
