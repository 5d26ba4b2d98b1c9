//! KV101: a plaintext credential, either as the value of a credential-named key or inside
//! a connection string or URL. Findings name the key and span exactly the credential's
//! bytes, which every report masks; the value itself is never put in a message.

use std::ops::Range;

use super::credential_name::{CredentialNames, KeyClass};
use super::pairs::{Pair, Pairs, ScalarKind};
use super::{Context, RuleDoc, embedded};
use crate::diagnostic::{Code, Diagnostic};
use crate::filetype::FileType;
use crate::span::LineIndex;

/// KV101.
pub(super) const DOC: RuleDoc = RuleDoc {
    code: Code::Kv101,
    summary: "plaintext credential: a credential-named key with a literal value, or a \
              credential inside a connection string or URL",
    why: "a password committed to a configuration repository is readable by everyone with \
          access to it, forever (it stays in the history); it belongs in Key Vault",
    example: "password: \"hunter2\"",
    fix: "store the value in Key Vault, rotate it, and write `$<kv:VAULT/SECRET>` in its place; \
          if the value is not a secret, silence the finding with a `guzzle-kv: ignore KV101` \
          comment or a `[[lint.ignore]]` entry",
};

/// Values that are obviously not secrets: booleans and nulls in any file type, and the
/// usual stand-ins for a value still to be filled in.
const NOT_SECRETS: &[&str] = &[
    "true",
    "false",
    "yes",
    "no",
    "on",
    "off",
    "null",
    "none",
    "nil",
    "undefined",
    "~",
    "n/a",
    "changeme",
    "change-me",
    "change_me",
    "changeit",
    "redacted",
    "todo",
    "tbd",
    "dummy",
    "example",
    "placeholder",
    "secret",
    "password",
];

/// KV101 for every pair of the file (`text` files have none).
pub(super) fn check(context: &Context<'_>) -> Vec<Diagnostic> {
    let names = CredentialNames::new(&context.options.extra_credential_names);
    let pairs = context.pairs;
    let naming = mappings_naming_a_secret(pairs, context.text);
    let mut found: Vec<(Range<usize>, String)> = Vec::new();
    for pair in &pairs.pairs {
        if pair.kind == ScalarKind::Typed || naming[pair.mapping] {
            continue;
        }
        let key = effective_key(pairs, pair, context.text);
        found.extend(check_pair(context, &names, &key, pair.value.clone()));
    }
    found.sort_by_key(|(range, _)| range.start);

    let mut index = LineIndex::new(context.text.as_bytes());
    found
        .into_iter()
        .map(|(range, message)| {
            let span = index.span(range.start, range.len());
            context.finding(Code::Kv101, span, message).with_help(help(context.file_type))
        })
        .collect()
}

/// The findings of one value: the whole value when the key names a credential, else each
/// credential inside it. Returns each finding's range and message.
fn check_pair(
    context: &Context<'_>,
    names: &CredentialNames,
    key: &str,
    value: Range<usize>,
) -> Vec<(Range<usize>, String)> {
    if names.classify(key) == KeyClass::Credential {
        if !is_exempt(context, &value) {
            return vec![(value, format!("plaintext credential in `{key}`"))];
        }
        return Vec::new();
    }
    embedded::find(context.text, value, names)
        .into_iter()
        .filter(|e| !is_exempt(context, &e.range))
        .map(|e| {
            (
                e.range,
                format!("plaintext credential in `{key}`: `{}` holds a literal value", e.what),
            )
        })
        .collect()
}

/// Whether the bytes at `range` are not a literal secret: empty, a placeholder or any
/// other scanned item (malformed placeholders and near misses get KV001-KV005 instead),
/// a reference or parameter, or an obvious stand-in.
fn is_exempt(context: &Context<'_>, range: &Range<usize>) -> bool {
    let first = context.items.partition_point(|i| i.span.offset < range.start);
    let holds_item = context.items.get(first).is_some_and(|i| i.span.offset < range.end);
    holds_item || is_not_secret(&context.text[range.clone()])
}

