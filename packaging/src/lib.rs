//! Python packaging as fetter reads it, shared by the engine, the plugin SDK
//! and the fuzz targets: PEP 503 project names ([`names`]) and PEP 440
//! versions ([`version`]).
//!
//! Without default features only [`names`] is built (its dependencies are
//! serde alone), which is what the plugin SDK compiles to wasm.

pub mod names;
#[cfg(feature = "pep440")]
pub mod version;

pub use names::{normalize, PackageName};
