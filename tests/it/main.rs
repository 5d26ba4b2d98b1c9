//! The one integration-test binary: every module drives the real `guzzle-kv` binary or
//! the library end to end.

mod cases;
mod cli;
mod support;
