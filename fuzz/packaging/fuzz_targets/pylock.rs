#![no_main]
//! Fuzz target `pylock`: see tests/parsers/packaging_harness.rs.

#[path = "../../../tests/parsers/packaging_harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::pylock_toml(data));
