//! `full`: each finding with its source line, a caret under the span and the help line,
//! rendered by `annotate-snippets`. KV101 values in the shown line are masked.

use std::io::{self, Write};

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

use super::{Findings, MaskedLine, Reporter};
use crate::diagnostic::{Diagnostic, Severity};

/// The `full` reporter; `color` adds ANSI styles.
pub(super) struct Full {
    pub color: bool,
}

impl Reporter for Full {
    fn report(&self, findings: &Findings<'_>, out: &mut dyn Write) -> io::Result<()> {
        let renderer = if self.color { Renderer::styled() } else { Renderer::plain() };
        for file in &findings.files {
            let masks = file.masks();
            let path = file.path.display().to_string();
            for diagnostic in file.diagnostics {
                let line = MaskedLine::new(file.text, diagnostic.span, &masks);
                let group = group(diagnostic, &line, &path);
                let shown = renderer.render(&[group]);
                writeln!(out, "{}\n", true_position(shown, diagnostic, &line, &path))?;
            }
        }
        Ok(())
    }

    fn summary(&self, findings: &Findings<'_>, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "{}", findings.summary())
    }
}

/// The rendering with the finding's own column in its `path:line:col` heading. The
/// renderer counts the column in the line as shown, which a mask earlier on the line
/// (`****` for a longer credential) moves.
fn true_position(rendered: String, d: &Diagnostic, line: &MaskedLine, path: &str) -> String {
    let start = d.span.offset - line.range.start;
    let shown = line.text[..line.map(start)].chars().count() + 1;
    if u32::try_from(shown).ok() == Some(d.span.column) {
        return rendered;
    }
    let heading = |column: &dyn std::fmt::Display| format!("{path}:{}:{column}", d.span.line);
    rendered.replacen(&heading(&shown), &heading(&d.span.column), 1)
}

/// One finding as an annotate-snippets group: title, source line with caret, help.
fn group<'a>(d: &'a Diagnostic, line: &'a MaskedLine, path: &'a str) -> Group<'a> {
    let level = match d.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    };
    let snippet = Snippet::source(line.text.as_str())
        .line_start(usize::try_from(d.span.line).unwrap_or(usize::MAX))
        .path(path)
        .annotation(AnnotationKind::Primary.span(line.map_span(d.span.range())));
    let group = level.primary_title(d.message.as_str()).id(d.code.as_str()).element(snippet);
    match &d.help {
        Some(help) => group.element(Level::HELP.message(help.as_str())),
        None => group,
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::render;
    use super::*;

    #[test]
    fn source_lines_with_carets_and_masks() {
        insta::assert_snapshot!(render(&Full { color: false }), @r#"
            error[KV101]: plaintext credential in `password`
             --> conf/db.yml:2:14
              |
            2 |   password: "****" # was: ü
              |              ^^^^
              |
              = help: store the value in Key Vault and write `$<kv:VAULT/SECRET>` here

            error[KV002]: invalid vault name `kv_app`: invalid character `_`
             --> conf/db.yml:3:11
              |
            3 |   token: "$<kv:kv_app/db-token>"
              |           ^^^^^^^^^^^^^^^^^^^^^
              |
              = help: a vault name has 3-24 characters (ASCII letters, digits and `-`), starts with a letter, ends with a letter or digit and has no `--`

            warning[KV102]: placeholder inside a comment is never rendered
             --> conf/db.yml:4:10
              |
            4 |   # old: $<kv:kv-app/x>
              |          ^^^^^^^^^^^^^^

            warning[KV005]: `${kv:` looks like a placeholder but is not one, 100%
             --> conf/app.properties:1:11
              |
            1 | a=100%, b:${kv:kv-app/x}
              |           ^^^^^

            2 errors, 2 warnings in 3 files
        "#);
    }

    #[test]
    fn colour_only_when_asked() {
        assert!(!render(&Full { color: false }).contains('\u{1b}'));
        assert!(render(&Full { color: true }).contains('\u{1b}'));
    }
}
