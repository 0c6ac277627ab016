//! Which OS package owns a file: Debian's dpkg database
//! (`/var/lib/dpkg/status` and `info/*.list`) and rpm's SQLite database
//! (`rpmdb.sqlite`), read directly, never by running `dpkg` or `rpm`; and
//! conda's records in a conda environment.
//!
//! The database is found relative to the filesystem root a site lives
//! under (`/usr/lib/python3/dist-packages` → `/var/lib/dpkg`;
//! `/mnt/img/usr/lib/…` → `/mnt/img/var/lib/dpkg`), so `--root` over a
//! mounted image reads the image's database, not the host's.

pub mod conda;
pub mod dpkg;
pub mod rpm;

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::inventory::{Distribution, Site, Warning};

/// A package manager whose database fetter reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Manager {
    /// Debian's dpkg: the OS's own packages.
    Dpkg,
    /// conda, in a conda environment.
    Conda,
    /// rpm: the OS's own packages (Fedora, RHEL, openSUSE, …).
    Rpm,
}

impl Manager {
    /// The name users know it by (`dpkg`, `conda`, `rpm`).
    pub fn as_str(self) -> &'static str {
        match self {
            Manager::Dpkg => "dpkg",
            Manager::Conda => "conda",
            Manager::Rpm => "rpm",
        }
    }
}

impl std::fmt::Display for Manager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An OS package, as its package manager names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OsPackage {
    /// The package manager that installed it.
    pub manager: Manager,
    /// The package name (`python3-requests`).
    pub name: String,
    /// Its installed version (`2.28.1+dfsg-1`), when the status file gives it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The source package it was built from (`requests`; rpm's from
    /// `SOURCERPM`), when it differs from `name`: what security advisories
    /// name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The source version, when it differs from `version` (a binNMU).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_version: Option<String>,
    /// The OSV ecosystem of the OS release (`Debian:12`, `AlmaLinux:9`),
    /// from the root's `etc/os-release`; `None` when OSV names no
    /// ecosystem for that release (see [`osv_ecosystem`],
    /// [`rpm::osv_ecosystem`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distro: Option<String>,
}

impl OsPackage {
    /// Whether the OS installed it (not conda): its vendor may backport
    /// fixes without changing the version.
    pub fn is_os(&self) -> bool {
        matches!(self.manager, Manager::Dpkg | Manager::Rpm)
    }

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
    let (id, version) = os_release(root)?;
    if id != "debian" {
        return None;
    }
    let major = version.split('.').next()?;
    major
        .bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| format!("Debian:{major}"))
}

/// `ID` and `VERSION_ID` of the root's `etc/os-release` (or
/// `usr/lib/os-release`), unquoted; `None` when either is absent.
pub(crate) fn os_release(root: &Path) -> Option<(String, String)> {
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
    Some((field("ID")?, field("VERSION_ID")?))
}

/// Name the conda package of every distribution conda installed: from the
/// `conda-meta` records of the environment owning its site (read once per
/// environment).
fn attribute_conda(
    sites: &[Site],
    distributions: &mut [Distribution],
    warnings: &mut Vec<Warning>,
) {
    let conda: HashMap<&Path, &Path> = sites
        .iter()
        .filter_map(|s| Some((s.path.as_path(), s.environment.as_deref()?)))
        .filter(|(_, env)| env.join("conda-meta").is_dir())
        .collect();
    if conda.is_empty() {
        return;
    }
    let mut metas: HashMap<&Path, Option<conda::CondaMeta>> = HashMap::new();
    for d in distributions.iter_mut() {
        let Some(prefix) = conda.get(d.site.as_path()) else {
            continue;
        };
        let meta = metas
            .entry(prefix)
            .or_insert_with(|| conda::CondaMeta::load(prefix, warnings));
        if let Some(p) = meta.as_ref().and_then(|m| m.owner(&d.metadata_path)) {
            d.os_package = Some(p.clone());
        }
    }
}

/// Name the OS package of every distribution in an OS-managed site, from
/// the dpkg database of the root each such site lives under, and of every
/// distribution in a site under a root's `usr` tree that rpm's database
/// lists (Fedora and RHEL ship no PEP 668 marker); each database read
/// once per root. A database that cannot be read is a warning: the
/// distributions keep no owner rather than a wrong one.
pub fn attribute(sites: &[Site], distributions: &mut [Distribution], warnings: &mut Vec<Warning>) {
    attribute_conda(sites, distributions, warnings);
    let rooted: HashMap<&Path, (PathBuf, bool)> = sites
        .iter()
        .filter_map(|s| Some((s.path.as_path(), (root_of(&s.path)?, s.externally_managed))))
        .collect();
    if rooted.is_empty() {
        return;
    }
    let mut dpkgs: HashMap<PathBuf, Option<dpkg::Dpkg>> = HashMap::new();
    let mut rpms: HashMap<PathBuf, Option<rpm::Rpmdb>> = HashMap::new();
    for d in distributions.iter_mut() {
        let Some((root, managed)) = rooted.get(d.site.as_path()) else {
            continue;
        };
        if d.os_package.is_some() {
            continue; // conda's
        }
        if *managed {
            let db = dpkgs
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
        if d.os_package.is_none() {
            let db = rpms.entry(root.clone()).or_insert_with(|| {
                rpm::Rpmdb::load(root, warnings).unwrap_or_else(|e| {
                    warnings.push(Warning::new(
                        e.path(),
                        format!("rpm package owners unknown: {e}"),
                    ));
                    None
                })
            });
            d.os_package = db
                .as_ref()
                .and_then(|db| db.owner(&d.metadata_path))
                .cloned();
        }
    }
}

/// The paths a package manager's file list may name for the distribution
/// whose metadata is at `metadata_path`: its `METADATA` or `PKG-INFO`
/// (managers list files, not directories), else the path itself (an
/// `.egg-info` file).
pub(crate) fn owned_paths(metadata_path: &Path) -> [PathBuf; 3] {
    [
        metadata_path.join("METADATA"),
        metadata_path.join("PKG-INFO"),
        metadata_path.to_path_buf(),
    ]
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
