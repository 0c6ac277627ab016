#![no_main]
//! Fuzz target `poetry_lock`: see tests/parsers/packaging_harness.rs.

#[path = "../../../tests/parsers/packaging_harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::poetry_lock(data));
