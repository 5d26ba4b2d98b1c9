//! The one integration-test binary: one module per area, each driving the real
//! `guzzle-kv` binary or the library end to end.
// Test helpers are `pub` for use across modules of this binary only.
#![allow(unreachable_pub)]

mod cases;
mod cli;
mod crash;
mod hardening;
mod inputs;
mod keyvault;
mod leaks;
mod lint;
mod precommit;
mod readme;
mod render_keyvault;
mod roundtrip;
mod settings;
mod support;
