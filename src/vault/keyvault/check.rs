//! `check` (SPEC section 8): whether each referenced secret, or pinned version, exists, is
//! enabled and is within its validity dates. Only properties are listed (`GET /secrets` and
//! `GET /secrets/NAME/versions`, with paging); no value is ever requested.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;

use azure_core::http::Url;
use azure_core::time::{OffsetDateTime, to_rfc3339};
use azure_security_keyvault_secrets::SecretClient;
use azure_security_keyvault_secrets::models::{SecretAttributes, SecretProperties};
use futures::TryStreamExt;
use futures::future::join_all;
use tokio::sync::Semaphore;

use crate::vault::keyvault::KeyVaultSource;
use crate::vault::keyvault::retry::{Exhausted, Failure};
use crate::vault::{Lookup, ResolveError};

/// What `check` found for one lookup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckOutcome {
    /// The secret (or version) exists, is enabled and is valid now.
    Present,
    /// No such secret, or no such version.
    Missing,
    /// The secret (or version) is disabled.
    Disabled,
    /// The secret (or version) expired.
    Expired {
        /// When, in RFC 3339.
        at: String,
    },
    /// The secret (or version) is not valid yet.
    NotYetValid {
        /// From when, in RFC 3339.
        from: String,
    },
    /// The vault could not be asked.
    Failed(ResolveError),
}

impl CheckOutcome {
    /// Whether this is a `check` finding (exit 1): missing, disabled, expired or not yet valid.
    pub fn is_finding(&self) -> bool {
        !matches!(self, Self::Present | Self::Failed(_))
    }

    /// The exit code this outcome calls for, if any (SPEC section 9).
    pub fn exit_code(&self) -> Option<u8> {
        match self {
            Self::Present => None,
            Self::Failed(err) => Some(err.exit_code()),
            _ => Some(1),
        }
    }
}

impl fmt::Display for CheckOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Present => f.write_str("present"),
            Self::Missing => f.write_str("missing"),
            Self::Disabled => f.write_str("disabled"),
            Self::Expired { at } => write!(f, "expired at {at}"),
            Self::NotYetValid { from } => write!(f, "not valid before {from}"),
            Self::Failed(err) => write!(f, "{err}"),
        }
    }
}

/// The attributes `check` looks at, by lower-cased secret name.
type Listing = HashMap<String, Attributes>;

#[derive(Clone, Debug, Default)]
struct Attributes {
    enabled: Option<bool>,
    not_before: Option<OffsetDateTime>,
    expires: Option<OffsetDateTime>,
}

impl From<Option<SecretAttributes>> for Attributes {
    fn from(attributes: Option<SecretAttributes>) -> Self {
        let attributes = attributes.unwrap_or_default();
        Self {
            enabled: attributes.enabled,
            not_before: attributes.not_before,
            expires: attributes.expires,
        }
    }
}

impl Attributes {
    fn outcome(&self, now: OffsetDateTime) -> CheckOutcome {
        if self.enabled == Some(false) {
            return CheckOutcome::Disabled;
        }
        if let Some(expires) = self.expires.filter(|e| *e <= now) {
            return CheckOutcome::Expired { at: to_rfc3339(&expires) };
        }
        if let Some(not_before) = self.not_before.filter(|n| *n > now) {
            return CheckOutcome::NotYetValid { from: to_rfc3339(&not_before) };
        }
        CheckOutcome::Present
    }
}

/// Checks every lookup; the outcome at index `i` belongs to `lookups[i]`.
pub(crate) async fn check_all(source: &KeyVaultSource, lookups: &[Lookup]) -> Vec<CheckOutcome> {
    let mut outcomes: Vec<Option<CheckOutcome>> = vec![None; lookups.len()];
    let mut by_vault: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, lookup) in lookups.iter().enumerate() {
        match source.refusal(lookup) {
            Some(err) => outcomes[i] = Some(CheckOutcome::Failed(err)),
            None => by_vault.entry(lookup.id.vault.to_ascii_lowercase()).or_default().push(i),
        }
    }

    let semaphore = Semaphore::new(source.concurrency);
    let context = Context { source, lookups, semaphore: &semaphore };
    let vaults = by_vault.iter().map(|(vault, indices)| context.check_vault(vault, indices));
    for (i, outcome) in join_all(vaults).await.into_iter().flatten() {
        outcomes[i] = Some(outcome);
    }
    outcomes.into_iter().map(|o| o.expect("every lookup is checked")).collect()
}

struct Context<'a> {
    source: &'a KeyVaultSource,
    lookups: &'a [Lookup],
    semaphore: &'a Semaphore,
}

