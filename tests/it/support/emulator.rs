//! A Key Vault emulator on 127.0.0.1 for end-to-end tests of the real SDK: the secrets API
//! over TLS (test CA) with the 401 challenge, get by name and version, list and versions
//! with `nextLink` paging; the token endpoints (App Service managed identity over http,
//! Entra over https, a stand-in `az`); faults on demand; a record of every request.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncWrite, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::Runtime;
use tokio_rustls::TlsAcceptor;

use super::http::{Request, Response, read_request, write_response};
use super::tls::TestPki;

/// The tenant in challenges and Entra token URLs.
pub const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
/// The client secret the Entra endpoint accepts.
pub const CLIENT_SECRET: &str = "emulator-client-secret-Zq81";
/// The federated assertion the Entra endpoint accepts (the workload identity token file).
pub const FEDERATED_ASSERTION: &str = "emulator-federated-assertion-Kp42";
/// The value of `IDENTITY_HEADER` the managed identity endpoint expects.
pub const IDENTITY_HEADER: &str = "emulator-identity-header-Wv77";
/// The access token every endpoint issues and the vault accepts (a canary too).
pub const ACCESS_TOKEN: &str = "eyJ0eXAiOiJKV1QifQ.emulator-access-token-canary-Hx93.c2ln";

/// A misbehaviour of the vault for one secret.
#[derive(Clone, Debug)]
pub enum Fault {
    /// Answer with this status and Key Vault error code.
    Status(u16, &'static str),
    /// 429 with `Retry-After: N` seconds.
    RetryAfterSecs(u64),
    /// 429 with `retry-after-ms: N`.
    RetryAfterMs(u64),
    /// Answer normally, after this delay.
    Latency(Duration),
    /// Read the request and never answer.
    Hang,
    /// Reset the connection instead of answering.
    Reset,
}

/// The kind of a recorded request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `GET /secrets/NAME[/VERSION]`.
    Get,
    /// `GET /secrets`.
    List,
    /// `GET /secrets/NAME/versions`.
    Versions,
    /// The App Service managed identity endpoint.
    ManagedIdentityToken,
    /// The Entra token endpoint.
    EntraToken,
    /// Anything else.
    Other,
}

/// One request as the emulator saw it.
#[derive(Clone, Debug)]
pub struct Record {
    /// When the request was read.
    pub at: Instant,
    /// Method.
    pub method: String,
    /// Path.
    pub path: String,
    /// What it asked for.
    pub kind: Kind,
    /// The lower-cased secret name, for vault requests about one secret.
    pub secret: Option<String>,
    /// Whether it carried the access token.
    pub authorized: bool,
    /// The status answered (0 for a hang or a reset).
    pub status: u16,
    /// Whether the answer held a secret value.
    pub value_returned: bool,
    /// The client id a token request named.
    pub client_id: Option<String>,
}

/// Attributes of a stored secret version.
#[derive(Clone, Debug)]
pub struct Attrs {
    /// Enabled.
    pub enabled: bool,
    /// Expiry, epoch seconds.
    pub expires: Option<i64>,
    /// Not before, epoch seconds.
    pub not_before: Option<i64>,
}

impl Default for Attrs {
    fn default() -> Self {
        Self { enabled: true, expires: None, not_before: None }
    }
}

#[derive(Clone, Debug)]
struct Version {
    id: String,
    value: String,
    attrs: Attrs,
}

struct FaultPlan {
    fault: Fault,
    remaining: Option<usize>,
}

struct State {
    base_url: String,
    secrets: Mutex<BTreeMap<String, (String, Vec<Version>)>>,
    faults: Mutex<HashMap<String, FaultPlan>>,
    token_failure: Mutex<Option<u16>>,
    records: Mutex<Vec<Record>>,
    in_flight: AtomicUsize,
    peak: AtomicUsize,
    page_size: AtomicUsize,
    versions_made: AtomicUsize,
}

