//! The Key Vault source end to end: the official SDK against the emulator on 127.0.0.1.
//! Every test names its credential and refuses IMDS (`no_imds`), and each is bounded in time.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use azure_core::http::Url;
use guzzle_kv::cli::{AuthKind, Cloud};
use guzzle_kv::secret::{SecretId, SecretValue, UseSite};
use guzzle_kv::vault::keyvault::{
    CheckOutcome, CredentialEnv, KeyVaultOptions, KeyVaultSource, SetupError, UrlOrigin, VaultUrl,
};
use guzzle_kv::vault::{Lookup, ResolveError, SecretSource};

use crate::support::EnvGuard;
use crate::support::emulator::{
    ACCESS_TOKEN, Attrs, CANARY_BODY, CLIENT_SECRET, Emulator, FEDERATED_ASSERTION, Fault,
    IDENTITY_HEADER, Kind, TENANT, az_invocations, install_az,
};

const VAULT: &str = "kv-app";
const APP_CLIENT_ID: &str = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
const USER_ASSIGNED_ID: &str = "5a6b7c8d-1111-2222-3333-444455556666";

/// Options for `auth` against `emulator`: the vault URL from the command line, the test
/// CA trusted, explicit credential variables, IMDS refused.
fn options(emulator: &Emulator, auth: AuthKind) -> KeyVaultOptions {
    KeyVaultOptions {
        cloud: Cloud::Public,
        vault_urls: vec![vault_url(VAULT, emulator, UrlOrigin::CommandLine)],
        allow_vaults: vec![],
        auth,
        identity_client_id: None,
        credential_env: CredentialEnv {
            authority_host: Some(emulator.authority_host()),
            tenant_id: Some(TENANT.to_owned()),
            client_id: Some(APP_CLIENT_ID.to_owned()),
            client_secret: Some(CLIENT_SECRET.to_owned()),
            no_imds: true,
            ..CredentialEnv::default()
        },
        concurrency: 4,
        timeout: Duration::from_secs(5),
        retries: 2,
        progress: false,
        extra_root_ca_pem: Some(emulator.ca_pem.clone().into_bytes()),
    }
}

fn vault_url(vault: &str, emulator: &Emulator, origin: UrlOrigin) -> VaultUrl {
    VaultUrl { vault: vault.to_owned(), url: Url::parse(&emulator.vault_url()).unwrap(), origin }
}

fn lookup(vault: &str, name: &str, version: Option<&str>) -> Lookup {
    Lookup {
        id: SecretId {
            vault: vault.to_owned(),
            name: name.to_owned(),
            version: version.map(str::to_owned),
        },
        first_use: UseSite { path: PathBuf::from("conf/app.yaml"), line: 3, column: 11 },
    }
}

fn resolve_one(source: &KeyVaultSource, name: &str) -> Result<SecretValue, ResolveError> {
    source.resolve(&[lookup(VAULT, name, None)]).pop().unwrap()
}

fn value(result: Result<SecretValue, ResolveError>) -> String {
    result.expect("resolved").expose().to_owned()
}

// Credentials, each end to end.

#[test]
fn client_secret_credential_reads_a_secret_with_its_client_id() {
    let emulator = Emulator::start();
    emulator.add_secret("db-pass", "s3cr3t-db-Vq1");
    let mut opts = options(&emulator, AuthKind::ClientSecret);
    opts.identity_client_id = Some(USER_ASSIGNED_ID.to_owned());
    let source = KeyVaultSource::new(&opts).unwrap();

    assert_eq!(value(resolve_one(&source, "db-pass")), "s3cr3t-db-Vq1");
    let tokens = emulator.token_requests();
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0].kind, Kind::EntraToken);
    assert_eq!(tokens[0].client_id.as_deref(), Some(USER_ASSIGNED_ID));
    assert_eq!(emulator.challenges(), 1);
    assert_eq!(emulator.gets_of("db-pass").len(), 1);
}

#[test]
fn workload_identity_credential_sends_the_federated_token() {
    let emulator = Emulator::start();
    emulator.add_secret("db-pass", "wl-value-Lm3");
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, FEDERATED_ASSERTION).unwrap();
    let mut opts = options(&emulator, AuthKind::WorkloadIdentity);
    opts.credential_env.client_secret = None;
    opts.credential_env.federated_token_file = Some(token_file);
    let source = KeyVaultSource::new(&opts).unwrap();

    assert_eq!(value(resolve_one(&source, "db-pass")), "wl-value-Lm3");
    let tokens = emulator.token_requests();
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0].client_id.as_deref(), Some(APP_CLIENT_ID));
}

