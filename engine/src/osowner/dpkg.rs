//! Debian's package database: `status` for names and versions, `info/*.list`
//! for the files each package installed, `info/*.md5sums` for their hashes
//! (what `debsums` and `dpkg --verify` compare with).

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::OsPackage;
use crate::fsutil;

/// A package's `md5sums` under one directory: each file and its MD5.
pub type Md5Sums = Vec<(PathBuf, [u8; 16])>;

/// Largest `status` file read (Debian systems with thousands of packages
/// have a few MiB).
const STATUS_CAP: u64 = 256 << 20;
/// Largest `.list` / `.md5sums` file read.
const LIST_CAP: u64 = 64 << 20;

/// The dpkg database under one root.
#[derive(Debug)]
pub struct Dpkg {
    root: PathBuf,
    info: PathBuf,
    packages: Vec<Installed>,
    by_path: HashMap<PathBuf, usize>,
}

#[derive(Debug)]
struct Installed {
    /// The `.list` file's stem: `python3-six` or `libfoo:amd64`.
    stem: String,
    package: OsPackage,
}

/// Why the database could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DpkgError {
    /// A database file could not be read.
    #[error("{path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: fsutil::ReadError,
    },
    /// An `md5sums` line that is not `<32 hex>  <path>`.
    #[error("{path} line {line}: not `<md5>  <path>`")]
    Md5sumsLine {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
    },
}

impl Dpkg {
    /// The database of the filesystem rooted at `root`, or `None` when it
    /// has none (`<root>/var/lib/dpkg/status` absent).
    pub fn load(root: &Path) -> Result<Option<Dpkg>, DpkgError> {
        let admin = root.join("var/lib/dpkg");
        let status_path = admin.join("status");
        if !status_path.is_file() {
            return Ok(None);
        }
        let status = read(&status_path, STATUS_CAP)?;
        let versions = parse_status(&String::from_utf8_lossy(&status));
        let distro = super::osv_ecosystem(root);
        let info = admin.join("info");
        let mut packages = Vec::new();
        let mut by_path = HashMap::new();
        let entries = match fs::read_dir(&info) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(DpkgError::Read {
                    path: info,
                    source: e.into(),
                })
            }
        };
        for e in entries.flatten() {
            let name = e.file_name();
            let Some(stem) = name.to_str().and_then(|n| n.strip_suffix(".list")) else {
                continue;
            };
            let bare = stem.split(':').next().unwrap_or(stem);
            let Some(entry) = versions.get(stem).or_else(|| versions.get(bare)) else {
                continue; // a leftover list of a removed package
            };
            let list = read(&e.path(), LIST_CAP)?;
            let idx = packages.len();
            for line in String::from_utf8_lossy(&list).lines() {
                if line.starts_with('/') && line != "/." {
                    by_path.insert(join_root(root, line), idx);
                }
            }
            packages.push(Installed {
                stem: stem.to_string(),
                package: OsPackage {
                    manager: super::Manager::Dpkg,
                    name: bare.to_string(),
                    version: entry.version.clone(),
                    source: entry.source.clone(),
                    source_version: entry.source_version.clone(),
                    distro: distro.clone(),
                },
            });
        }
        Ok(Some(Dpkg {
            root: root.to_path_buf(),
            info,
            packages,
            by_path,
        }))
    }

    /// The package that installed `path`, if one did.
    pub fn owner(&self, path: &Path) -> Option<&OsPackage> {
        self.by_path.get(path).map(|&i| &self.packages[i].package)
    }

    /// Whether dpkg lists `path` as installed by some package.
    pub fn lists(&self, path: &Path) -> bool {
        self.by_path.contains_key(path)
    }

    /// The files `owner` installed under `dir`, with the MD5 its
    /// `md5sums` gives; `None` when the package has no `md5sums`.
    pub fn md5sums_under(
        &self,
        owner: &OsPackage,
        dir: &Path,
    ) -> Result<Option<Md5Sums>, DpkgError> {
        let Some(p) = self.packages.iter().find(|p| &p.package == owner) else {
            return Ok(None);
        };
        let path = self.info.join(format!("{}.md5sums", p.stem));
        if !path.is_file() {
            return Ok(None);
        }
        let bytes = read(&path, LIST_CAP)?;
        let mut out = Vec::new();
        for (i, line) in String::from_utf8_lossy(&bytes).lines().enumerate() {
            if line.is_empty() {
                continue;
            }
            let bad = || DpkgError::Md5sumsLine {
                path: path.clone(),
                line: i + 1,
            };
            let (hex, rel) = line.split_once("  ").ok_or_else(bad)?;
            let digest = parse_md5(hex).ok_or_else(bad)?;
            let file = join_root(&self.root, rel);
            if file.starts_with(dir) {
                out.push((file, digest));
            }
        }
        Ok(Some(out))
    }
}

