use super::*;

const FULL: &str = r#"
[vaults]
allow = ["kv-guzzle-prod", "KV-Guzzle-Dev"]
cloud = "public"

[vaults.urls]
kv-guzzle-prod = "https://kv-guzzle-prod.vaultcore.azure.net/"

[databricks]
syntax = "spark"

[databricks.scopes]
kv-guzzle-prod = "guzzle-prod"

[files]
include = ["conf/**"]
exclude = ["**/archive/**"]

[files.types]
"**/*.conf.tmpl" = "hocon"

[lint]
credential-names = ["pin", "signing key"]

[[lint.ignore]]
path = "adf/**/*.json"
codes = ["KV101"]

[[lint.ignore]]
path = "README.md"
"#;

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::parse(text, Path::new("/repo/guzzle-kv.toml"))
}

fn error(text: &str) -> String {
    let error = parse(text).unwrap_err();
    let mut shown = error.to_string();
    if let Some(source) = std::error::Error::source(&error) {
        shown = format!("{shown}\ncaused by: {source}");
    }
    shown
}

#[test]
fn every_key() {
    let config = parse(FULL).unwrap();
    assert_eq!(config.vaults.allow, ["kv-guzzle-prod", "KV-Guzzle-Dev"]);
    assert_eq!(config.vaults.cloud, Some(Cloud::Public));
    assert_eq!(config.vaults.urls["kv-guzzle-prod"], "https://kv-guzzle-prod.vaultcore.azure.net/");
    assert_eq!(config.databricks.syntax, Some(Syntax::Spark));
    assert_eq!(config.databricks.scopes["kv-guzzle-prod"], "guzzle-prod");
    assert_eq!(config.files.include, ["conf/**"]);
    assert_eq!(config.files.exclude, ["**/archive/**"]);
    assert_eq!(config.files.types["**/*.conf.tmpl"], FileTypeArg::Hocon);
    assert_eq!(config.lint.credential_names, ["pin", "signing key"]);
    assert_eq!(config.lint.ignore.len(), 2);
    assert_eq!(config.base_dir(), Some(Path::new("/repo")));
}

#[test]
fn ignores_are_relative_to_the_config_folder() {
    let ignores = parse(FULL).unwrap().ignores();
    assert!(ignores.is_ignored(Path::new("/repo/adf/ls/x.json"), Code::Kv101));
    assert!(!ignores.is_ignored(Path::new("/repo/adf/ls/x.json"), Code::Kv001));
    assert!(ignores.is_ignored(Path::new("/repo/docs/README.md"), Code::Kv001));
}

#[test]
fn empty_file_is_the_default() {
    let config = parse("").unwrap();
    assert!(config.vaults.allow.is_empty() && config.lint.ignore.is_empty());
}

#[test]
fn unknown_keys_name_the_key_and_the_file() {
    let shown = error("[vaults]\nalow = [\"kv-app\"]\n");
    assert!(shown.starts_with("invalid configuration file `/repo/guzzle-kv.toml`"), "{shown}");
    assert!(shown.contains("unknown field `alow`"), "{shown}");
    assert!(shown.contains("line 2"), "{shown}");

    let shown = error("[lint]\ncredential_names = []\n");
    assert!(shown.contains("unknown field `credential_names`"), "{shown}");
    let shown = error("[colour]\n");
    assert!(shown.contains("unknown field `colour`"), "{shown}");
}

macro_rules! invalid {
    ($($name:ident: $text:expr => $expected:expr;)*) => {$(
        #[test]
        fn $name() {
            assert_eq!(error($text), $expected);
        }
    )*};
}