#[test]
fn managed_identity_uses_the_app_service_endpoint_and_user_assigned_id() {
    let emulator = Emulator::start();
    emulator.add_secret("db-pass", "mi-value-Tt8");
    let endpoint = emulator.identity_endpoint();
    let _env = EnvGuard::new(&[
        ("IDENTITY_ENDPOINT", Some(&endpoint)),
        ("IDENTITY_HEADER", Some(IDENTITY_HEADER)),
    ]);
    let mut opts = options(&emulator, AuthKind::ManagedIdentity);
    opts.identity_client_id = Some(USER_ASSIGNED_ID.to_owned());
    let source = KeyVaultSource::new(&opts).unwrap();

    assert_eq!(value(resolve_one(&source, "db-pass")), "mi-value-Tt8");
    let tokens = emulator.token_requests();
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0].kind, Kind::ManagedIdentityToken);
    assert_eq!(tokens[0].client_id.as_deref(), Some(USER_ASSIGNED_ID));
}

#[test]
fn managed_identity_takes_the_client_id_from_azure_client_id() {
    let emulator = Emulator::start();
    emulator.add_secret("db-pass", "mi-value-Qa2");
    let endpoint = emulator.identity_endpoint();
    let _env = EnvGuard::new(&[
        ("IDENTITY_ENDPOINT", Some(&endpoint)),
        ("IDENTITY_HEADER", Some(IDENTITY_HEADER)),
    ]);
    let source = KeyVaultSource::new(&options(&emulator, AuthKind::ManagedIdentity)).unwrap();

    assert_eq!(value(resolve_one(&source, "db-pass")), "mi-value-Qa2");
    assert_eq!(emulator.token_requests()[0].client_id.as_deref(), Some(APP_CLIENT_ID));
}

#[test]
fn azure_cli_credential_runs_az_from_path() {
    let emulator = Emulator::start();
    emulator.add_secret("db-pass", "cli-value-Pp0");
    let dir = tempfile::tempdir().unwrap();
    let mut opts = options(&emulator, AuthKind::AzureCli);
    opts.credential_env.path = Some(install_az(dir.path()));
    let source = KeyVaultSource::new(&opts).unwrap();

    assert_eq!(value(resolve_one(&source, "db-pass")), "cli-value-Pp0");
    let calls = az_invocations(dir.path());
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert!(calls[0].contains("get-access-token"), "{calls:?}");
    assert!(calls[0].contains("https://vault.azure.net/.default"), "{calls:?}");
    assert!(emulator.token_requests().is_empty());
}

// The `auto` chain.

#[test]
fn auto_prefers_workload_identity_when_a_token_file_is_set() {
    let emulator = Emulator::start();
    emulator.add_secret("db-pass", "auto-wl-Nn4");
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, FEDERATED_ASSERTION).unwrap();
    let _env = EnvGuard::new(&[("IDENTITY_ENDPOINT", None), ("IDENTITY_HEADER", None)]);
    let mut opts = options(&emulator, AuthKind::Auto);
    opts.credential_env.federated_token_file = Some(token_file);
    opts.credential_env.path = Some(install_az(dir.path()));
    let source = KeyVaultSource::new(&opts).unwrap();

    assert_eq!(value(resolve_one(&source, "db-pass")), "auto-wl-Nn4");
    let tokens = emulator.token_requests();
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0].kind, Kind::EntraToken);
    assert!(az_invocations(dir.path()).is_empty());
}

#[test]
fn auto_uses_client_secret_when_set() {
    let emulator = Emulator::start();
    emulator.add_secret("db-pass", "auto-cs-Jj6");
    let _env = EnvGuard::new(&[("IDENTITY_ENDPOINT", None), ("IDENTITY_HEADER", None)]);
    let source = KeyVaultSource::new(&options(&emulator, AuthKind::Auto)).unwrap();

    assert_eq!(value(resolve_one(&source, "db-pass")), "auto-cs-Jj6");
    assert_eq!(emulator.token_requests()[0].kind, Kind::EntraToken);
}

