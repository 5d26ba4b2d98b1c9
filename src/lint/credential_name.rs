//! The credential-name rule of SPEC section 7: whether a key such as `db_password` or
//! `primaryKey` names a credential, judged by its last word or last two words.

/// Single words and word pairs that name a credential when they end a key.
///
/// Compound forms people write as one word (`apikey`, `accountkey`) are listed too,
/// since the splitter cannot see a word boundary inside them.
pub const CREDENTIAL_NAMES: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "passphrase",
    "secret",
    "client secret",
    "token",
    "sas",
    "sas token",
    "sastoken",
    "api key",
    "apikey",
    "access key",
    "accesskey",
    "account key",
    "accountkey",
    "primary key",
    "secondary key",
    "secret key",
    "secretkey",
    "shared key",
    "master key",
    "subscription key",
    "private key",
    "privatekey",
    "signing key",
    "encryption key",
    "client key",
    "ssh key",
    "storage key",
    "ssl key",
    "tls key",
    "credential",
    "credentials",
];

/// Words and pairs that name a connection string: such a value is checked for the
/// credentials inside it (`Password=`, `AccountKey=` ...), not flagged as a whole.
pub const CONNECTION_STRING_NAMES: &[&str] =
    &["connection string", "connectionstring", "conn string", "connstr"];

/// Hadoop-style property prefixes that carry a credential in the middle of the key, such
/// as `fs.azure.account.key.ACCOUNT.dfs.core.windows.net`.
const CREDENTIAL_PREFIXES: &[&str] =
    &["fs.azure.account.key.", "fs.azure.sas.", "fs.azure.account.oauth2.client.secret."];

/// What a key name says about its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyClass {
    /// The value is a credential.
    Credential,
    /// The value is a connection string that may hold credentials.
    ConnectionString,
    /// Nothing to say.
    Other,
}

/// The word lists, with the config file's extra names added.
#[derive(Clone, Debug)]
pub struct CredentialNames {
    credential: Vec<Vec<String>>,
    connection: Vec<Vec<String>>,
    /// Finds the last word of any name: a key that contains none of them names nothing.
    last_words: aho_corasick::AhoCorasick,
}

impl CredentialNames {
    /// The built-in lists plus `extra` names (written in any style: `signing key`,
    /// `signing_key` and `signingKey` are the same name).
    pub fn new(extra: &[String]) -> Self {
        let parse = |name: &str| words(name);
        let mut credential: Vec<Vec<String>> = CREDENTIAL_NAMES.iter().map(|n| parse(n)).collect();
        credential.extend(extra.iter().map(|n| parse(n)).filter(|w| !w.is_empty()));
        let connection: Vec<Vec<String>> =
            CONNECTION_STRING_NAMES.iter().map(|n| parse(n)).collect();
        let mut last_words: Vec<String> =
            credential.iter().chain(&connection).filter_map(|w| w.last().cloned()).collect();
        last_words.sort();
        last_words.dedup();
        let last_words = aho_corasick::AhoCorasick::new(&last_words).expect("a few short words");
        Self { credential, connection, last_words }
    }

    /// Whether `key` cannot name anything, known without splitting it: an ASCII key
    /// whose lowercase form holds no name's last word (most keys of a file). Keys beyond
    /// ASCII are split, since Unicode lowercasing can turn them into ASCII words.
    fn names_nothing(&self, key: &str) -> bool {
        const LONGEST: usize = 64;
        if key.len() > LONGEST || !key.is_ascii() {
            return false;
        }
        let mut lower = [0u8; LONGEST];
        let lower = &mut lower[..key.len()];
        lower.copy_from_slice(key.as_bytes());
        lower.make_ascii_lowercase();
        !self.last_words.is_match(&*lower)
    }

    /// Classifies a key.
    pub fn classify(&self, key: &str) -> KeyClass {
        // Each prefix holds a name's last word, so the shortcut never hides one.
        if self.names_nothing(key) {
            return KeyClass::Other;
        }
        let lower = key.to_ascii_lowercase();
        let lower = lower.trim_start_matches("spark.hadoop.");
        if CREDENTIAL_PREFIXES.iter().any(|p| lower.starts_with(p)) {
            return KeyClass::Credential;
        }
        let mut words = words(key);
        while words.last().is_some_and(|w| w.bytes().all(|b| b.is_ascii_digit())) {
            words.pop();
        }
        if ends_with_any(&words, &self.connection) {
            KeyClass::ConnectionString
        } else if ends_with_any(&words, &self.credential) {
            KeyClass::Credential
        } else {
            KeyClass::Other
        }
    }
}

impl Default for CredentialNames {
    fn default() -> Self {
        Self::new(&[])
    }
}

/// Whether the last one or two of `words` are one of `names`.
fn ends_with_any(words: &[String], names: &[Vec<String>]) -> bool {
    names.iter().any(|name| {
        (1..=2).contains(&name.len())
            && words.len() >= name.len()
            && words[words.len() - name.len()..] == name[..]
    })
}

