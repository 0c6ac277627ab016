//! Which OS package owns a file: Debian's dpkg database, read directly
//! (`/var/lib/dpkg/status` and `info/*.list`), never by running `dpkg`.
//!
//! The database is found relative to the filesystem root a site lives
//! under (`/usr/lib/python3/dist-packages` → `/var/lib/dpkg`;
//! `/mnt/img/usr/lib/…` → `/mnt/img/var/lib/dpkg`), so `--root` over a
//! mounted image reads the image's database, not the host's.

pub mod dpkg;

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::inventory::{Distribution, Site, Warning};

/// An OS package, as its package manager names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OsPackage {
    /// The package manager: `dpkg`.
    pub manager: String,
    /// The package name (`python3-requests`).
    pub name: String,
    /// Its installed version (`2.28.1+dfsg-1`), when the status file gives it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The source package it was built from (`requests`), when it differs
    /// from `name`: what Debian's security advisories name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The source version, when it differs from `version` (a binNMU).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_version: Option<String>,
    /// The OSV ecosystem of the OS release (`Debian:12`), from the root's
    /// `etc/os-release`; `None` when that is not a Debian release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distro: Option<String>,
}

impl OsPackage {
    /// The source package advisories name.
    pub fn source_name(&self) -> &str {
        self.source.as_deref().unwrap_or(&self.name)
    }

    /// The source version advisories compare with.
    pub fn source_version(&self) -> Option<&str> {
        self.source_version.as_deref().or(self.version.as_deref())
    }
}

/// The OSV ecosystem of the OS installed at `root` (`Debian:12`), from
/// its `etc/os-release` (or `usr/lib/os-release`): Debian only, as OSV
/// names Debian's releases by major version. `None` for other systems,
/// testing/unstable (no `VERSION_ID`), or an unreadable file.
pub fn osv_ecosystem(root: &Path) -> Option<String> {
    let text = ["etc/os-release", "usr/lib/os-release"]
        .iter()
        .find_map(|p| crate::fsutil::read_capped(&root.join(p), 64 << 10).ok())?;
    let text = String::from_utf8_lossy(&text);
    let field = |k: &str| {
        text.lines().find_map(|l| {
            l.strip_prefix(k)
                .and_then(|r| r.strip_prefix('='))
                .map(|v| v.trim().trim_matches(['"', '\'']).to_string())
        })
    };
    if field("ID").as_deref() != Some("debian") {
        return None;
    }
    let version = field("VERSION_ID")?;
    let major = version.split('.').next()?;
    major
        .bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| format!("Debian:{major}"))
}

/// Name the OS package of every distribution in an OS-managed site, from
/// the dpkg database of the root each such site lives under (read once
/// per root). A database that cannot be read is a warning: the
/// distributions keep no owner rather than a wrong one.
pub fn attribute(sites: &[Site], distributions: &mut [Distribution], warnings: &mut Vec<Warning>) {
    let managed: HashMap<&Path, PathBuf> = sites
        .iter()
        .filter(|s| s.externally_managed)
        .filter_map(|s| Some((s.path.as_path(), root_of(&s.path)?)))
        .collect();
    if managed.is_empty() {
        return;
    }
    let mut dbs: HashMap<PathBuf, Option<dpkg::Dpkg>> = HashMap::new();
    for d in distributions.iter_mut() {
        let Some(root) = managed.get(d.site.as_path()) else {
            continue;
        };
        let db = dbs
            .entry(root.clone())
            .or_insert_with(|| match dpkg::Dpkg::load(root) {
                Ok(db) => db,
                Err(e) => {
                    warnings.push(Warning::new(
                        root.join("var/lib/dpkg"),
                        format!("OS package owners unknown: {e}"),
                    ));
                    None
                }
            });
        d.os_package = db
            .as_ref()
            .and_then(|db| db.owner(&d.metadata_path))
            .cloned();
    }
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
        assert_eq!(
            root_of(Path::new("/usr/lib/python3/dist-packages")),
            Some("/".into())
        );
        assert_eq!(
            root_of(Path::new("/mnt/img/usr/lib/python3/dist-packages")),
            Some("/mnt/img".into())
        );
        assert_eq!(
            root_of(Path::new("/home/u/.venv/lib/python3.11/site-packages")),
            None
        );
    }
}
