//! The scanner: any text, items in order, in bounds, on character boundaries.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| guzzle_kv_fuzz::check_scan(text));
