//! Azure Key Vault as a secret source (issue #4): the official SDK behind our own retry
//! policy, one client per vault, a bounded fan-out, and `check` by listing properties.
//! All async code of the tool lives here; callers see a sync API.

mod auth;
mod check;
mod cli_exec;
mod endpoint;
mod fetch;
mod progress;
mod retry;

use std::collections::{HashMap, HashSet};
use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use azure_core::cloud::{CloudConfiguration, CustomConfiguration};
use azure_core::http::{ClientOptions, ExponentialRetryOptions, RetryOptions, Transport};
use azure_security_keyvault_secrets::{SecretClient, SecretClientOptions};

pub use auth::CredentialEnv;
pub use check::CheckOutcome;
pub use endpoint::{UrlOrigin, VaultUrl, key_vault_domains};

use crate::cli::{AuthKind, Cloud, VaultArgs};
use crate::vault::{Answer, Lookup, ResolveError, SecretSource};
use auth::{ChainCredential, CredentialSpec};
use endpoint::VaultEndpoint;
use retry::RetryPolicy;

/// Everything the Key Vault source is built from; the CLI fills it from [`VaultArgs`] and
/// the configuration file.
#[derive(Clone)]
pub struct KeyVaultOptions {
    /// The cloud whose domains build vault URLs and whose authority issues tokens.
    pub cloud: Cloud,
    /// Explicit vault URLs; a command-line URL wins over the configuration file's.
    pub vault_urls: Vec<VaultUrl>,
    /// Only these vaults may be contacted (case-insensitive); empty allows every vault.
    pub allow_vaults: Vec<String>,
    /// How to authenticate.
    pub auth: AuthKind,
    /// Client id of a user-assigned identity; `AZURE_CLIENT_ID` otherwise.
    pub identity_client_id: Option<String>,
    /// The environment the credentials read.
    pub credential_env: CredentialEnv,
    /// At most this many requests in flight.
    pub concurrency: usize,
    /// The limit for each HTTP request.
    pub timeout: Duration,
    /// Retries after the first attempt.
    pub retries: u32,
    /// Whether a progress bar may appear on stderr (when fetching lasts over a second).
    pub progress: bool,
    /// An extra trusted root certificate (PEM), for tests against a local emulator.
    pub extra_root_ca_pem: Option<Vec<u8>>,
}

impl std::fmt::Debug for KeyVaultOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let root = self.extra_root_ca_pem.as_ref().map(|pem| format!("{} bytes", pem.len()));
        f.debug_struct("KeyVaultOptions")
            .field("cloud", &self.cloud)
            .field("vault_urls", &self.vault_urls)
            .field("allow_vaults", &self.allow_vaults)
            .field("auth", &self.auth)
            .field("identity_client_id", &self.identity_client_id)
            .field("credential_env", &self.credential_env)
            .field("concurrency", &self.concurrency)
            .field("timeout", &self.timeout)
            .field("retries", &self.retries)
            .field("progress", &self.progress)
            .field("extra_root_ca_pem", &root)
            .finish()
    }
}

impl KeyVaultOptions {
    /// Options from the command line and the process environment. The caller then adds
    /// the configuration file's URLs (as [`UrlOrigin::ConfigFile`]) and allow-list, and its
    /// cloud when `--cloud` was not given.
    pub fn from_args(args: &VaultArgs) -> Result<Self, SetupError> {
        let vault_urls = args
            .vault_url
            .iter()
            .map(|arg| VaultUrl::parse_arg(arg, UrlOrigin::CommandLine))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            cloud: args.cloud.unwrap_or(Cloud::Public),
            vault_urls,
            allow_vaults: args.allow_vault.clone(),
            auth: args.auth.unwrap_or(AuthKind::Auto),
            identity_client_id: args.identity_client_id.clone(),
            credential_env: CredentialEnv::from_env(),
            concurrency: args.concurrency,
            timeout: Duration::from_secs(args.timeout),
            retries: args.retries,
            progress: std::io::stderr().is_terminal(),
            extra_root_ca_pem: None,
        })
    }
}

