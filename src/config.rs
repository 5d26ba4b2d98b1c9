//! `guzzle-kv.toml` (SPEC section 10): found in the working folder or an ancestor, or
//! given by `--config`. Unknown keys are errors that name the key and the file. Flags
//! override environment variables, which override the file; the CLI glue merges them.
//!
//! ```toml
//! [vaults]
//! allow = ["kv-guzzle-prod", "kv-guzzle-dev"]   # vault allow-list (KV301, render, check)
//! cloud = "public"                              # public | china | usgov
//!
//! [vaults.urls]                                 # per-vault URL; https on a Key Vault
//! kv-guzzle-prod = "https://kv-guzzle-prod.vaultcore.azure.net/"   # domain of the cloud
//!
//! [databricks]
//! syntax = "guzzle"                             # guzzle | spark
//!
//! [databricks.scopes]                           # vault = secret scope
//! kv-guzzle-prod = "guzzle-prod"
//!
//! [files]
//! include = ["conf/**"]                         # globs, relative to this file's folder
//! exclude = ["**/archive/**"]
//!
//! [files.types]                                 # glob = json | yaml | properties |
//! "**/*.conf.tmpl" = "hocon"                    #        hocon | env | text
//!
//! [lint]
//! credential-names = ["pin", "signing key"]     # extra KV101 key names (any spelling)
//!
//! [[lint.ignore]]                               # silence findings by path
//! path = "adf/**/*.json"
//! codes = ["KV101"]                             # omitted: every code
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use serde::{Deserialize, Deserializer};

use crate::cli::{Cloud, FileTypeArg, Syntax};
use crate::diagnostic::Code;
use crate::lint::{IgnoreRule, Ignores};
use crate::names;

/// The file name looked for.
pub const FILE_NAME: &str = "guzzle-kv.toml";

/// The whole configuration. Every table is optional.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The file it came from (`None` for the defaults).
    #[serde(skip)]
    pub path: Option<PathBuf>,
    /// `[vaults]`.
    #[serde(default)]
    pub vaults: Vaults,
    /// `[databricks]`.
    #[serde(default)]
    pub databricks: Databricks,
    /// `[files]`.
    #[serde(default)]
    pub files: Files,
    /// `[lint]`.
    #[serde(default)]
    pub lint: Lint,
}

/// `[vaults]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vaults {
    /// `allow`: the only vaults placeholders may name; empty allows every vault.
    #[serde(default)]
    pub allow: Vec<String>,
    /// `cloud`: the Azure cloud whose Key Vault domain builds vault URLs.
    pub cloud: Option<Cloud>,
    /// `[vaults.urls]`: vault name to URL (https, on a Key Vault domain of the cloud).
    #[serde(default)]
    pub urls: BTreeMap<String, String>,
}

/// `[databricks]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Databricks {
    /// `syntax`: the reference syntax `databricks` writes and `lint` checks for.
    pub syntax: Option<Syntax>,
    /// `[databricks.scopes]`: vault name to secret scope (default: the vault name).
    #[serde(default)]
    pub scopes: BTreeMap<String, String>,
}

/// `[files]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Files {
    /// `include`: only files matching one of these globs are visited.
    #[serde(default)]
    pub include: Vec<String>,
    /// `exclude`: files and folders matching these globs are skipped.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// `[files.types]`: glob to file type, overriding detection from the name.
    #[serde(default, deserialize_with = "file_types")]
    pub types: BTreeMap<String, FileTypeArg>,
}

/// `[lint]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Lint {
    /// `credential-names`: key names that hold credentials, beyond the built-in list.
    #[serde(default)]
    pub credential_names: Vec<String>,
    /// `[[lint.ignore]]`: findings silenced by path.
    #[serde(default)]
    pub ignore: Vec<IgnoreEntry>,
}

/// One `[[lint.ignore]]` entry.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IgnoreEntry {
    /// `path`: a glob relative to the config file's folder; without `/` it matches a
    /// file name in any folder.
    pub path: String,
    /// `codes`: the codes silenced (`KV101` ...); omitted or empty silences every code.
    #[serde(default)]
    pub codes: Vec<String>,
}

/// Why the configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read `{}`", path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML, or has an unknown key or a value of the wrong type.
    #[error("invalid configuration file `{}` at line {line}, column {column}: {message}", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// The TOML reader's message, without the source snippet it would print.
        message: String,
        /// 1-based line.
        line: usize,
        /// 1-based column, in characters.
        column: usize,
    },
    /// A value has the right type but is not allowed.
    #[error("invalid `{key}` in `{}`: {problem}", path.display())]
    InvalidValue {
        /// The file.
        path: PathBuf,
        /// The key, as a dotted path such as `vaults.urls.kv-app`.
        key: String,
        /// What is wrong with the value.
        problem: String,
    },
}

/// A TOML error on one line: the reader's own `Display` spans several, with a snippet.
fn syntax_error(path: &Path, text: &str, error: &toml::de::Error) -> ConfigError {
    let offset = error.span().map_or(0, |span| span.start.min(text.len()));
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    let message = error.message().trim().replace('\n', "; ");
    ConfigError::Syntax { path: path.to_owned(), message, line, column }
}

impl Config {
    /// Looks for `guzzle-kv.toml` in `cwd` and its ancestors and loads the first one
    /// found; `Ok(None)` when there is none.
    pub fn discover(cwd: &Path) -> Result<Option<Config>, ConfigError> {
        cwd.ancestors()
            .map(|dir| dir.join(FILE_NAME))
            .find(|file| file.is_file())
            .map(|file| Self::load(&file))
            .transpose()
    }