/// A running emulator; dropping it stops every server.
pub struct Emulator {
    runtime: Option<Runtime>,
    state: Arc<State>,
    /// The test CA (PEM) that signed the TLS certificate.
    pub ca_pem: String,
    https: SocketAddr,
    http: SocketAddr,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl Emulator {
    /// Starts the https listener (vault and Entra) and the http one (managed identity).
    pub fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("emulator runtime");
        let pki = TestPki::generate();
        let (tls_listener, plain_listener) = runtime.block_on(async {
            let https = TcpListener::bind("127.0.0.1:0").await.expect("bind https");
            let http = TcpListener::bind("127.0.0.1:0").await.expect("bind http");
            (https, http)
        });
        let https = tls_listener.local_addr().expect("https address");
        let http = plain_listener.local_addr().expect("http address");
        let state = Arc::new(State {
            base_url: format!("https://{https}"),
            secrets: Mutex::default(),
            faults: Mutex::default(),
            token_failure: Mutex::default(),
            records: Mutex::default(),
            in_flight: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
            page_size: AtomicUsize::new(25),
            versions_made: AtomicUsize::new(0),
        });
        let acceptor = TlsAcceptor::from(pki.server.clone());
        runtime.spawn(serve_tls(tls_listener, acceptor, state.clone()));
        runtime.spawn(serve_plain(plain_listener, state.clone()));
        Self { runtime: Some(runtime), state, ca_pem: pki.ca_pem, https, http }
    }

    /// The vault URL, `https://127.0.0.1:PORT/`.
    pub fn vault_url(&self) -> String {
        format!("https://{}/", self.https)
    }

    /// The Entra authority host, `https://127.0.0.1:PORT`.
    pub fn authority_host(&self) -> String {
        format!("https://{}", self.https)
    }

    /// The App Service managed identity endpoint (`IDENTITY_ENDPOINT`).
    pub fn identity_endpoint(&self) -> String {
        format!("http://{}/msi/token", self.http)
    }

    /// Stores a new current version of a secret and returns its version id.
    pub fn add_secret(&self, name: &str, value: &str) -> String {
        self.add_version(name, value, Attrs::default())
    }

    /// Stores a new current version with these attributes and returns its version id.
    pub fn add_version(&self, name: &str, value: &str, attrs: Attrs) -> String {
        let n = self.state.versions_made.fetch_add(1, Ordering::SeqCst);
        let id = format!("{:032x}", 0xabc0_0000_u64 + n as u64);
        let version = Version { id: id.clone(), value: value.to_owned(), attrs };
        let mut secrets = self.state.secrets.lock().unwrap();
        let entry = secrets.entry(name.to_ascii_lowercase()).or_insert((name.to_owned(), vec![]));
        entry.1.push(version);
        id
    }

    /// Makes requests for `name` misbehave: the first `times` of them, or all with `None`.
    pub fn fault(&self, name: &str, fault: Fault, times: Option<usize>) {
        let plan = FaultPlan { fault, remaining: times };
        self.state.faults.lock().unwrap().insert(name.to_ascii_lowercase(), plan);
    }

    /// Makes every token endpoint answer with this status.
    pub fn fail_tokens(&self, status: u16) {
        *self.state.token_failure.lock().unwrap() = Some(status);
    }

    /// Lists this many secrets per page.
    pub fn set_page_size(&self, size: usize) {
        self.state.page_size.store(size.max(1), Ordering::SeqCst);
    }

    /// Every request so far.
    pub fn records(&self) -> Vec<Record> {
        self.state.records.lock().unwrap().clone()
    }

    /// Authorized GETs of one secret (the challenge not counted).
    pub fn gets_of(&self, name: &str) -> Vec<Record> {
        let name = name.to_ascii_lowercase();
        let is_get = |r: &Record| r.kind == Kind::Get && r.authorized;
        self.records()
            .into_iter()
            .filter(|r| is_get(r) && r.secret.as_deref() == Some(&name))
            .collect()
    }

    /// Vault requests answered with the 401 challenge.
    pub fn challenges(&self) -> usize {
        self.records().iter().filter(|r| !r.authorized && r.status == 401).count()
    }

    /// Token requests, of either endpoint.
    pub fn token_requests(&self) -> Vec<Record> {
        let is_token = |r: &Record| matches!(r.kind, Kind::ManagedIdentityToken | Kind::EntraToken);
        self.records().into_iter().filter(is_token).collect()
    }

    /// The most vault requests ever in flight at once.
    pub fn peak_in_flight(&self) -> usize {
        self.state.peak.load(Ordering::SeqCst)
    }
}

