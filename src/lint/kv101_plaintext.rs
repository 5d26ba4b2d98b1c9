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

/// What KV101 found in one file.
pub(super) struct Checked {
    /// The findings, by position.
    pub findings: Vec<Diagnostic>,
    /// Literal text in credential values that hold a malformed placeholder or a near miss:
    /// no KV101 finding of its own (the item gets KV001-KV005), but masked wherever a
    /// report shows the line.
    pub masks: Vec<Range<usize>>,
}

/// KV101 for every pair of the file (`text` files have none).
pub(super) fn check(context: &Context<'_>) -> Checked {
    let names = CredentialNames::new(&context.options.extra_credential_names);
    let pairs = context.pairs;
    let naming = mappings_naming_a_secret(pairs, context.text);
    let mut found: Vec<(Range<usize>, String)> = Vec::new();
    let mut masks = Vec::new();
    for pair in &pairs.pairs {
        if pair.kind == ScalarKind::Typed || (naming[pair.mapping] && names_the_secret(&pair.key)) {
            continue;
        }
        let key = effective_key(pairs, pair, context.text);
        found.extend(check_pair(context, &names, key, pair.value.clone(), &mut masks));
    }
    found.sort_by_key(|(range, _)| range.start);

    let mut index = LineIndex::new(context.text.as_bytes());
    let findings = found
        .into_iter()
        .map(|(range, message)| {
            let span = index.span(range.start, range.len());
            context.finding(Code::Kv101, span, message).with_help(help(context.file_type))
        })
        .collect();
    Checked { findings, masks }
}

/// The findings of one value: the whole value when the key names a credential, else each
/// credential inside it. Returns each finding's range and message; the literal text of
/// a credential value that holds an item goes to `masks`.
fn check_pair(
    context: &Context<'_>,
    names: &CredentialNames,
    key: &str,
    value: Range<usize>,
    masks: &mut Vec<Range<usize>>,
) -> Vec<(Range<usize>, String)> {
    if names.classify(key) == KeyClass::Credential {
        if !is_exempt(context, &value) {
            return vec![(value, format!("plaintext credential in `{key}`"))];
        }
        masks.extend(around_items(context, value));
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

/// The parts of `range` outside the scanned items in it.
fn around_items(context: &Context<'_>, range: Range<usize>) -> Vec<Range<usize>> {
    let first = context.items.partition_point(|i| i.span.offset < range.start);
    let mut parts = Vec::new();
    let mut at = range.start;
    for item in context.items[first..].iter().take_while(|i| i.span.offset < range.end) {
        parts.push(at..item.span.offset);
        at = item.span.end();
    }
    parts.push(at..range.end.max(at));
    parts.retain(|part| !part.is_empty());
    parts
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

/// For each mapping, whether it names a secret rather than holds one: a Guzzle Key
/// Vault block (`keyvault_name` + `secret`), a Databricks block (`scope` + `key`), or an
/// ADF `AzureKeyVaultSecret` reference (`secretName`). One pass over the pairs: asking
/// per pair would be quadratic in a flat file of many keys.
fn mappings_naming_a_secret(pairs: &Pairs, text: &str) -> Vec<bool> {
    #[derive(Clone, Copy, Default)]
    struct Seen {
        names: bool,
        scope: bool,
        key: bool,
    }
    let mut seen = vec![Seen::default(); pairs.mappings.len()];
    for pair in &pairs.pairs {
        let (seen, key) = (&mut seen[pair.mapping], pair.key.as_str());
        let is_kv_type = || text[pair.value.clone()].eq_ignore_ascii_case("AzureKeyVaultSecret");
        if is_key(key, "keyvaultname")
            || is_key(key, "secretname")
            || (is_key(key, "type") && is_kv_type())
        {
            seen.names = true;
        } else if is_key(key, "scope") {
            seen.scope = true;
        } else if is_key(key, "key") {
            seen.key = true;
        }
    }
    seen.iter().map(|s| s.names || (s.scope && s.key)).collect()
}

/// The key a value really belongs to: the key above an ADF `SecureString` object, and
/// the `name` of a `name`/`value` pair (request headers, environment lists).
fn effective_key<'a>(pairs: &'a Pairs, pair: &'a Pair, text: &'a str) -> &'a str {
    if !is_key(&pair.key, "value") {
        return &pair.key;
    }
    let sibling = |name: &str| pairs.siblings(pair.mapping).find(|p| is_key(&p.key, name));
    let secure =
        sibling("type").is_some_and(|t| text[t.value.clone()].eq_ignore_ascii_case("SecureString"));
    if secure {
        if let Some(parent) = &pairs.mappings[pair.mapping].parent_key {
            return parent;
        }
    }
    match sibling("name") {
        Some(name) => &text[name.value.clone()],
        None => &pair.key,
    }
}

/// The fields of a block that names a secret which hold the name, not the value:
/// `secret` beside `keyvault_name`, `key` beside `scope`, `secretName`. Their siblings
/// (a `password` in the same mapping) are checked as any other key.
fn names_the_secret(key: &str) -> bool {
    ["secret", "secretname", "key", "scope", "keyvaultname"].iter().any(|name| is_key(key, name))
}

/// Whether `key` is `name` (lowercase letters and digits) once case and every other
/// character are ignored: `keyvault_name` and `keyVaultName` are `keyvaultname`.
fn is_key(key: &str, name: &str) -> bool {
    let mut letters = key.bytes().filter(u8::is_ascii_alphanumeric).map(|b| b.to_ascii_lowercase());
    name.bytes().all(|n| letters.next() == Some(n)) && letters.next().is_none()
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
