//! Credentials inside a value: `Password=` / `AccountKey=` / `SharedAccessKey=` in
//! connection strings, `password=` / `token=` / `sig=` in URL queries and JDBC URLs,
//! `user:password@` in URLs and `user/password@` in Oracle thin URLs.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use super::credential_name::{CredentialNames, KeyClass};

/// One credential found inside a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Embedded {
    /// How the credential is written, e.g. `Password=` or `user:password@`.
    pub what: String,
    /// The credential's bytes in the file.
    pub range: Range<usize>,
}

/// `scheme://user:password@`: the password.
static USERINFO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b[a-z][a-z0-9+.-]*://[^/\s:@;?#]*:([^/\s@;?#]+)@").expect("valid regex")
});

/// `jdbc:oracle:thin:user/password@`: the password.
static ORACLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)jdbc:oracle:[a-z0-9]+:[^/@\s:;]+/([^@\s;]+)@").expect("valid regex")
});

/// The candidate credentials in the value at `range` of `text`. The caller decides
/// whether each is a literal or a reference.
pub(crate) fn find(text: &str, range: Range<usize>, names: &CredentialNames) -> Vec<Embedded> {
    let value = &text[range.clone()];
    let mut found = parameters(value, names);
    // Each pattern needs its literals; checking for them first leaves the regexes
    // uncompiled for most files (compiling them was half of a small file's lint).
    let has = |needle: &str| value.to_ascii_lowercase().contains(needle);
    let patterns =
        [(&USERINFO, "user:password@", "://"), (&ORACLE, "user/password@", "jdbc:oracle:")];
    for (regex, what, needle) in patterns {
        if !value.contains('@') || !has(needle) {
            continue;
        }
        found.extend(
            regex
                .captures_iter(value)
                .filter_map(|c| c.get(1))
                .map(|m| Embedded { what: what.to_owned(), range: m.range() }),
        );
    }
    for embedded in &mut found {
        embedded.range = range.start + embedded.range.start..range.start + embedded.range.end;
    }
    found
}

/// `name=value` parameters separated by `;`, `&` or `?`, whose name is credential-named
/// (or is a SAS `sig`). A value is `{...}` or quoted when it opens so, else it runs to
/// the next separator.
fn parameters(value: &str, names: &CredentialNames) -> Vec<Embedded> {
    let mut found = Vec::new();
    let mut start = 0;
    while start < value.len() {
        let rest = &value[start..];
        let Some(eq) = rest.find(['=', ';', '&', '?']).filter(|&at| rest.as_bytes()[at] == b'=')
        else {
            start += rest.find([';', '&', '?']).map_or(rest.len(), |at| at + 1);
            continue;
        };
        // The name is the last word before `=`: after blanks, and after the `,` that
        // separates Redis-style options (`host:6379,password=...`).
        let before = rest[..eq].trim_end();
        let name = before.rsplit(|c: char| c == ',' || c.is_whitespace()).next().unwrap_or("");
        let name = name.trim_start_matches('-');
        let literal = literal_range(rest, eq + 1);
        let is_credential =
            name.eq_ignore_ascii_case("sig") || names.classify(name) == KeyClass::Credential;
        if is_credential && !literal.is_empty() {
            let range = start + literal.start..start + literal.end;
            found.push(Embedded { what: format!("{name}="), range });
        }
        start += literal.end + 1;
    }
    found
}

/// The value of a parameter starting at `at`: inside `{...}` or quotes when it opens with
/// one, else up to the next `;`, `&` or `?`, without surrounding blanks.
fn literal_range(rest: &str, at: usize) -> Range<usize> {
    let tail = &rest[at..];
    let end = tail.find([';', '&', '?']).unwrap_or(tail.len());
    let trimmed = tail[..end].trim_start();
    let lead = at + end - trimmed.len();
    let close = match tail[lead - at..].chars().next() {
        Some('{') => Some('}'),
        Some(q @ ('"' | '\'')) => Some(q),
        _ => None,
    };
    match close.and_then(|c| rest[lead + 1..].find(c)) {
        Some(len) => lead + 1..lead + 1 + len,
        None => lead..lead + trimmed.trim_end().len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(value: &str) -> Vec<(String, String)> {
        find(value, 0..value.len(), &CredentialNames::default())
            .into_iter()
            .map(|e| (e.what, value[e.range].to_owned()))
            .collect()
    }

    macro_rules! embedded {
        ($($value:expr => [$(($what:expr, $literal:expr)),*];)*) => {$(
            let expected: Vec<(String, String)> = vec![$(($what.to_owned(), $literal.to_owned())),*];
            assert_eq!(shown($value), expected, "{}", $value);
        )*};
    }

    #[test]
    fn credentials_inside_values() {
        embedded! {
            "Server=tcp:h,1433;User ID=u;Password=p@ss w0rd;Encrypt=True" => [("Password=", "p@ss w0rd")];
            "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=abc==;EndpointSuffix=x" => [("AccountKey=", "abc==")];
            "Endpoint=sb://n/;SharedAccessKeyName=send;SharedAccessKey=k=" => [("SharedAccessKey=", "k=")];
            "Driver={ODBC};Pwd={a;b}" => [("Pwd=", "a;b")];
            "https://acct.blob.core.windows.net/c?sv=2022&sp=r&sig=AbC%2B" => [("sig=", "AbC%2B")];
            "jdbc:postgresql://h:5432/db?user=u&password=pw&ssl=true" => [("password=", "pw")];
            "https://api.example.com/x?token=t0k" => [("token=", "t0k")];
            "postgres://user:pa55@host:5432/db" => [("user:password@", "pa55")];
            "jdbc:oracle:thin:scott/tiger@//h:1521/s" => [("user/password@", "tiger")];
            "--user u --password=pw" => [("password=", "pw")];
            "h:6379,password=pw,ssl=True" => [("password=", "pw,ssl=True")];
            "Password =pw" => [("Password=", "pw")];
        }
    }

    #[test]
    fn nothing_to_see() {
        embedded! {
            "jdbc:sqlserver://h:1433;user=me@contoso.com;encrypt=true" => [];
            "jdbc:oracle:thin:@//erp-db.contoso.local:1521/ERPPRD" => [];
            "abfss://checkpoints@acct.dfs.core.windows.net/" => [];
            "https://login.microsoftonline.com/t/oauth2/token" => [];
            "Endpoint=sb://n/;SharedAccessKeyName=send" => [];
            "ALTER SESSION SET TIME_ZONE = 'UTC'" => [];
            "Password=;Server=x" => [];
            "jdbc:postgresql://h:5432/crm?sslmode=require" => [];
        }
    }
}