/// Writes a stand-in `az` into `dir` that prints the access token and logs its arguments
/// to `dir/az.log`; returns a `PATH` with `dir` first.
pub fn install_az(dir: &Path) -> std::ffi::OsString {
    let expires = now_epoch() + 3600;
    let token = json!({
        "accessToken": ACCESS_TOKEN,
        "expiresOn": "2099-01-01 00:00:00.000000",
        "expires_on": expires,
        "subscription": "00000000-0000-0000-0000-000000000000",
        "tenant": TENANT,
        "tokenType": "Bearer",
    });
    let log = dir.join("az.log");
    let script =
        format!("#!/bin/sh\necho \"$@\" >> '{}'\ncat <<'JSON'\n{token}\nJSON\n", log.display());
    write_executable(&dir.join("az"), &script);
    let mut path = dir.as_os_str().to_owned();
    path.push(":/usr/bin:/bin");
    path
}

/// The lines the stand-in `az` logged, one per invocation.
pub fn az_invocations(dir: &Path) -> Vec<String> {
    let log = std::fs::read_to_string(dir.join("az.log")).unwrap_or_default();
    log.lines().map(str::to_owned).collect()
}

fn write_executable(path: &PathBuf, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).expect("write script");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

fn now_epoch() -> i64 {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
    i64::try_from(secs).unwrap()
}

async fn serve_tls(listener: TcpListener, acceptor: TlsAcceptor, state: Arc<State>) {
    while let Ok((tcp, _)) = listener.accept().await {
        let _ = tcp.set_nodelay(true);
        let (acceptor, state) = (acceptor.clone(), state.clone());
        tokio::spawn(async move {
            if let Ok(tls) = acceptor.accept(tcp).await {
                serve_connection(tls, |s| s.get_ref().0.set_zero_linger(), state).await;
            }
        });
    }
}

async fn serve_plain(listener: TcpListener, state: Arc<State>) {
    while let Ok((tcp, _)) = listener.accept().await {
        let _ = tcp.set_nodelay(true);
        let state = state.clone();
        tokio::spawn(serve_connection(tcp, TcpStream::set_zero_linger, state));
    }
}

/// What to do with a request.
enum Outcome {
    Respond(Response),
    Hang,
    Reset,
}

async fn serve_connection<S, L>(stream: S, zero_linger: L, state: Arc<State>)
where
    S: AsyncRead + AsyncWrite + Unpin,
    L: Fn(&S) -> std::io::Result<()>,
{
    let mut reader = BufReader::new(stream);
    while let Ok(Some(request)) = read_request(&mut reader).await {
        let (outcome, mut record) = state.handle(&request).await;
        match outcome {
            Outcome::Respond(response) => {
                record.status = response.status;
                state.records.lock().unwrap().push(record);
                if write_response(&mut reader, &response).await.is_err() {
                    return;
                }
            }
            Outcome::Hang => {
                state.records.lock().unwrap().push(record);
                tokio::time::sleep(Duration::from_secs(600)).await;
                return;
            }
            Outcome::Reset => {
                state.records.lock().unwrap().push(record);
                let _ = zero_linger(reader.get_ref());
                return;
            }
        }
    }
}

impl State {
    async fn handle(&self, request: &Request) -> (Outcome, Record) {
        let mut record = Record {
            at: Instant::now(),
            method: request.method.clone(),
            path: request.path.clone(),
            kind: Kind::Other,
            secret: None,
            authorized: false,
            status: 0,
            value_returned: false,
            client_id: None,
        };
        let outcome = if request.path.starts_with("/msi/token") {
            self.managed_identity_token(request, &mut record)
        } else if request.path.ends_with("/oauth2/v2.0/token") && request.method == "POST" {
            self.entra_token(request, &mut record)
        } else if request.path.starts_with("/secrets") {
            self.counted(self.vault(request, &mut record)).await
        } else {
            Outcome::Respond(Response::json(404, &json!({"error": "no such endpoint"})))
        };
        (outcome, record)
    }

    /// Tracks vault requests in flight while they are being answered.
    async fn counted(&self, answer: impl Future<Output = Outcome>) -> Outcome {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        let outcome = answer.await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        outcome
    }

