//! The typosquat plugin's name index, apart from the plugin so the plugin's
//! `build.rs` can use the same code: the protected names ([`corpus`], with
//! the data files in `data/`), their derived forms ([`forms`]), edit
//! operations ([`edit`]), evidence ([`evidence`]), rules ([`rules`]), and
//! the lookup tables ([`index`], [`neighbourhood`], [`table`], [`packed`]).
//!
//! The plugin depends on it twice: as a build-dependency, its `build.rs`
//! builds the tables over the top-PyPI list once (native); as a dependency,
//! the plugin (wasm) reads the tables at run time. It re-exports these
//! modules under the same names (`fetter_plugin_typosquat::index`, …).

pub mod corpus;
pub mod edit;
pub mod evidence;
pub mod forms;
pub mod index;
pub mod neighbourhood;
pub mod packed;
pub mod rules;
pub mod table;
