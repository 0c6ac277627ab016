//! Write [fetter](https://example.invalid/fetter) policy plugins in Rust.
//!
//! A policy plugin is a WebAssembly component that receives the inventory of
//! installed Python distributions and returns verdicts about them. It runs in
//! a sandbox that grants nothing (no files, network, clock or randomness);
//! its only import is [`log`].
//!
//! A whole plugin, deny anything installed from a git URL:
//!
//! ```
//! use fetter_plugin_sdk::{Inventory, Verdict};
//!
//! fn evaluate(inventory: &Inventory) -> Result<Vec<Verdict>, String> {
//!     Ok(inventory
//!         .iter()
//!         .filter(|(_, dist)| dist.vcs() == Some("git"))
//!         .map(|(index, dist)| {
//!             Verdict::deny(index, "example/git-url", format!("{} was installed from git", dist.name))
//!         })
//!         .collect())
//! }
//!
//! fetter_plugin_sdk::export_plugin! {
//!     name: "example",
//!     description: "Deny anything installed from a git URL",
//!     evaluate: evaluate,
//! }
//! ```
//!
//! Build it for `wasm32-unknown-unknown` and turn it into a component with
//! `cargo run -p fetter-plugin-build` (see `docs/plugins.md`).

// The generated code names this crate by its public path (for the export macro).
extern crate self as fetter_plugin_sdk;

pub mod bindings;
mod bump;
mod export;
mod helpers;
mod log;
pub mod meta;
mod settings;

pub use bindings::exports::fetter::policy::evaluator::{
    Action, DirectUrl, Distribution, Environment, EnvironmentKind, Inventory, PluginInfo, Severity,
    Verdict,
};
pub use bump::BumpAllocator;
pub use fetter_packaging::names::normalize;
pub use helpers::DistIndex;
pub use log::{debug, error, info, log, warn, LogLevel};
pub use settings::{parse_settings, reject_settings};

/// The plugin ABI this SDK implements (the version of the `fetter:policy`
/// WIT package its bindings are generated from) and the name of the custom
/// section holding a plugin's metadata (see [`meta`]): the definitions the
/// host shares, from `fetter-plugin-abi`.
pub use fetter_plugin_abi::{ABI_VERSION, META_SECTION};

/// A policy with settings: implement this for a plugin that needs state or
/// configuration, and export it with [`export_plugin!`]`{ …, policy: Type }`.
///
/// For a plugin without settings, a plain function
/// `fn(&Inventory) -> Result<Vec<Verdict>, String>` is enough.
pub trait Policy: Sized + 'static {
    /// Build the policy from its settings, a JSON document (`{}` when the
    /// user gave none). Reject bad settings here with a message naming the
    /// problem: the host reports it and never evaluates. See [`parse_settings`].
    fn configure(settings: &str) -> Result<Self, String>;

    /// Judge the inventory. Return `Err` only when the policy could not run
    /// (the host then fails closed); findings are [`Verdict`]s.
    fn evaluate(&self, inventory: &Inventory) -> Result<Vec<Verdict>, String>;
}

/// Not public API: used by the code [`export_plugin!`] generates.
#[doc(hidden)]
pub mod __private {
    pub use crate::export::*;
    pub use crate::meta::{encode, encoded_len};
    pub use fetter_plugin_abi::meta_section;
    pub use wit_bindgen;
}
