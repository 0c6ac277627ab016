#![no_main]
//! Fuzz target `pylock`: see tests/parsers/harness.rs.

#[path = "../../tests/parsers/harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::pylock_toml(data));