    /// Loads and checks one file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ConfigError::Unreadable { path: path.to_owned(), source })?;
        Self::parse(&text, path)
    }

    /// Parses and checks the text of a config file; `path` names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let mut config: Config =
            toml::from_str(text).map_err(|error| syntax_error(path, text, &error))?;
        config.path = Some(path.to_owned());
        config.validate().map_err(|(key, problem)| ConfigError::InvalidValue {
            path: path.to_owned(),
            key,
            problem,
        })?;
        Ok(config)
    }

    /// The folder the file's relative globs start from.
    pub fn base_dir(&self) -> Option<&Path> {
        self.path.as_deref().and_then(Path::parent)
    }

    /// The `[[lint.ignore]]` entries, compiled (the globs were checked at load).
    pub fn ignores(&self) -> Ignores {
        let rules = self.lint.ignore.iter().filter_map(|entry| {
            let codes = entry.codes.iter().filter_map(|c| Code::parse(c)).collect();
            IgnoreRule::new(&entry.path, codes).ok()
        });
        Ignores::new(rules.collect(), self.base_dir().map(Path::to_owned))
    }

    /// Checks every value; the error is the key and the problem.
    fn validate(&self) -> Result<(), (String, String)> {
        for (i, vault) in self.vaults.allow.iter().enumerate() {
            names::check_vault(vault)
                .map_err(|p| (format!("vaults.allow[{i}]"), format!("`{vault}`: {p}")))?;
        }
        let cloud = self.vaults.cloud.unwrap_or(Cloud::Public);
        for (vault, url) in &self.vaults.urls {
            check_vault_url(url, cloud)
                .map_err(|problem| (format!("vaults.urls.{vault}"), problem))?;
        }
        for (vault, scope) in &self.databricks.scopes {
            names::check_scope(scope)
                .map_err(|p| (format!("databricks.scopes.{vault}"), format!("`{scope}`: {p}")))?;
        }
        self.validate_globs()?;
        self.validate_ignores()
    }

    fn validate_globs(&self) -> Result<(), (String, String)> {
        let files = &self.files;
        let globs =
            files.include.iter().enumerate().map(|(i, g)| (format!("files.include[{i}]"), g));
        let globs = globs.chain(
            files.exclude.iter().enumerate().map(|(i, g)| (format!("files.exclude[{i}]"), g)),
        );
        let globs = globs.chain(files.types.keys().map(|g| (format!("files.types.\"{g}\""), g)));
        for (key, glob) in globs {
            globset::Glob::new(glob).map_err(|e| (key, e.kind().to_string()))?;
        }
        Ok(())
    }

    fn validate_ignores(&self) -> Result<(), (String, String)> {
        for (i, entry) in self.lint.ignore.iter().enumerate() {
            IgnoreRule::new(&entry.path, Vec::new())
                .map_err(|e| (format!("lint.ignore[{i}].path"), e.kind().to_string()))?;
            if let Some(bad) = entry.codes.iter().find(|c| Code::parse(c).is_none()) {
                let problem = format!("expected a code such as `KV101`, found `{bad}`");
                return Err((format!("lint.ignore[{i}].codes"), problem));
            }
        }
        Ok(())
    }
}

/// The Key Vault domains of each cloud (SPEC section 5).
fn vault_domains(cloud: Cloud) -> &'static [&'static str] {
    match cloud {
        Cloud::Public => &["vault.azure.net", "vaultcore.azure.net"],
        Cloud::China => &["vault.azure.cn", "vaultcore.azure.cn"],
        Cloud::Usgov => &["vault.usgovcloudapi.net", "vaultcore.usgovcloudapi.net"],
    }
}

/// A URL from the config file must be https on a Key Vault domain, so that a committed
/// file cannot send the vault token elsewhere. Any cloud's domain passes here: the cloud
/// is known only once flags and environment are merged, and the Key Vault source then
/// checks the URL against that cloud. Messages name the domains of `cloud`.
fn check_vault_url(url: &str, cloud: Cloud) -> Result<(), String> {
    let Some(rest) = url.strip_prefix("https://") else {
        return Err(format!("expected an `https://` URL, found `{url}`"));
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or_default();
    let host = host.split(':').next().unwrap_or_default().to_ascii_lowercase();
    let on_domain =
        |d: &&str| host.strip_suffix(d).is_some_and(|h| h.ends_with('.') && h.len() > 1);
    let clouds = [Cloud::Public, Cloud::China, Cloud::Usgov];
    if clouds.into_iter().flat_map(vault_domains).any(on_domain) && !authority.contains('@') {
        return Ok(());
    }
    let domains = vault_domains(cloud);
    Err(format!(
        "expected a host under {}, found `{host}` (other hosts only with `--vault-url`)",
        domains.join(" or ")
    ))
}

fn file_types<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<BTreeMap<String, FileTypeArg>, D::Error> {
    let raw = BTreeMap::<String, String>::deserialize(deserializer)?;
    raw.into_iter()
        .map(|(glob, name)| match FileTypeArg::from_str(&name, true) {
            Ok(file_type) => Ok((glob, file_type)),
            Err(_) => Err(serde::de::Error::custom(format!(
                "unknown file type `{name}` for `{glob}`, expected json, yaml, properties, hocon, env or text"
            ))),
        })
        .collect()
}

#[cfg(test)]
mod tests;
