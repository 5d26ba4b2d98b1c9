//! The config-file loader: any text loads or fails cleanly.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| guzzle_kv_fuzz::check_config_file(text));
