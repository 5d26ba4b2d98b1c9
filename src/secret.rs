//! Secret identities and values. A `SecretValue` zeroes its memory when dropped and
//! never shows its bytes through `Debug` or `Display`.

use std::fmt;
use std::path::PathBuf;

use zeroize::Zeroizing;

/// A secret as a placeholder names it: vault, secret name and optional version, spelled
/// as written.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SecretId {
    /// The vault name.
    pub vault: String,
    /// The secret name.
    pub name: String,
    /// A pinned version (32 hexadecimal digits), if any.
    pub version: Option<String>,
}

impl SecretId {
    /// The identity Key Vault compares by: names are case-insensitive, and so are the
    /// hexadecimal digits of a version.
    pub fn key(&self) -> SecretKey {
        SecretKey {
            vault: self.vault.to_ascii_lowercase(),
            name: self.name.to_ascii_lowercase(),
            version: self.version.as_ref().map(|v| v.to_ascii_lowercase()),
        }
    }
}

impl fmt::Display for SecretId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.vault, self.name)?;
        if let Some(version) = &self.version {
            write!(f, "/{version}")?;
        }
        Ok(())
    }
}

/// The case-folded form of a [`SecretId`], used to fetch each secret once.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SecretKey {
    /// Lower-cased vault name.
    pub vault: String,
    /// Lower-cased secret name.
    pub name: String,
    /// Lower-cased version.
    pub version: Option<String>,
}

/// Where a secret is used: a file and the 1-based line and column of the placeholder.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct UseSite {
    /// The file as the user named it (or as the walk found it).
    pub path: PathBuf,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
}

impl fmt::Display for UseSite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.path.display(), self.line, self.column)
    }
}

/// A secret value. Its memory is zeroed on drop, and formatting it shows only its length.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretValue(Zeroizing<String>);

impl SecretValue {
    /// Wraps a value.
    pub fn new(value: String) -> Self {
        Self(Zeroizing::new(value))
    }

    /// The value itself: only encoders and the writer call this.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretValue(«{} bytes»)", self.0.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_value() {
        let value = SecretValue::new("canary-4f1d2c".to_owned());
        let shown = format!("{value:?}");
        assert!(!shown.contains("canary"), "{shown}");
        assert!(shown.contains("13 bytes"));
    }

    #[test]
    fn names_compare_case_insensitively() {
        let a = SecretId { vault: "KV-App".into(), name: "Db-Pass".into(), version: None };
        let b = SecretId { vault: "kv-app".into(), name: "db-pass".into(), version: None };
        assert_eq!(a.key(), b.key());
        assert_eq!(a.to_string(), "KV-App/Db-Pass");
    }
}
