//! `refs`: the inventory of secrets a tree needs, each with every place that uses it.

use std::collections::HashMap;
use std::io::Write;

use serde::Serialize;

use crate::console::{Console, Exit};
use crate::document::{Document, Prepared};
use crate::scan::ItemKind;
use crate::secret::{SecretId, SecretKey, UseSite};

/// One distinct secret and its use sites, in walk order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The secret as first written.
    pub id: SecretId,
    /// Where it is used.
    pub uses: Vec<UseSite>,
}

/// The secrets of a set of documents, sorted by vault, name and version (ignoring case).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Inventory {
    /// The entries.
    pub entries: Vec<Entry>,
}

impl Inventory {
    /// Adds the placeholders outside comments of each document; problems go to `console`.
    pub fn collect<'a>(
        documents: impl IntoIterator<Item = &'a Document>,
        console: &mut Console,
    ) -> Self {
        let mut index: HashMap<SecretKey, usize> = HashMap::new();
        let mut entries: Vec<Entry> = Vec::new();
        for document in documents {
            let Some(text) = document.scannable_or_report(console) else { continue };
            let prepared = match Prepared::new(document, text) {
                Ok(prepared) => prepared,
                Err(error) => {
                    console.error(Exit::Input, error);
                    continue;
                }
            };
            for finding in prepared.findings(document.path()) {
                console.diagnostic(&finding, Exit::Input);
            }
            for i in prepared.data() {
                let ItemKind::Placeholder(p) = &prepared.items[i].kind else {
                    continue;
                };
                let span = prepared.span(i);
                let at = UseSite {
                    path: document.path().to_owned(),
                    line: span.line,
                    column: span.column,
                };
                let id = SecretId {
                    vault: p.vault.to_owned(),
                    name: p.secret.to_owned(),
                    version: p.version.map(str::to_owned),
                };
                let slot = *index.entry(id.key()).or_insert_with(|| {
                    entries.push(Entry { id, uses: Vec::new() });
                    entries.len() - 1
                });
                entries[slot].uses.push(at);
            }
        }
        entries.sort_by_key(|e| e.id.key());
        Inventory { entries }
    }

    /// One secret a line, its uses indented below it.
    pub fn write_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        for entry in &self.entries {
            writeln!(out, "{}", entry.id)?;
            for site in &entry.uses {
                writeln!(out, "  {site}")?;
            }
        }
        Ok(())
    }

    /// A JSON array: `[{"vault", "secret", "version", "uses": [{"path", "line", "column"}]}]`.
    pub fn write_json(&self, out: &mut dyn Write) -> std::io::Result<()> {
        #[derive(Serialize)]
        struct Use {
            path: String,
            line: u32,
            column: u32,
        }
        #[derive(Serialize)]
        struct Wire<'a> {
            vault: &'a str,
            secret: &'a str,
            version: Option<&'a str>,
            uses: Vec<Use>,
        }
        let wire: Vec<Wire<'_>> = self
            .entries
            .iter()
            .map(|e| Wire {
                vault: &e.id.vault,
                secret: &e.id.name,
                version: e.id.version.as_deref(),
                uses: e
                    .uses
                    .iter()
                    .map(|u| Use {
                        path: u.path.display().to_string(),
                        line: u.line,
                        column: u.column,
                    })
                    .collect(),
            })
            .collect();
        serde_json::to_writer_pretty(&mut *out, &wire)?;
        writeln!(out)
    }
}
