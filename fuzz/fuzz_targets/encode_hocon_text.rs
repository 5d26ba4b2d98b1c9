//! HOCON, Spark conf and text encoders: no panic, edits in bounds, UTF-8 output, no
//! value in a refusal (no HOCON reader in Rust to read the output back with).
#![no_main]

use guzzle_kv::filetype::FileType;
use guzzle_kv_fuzz::{ReadBack, check_encode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (u8, &str, &str)| {
    let file_type = match input.0 % 3 {
        0 => FileType::Hocon,
        1 => FileType::Properties { spark: true },
        _ => FileType::Text,
    };
    check_encode(file_type, input.1, input.2, ReadBack::None);
});
