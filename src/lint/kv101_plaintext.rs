//! KV101: a plaintext credential, either as the value of a credential-named key or inside
//! a connection string or URL. Findings name the key and span exactly the credential's
//! bytes, which every report masks; the value itself is never put in a message.

use std::collections::HashMap;
use std::ops::Range;

use super::credential_name::{CredentialNames, KeyClass};
use super::pairs::{Pair, Pairs, ScalarKind};
use super::{Context, RuleDoc, embedded, outside_items};
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
    let names = context.options.credential_names();
    let pairs = context.pairs;
    let naming = naming_fields(pairs, context.text);
    let mut found: Vec<(Range<usize>, String)> = Vec::new();
    let mut masks = Vec::new();
    for (pair, names_a_secret) in pairs.pairs.iter().zip(naming) {
        if pair.kind == ScalarKind::Typed || names_a_secret {
            continue;
        }
        let key = effective_key(pairs, pair, context.text);
        found.extend(check_pair(context, names, key, pair.value.clone(), &mut masks));
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
    let class = names.classify(key);
    // A connection string is checked for the credentials inside it; a value under such a
    // key with none of a connection string's or host name's punctuation (base64 padding
    // aside) is an opaque secret itself.
    let opaque = class == KeyClass::ConnectionString && {
        let text = context.text[value.clone()].trim_end_matches('=');
        !text.contains(['=', ';', ':', '@', '/', ',', '.'])
            && !text.eq_ignore_ascii_case("localhost")
    };
    if class == KeyClass::Credential || opaque {
        if !is_exempt(context, &value) {
            return vec![(value, format!("plaintext credential in `{}`", shown(key)))];
        }
        masks.extend(outside_items(context.items, value));
        return Vec::new();
    }
    // A credential inside the value (a connection string's `Password=`, a URL's
    // password) is masked like a credential value when it gets no finding of its own.
    let mut found = Vec::new();
    for embedded in embedded::find(context.text, value, names) {
        if is_exempt(context, &embedded.range) {
            masks.extend(outside_items(context.items, embedded.range));
        } else {
            let what = embedded.what;
            let message =
                format!("plaintext credential in `{}`: `{what}` holds a literal value", shown(key));
            found.push((embedded.range, message));
        }
    }
    found
}

/// A key as a message shows it: control characters (a line break in a quoted key) are
/// escaped, so that a finding stays on one line in `concise` output.
fn shown(key: &str) -> std::borrow::Cow<'_, str> {
    if key.chars().any(char::is_control) {
        key.chars()
            .map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() })
            .collect::<String>()
            .into()
    } else {
        key.into()
    }
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
        || is_file_path(value)
}

