#![no_main]
//! Fuzz target `pyproject`: see tests/parsers/harness.rs.

#[path = "../../tests/parsers/harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::pyproject_toml(data));
