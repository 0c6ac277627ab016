//! Python packaging as fetter reads it, shared by the engine, the plugin SDK
//! and the fuzz targets: PEP 503 project names ([`names`]), PEP 440
//! versions ([`version`]) and PEP 508 requirements and markers behind the
//! guards fetter needs over pep508_rs ([`pep508`]), and (feature `parse`)
//! the bound parsers, text to data: requirements files
//! ([`requirements_txt`]), `pyproject.toml` ([`pyproject`]) and lock files
//! ([`lock`]: `uv.lock`, `poetry.lock`, `pylock.toml`). Reading files,
//! following includes and fetching URLs are the engine's.
//!
//! Errors are typed per module (`thiserror`); a bound's problems are
//! reported as [`bound::BoundError`]s, which name where they were found.
//!
//! Without default features only [`names`] is built (its dependencies are
//! serde alone), which is what the plugin SDK compiles to wasm.

#[cfg(feature = "parse")]
pub mod bound;
#[cfg(feature = "parse")]
pub mod hashes;
#[cfg(feature = "parse")]
pub mod lock;
pub mod names;
#[cfg(feature = "pep508")]
pub mod pep508;
#[cfg(feature = "parse")]
pub mod pyproject;
#[cfg(feature = "parse")]
pub mod requirements_txt;
#[cfg(feature = "parse")]
pub mod text;
#[cfg(feature = "parse")]
pub mod urls;
#[cfg(feature = "pep440")]
pub mod version;
#[cfg(feature = "parse")]
pub mod wheel_name;

pub use names::{normalize, PackageName};
/// The PEP 440 crate the versions are, for callers that need its types.
#[cfg(feature = "pep440")]
pub use pep440_rs;
/// The PEP 508 crate the requirements are, for callers that need its types.
#[cfg(feature = "pep508")]
pub use pep508_rs;