/// Why the Key Vault source could not be set up: usage errors (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// A `--vault-url` argument is not `VAULT=URL`.
    #[error("expected `VAULT=URL` for a vault URL, found `{arg}`")]
    InvalidVaultUrlArg {
        /// The argument.
        arg: String,
    },
    /// A configuration file names a URL that is not https on a Key Vault domain.
    #[error(
        "the configuration file's URL `{url}` for vault `{vault}` is not https on a Key Vault \
         domain ({domains}); another host may only be given with --vault-url"
    )]
    UntrustedVaultUrl {
        /// The vault.
        vault: String,
        /// The URL.
        url: String,
        /// The cloud's Key Vault domains.
        domains: String,
    },
    /// A vault URL is not https; the SDK sends no token over plain http.
    #[error("vault URL `{url}` for vault `{vault}` must use https")]
    InsecureVaultUrl {
        /// The vault.
        vault: String,
        /// The URL.
        url: String,
    },
    /// The extra root certificate is not PEM.
    #[error("the extra root certificate cannot be read")]
    RootCertificate(#[source] reqwest::Error),
    /// The HTTP client could not be built.
    #[error("cannot set up the HTTP client")]
    HttpClient(#[source] reqwest::Error),
    /// The async runtime could not be started.
    #[error("cannot start the async runtime")]
    Runtime(#[source] std::io::Error),
}

impl SetupError {
    /// The exit code of SPEC section 9: these are usage errors.
    pub fn exit_code(&self) -> u8 {
        2
    }
}

/// Secrets fetched from Azure Key Vault with the official SDK.
pub struct KeyVaultSource {
    cloud: Cloud,
    endpoints: HashMap<String, VaultEndpoint>,
    allow: Option<HashSet<String>>,
    credential: Arc<ChainCredential>,
    client_options: ClientOptions,
    clients: Mutex<HashMap<String, Arc<SecretClient>>>,
    policy: RetryPolicy,
    concurrency: usize,
    progress: bool,
    runtime: tokio::runtime::Runtime,
}

impl std::fmt::Debug for KeyVaultSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyVaultSource")
            .field("cloud", &self.cloud)
            .field("credential", &self.credential)
            .field("concurrency", &self.concurrency)
            .finish_non_exhaustive()
    }
}

impl KeyVaultSource {
    /// Checks the URL rules and builds the credential; nothing is sent yet.
    pub fn new(options: &KeyVaultOptions) -> Result<Self, SetupError> {
        let endpoints = explicit_endpoints(options.cloud, &options.vault_urls)?;
        let http = http_client(options.timeout, options.extra_root_ca_pem.as_deref())?;
        let transport = Transport::new(Arc::new(http));
        let credential = ChainCredential::new(&CredentialSpec {
            auth: options.auth,
            identity_client_id: options.identity_client_id.as_deref(),
            env: &options.credential_env,
            client_options: credential_client_options(options, transport.clone()),
            cli_timeout: options.timeout * 3,
        });
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(SetupError::Runtime)?;
        let allow = (!options.allow_vaults.is_empty())
            .then(|| options.allow_vaults.iter().map(|v| v.to_ascii_lowercase()).collect());

        Ok(Self {
            cloud: options.cloud,
            endpoints,
            allow,
            credential: Arc::new(credential),
            client_options: ClientOptions {
                retry: RetryOptions::none(),
                transport: Some(transport),
                ..ClientOptions::default()
            },
            clients: Mutex::new(HashMap::new()),
            policy: RetryPolicy {
                retries: options.retries,
                timeout: options.timeout,
                base_delay: Duration::from_millis(200),
                max_delay: Duration::from_secs(10),
            },
            concurrency: options.concurrency.max(1),
            progress: options.progress,
            runtime,
        })
    }

    /// Reports, for each lookup, whether the secret (or pinned version) exists, is enabled
    /// and is within its validity dates. Only properties are listed; no value is requested.
    pub fn check(&self, lookups: &[Lookup]) -> Vec<CheckOutcome> {
        self.runtime.block_on(check::check_all(self, lookups))
    }

