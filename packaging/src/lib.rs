//! Python packaging as fetter reads it, shared by the engine, the plugin SDK
//! and the fuzz targets: PEP 503 project names ([`names`]), PEP 440
//! versions ([`version`]) and PEP 508 requirements and markers behind the
//! guards fetter needs over pep508_rs ([`pep508`]).
//!
//! Without default features only [`names`] is built (its dependencies are
//! serde alone), which is what the plugin SDK compiles to wasm.

pub mod names;
#[cfg(feature = "pep508")]
pub mod pep508;
#[cfg(feature = "pep440")]
pub mod version;

pub use names::{normalize, PackageName};
