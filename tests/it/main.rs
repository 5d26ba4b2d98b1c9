//! The integration tests: one binary, one module per area.
// Test helpers are `pub` for use across modules of this binary only.
#![allow(unreachable_pub)]

mod keyvault;
mod support;
