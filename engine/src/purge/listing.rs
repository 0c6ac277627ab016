//! The file listing a purge shows before it asks: a distribution's own
//! directories collapsed to one line each, as `pip uninstall` does, and
//! every other entry one by one, so an entry a hostile RECORD slipped in
//! (`../../../bin/tool`, a file of another package) is in plain sight.
//!
//! As in pip's `compress_for_output_listing`, only package directories
//! (those of an `__init__.py`) and the `.dist-info` directory are
//! candidates, the outermost first; one is collapsed only when everything
//! in it, on disk, is planned for removal (it goes as a whole), and never
//! one that belongs to the environment (`bin/`, a site, the root; see
//! [`Boundary::may_prune`]). Everything else (console scripts, data files,
//! top-level modules, and whatever a hostile RECORD names) is one per line.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::containment::Boundary;

/// One line of the listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Listed {
    /// A directory whose every file is planned: it goes as a whole.
    Directory {
        /// The directory.
        #[serde(with = "crate::pathjson")]
        path: PathBuf,
        /// How many planned files it holds.
        files: usize,
    },
    /// A file or symlink shown on its own.
    File {
        /// The file.
        #[serde(with = "crate::pathjson")]
        path: PathBuf,
    },
}

/// Collapse `files` (one distribution's planned files) for display.
pub fn collapse(files: &[PathBuf], boundary: &Boundary) -> Vec<Listed> {
    let planned: HashSet<&Path> = files.iter().map(PathBuf::as_path).collect();
    let mut candidates: Vec<&Path> = files
        .iter()
        .filter_map(|f| {
            let package = f.file_name().is_some_and(|n| n == "__init__.py");
            let metadata = f.ancestors().skip(1).find(|a| {
                a.file_name()
                    .is_some_and(|n| n.to_string_lossy().ends_with(".dist-info"))
            });
            metadata.or_else(|| package.then(|| f.parent()).flatten())
        })
        .collect();
    candidates.sort_by_key(|d| (d.components().count(), d.to_path_buf()));
    candidates.dedup();
    let mut whole: Vec<(PathBuf, usize)> = Vec::new();
    for dir in candidates {
        if whole.iter().any(|(w, _)| dir.starts_with(w)) || !boundary.may_prune(dir) {
            continue;
        }
        if let Some(n) = all_planned(dir, &planned) {
            whole.push((dir.to_path_buf(), n));
        }
    }
    let mut out: Vec<Listed> = whole
        .iter()
        .map(|(path, files)| Listed::Directory {
            path: path.clone(),
            files: *files,
        })
        .collect();
    out.extend(
        files
            .iter()
            .filter(|f| !whole.iter().any(|(w, _)| f.starts_with(w)))
            .map(|f| Listed::File { path: f.clone() }),
    );
    out.sort_by(|a, b| a.path().cmp(b.path()));
    out
}

impl Listed {
    /// The directory or file.
    pub fn path(&self) -> &Path {
        match self {
            Listed::Directory { path, .. } | Listed::File { path } => path,
        }
    }
}

/// The number of files below `dir` when every one of them (never following
/// symlinks) is planned; `None` at the first that is not.
fn all_planned(dir: &Path, planned: &HashSet<&Path>) -> Option<usize> {
    let mut count = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).ok()? {
            let e = e.ok()?;
            let path = e.path();
            if e.file_type().ok()?.is_dir() {
                stack.push(path);
            } else if planned.contains(path.as_path()) {
                count += 1;
            } else {
                return None;
            }
        }
    }
    Some(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collapses_only_directories_that_go_whole() {
        let d = tempfile::tempdir().unwrap();
        let root = fs::canonicalize(d.path()).unwrap().join("v");
        let site = root.join("lib/python3.11/site-packages");
        for dir in ["pkg/sub", "other", "x-1.dist-info", "data"] {
            fs::create_dir_all(site.join(dir)).unwrap();
        }
        fs::create_dir_all(root.join("bin")).unwrap();
        let files: Vec<PathBuf> = [
            "pkg/__init__.py",
            "pkg/sub/a.py",
            "x-1.dist-info/RECORD",
            "mod.py",
            "other/planted.py",
            "data/only.txt",
        ]
        .iter()
        .map(|f| site.join(f))
        .chain([root.join("bin/tool")])
        .collect();
        for f in &files {
            fs::write(f, "x").unwrap();
        }
        fs::write(site.join("other/keep.py"), "x").unwrap();
        fs::write(root.join("bin/python"), "x").unwrap();
        let b = Boundary::new(&root, std::slice::from_ref(&site)).unwrap();
        let shown = collapse(&files, &b);
        assert_eq!(
            shown,
            vec![
                Listed::File {
                    path: root.join("bin/tool")
                },
                Listed::File {
                    path: site.join("data/only.txt")
                },
                Listed::File {
                    path: site.join("mod.py")
                },
                Listed::File {
                    path: site.join("other/planted.py")
                },
                Listed::Directory {
                    path: site.join("pkg"),
                    files: 2
                },
                Listed::Directory {
                    path: site.join("x-1.dist-info"),
                    files: 1
                },
            ]
        );
    }
}
