#![no_main]
//! Fuzz target `verdicts`: what a plugin returns, checked and turned into
//! diagnostics (see tests/parsers/harness.rs).

#[path = "../../tests/parsers/harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::verdicts(data));
