//! fetter: audit every Python package installed on a machine and enforce an
//! organisation's policy on them.
//!
//! The pipeline, one module per stage:
//! [`discover`] (environments, without running interpreters) →
//! [`scan`] / [`inventory`] (sites and distributions) →
//! checks ([`bounds`], [`plugins`], [`audit`], run together by
//! [`pipeline`]) → [`report`] (or [`purge`]). See docs/architecture.md.
//!
//! Cargo features (all on by default): `cli` (the binary), `plugins` (the
//! WebAssembly sandbox), `online` (HTTP), `oci` (policy bundles through OCI
//! registries: [`oci`]), `osv-zip` (OSV's zip export), `trust` (signed policy
//! bundles: SSH signatures and trust.toml).
//! Without them the library keeps every parser and check, which is what
//! the fuzz targets build against.

pub mod audit;
pub mod bounds;
pub mod depgraph;
pub mod diag;
pub mod digest;
pub mod discover;
pub mod escape;
pub mod fleet;
pub mod fsutil;
#[cfg(feature = "online")]
pub mod http;
pub mod inventory;
pub mod license;
pub mod lookup;
pub use fetter_packaging::names;
#[cfg(feature = "oci")]
pub mod oci;
pub mod osowner;
pub mod pathjson;
pub mod paths;
pub mod pipeline;
pub mod plugins;
pub mod purge;
pub mod report;
pub mod scan;
pub mod site_hook;
pub mod startup;
pub mod timefmt;
#[cfg(feature = "trust")]
pub mod trust;
pub mod unpack;
pub mod verify;

pub use discover::Scope;
pub use inventory::Inventory;
