//! What `fetter --version` prints: the version and the plugin ABI, so a
//! plugin author can tell at a glance whether a plugin will load.

/// The policy-plugin ABI this fetter hosts.
///
/// Placeholder until the plugin host is merged: then this must be the
/// host's own constant (`fetter::plugins::abi::HOST_ABI`), not a copy.
pub const PLUGIN_ABI: &str = "1.0.0";

/// `0.1.0 (plugin ABI 1.0.0)`.
pub fn long() -> String {
    format!("{} (plugin ABI {PLUGIN_ABI})", env!("CARGO_PKG_VERSION"))
}
