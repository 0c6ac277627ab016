//! Files dropped into a distribution's own package directories that no
//! RECORD lists: a module added after install runs on import just as
//! well as one that was installed.
//!
//! A distribution's package directories are the directories inside its
//! site that hold a file its RECORD lists (metadata directories aside).
//! Byte-code Python writes at import (`__pycache__/mod.cpython-311.pyc`
//! beside `mod.py`) is expected and not reported.

use std::collections::{HashMap, HashSet};
use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};

use super::{FileProblem, ProblemKind};
use crate::inventory::{Distribution, Inventory};
use crate::unpack;

/// Deepest subdirectory walked under an unlisted directory.
const MAX_DEPTH: usize = 32;

/// Unlisted files, keyed by the metadata path of the distribution whose
/// package directory holds them.
/// `listed_by_os` tells which files the OS package manager installed (in
/// an OS-managed site, Debian adds files that no RECORD lists).
pub(super) fn find(
    inv: &Inventory,
    selected: &[&Distribution],
    listed_by_os: &dyn Fn(&Path) -> bool,
) -> HashMap<PathBuf, Vec<FileProblem>> {
    let mut out: HashMap<PathBuf, Vec<FileProblem>> = HashMap::new();
    let sites: HashSet<&Path> = selected.iter().map(|d| d.site.as_path()).collect();
    let wanted: HashSet<&Path> = selected.iter().map(|d| d.metadata_path.as_path()).collect();
    for site in sites {
        // Every file any distribution of the site lists counts as listed,
        // selected or not: a namespace package's directory is shared.
        let mut listed: HashSet<PathBuf> = HashSet::new();
        let mut owners: HashMap<PathBuf, Vec<&Path>> = HashMap::new();
        for d in inv.distributions.iter().filter(|d| d.site == site) {
            let Ok(files) = unpack::list_files(d) else {
                continue;
            };
            for f in files {
                if let Some(dir) = package_dir(site, &f.path) {
                    for a in dir.ancestors().take_while(|a| *a != site) {
                        let v = owners.entry(a.to_path_buf()).or_default();
                        if v.last() != Some(&d.metadata_path.as_path()) {
                            v.push(d.metadata_path.as_path());
                        }
                    }
                }
                listed.insert(f.path);
            }
        }
        for (dir, dists) in &owners {
            let mut found = Vec::new();
            scan_dir(dir, &listed, &owners, &mut found);
            found.retain(|p| !listed_by_os(p));
            for d in dists.iter().filter(|d| wanted.contains(*d)) {
                out.entry(d.to_path_buf())
                    .or_default()
                    .extend(found.iter().map(|p| FileProblem {
                        kind: ProblemKind::Unlisted,
                        path: p.clone(),
                        recorded: None,
                        expected_hash: None,
                        actual_hash: None,
                        expected_size: None,
                        actual_size: None,
                        detail: None,
                    }));
            }
        }
    }
    out
}

/// The directory holding `file` when it is a package directory inside
/// `site` (not the site itself, not a metadata directory).
fn package_dir<'a>(site: &Path, file: &'a Path) -> Option<&'a Path> {
    let rel = file.strip_prefix(site).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    if rel.components().count() < 2
        || first.ends_with(".dist-info")
        || first.ends_with(".egg-info")
        || first.ends_with(".data")
    {
        return None;
    }
    file.parent()
}

/// The unlisted entries directly in `dir`, and everything under its
/// subdirectories that no distribution owns.
fn scan_dir(
    dir: &Path,
    listed: &HashSet<PathBuf>,
    owned: &HashMap<PathBuf, Vec<&Path>>,
    found: &mut Vec<PathBuf>,
) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
        if is_dir {
            if owned.contains_key(&path) {
                continue; // scanned as its own package directory
            }
            walk_unowned(&path, listed, found, 0);
        } else if !listed.contains(&path) && !is_import_bytecode(&path) {
            found.push(path);
        }
    }
}

/// Every file under a directory no distribution owns (byte-code caches aside).
fn walk_unowned(dir: &Path, listed: &HashSet<PathBuf>, found: &mut Vec<PathBuf>, depth: usize) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            if depth < MAX_DEPTH {
                walk_unowned(&path, listed, found, depth + 1);
            } else {
                found.push(path);
            }
        } else if !listed.contains(&path) && !is_import_bytecode(&path) {
            found.push(path);
        }
    }
}

/// `pkg/__pycache__/mod.<tag>[.opt-N].pyc` beside an existing `pkg/mod.py`:
/// what the interpreter writes when it imports `mod`.
fn is_import_bytecode(path: &Path) -> bool {
    let Some(parent) = path.parent() else {
        return false;
    };
    if parent.file_name() != Some(OsStr::new("__pycache__"))
        || path.extension() != Some(OsStr::new("pyc"))
    {
        return false;
    }
    let Some(name) = path.file_name().and_then(OsStr::to_str) else {
        return false;
    };
    let Some(stem) = name.split('.').next().filter(|s| !s.is_empty()) else {
        return false;
    };
    parent
        .parent()
        .is_some_and(|pkg| pkg.join(format!("{stem}.py")).is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytecode_beside_its_source_is_expected() {
        let d = tempfile::tempdir().unwrap();
        let pkg = d.path().join("pkg");
        fs::create_dir_all(pkg.join("__pycache__")).unwrap();
        fs::write(pkg.join("mod.py"), "").unwrap();
        assert!(is_import_bytecode(
            &pkg.join("__pycache__/mod.cpython-311.pyc")
        ));
        assert!(is_import_bytecode(
            &pkg.join("__pycache__/mod.cpython-311.opt-1.pyc")
        ));
        assert!(!is_import_bytecode(
            &pkg.join("__pycache__/evil.cpython-311.pyc")
        ));
        assert!(!is_import_bytecode(&pkg.join("mod.cpython-311.pyc")));
    }
}
