//! fetter as an osquery extension: the machine's Python environments,
//! installed packages, policy and bound verdicts, and start-up files as
//! SQL tables (`fetter_environments`, `fetter_packages`,
//! `fetter_findings`, `fetter_startup`, `fetter_scan`).
//!
//! Queries never wait for a scan: [`cache`] keeps the latest
//! [`snapshot::Snapshot`] and refreshes it in the background at the
//! lowest priority ([`priority`]), each scan in a child process
//! ([`scan_child`]); [`tables`] filters it by the query's
//! equality [`constraints`] and copies rows out. [`engine_bridge`] is the
//! one module that calls the `fetter` engine; [`config`] reads the
//! extension's config file.

pub mod cache;
pub mod config;
pub mod constraints;
pub mod engine_bridge;
pub mod logging;
pub mod priority;
pub mod scan_child;
pub mod snapshot;
pub mod tables;
