#![no_main]
//! Fuzz target `uv_lock`: see tests/parsers/packaging_harness.rs.

#[path = "../../../tests/parsers/packaging_harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::uv_lock(data));