fn read(path: &Path, cap: u64) -> Result<Vec<u8>, DpkgError> {
    fsutil::read_capped(path, cap).map_err(|source| DpkgError::Read {
        path: path.to_path_buf(),
        source,
    })
}

fn join_root(root: &Path, abs: &str) -> PathBuf {
    root.join(abs.trim_start_matches('/'))
}

fn parse_md5(hex: &str) -> Option<[u8; 16]> {
    if hex.len() != 32 {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// Installed packages of a `status` file: `name` and `name:arch` → version.
/// What `status` says of one installed package.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct StatusEntry {
    version: Option<String>,
    /// `Source:` (the source package), when it names one.
    source: Option<String>,
    /// The source version `Source: name (version)` gives, when it differs.
    source_version: Option<String>,
}

fn parse_status(text: &str) -> HashMap<String, StatusEntry> {
    let mut out = HashMap::new();
    for para in text.split("\n\n") {
        let field = |k: &str| {
            para.lines()
                .find_map(|l| l.strip_prefix(k).and_then(|r| r.strip_prefix(':')))
                .map(|v| v.trim().to_string())
        };
        let (Some(name), Some(status)) = (field("Package"), field("Status")) else {
            continue;
        };
        if !status.ends_with(" installed") {
            continue;
        }
        let (source, source_version) = match field("Source") {
            Some(s) => match s.split_once(" (") {
                Some((n, v)) => (
                    Some(n.trim().to_string()),
                    Some(v.trim_end_matches(')').trim().to_string()),
                ),
                None => (Some(s), None),
            },
            None => (None, None),
        };
        let entry = StatusEntry {
            version: field("Version"),
            source,
            source_version,
        };
        if let Some(arch) = field("Architecture") {
            out.insert(format!("{name}:{arch}"), entry.clone());
        }
        out.insert(name, entry);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_owners_versions_and_md5sums_under_a_root() {
        let d = tempfile::tempdir().unwrap();
        let admin = d.path().join("var/lib/dpkg");
        fs::create_dir_all(admin.join("info")).unwrap();
        fs::write(
            admin.join("status"),
            "Package: python3-six\nStatus: install ok installed\nArchitecture: all\nSource: six (1.16.0-4)\nVersion: 1.16.0-4+b1\n\n\
             Package: gone\nStatus: deinstall ok config-files\nVersion: 1\n",
        )
        .unwrap();
        fs::write(
            admin.join("info/python3-six.list"),
            "/.\n/usr/lib/python3/dist-packages\n/usr/lib/python3/dist-packages/six.py\n",
        )
        .unwrap();
        fs::write(
            admin.join("info/python3-six.md5sums"),
            "d41d8cd98f00b204e9800998ecf8427e  usr/lib/python3/dist-packages/six.py\n\
             d41d8cd98f00b204e9800998ecf8427e  usr/share/doc/python3-six/copyright\n",
        )
        .unwrap();
        fs::write(admin.join("info/gone.list"), "/usr/bin/gone\n").unwrap();
        fs::create_dir_all(d.path().join("etc")).unwrap();
        fs::write(
            d.path().join("etc/os-release"),
            "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nVERSION_ID=\"12\"\nID=debian\n",
        )
        .unwrap();
        let db = Dpkg::load(d.path()).unwrap().unwrap();
        let site = d.path().join("usr/lib/python3/dist-packages");
        let owner = db.owner(&site.join("six.py")).unwrap().clone();
        assert_eq!(owner.name, "python3-six");
        assert_eq!(owner.version.as_deref(), Some("1.16.0-4+b1"));
        assert_eq!(owner.source_name(), "six");
        assert_eq!(owner.source_version(), Some("1.16.0-4"));
        assert_eq!(owner.distro.as_deref(), Some("Debian:12"));
        assert!(db.owner(&d.path().join("usr/bin/gone")).is_none());
        let sums = db.md5sums_under(&owner, &site).unwrap().unwrap();
        assert_eq!(sums.len(), 1);
        assert_eq!(sums[0].0, site.join("six.py"));
    }

    #[test]
    fn no_database_is_none_and_bad_md5sums_name_the_line() {
        let d = tempfile::tempdir().unwrap();
        assert!(Dpkg::load(d.path()).unwrap().is_none());
        let admin = d.path().join("var/lib/dpkg");
        fs::create_dir_all(admin.join("info")).unwrap();
        fs::write(
            admin.join("status"),
            "Package: p\nStatus: install ok installed\nVersion: 1\n",
        )
        .unwrap();
        fs::write(admin.join("info/p.list"), "/usr/x\n").unwrap();
        fs::write(admin.join("info/p.md5sums"), "zz  usr/x\n").unwrap();
        let db = Dpkg::load(d.path()).unwrap().unwrap();
        let owner = db.owner(&d.path().join("usr/x")).unwrap().clone();
        let err = db.md5sums_under(&owner, d.path()).unwrap_err().to_string();
        assert!(err.contains("p.md5sums line 1"), "{err}");
    }
}
