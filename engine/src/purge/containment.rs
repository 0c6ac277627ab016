//! Containment: every path a purge touches must lie inside the
//! environment that owns the distribution.
//!
//! A RECORD is data written by whoever built or installed the package; as
//! root, trusting it would let a hostile wheel name `/etc/passwd`. Each path
//! is checked twice: lexically (after folding `..`) against the
//! environment's root, and on disk (the nearest existing parent directory,
//! symlinks resolved) so a directory inside the site that is a symlink to
//! `/etc` cannot smuggle a path out. The file itself is never followed: a
//! symlink is removed as a link.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::inventory::record::{lexical_normalize, RecordEntry};
use crate::inventory::{Inventory, Site};

/// Why a RECORD path was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContainmentError {
    /// The path (after folding `..`) is not below the environment's root.
    #[error("RECORD line {line} ({path:?}) points outside the environment {root}")]
    Outside {
        /// 1-based line in RECORD.
        line: usize,
        /// The path as written.
        path: String,
        /// The environment root it escapes.
        root: PathBuf,
    },
    /// A directory on the way to the path is a symlink leading outside.
    #[error(
        "RECORD line {line} ({path:?}) goes through {via}, which leads outside the environment {root}"
    )]
    ThroughSymlink {
        /// 1-based line in RECORD.
        line: usize,
        /// The path as written.
        path: String,
        /// The directory whose real location is outside.
        via: PathBuf,
        /// The environment root.
        root: PathBuf,
    },
    /// The path names the root itself or one of the site's own ancestors.
    #[error("RECORD line {line} ({path:?}) names the environment's own directory {target}")]
    Structural {
        /// 1-based line in RECORD.
        line: usize,
        /// The path as written.
        path: String,
        /// The directory named.
        target: PathBuf,
    },
    /// The path is empty or holds a NUL byte.
    #[error("RECORD line {line} has an unusable path {path:?}")]
    Unusable {
        /// 1-based line in RECORD.
        line: usize,
        /// The path as written.
        path: String,
    },
}

/// The directory every file of a distribution in `site` must stay inside:
/// the owning environment's prefix, or for a user site
/// (`~/.local/lib/python3.11/site-packages`) its base (`~/.local`), where
/// `pip install --user` puts console scripts.
pub fn environment_root(inv: &Inventory, site: &Path) -> Option<PathBuf> {
    let entry: Option<&Site> = inv.index().site_at(site).map(|s| inv.site(s));
    if let Some(prefix) = entry.and_then(|s| s.environment.clone()) {
        return Some(prefix);
    }
    // User site: <base>/lib/pythonX.Y/site-packages (or the macOS
    // framework <base>/lib/python/site-packages).
    let lib = site.parent()?.parent()?;
    if lib.file_name()? != "lib" {
        return None;
    }
    lib.parent().map(Path::to_path_buf)
}

/// The checked form of an environment root: its real location, and the
/// site directories (and their ancestors) no purge may remove.
#[derive(Debug, Clone)]
pub struct Boundary {
    /// The root as recorded in the inventory.
    pub root: PathBuf,
    /// The root with symlinks resolved.
    pub real_root: PathBuf,
    /// Sites of this root, with symlinks resolved.
    pub sites: Vec<PathBuf>,
}

impl Boundary {
    /// A boundary for `root` protecting `sites`.
    pub fn new(root: &Path, sites: &[PathBuf]) -> io::Result<Self> {
        let real_root = fs::canonicalize(root)?;
        let sites = sites
            .iter()
            .map(|s| fs::canonicalize(s).unwrap_or_else(|_| s.clone()))
            .collect();
        Ok(Boundary {
            root: root.to_path_buf(),
            real_root,
            sites,
        })
    }

    /// True when `path` (already lexical) is strictly below the root.
    fn lexically_inside(&self, path: &Path) -> bool {
        (path.starts_with(&self.root) && path != self.root)
            || (path.starts_with(&self.real_root) && path != self.real_root)
    }

    /// Check one RECORD entry whose relative paths are relative to `base`
    /// (the directory holding the `.dist-info`), and return the file it
    /// names. `line` is 1-based, for messages.
    pub fn check_entry(
        &self,
        base: &Path,
        entry: &RecordEntry,
        line: usize,
    ) -> Result<PathBuf, ContainmentError> {
        if entry.path.is_empty() || entry.path.contains('\0') {
            return Err(ContainmentError::Unusable {
                line,
                path: entry.path.clone(),
            });
        }
        let resolved = entry.resolve(base);
        if !self.lexically_inside(&resolved) {
            return Err(ContainmentError::Outside {
                line,
                path: entry.path.clone(),
                root: self.root.clone(),
            });
        }
        if self.is_structural(&resolved) {
            return Err(ContainmentError::Structural {
                line,
                path: entry.path.clone(),
                target: resolved,
            });
        }
        self.check_parents(&resolved)
            .map_err(|via| ContainmentError::ThroughSymlink {
                line,
                path: entry.path.clone(),
                via,
                root: self.root.clone(),
            })?;
        Ok(resolved)
    }

    /// Check that the real location of `path`'s nearest existing parent is
    /// inside the root. Returns the offending directory otherwise.
    pub fn check_parents(&self, path: &Path) -> Result<(), PathBuf> {
        let mut dir = path.parent();
        while let Some(d) = dir {
            match fs::canonicalize(d) {
                Ok(real) => {
                    return if real.starts_with(&self.real_root) {
                        Ok(())
                    } else {
                        Err(d.to_path_buf())
                    };
                }
                // Not there (yet): judge by the nearest ancestor that is.
                Err(_) => dir = d.parent(),
            }
        }
        Err(path.to_path_buf())
    }

