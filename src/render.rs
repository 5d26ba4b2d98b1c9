//! `render`: each placeholder becomes its secret value. Every distinct secret is looked
//! up once, after the whole tree has been checked and before anything is written.

use std::collections::HashMap;

use crate::console::{Console, Exit};
use crate::filetype::Site;
use crate::rewrite::{Arrived, Substitution};
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
    ) -> Option<usize> {
        if !is_allowed(&self.allowed, placeholder.vault) {
            console.error(
                Exit::Unresolved,
                format!("{at}: vault `{}` is not in the allow-list", placeholder.vault),
            );
            return None;
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
            self.index.insert(key.clone(), self.lookups.len());
            self.lookups.push(lookup);
        }
        let number = self.index[&key];
        (!self.values.contains_key(&key)).then_some(number)
    }

    fn prepare(&mut self, console: &mut Console, arrived: Arrived<'_>) {
        let pending: Vec<usize> = (0..self.lookups.len())
            .filter(|&n| !self.values.contains_key(&self.lookups[n].id.key()))
            .collect();
        let asked: Vec<Lookup> = pending.iter().map(|&n| self.lookups[n].clone()).collect();
        tracing::debug!(distinct = self.lookups.len(), to_fetch = asked.len(), "resolving secrets");
        // The source answers on its own thread; each batch of answers is taken in here,
        // and the files waiting for them are written, while the rest is still fetched.
        let source = self.source;
        let (sender, answers) = std::sync::mpsc::channel();
        let mut failures = Vec::new();
        std::thread::scope(|scope| {
            scope.spawn(move || {
                source.resolve_each(&asked, &|i, answer| {
                    let _ = sender.send((i, answer));
                });
            });
            while let Ok(first) = answers.recv() {
                let mut numbers = Vec::new();
                for (i, answer) in std::iter::once(first).chain(answers.try_iter()) {
                    let number = pending[i];
                    match answer {
                        Ok(value) => {
                            self.values.insert(self.lookups[number].id.key(), value);
                        }
                        Err(error) => failures.push((number, error)),
                    }
                    numbers.push(number);
                }
                arrived(&*self, &numbers);
            }
        });
        // Reported in the order of first use, whatever order the answers came in.
        failures.sort_unstable_by_key(|(number, _)| *number);
        for (number, error) in failures {
            let lookup = &self.lookups[number];
            console.error(
                Exit::from_code(error.exit_code()),
                format!("{}: cannot resolve `{}`: {error}", lookup.first_use, lookup.id),
            );
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
