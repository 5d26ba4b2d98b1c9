//! One input file on its way through a command: read, classified (binary, not UTF-8,
//! text), scanned, and read by its file type's reader to place each item.

use std::io::Read as _;
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};

use crate::console::{Console, Exit};
use crate::diagnostic::Diagnostic;
use crate::filetype::{Analysis, FileType, Site, SyntaxProblem};
use crate::scan::{ESCAPED, Item, ItemKind, scan};
use crate::span::{LineIndex, Span};
use crate::walk::Input;

/// A file's bytes and what is known about it.
#[derive(Clone, Debug)]
pub struct Document {
    /// Where it came from.
    pub input: Input,
    /// Its bytes, unchanged.
    pub bytes: Vec<u8>,
    /// Its permission bits (0644 for stdin).
    pub mode: u32,
    /// How it is read.
    pub file_type: FileType,
}

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
#[error("cannot read `{}`", path.display())]
pub struct ReadError {
    /// The file.
    pub path: PathBuf,
    /// The cause.
    #[source]
    pub source: std::io::Error,
}

/// A file whose reader gave up, so the context of its placeholders is unknown.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{}:{span}: {problem}", path.display())]
pub struct SyntaxError {
    /// The file.
    pub path: PathBuf,
    /// Where the reader stopped.
    pub span: Span,
    /// What it said.
    pub problem: SyntaxProblem,
}

/// A file that holds placeholders but cannot be processed byte-exactly.
#[derive(Debug, thiserror::Error)]
pub enum Unscannable {
    /// The file is not valid UTF-8.
    #[error("`{}` is not valid UTF-8 and holds placeholders", path.display())]
    NotUtf8 {
        /// The file.
        path: PathBuf,
    },
    /// The file is UTF-16 or UTF-32 and holds placeholders (walked or named).
    #[error("`{}` is {encoding} and holds `$<kv:`; save it as UTF-8", path.display())]
    Wide {
        /// The file.
        path: PathBuf,
        /// `UTF-16` or `UTF-32`.
        encoding: &'static str,
    },
    /// The file is not valid UTF-8, and its type (YAML, JSON, HOCON, .env) must be: lint
    /// could not look for plaintext credentials in it.
    #[error("`{}` is not valid UTF-8, so lint cannot look for plaintext credentials in it", path.display())]
    NotUtf8Keys {
        /// The file.
        path: PathBuf,
    },
    /// The file is binary and was named on the command line (a walked one is copied).
    #[error("`{}` is a binary file (a NUL byte in its first 8 KiB) and holds `$<kv:`", path.display())]
    Binary {
        /// The file.
        path: PathBuf,
    },
}

impl Unscannable {
    /// The file.
    pub fn path(&self) -> &Path {
        match self {
            Unscannable::NotUtf8 { path }
            | Unscannable::Wide { path, .. }
            | Unscannable::NotUtf8Keys { path }
            | Unscannable::Binary { path } => path,
        }
    }
}

/// How many bytes are searched for a NUL to call a file binary.
const BINARY_PROBE: usize = 8 * 1024;

impl Document {
    /// Reads an input; `file_type` overrides detection, `stdin_name` names stdin's type.
    pub fn read(
        input: &Input,
        file_type: Option<FileType>,
        stdin_name: Option<&Path>,
    ) -> Result<Document, ReadError> {
        let error = |source| ReadError { path: input.path.clone(), source };
        let (bytes, mode) = if input.is_stdin {
            let mut bytes = Vec::new();
            std::io::stdin().read_to_end(&mut bytes).map_err(error)?;
            (bytes, 0o644)
        } else {
            let bytes = std::fs::read(&input.path).map_err(error)?;
            let mode = std::fs::metadata(&input.path).map_err(error)?.mode() & 0o7777;
            (bytes, mode)
        };
        let named = if input.is_stdin { stdin_name.unwrap_or(Path::new("-")) } else { &input.path };
        let file_type = file_type.unwrap_or_else(|| FileType::detect(named));
        Ok(Document { input: input.clone(), bytes, mode, file_type })
    }

    /// The path to show in messages.
    pub fn path(&self) -> &Path {
        &self.input.path
    }

    /// Whether the file looks binary (a NUL byte in its first 8 KiB).
    pub fn is_binary(&self) -> bool {
        memchr::memchr(0, &self.bytes[..self.bytes.len().min(BINARY_PROBE)]).is_some()
    }

    /// The text, when the file is UTF-8 and not binary.
    pub fn text(&self) -> Option<&str> {
        if self.is_binary() {
            return None;
        }
        std::str::from_utf8(&self.bytes).ok()
    }

