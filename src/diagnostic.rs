//! Findings about a file, with a code, a severity and a position. The scanner, the
//! encoders and lint all produce `Diagnostic`s; reporters turn them into text.

use std::fmt;
use std::path::PathBuf;

use crate::span::Span;

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Fails lint, and fails `render` and `databricks` where it concerns a placeholder.
    Error,
    /// Reported, never fails a run unless `--strict` says so.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Error => "error",
            Self::Warning => "warning",
        })
    }
}

/// The finding codes of SPEC section 7.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Code {
    /// Malformed placeholder.
    Kv001,
    /// Invalid vault name.
    Kv002,
    /// Invalid secret name.
    Kv003,
    /// Invalid version.
    Kv004,
    /// Near miss that looks like a placeholder.
    Kv005,
    /// Plaintext credential.
    Kv101,
    /// Placeholder inside a comment.
    Kv102,
    /// Version pin under `--target databricks`.
    Kv201,
    /// Placeholder embedded in a larger value under `--syntax spark`.
    Kv202,
    /// Vault not in the allow-list.
    Kv301,
}

impl Code {
    /// Every code, in order.
    pub const ALL: [Code; 10] = [
        Self::Kv001,
        Self::Kv002,
        Self::Kv003,
        Self::Kv004,
        Self::Kv005,
        Self::Kv101,
        Self::Kv102,
        Self::Kv201,
        Self::Kv202,
        Self::Kv301,
    ];

    /// The code as written, e.g. `KV001`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Kv001 => "KV001",
            Self::Kv002 => "KV002",
            Self::Kv003 => "KV003",
            Self::Kv004 => "KV004",
            Self::Kv005 => "KV005",
            Self::Kv101 => "KV101",
            Self::Kv102 => "KV102",
            Self::Kv201 => "KV201",
            Self::Kv202 => "KV202",
            Self::Kv301 => "KV301",
        }
    }

    /// Parses `KV001` (any case).
    pub fn parse(text: &str) -> Option<Code> {
        Self::ALL.into_iter().find(|code| code.as_str().eq_ignore_ascii_case(text))
    }

    /// The default severity.
    pub fn severity(self) -> Severity {
        match self {
            Self::Kv005 | Self::Kv102 | Self::Kv202 => Severity::Warning,
            _ => Severity::Error,
        }
    }

    /// A short kebab-case name for the rule.
    pub fn name(self) -> &'static str {
        match self {
            Self::Kv001 => "malformed-placeholder",
            Self::Kv002 => "invalid-vault-name",
            Self::Kv003 => "invalid-secret-name",
            Self::Kv004 => "invalid-version",
            Self::Kv005 => "near-miss",
            Self::Kv101 => "plaintext-credential",
            Self::Kv102 => "placeholder-in-comment",
            Self::Kv201 => "version-pin-on-databricks",
            Self::Kv202 => "embedded-spark-reference",
            Self::Kv301 => "vault-not-allowed",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finding in one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The rule.
    pub code: Code,
    /// Its severity here (usually `code.severity()`).
    pub severity: Severity,
    /// The file, as named on the command line or found by the walk.
    pub path: PathBuf,
    /// Where it is; for placeholders, the span starts at the `$`.
    pub span: Span,
    /// What is wrong, lowercase, no final period; never a secret value.
    pub message: String,
    /// How to fix it, when there is something to say.
    pub help: Option<String>,
}

impl Diagnostic {
    /// A finding with the code's own severity.
    pub fn new(code: Code, path: PathBuf, span: Span, message: String) -> Self {
        Self { code, severity: code.severity(), path, span, message, help: None }
    }

    /// Adds a suggestion.
    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Whether this finding is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}[{}] {}",
            self.path.display(),
            self.span.line,
            self.span.column,
            self.severity,
            self.code,
            self.message
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for code in Code::ALL {
            assert_eq!(Code::parse(code.as_str()), Some(code));
        }
        assert_eq!(Code::parse("kv101"), Some(Code::Kv101));
        assert_eq!(Code::parse("KV999"), None);
    }

    #[test]
    fn displays_as_concise_line() {
        let span = Span { offset: 11, len: 5, line: 3, column: 9 };
        let d = Diagnostic::new(Code::Kv001, "a/.env".into(), span, "empty secret name".into());
        assert_eq!(d.to_string(), "a/.env:3:9: error[KV001] empty secret name");
    }
}
