//! `concise`: one line a finding, `path:line:col: severity[CODE] message`.

use std::io::{self, Write};

use super::{Findings, Reporter};

/// The `concise` reporter.
pub(super) struct Concise;

impl Reporter for Concise {
    fn report(&self, findings: &Findings<'_>, out: &mut dyn Write) -> io::Result<()> {
        for (diagnostic, _) in findings.iter() {
            writeln!(out, "{diagnostic}")?;
        }
        Ok(())
    }

    fn summary(&self, findings: &Findings<'_>, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "{}", findings.summary())
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::render;
    use super::*;

    #[test]
    fn one_line_a_finding() {
        insta::assert_snapshot!(render(&Concise), @r"
        conf/db.yml:2:14: error[KV101] plaintext credential in `password`
        conf/db.yml:3:11: error[KV002] invalid vault name `kv_app`: invalid character `_`
        conf/db.yml:4:10: warning[KV102] placeholder inside a comment is never rendered
        conf/app.properties:1:11: warning[KV005] `${kv:` looks like a placeholder but is not one, 100%
        2 errors, 2 warnings in 3 files
        ");
    }
}
