//! File types (SPEC section 3): detection from the file name, and for each type the
//! syntactic context every placeholder sits in and the encoder for that context.

mod dotenv;
mod hocon;
mod json;
mod properties;
mod text;
mod yaml;

use std::ops::Range;
use std::path::Path;

use crate::cli::FileTypeArg;
use crate::scan::Item;

/// The file types guzzle-kv knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileType {
    /// `.json`.
    Json,
    /// `.yml`, `.yaml`.
    Yaml,
    /// `.properties`; `spark` is set for `spark-defaults.conf`, whose values Spark trims.
    Properties {
        /// Whether this is a Spark conf file.
        spark: bool,
    },
    /// `.conf`, `.hocon`.
    Hocon,
    /// `.env`, `*.env`, `.env.*`.
    Env,
    /// Anything else.
    Text,
}

impl FileType {
    /// Guesses the type from a file name.
    pub fn detect(path: &Path) -> FileType {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let lower = name.to_ascii_lowercase();
        let extension = lower.rsplit_once('.').map_or("", |(_, ext)| ext);
        if lower == "spark-defaults.conf" {
            return FileType::Properties { spark: true };
        }
        if lower == ".env" || lower.starts_with(".env.") || extension == "env" {
            return FileType::Env;
        }
        match extension {
            "json" => FileType::Json,
            "yml" | "yaml" => FileType::Yaml,
            "properties" => FileType::Properties { spark: false },
            "conf" | "hocon" => FileType::Hocon,
            _ => FileType::Text,
        }
    }

    /// The type a `--file-type` value names.
    pub fn from_arg(arg: FileTypeArg) -> FileType {
        match arg {
            FileTypeArg::Json => FileType::Json,
            FileTypeArg::Yaml => FileType::Yaml,
            FileTypeArg::Properties => FileType::Properties { spark: false },
            FileTypeArg::Hocon => FileType::Hocon,
            FileTypeArg::Env => FileType::Env,
            FileTypeArg::Text => FileType::Text,
        }
    }

    /// The name users write, e.g. in `--file-type`.
    pub fn name(self) -> &'static str {
        match self {
            FileType::Json => "json",
            FileType::Yaml => "yaml",
            FileType::Properties { .. } => "properties",
            FileType::Hocon => "hocon",
            FileType::Env => "env",
            FileType::Text => "text",
        }
    }

    /// Whether the type has comments at all.
    pub fn has_comments(self) -> bool {
        !matches!(self, FileType::Json | FileType::Text)
    }
}

/// Where one scanned item sits, as the file type's reader sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Site {
    /// Inside a comment: left exactly as written.
    pub in_comment: bool,
    /// The item is the whole value it stands in (not part of a larger string).
    pub whole_value: bool,
}

/// A reader's complaint about a file, which leaves the context of its placeholders unknown.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("cannot read the file as {file_type}: {message}")]
pub struct SyntaxProblem {
    /// The type the file was read as.
    pub file_type: &'static str,
    /// The reader's message, with no text of the file in it.
    pub message: String,
    /// The byte offset the reader stopped at.
    pub offset: usize,
}

/// Why one item cannot be written in its context.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncodeProblem {
    /// Index of the item in the scan.
    pub item: usize,
    /// What is wrong, with no value in it.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
}

/// One change to the original bytes: replace `range` with `text`.
#[derive(Clone, PartialEq, Eq)]
pub struct Edit {
    /// The bytes replaced.
    pub range: Range<usize>,
    /// What replaces them; may hold a secret value.
    pub text: zeroize::Zeroizing<String>,
}

impl std::fmt::Debug for Edit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Edit({:?}, «{} bytes»)", self.range, self.text.len())
    }
}

/// Says where each item sits. Items must come from [`crate::scan::scan`] of `text`.
pub fn sites(file_type: FileType, text: &str, items: &[Item<'_>]) -> Result<Vec<Site>, SyntaxProblem> {
    let _ = (file_type, text, items);
    todo!("filetype::sites")
}

/// Computes the edits that put `replacements[i]` in place of item `i`, encoded for its
/// context. `None` leaves an item as written (comments, or items the caller skips).
pub fn encode(
    file_type: FileType,
    text: &str,
    items: &[Item<'_>],
    replacements: &[Option<&str>],
) -> Result<Vec<Edit>, Vec<EncodeProblem>> {
    let _ = (file_type, text, items, replacements);
    todo!("filetype::encode")
}
