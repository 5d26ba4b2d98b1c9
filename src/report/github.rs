//! `github`: GitHub Actions workflow commands (`::error file=...,line=...::message`),
//! which annotate the pull request's diff. Escaping follows the runner's rules: `%`,
//! `\r` and `\n` in the message; those and `:` and `,` in property values.

use std::io::{self, Write};

use super::{Findings, Reporter, end_position, portable_path};
use crate::diagnostic::Severity;

/// The `github` reporter.
pub(super) struct Github;

impl Reporter for Github {
    fn report(&self, findings: &Findings<'_>, out: &mut dyn Write) -> io::Result<()> {
        for (d, text) in findings.iter() {
            let command = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            let (end_line, end_column) = end_position(text, d);
            writeln!(
                out,
                "::{command} file={},line={},col={},endLine={end_line},endColumn={end_column},title={}::{}",
                escape_property(&portable_path(&d.path)),
                d.span.line,
                d.span.column,
                escape_property(&format!("{} ({})", d.code, d.code.name())),
                escape_data(&d.message),
            )?;
        }
        for file in &findings.unchecked {
            let place = match file.position {
                Some((line, column)) => format!(",line={line},col={column}"),
                None => String::new(),
            };
            writeln!(
                out,
                "::error file={}{place},title={}::{}",
                escape_property(&portable_path(file.path)),
                escape_property(&format!("guzzle-kv ({})", file.kind.name())),
                escape_data(&file.message),
            )?;
        }
        Ok(())
    }
}

/// Escapes a command's message.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a command property's value.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::super::test_support::render;
    use super::*;

    #[test]
    fn workflow_commands() {
        insta::assert_snapshot!(render(&Github), @r"
            ::error file=conf/db.yml,line=2,col=14,endLine=2,endColumn=32,title=KV101 (plaintext-credential)::plaintext credential in `password`
            ::error file=conf/db.yml,line=3,col=11,endLine=3,endColumn=32,title=KV002 (invalid-vault-name)::invalid vault name `kv_app`: invalid character `_`
            ::warning file=conf/db.yml,line=4,col=10,endLine=4,endColumn=24,title=KV102 (placeholder-in-comment)::placeholder inside a comment is never rendered
            ::warning file=conf/app.properties,line=1,col=11,endLine=1,endColumn=16,title=KV005 (near-miss)::`${kv:` looks like a placeholder but is not one, 100%25
        ");
    }

    #[test]
    fn files_not_checked_are_errors_on_the_file() {
        let out = super::super::test_support::render_with(
            &Github,
            super::super::test_support::unchecked(),
        );
        let tail: Vec<&str> = out.lines().skip(4).collect();
        insta::assert_snapshot!(tail.join("\n"), @r"
            ::error file=conf/broken.yml,line=3,col=7,title=guzzle-kv (syntax-error)::cannot read the file as yaml: did not find expected ',' or ']'
            ::error file=conf/latin1%2C 100%25.yml,title=guzzle-kv (unreadable-file)::not valid UTF-8, so lint cannot look for plaintext credentials in it
        ");
    }

    #[test]
    fn escapes() {
        assert_eq!(escape_data("a%b\r\nc:d,e"), "a%25b%0D%0Ac:d,e");
        assert_eq!(escape_property("a%b\r\nc:d,e"), "a%25b%0D%0Ac%3Ad%2Ce");
    }
}
