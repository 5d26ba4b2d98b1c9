//! Vault URLs: built from a vault name and the cloud, or given explicitly, and the rules of
//! SPEC section 5 on where a vault token may be sent.

use std::fmt;

use azure_core::http::Url;

use crate::cli::Cloud;
use crate::vault::keyvault::SetupError;

/// Where an explicit vault URL came from; only the command line may name a host that is
/// not a Key Vault domain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UrlOrigin {
    /// `--vault-url VAULT=URL`.
    CommandLine,
    /// The configuration file's per-vault URLs.
    ConfigFile,
}

impl fmt::Display for UrlOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::CommandLine => "the command line",
            Self::ConfigFile => "the configuration file",
        })
    }
}

/// An explicit URL for one vault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VaultUrl {
    /// The vault name as placeholders spell it.
    pub vault: String,
    /// The URL to use instead of the cloud's default.
    pub url: Url,
    /// Where the URL came from.
    pub origin: UrlOrigin,
}

impl VaultUrl {
    /// Parses a `VAULT=URL` argument (the form of `--vault-url`).
    pub fn parse_arg(arg: &str, origin: UrlOrigin) -> Result<Self, SetupError> {
        let invalid = || SetupError::InvalidVaultUrlArg { arg: arg.to_owned() };
        let (vault, url) = arg.split_once('=').ok_or_else(invalid)?;
        if vault.is_empty() {
            return Err(invalid());
        }
        let url = Url::parse(url).map_err(|_| invalid())?;
        Ok(Self { vault: vault.to_owned(), url, origin })
    }
}

/// Where one vault is reached, and whether the client checks that the challenge's resource
/// matches the vault host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct VaultEndpoint {
    pub(crate) url: Url,
    pub(crate) verify_challenge_resource: bool,
}

/// The Key Vault DNS suffixes of a cloud: a vault host must be a subdomain of one of them.
pub fn key_vault_domains(cloud: Cloud) -> &'static [&'static str] {
    match cloud {
        Cloud::Public => &["vault.azure.net", "vaultcore.azure.net"],
        Cloud::China => &["vault.azure.cn", "vaultcore.azure.cn"],
        Cloud::Usgov => &["vault.usgovcloudapi.net", "vaultcore.usgovcloudapi.net"],
    }
}

/// The Entra authority host of a cloud.
pub(crate) fn authority_host(cloud: Cloud) -> &'static str {
    match cloud {
        Cloud::Public => "https://login.microsoftonline.com",
        Cloud::China => "https://login.chinacloudapi.cn",
        Cloud::Usgov => "https://login.microsoftonline.us",
    }
}

/// The cloud's own URL for a vault: `https://VAULT.<first Key Vault domain>/`.
pub(crate) fn default_endpoint(cloud: Cloud, vault: &str) -> Option<VaultEndpoint> {
    let is_name =
        !vault.is_empty() && vault.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if !is_name {
        return None;
    }
    let domain = key_vault_domains(cloud)[0];
    let url = Url::parse(&format!("https://{}.{domain}/", vault.to_ascii_lowercase())).ok()?;
    Some(VaultEndpoint { url, verify_challenge_resource: true })
}

/// Applies the URL rules to an explicit URL: https always (the SDK sends no token over
/// http); a configuration file may only name a Key Vault domain of the cloud; a command-line
/// URL elsewhere turns the challenge-resource check off for that vault alone.
pub(crate) fn explicit_endpoint(
    cloud: Cloud,
    given: &VaultUrl,
) -> Result<VaultEndpoint, SetupError> {
    let on_key_vault_domain = is_key_vault_host(cloud, given.url.host_str().unwrap_or(""));
    let is_https = given.url.scheme() == "https";
    if given.origin == UrlOrigin::ConfigFile && !(is_https && on_key_vault_domain) {
        return Err(SetupError::UntrustedVaultUrl {
            vault: given.vault.clone(),
            url: given.url.to_string(),
            domains: key_vault_domains(cloud).join(", "),
        });
    }
    if !is_https {
        return Err(SetupError::InsecureVaultUrl {
            vault: given.vault.clone(),
            url: given.url.to_string(),
        });
    }
    Ok(VaultEndpoint { url: given.url.clone(), verify_challenge_resource: on_key_vault_domain })
}

/// Whether `host` is a subdomain of one of the cloud's Key Vault domains.
fn is_key_vault_host(cloud: Cloud, host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    key_vault_domains(cloud).iter().any(|domain| {
        host.strip_suffix(domain).is_some_and(|rest| rest.len() > 1 && rest.ends_with('.'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(vault: &str, url: &str, origin: UrlOrigin) -> VaultUrl {
        VaultUrl { vault: vault.into(), url: Url::parse(url).unwrap(), origin }
    }

    #[test]
    fn default_urls_follow_the_cloud() {
        let public = default_endpoint(Cloud::Public, "KV-App").unwrap();
        assert_eq!(public.url.as_str(), "https://kv-app.vault.azure.net/");
        let china = default_endpoint(Cloud::China, "kv-app").unwrap();
        assert_eq!(china.url.as_str(), "https://kv-app.vault.azure.cn/");
        let usgov = default_endpoint(Cloud::Usgov, "kv-app").unwrap();
        assert_eq!(usgov.url.as_str(), "https://kv-app.vault.usgovcloudapi.net/");
        assert!(default_endpoint(Cloud::Public, "a/b").is_none());
    }

    #[test]
    fn config_file_urls_must_be_key_vault_domains() {
        let ok = url("kv", "https://kv.privatelink.vaultcore.azure.net/", UrlOrigin::ConfigFile);
        assert!(explicit_endpoint(Cloud::Public, &ok).unwrap().verify_challenge_resource);
        for bad in [
            "https://evil.example.com/",
            "https://vault.azure.net/",
            "https://kv.vault.azure.net.evil.com/",
            "https://kvvault.azure.net/",
            "http://kv.vault.azure.net/",
            "https://kv.vault.azure.cn/",
        ] {
            let given = url("kv", bad, UrlOrigin::ConfigFile);
            let err = explicit_endpoint(Cloud::Public, &given).unwrap_err();
            assert!(matches!(err, SetupError::UntrustedVaultUrl { .. }), "{bad}");
        }
    }

    #[test]
    fn command_line_urls_elsewhere_skip_the_challenge_check() {
        let local = url("kv", "https://127.0.0.1:8443/", UrlOrigin::CommandLine);
        assert!(!explicit_endpoint(Cloud::Public, &local).unwrap().verify_challenge_resource);
        let real = url("kv", "https://kv.vault.azure.net/", UrlOrigin::CommandLine);
        assert!(explicit_endpoint(Cloud::Public, &real).unwrap().verify_challenge_resource);
        let http = url("kv", "http://127.0.0.1:8080/", UrlOrigin::CommandLine);
        let err = explicit_endpoint(Cloud::Public, &http).unwrap_err();
        assert!(matches!(err, SetupError::InsecureVaultUrl { .. }));
    }

    #[test]
    fn parses_vault_url_arguments() {
        let parsed = VaultUrl::parse_arg("kv=https://127.0.0.1:1/", UrlOrigin::CommandLine);
        assert_eq!(parsed.unwrap().vault, "kv");
        for bad in ["kv", "=https://x/", "kv=not a url"] {
            assert!(VaultUrl::parse_arg(bad, UrlOrigin::CommandLine).is_err(), "{bad}");
        }
    }
}
