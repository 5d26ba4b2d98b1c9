//! guzzle-kv: render, rewrite and lint Azure Key Vault placeholders in Guzzle
//! configuration trees. `main.rs` parses arguments and calls [`run::run`]; everything
//! else lives here, and nothing here prints except through a reporter.

pub mod cli;
pub mod config;
pub mod diagnostic;
pub mod filetype;
pub mod grammar;
pub mod lint;
pub mod names;
pub mod report;
pub mod scan;
pub mod secret;
pub mod span;
pub mod vault;
