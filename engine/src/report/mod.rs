//! Rendering results for people (tables) and for tools (JSON, CSV).
//!
//! Every report is a value implementing [`render::Render`]: its schema
//! tag, its JSON document and its table, and CSV, SARIF or an SBOM where
//! it has them. One module per report; [`table`] and [`sarif`] are the
//! writers they share.

pub mod audit;
pub mod cyclonedx;
pub mod inventory;
pub mod inventory_json;
pub mod lookup;
#[cfg(feature = "plugins")]
pub mod plugin;
#[cfg(feature = "oci")]
pub mod policy;
pub mod purge;
pub mod quarantine;
pub mod render;
pub mod sarif;
pub mod sbom;
pub mod spdx;
pub mod startup;
pub mod table;
pub mod tree;
pub mod unpack;
pub mod validate;
pub mod verify;

use std::path::Path;

use crate::escape::escape_os;

/// Show `path` with the user's home directory as `~`, escaped for a
/// terminal ([`crate::escape::escape_os`]: control characters and bytes
/// that are not UTF-8 are shown as `\x1b`, `\xe9`).
pub fn display_path(path: &Path) -> String {
    if let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty() && h != "/") {
        let home = Path::new(&home);
        if let Ok(rest) = path.strip_prefix(home) {
            let rest = escape_os(rest.as_os_str());
            return if rest.is_empty() {
                "~".to_string()
            } else {
                format!("~/{rest}")
            };
        }
    }
    escape_os(path.as_os_str()).into_owned()
}
