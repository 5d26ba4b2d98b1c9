//! Helpers for the rule tests: run one rule over a text with sites given by the test, so
//! rule tests do not depend on the file-type readers.

use std::path::Path;

use super::{Context, LintOptions};
use crate::diagnostic::Diagnostic;
use crate::filetype::{FileType, Site};
use crate::scan::scan;

/// A rule's entry point.
pub(crate) type Rule = fn(&Context<'_>) -> Vec<Diagnostic>;

/// Runs `rule` over `text`; items on `comment_lines` sit in comments, items on
/// `embedded_lines` are part of a larger value. Returns `line:col CODE message` lines.
pub(crate) fn run_rule(
    rule: Rule,
    text: &str,
    file_type: FileType,
    options: &LintOptions,
    comment_lines: &[u32],
    embedded_lines: &[u32],
) -> Vec<String> {
    let items = scan(text);
    let sites: Vec<Site> = items
        .iter()
        .map(|item| Site {
            in_comment: comment_lines.contains(&item.span.line),
            whole_value: !embedded_lines.contains(&item.span.line),
        })
        .collect();
    let path = Path::new("f");
    let pairs = super::pairs::extract(file_type, text);
    let context =
        Context { path, text, file_type, items: &items, sites: &sites, pairs: &pairs, options };
    rule(&context).iter().map(shown).collect()
}

/// A finding as `line:col CODE message`.
pub(crate) fn shown(d: &Diagnostic) -> String {
    format!("{}:{} {} {}", d.span.line, d.span.column, d.code, d.message)
}
