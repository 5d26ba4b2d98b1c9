//! Azure naming rules for the parts of a placeholder and for Databricks scopes. The
//! scanner checks shape; this module says whether a well-shaped name is valid.

use std::fmt;

/// What is wrong with a name. `Display` completes the sentence "invalid vault name `x`: …".
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NameProblem {
    /// Fewer characters than allowed.
    TooShort {
        /// Characters found.
        len: usize,
        /// The minimum.
        min: usize,
    },
    /// More characters than allowed.
    TooLong {
        /// Characters found.
        len: usize,
        /// The maximum.
        max: usize,
    },
    /// A character outside ASCII.
    NonAscii(char),
    /// An ASCII character the rule does not allow.
    BadCharacter(char),
    /// A vault name must start with a letter.
    BadStart(char),
    /// A vault name must end with a letter or digit.
    BadEnd(char),
    /// A vault name may not contain `--`.
    DoubleHyphen,
}

impl fmt::Display for NameProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooShort { len, min } => {
                write!(f, "{len} character{}, at least {min} needed", plural(*len))
            }
            Self::TooLong { len, max } => write!(f, "{len} characters, at most {max} allowed"),
            Self::NonAscii(c) => write!(f, "non-ASCII character `{c}`"),
            Self::BadCharacter(c) => write!(f, "invalid character `{}`", c.escape_debug()),
            Self::BadStart(c) => write!(f, "starts with `{c}`, expected a letter"),
            Self::BadEnd(c) => write!(f, "ends with `{c}`, expected a letter or digit"),
            Self::DoubleHyphen => write!(f, "contains `--`"),
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The rule for vault names, as a suggestion line.
pub const VAULT_RULE: &str = "a vault name has 3-24 characters (ASCII letters, digits and `-`), \
     starts with a letter, ends with a letter or digit and has no `--`";

/// The rule for secret names, as a suggestion line.
pub const SECRET_RULE: &str =
    "a secret name has 1-127 characters: ASCII letters, digits and `-` only";

/// The rule for versions, as a suggestion line.
pub const VERSION_RULE: &str = "a version is 32 hexadecimal digits, as Key Vault shows it";

/// The rule for Databricks scopes, as a suggestion line.
pub const SCOPE_RULE: &str =
    "a Databricks scope has 1-128 characters: letters, digits, `-`, `_`, `.` and `@`";

/// Checks a Key Vault name: 3-24 of `[A-Za-z0-9-]`, a letter first, a letter or digit
/// last, no `--`.
pub fn check_vault(name: &str) -> Result<(), NameProblem> {
    check_chars(name, 3, 24, |c| c.is_ascii_alphanumeric() || c == '-')?;
    let first = name.chars().next().unwrap_or_default();
    let last = name.chars().last().unwrap_or_default();
    if !first.is_ascii_alphabetic() {
        return Err(NameProblem::BadStart(first));
    }
    if !last.is_ascii_alphanumeric() {
        return Err(NameProblem::BadEnd(last));
    }
    if name.contains("--") {
        return Err(NameProblem::DoubleHyphen);
    }
    Ok(())
}

/// Checks a Key Vault secret name: 1-127 of `[A-Za-z0-9-]`.
pub fn check_secret(name: &str) -> Result<(), NameProblem> {
    check_chars(name, 1, 127, |c| c.is_ascii_alphanumeric() || c == '-')
}

/// Checks a secret version: exactly 32 hexadecimal digits.
pub fn check_version(version: &str) -> Result<(), NameProblem> {
    check_chars(version, 32, 32, |c| c.is_ascii_hexdigit())
}

/// Checks a Databricks secret scope: 1-128 of `[A-Za-z0-9-_.@]`.
pub fn check_scope(scope: &str) -> Result<(), NameProblem> {
    check_chars(scope, 1, 128, |c| c.is_ascii_alphanumeric() || "-_.@".contains(c))
}

fn check_chars(
    name: &str,
    min: usize,
    max: usize,
    allowed: impl Fn(char) -> bool,
) -> Result<(), NameProblem> {
    if let Some(c) = name.chars().find(|c| !c.is_ascii()) {
        return Err(NameProblem::NonAscii(c));
    }
    if let Some(c) = name.chars().find(|&c| !allowed(c)) {
        return Err(NameProblem::BadCharacter(c));
    }
    let len = name.len();
    if len < min {
        return Err(NameProblem::TooShort { len, min });
    }
    if len > max {
        return Err(NameProblem::TooLong { len, max });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! names {
        ($check:ident: $($name:expr => $expected:expr),* $(,)?) => {
            $( assert_eq!($check($name), $expected, "{}", $name); )*
        };
    }

    #[test]
    fn vault_names() {
        names! { check_vault:
            "kv1" => Ok(()),
            "kv-contoso-edw-prod-sea1" => Ok(()),
            "kv" => Err(NameProblem::TooShort { len: 2, min: 3 }),
            "kv-vendor-dropzone-production-sea" => Err(NameProblem::TooLong { len: 33, max: 24 }),
            "1kv-vendor-prod" => Err(NameProblem::BadStart('1')),
            "kv-vendor-prod-" => Err(NameProblem::BadEnd('-')),
            "kv--vendor-prod" => Err(NameProblem::DoubleHyphen),
            "kv_app" => Err(NameProblem::BadCharacter('_')),
            "kv.vendor.prod" => Err(NameProblem::BadCharacter('.')),
            "kvé" => Err(NameProblem::NonAscii('é')),
        }
    }

    #[test]
    fn secret_names() {
        names! { check_secret:
            "a" => Ok(()),
            "COSMOSDB-PRIMARY-KEY" => Ok(()),
            "COSMOSDB_PRIMARY_KEY" => Err(NameProblem::BadCharacter('_')),
            "schlüssel" => Err(NameProblem::NonAscii('ü')),
            &"x".repeat(127) => Ok(()),
            &"x".repeat(128) => Err(NameProblem::TooLong { len: 128, max: 127 }),
        }
    }

    #[test]
    fn versions_and_scopes() {
        names! { check_version:
            "5f0c1e2d3b4a49d8a7c6b5e4d3c2b1a0" => Ok(()),
            "5F0C1E2D3B4A49D8A7C6B5E4D3C2B1A0" => Ok(()),
            "5f0c" => Err(NameProblem::TooShort { len: 4, min: 32 }),
            "5f0c1e2d3b4a49d8a7c6b5e4d3c2b1ag" => Err(NameProblem::BadCharacter('g')),
        }
        names! { check_scope:
            "kv-guzzle_prod.team@x" => Ok(()),
            "" => Err(NameProblem::TooShort { len: 0, min: 1 }),
            "a b" => Err(NameProblem::BadCharacter(' ')),
        }
    }

    #[test]
    fn problems_read_as_sentences() {
        assert_eq!(NameProblem::BadCharacter('_').to_string(), "invalid character `_`");
        assert_eq!(NameProblem::NonAscii('ü').to_string(), "non-ASCII character `ü`");
    }
}
