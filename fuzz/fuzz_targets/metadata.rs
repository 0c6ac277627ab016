#![no_main]
//! Fuzz target `metadata`: see tests/parsers/harness.rs.

#[path = "../../tests/parsers/harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::metadata(data));
