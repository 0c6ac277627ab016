//! Lock-file bounds: PEP 751 `pylock.toml`, `uv.lock`, `poetry.lock`,
//! parsed by [`fetter_packaging::lock`] (text to data; see there how each
//! format is read).

pub use fetter_packaging::lock::*;

#[cfg(test)]
#[path = "uv_tests.rs"]
mod uv_tests;