#[test]
fn auto_falls_back_to_managed_identity() {
    let emulator = Emulator::start();
    emulator.add_secret("db-pass", "auto-mi-Hh5");
    let endpoint = emulator.identity_endpoint();
    let _env = EnvGuard::new(&[
        ("IDENTITY_ENDPOINT", Some(&endpoint)),
        ("IDENTITY_HEADER", Some(IDENTITY_HEADER)),
    ]);
    let mut opts = options(&emulator, AuthKind::Auto);
    opts.credential_env.client_secret = None;
    let source = KeyVaultSource::new(&opts).unwrap();

    assert_eq!(value(resolve_one(&source, "db-pass")), "auto-mi-Hh5");
    assert_eq!(emulator.token_requests()[0].kind, Kind::ManagedIdentityToken);
}

#[test]
fn auto_reaches_azure_cli_when_imds_is_refused() {
    let emulator = Emulator::start();
    emulator.add_secret("db-pass", "auto-cli-Gg3");
    let dir = tempfile::tempdir().unwrap();
    let _env = EnvGuard::new(&[("IDENTITY_ENDPOINT", None), ("IDENTITY_HEADER", None)]);
    let mut opts = options(&emulator, AuthKind::Auto);
    opts.credential_env.client_secret = None;
    opts.credential_env.path = Some(install_az(dir.path()));
    let source = KeyVaultSource::new(&opts).unwrap();

    assert_eq!(value(resolve_one(&source, "db-pass")), "auto-cli-Gg3");
    assert_eq!(az_invocations(dir.path()).len(), 1);
}

#[test]
fn a_failed_auto_chain_lists_every_step() {
    let emulator = Emulator::start();
    emulator.add_secret("db-pass", "never-Ff1");
    let empty = tempfile::tempdir().unwrap();
    let _env = EnvGuard::new(&[("IDENTITY_ENDPOINT", None), ("IDENTITY_HEADER", None)]);
    let mut opts = options(&emulator, AuthKind::Auto);
    opts.credential_env.client_secret = None;
    opts.credential_env.path = Some(empty.path().as_os_str().to_owned());
    let source = KeyVaultSource::new(&opts).unwrap();

    let err = resolve_one(&source, "db-pass").unwrap_err();
    assert_eq!(err.exit_code(), 3);
    let ResolveError::Unauthenticated { attempts } = &err else { panic!("{err:?}") };
    let shown = err.to_string();
    assert_eq!(attempts.len(), 4, "{shown}");
    for step in ["workload-identity", "client-secret", "managed-identity", "azure-cli"] {
        assert!(shown.contains(step), "{shown}");
    }
    assert!(shown.contains("GUZZLE_KV_NO_IMDS"), "{shown}");
    assert!(emulator.gets_of("db-pass").is_empty());
}

#[test]
fn identity_endpoint_without_header_is_an_error_not_imds() {
    let emulator = Emulator::start();
    let endpoint = emulator.identity_endpoint();
    let _env = EnvGuard::new(&[("IDENTITY_ENDPOINT", Some(&endpoint)), ("IDENTITY_HEADER", None)]);
    let mut opts = options(&emulator, AuthKind::ManagedIdentity);
    opts.credential_env.no_imds = false;
    let source = KeyVaultSource::new(&opts).unwrap();

    let err = resolve_one(&source, "db-pass").unwrap_err();
    assert!(err.to_string().contains("IDENTITY_HEADER"), "{err}");
    assert_eq!(err.exit_code(), 3);
    assert!(emulator.records().is_empty(), "no request may be sent");
}

