//! The yaml encoder: edits stay in bounds and read back as the value, or a clean refusal.
#![no_main]

use guzzle_kv::filetype::FileType;
use guzzle_kv_fuzz::{ReadBack, check_encode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (&str, &str)| {
    check_encode(FileType::Yaml, input.0, input.1, ReadBack::Yaml);
});
