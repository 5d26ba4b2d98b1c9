//! KV202: a placeholder that is only part of a value, under `--target databricks
//! --syntax spark`. Databricks resolves `{{secrets/SCOPE/KEY}}` only as a whole value.

use super::{Context, RuleDoc};
use crate::cli::{Syntax, Target};
use crate::diagnostic::{Code, Diagnostic};

/// KV202.
pub(super) const DOC: RuleDoc = RuleDoc {
    code: Code::Kv202,
    summary: "placeholder embedded in a larger value under `--syntax spark`",
    why: "Databricks replaces `{{secrets/SCOPE/KEY}}` in Spark config and environment \
          variables only when the reference is the whole value; inside a longer string it \
          stays literal text",
    example: "jdbc_url: \"jdbc:sqlserver://h;password=$<kv:kv-app/db-pass>\"",
    fix: "make the placeholder a value of its own, or use `--syntax guzzle`, which Guzzle \
          resolves anywhere in a value",
};

/// KV202 for each placeholder outside comments that is not a whole value.
pub(super) fn check(context: &Context<'_>) -> Vec<Diagnostic> {
    let options = context.options;
    if options.target != Target::Databricks || options.syntax != Syntax::Spark {
        return Vec::new();
    }
    context
        .live_items()
        .filter(|(item, site)| item.placeholder().is_some() && !site.whole_value)
        .map(|(item, _)| {
            let message = "placeholder is part of a larger value; Databricks resolves \
                           `{{secrets/...}}` only as a whole value"
                .to_owned();
            context.finding(Code::Kv202, item.span, message).with_help(DOC.fix)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{run_rule, shown};
    use super::super::{LintOptions, check_file};
    use super::*;
    use crate::filetype::FileType;

    fn spark() -> LintOptions {
        LintOptions { target: Target::Databricks, syntax: Syntax::Spark, ..LintOptions::default() }
    }

    const TEXT: &str = "a: \"$<kv:kv-app/x>\"\nb: \"pre $<kv:kv-app/y>\"\n";

    #[test]
    fn embedded_placeholders_under_spark_syntax() {
        let found = run_rule(check, TEXT, FileType::Yaml, &spark(), &[], &[2]);
        assert_eq!(found.len(), 1);
        assert!(found[0].starts_with("2:9 KV202 placeholder is part of a larger value"));
    }

    #[test]
    fn silent_for_guzzle_syntax_and_the_vm() {
        let guzzle = LintOptions { target: Target::Databricks, ..LintOptions::default() };
        assert!(run_rule(check, TEXT, FileType::Yaml, &guzzle, &[], &[2]).is_empty());
        let vm = LintOptions { syntax: Syntax::Spark, ..LintOptions::default() };
        assert!(run_rule(check, TEXT, FileType::Yaml, &vm, &[], &[2]).is_empty());
    }

    #[test]
    fn found_through_the_file_type_reader() {
        let text = "{\"a\": \"$<kv:kv-app/x>\", \"b\": \"pre $<kv:kv-app/y>\"}";
        let codes: Vec<_> = check_file("f.json".as_ref(), text, FileType::Json, &spark())
            .iter()
            .map(shown)
            .collect();
        assert_eq!(codes.len(), 1);
        assert!(codes[0].starts_with("1:35 KV202"), "{codes:?}");
    }
}