invalid! {
    vault_in_allow_list: "[vaults]\nallow = [\"kv_app\"]\n" =>
        "invalid `vaults.allow[0]` in `/repo/guzzle-kv.toml`: `kv_app`: invalid character `_`";
    url_must_be_https: "[vaults.urls]\nkv-app = \"http://kv-app.vault.azure.net/\"\n" =>
        "invalid `vaults.urls.kv-app` in `/repo/guzzle-kv.toml`: expected an `https://` URL, found `http://kv-app.vault.azure.net/`";
    url_must_be_a_vault_domain: "[vaults.urls]\nkv-app = \"https://evil.example.com/vault.azure.net\"\n" =>
        "invalid `vaults.urls.kv-app` in `/repo/guzzle-kv.toml`: expected a host under vault.azure.net or vaultcore.azure.net, found `evil.example.com` (other hosts only with `--vault-url`)";
    url_named_by_the_files_cloud: "[vaults]\ncloud = \"china\"\n[vaults.urls]\nkv-app = \"https://kv-app.example.cn/\"\n" =>
        "invalid `vaults.urls.kv-app` in `/repo/guzzle-kv.toml`: expected a host under vault.azure.cn or vaultcore.azure.cn, found `kv-app.example.cn` (other hosts only with `--vault-url`)";
    url_lookalike_domain: "[vaults.urls]\nkv-app = \"https://kv-app.evilvault.azure.net/\"\n" =>
        "invalid `vaults.urls.kv-app` in `/repo/guzzle-kv.toml`: expected a host under vault.azure.net or vaultcore.azure.net, found `kv-app.evilvault.azure.net` (other hosts only with `--vault-url`)";
    scope_name: "[databricks.scopes]\nkv-app = \"a b\"\n" =>
        "invalid `databricks.scopes.kv-app` in `/repo/guzzle-kv.toml`: `a b`: invalid character ` `";
    include_glob: "[files]\ninclude = [\"a/[b\"]\n" =>
        "invalid `files.include[0]` in `/repo/guzzle-kv.toml`: unclosed character class; missing ']'";
    ignore_code: "[[lint.ignore]]\npath = \"*.json\"\ncodes = [\"KV999\"]\n" =>
        "invalid `lint.ignore[0].codes` in `/repo/guzzle-kv.toml`: expected a code such as `KV101`, found `KV999`";
}

#[test]
fn wrong_types_and_enum_values() {
    assert!(error("[databricks]\nsyntax = \"jinja\"\n").contains("unknown variant `jinja`"));
    assert!(
        error("[files.types]\n\"*.x\" = \"xml\"\n").contains("unknown file type `xml` for `*.x`")
    );
    assert!(error("[vaults]\nallow = \"kv-app\"\n").contains("invalid type"));
}

#[test]
fn discovered_in_an_ancestor() {
    let dir = tempfile::tempdir().unwrap();
    let nested = dir.path().join("a/b");
    std::fs::create_dir_all(&nested).unwrap();
    assert!(
        Config::discover(&nested).unwrap().is_none()
            || dir.path().ancestors().any(|a| a.join(FILE_NAME).is_file())
    );
    std::fs::write(dir.path().join(FILE_NAME), "[vaults]\nallow = [\"kv-app\"]\n").unwrap();
    let config = Config::discover(&nested).unwrap().unwrap();
    assert_eq!(config.path.as_deref(), Some(dir.path().join(FILE_NAME).as_path()));
    assert_eq!(config.vaults.allow, ["kv-app"]);
}

#[test]
fn unreadable_file_names_it() {
    let error = Config::load(Path::new("/nonexistent/guzzle-kv.toml")).unwrap_err();
    assert_eq!(error.to_string(), "cannot read `/nonexistent/guzzle-kv.toml`");
}

#[test]
fn syntax_errors_are_one_line_with_a_position() {
    let path = Path::new("guzzle-kv.toml");
    for (text, line, column) in [("[vaults\nallow = []\n", 1, 8), ("[vaults]\n\nallow = 5\n", 3, 9)]
    {
        let error = Config::parse(text, path).unwrap_err();
        let shown = crate::rewrite::error_chain(&error);
        assert!(!shown.contains('\n'), "{shown}");
        assert!(shown.contains(&format!("line {line}, column {column}")), "{shown}");
    }
    // A multi-byte character before the error is one column.
    let error = Config::parse("# é\n[vaults\n", path).unwrap_err();
    assert!(crate::rewrite::error_chain(&error).contains("line 2, column 8"));
}

/// `--cloud` or `GUZZLE_KV_CLOUD` may override the file's `cloud`, so a URL on another
/// cloud's Key Vault domain loads; the Key Vault source checks it against the winner.
#[test]
fn urls_on_any_clouds_key_vault_domain_load() {
    for text in [
        "[vaults]\ncloud = \"china\"\n[vaults.urls]\nkv-app = \"https://kv-app.vault.azure.net/\"\n",
        "[vaults.urls]\nkv-app = \"https://kv-app.vaultcore.usgovcloudapi.net/\"\n",
    ] {
        assert!(parse(text).is_ok(), "{text}");
    }
}
