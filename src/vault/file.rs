//! The local secrets file: a JSON object of `"vault/secret"` or `"vault/secret/version"`
//! keys to string values, for development, tests and demos. It never touches a network.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::Value;

use crate::names::{self, NameProblem};
use crate::secret::{SecretKey, SecretValue};
use crate::vault::{Lookup, ResolveError, SecretSource};

/// Secrets read from a local JSON file.
#[derive(Debug)]
pub struct FileSource {
    secrets: HashMap<SecretKey, SecretValue>,
}

/// Why a secrets file could not be loaded. Values never appear here: a JSON syntax error
/// is reported by position only, since the text around it may be a value.
#[derive(Debug, thiserror::Error)]
pub enum FileSourceError {
    /// The file could not be read.
    #[error("cannot read secrets file `{}`", path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a JSON object.
    #[error("secrets file `{}` is not valid JSON: {kind} at line {line}, column {column}", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// What kind of JSON error, without the offending text.
        kind: &'static str,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// The top level is not an object.
    #[error("secrets file `{}` must hold a JSON object of \"vault/secret\" keys to strings", path.display())]
    NotAnObject {
        /// The file.
        path: PathBuf,
    },
    /// A key is not `vault/secret` or `vault/secret/version`.
    #[error("secrets file `{}`: key `{key}` is not of the form `vault/secret` or `vault/secret/version`", path.display())]
    BadKey {
        /// The file.
        path: PathBuf,
        /// The key.
        key: String,
    },
    /// A key's vault, secret or version breaks the naming rules of placeholders.
    #[error("secrets file `{}`: key `{key}` has an invalid {part} `{name}`: {problem}", path.display())]
    InvalidName {
        /// The file.
        path: PathBuf,
        /// The key.
        key: String,
        /// Which part: `vault name`, `secret name` or `version`.
        part: &'static str,
        /// The part as written.
        name: String,
        /// What is wrong with it.
        problem: NameProblem,
    },
    /// A value is not a string.
    #[error("secrets file `{}`: the value of `{key}` must be a string, found {found}", path.display())]
    NotAString {
        /// The file.
        path: PathBuf,
        /// The key.
        key: String,
        /// The JSON type found.
        found: &'static str,
    },
    /// Two keys name the same secret: written the same, or the same once case is ignored.
    #[error("secrets file `{}`: `{key}` is given twice (names are case-insensitive)", path.display())]
    Duplicate {
        /// The file.
        path: PathBuf,
        /// The second key.
        key: String,
    },
}

impl FileSource {
    /// Loads and checks a secrets file.
    pub fn load(path: &Path) -> Result<Self, FileSourceError> {
        let text = std::fs::read(path)
            .map_err(|source| FileSourceError::Unreadable { path: path.into(), source })?;
        let text = zeroize::Zeroizing::new(text);
        Self::parse(path, &text)
    }

    /// Parses the text of a secrets file; `path` is only for messages.
    pub fn parse(path: &Path, text: &[u8]) -> Result<Self, FileSourceError> {
        // `Value` keeps only the last of two equal keys, so the entries are read in order.
        let Entries(entries) = serde_json::from_slice(text).map_err(|e| syntax(path, &e))?;

        let mut secrets = HashMap::with_capacity(entries.len());
        for (key, value) in entries {
            let id = parse_key(&key)
                .ok_or_else(|| FileSourceError::BadKey { path: path.into(), key: key.clone() })?;
            check_names(&key).map_err(|(part, name, problem)| FileSourceError::InvalidName {
                path: path.into(),
                key: key.clone(),
                part,
                name,
                problem,
            })?;
            let Value::String(value) = value else {
                let found = json_type(&value);
                return Err(FileSourceError::NotAString { path: path.into(), key, found });
            };
            if secrets.insert(id, SecretValue::new(value)).is_some() {
                return Err(FileSourceError::Duplicate { path: path.into(), key });
            }
        }
        Ok(Self { secrets })
    }

    /// How many secrets the file holds.
    pub fn len(&self) -> usize {
        self.secrets.len()
    }

    /// Whether the file holds no secret.
    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }
}

impl SecretSource for FileSource {
    fn resolve(&self, lookups: &[Lookup]) -> Vec<Result<SecretValue, ResolveError>> {
        lookups
            .iter()
            .map(|lookup| {
                let found = self.secrets.get(&lookup.id.key());
                #[cfg(debug_assertions)]
                if let Some(value) = found {
                    crate::run::injected_panic("secrets-file", value.expose());
                }
                found.cloned().ok_or(ResolveError::NotFound { status: None, code: None })
            })
            .collect()
    }

    fn is_local(&self) -> bool {
        true
    }
}

fn parse_key(key: &str) -> Option<SecretKey> {
    let mut parts = key.split('/');
    let vault = parts.next().filter(|s| !s.is_empty())?;
    let name = parts.next().filter(|s| !s.is_empty())?;
    let version = match parts.next() {
        Some(v) if !v.is_empty() => Some(v.to_ascii_lowercase()),
        Some(_) => return None,
        None => None,
    };
    if parts.next().is_some() {
        return None;
    }
    Some(SecretKey { vault: vault.to_ascii_lowercase(), name: name.to_ascii_lowercase(), version })
}

/// A naming rule of [`names`].
type NameCheck = fn(&str) -> Result<(), NameProblem>;

/// The vault, secret and version of a well-shaped key, checked as a placeholder's are.
fn check_names(key: &str) -> Result<(), (&'static str, String, NameProblem)> {
    let mut parts = key.split('/');
    let checks: [(&str, NameCheck); 3] = [
        ("vault name", names::check_vault),
        ("secret name", names::check_secret),
        ("version", names::check_version),
    ];
    for ((part, check), name) in checks.into_iter().zip(&mut parts) {
        check(name).map_err(|problem| (part, name.to_owned(), problem))?;
    }
    Ok(())
}

