//! KV201: a version-pinned placeholder under `--target databricks`, which a Databricks
//! secret reference cannot express.

use super::{Context, RuleDoc};
use crate::cli::Target;
use crate::diagnostic::{Code, Diagnostic};

/// KV201.
pub(super) const DOC: RuleDoc = RuleDoc {
    code: Code::Kv201,
    summary: "version pin under `--target databricks`: a secret scope cannot read a version",
    why: "`databricks` rewrites placeholders to `<<secrets/SCOPE/KEY>>`, which always reads the \
          latest version, so it refuses a pinned placeholder",
    example: "password: \"$<kv:kv-app/db-pass/5f0c1e2d3b4a49d8a7c6b5e4d3c2b1a0>\"",
    fix: "drop the version segment, or keep this file for `render` on the VM",
};

/// KV201 for each pinned placeholder outside comments, when the target is Databricks.
pub(super) fn check(context: &Context<'_>) -> Vec<Diagnostic> {
    if context.options.target != Target::Databricks {
        return Vec::new();
    }
    context
        .live_items()
        .filter_map(|(item, _)| {
            let version = item.placeholder()?.version?;
            let message = format!("version pin `{version}` cannot be used on Databricks");
            Some(context.finding(Code::Kv201, item.span, message).with_help(DOC.fix))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::LintOptions;
    use super::super::test_support::run_rule;
    use super::*;
    use crate::filetype::FileType;

    const TEXT: &str = "a: $<kv:kv-app/x/5f0c1e2d3b4a49d8a7c6b5e4d3c2b1a0>\nb: $<kv:kv-app/y>\n\
                        # c: $<kv:kv-app/x/5f0c1e2d3b4a49d8a7c6b5e4d3c2b1a0>\n";

    #[test]
    fn pins_on_databricks() {
        let options = LintOptions { target: Target::Databricks, ..LintOptions::default() };
        let found = run_rule(check, TEXT, FileType::Yaml, &options, &[3], &[]);
        assert_eq!(
            found,
            [
                "1:4 KV201 version pin `5f0c1e2d3b4a49d8a7c6b5e4d3c2b1a0` cannot be used on Databricks"
            ]
        );
    }

    #[test]
    fn pins_are_fine_on_the_vm() {
        assert!(
            run_rule(check, TEXT, FileType::Yaml, &LintOptions::default(), &[3], &[]).is_empty()
        );
    }
}
