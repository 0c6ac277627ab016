//! The end-to-end tests: one test binary (linking fetter and wasmtime once,
//! not once per file), one module per area. Run one area with
//! `cargo test -p fetter --test e2e formats::` (a module path is a filter).
//!
//! Each area's file declares its own submodules (`mod depgraph;` in
//! formats.rs). The `#[path]` below makes rustc treat each area file as a
//! `mod.rs`, so those resolve beside it in tests/ (tests/depgraph/), as
//! they did when every file was its own crate root. Support shared by
//! several areas is declared here once and reached as `crate::common`.

// Helpers shared by the test modules are `pub` to each other; no test
// crate has an API, so `unreachable_pub` does not apply.
#![allow(unreachable_pub)]

mod bounds_world;
mod common;
mod purge_support;

#[path = "audit.rs"]
mod audit;
#[path = "bounds.rs"]
mod bounds;
#[path = "bounds_sources.rs"]
mod bounds_sources;
#[path = "cli.rs"]
mod cli;
#[path = "differential.rs"]
mod differential;
#[path = "formats.rs"]
mod formats;
#[path = "hostile.rs"]
mod hostile;
#[path = "inventory_diff.rs"]
mod inventory_diff;
#[path = "parity.rs"]
mod parity;
#[path = "plugin_cache.rs"]
mod plugin_cache;
#[path = "plugins.rs"]
mod plugins;
#[path = "properties.rs"]
mod properties;
#[path = "purge.rs"]
mod purge;
#[path = "purge_crash.rs"]
mod purge_crash;
#[path = "purge_select.rs"]
mod purge_select;
#[path = "readme.rs"]
mod readme;
#[path = "scan.rs"]
mod scan;
#[path = "scan_hostile.rs"]
mod scan_hostile;
#[path = "wheel.rs"]
mod wheel;
