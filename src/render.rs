//! `render`: each placeholder becomes its secret value. Every distinct secret is looked
//! up once, after the whole tree has been checked and before anything is written.

use std::collections::HashMap;

use crate::console::{Console, Exit};
use crate::filetype::Site;
use crate::rewrite::Substitution;
use crate::scan::Placeholder;
use crate::secret::{SecretId, SecretKey, SecretValue, UseSite};
use crate::vault::{Lookup, SecretSource};

/// The secrets of one `render` run.
pub struct Secrets<'a> {
    source: &'a dyn SecretSource,
    allowed: Vec<String>,
    lookups: Vec<Lookup>,
    index: HashMap<SecretKey, usize>,
    values: HashMap<SecretKey, SecretValue>,
}

impl std::fmt::Debug for Secrets<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Secrets").field("lookups", &self.lookups.len()).finish_non_exhaustive()
    }
}

impl<'a> Secrets<'a> {
    /// Secrets from `source`; a non-empty `allowed` list limits the vaults that may be used.
    pub fn new(source: &'a dyn SecretSource, allowed: Vec<String>) -> Self {
        Self { source, allowed, lookups: Vec::new(), index: HashMap::new(), values: HashMap::new() }
    }

    /// The distinct secrets seen so far, each with its first use.
    pub fn lookups(&self) -> &[Lookup] {
        &self.lookups
    }

    fn key(placeholder: &Placeholder<'_>) -> SecretKey {
        id(placeholder).key()
    }
}

fn id(placeholder: &Placeholder<'_>) -> SecretId {
    SecretId {
        vault: placeholder.vault.to_owned(),
        name: placeholder.secret.to_owned(),
        version: placeholder.version.map(str::to_owned),
    }
}

/// Whether `vault` is allowed by a (possibly empty, meaning open) allow-list.
pub fn is_allowed(allowed: &[String], vault: &str) -> bool {
    allowed.is_empty() || allowed.iter().any(|a| a.eq_ignore_ascii_case(vault))
}

impl Substitution for Secrets<'_> {
    fn visit(
        &mut self,
        placeholder: &Placeholder<'_>,
        _site: &Site,
        at: &UseSite,
        console: &mut Console,
    ) {
        if !is_allowed(&self.allowed, placeholder.vault) {
            console.error(
                Exit::Unresolved,
                format!("{at}: vault `{}` is not in the allow-list", placeholder.vault),
            );
            return;
        }
        let key = Self::key(placeholder);
        if !self.index.contains_key(&key) {
            let lookup = Lookup { id: id(placeholder), first_use: at.clone() };
            // A local source answers at once, so the file can be written as soon as it
            // has been read; `prepare` still reports what the source lacks.
            if self.source.is_local() {
                if let Some(Ok(value)) = self.source.resolve(std::slice::from_ref(&lookup)).pop() {
                    self.values.insert(key.clone(), value);
                }
            }
            self.index.insert(key, self.lookups.len());
            self.lookups.push(lookup);
        }
    }

    fn prepare(&mut self, console: &mut Console) {
        let pending: Vec<Lookup> = self
            .lookups
            .iter()
            .filter(|l| !self.values.contains_key(&l.id.key()))
            .cloned()
            .collect();
        tracing::debug!(secrets = pending.len(), "resolving secrets");
        let results = self.source.resolve(&pending);
        for (lookup, result) in pending.iter().zip(results) {
            match result {
                Ok(value) => {
                    self.values.insert(lookup.id.key(), value);
                }
                Err(error) => console.error(
                    Exit::from_code(error.exit_code()),
                    format!("{}: cannot resolve `{}`: {error}", lookup.first_use, lookup.id),
                ),
            }
        }
    }

    fn replacement(&self, placeholder: &Placeholder<'_>) -> Option<&str> {
        self.values.get(&Self::key(placeholder)).map(SecretValue::expose)
    }

    fn shown(&self, placeholder: &Placeholder<'_>) -> String {
        let bytes = self.values.get(&Self::key(placeholder)).map_or(0, |v| v.expose().len());
        format!("«{}, {bytes} bytes»", id(placeholder))
    }

    fn holds_secrets(&self) -> bool {
        true
    }

    fn is_ready(&self) -> bool {
        self.source.is_local()
    }
}
