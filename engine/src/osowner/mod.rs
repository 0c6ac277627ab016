//! Which OS package owns a file: Debian's dpkg database, read directly
//! (`/var/lib/dpkg/status` and `info/*.list`), never by running `dpkg`.
//!
//! The database is found relative to the filesystem root a site lives
//! under (`/usr/lib/python3/dist-packages` → `/var/lib/dpkg`;
//! `/mnt/img/usr/lib/…` → `/mnt/img/var/lib/dpkg`), so `--root` over a
//! mounted image reads the image's database, not the host's.

pub mod dpkg;

use std::path::{Component, Path, PathBuf};

use serde::Serialize;

/// An OS package, as its package manager names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OsPackage {
    /// The package manager: `dpkg`.
    pub manager: &'static str,
    /// The package name (`python3-requests`).
    pub name: String,
    /// Its installed version (`2.28.1+dfsg-1`), when the status file gives it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// The filesystem root `path` lives under: the part before its `usr`
/// component (`/mnt/img` for `/mnt/img/usr/lib/python3/dist-packages`),
/// `None` when it is not under a `usr` tree.
pub fn root_of(path: &Path) -> Option<PathBuf> {
    let mut root = PathBuf::new();
    for c in path.components() {
        if c == Component::Normal("usr".as_ref()) {
            return Some(if root.as_os_str().is_empty() {
                PathBuf::from("/")
            } else {
                root
            });
        }
        root.push(c.as_os_str());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_is_what_precedes_usr() {
        assert_eq!(root_of(Path::new("/usr/lib/python3/dist-packages")), Some("/".into()));
        assert_eq!(
            root_of(Path::new("/mnt/img/usr/lib/python3/dist-packages")),
            Some("/mnt/img".into())
        );
        assert_eq!(root_of(Path::new("/home/u/.venv/lib/python3.11/site-packages")), None);
    }
}
