//! guzzle-kv: render, rewrite and lint Azure Key Vault placeholders in Guzzle
//! configuration trees. `main.rs` parses arguments and calls [`run::run`]; everything
//! else lives here, and nothing here prints except through a reporter.

pub mod check;
pub mod cli;
pub mod config;
pub mod console;
pub mod databricks;
pub mod diagnostic;
pub mod document;
pub mod filetype;
#[allow(missing_docs)]
pub mod grammar;
pub mod lint;
pub mod names;
pub mod output;
pub mod refs;
pub mod render;
pub mod report;
pub mod rewrite;
pub mod run;
pub mod scan;
pub mod secret;
pub mod span;
pub mod vault;
pub mod walk;
