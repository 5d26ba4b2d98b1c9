//! Our retry policy, used instead of the SDK's (whose budget was seen to exceed 80 s):
//! `retries` after the first attempt, `Retry-After` honoured for 429 and 503 up to 60 s,
//! exponential backoff for other transient failures.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::time::Duration;

use azure_core::error::{Error as AzureError, ErrorKind};
use azure_core::http::headers::{Headers, RETRY_AFTER, RETRY_AFTER_MS, X_MS_RETRY_AFTER_MS};
use azure_core::http::policies::get_retry_after;
use azure_core::time::OffsetDateTime;

use crate::vault::keyvault::auth::{ChainFailure, describe_error};

/// A `Retry-After` longer than this counts as exhausted (SPEC section 5).
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// What one attempt ended with. Only the status, Key Vault's error code and the
/// retry-after headers are kept from a response, never its body.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The service answered with an unexpected status.
    Http { status: u16, code: Option<String>, retry_after: Option<Duration> },
    /// No credential produced a token.
    Credential { attempts: Vec<String> },
    /// A request took longer than the timeout.
    Timeout,
    /// The connection failed; `transient` is false for TLS certificate problems.
    Network { cause: String, transient: bool },
    /// Anything else the SDK refused, e.g. a challenge for another resource.
    Other { cause: String },
}

impl Failure {
    /// Classifies an SDK error, keeping nothing a response body said.
    pub(crate) fn from_azure(err: &AzureError) -> Self {
        match err.kind() {
            ErrorKind::HttpResponse { status, error_code, raw_response } => Self::Http {
                status: u16::from(*status),
                code: error_code.clone().filter(|c| is_error_code(c)),
                retry_after: raw_response.as_ref().and_then(|r| retry_after(r.headers())),
            },
            ErrorKind::Credential => Self::Credential { attempts: credential_attempts(err) },
            ErrorKind::Io | ErrorKind::Connection if is_timeout(err) => Self::Timeout,
            ErrorKind::Io | ErrorKind::Connection => {
                Self::Network { cause: innermost_cause(err), transient: !is_tls_failure(err) }
            }
            // A conversion error may quote the response it could not read.
            ErrorKind::DataConversion => {
                Self::Other { cause: "the answer could not be read".to_owned() }
            }
            ErrorKind::Other => Self::Other { cause: describe_error(err) },
        }
    }

    fn is_transient(&self) -> bool {
        match self {
            Self::Http { status, .. } => matches!(status, 408 | 429 | 500 | 502 | 503 | 504),
            Self::Timeout => true,
            Self::Network { transient, .. } => *transient,
            Self::Credential { .. } | Self::Other { .. } => false,
        }
    }

    /// The server's requested wait, honoured for 429 and 503 only.
    fn requested_wait(&self) -> Option<Duration> {
        match self {
            Self::Http { status: 429 | 503, retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Http { status, .. } => write!(f, "HTTP {status}"),
            Self::Credential { .. } => f.write_str("credential failure"),
            Self::Timeout => f.write_str("timeout"),
            Self::Network { cause, .. } | Self::Other { cause } => f.write_str(cause),
        }
    }
}

/// The last failure once no retry is left, with the number of attempts made.
#[derive(Debug)]
pub(crate) struct Exhausted {
    pub(crate) failure: Failure,
    pub(crate) attempts: u32,
}

/// Attempts, deadlines and backoff.
#[derive(Clone, Debug)]
pub(crate) struct RetryPolicy {
    pub(crate) retries: u32,
    pub(crate) timeout: Duration,
    pub(crate) base_delay: Duration,
    pub(crate) max_delay: Duration,
}

impl RetryPolicy {
    /// Runs `attempt` until it succeeds, fails for good, or the retries run out.
    pub(crate) async fn run<T, F, Fut>(&self, what: &str, mut attempt: F) -> Result<T, Exhausted>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = azure_core::Result<T>>,
    {
        let mut attempts = 0;
        loop {
            attempts += 1;
            let failure = match tokio::time::timeout(self.attempt_deadline(), attempt()).await {
                Ok(Ok(value)) => return Ok(value),
                Ok(Err(err)) => Failure::from_azure(&err),
                Err(_) => Failure::Timeout,
            };
            let Some(delay) = self.delay(&failure, attempts) else {
                return Err(Exhausted { failure, attempts });
            };
            let delay_ms = delay.as_millis();
            tracing::debug!(%what, attempts, delay_ms, reason = %failure, "retrying");
            tokio::time::sleep(delay).await;
        }
    }

    /// Each HTTP request is bounded by the transport's timeout; this bounds a whole attempt
    /// (challenge, token and request), which also covers a credential that hangs.
    fn attempt_deadline(&self) -> Duration {
        self.timeout * 3 + Duration::from_secs(5)
    }

