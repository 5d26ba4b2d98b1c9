//! Credentials of SPEC section 5: one kind chosen by `--auth`, or the `auto` chain, built
//! on `azure_identity` and wrapped so that a failure lists what every step said.

use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use azure_core::credentials::{AccessToken, Secret, TokenCredential, TokenRequestOptions};
use azure_core::error::{Error as AzureError, ErrorKind};
use azure_core::http::ClientOptions;
use azure_identity::{
    AzureCliCredential, AzureCliCredentialOptions, ClientSecretCredential,
    ClientSecretCredentialOptions, ManagedIdentityCredential, ManagedIdentityCredentialOptions,
    UserAssignedId, WorkloadIdentityCredential, WorkloadIdentityCredentialOptions,
};

use crate::cli::AuthKind;
use crate::vault::keyvault::cli_exec::CliExecutor;

/// The environment the credentials read, captured in one place so that callers (and tests)
/// can pass explicit values. Managed identity is the exception: `azure_identity` reads
/// `IDENTITY_ENDPOINT` and `IDENTITY_HEADER` from the process itself, so this module does too.
#[derive(Clone, Default)]
pub struct CredentialEnv {
    /// `AZURE_AUTHORITY_HOST`: the Entra endpoint for client secret and workload identity.
    pub authority_host: Option<String>,
    /// `AZURE_TENANT_ID`.
    pub tenant_id: Option<String>,
    /// `AZURE_CLIENT_ID`: the identity's client id when `--identity-client-id` is not given.
    pub client_id: Option<String>,
    /// `AZURE_CLIENT_SECRET`.
    pub client_secret: Option<String>,
    /// `AZURE_FEDERATED_TOKEN_FILE`.
    pub federated_token_file: Option<PathBuf>,
    /// `GUZZLE_KV_NO_IMDS=1`: refuse the instance metadata endpoint outright.
    pub no_imds: bool,
    /// `PATH` for the `az` command; `None` inherits the process's.
    pub path: Option<OsString>,
}

impl fmt::Debug for CredentialEnv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialEnv")
            .field("authority_host", &self.authority_host)
            .field("tenant_id", &self.tenant_id)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret.as_ref().map(|_| "****"))
            .field("federated_token_file", &self.federated_token_file)
            .field("no_imds", &self.no_imds)
            .finish_non_exhaustive()
    }
}

impl CredentialEnv {
    /// Reads the variables from the process environment; empty values count as unset.
    pub fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        Self {
            authority_host: var("AZURE_AUTHORITY_HOST"),
            tenant_id: var("AZURE_TENANT_ID"),
            client_id: var("AZURE_CLIENT_ID"),
            client_secret: var("AZURE_CLIENT_SECRET"),
            federated_token_file: var("AZURE_FEDERATED_TOKEN_FILE").map(PathBuf::from),
            no_imds: is_no_imds_set(),
            path: None,
        }
    }
}

fn is_no_imds_set() -> bool {
    std::env::var("GUZZLE_KV_NO_IMDS").is_ok_and(|v| v == "1")
}

/// What the credentials are built from.
pub(crate) struct CredentialSpec<'a> {
    pub(crate) auth: AuthKind,
    pub(crate) identity_client_id: Option<&'a str>,
    pub(crate) env: &'a CredentialEnv,
    pub(crate) client_options: ClientOptions,
    pub(crate) cli_timeout: std::time::Duration,
}

impl CredentialSpec<'_> {
    fn client_id(&self) -> Option<String> {
        self.identity_client_id.map(str::to_owned).or_else(|| self.env.client_id.clone())
    }
}

/// Every credential of the chain failed; the message of each step, in order.
#[derive(Debug)]
pub(crate) struct ChainFailure {
    pub(crate) attempts: Vec<String>,
}

impl fmt::Display for ChainFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no credential could get a token: {}", self.attempts.join("; "))
    }
}

impl std::error::Error for ChainFailure {}

/// One step of the chain: a built credential, or why it could not be built.
struct Step {
    label: String,
    credential: Result<Arc<dyn TokenCredential>, String>,
}

/// A list of credentials tried in order; the first that yields a token is kept for the
/// rest of the run. `--auth` other than `auto` is a chain of one.
pub(crate) struct ChainCredential {
    steps: Vec<Step>,
    chosen: OnceLock<usize>,
}

impl fmt::Debug for ChainCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let labels: Vec<&str> = self.steps.iter().map(|s| s.label.as_str()).collect();
        f.debug_struct("ChainCredential").field("steps", &labels).finish_non_exhaustive()
    }
}

