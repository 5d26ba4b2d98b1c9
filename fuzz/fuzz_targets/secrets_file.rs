//! The secrets-file loader: any bytes load or fail cleanly, and no error shows a value.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| guzzle_kv_fuzz::check_secrets_file(bytes));