    /// How long to wait before the next attempt, or `None` when there is none.
    fn delay(&self, failure: &Failure, attempts: u32) -> Option<Duration> {
        if !failure.is_transient() || attempts > self.retries {
            return None;
        }
        match failure.requested_wait() {
            Some(wait) if wait > MAX_RETRY_AFTER => None,
            Some(wait) => Some(wait),
            None => Some(self.backoff(attempts)),
        }
    }

    /// `base × 2^(n-1)`, capped, with ±20 % jitter so that many failed requests do not all
    /// come back at once.
    fn backoff(&self, attempts: u32) -> Duration {
        let exponent = attempts.saturating_sub(1).min(16);
        let delay = self.base_delay.saturating_mul(1 << exponent).min(self.max_delay);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let jitter = 0.8 + f64::from(nanos % 1000) / 2500.0;
        delay.mul_f64(jitter)
    }
}

fn retry_after(headers: &Headers) -> Option<Duration> {
    let names = [RETRY_AFTER_MS, X_MS_RETRY_AFTER_MS, RETRY_AFTER];
    let wait = get_retry_after(headers, OffsetDateTime::now_utc, &names)?;
    let millis = u64::try_from(wait.whole_milliseconds()).unwrap_or(0);
    Some(Duration::from_millis(millis))
}

/// Key Vault error codes are short identifiers; anything else is not shown.
fn is_error_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 64
        && code.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        && !code.bytes().all(|b| b.is_ascii_digit())
}

fn sources(err: &AzureError) -> impl Iterator<Item = &(dyn StdError + 'static)> {
    std::iter::successors(Some(err as &(dyn StdError + 'static)), |e| (*e).source())
}

fn credential_attempts(err: &AzureError) -> Vec<String> {
    sources(err)
        .find_map(|e| e.downcast_ref::<ChainFailure>())
        .map_or_else(|| vec![describe_error(err)], |chain| chain.attempts.clone())
}

fn is_timeout(err: &AzureError) -> bool {
    sources(err).any(|e| {
        e.downcast_ref::<reqwest::Error>().is_some_and(reqwest::Error::is_timeout)
            || e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut)
    })
}

/// TLS failures surface as `InvalidData` I/O errors; retrying them cannot help.
fn is_tls_failure(err: &AzureError) -> bool {
    sources(err).any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::InvalidData)
    })
}

/// The deepest message of a network error (e.g. "Connection refused"), which names the
/// cause without the request.
fn innermost_cause(err: &AzureError) -> String {
    let deepest = sources(err).last().map(ToString::to_string).unwrap_or_default();
    if deepest.is_empty() { "network failure".to_owned() } else { deepest }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(retries: u32) -> RetryPolicy {
        RetryPolicy {
            retries,
            timeout: Duration::from_secs(1),
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
        }
    }

    fn http(status: u16, retry_after: Option<u64>) -> Failure {
        Failure::Http { status, code: None, retry_after: retry_after.map(Duration::from_secs) }
    }

    #[test]
    fn honours_retry_after_for_429_and_503_only() {
        let p = policy(4);
        assert_eq!(p.delay(&http(429, Some(2)), 1), Some(Duration::from_secs(2)));
        assert_eq!(p.delay(&http(503, Some(3)), 1), Some(Duration::from_secs(3)));
        let backoff = p.delay(&http(500, Some(9)), 1).unwrap();
        assert!(backoff < Duration::from_millis(300), "{backoff:?}");
    }

    #[test]
    fn a_long_retry_after_counts_as_exhausted() {
        assert_eq!(policy(4).delay(&http(429, Some(61)), 1), None);
        assert!(policy(4).delay(&http(429, Some(60)), 1).is_some());
    }

    #[test]
    fn stops_after_the_retries_and_on_permanent_failures() {
        let p = policy(2);
        assert!(p.delay(&http(503, None), 2).is_some());
        assert!(p.delay(&http(503, None), 3).is_none());
        assert!(p.delay(&http(404, None), 1).is_none());
        assert!(p.delay(&http(403, None), 1).is_none());
        assert!(p.delay(&Failure::Credential { attempts: vec![] }, 1).is_none());
        assert!(p.delay(&Failure::Timeout, 1).is_some());
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = policy(20);
        assert!(p.backoff(1) <= Duration::from_millis(240));
        assert!(p.backoff(3) >= Duration::from_millis(640));
        assert!(p.backoff(15) <= Duration::from_secs(6));
    }

    #[test]
    fn error_codes_are_identifiers() {
        assert!(is_error_code("SecretNotFound"));
        assert!(!is_error_code("404"));
        assert!(!is_error_code("value is hunter2"));
        assert!(!is_error_code(""));
    }
}