    fn token_reply(&self) -> Option<Outcome> {
        let status = (*self.token_failure.lock().unwrap())?;
        let body = json!({"error": "temporarily_unavailable",
                          "error_description": "emulator: token endpoint failure"});
        Some(Outcome::Respond(Response::json(status, &body)))
    }

    fn managed_identity_token(&self, request: &Request, record: &mut Record) -> Outcome {
        record.kind = Kind::ManagedIdentityToken;
        record.client_id = request.param("client_id").map(str::to_owned);
        if request.header("x-identity-header") != Some(IDENTITY_HEADER) {
            let body = json!({"statusCode": 400, "message": "missing or wrong X-IDENTITY-HEADER"});
            return Outcome::Respond(Response::json(400, &body));
        }
        if let Some(failure) = self.token_reply() {
            return failure;
        }
        let body = json!({
            "access_token": ACCESS_TOKEN,
            "expires_on": (now_epoch() + 3600).to_string(),
            "resource": request.param("resource").unwrap_or_default(),
            "token_type": "Bearer",
            "client_id": record.client_id.clone().unwrap_or_default(),
        });
        Outcome::Respond(Response::json(200, &body))
    }

    fn entra_token(&self, request: &Request, record: &mut Record) -> Outcome {
        record.kind = Kind::EntraToken;
        let form = request.form();
        let field = |name: &str| form.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
        record.client_id = field("client_id");
        let accepted = field("client_secret").as_deref() == Some(CLIENT_SECRET)
            || field("client_assertion").as_deref() == Some(FEDERATED_ASSERTION);
        if !accepted {
            let body = json!({"error": "invalid_client",
                              "error_description": "AADSTS7000215: Invalid client secret provided."});
            return Outcome::Respond(Response::json(401, &body));
        }
        if let Some(failure) = self.token_reply() {
            return failure;
        }
        let body = json!({"token_type": "Bearer", "expires_in": 3599,
                          "ext_expires_in": 3599, "access_token": ACCESS_TOKEN});
        Outcome::Respond(Response::json(200, &body))
    }

    async fn vault(&self, request: &Request, record: &mut Record) -> Outcome {
        let segments: Vec<&str> = request.path.trim_start_matches('/').split('/').collect();
        let (kind, name, version) = match segments.as_slice() {
            ["secrets"] | ["secrets", ""] => (Kind::List, None, None),
            ["secrets", name, "versions"] => (Kind::Versions, Some(*name), None),
            ["secrets", name] | ["secrets", name, ""] => (Kind::Get, Some(*name), None),
            ["secrets", name, version] => (Kind::Get, Some(*name), Some(*version)),
            _ => (Kind::Other, None, None),
        };
        record.kind = kind;
        record.secret = name.map(str::to_ascii_lowercase);
        record.authorized =
            request.header("authorization") == Some(&format!("Bearer {ACCESS_TOKEN}"));

        if !record.authorized {
            return Outcome::Respond(challenge());
        }
        if request.param("api-version").is_none() {
            return Outcome::Respond(error(400, "BadParameter", "api-version is required"));
        }
        if let Some(name) = name {
            if let Some(outcome) = self.apply_fault(name).await {
                return outcome;
            }
        }
        let response = match (kind, name) {
            (Kind::Get, Some(name)) => self.get(name, version),
            (Kind::List, _) => self.list(request, None),
            (Kind::Versions, Some(name)) => self.list(request, Some(name)),
            _ => error(400, "BadParameter", "unknown operation"),
        };
        record.value_returned = response.status == 200 && kind == Kind::Get;
        Outcome::Respond(response)
    }

    /// Applies the secret's fault, if it has one left; latency delays the normal answer.
    async fn apply_fault(&self, name: &str) -> Option<Outcome> {
        let fault = {
            let mut faults = self.faults.lock().unwrap();
            let plan = faults.get_mut(&name.to_ascii_lowercase())?;
            match &mut plan.remaining {
                Some(0) => return None,
                Some(n) => *n -= 1,
                None => {}
            }
            plan.fault.clone()
        };
        match fault {
            Fault::Status(status, code) => Some(Outcome::Respond(error(status, code, CANARY_BODY))),
            Fault::RetryAfterSecs(secs) => Some(Outcome::Respond(
                error(429, "Throttled", CANARY_BODY).with("retry-after", &secs.to_string()),
            )),
            Fault::RetryAfterMs(ms) => Some(Outcome::Respond(
                error(429, "Throttled", CANARY_BODY).with("retry-after-ms", &ms.to_string()),
            )),
            Fault::Latency(delay) => {
                tokio::time::sleep(delay).await;
                None
            }
            Fault::Hang => Some(Outcome::Hang),
            Fault::Reset => Some(Outcome::Reset),
        }
    }