impl ChainCredential {
    /// Builds the credential `--auth` names.
    pub(crate) fn new(spec: &CredentialSpec<'_>) -> Self {
        let steps = match spec.auth {
            AuthKind::Auto => auto_steps(spec),
            AuthKind::ManagedIdentity => vec![managed_identity(spec)],
            AuthKind::WorkloadIdentity => vec![workload_identity(spec)],
            AuthKind::ClientSecret => vec![client_secret(spec)],
            AuthKind::AzureCli => vec![azure_cli(spec)],
        };
        for step in &steps {
            match &step.credential {
                Ok(_) => tracing::debug!(credential = %step.label, "credential ready"),
                Err(why) => tracing::debug!(credential = %step.label, %why, "credential unusable"),
            }
        }
        Self { steps, chosen: OnceLock::new() }
    }

    /// When no step could even be built, what each said; no request can succeed then.
    pub(crate) fn unusable(&self) -> Option<Vec<String>> {
        let all_failed = self.steps.iter().all(|s| s.credential.is_err());
        all_failed.then(|| self.steps.iter().map(describe_step_failure).collect())
    }

    /// The credential that produced a token, or the configured one(s) before that.
    pub(crate) fn label(&self) -> String {
        self.chosen.get().map_or_else(
            || {
                let labels: Vec<&str> = self.steps.iter().map(|s| s.label.as_str()).collect();
                labels.join(" or ")
            },
            |&i| self.steps[i].label.clone(),
        )
    }

    async fn try_steps(
        &self,
        scopes: &[&str],
        options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        let mut attempts = Vec::new();
        for (i, step) in self.steps.iter().enumerate() {
            let Ok(credential) = &step.credential else {
                attempts.push(describe_step_failure(step));
                continue;
            };
            match credential.get_token(scopes, options.clone()).await {
                Ok(token) => {
                    tracing::debug!(credential = %step.label, "credential obtained a token");
                    let _ = self.chosen.set(i);
                    return Ok(token);
                }
                Err(err) => {
                    tracing::debug!(credential = %step.label, "credential failed");
                    attempts.push(format!("{}: {}", step.label, describe_error(&err)));
                }
            }
        }
        Err(AzureError::new(ErrorKind::Credential, ChainFailure { attempts }))
    }
}

#[async_trait::async_trait]
impl TokenCredential for ChainCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
        options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        let Some(&i) = self.chosen.get() else {
            return self.try_steps(scopes, options).await;
        };
        let step = &self.steps[i];
        let credential = step.credential.as_ref().expect("a chosen step was built");
        credential.get_token(scopes, options).await.map_err(|err| {
            let attempts = vec![format!("{}: {}", step.label, describe_error(&err))];
            AzureError::new(ErrorKind::Credential, ChainFailure { attempts })
        })
    }
}

fn describe_step_failure(step: &Step) -> String {
    match &step.credential {
        Ok(_) => format!("{}: not tried", step.label),
        Err(why) => format!("{}: {why}", step.label),
    }
}

/// The `auto` order of SPEC section 5; steps whose variables are unset are listed as such.
fn auto_steps(spec: &CredentialSpec<'_>) -> Vec<Step> {
    let mut steps = Vec::new();
    if spec.env.federated_token_file.is_some() {
        steps.push(workload_identity(spec));
    } else {
        steps.push(skipped("workload-identity", "AZURE_FEDERATED_TOKEN_FILE"));
    }
    if spec.env.client_secret.is_some() {
        steps.push(client_secret(spec));
    } else {
        steps.push(skipped("client-secret", "AZURE_CLIENT_SECRET"));
    }
    steps.push(managed_identity(spec));
    steps.push(azure_cli(spec));
    steps
}

fn skipped(label: &str, variable: &str) -> Step {
    Step { label: label.to_owned(), credential: Err(format!("skipped, {variable} is not set")) }
}

fn labelled(kind: &str, client_id: Option<&str>) -> String {
    match client_id {
        Some(id) => format!("{kind} (client id {id})"),
        None => kind.to_owned(),
    }
}

fn managed_identity(spec: &CredentialSpec<'_>) -> Step {
    let client_id = spec.client_id();
    let label = match &client_id {
        Some(id) => labelled("managed-identity", Some(id)),
        None => "managed-identity (system-assigned)".to_owned(),
    };
    let credential = managed_identity_source(spec.env).and_then(|()| {
        let mut options = ManagedIdentityCredentialOptions {
            user_assigned_id: client_id.map(UserAssignedId::ClientId),
            ..ManagedIdentityCredentialOptions::default()
        };
        options.client_options = spec.client_options.clone();
        ManagedIdentityCredential::new(Some(options))
            .map(|c| c as Arc<dyn TokenCredential>)
            .map_err(|e| describe_error(&e))
    });
    Step { label, credential }
}

