//! `check`: does every referenced secret exist, enabled and unexpired? Prints one line a
//! secret; reads no value.

use std::io::Write;

use serde::Serialize;

use crate::cli::RefsFormat;
use crate::console::{Console, Exit};
use crate::refs::Inventory;
use crate::vault::keyvault::CheckOutcome;

/// Prints the outcomes and sets the exit code: 1 for findings, 3 or 4 when a vault could
/// not be asked.
pub fn report(
    inventory: &Inventory,
    outcomes: &[CheckOutcome],
    format: RefsFormat,
    out: &mut dyn Write,
    console: &mut Console,
) -> std::io::Result<()> {
    for (entry, outcome) in inventory.entries.iter().zip(outcomes) {
        let first = &entry.uses[0];
        match outcome {
            CheckOutcome::Present => {}
            CheckOutcome::Failed(error) => console.error(
                Exit::from_code(error.exit_code()),
                format!("{first}: cannot check `{}`: {error}", entry.id),
            ),
            finding => {
                console.error(Exit::Findings, format!("{first}: `{}` is {finding}", entry.id));
            }
        }
    }
    match format {
        RefsFormat::Text => {
            for (entry, outcome) in inventory.entries.iter().zip(outcomes) {
                writeln!(out, "{:<10} {}", status(outcome), entry.id)?;
            }
        }
        RefsFormat::Json => {
            #[derive(Serialize)]
            struct Wire<'a> {
                vault: &'a str,
                secret: &'a str,
                version: Option<&'a str>,
                status: &'static str,
                detail: String,
                uses: Vec<String>,
            }
            let wire: Vec<Wire<'_>> = inventory
                .entries
                .iter()
                .zip(outcomes)
                .map(|(entry, outcome)| Wire {
                    vault: &entry.id.vault,
                    secret: &entry.id.name,
                    version: entry.id.version.as_deref(),
                    status: status(outcome),
                    detail: outcome.to_string(),
                    uses: entry.uses.iter().map(ToString::to_string).collect(),
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &wire)?;
            writeln!(out)?;
        }
    }
    out.flush()
}

fn status(outcome: &CheckOutcome) -> &'static str {
    match outcome {
        CheckOutcome::Present => "present",
        CheckOutcome::Missing => "missing",
        CheckOutcome::Disabled => "disabled",
        CheckOutcome::Expired { .. } => "expired",
        CheckOutcome::NotYetValid { .. } => "not-yet-valid",
        CheckOutcome::Failed(_) => "error",
    }
}
