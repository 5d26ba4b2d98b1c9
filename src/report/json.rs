//! `json`: the findings as one JSON array, in the stable schema below. Fields are only
//! ever added, never renamed or removed, within a major version.
//!
//! ```json
//! [
//!   {
//!     "code": "KV101",                      // rule code, KV001..KV301
//!     "rule": "plaintext-credential",       // rule name (kebab-case)
//!     "severity": "error",                  // "error" or "warning"
//!     "message": "plaintext credential in `password`",
//!     "help": "store the value in Key Vault ...",   // string or null
//!     "path": "conf/db.yml",                // as linted, `/`-separated
//!     "line": 2, "column": 14,              // 1-based; columns count characters
//!     "end_line": 2, "end_column": 32       // exclusive end of the finding
//!   }
//! ]
//! ```
//!
//! The array is in the order the files were linted, each file's findings by position.
//! After the findings, each file that lint could not check in full has an entry of the
//! same shape with `"code": null` and `"rule"` either `"syntax-error"` (its reader
//! stopped there; no plaintext credential was looked for in it) or `"unreadable-file"`
//! (nothing was looked for; its position is line 1, column 1), as ruff reports a file it
//! cannot parse. No field ever holds a credential value.

use std::io::{self, Write};

use serde::Serialize;

use super::{Findings, Reporter, Unchecked, end_position, portable_path};
use crate::diagnostic::{Diagnostic, Severity};

/// The `json` reporter.
pub(super) struct Json;

/// One finding on the wire (see the module documentation for the schema).
#[derive(Serialize)]
struct Finding<'a> {
    code: Option<&'static str>,
    rule: &'static str,
    severity: Severity,
    message: &'a str,
    help: Option<&'a str>,
    path: String,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
}

impl<'a> Finding<'a> {
    fn new(d: &'a Diagnostic, text: &str) -> Self {
        let (end_line, end_column) = end_position(text, d);
        Self {
            code: Some(d.code.as_str()),
            rule: d.code.name(),
            severity: d.severity,
            message: &d.message,
            help: d.help.as_deref(),
            path: portable_path(&d.path),
            line: d.span.line,
            column: d.span.column,
            end_line,
            end_column,
        }
    }
}

impl<'a> Finding<'a> {
    fn unchecked(file: &'a Unchecked<'_>) -> Self {
        let (line, column) = file.position.unwrap_or((1, 1));
        Self {
            code: None,
            rule: file.kind.name(),
            severity: Severity::Error,
            message: &file.message,
            help: file.kind.help(),
            path: portable_path(file.path),
            line,
            column,
            end_line: line,
            end_column: column,
        }
    }
}

impl Reporter for Json {
    fn report(&self, findings: &Findings<'_>, out: &mut dyn Write) -> io::Result<()> {
        let wire: Vec<Finding<'_>> = findings
            .iter()
            .map(|(d, text)| Finding::new(d, text))
            .chain(findings.unchecked.iter().map(Finding::unchecked))
            .collect();
        serde_json::to_writer_pretty(&mut *out, &wire)?;
        writeln!(out)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::render;
    use super::*;

    #[test]
    fn array_of_findings() {
        let out = render(&Json);
        let parsed: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(parsed.as_array().unwrap().len(), 4);
        insta::assert_snapshot!(out, @r#"
            [
              {
                "code": "KV101",
                "rule": "plaintext-credential",
                "severity": "error",
                "message": "plaintext credential in `password`",
                "help": "store the value in Key Vault and write `$<kv:VAULT/SECRET>` here",
                "path": "conf/db.yml",
                "line": 2,
                "column": 14,
                "end_line": 2,
                "end_column": 32
              },
              {
                "code": "KV002",
                "rule": "invalid-vault-name",
                "severity": "error",
                "message": "invalid vault name `kv_app`: invalid character `_`",
                "help": "a vault name has 3-24 characters (ASCII letters, digits and `-`), starts with a letter, ends with a letter or digit and has no `--`",
                "path": "conf/db.yml",
                "line": 3,
                "column": 11,
                "end_line": 3,
                "end_column": 32
              },
              {
                "code": "KV102",
                "rule": "placeholder-in-comment",
                "severity": "warning",
                "message": "placeholder inside a comment is never rendered",
                "help": null,
                "path": "conf/db.yml",
                "line": 4,
                "column": 10,
                "end_line": 4,
                "end_column": 24
              },
              {
                "code": "KV005",
                "rule": "near-miss",
                "severity": "warning",
                "message": "`${kv:` looks like a placeholder but is not one, 100%",
                "help": null,
                "path": "conf/app.properties",
                "line": 1,
                "column": 11,
                "end_line": 1,
                "end_column": 16
              }
            ]
        "#);
    }

    #[test]
    fn files_not_checked_follow_the_findings_with_no_code() {
        let out =
            super::super::test_support::render_with(&Json, super::super::test_support::unchecked());
        let parsed: serde_json::Value = serde_json::from_str(&out).unwrap();
        let entries = parsed.as_array().unwrap();
        assert_eq!(entries.len(), 6);
        assert!(entries[4..].iter().all(|e| e["code"].is_null()), "{out}");
        let tail = &out[out.find("  {\n    \"code\": null").unwrap()..];
        insta::assert_snapshot!(tail, @r#"
              {
                "code": null,
                "rule": "syntax-error",
                "severity": "error",
                "message": "cannot read the file as yaml: did not find expected ',' or ']'",
                "help": "plaintext credentials were not looked for in this file; fix its syntax, or pass --file-type text to lint it as text",
                "path": "conf/broken.yml",
                "line": 3,
                "column": 7,
                "end_line": 3,
                "end_column": 7
              },
              {
                "code": null,
                "rule": "unreadable-file",
                "severity": "error",
                "message": "not valid UTF-8, so lint cannot look for plaintext credentials in it",
                "help": null,
                "path": "conf/latin1, 100%.yml",
                "line": 1,
                "column": 1,
                "end_line": 1,
                "end_column": 1
              }
            ]
        "#);
    }

    #[test]
    fn empty_run_is_an_empty_array() {
        let mut out = Vec::new();
        Json.report(&Findings::default(), &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "[]\n");
    }
}
