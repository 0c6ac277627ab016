//! What `fetter --version` prints: the version and the plugin ABI, so a
//! plugin author can tell at a glance whether a plugin will load.

/// The policy-plugin ABI this fetter hosts: the plugin host's own constant.
pub(super) use fetter::plugins::abi::HOST_ABI as PLUGIN_ABI;

/// `0.1.0 (plugin ABI 1.0.0)`.
pub(super) fn long() -> String {
    format!("{} (plugin ABI {PLUGIN_ABI})", env!("CARGO_PKG_VERSION"))
}
