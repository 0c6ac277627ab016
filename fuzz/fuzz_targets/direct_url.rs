#![no_main]
//! Fuzz target `direct_url`: see tests/parsers/harness.rs.

#[path = "../../tests/parsers/harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::direct_url(data));
