//! The contract between fetter and its policy plugins, written once.
//!
//! The host (`fetter::plugins`), the SDK plugins are written with
//! (`fetter-plugin-sdk`) and the build tool (`fetter-plugin-build`) must
//! agree on a handful of names: the ABI version, the names of the two WIT
//! interfaces a plugin exports and imports, and the custom section holding
//! a plugin's metadata with its JSON shape. They all come from here.
//!
//! The WIT file `plugin-sdk/wit/policy.wit` is the contract itself (its
//! package version is [`ABI_VERSION`]; the SDK's tests check they agree):
//! the host and the SDK generate their bindings from it, and this crate
//! names what a Rust constant or a check needs to know about it.
//!
//! Builds for `wasm32-unknown-unknown` (it is inside every plugin built with
//! the SDK), with no dependency but serde.

#![warn(missing_docs)]

use serde::{Deserialize, Serialize};

/// The plugin ABI version as a string literal, for the places that need a
/// literal rather than a constant (`concat!`). Use [`ABI_VERSION`] elsewhere.
#[macro_export]
macro_rules! abi_version {
    () => {
        "1.0.0"
    };
}

/// The metadata custom section's name as a string literal, for
/// `#[link_section = …]` (which takes no constant). Use [`META_SECTION`]
/// elsewhere.
#[macro_export]
macro_rules! meta_section {
    () => {
        "fetter-plugin"
    };
}

/// The plugin ABI version: the version of the `fetter:policy` WIT package.
///
/// A host accepts plugins of its own major version and refuses others;
/// minor versions only add host functions.
pub const ABI_VERSION: &str = abi_version!();

/// The interface every plugin exports (`info`, `configure`, `evaluate`),
/// without its version.
pub const EVALUATOR_INTERFACE: &str = "fetter:policy/evaluator";

/// The interface of the host's functions (`log`), without its version: the
/// only thing a plugin may import.
pub const HOST_INTERFACE: &str = "fetter:policy/host";

/// The evaluator's full export name at this ABI
/// (`fetter:policy/evaluator@1.0.0`): what the host looks the interface up
/// by in an instantiated plugin. wasmtime resolves it to any
/// semver-compatible export, so a plugin built for ABI 1.2.0 is found too.
pub const EVALUATOR_EXPORT: &str = concat!("fetter:policy/evaluator@", abi_version!());

/// The host interface's full import name at this ABI
/// (`fetter:policy/host@1.0.0`).
pub const HOST_IMPORT: &str = concat!("fetter:policy/host@", abi_version!());

/// The optional interface a plugin may export besides the evaluator
/// (`evaluate-columns`: the inventory in columns, which Python and
/// JavaScript receive far faster than records), without its version. A
/// plugin that exports it is evaluated through it; one that does not, as
/// before, through the evaluator. It changed nothing in the evaluator or
/// the host interface, so it is part of [`ABI_VERSION`] as it was.
pub const COLUMNS_INTERFACE: &str = "fetter:policy/columns";

/// The columns interface's full export name at this ABI
/// (`fetter:policy/columns@1.0.0`); like [`EVALUATOR_EXPORT`], it finds any
/// semver-compatible export.
pub const COLUMNS_EXPORT: &str = concat!("fetter:policy/columns@", abi_version!());

/// The WIT world Rust plugins are built for: imports the host, exports
/// the evaluator.
pub const WORLD: &str = "policy";

/// The WIT world Python and JavaScript plugins are built for: [`WORLD`]
/// plus the columns interface ([`COLUMNS_INTERFACE`]).
pub const COLUMNS_WORLD: &str = "policy-columns";

/// The name of the custom section in which the SDK's `export_plugin!`
/// writes a plugin's [`PluginMeta`] (as JSON), in the core module.
pub const META_SECTION: &str = meta_section!();

/// The version in a versioned interface name of `interface`
/// (`fetter:policy/evaluator@1.2.0` → `1.2.0`); `None` for another
/// interface or an unversioned name. The version is not validated.
pub fn interface_version<'a>(name: &'a str, interface: &str) -> Option<&'a str> {
    name.strip_prefix(interface)?.strip_prefix('@')
}

/// A plugin's metadata: the JSON object in its [`META_SECTION`], read by
/// `fetter plugin info` without running the plugin.
///
/// Keys are kebab-case, in the order of [`PluginMeta::KEYS`] (which the SDK
/// writes at compile time).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct PluginMeta {
    /// The plugin's name.
    pub name: String,
    /// The plugin's own version.
    pub version: String,
    /// The ABI the plugin was built for ([`ABI_VERSION`] of its SDK).
    pub abi: String,
    /// What it checks.
    #[serde(default)]
    pub description: String,
    /// Documentation of its settings.
    #[serde(default)]
    pub settings_help: String,
}

impl PluginMeta {
    /// The JSON keys of the fields, in declaration order: what the SDK's
    /// compile-time encoder writes (it cannot run serde in a `const`).
    pub const KEYS: [&'static str; 5] = ["name", "version", "abi", "description", "settings-help"];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_built_from_one_version() {
        assert_eq!(ABI_VERSION, "1.0.0");
        assert_eq!(
            EVALUATOR_EXPORT,
            format!("{EVALUATOR_INTERFACE}@{ABI_VERSION}")
        );
        assert_eq!(HOST_IMPORT, format!("{HOST_INTERFACE}@{ABI_VERSION}"));
        assert_eq!(COLUMNS_EXPORT, format!("{COLUMNS_INTERFACE}@{ABI_VERSION}"));
        assert_eq!(META_SECTION, "fetter-plugin");
    }

    #[test]
    fn interface_version_needs_the_exact_interface_and_an_at() {
        assert_eq!(
            interface_version("fetter:policy/evaluator@2.1.0", EVALUATOR_INTERFACE),
            Some("2.1.0")
        );
        assert_eq!(
            interface_version(EVALUATOR_EXPORT, EVALUATOR_INTERFACE),
            Some(ABI_VERSION)
        );
        assert_eq!(
            interface_version("fetter:policy/evaluator", EVALUATOR_INTERFACE),
            None
        );
        assert_eq!(
            interface_version("fetter:policy/evaluators@1.0.0", EVALUATOR_INTERFACE),
            None
        );
        assert_eq!(interface_version(HOST_IMPORT, EVALUATOR_INTERFACE), None);
        assert_eq!(
            interface_version("wasi:filesystem/types@0.2.0", HOST_INTERFACE),
            None
        );
    }

    #[test]
    fn keys_are_the_serialized_field_names_in_order() {
        let json = serde_json::to_string(&PluginMeta::default()).unwrap();
        let expected: Vec<String> = PluginMeta::KEYS
            .iter()
            .map(|k| format!("\"{k}\":\"\""))
            .collect();
        assert_eq!(json, format!("{{{}}}", expected.join(",")));
    }
}
