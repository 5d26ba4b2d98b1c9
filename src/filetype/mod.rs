//! File types (SPEC section 3): detection from the file name, and for each type the
//! syntactic context every placeholder sits in and the encoder for that context.

mod dotenv;
mod hocon;
mod json;
mod properties;
mod text;
mod yaml;

use std::fmt::Write as _;
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
    /// Whether the encoder wrote `range` anew as a double-quoted string (a YAML plain
    /// scalar, a .env unquoted run, a HOCON unquoted value), which a dry run shows.
    pub quoted: bool,
}

impl std::fmt::Debug for Edit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let quoted = if self.quoted { ", quoted" } else { "" };
        write!(f, "Edit({:?}, «{} bytes»{quoted})", self.range, self.text.len())
    }
}

/// What a file type's reader says about the items of one file.
#[derive(Debug)]
pub struct Analysis {
    contexts: Contexts,
}

#[derive(Debug)]
enum Contexts {
    Json,
    Yaml(yaml::Analysis),
    Properties(Vec<properties::Context>, bool),
    Hocon(Vec<hocon::Context>),
    Env(Vec<dotenv::Context>),
    Text,
}

/// Reads `text` as `file_type` and says where each item sits. Items must come from
/// [`crate::scan::scan`] of `text`.
pub fn analyze(
    file_type: FileType,
    text: &str,
    items: &[Item<'_>],
) -> Result<Analysis, SyntaxProblem> {
    let contexts = match file_type {
        FileType::Json => Contexts::Json,
        FileType::Yaml => Contexts::Yaml(yaml::analyze(text, items, |_, _| {})?),
        FileType::Properties { spark } => {
            Contexts::Properties(properties::analyze(text, items), spark)
        }
        FileType::Hocon => Contexts::Hocon(hocon::analyze(text, items)),
        FileType::Env => Contexts::Env(dotenv::analyze(text, items)),
        FileType::Text => Contexts::Text,
    };
    Ok(Analysis { contexts })
}

/// [`analyze`] for YAML that also shows every event of the parse, with its byte range,
/// to `observe`, so that a caller needing more of the document (lint's key/value pairs)
/// reads it once.
pub fn analyze_yaml<'t>(
    text: &'t str,
    items: &[Item<'_>],
    observe: impl FnMut(&saphyr_parser::Event<'t>, Range<usize>),
) -> Result<Analysis, SyntaxProblem> {
    Ok(Analysis { contexts: Contexts::Yaml(yaml::analyze(text, items, observe)?) })
}

/// Every event of a YAML parse, in order, with its byte range; stops at the first syntax
/// error, which it returns.
pub fn yaml_events<'t>(
    text: &'t str,
    visit: impl FnMut(saphyr_parser::Event<'t>, Range<usize>),
) -> Result<(), SyntaxProblem> {
    yaml::each_event(text, visit)
}

/// Says where each item sits (see [`analyze`]).
pub fn sites(
    file_type: FileType,
    text: &str,
    items: &[Item<'_>],
) -> Result<Vec<Site>, SyntaxProblem> {
    Ok(analyze(file_type, text, items)?.sites(text, items))
}

impl Analysis {
    /// Where each item sits.
    pub fn sites(&self, text: &str, items: &[Item<'_>]) -> Vec<Site> {
        match &self.contexts {
            Contexts::Json => json::sites(text, items),
            Contexts::Yaml(analysis) => yaml::sites(text, items, analysis),
            Contexts::Properties(contexts, _) => contexts.iter().map(properties::site).collect(),
            Contexts::Hocon(contexts) => contexts.iter().map(hocon::site).collect(),
            Contexts::Env(contexts) => contexts.iter().map(dotenv::site).collect(),
            Contexts::Text => text::sites(items),
        }
    }

    /// Computes the edits that put `replacements[i]` in place of item `i`, encoded for
    /// its context. `None` leaves an item as written; items in comments are always left.
    /// Edits come sorted and never overlap.
    pub fn encode(
        &self,
        text: &str,
        items: &[Item<'_>],
        replacements: &[Option<&str>],
    ) -> Result<Vec<Edit>, Vec<EncodeProblem>> {
        debug_assert_eq!(items.len(), replacements.len());
        match &self.contexts {
            Contexts::Json => json::encode(text, items, replacements),
            Contexts::Yaml(analysis) => yaml::encode(text, items, analysis, replacements),
            Contexts::Properties(contexts, spark) => {
                properties::encode(text, items, contexts, replacements, *spark)
            }
            Contexts::Hocon(contexts) => hocon::encode(text, items, contexts, replacements),
            Contexts::Env(contexts) => dotenv::encode(text, items, contexts, replacements),
            Contexts::Text => Ok(text::encode(items, replacements)),
        }
    }
}

/// Applies sorted, non-overlapping edits to `text`.
pub fn apply(text: &[u8], edits: &[Edit]) -> zeroize::Zeroizing<Vec<u8>> {
    let grown: usize = edits.iter().map(|e| e.text.len()).sum();
    let mut out = zeroize::Zeroizing::new(Vec::with_capacity(text.len() + grown));
    write_applied(text, edits, &mut *out).expect("a Vec takes every write");
    out
}

/// Writes `text` with `edits` applied to `out`, piece by piece.
pub fn write_applied(
    text: &[u8],
    edits: &[Edit],
    out: &mut (impl std::io::Write + ?Sized),
) -> std::io::Result<()> {
    let mut pos = 0;
    for edit in edits {
        out.write_all(&text[pos..edit.range.start])?;
        out.write_all(edit.text.as_bytes())?;
        pos = edit.range.end;
    }
    out.write_all(&text[pos..])
}

impl Edit {
    /// Replaces `range` with `text`.
    pub fn new(range: Range<usize>, text: String) -> Self {
        Self { range, text: zeroize::Zeroizing::new(text), quoted: false }
    }

    /// Replaces `range` with `text`, a double-quoted string the encoder made of it.
    pub fn quoted(range: Range<usize>, text: String) -> Self {
        Self { quoted: true, ..Self::new(range, text) }
    }
}

impl EncodeProblem {
    /// A problem with item `item`.
    pub fn new(item: usize, message: impl Into<String>) -> Self {
        Self { item, message: message.into(), help: None }
    }

    /// Adds a suggestion.
    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// Collects per-item results into edits, or every problem.
fn collect(
    results: impl IntoIterator<Item = Result<Option<Edit>, EncodeProblem>>,
) -> Result<Vec<Edit>, Vec<EncodeProblem>> {
    let mut edits = Vec::new();
    let mut problems = Vec::new();
    for result in results {
        match result {
            Ok(Some(edit)) => edits.push(edit),
            Ok(None) => {}
            Err(problem) => problems.push(problem),
        }
    }
    if problems.is_empty() { Ok(edits) } else { Err(problems) }
}

/// Whether the byte before `offset` is a backslash that escapes the character at
/// `offset` (an odd run of backslashes). A placeholder there would lose its `$` to the
/// escape, so the encoders refuse it.
fn is_escaped(text: &str, offset: usize) -> bool {
    let run = text.as_bytes()[..offset].iter().rev().take_while(|&&b| b == b'\\').count();
    run % 2 == 1
}

fn escaped_problem(item: usize) -> EncodeProblem {
    EncodeProblem::new(item, "a `\\` before the placeholder escapes its `$`")
        .with_help("remove the backslash; write `$$<kv:` for a literal `$<kv:`")
}

/// JSON string escaping, shared by JSON and HOCON quoted strings.
fn json_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if u32::from(c) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

/// How each file's type is chosen: `--file-type` for every file, else the first
/// `[files.types]` glob of the config file that matches, else the file name.
#[derive(Clone, Debug, Default)]
pub struct FileTypes {
    forced: Option<FileType>,
    globs: Vec<(globset::GlobMatcher, FileType)>,
}

impl FileTypes {
    /// From `--file-type` and the config file's `[files.types]`.
    pub fn new(
        forced: Option<FileTypeArg>,
        globs: &std::collections::BTreeMap<String, FileTypeArg>,
    ) -> Result<Self, globset::Error> {
        let globs = globs
            .iter()
            .map(|(glob, arg)| {
                Ok((globset::Glob::new(glob)?.compile_matcher(), FileType::from_arg(*arg)))
            })
            .collect::<Result<_, globset::Error>>()?;
        Ok(Self { forced: forced.map(FileType::from_arg), globs })
    }

    /// The type chosen for a file at `relative` (below its walked folder), if not its name's.
    pub fn for_path(&self, relative: &Path) -> Option<FileType> {
        self.forced.or_else(|| {
            self.globs.iter().find(|(glob, _)| glob.is_match(relative)).map(|(_, t)| *t)
        })
    }
}