    /// True for the root, a site, or an ancestor of a site: directories
    /// that belong to the environment, never to one distribution.
    pub fn is_structural(&self, path: &Path) -> bool {
        let real = fs::canonicalize(path).unwrap_or_else(|_| lexical_normalize(path));
        [path, real.as_path()].iter().any(|p| {
            *p == self.root || *p == self.real_root || self.sites.iter().any(|s| s.starts_with(p))
        })
    }

    /// True when an emptied directory may be removed: strictly inside the
    /// root, not structural, and not a top-level directory of the
    /// environment (`bin`, `share`, `include`), which other tools expect.
    pub fn may_prune(&self, dir: &Path) -> bool {
        let top_level = dir.parent() == Some(self.root.as_path())
            || dir.parent() == Some(self.real_root.as_path());
        self.lexically_inside(dir) && !top_level && !self.is_structural(dir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(p: &str) -> RecordEntry {
        RecordEntry {
            path: p.to_string(),
            hash: None,
            size: None,
            line: 1,
        }
    }

    fn venv() -> (tempfile::TempDir, Boundary, PathBuf) {
        let d = tempfile::tempdir().unwrap();
        let root = fs::canonicalize(d.path()).unwrap().join("v");
        let site = root.join("lib/python3.11/site-packages");
        fs::create_dir_all(&site).unwrap();
        fs::create_dir_all(root.join("bin")).unwrap();
        let b = Boundary::new(&root, std::slice::from_ref(&site)).unwrap();
        (d, b, site)
    }

    #[test]
    fn accepts_site_files_and_console_scripts() {
        let (_d, b, site) = venv();
        assert_eq!(
            b.check_entry(&site, &entry("six.py"), 1).unwrap(),
            site.join("six.py")
        );
        assert_eq!(
            b.check_entry(&site, &entry("../../../bin/tool"), 2)
                .unwrap(),
            b.root.join("bin/tool")
        );
        let abs = site.join("pkg/mod.py");
        assert_eq!(
            b.check_entry(&site, &entry(abs.to_str().unwrap()), 3)
                .unwrap(),
            abs
        );
    }

    #[test]
    fn refuses_absolute_and_dotdot_escapes() {
        let (_d, b, site) = venv();
        for (i, bad) in [
            "/etc/passwd",
            "../../../../etc/passwd",
            "../../../../../../../../etc",
            "pkg/../../../../../x",
        ]
        .iter()
        .enumerate()
        {
            let err = b.check_entry(&site, &entry(bad), i + 1).unwrap_err();
            assert!(
                matches!(err, ContainmentError::Outside { line, .. } if line == i + 1),
                "{bad}: {err}"
            );
            assert!(err.to_string().contains(bad), "{err}");
        }
    }

    #[test]
    fn refuses_the_environment_itself() {
        let (_d, b, site) = venv();
        for bad in [".", "..", "../..", "../../.."] {
            let err = b.check_entry(&site, &entry(bad), 1).unwrap_err();
            assert!(
                matches!(
                    err,
                    ContainmentError::Structural { .. } | ContainmentError::Outside { .. }
                ),
                "{bad}: {err}"
            );
        }
        assert!(b.check_entry(&site, &entry(""), 1).is_err());
    }

    #[test]
    fn refuses_paths_through_a_symlinked_directory_leading_out() {
        let (d, b, site) = venv();
        let outside = d.path().join("outside");
        fs::create_dir_all(&outside).unwrap();
        fs::write(outside.join("secret"), "x").unwrap();
        std::os::unix::fs::symlink(&outside, site.join("evil")).unwrap();
        let err = b.check_entry(&site, &entry("evil/secret"), 7).unwrap_err();
        assert!(
            matches!(err, ContainmentError::ThroughSymlink { line: 7, .. }),
            "{err}"
        );
        // The link itself is inside and is removed as a link.
        assert_eq!(
            b.check_entry(&site, &entry("evil"), 8).unwrap(),
            site.join("evil")
        );
        // A symlinked directory that stays inside (lib64 -> lib) is fine.
        std::os::unix::fs::symlink("lib", b.root.join("lib64")).unwrap();
        let via_lib64 = b.root.join("lib64/python3.11/site-packages/six.py");
        assert!(b
            .check_entry(&site, &entry(via_lib64.to_str().unwrap()), 9)
            .is_ok());
    }

    #[test]
    fn prunes_only_inside_and_below_top_level() {
        let (_d, b, site) = venv();
        assert!(b.may_prune(&site.join("pkg")));
        assert!(b.may_prune(&b.root.join("share/jupyter")));
        assert!(!b.may_prune(&b.root.join("bin")));
        assert!(!b.may_prune(&site));
        assert!(!b.may_prune(site.parent().unwrap()));
        assert!(!b.may_prune(&b.root));
    }

    #[test]
    fn user_site_root_is_its_base() {
        let mut inv = Inventory::default();
        let site = PathBuf::from("/home/a/.local/lib/python3.11/site-packages");
        inv.sites.push(Site {
            path: site.clone(),
            scope: crate::inventory::SiteScope::User,
            environment: None,
            externally_managed: false,
        });
        assert_eq!(
            environment_root(&inv, &site),
            Some(PathBuf::from("/home/a/.local"))
        );
    }
}
