#![no_main]
//! Fuzz target `requirements_txt`: see tests/parsers/harness.rs.

#[path = "../../tests/parsers/harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::requirements_txt(data));