/// Splits a key into lowercase words: at every character that is not a letter or digit
/// (`_`, `-`, `.`, and also `/`, `@`, space), at camelCase humps (`dbPassword`,
/// `SASToken`), and between letters and digits (`password2`, `oauth2Token`).
pub(crate) fn words(key: &str) -> Vec<String> {
    let chars: Vec<char> = key.chars().collect();
    let mut words = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            flush(&mut words, &mut current);
            continue;
        }
        if i > 0 && is_boundary(chars[i - 1], c, chars.get(i + 1).copied()) {
            flush(&mut words, &mut current);
        }
        current.extend(c.to_lowercase());
    }
    flush(&mut words, &mut current);
    words
}

/// A word starts at `c` after `prev`: a lower-to-upper hump, the last capital of an
/// acronym that begins a word (`SASToken`), or a change between letters and digits.
fn is_boundary(prev: char, c: char, next: Option<char>) -> bool {
    if !prev.is_alphanumeric() {
        return false;
    }
    let hump = prev.is_lowercase() && c.is_uppercase();
    let acronym_end =
        prev.is_uppercase() && c.is_uppercase() && next.is_some_and(char::is_lowercase);
    let digits = prev.is_ascii_digit() != c.is_ascii_digit();
    hump || acronym_end || digits
}

fn flush(words: &mut Vec<String>, current: &mut String) {
    if !current.is_empty() {
        words.push(std::mem::take(current));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! classify {
        ($($key:expr => $class:ident),* $(,)?) => {{
            let names = CredentialNames::new(&["signingKey".to_owned()]);
            $( assert_eq!(names.classify($key), KeyClass::$class, "{}", $key); )*
        }};
    }

    #[test]
    fn splits_words() {
        assert_eq!(words("dbPassword"), ["db", "password"]);
        assert_eq!(words("SASToken"), ["sas", "token"]);
        assert_eq!(words("password2"), ["password", "2"]);
        assert_eq!(words("oauth2Token"), ["oauth", "2", "token"]);
        assert_eq!(words("@1password/x"), ["1", "password", "x"]);
        assert_eq!(
            words("spark.hadoop.javax.jdo.option.ConnectionPassword").last().unwrap(),
            "password"
        );
    }

    #[test]
    fn the_spec_table() {
        classify! {
            "db_password" => Credential,
            "primary_key" => Credential,
            "dbPassword" => Credential,
            "password2" => Credential,
            "db-password-2" => Credential,
            "DB_PASSWORD" => Credential,
            "Pwd" => Credential,
            "client_secret" => Credential,
            "webhook_secret" => Credential,
            "sas_token" => Credential,
            "sasToken" => Credential,
            "session_token" => Credential,
            "auth_token" => Credential,
            "api_key" => Credential,
            "apiKey" => Credential,
            "X-Api-Key" => Credential,
            "access_key" => Credential,
            "AccountKey" => Credential,
            "SharedAccessKey" => Credential,
            "private_key_passphrase" => Credential,
            "spark.hadoop.fs.s3a.secret.key" => Credential,
            "spark.hadoop.javax.jdo.option.ConnectionPassword" => Credential,
            "fs.azure.account.key.acct.dfs.core.windows.net" => Credential,
            "spark.hadoop.fs.azure.sas.container.acct.blob.core.windows.net" => Credential,
            "request_signingKey" => Credential,
            "connection_string" => ConnectionString,
            "connectionString" => ConnectionString,
            "connection-string" => ConnectionString,
        }
    }

    #[test]
    fn the_shortcut_agrees_with_the_words() {
        let names = CredentialNames::new(&["signingKey".to_owned()]);
        assert!(names.names_nothing("job_cluster_name"));
        assert!(names.names_nothing("JAWS_CONFIG"));
        assert!(!names.names_nothing("DB_PASSWORD"));
        assert!(!names.names_nothing("request_SigningKey"));
        // Beyond ASCII the key is split: the Kelvin sign lowercases to `k`.
        assert!(!names.names_nothing("api_\u{212A}ey"));
        assert_eq!(names.classify("api_\u{212A}ey"), KeyClass::Credential);
        for prefix in CREDENTIAL_PREFIXES {
            assert!(!names.names_nothing(prefix), "{prefix}");
        }
    }

    #[test]
    fn not_credentials() {
        classify! {
            "api_key_expiry_time" => Other,
            "JAWS_CONFIG" => Other,
            "@1password/x" => Other,
            "password_file" => Other,
            "passwordFile" => Other,
            "access_key_id" => Other,
            "secretName" => Other,
            "keyvault_name" => Other,
            "key" => Other,
            "task_key" => Other,
            "job_cluster_key" => Other,
            "manifest_key" => Other,
            "SharedAccessKeyName" => Other,
            "token_url" => Other,
            "username" => Other,
            "bypass" => Other,
            "compass" => Other,
            "credential_type" => Other,
        }
    }
}