#[test]
fn no_imds_refuses_the_metadata_endpoint_without_a_request() {
    let emulator = Emulator::start();
    let _env = EnvGuard::new(&[("IDENTITY_ENDPOINT", None), ("IDENTITY_HEADER", None)]);
    let source = KeyVaultSource::new(&options(&emulator, AuthKind::ManagedIdentity)).unwrap();

    let started = Instant::now();
    let err = resolve_one(&source, "db-pass").unwrap_err();
    assert!(err.to_string().contains("GUZZLE_KV_NO_IMDS"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(emulator.records().is_empty());
}

// URL rules and the allow-list.

#[test]
fn a_config_file_url_off_key_vault_domains_is_refused() {
    let emulator = Emulator::start();
    let mut opts = options(&emulator, AuthKind::ClientSecret);
    opts.vault_urls = vec![vault_url(VAULT, &emulator, UrlOrigin::ConfigFile)];
    let err = KeyVaultSource::new(&opts.clone()).unwrap_err();
    assert!(matches!(err, SetupError::UntrustedVaultUrl { .. }), "{err:?}");
    assert!(err.to_string().contains("vault.azure.net"), "{err}");

    // The command line's URL for the same vault wins over the file's.
    opts.vault_urls.push(vault_url(VAULT, &emulator, UrlOrigin::CommandLine));
    emulator.add_secret("db-pass", "cl-wins-Ee2");
    let source = KeyVaultSource::new(&opts).unwrap();
    assert_eq!(value(resolve_one(&source, "db-pass")), "cl-wins-Ee2");
}

#[test]
fn a_vault_outside_the_allow_list_is_refused_before_any_request() {
    let emulator = Emulator::start();
    emulator.add_secret("db-pass", "allowed-Dd9");
    let mut opts = options(&emulator, AuthKind::ClientSecret);
    opts.allow_vaults = vec!["KV-Other".to_owned()];
    let source = KeyVaultSource::new(&opts).unwrap();

    let err = resolve_one(&source, "db-pass").unwrap_err();
    assert_eq!(err, ResolveError::NotAllowed);
    assert_eq!(err.exit_code(), 3);
    let checked = source.check(&[lookup(VAULT, "db-pass", None)]);
    assert_eq!(checked, vec![CheckOutcome::Failed(ResolveError::NotAllowed)]);
    assert!(emulator.records().is_empty());
}

// Fan-out.

#[test]
fn each_secret_is_fetched_once_within_the_concurrency_bound() {
    let emulator = Emulator::start();
    let mut lookups = Vec::new();
    for (vault, prefix, count) in [(VAULT, "s", 20), ("kv-two", "t", 10)] {
        for i in 0..count {
            let name = format!("{prefix}{i:02}");
            emulator.add_secret(&name, &format!("value-of-{name}"));
            emulator.fault(&name, Fault::Latency(Duration::from_millis(100)), None);
            lookups.push(lookup(vault, &name, None));
        }
    }
    let mut opts = options(&emulator, AuthKind::ClientSecret);
    opts.vault_urls.push(vault_url("kv-two", &emulator, UrlOrigin::CommandLine));
    let source = KeyVaultSource::new(&opts).unwrap();

    let answers = source.resolve(&lookups);
    for (lookup, answer) in lookups.iter().zip(answers) {
        assert_eq!(value(answer), format!("value-of-{}", lookup.id.name));
        assert_eq!(emulator.gets_of(&lookup.id.name).len(), 1, "{}", lookup.id);
    }
    let peak = emulator.peak_in_flight();
    assert!((2..=4).contains(&peak), "peak in flight {peak}");
    let tokens = emulator.token_requests().len();
    assert!((1..=2).contains(&tokens), "{tokens} token requests");
    assert_eq!(emulator.challenges(), 2, "one challenge per vault");
    assert_eq!(emulator.records().len(), 30 + 2 + tokens);
}

// Faults.

#[test]
fn each_fault_maps_to_its_error_in_bounded_time() {
    let emulator = Emulator::start();
    let cases: Vec<(&str, Option<Fault>, u8, &str)> = vec![
        ("f401", Some(Fault::Status(401, "Unauthorized")), 3, "access denied (HTTP 401)"),
        ("f403", Some(Fault::Status(403, "Forbidden")), 3, "access denied (HTTP 403) `Forbidden`"),
        ("missing", None, 3, "not found (HTTP 404) `SecretNotFound`"),
        ("f400", Some(Fault::Status(400, "BadParameter")), 3, "refused (HTTP 400)"),
        ("f500", Some(Fault::Status(500, "InternalError")), 4, "unavailable (HTTP 500)"),
        ("f503", Some(Fault::Status(503, "ServiceUnavailable")), 4, "unavailable (HTTP 503)"),
        ("freset", Some(Fault::Reset), 4, "unavailable"),
        ("flong", Some(Fault::RetryAfterSecs(120)), 4, "throttled"),
        ("disabled", None, 3, "access denied (HTTP 403) `Forbidden`"),
    ];
    emulator.add_version(
        "disabled",
        "disabled-value-Cc7",
        Attrs { enabled: false, ..Attrs::default() },
    );
    for (name, fault, _, _) in &cases {
        if *name != "missing" && *name != "disabled" {
            emulator.add_secret(name, "fault-value-Bb8");
        }
        if let Some(fault) = fault {
            emulator.fault(name, fault.clone(), None);
        }
    }
    let source = KeyVaultSource::new(&options(&emulator, AuthKind::ClientSecret)).unwrap();
    let lookups: Vec<Lookup> = cases.iter().map(|(name, ..)| lookup(VAULT, name, None)).collect();

    let started = Instant::now();
    let answers = source.resolve(&lookups);
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
    for ((name, _, code, text), answer) in cases.iter().zip(answers) {
        let err = answer.unwrap_err();
        assert_eq!(err.exit_code(), *code, "{name}: {err}");
        assert!(err.to_string().contains(text), "{name}: {err}");
    }
    // Permanent failures are asked once; transient ones 1 + retries times.
    assert_eq!(emulator.gets_of("f403").len(), 1);
    assert_eq!(emulator.gets_of("f500").len(), 3);
    assert_eq!(emulator.gets_of("flong").len(), 1);
}

#[test]
fn denied_names_the_credential() {
    let emulator = Emulator::start();
    emulator.add_secret("db-url", "denied-value-Aa1");
    emulator.fault("db-url", Fault::Status(403, "Forbidden"), None);
    let source = KeyVaultSource::new(&options(&emulator, AuthKind::ClientSecret)).unwrap();

    let err = resolve_one(&source, "db-url").unwrap_err();
    let ResolveError::Denied { credential, .. } = &err else { panic!("{err:?}") };
    assert!(credential.contains("client-secret") && credential.contains(APP_CLIENT_ID));
}

/// BR-14 (<https://github.com/MicrosoftDocs/azure-docs/issues/27555>): access denied is
/// fatal, and the failure is not cached, so a later run succeeds once access is granted.
#[test]
fn br14_denied_is_fatal_and_not_cached() {
    let emulator = Emulator::start();
    emulator.add_secret("api-key", "ak_live_123");
    emulator.add_secret("db-url", "postgres://db-url-value-Zz0");
    emulator.fault("db-url", Fault::Status(403, "Forbidden"), Some(1));
    let lookups = [lookup(VAULT, "api-key", None), lookup(VAULT, "db-url", None)];

    let first = KeyVaultSource::new(&options(&emulator, AuthKind::ClientSecret)).unwrap();
    let answers = first.resolve(&lookups);
    assert_eq!(value(answers[0].clone()), "ak_live_123");
    let err = answers[1].clone().unwrap_err();
    assert!(matches!(err, ResolveError::Denied { status: 403, .. }), "{err:?}");
    assert_eq!(err.exit_code(), 3);
    assert!(!format!("{err} {err:?}").contains("ak_live_123"));

    let second = KeyVaultSource::new(&options(&emulator, AuthKind::ClientSecret)).unwrap();
    assert_eq!(value(second.resolve(&lookups)[1].clone()), "postgres://db-url-value-Zz0");
}

/// BR-20 (<https://github.com/Azure/azure-sdk-for-python/issues/9082>): a 429 with
/// `Retry-After: 2` is retried once, no sooner than 2 s later.
#[test]
fn br20_retry_after_seconds_is_honoured() {
    let emulator = Emulator::start();
    emulator.add_secret("k1", "v1");
    emulator.fault("k1", Fault::RetryAfterSecs(2), Some(1));
    let source = KeyVaultSource::new(&options(&emulator, AuthKind::ClientSecret)).unwrap();

    assert_eq!(value(resolve_one(&source, "k1")), "v1");
    let gets = emulator.gets_of("k1");
    assert_eq!(gets.len(), 2);
    let waited = gets[1].at - gets[0].at;
    assert!(waited >= Duration::from_secs(2), "{waited:?}");
    assert!(waited < Duration::from_secs(4), "{waited:?}");
}

/// BR-20 (<https://github.com/Azure/azure-sdk-for-python/issues/9092>): `retry-after-ms`.
#[test]
fn br20_retry_after_ms_is_honoured() {
    let emulator = Emulator::start();
    emulator.add_secret("k1", "v1");
    emulator.fault("k1", Fault::RetryAfterMs(1500), Some(1));
    let source = KeyVaultSource::new(&options(&emulator, AuthKind::ClientSecret)).unwrap();

    assert_eq!(value(resolve_one(&source, "k1")), "v1");
    let gets = emulator.gets_of("k1");
    assert_eq!(gets.len(), 2);
    let waited = gets[1].at - gets[0].at;
    assert!(waited >= Duration::from_millis(1500), "{waited:?}");
}

/// BR-20: a vault that always answers 429 ends in `Throttled` after a bounded number of
/// attempts.
#[test]
fn br20_always_throttled_gives_up() {
    let emulator = Emulator::start();
    emulator.add_secret("k1", "v1");
    emulator.fault("k1", Fault::RetryAfterSecs(1), None);
    let source = KeyVaultSource::new(&options(&emulator, AuthKind::ClientSecret)).unwrap();

    let started = Instant::now();
    let err = resolve_one(&source, "k1").unwrap_err();
    assert_eq!(err, ResolveError::Throttled { attempts: 3 });
    assert_eq!(err.exit_code(), 4);
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    assert_eq!(emulator.gets_of("k1").len(), 3);
}

/// BR-21 (<https://github.com/Azure/azure-sdk-for-rust/issues/1632>): a vault that never
/// answers ends in `Timeout` within about timeout × attempts.
#[test]
fn br21_a_hanging_vault_times_out() {
    let emulator = Emulator::start();
    emulator.add_secret("k1", "v1");
    emulator.fault("k1", Fault::Hang, None);
    let mut opts = options(&emulator, AuthKind::ClientSecret);
    opts.timeout = Duration::from_secs(2);
    opts.retries = 1;
    let source = KeyVaultSource::new(&opts).unwrap();

    let started = Instant::now();
    let err = resolve_one(&source, "k1").unwrap_err();
    let elapsed = started.elapsed();
    assert_eq!(err, ResolveError::Timeout { attempts: 2, seconds: 2 });
    assert_eq!(err.exit_code(), 4);
    assert!(elapsed >= Duration::from_secs(4) && elapsed < Duration::from_secs(7), "{elapsed:?}");
}

// `check`.

#[test]
fn check_reports_each_state_without_reading_a_value() {
    let emulator = Emulator::start();
    emulator.set_page_size(2);
    let old = emulator.add_secret("rotated", "old-value-Mm1");
    emulator.add_secret("rotated", "new-value-Mm2");
    emulator.add_secret("present", "present-value-Mm3");
    emulator.add_version("disabled", "x-Mm4", Attrs { enabled: false, ..Attrs::default() });
    let past = Attrs { expires: Some(1_600_000_000), ..Attrs::default() };
    emulator.add_version("expired", "x-Mm5", past);
    let future = Attrs { not_before: Some(4_000_000_000), ..Attrs::default() };
    emulator.add_version("early", "x-Mm6", future);
    let source = KeyVaultSource::new(&options(&emulator, AuthKind::ClientSecret)).unwrap();

    let lookups = [
        lookup(VAULT, "Present", None),
        lookup(VAULT, "missing", None),
        lookup(VAULT, "disabled", None),
        lookup(VAULT, "expired", None),
        lookup(VAULT, "early", None),
        lookup(VAULT, "rotated", Some(&old.to_ascii_uppercase())),
        lookup(VAULT, "rotated", Some("0123456789abcdef0123456789abcdef")),
        lookup(VAULT, "missing", Some("0123456789abcdef0123456789abcdef")),
    ];
    let outcomes = source.check(&lookups);
    assert_eq!(outcomes[0], CheckOutcome::Present);
    assert_eq!(outcomes[1], CheckOutcome::Missing);
    assert_eq!(outcomes[2], CheckOutcome::Disabled);
    assert!(matches!(&outcomes[3], CheckOutcome::Expired { at } if at.starts_with("2020-09-13")));
    assert!(matches!(outcomes[4], CheckOutcome::NotYetValid { .. }), "{:?}", outcomes[4]);
    assert_eq!(outcomes[5], CheckOutcome::Present);
    assert_eq!(outcomes[6], CheckOutcome::Missing);
    assert_eq!(outcomes[7], CheckOutcome::Missing);

    let records = emulator.records();
    assert!(records.iter().all(|r| !r.value_returned && r.kind != Kind::Get), "{records:?}");
    let authorized_lists = records.iter().filter(|r| r.kind == Kind::List && r.authorized);
    assert_eq!(authorized_lists.count(), 3, "five secrets, two per page");
    assert!(records.iter().any(|r| r.kind == Kind::Versions && r.authorized));
    let list = records.iter().find(|r| r.kind == Kind::List).unwrap();
    assert_eq!((list.method.as_str(), list.path.as_str()), ("GET", "/secrets"));
}

// No value, token or body in any error.

#[test]
fn no_error_shows_a_value_a_token_or_a_body() {
    let emulator = Emulator::start();
    let canary = "canary-VALUE-7f3a9c21e8b4d605";
    let faults = [
        Fault::Status(401, "Unauthorized"),
        Fault::Status(403, "Forbidden"),
        Fault::Status(404, "SecretNotFound"),
        Fault::Status(500, "InternalError"),
        Fault::Status(503, "ServiceUnavailable"),
        Fault::RetryAfterMs(10),
        Fault::Reset,
    ];
    let mut lookups = Vec::new();
    for (i, fault) in faults.into_iter().enumerate() {
        let name = format!("c{i}");
        emulator.add_secret(&name, canary);
        emulator.fault(&name, fault, None);
        lookups.push(lookup(VAULT, &name, None));
    }
    let mut opts = options(&emulator, AuthKind::ClientSecret);
    opts.retries = 1;
    let mut shown = Vec::new();
    for err in KeyVaultSource::new(&opts.clone()).unwrap().resolve(&lookups) {
        let err = err.unwrap_err();
        shown.push(format!("{err} {err:?}"));
    }

    // Credential failures: a wrong client secret, and a failing token endpoint.
    let mut wrong = opts.clone();
    wrong.credential_env.client_secret = Some("wrong-secret-canary-4a4a4a4a".to_owned());
    let err = resolve_one(&KeyVaultSource::new(&wrong).unwrap(), "c0").unwrap_err();
    assert_eq!(err.exit_code(), 3, "{err}");
    shown.push(format!("{err} {err:?}"));
    emulator.fail_tokens(500);
    let err = resolve_one(&KeyVaultSource::new(&opts.clone()).unwrap(), "c0").unwrap_err();
    assert!(matches!(err, ResolveError::Unauthenticated { .. }), "{err:?}");
    shown.push(format!("{err} {err:?}"));
    shown.push(format!("{opts:?}"));

    for text in &shown {
        for forbidden in [ACCESS_TOKEN, CANARY_BODY, CLIENT_SECRET, "wrong-secret-canary"] {
            assert!(!text.contains(forbidden), "{forbidden} in {text}");
        }
        for start in 0..=canary.len() - 8 {
            assert!(!text.contains(&canary[start..start + 8]), "value piece in {text}");
        }
    }
}

// The emulator against an independent client.

/// Microsoft's Python SDK reads from the emulator through the App Service managed identity
/// endpoint, following the challenge and `nextLink` paging. Needs a Python with
/// `azure-keyvault-secrets` and `azure-identity` (`GUZZLE_KV_TEST_PYTHON`, default `python3`);
/// without one the check is skipped with a note on stderr.
#[test]
fn the_python_sdk_agrees_with_the_emulator() {
    let python = std::env::var("GUZZLE_KV_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let probe = std::process::Command::new(&python)
        .args(["-c", "import azure.keyvault.secrets, azure.identity"])
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!("skipped: {python} lacks azure-keyvault-secrets and azure-identity");
        return;
    }
    let emulator = Emulator::start();
    emulator.set_page_size(2);
    let old = emulator.add_secret("py-secret", "py-old-Ww1");
    emulator.add_secret("py-secret", "py-new-Ww2");
    for name in ["py-a", "py-b", "py-c"] {
        emulator.add_secret(name, "x");
    }
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, &emulator.ca_pem).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/support/python_client.py");

    let output = std::process::Command::new(&python)
        .arg(script)
        .args([&emulator.vault_url(), ca_file.to_str().unwrap(), USER_ASSIGNED_ID, &old])
        .env("IDENTITY_ENDPOINT", emulator.identity_endpoint())
        .env("IDENTITY_HEADER", IDENTITY_HEADER)
        .env("GUZZLE_KV_NO_IMDS", "1")
        .env_remove("MSI_ENDPOINT")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines, ["py-new-Ww2", "py-old-Ww1", "py-a,py-b,py-c,py-secret"]);
    assert_eq!(emulator.token_requests()[0].client_id.as_deref(), Some(USER_ASSIGNED_ID));
    assert_eq!(emulator.challenges(), 1);
}
