#![no_main]
//! Fuzz target `rpm_bdb`: see tests/parsers/harness.rs.

#[path = "../../tests/parsers/harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::rpm_bdb(data));
