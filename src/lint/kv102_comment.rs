//! KV102: a placeholder inside a comment. Comments are copied as written, so the
//! placeholder is never resolved; lint says so, and nothing else about it.

use super::{Context, RuleDoc};
use crate::diagnostic::{Code, Diagnostic};
use crate::scan::ItemKind;

/// KV102.
pub(super) const DOC: RuleDoc = RuleDoc {
    code: Code::Kv102,
    summary: "placeholder inside a comment: it is never fetched or rewritten",
    why: "a commented-out placeholder looks like configuration but does nothing; it often \
          marks an old secret that should be deleted from the file and from the vault",
    example: "# password: \"$<kv:kv-guzzle-dev/erp-sql-password-2023>\"",
    fix: "delete the comment, or move the placeholder into a value if it is meant to be used",
};

/// KV102 for each placeholder, complete or malformed, inside a comment. Escapes and near
/// misses in comments are prose and give nothing.
pub(super) fn check(context: &Context<'_>) -> Vec<Diagnostic> {
    context
        .items
        .iter()
        .zip(context.sites)
        .filter(|(item, site)| {
            site.in_comment
                && matches!(item.kind, ItemKind::Placeholder(_) | ItemKind::Malformed(_))
        })
        .map(|(item, _)| {
            let message = "placeholder inside a comment is never rendered".to_owned();
            context.finding(Code::Kv102, item.span, message).with_help(DOC.fix)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::LintOptions;
    use super::super::test_support::run_rule;
    use super::*;
    use crate::filetype::FileType;

    #[test]
    fn placeholders_in_comments_only() {
        let text = "a: $<kv:kv-app/x>\n# b: $<kv:kv-app/y>\n# c: $<kv:bad\n# $$<kv: ${kv:x/y}\n";
        let found = run_rule(check, text, FileType::Yaml, &LintOptions::default(), &[2, 3, 4], &[]);
        assert_eq!(
            found,
            [
                "2:6 KV102 placeholder inside a comment is never rendered",
                "3:6 KV102 placeholder inside a comment is never rendered",
            ]
        );
    }

    #[test]
    fn found_through_the_file_type_reader() {
        let text = "a: 1 # $<kv:kv-app/x>\nb: \"# $<kv:kv-app/y>\"\n";
        let found: Vec<_> = super::super::check_file(
            "f.yml".as_ref(),
            text,
            FileType::Yaml,
            &LintOptions::default(),
        )
        .iter()
        .map(super::super::test_support::shown)
        .collect();
        assert_eq!(found, ["1:8 KV102 placeholder inside a comment is never rendered"]);
    }
}