    fn get(&self, name: &str, version: Option<&str>) -> Response {
        let secrets = self.secrets.lock().unwrap();
        let Some((stored_name, versions)) = secrets.get(&name.to_ascii_lowercase()) else {
            return not_found(name);
        };
        let found = match version {
            None => versions.last(),
            Some(v) => versions.iter().find(|x| x.id.eq_ignore_ascii_case(v)),
        };
        let Some(found) = found else {
            return not_found(name);
        };
        if !found.attrs.enabled {
            let body = json!({"error": {"code": "Forbidden",
                "message": "Operation get is not allowed on a disabled secret.",
                "innererror": {"code": "SecretDisabled"}}});
            return Response::json(403, &body).with("x-ms-error-code", "Forbidden");
        }
        let mut body = self.properties(stored_name, Some(&found.id), &found.attrs);
        body["value"] = Value::String(found.value.clone());
        Response::json(200, &body)
    }

    /// A page of the vault's secrets, or of one secret's versions.
    fn list(&self, request: &Request, versions_of: Option<&str>) -> Response {
        let secrets = self.secrets.lock().unwrap();
        let items: Vec<Value> = match versions_of {
            None => secrets
                .values()
                .filter_map(|(name, v)| v.last().map(|cur| self.properties(name, None, &cur.attrs)))
                .collect(),
            Some(name) => match secrets.get(&name.to_ascii_lowercase()) {
                None => return not_found(name),
                Some((stored, versions)) => versions
                    .iter()
                    .map(|v| self.properties(stored, Some(&v.id), &v.attrs))
                    .collect(),
            },
        };
        let size = self.page_size.load(Ordering::SeqCst);
        let skip: usize = request.param("$skiptoken").and_then(|s| s.parse().ok()).unwrap_or(0);
        let page: Vec<Value> = items.iter().skip(skip).take(size).cloned().collect();
        let next = (skip + size < items.len()).then(|| {
            format!(
                "{}{}?api-version=2025-07-01&$skiptoken={}",
                self.base_url,
                request.path,
                skip + size
            )
        });
        Response::json(200, &json!({"value": page, "nextLink": next}))
    }

    fn properties(&self, name: &str, version: Option<&str>, attrs: &Attrs) -> Value {
        let id = match version {
            Some(v) => format!("{}/secrets/{name}/{v}", self.base_url),
            None => format!("{}/secrets/{name}", self.base_url),
        };
        let mut attributes = json!({"enabled": attrs.enabled, "created": 1_700_000_000,
            "updated": 1_700_000_000, "recoverableDays": 90,
            "recoveryLevel": "Recoverable+Purgeable"});
        if let Some(exp) = attrs.expires {
            attributes["exp"] = json!(exp);
        }
        if let Some(nbf) = attrs.not_before {
            attributes["nbf"] = json!(nbf);
        }
        json!({"id": id, "attributes": attributes, "tags": {}})
    }
}

/// Error bodies carry this text so tests can prove no body reaches a message.
pub const CANARY_BODY: &str = "emulator-body-canary-Rt55 do not show response bodies";

fn challenge() -> Response {
    let header = format!(
        "Bearer authorization=\"https://login.microsoftonline.com/{TENANT}\", resource=\"https://vault.azure.net\""
    );
    let body = json!({"error": {"code": "Unauthorized",
        "message": "AKV10000: Request is missing a Bearer or PoP token."}});
    Response::json(401, &body).with("www-authenticate", &header)
}

fn error(status: u16, code: &str, message: &str) -> Response {
    let body = json!({"error": {"code": code, "message": message}});
    Response::json(status, &body).with("x-ms-error-code", code)
}

fn not_found(name: &str) -> Response {
    let message = format!("A secret with (name/id) {name} was not found in this key vault.");
    error(404, "SecretNotFound", &message)
}
