//! The fan-out: each lookup fetched once, at most `concurrency` requests in flight, and
//! each vault's client warmed by one request before the rest go out with its token.

use std::collections::BTreeMap;
use std::sync::Arc;

use azure_security_keyvault_secrets::SecretClient;
use azure_security_keyvault_secrets::models::SecretClientGetSecretOptions;
use futures::future::join_all;
use tokio::sync::Semaphore;

use crate::secret::SecretValue;
use crate::vault::keyvault::KeyVaultSource;
use crate::vault::keyvault::progress::Progress;
use crate::vault::{Answer, Lookup, ResolveError};

/// Resolves every lookup, handing each answer to `answer` with the lookup's index as it
/// arrives.
pub(crate) async fn fetch_all(
    source: &KeyVaultSource,
    lookups: &[Lookup],
    answer: &(dyn Fn(usize, Answer) + Sync),
) {
    let mut by_vault: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, lookup) in lookups.iter().enumerate() {
        match source.refusal(lookup) {
            Some(err) => answer(i, Err(err)),
            None => by_vault.entry(lookup.id.vault.to_ascii_lowercase()).or_default().push(i),
        }
    }

    let remote = by_vault.values().map(Vec::len).sum();
    let progress = Progress::start(remote, source.progress);
    let semaphore = Semaphore::new(source.concurrency);
    let context = Context { source, lookups, semaphore: &semaphore, progress: &progress, answer };
    join_all(by_vault.iter().map(|(vault, indices)| context.fetch_vault(vault, indices))).await;
    progress.finish();
}

struct Context<'a> {
    source: &'a KeyVaultSource,
    lookups: &'a [Lookup],
    semaphore: &'a Semaphore,
    progress: &'a Progress,
    answer: &'a (dyn Fn(usize, Answer) + Sync),
}

impl Context<'_> {
    /// One vault: the first lookup alone (it meets the challenge and gets the token), then
    /// the others together.
    async fn fetch_vault(&self, vault: &str, indices: &[usize]) {
        let client = match self.source.client(vault) {
            Ok(client) => client,
            Err(err) => {
                for &i in indices {
                    (self.answer)(i, Err(err.clone()));
                }
                return;
            }
        };
        let (&first, rest) = indices.split_first().expect("a vault group is never empty");
        let first_answer = self.fetch_one(&client, first).await;

        // Without a token the others would fail the same way; do not ask again.
        if let Err(err @ ResolveError::Unauthenticated { .. }) = &first_answer {
            for &i in rest {
                (self.answer)(i, Err(err.clone()));
            }
            self.progress.advance(rest.len());
            (self.answer)(first, first_answer);
            return;
        }
        (self.answer)(first, first_answer);

        let client = &client;
        join_all(rest.iter().map(|&i| async move {
            let answer = self.fetch_one(client, i).await;
            (self.answer)(i, answer);
        }))
        .await;
    }

    async fn fetch_one(&self, client: &Arc<SecretClient>, index: usize) -> Answer {
        let id = &self.lookups[index].id;
        let what = id.to_string();
        let result = self
            .source
            .policy
            .run(&what, || async {
                let _permit = self.semaphore.acquire().await.expect("semaphore is never closed");
                let options = SecretClientGetSecretOptions {
                    secret_version: id.version.clone(),
                    ..SecretClientGetSecretOptions::default()
                };
                client.get_secret(&id.name, Some(options)).await?.into_model()
            })
            .await;
        self.progress.advance(1);

        match result {
            Ok(secret) => {
                #[cfg(debug_assertions)]
                crate::run::injected_panic("fetch", secret.value.as_deref().unwrap_or_default());
                secret.value.map(SecretValue::new).ok_or(ResolveError::Rejected {
                    status: Some(200),
                    code: None,
                    cause: Some("the answer held no value".to_owned()),
                })
            }
            Err(exhausted) => {
                let err = self.source.resolve_error(exhausted);
                tracing::debug!(secret = %what, error = %err, "secret not resolved");
                Err(err)
            }
        }
    }
}