    /// The refusal that applies to a lookup before any request: the allow-list, or a
    /// credential that could not be built at all.
    fn refusal(&self, lookup: &Lookup) -> Option<ResolveError> {
        let vault = lookup.id.vault.to_ascii_lowercase();
        if self.allow.as_ref().is_some_and(|allow| !allow.contains(&vault)) {
            tracing::debug!(vault = %lookup.id.vault, "vault not in the allow-list");
            return Some(ResolveError::NotAllowed);
        }
        let attempts = self.credential.unusable()?;
        Some(ResolveError::Unauthenticated { attempts })
    }

    /// The client of a vault, created on first use and kept so its token is reused.
    fn client(&self, vault: &str) -> Result<Arc<SecretClient>, ResolveError> {
        let key = vault.to_ascii_lowercase();
        let mut clients = self.clients.lock().expect("client map lock");
        if let Some(client) = clients.get(&key) {
            return Ok(client.clone());
        }
        let endpoint = self.endpoint(&key)?;
        tracing::debug!(
            %vault,
            url = %endpoint.url,
            verify_challenge_resource = endpoint.verify_challenge_resource,
            "vault client"
        );
        let options = SecretClientOptions {
            client_options: self.client_options.clone(),
            verify_challenge_resource: Some(endpoint.verify_challenge_resource),
            ..SecretClientOptions::default()
        };
        let client =
            SecretClient::new(endpoint.url.as_str(), self.credential.clone(), Some(options))
                .map_err(|_| invalid_vault_name())?;
        let client = Arc::new(client);
        clients.insert(key, client.clone());
        Ok(client)
    }

    fn endpoint(&self, vault_key: &str) -> Result<VaultEndpoint, ResolveError> {
        if let Some(endpoint) = self.endpoints.get(vault_key) {
            return Ok(endpoint.clone());
        }
        endpoint::default_endpoint(self.cloud, vault_key).ok_or_else(invalid_vault_name)
    }

    /// Maps the last failure of a request to the error the user sees.
    fn resolve_error(&self, exhausted: retry::Exhausted) -> ResolveError {
        use retry::Failure;
        let attempts = exhausted.attempts;
        match exhausted.failure {
            Failure::Http { status: 404, code, .. } => {
                ResolveError::NotFound { status: Some(404), code }
            }
            Failure::Http { status: status @ (401 | 403), code, .. } => {
                ResolveError::Denied { status, code, credential: self.credential.label() }
            }
            Failure::Http { status: 429, .. } => ResolveError::Throttled { attempts },
            Failure::Http { status, code, .. } if status >= 500 || status == 408 => {
                let cause = format!("no success after {attempts} attempts");
                ResolveError::Unavailable { status: Some(status), code, cause }
            }
            Failure::Http { status, code, .. } => {
                ResolveError::Rejected { status: Some(status), code, cause: None }
            }
            Failure::Credential { attempts } => ResolveError::Unauthenticated { attempts },
            Failure::Timeout => {
                ResolveError::Timeout { attempts, seconds: self.policy.timeout.as_secs() }
            }
            Failure::Network { cause, .. } => {
                ResolveError::Unavailable { status: None, code: None, cause }
            }
            Failure::Other { cause } => {
                ResolveError::Rejected { status: None, code: None, cause: Some(cause) }
            }
        }
    }
}

impl SecretSource for KeyVaultSource {
    fn resolve(&self, lookups: &[Lookup]) -> Vec<Answer> {
        let answers: Mutex<Vec<Option<Answer>>> = Mutex::new(vec![None; lookups.len()]);
        self.resolve_each(lookups, &|i, answer| {
            answers.lock().unwrap_or_else(std::sync::PoisonError::into_inner)[i] = Some(answer);
        });
        let answers = answers.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
        answers.into_iter().map(|a| a.expect("every lookup is answered")).collect()
    }

    fn resolve_each(&self, lookups: &[Lookup], answer: &(dyn Fn(usize, Answer) + Sync)) {
        self.runtime.block_on(fetch::fetch_all(self, lookups, answer));
    }
}

fn invalid_vault_name() -> ResolveError {
    ResolveError::Rejected { status: None, code: None, cause: Some("invalid vault name".into()) }
}