impl Context<'_> {
    async fn check_vault(&self, vault: &str, indices: &[usize]) -> Vec<(usize, CheckOutcome)> {
        let failed = |err: ResolveError| {
            indices.iter().map(|&i| (i, CheckOutcome::Failed(err.clone()))).collect()
        };
        let client = match self.source.client(vault) {
            Ok(client) => client,
            Err(err) => return failed(err),
        };
        let listing = match self.list(&client, vault, None).await {
            Ok(listing) => listing,
            Err(exhausted) => return failed(self.source.resolve_error(exhausted)),
        };

        let now = OffsetDateTime::now_utc();
        let checks = indices.iter().map(|&i| self.check_one(&client, &listing, i, now));
        indices.iter().copied().zip(join_all(checks).await).collect()
    }

    async fn check_one(
        &self,
        client: &Arc<SecretClient>,
        listing: &Listing,
        index: usize,
        now: OffsetDateTime,
    ) -> CheckOutcome {
        let id = &self.lookups[index].id;
        let name = id.name.to_ascii_lowercase();
        let Some(current) = listing.get(&name) else {
            return CheckOutcome::Missing;
        };
        let Some(version) = &id.version else {
            return current.outcome(now);
        };

        match self.list(client, &id.to_string(), Some(&id.name)).await {
            Ok(versions) => versions
                .get(&version.to_ascii_lowercase())
                .map_or(CheckOutcome::Missing, |attributes| attributes.outcome(now)),
            Err(Exhausted { failure: Failure::Http { status: 404, .. }, .. }) => {
                CheckOutcome::Missing
            }
            Err(exhausted) => CheckOutcome::Failed(self.source.resolve_error(exhausted)),
        }
    }

    /// Lists the vault's secrets (by name) or, with `versions_of`, one secret's versions (by
    /// version), following every `nextLink`. A failure retries the whole listing.
    async fn list(
        &self,
        client: &SecretClient,
        what: &str,
        versions_of: Option<&str>,
    ) -> Result<Listing, Exhausted> {
        self.source
            .policy
            .run(what, || async {
                let _permit = self.semaphore.acquire().await.expect("semaphore is never closed");
                let mut pager = match versions_of {
                    Some(name) => client.list_secret_properties_versions(name, None)?,
                    None => client.list_secret_properties(None)?,
                };
                let mut listing = Listing::new();
                while let Some(properties) = pager.try_next().await? {
                    if let Some(key) = listing_key(&properties, versions_of.is_some()) {
                        listing.insert(key, Attributes::from(properties.attributes));
                    }
                }
                Ok(listing)
            })
            .await
    }
}

/// The lower-cased name (or, for a version listing, version) in a secret id such as
/// `https://HOST/secrets/NAME/VERSION`.
fn listing_key(properties: &SecretProperties, by_version: bool) -> Option<String> {
    let url = Url::parse(properties.id.as_deref()?).ok()?;
    let mut segments = url.path_segments()?.skip_while(|s| *s != "secrets").skip(1);
    let name = segments.next()?;
    let key = if by_version { segments.next()? } else { name };
    (!key.is_empty()).then(|| key.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(offset_secs: i64) -> OffsetDateTime {
        OffsetDateTime::now_utc() + azure_core::time::Duration::seconds(offset_secs)
    }

    #[test]
    fn classifies_attributes() {
        let now = OffsetDateTime::now_utc();
        let present = Attributes { enabled: Some(true), ..Attributes::default() };
        assert_eq!(present.outcome(now), CheckOutcome::Present);
        let disabled =
            Attributes { enabled: Some(false), expires: Some(at(-10)), not_before: None };
        assert_eq!(disabled.outcome(now), CheckOutcome::Disabled);
        let expired = Attributes { enabled: Some(true), expires: Some(at(-10)), not_before: None };
        assert!(matches!(expired.outcome(now), CheckOutcome::Expired { .. }));
        let early = Attributes { enabled: None, expires: Some(at(100)), not_before: Some(at(50)) };
        assert!(matches!(early.outcome(now), CheckOutcome::NotYetValid { .. }));
    }

    #[test]
    fn keys_come_from_ids() {
        let props = |id: &str| {
            let mut properties = SecretProperties::default();
            properties.id = Some(id.into());
            properties
        };
        let named = props("https://kv.vault.azure.net/secrets/Db-Pass");
        assert_eq!(listing_key(&named, false).as_deref(), Some("db-pass"));
        let versioned = props("https://kv.vault.azure.net/secrets/db-pass/ABC123");
        assert_eq!(listing_key(&versioned, true).as_deref(), Some("abc123"));
        assert_eq!(listing_key(&named, true), None);
    }

    #[test]
    fn findings_and_exit_codes() {
        assert_eq!(CheckOutcome::Present.exit_code(), None);
        assert_eq!(CheckOutcome::Missing.exit_code(), Some(1));
        assert!(CheckOutcome::Disabled.is_finding());
        let failed = CheckOutcome::Failed(ResolveError::Throttled { attempts: 3 });
        assert_eq!(failed.exit_code(), Some(4));
        assert!(!failed.is_finding());
    }
}
