//! Key/value pairs with the byte span of each value, read per file type for KV101.
//! Only scalar values become pairs: mappings and lists never hold a plaintext credential
//! by themselves, but they group sibling keys (`keyvault_name` + `secret`).

mod dotenv;
mod hocon;
mod json;
mod properties;
mod yaml;

use std::ops::Range;

use crate::filetype::FileType;

pub(crate) use yaml::{Walk as YamlWalk, is_number};

/// One key with a scalar value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Pair {
    /// The key as written, without quotes; for dotted HOCON paths the whole path.
    pub key: String,
    /// The mapping the key belongs to, an index into [`Pairs::mappings`].
    pub mapping: usize,
    /// The value's bytes in the file, inside any quotes.
    pub value: Range<usize>,
    /// What kind of scalar the value is.
    pub kind: ScalarKind,
}

/// Whether a scalar is text or a typed literal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ScalarKind {
    /// A string (quoted, or plain text that reads as a string).
    Text,
    /// A boolean, number or null as the format types it (YAML plain `true`, JSON `3`).
    Typed,
}

/// A mapping (object, section), known by the key it sits under.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Mapping {
    /// The key the mapping is the value of, if any.
    pub parent_key: Option<String>,
}

/// Everything read from one file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Pairs {
    /// The pairs, in file order.
    pub pairs: Vec<Pair>,
    /// The mappings; index 0 is the top level.
    pub mappings: Vec<Mapping>,
}

impl Pairs {
    fn new() -> Self {
        Self { pairs: Vec::new(), mappings: vec![Mapping::default()] }
    }

    /// Starts a mapping under `parent_key` and returns its index.
    fn open(&mut self, parent_key: Option<String>) -> usize {
        self.mappings.push(Mapping { parent_key });
        self.mappings.len() - 1
    }

    fn push(&mut self, key: String, mapping: usize, value: Range<usize>, kind: ScalarKind) {
        self.pairs.push(Pair { key, mapping, value, kind });
    }

    /// The pairs of one mapping.
    pub(crate) fn siblings(&self, mapping: usize) -> impl Iterator<Item = &Pair> {
        self.pairs.iter().filter(move |p| p.mapping == mapping)
    }
}

/// Reads the pairs of a file. A file its reader rejects yields the pairs read before the
/// problem; `text` files yield none.
pub(crate) fn extract(file_type: FileType, text: &str) -> Pairs {
    match file_type {
        FileType::Yaml => yaml::extract(text),
        FileType::Json => json::extract(text),
        FileType::Properties { spark } => properties::extract(text, spark),
        FileType::Env => dotenv::extract(text),
        FileType::Hocon => hocon::extract(text),
        FileType::Text => Pairs::new(),
    }
}

/// Trims ASCII whitespace off both ends of `range` in `text`.
fn trim(text: &str, range: Range<usize>) -> Range<usize> {
    let slice = &text[range.clone()];
    let start = range.start + (slice.len() - slice.trim_start().len());
    let end = range.start + slice.trim_end().len();
    start..end.max(start)
}

/// The end of a quoted string that opens at `open` (the quote itself), just before the
/// closing quote: `\` escapes when `backslash`, a doubled quote escapes otherwise (YAML
/// single quotes). An unclosed string runs to the end of `text`; line-based formats
/// pass one line.
fn quoted_end(text: &str, open: usize, quote: u8, backslash: bool) -> usize {
    let bytes = text.as_bytes();
    let mut i = open + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if backslash => i += 2,
            b if b == quote && !backslash && bytes.get(i + 1) == Some(&quote) => i += 2,
            b if b == quote => return i,
            _ => i += 1,
        }
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(key, value as written)` for every pair; shared by the extractor tests.
    pub(crate) fn shown(pairs: &Pairs, text: &str) -> Vec<(String, String)> {
        pairs.pairs.iter().map(|p| (p.key.clone(), text[p.value.clone()].to_owned())).collect()
    }

    #[test]
    fn trims_both_ends() {
        assert_eq!(trim("a=  x y  ", 2..9), 4..7);
        assert_eq!(trim("a=   ", 2..5), 5..5);
    }

    #[test]
    fn finds_closing_quotes() {
        assert_eq!(quoted_end(r#""a\"b" x"#, 0, b'"', true), 5);
        assert_eq!(quoted_end("'a''b' x", 0, b'\'', false), 5);
    }
}