/// The explicit URLs in force: per vault, the command line's wins over the file's.
fn explicit_endpoints(
    cloud: Cloud,
    urls: &[VaultUrl],
) -> Result<HashMap<String, VaultEndpoint>, SetupError> {
    let mut chosen: HashMap<String, &VaultUrl> = HashMap::new();
    for given in urls {
        let key = given.vault.to_ascii_lowercase();
        let keep_existing = chosen.get(&key).is_some_and(|existing| {
            existing.origin == UrlOrigin::CommandLine && given.origin == UrlOrigin::ConfigFile
        });
        if !keep_existing {
            chosen.insert(key, given);
        }
    }
    chosen
        .into_iter()
        .map(|(key, given)| Ok((key, endpoint::explicit_endpoint(cloud, given)?)))
        .collect()
}

/// The transport: a reqwest client whose `timeout` bounds every request.
fn http_client(
    timeout: Duration,
    extra_root: Option<&[u8]>,
) -> Result<reqwest::Client, SetupError> {
    let mut builder = reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(reqwest::redirect::Policy::none());
    if let Some(pem) = extra_root {
        let certificate =
            reqwest::Certificate::from_pem(pem).map_err(SetupError::RootCertificate)?;
        builder = builder.add_root_certificate(certificate);
    }
    builder.build().map_err(SetupError::HttpClient)
}

/// Token requests: the cloud's authority (or `AZURE_AUTHORITY_HOST`), our transport, and
/// a short retry budget of their own.
fn credential_client_options(options: &KeyVaultOptions, transport: Transport) -> ClientOptions {
    let mut cloud = CustomConfiguration::default();
    cloud.authority_host = options
        .credential_env
        .authority_host
        .clone()
        .unwrap_or_else(|| endpoint::authority_host(options.cloud).to_owned());
    let retry = ExponentialRetryOptions {
        initial_delay: azure_core::time::Duration::milliseconds(200),
        max_retries: options.retries.min(2),
        max_total_elapsed: azure_core::time::Duration::seconds(5),
        max_delay: azure_core::time::Duration::seconds(1),
    };
    ClientOptions {
        retry: RetryOptions::exponential(retry),
        transport: Some(transport),
        cloud: Some(Arc::new(CloudConfiguration::from(cloud))),
        ..ClientOptions::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args() -> VaultArgs {
        VaultArgs {
            secrets_file: None,
            cloud: None,
            vault_url: vec!["KV-App=https://127.0.0.1:8443/".into()],
            allow_vault: vec!["kv-app".into()],
            auth: None,
            identity_client_id: Some("client-id".into()),
            concurrency: 8,
            timeout: 3,
            retries: 1,
        }
    }

    #[test]
    fn options_come_from_the_command_line() {
        let options = KeyVaultOptions::from_args(&args()).unwrap();
        assert_eq!(options.cloud, Cloud::Public);
        assert_eq!(options.auth, AuthKind::Auto);
        assert_eq!(options.vault_urls[0].origin, UrlOrigin::CommandLine);
        assert_eq!(options.vault_urls[0].vault, "KV-App");
        assert_eq!(options.timeout, Duration::from_secs(3));
        assert_eq!((options.concurrency, options.retries), (8, 1));
    }

    #[test]
    fn a_malformed_vault_url_is_a_usage_error() {
        let mut bad = args();
        bad.vault_url = vec!["kv-app".into()];
        let err = KeyVaultOptions::from_args(&bad).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert_eq!(err.to_string(), "expected `VAULT=URL` for a vault URL, found `kv-app`");
    }

    #[test]
    fn the_command_line_url_wins_over_the_file() {
        let url = |u: &str, origin| VaultUrl {
            vault: "kv".into(),
            url: azure_core::http::Url::parse(u).unwrap(),
            origin,
        };
        let urls = [
            url("https://127.0.0.1:1/", UrlOrigin::CommandLine),
            url("https://evil.example/", UrlOrigin::ConfigFile),
        ];
        let endpoints = explicit_endpoints(Cloud::Public, &urls).unwrap();
        assert_eq!(endpoints["kv"].url.as_str(), "https://127.0.0.1:1/");
        assert!(!endpoints["kv"].verify_challenge_resource);
    }
}
