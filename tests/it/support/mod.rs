//! Support code shared by the integration tests: running the binary in a scratch folder,
//! the Key Vault emulator, and a guard for the process environment.

mod cli;
pub mod emulator;
pub mod http;
pub mod tls;

pub use cli::*;

use std::ffi::OsString;
use std::sync::{Mutex, MutexGuard};

/// Held by every test that sets or reads process-wide variables the credentials read.
static ENV_LOCK: Mutex<()> = Mutex::new(());

/// Sets (or unsets) environment variables while holding [`ENV_LOCK`]; restores them on drop.
pub struct EnvGuard {
    saved: Vec<(String, Option<OsString>)>,
    _lock: MutexGuard<'static, ()>,
}

impl EnvGuard {
    /// Applies `vars`: `Some` sets, `None` removes.
    pub fn new(vars: &[(&str, Option<&str>)]) -> Self {
        let lock = ENV_LOCK.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let saved = vars.iter().map(|(k, _)| ((*k).to_owned(), std::env::var_os(k))).collect();
        for (key, value) in vars {
            set(key, value.map(OsString::from));
        }
        Self { saved, _lock: lock }
    }
}

impl Drop for EnvGuard {
    fn drop(&mut self) {
        for (key, value) in self.saved.drain(..) {
            set(&key, value);
        }
    }
}

fn set(key: &str, value: Option<OsString>) {
    // SAFETY: every test that touches these variables holds ENV_LOCK, and the code under
    // test reads them only while such a test runs.
    unsafe {
        match value {
            Some(value) => std::env::set_var(key, value),
            None => std::env::remove_var(key),
        }
    }
}
