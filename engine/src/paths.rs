//! Where fetter keeps its own files: data (quarantine, OSV database),
//! cache (compiled plugins) and config.
//!
//! `FETTER_DATA_DIR` / `FETTER_CACHE_DIR` override the XDG locations, so
//! tests and locked-down machines can point fetter elsewhere.

use std::env;
use std::path::PathBuf;

fn xdg(var: &str, fallback: &str) -> PathBuf {
    env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|h| PathBuf::from(h).join(fallback)))
        .unwrap_or_else(|| PathBuf::from(".").join(fallback))
}

/// fetter's data directory (`$FETTER_DATA_DIR`, else `$XDG_DATA_HOME/fetter`, else `~/.local/share/fetter`).
pub fn data_dir() -> PathBuf {
    match env::var_os("FETTER_DATA_DIR").filter(|v| !v.is_empty()) {
        Some(d) => PathBuf::from(d),
        None => xdg("XDG_DATA_HOME", ".local/share").join("fetter"),
    }
}

/// fetter's cache directory (`$FETTER_CACHE_DIR`, else `$XDG_CACHE_HOME/fetter`, else `~/.cache/fetter`).
pub fn cache_dir() -> PathBuf {
    match env::var_os("FETTER_CACHE_DIR").filter(|v| !v.is_empty()) {
        Some(d) => PathBuf::from(d),
        None => xdg("XDG_CACHE_HOME", ".cache").join("fetter"),
    }
}
