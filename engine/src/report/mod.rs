//! Rendering results for people (tables) and for tools (JSON, CSV).

pub mod audit;
pub mod inventory;
pub mod purge;
pub mod sarif;
pub mod table;
pub mod validate;

use std::path::Path;

/// Show `path` with the user's home directory as `~`.
pub fn display_path(path: &Path) -> String {
    let s = path.to_string_lossy();
    if let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty() && h != "/") {
        let home = home.to_string_lossy();
        let home = home.trim_end_matches('/');
        if let Some(rest) = s.strip_prefix(home) {
            if rest.is_empty() || rest.starts_with('/') {
                return format!("~{rest}");
            }
        }
    }
    s.into_owned()
}