    /// [`Document::scannable`] for a command: a refusal goes to `console`, and a file that
    /// is copied as it is gets a note at `-v`.
    pub fn scannable_or_report(&self, console: &mut Console) -> Option<&str> {
        match self.scannable() {
            Ok(Some(text)) => Some(text),
            Ok(None) => {
                let kind = if self.is_binary() { "binary file" } else { "not UTF-8" };
                tracing::debug!(path = %self.path().display(), "{kind}, copied unchanged");
                None
            }
            Err(error) => {
                console.error(Exit::Input, error);
                None
            }
        }
    }

    /// The text to scan: `None` for a binary file met while walking, or for one that
    /// holds no placeholder (both are copied unchanged). A file that is not UTF-8, or a
    /// binary file named on the command line, that holds `$<kv:` is refused: it cannot be
    /// processed byte-exactly, and a placeholder is never passed through unresolved.
    pub fn scannable(&self) -> Result<Option<&str>, Unscannable> {
        let path = || self.input.path.clone();
        let text = self.text();
        // Only a file that is not text can be UTF-16 or UTF-32: the search stays off the
        // path of every text file.
        if let Some(encoding) = text.is_none().then(|| self.wide_opening()).flatten() {
            return Err(Unscannable::Wide { path: path(), encoding });
        }
        match text {
            Some(text) => Ok(Some(text)),
            None if !self.has_opening() => Ok(None),
            None if !self.is_binary() => Err(Unscannable::NotUtf8 { path: path() }),
            None if self.input.is_named => Err(Unscannable::Binary { path: path() }),
            None => Ok(None),
        }
    }

    fn has_opening(&self) -> bool {
        memchr::memmem::find(&self.bytes, ESCAPED.as_bytes()).is_some()
    }

    /// The encoding, if `$<kv:` is written in UTF-16 (PowerShell's `>` writes files so)
    /// or UTF-32: such a file looks binary, and copying it unchanged would pass the
    /// placeholder through.
    fn wide_opening(&self) -> Option<&'static str> {
        let found = |width: usize, big_endian: bool| {
            let opening: Vec<u8> = ESCAPED
                .bytes()
                .flat_map(|b| {
                    let mut unit = vec![0; width];
                    unit[if big_endian { width - 1 } else { 0 }] = b;
                    unit
                })
                .collect();
            memchr::memmem::find(&self.bytes, &opening).is_some()
        };
        if found(4, false) || found(4, true) {
            Some("UTF-32")
        } else if found(2, false) || found(2, true) {
            Some("UTF-16")
        } else {
            None
        }
    }
}

/// A text file scanned and placed.
#[derive(Debug)]
pub struct Prepared<'a> {
    /// The text.
    pub text: &'a str,
    /// Everything the scanner found.
    pub items: Vec<Item<'a>>,
    /// Where each item sits.
    pub sites: Vec<Site>,
    /// The reader's analysis, for encoding.
    pub analysis: Option<Analysis>,
}

impl<'a> Prepared<'a> {
    /// Scans `text` and places its items.
    pub fn new(document: &Document, text: &'a str) -> Result<Prepared<'a>, SyntaxError> {
        let items = scan(text);
        if items.is_empty() {
            return Ok(Prepared { text, items, sites: Vec::new(), analysis: None });
        }
        let analysis = crate::filetype::analyze(document.file_type, text, &items).map_err(|p| {
            let span = LineIndex::new(text.as_bytes()).span(p.offset.min(text.len()), 0);
            SyntaxError { path: document.path().to_owned(), span, problem: p }
        })?;
        let sites = analysis.sites(text, &items);
        Ok(Prepared { text, items, sites, analysis: Some(analysis) })
    }

    /// Indices of the items that are data: placeholders and escapes outside comments.
    pub fn data(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.items.len()).filter(|&i| {
            !self.sites[i].in_comment
                && matches!(self.items[i].kind, ItemKind::Placeholder(_) | ItemKind::Escape)
        })
    }

    /// The findings of items outside comments: malformed placeholders, invalid names and
    /// near misses.
    pub fn findings(&self, path: &Path) -> Vec<Diagnostic> {
        self.items
            .iter()
            .zip(&self.sites)
            .filter(|(_, site)| !site.in_comment)
            .flat_map(|(item, _)| item.diagnostics(path, self.text))
            .collect()
    }

    /// The span of item `i`.
    pub fn span(&self, i: usize) -> Span {
        self.items[i].span
    }
}
