//! KV301: a placeholder naming a vault outside the configured allow-list
//! (`[vaults] allow` in the config file, `--allow-vault`).

use super::{Context, RuleDoc};
use crate::diagnostic::{Code, Diagnostic};
use crate::names;

/// KV301.
pub(super) const DOC: RuleDoc = RuleDoc {
    code: Code::Kv301,
    summary: "vault not in the configured allow-list",
    why: "an allow-list keeps configuration from reading secrets out of vaults that belong to \
          another environment or team; `render` and `check` refuse such placeholders too",
    example: "password: \"$<kv:kv-someone-else/db-pass>\"   # allow = [\"kv-guzzle-prod\"]",
    fix: "use a vault from the allow-list, or add the vault to `[vaults] allow` in \
          `guzzle-kv.toml` (or pass `--allow-vault`)",
};

/// KV301 for each placeholder outside comments whose vault is not allowed. An invalid
/// vault name already has KV002 and gets nothing more; an empty list allows every vault.
pub(super) fn check(context: &Context<'_>) -> Vec<Diagnostic> {
    let allowed = &context.options.allow_vaults;
    if allowed.is_empty() {
        return Vec::new();
    }
    context
        .live_items()
        .filter_map(|(item, _)| {
            let vault = item.placeholder()?.vault;
            if names::check_vault(vault).is_err()
                || allowed.iter().any(|a| a.eq_ignore_ascii_case(vault))
            {
                return None;
            }
            let message = format!("vault `{vault}` is not in the allow-list");
            let help = format!("allowed vaults: {}", allowed.join(", "));
            Some(context.finding(Code::Kv301, item.span, message).with_help(help))
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
    fn vaults_outside_the_list() {
        let options = LintOptions { allow_vaults: vec!["kv-app".into()], ..LintOptions::default() };
        let text =
            "a: $<kv:KV-App/x>\nb: $<kv:kv-other/y>\nc: $<kv:kv_bad/z>\n# $<kv:kv-other/y>\n";
        let found = run_rule(check, text, FileType::Yaml, &options, &[4], &[]);
        assert_eq!(found, ["2:4 KV301 vault `kv-other` is not in the allow-list"]);
    }

    #[test]
    fn empty_list_allows_all() {
        let text = "b: $<kv:kv-other/y>\n";
        assert!(
            run_rule(check, text, FileType::Yaml, &LintOptions::default(), &[], &[]).is_empty()
        );
    }
}
