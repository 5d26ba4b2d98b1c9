//! Where secret values come from. Every source answers one batch of lookups, so a
//! remote source can fetch distinct secrets concurrently; the rest of the tool is sync.

pub mod file;
pub mod keyvault;

use std::fmt;

use crate::secret::{SecretId, SecretValue, UseSite};

/// One distinct secret to resolve, with the first place that uses it (for messages).
#[derive(Clone, Debug)]
pub struct Lookup {
    /// The secret as first written.
    pub id: SecretId,
    /// The first use site, in walk order.
    pub first_use: UseSite,
}

/// What a source answers for one lookup.
pub type Answer = Result<SecretValue, ResolveError>;

/// A source of secret values.
pub trait SecretSource: Sync {
    /// Resolves every lookup; the answer at index `i` belongs to `lookups[i]`.
    fn resolve(&self, lookups: &[Lookup]) -> Vec<Answer>;

    /// Resolves every lookup, handing each answer to `answer` with its index as soon as
    /// it is known (on any thread), so that files can be written while others wait.
    fn resolve_each(&self, lookups: &[Lookup], answer: &(dyn Fn(usize, Answer) + Sync)) {
        for (i, result) in self.resolve(lookups).into_iter().enumerate() {
            answer(i, result);
        }
    }

    /// Whether answers come from this machine at once (no vault is asked), so that a
    /// run can resolve each secret as it meets it.
    fn is_local(&self) -> bool {
        false
    }
}

/// Why one secret could not be resolved. No variant ever holds a value, a token or a
/// response body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResolveError {
    /// The secret (or the pinned version) does not exist.
    NotFound {
        /// HTTP status, when the answer came from a vault.
        status: Option<u16>,
        /// Key Vault's error code, e.g. `SecretNotFound`.
        code: Option<String>,
    },
    /// The vault refused: 401 or 403 after authenticating, or a disabled secret.
    Denied {
        /// HTTP status.
        status: u16,
        /// Key Vault's error code, e.g. `Forbidden`.
        code: Option<String>,
        /// The credential that was used.
        credential: String,
    },
    /// No token could be had.
    Unauthenticated {
        /// What each credential that was tried said, in order.
        attempts: Vec<String>,
    },
    /// The vault is not in the allow-list.
    NotAllowed,
    /// 429 until retries ran out, or a `Retry-After` beyond the limit.
    Throttled {
        /// Attempts made.
        attempts: u32,
    },
    /// A request took longer than the timeout, every attempt.
    Timeout {
        /// Attempts made.
        attempts: u32,
        /// The per-request timeout in seconds.
        seconds: u64,
    },
    /// The vault refused the request for another reason (another 4xx status, or a
    /// challenge the client would not answer). Not retried.
    Rejected {
        /// HTTP status, if there was an answer.
        status: Option<u16>,
        /// Key Vault's error code, if any.
        code: Option<String>,
        /// What went wrong, with no body or header in it.
        cause: Option<String>,
    },
    /// Server errors or network failures until retries ran out.
    Unavailable {
        /// HTTP status of the last answer, if there was one.
        status: Option<u16>,
        /// Key Vault's error code, if any.
        code: Option<String>,
        /// The cause, with no body or header in it.
        cause: String,
    },
}

impl ResolveError {
    /// The exit code of SPEC section 9: 3 when the secret cannot be had, 4 when the vault
    /// could not be reached in time.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::NotFound { .. }
            | Self::Denied { .. }
            | Self::Unauthenticated { .. }
            | Self::NotAllowed
            | Self::Rejected { .. } => 3,
            Self::Throttled { .. } | Self::Timeout { .. } | Self::Unavailable { .. } => 4,
        }
    }
}

impl fmt::Display for ResolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = |s: &Option<u16>| s.map(|s| format!(" (HTTP {s})")).unwrap_or_default();
        let code = |c: &Option<String>| c.as_ref().map(|c| format!(" `{c}`")).unwrap_or_default();
        match self {
            Self::NotFound { status: s, code: c } => {
                write!(f, "secret not found{}{}", status(s), code(c))
            }
            Self::Denied { status: s, code: c, credential } => write!(
                f,
                "access denied{}{} for the identity of credential `{credential}`",
                status(&Some(*s)),
                code(c)
            ),
            Self::Unauthenticated { attempts } => {
                write!(f, "authentication failed: {}", attempts.join("; "))
            }
            Self::NotAllowed => write!(f, "vault is not in the allow-list"),
            Self::Throttled { attempts } => {
                write!(f, "throttled by Key Vault (HTTP 429) after {attempts} attempts")
            }
            Self::Timeout { attempts, seconds } => {
                write!(f, "timed out after {attempts} attempts of {seconds} s each")
            }
            Self::Rejected { status: s, code: c, cause } => {
                write!(f, "request refused{}{}", status(s), code(c))?;
                cause.as_ref().map_or(Ok(()), |cause| write!(f, ": {cause}"))
            }
            Self::Unavailable { status: s, code: c, cause } => {
                write!(f, "Key Vault unavailable{}{}: {cause}", status(s), code(c))
            }
        }
    }
}
