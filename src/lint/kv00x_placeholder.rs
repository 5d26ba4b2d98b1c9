//! KV001-KV005: malformed placeholders, invalid vault, secret and version names, and near
//! misses. The scanner finds them ([`Item::diagnostics`]); this rule skips comments.
//!
//! [`Item::diagnostics`]: crate::scan::Item::diagnostics

use super::{Context, RuleDoc};
use crate::diagnostic::{Code, Diagnostic};

/// KV001.
pub(super) const KV001: RuleDoc = RuleDoc {
    code: Code::Kv001,
    summary: "malformed placeholder: text starts with `$<kv:` but is not a complete placeholder",
    why: "`render` and `databricks` refuse a file with a malformed placeholder, and a \
          placeholder that never resolves would otherwise reach a job as literal text",
    example: "password: \"$<kv:kv-app/db-pass\"   # no closing `>`",
    fix: "write `$<kv:VAULT/SECRET>` or `$<kv:VAULT/SECRET/VERSION>` on one line; to mean the \
          literal text `$<kv:`, write `$$<kv:`",
};

/// KV002.
pub(super) const KV002: RuleDoc = RuleDoc {
    code: Code::Kv002,
    summary: "invalid vault name: the vault segment breaks Azure's Key Vault naming rules",
    why: "no vault can have this name, so the placeholder can never be resolved",
    example: "password: \"$<kv:kv_app/db-pass>\"",
    fix: "use the vault's real name: 3-24 letters, digits and `-`, starting with a letter, \
          ending with a letter or digit, no `--`",
};

/// KV003.
pub(super) const KV003: RuleDoc = RuleDoc {
    code: Code::Kv003,
    summary: "invalid secret name: the secret segment breaks Key Vault's naming rules",
    why: "Key Vault cannot store a secret with this name (only letters, digits and `-`), \
          so the placeholder can never be resolved",
    example: "cosmos.key=$<kv:kv-app/COSMOSDB_PRIMARY_KEY>",
    fix: "rename the secret to 1-127 letters, digits and `-` (e.g. `COSMOSDB-PRIMARY-KEY`)",
};

/// KV004.
pub(super) const KV004: RuleDoc = RuleDoc {
    code: Code::Kv004,
    summary: "invalid version: the version segment is not 32 hexadecimal digits",
    why: "Key Vault secret versions are 32 hexadecimal digits; any other version is never found",
    example: "password: \"$<kv:kv-app/db-pass/v2>\"",
    fix: "copy the version from Key Vault, or drop the segment to use the latest version",
};

/// KV005.
pub(super) const KV005: RuleDoc = RuleDoc {
    code: Code::Kv005,
    summary: "near miss: text that looks like a placeholder but is not one",
    why: "`render` copies near misses as they are, so a typo such as `$<KV:` or `${kv:` would \
          reach a job as a literal password",
    example: "password: \"${kv:kv-app/db-pass}\"",
    fix: "write the placeholder as `$<kv:VAULT/SECRET>`, with `kv` in lower case",
};

/// The scanner's own findings for every item outside comments.
pub(super) fn check(context: &Context<'_>) -> Vec<Diagnostic> {
    context
        .live_items()
        .flat_map(|(item, _)| item.diagnostics(context.path, context.text))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::LintOptions;
    use super::super::test_support::run_rule;
    use super::*;
    use crate::filetype::FileType;

    /// BR-26: <https://github.com/microsoft/WebTemplateStudio/issues/1839>
    #[test]
    fn br26_names_the_vault_cannot_store() {
        let text = "cosmos.key=$<kv:kv-app/COSMOSDB_PRIMARY_KEY>\ncosmos.uri=$<kv:kv-app/cosmosdb-uri>\n\
                    name=$<kv:kv-app/schlüssel>\nstorage=$<kv:kv_app/storage-key>\n";
        let found = run_rule(
            check,
            text,
            FileType::Properties { spark: false },
            &LintOptions::default(),
            &[],
            &[],
        );
        assert_eq!(
            found,
            [
                "1:12 KV003 invalid secret name `COSMOSDB_PRIMARY_KEY`: invalid character `_`",
                "3:6 KV003 invalid secret name `schlüssel`: non-ASCII character `ü`",
                "4:9 KV002 invalid vault name `kv_app`: invalid character `_`",
            ]
        );
    }

    /// BR-12: <https://github.com/a8m/envsubst/issues/8>
    #[test]
    fn br12_odd_content_is_malformed_at_exact_positions() {
        let text = "url = \"$<kv:kv-app/endpoint:http://localhost:8080>\"\na = \"$<kv:kv-app/>\"\n\
                    b = \"$<kv:kv-app/db-\npass>\"\nd = \"$<kv:kv-app/db-pass\"\n";
        let found = run_rule(check, text, FileType::Hocon, &LintOptions::default(), &[], &[]);
        let positions: Vec<_> =
            found.iter().map(|f| f.split(' ').take(2).collect::<Vec<_>>().join(" ")).collect();
        assert_eq!(positions, ["1:8 KV001", "2:6 KV001", "3:6 KV001", "5:6 KV001"]);
    }

    #[test]
    fn comments_and_escapes_give_nothing() {
        let text = "# $<kv:kv_app/x>\na: $$<kv:not/a-placeholder>\nb: ${kv:kv-app/x}\n";
        let found = run_rule(check, text, FileType::Yaml, &LintOptions::default(), &[1], &[]);
        assert_eq!(found, ["3:4 KV005 `${kv:` looks like a placeholder but is not one"]);
    }
}