/// A path to a key or certificate file (`client_key: /etc/ssl/client.key`, `ssh_key:
/// ~/.ssh/id_rsa`, `dbfs:/keys/app.pem`): it names where a secret is kept, not the
/// secret. A value is taken for a path when it says so: a relative start (`./`, `../`,
/// `~/`, `$HOME/`), a storage URL scheme, a Windows drive, an absolute path under a
/// well-known folder, or a path-like name ending in a key or certificate file's
/// extension. Other values starting with `/` may be passwords (base64 holds `/`).
fn is_file_path(value: &str) -> bool {
    const EXTENSIONS: &[&str] =
        &["key", "pem", "crt", "cer", "der", "p8", "p12", "pfx", "jks", "keystore", "pub", "ppk"];
    const SCHEMES: &[&str] = &[
        "file:", "dbfs:/", "abfss://", "abfs://", "wasbs://", "wasb://", "adl://", "s3://",
        "s3a://", "gs://", "hdfs://",
    ];
    const ROOTS: &[&str] = &[
        "etc",
        "home",
        "opt",
        "var",
        "usr",
        "mnt",
        "dbfs",
        "run",
        "tmp",
        "root",
        "srv",
        "dev",
        "secrets",
        "keys",
        "certs",
        "ssl",
        "Volumes",
        "Workspace",
        "Users",
    ];
    if value.len() < 3 || value.contains(char::is_whitespace) {
        return false;
    }
    let relative = ["./", "../", "~/", "$HOME/", "${HOME}/"].iter().any(|p| value.starts_with(p));
    let scheme =
        SCHEMES.iter().any(|s| value.get(..s.len()).is_some_and(|v| v.eq_ignore_ascii_case(s)));
    let drive = value.as_bytes()[0].is_ascii_alphabetic()
        && value[1..].starts_with([':'])
        && value[2..].starts_with(['\\', '/']);
    let under_root = value
        .strip_prefix('/')
        .and_then(|rest| rest.split_once('/'))
        .is_some_and(|(root, _)| ROOTS.contains(&root));
    let extension = value.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    let key_file = extension.is_some_and(|e| EXTENSIONS.contains(&e.as_str()))
        && value.chars().all(|c| c.is_ascii_alphanumeric() || "_.-/\\~:".contains(c));
    relative || scheme || drive || under_root || key_file
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

/// The kinds of block that name a secret rather than hold one, each with the fields
/// that hold the name: a Guzzle Key Vault block (`keyvault_name` + `secret`), a
/// Databricks block (`scope` + `key`), and an ADF `AzureKeyVaultSecret` reference
/// (`secretName`). Their other fields (a `password` beside them) are checked as usual.
#[derive(Clone, Copy, Default)]
struct Naming {
    key_vault: bool,
    reference: bool,
    /// A Databricks block needs both of its fields.
    scope_and_key: (bool, bool),
}

impl Naming {
    /// Whether `field` (the last part of a key) holds the name of the secret here.
    fn exempts(self, field: &str) -> bool {
        let is = |names: &[&str]| names.iter().any(|name| is_key(field, name));
        (self.key_vault && is(&["keyvaultname", "secret", "secretname"]))
            || (self.scope_and_key == (true, true) && is(&["scope", "key"]))
            || (self.reference && is(&["secretname"]))
    }
}

/// The block a pair belongs to, and its field: its mapping and, in it, the keys that
/// share a dotted prefix, since a HOCON path `a.kv.secret` or a `.properties` key is a
/// block written flat.
fn block_of(pair: &Pair) -> ((usize, &str), &str) {
    match pair.key.rsplit_once('.') {
        Some((prefix, field)) => ((pair.mapping, prefix), field),
        None => ((pair.mapping, ""), pair.key.as_str()),
    }
}

/// For each pair, whether it holds the name of a secret in a block that names one. One
/// pass over the pairs: asking per pair would be quadratic in a flat file of many keys.
fn naming_fields(pairs: &Pairs, text: &str) -> Vec<bool> {
    let mut blocks: HashMap<(usize, &str), Naming> = HashMap::new();
    for pair in &pairs.pairs {
        let (block, field) = block_of(pair);
        let is_kv_type = || text[pair.value.clone()].eq_ignore_ascii_case("AzureKeyVaultSecret");
        let mut naming = |set: fn(&mut Naming)| set(blocks.entry(block).or_default());
        if is_key(field, "keyvaultname") {
            naming(|n| n.key_vault = true);
        } else if is_key(field, "secretname") || (is_key(field, "type") && is_kv_type()) {
            naming(|n| n.reference = true);
        } else if is_key(field, "scope") {
            naming(|n| n.scope_and_key.0 = true);
        } else if is_key(field, "key") {
            naming(|n| n.scope_and_key.1 = true);
        }
    }
    // Most files name no secret: then no field is exempt, and no key need be hashed.
    if blocks.is_empty() {
        return vec![false; pairs.pairs.len()];
    }
    pairs
        .pairs
        .iter()
        .map(|pair| {
            let (block, field) = block_of(pair);
            blocks.get(&block).is_some_and(|naming| naming.exempts(field))
        })
        .collect()
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