/// Values that hold no secret whatever their key.
pub(crate) fn is_not_secret(value: &str) -> bool {
    let value = value.trim();
    let lower = value.to_ascii_lowercase();
    let mut chars = value.chars();
    let first = chars.next();
    value.is_empty()
        || NOT_SECRETS.contains(&lower.as_str())
        || super::pairs::is_number(&lower)
        || (value.chars().count() > 1 && chars.all(|c| Some(c) == first))
        || (value.starts_with('<') && value.ends_with('>'))
        || is_reference(value)
}

/// References resolved elsewhere: `${param}`, Databricks `{{secrets/..}}` and
/// `<<secrets/..>>`, shell `$(..)`, ADF `@{..}` and `@pipeline()..` expressions, and a
/// whole value that is an environment variable (`$NAME`, `%NAME%`).
fn is_reference(value: &str) -> bool {
    let is_name =
        |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    ["${", "{{", "<<", "$(", "@{"].iter().any(|open| value.contains(open))
        || value.strip_prefix('$').is_some_and(is_name)
        || value.strip_prefix('%').and_then(|v| v.strip_suffix('%')).is_some_and(is_name)
        || (value.starts_with('@') && value.contains("()"))
}

/// Whether the mapping names a secret rather than holding one: a Guzzle Key Vault block
/// (`keyvault_name` + `secret`), a Databricks block (`scope` + `key`), or an ADF
/// `AzureKeyVaultSecret` reference (`secretName`).
/// For each mapping, whether it names a secret rather than holds one. One pass over the
/// pairs: asking per pair would be quadratic in a flat file of many keys.
fn mappings_naming_a_secret(pairs: &Pairs, text: &str) -> Vec<bool> {
    let mut keys: Vec<Vec<(String, &str)>> = vec![Vec::new(); pairs.mappings.len()];
    for pair in &pairs.pairs {
        keys[pair.mapping].push((normalized(&pair.key), &text[pair.value.clone()]));
    }
    keys.iter().map(|keys| names_a_secret(keys)).collect()
}

fn names_a_secret(keys: &[(String, &str)]) -> bool {
    let has = |name: &str| keys.iter().any(|(k, _)| k == name);
    let is_kv_type =
        keys.iter().any(|(k, v)| k == "type" && v.eq_ignore_ascii_case("AzureKeyVaultSecret"));
    has("keyvaultname") || (has("scope") && has("key")) || has("secretname") || is_kv_type
}

/// The key a value really belongs to: the key above an ADF `SecureString` object, and
/// the `name` of a `name`/`value` pair (request headers, environment lists).
fn effective_key(pairs: &Pairs, pair: &Pair, text: &str) -> String {
    if normalized(&pair.key) != "value" {
        return pair.key.clone();
    }
    let sibling = |name: &str| pairs.siblings(pair.mapping).find(|p| normalized(&p.key) == name);
    let secure =
        sibling("type").is_some_and(|t| text[t.value.clone()].eq_ignore_ascii_case("SecureString"));
    if secure {
        if let Some(parent) = &pairs.mappings[pair.mapping].parent_key {
            return parent.clone();
        }
    }
    match sibling("name") {
        Some(name) => text[name.value.clone()].to_owned(),
        None => pair.key.clone(),
    }
}

fn normalized(key: &str) -> String {
    key.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect()
}

/// How to silence a finding that is not a secret, in the file type's terms.
fn help(file_type: FileType) -> String {
    let silence = match file_type {
        FileType::Json | FileType::Text => "a `[[lint.ignore]]` entry in `guzzle-kv.toml`",
        FileType::Properties { .. } => "a `# guzzle-kv: ignore KV101` line above it",
        _ => "a `# guzzle-kv: ignore KV101` comment",
    };
    format!(
        "store the value in Key Vault and write `$<kv:VAULT/SECRET>` here; if it is not a secret, add {silence}"
    )
}

#[cfg(test)]
mod tests;