/// The top-level object's entries in file order, duplicates included. Anything but an
/// object is a data error, reported as [`FileSourceError::NotAnObject`].
struct Entries(Vec<(String, Value)>);

impl<'de> Deserialize<'de> for Entries {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(EntriesVisitor)
    }
}

struct EntriesVisitor;

impl<'de> Visitor<'de> for EntriesVisitor {
    type Value = Entries;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries, A::Error> {
        let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0));
        while let Some(entry) = map.next_entry::<String, Value>()? {
            entries.push(entry);
        }
        Ok(Entries(entries))
    }
}

fn syntax(path: &Path, error: &serde_json::Error) -> FileSourceError {
    use serde_json::error::Category;
    // Values are `Value`s, which take anything: a data error is a top level that is not
    // an object.
    if error.classify() == Category::Data {
        return FileSourceError::NotAnObject { path: path.into() };
    }
    let kind = match error.classify() {
        Category::Io => "I/O error",
        Category::Syntax => "syntax error",
        Category::Data => "unexpected data",
        Category::Eof => "unexpected end of file",
    };
    FileSourceError::Syntax { path: path.into(), kind, line: error.line(), column: error.column() }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::{SecretId, UseSite};

    fn lookup(vault: &str, name: &str, version: Option<&str>) -> Lookup {
        Lookup {
            id: SecretId {
                vault: vault.into(),
                name: name.into(),
                version: version.map(Into::into),
            },
            first_use: UseSite { path: "a.yml".into(), line: 1, column: 1 },
        }
    }

    #[test]
    fn resolves_case_insensitively_and_by_version() {
        let text = br#"{"kv-App/Db-Pass": "one", "kv-app/db-pass/ABCDEF0123456789abcdef0123456789": "two"}"#;
        let source = FileSource::parse(Path::new("s.json"), text).unwrap();
        let got = source.resolve(&[
            lookup("KV-APP", "db-pass", None),
            lookup("kv-app", "db-pass", Some("abcdef0123456789ABCDEF0123456789")),
            lookup("kv-app", "other", None),
        ]);
        assert_eq!(got[0].as_ref().unwrap().expose(), "one");
        assert_eq!(got[1].as_ref().unwrap().expose(), "two");
        assert!(matches!(got[2], Err(ResolveError::NotFound { .. })));
    }

    #[test]
    fn syntax_errors_do_not_quote_the_text() {
        let err = FileSource::parse(Path::new("s.json"), br#"{"kv/a": "canary-value"#).unwrap_err();
        let shown = err.to_string();
        assert!(!shown.contains("canary"), "{shown}");
        assert!(shown.contains("line 1"), "{shown}");
    }

    #[test]
    fn rejects_non_strings_and_bad_keys() {
        let err = FileSource::parse(Path::new("s.json"), br#"{"kv-a/a": 5}"#).unwrap_err();
        assert!(err.to_string().contains("found a number"));
        let err = FileSource::parse(Path::new("s.json"), br#"{"kv": "x"}"#).unwrap_err();
        assert!(err.to_string().contains("`kv`"));
        let err = FileSource::parse(Path::new("s.json"), br#"{"kv-a/a": "x", "KV-A/A": "y"}"#)
            .unwrap_err();
        assert!(err.to_string().contains("twice"));
    }

    /// Both values of a key given twice are kept out of the message.
    #[test]
    fn a_key_given_twice_is_an_error_naming_the_key() {
        for text in [
            &br#"{"kv-a/s": "canary-one", "kv-a/s": "canary-two"}"#[..],
            br#"{"kv-a/s": "canary-one", "kv-a/\u0073": "canary-two"}"#,
            br#"{"kv-a/s": "canary-one", "KV-A/S": "canary-two"}"#,
        ] {
            let err = FileSource::parse(Path::new("s.json"), text).unwrap_err();
            let shown = err.to_string();
            assert!(matches!(err, FileSourceError::Duplicate { .. }), "{shown}");
            assert!(shown.contains("given twice"), "{shown}");
            assert!(!shown.contains("canary"), "{shown}");
        }
    }

    #[test]
    fn keys_follow_the_placeholder_name_rules() {
        let cases = [
            (r#"{"kv/s": "canary"}"#, "invalid vault name `kv`: 2 characters, at least 3 needed"),
            (r#"{"kv-a/s_1": "canary"}"#, "invalid secret name `s_1`: invalid character `_`"),
            (r#"{"kv-a/s/v1": "canary"}"#, "invalid version `v1`"),
            (r#"{"kv-a/s/0123456789abcdef0123456789abcdeg": "canary"}"#, "invalid character `g`"),
        ];
        for (text, expected) in cases {
            let err = FileSource::parse(Path::new("s.json"), text.as_bytes()).unwrap_err();
            let shown = err.to_string();
            assert!(shown.contains(expected), "{shown}");
            assert!(shown.starts_with("secrets file `s.json`: key `"), "{shown}");
            assert!(!shown.contains("canary"), "{shown}");
        }
        let good = r#"{"kv-a/s": "x", "kv-a/s/0123456789ABCDEF0123456789abcdef": "y"}"#;
        assert_eq!(FileSource::parse(Path::new("s.json"), good.as_bytes()).unwrap().len(), 2);
    }

    #[test]
    fn the_top_level_must_be_an_object() {
        for text in [&b"[]"[..], b"\"canary\"", b"5", b"null"] {
            let err = FileSource::parse(Path::new("s.json"), text).unwrap_err();
            assert!(matches!(err, FileSourceError::NotAnObject { .. }), "{err}");
        }
    }
}