/// Refuses the two ways managed identity would silently reach IMDS: an App Service endpoint
/// without its header, and IMDS itself when `GUZZLE_KV_NO_IMDS=1`.
fn managed_identity_source(env: &CredentialEnv) -> Result<(), String> {
    let endpoint = std::env::var_os("IDENTITY_ENDPOINT").filter(|v| !v.is_empty());
    let header = std::env::var_os("IDENTITY_HEADER").filter(|v| !v.is_empty());
    match (endpoint, header) {
        (Some(_), None) => Err("IDENTITY_ENDPOINT is set but IDENTITY_HEADER is not; refusing \
                                to fall back to the instance metadata endpoint"
            .to_owned()),
        (Some(endpoint), Some(_)) => {
            tracing::debug!(endpoint = %endpoint.to_string_lossy(), "managed identity endpoint");
            Ok(())
        }
        (None, _) if env.no_imds || is_no_imds_set() => Err("IDENTITY_ENDPOINT is not set and \
                                GUZZLE_KV_NO_IMDS=1 forbids the instance metadata endpoint"
            .to_owned()),
        (None, _) => {
            tracing::debug!("managed identity through the instance metadata endpoint");
            Ok(())
        }
    }
}

fn workload_identity(spec: &CredentialSpec<'_>) -> Step {
    let client_id = spec.client_id();
    let label = labelled("workload-identity", client_id.as_deref());
    let credential = (|| -> Result<Arc<dyn TokenCredential>, String> {
        let tenant_id = spec.env.tenant_id.clone().ok_or("AZURE_TENANT_ID is not set")?;
        let client_id = client_id.ok_or("no client id: set AZURE_CLIENT_ID")?;
        let path = spec.env.federated_token_file.clone();
        let path = path.ok_or("AZURE_FEDERATED_TOKEN_FILE is not set")?;
        let mut options = WorkloadIdentityCredentialOptions {
            client_id: Some(client_id),
            tenant_id: Some(tenant_id),
            token_file_path: Some(path),
            ..WorkloadIdentityCredentialOptions::default()
        };
        options.credential_options.client_options = spec.client_options.clone();
        WorkloadIdentityCredential::new(Some(options))
            .map(|c| c as Arc<dyn TokenCredential>)
            .map_err(|e| describe_error(&e))
    })();
    Step { label, credential }
}

fn client_secret(spec: &CredentialSpec<'_>) -> Step {
    let client_id = spec.client_id();
    let label = labelled("client-secret", client_id.as_deref());
    let credential = (|| -> Result<Arc<dyn TokenCredential>, String> {
        let tenant_id = spec.env.tenant_id.as_deref().ok_or("AZURE_TENANT_ID is not set")?;
        let client_id = client_id.ok_or("no client id: set AZURE_CLIENT_ID")?;
        let secret = spec.env.client_secret.clone().ok_or("AZURE_CLIENT_SECRET is not set")?;
        let options = ClientSecretCredentialOptions { client_options: spec.client_options.clone() };
        ClientSecretCredential::new(tenant_id, client_id, Secret::new(secret), Some(options))
            .map(|c| c as Arc<dyn TokenCredential>)
            .map_err(|e| describe_error(&e))
    })();
    Step { label, credential }
}

fn azure_cli(spec: &CredentialSpec<'_>) -> Step {
    let executor = CliExecutor::new(spec.env.path.clone(), spec.cli_timeout);
    let options = AzureCliCredentialOptions {
        executor: Some(Arc::new(executor)),
        ..AzureCliCredentialOptions::default()
    };
    let credential = AzureCliCredential::new(Some(options))
        .map(|c| c as Arc<dyn TokenCredential>)
        .map_err(|e| describe_error(&e));
    Step { label: "azure-cli".to_owned(), credential }
}

/// A credential error as one line: each message of the `source()` chain that adds
/// something, without the SDK's troubleshooting links, capped in length. Credential errors
/// carry no token; the cap keeps a misbehaving tool's output from flooding the message.
pub(crate) fn describe_error(err: &(dyn std::error::Error + 'static)) -> String {
    const LIMIT: usize = 400;
    let mut parts: Vec<String> = Vec::new();
    let mut current = Some(err);
    while let Some(e) = current {
        let text = clean_message(&e.to_string());
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        current = e.source();
    }
    let joined = parts.join(": ");
    match joined.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{}…", &joined[..cut]),
        None => joined,
    }
}

fn clean_message(message: &str) -> String {
    let kept: Vec<&str> = message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("To troubleshoot"))
        .collect();
    kept.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Outer(std::io::Error);

    impl fmt::Display for Outer {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(
                "ManagedIdentityCredential authentication failed.\nTo troubleshoot, visit x",
            )
        }
    }

    impl std::error::Error for Outer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn describes_the_cause_chain_on_one_line() {
        let err = Outer(std::io::Error::other("connection refused"));
        assert_eq!(
            describe_error(&err),
            "ManagedIdentityCredential authentication failed.: connection refused"
        );
    }

    #[test]
    fn caps_long_messages() {
        let err = std::io::Error::other("x".repeat(1000));
        assert_eq!(describe_error(&err).chars().count(), 401);
    }

    #[test]
    fn debug_hides_the_client_secret() {
        let env =
            CredentialEnv { client_secret: Some("hunter2-secret".into()), ..Default::default() };
        assert!(!format!("{env:?}").contains("hunter2"));
    }
}
