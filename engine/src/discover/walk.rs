//! A parallel directory walk that finds environments and interpreters.
//!
//! The walk never follows symlinked directories (loops, and links to `/`
//! inside a user's tree), skips VCS and `node_modules` trees and pseudo
//! filesystems, and stops descending at an environment root: once a
//! `pyvenv.cfg` is seen, nothing below it is worth listing.

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::discover::interpreter;
use crate::inventory::Warning;

/// How deep below a walk root the walk goes before giving up on a branch.
pub const MAX_DEPTH: usize = 48;

/// Directory names never descended into: they hold no environments, or
/// nothing a scan should spend time on.
const SKIP_NAMES: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    "__pycache__",
    "site-packages",
    "dist-packages",
];

/// Absolute paths of pseudo filesystems that are never walked.
const PSEUDO_FS: &[&str] = &["/proc", "/sys", "/dev", "/run"];

/// Something the walk found.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Found {
    /// A directory holding `pyvenv.cfg`.
    Venv(PathBuf),
    /// A directory holding `conda-meta/`.
    Conda(PathBuf),
    /// A native executable with an interpreter's name, as found (not resolved).
    Interpreter(PathBuf),
    /// A directory that is an installation prefix (holds `lib/pythonX.Y/os.py`).
    Prefix(PathBuf),
}

/// What a walk produced.
#[derive(Debug, Default)]
pub struct WalkOutput {
    /// Environments and interpreters found.
    pub found: Vec<Found>,
    /// Directories that could not be listed, or were too deep.
    pub warnings: Vec<Warning>,
}

impl WalkOutput {
    fn merge(mut self, other: WalkOutput) -> WalkOutput {
        self.found.extend(other.found);
        self.warnings.extend(other.warnings);
        self
    }
}

/// Walk `root` (in parallel) to at most `max_depth` levels.
pub fn walk(root: &Path, max_depth: usize) -> WalkOutput {
    walk_dir(root, 0, max_depth)
}

fn walk_dir(dir: &Path, depth: usize, max_depth: usize) -> WalkOutput {
    let mut out = WalkOutput::default();
    if PSEUDO_FS.iter().any(|p| dir == Path::new(p)) {
        return out;
    }
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            // A root that does not exist is not worth a warning; anything
            // unreadable is (a scan as an unprivileged user must say so).
            if e.kind() != std::io::ErrorKind::NotFound || depth > 0 {
                out.warnings
                    .push(Warning::new(dir, format!("cannot list directory: {e}")));
            }
            return out;
        }
    };
    let mut children = Vec::new();
    let mut has_pyvenv = false;
    let mut has_conda_meta = false;
    let is_bin = matches!(
        dir.file_name().and_then(OsStr::to_str),
        Some("bin" | "Scripts")
    );
    let is_lib = matches!(
        dir.file_name().and_then(OsStr::to_str),
        Some("lib" | "lib64" | "Lib")
    );
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Ok(ft) = entry.file_type() else { continue };
        if ft.is_dir() {
            let n = name.to_str();
            if n == Some("conda-meta") {
                has_conda_meta = true;
            }
            if n.is_some_and(|n| SKIP_NAMES.contains(&n)) {
                continue;
            }
            // lib/pythonX.Y is a standard library, never an environment home.
            if is_lib && n.is_some_and(|n| n.starts_with("python")) {
                continue;
            }
            children.push(entry.path());
        } else if name == "pyvenv.cfg" {
            has_pyvenv = true;
        } else if is_bin && name.to_str().is_some_and(interpreter::is_interpreter_name) {
            let path = entry.path();
            if interpreter::is_native_executable(&path) {
                out.found.push(Found::Interpreter(path));
            }
        }
    }
    if has_pyvenv {
        // An environment root: prune. Its interpreters belong to it.
        out.found.retain(|f| !matches!(f, Found::Interpreter(_)));
        out.found.push(Found::Venv(dir.to_path_buf()));
        return out;
    }
    if has_conda_meta {
        out.found.push(Found::Conda(dir.to_path_buf()));
        children.retain(|c| c.file_name() == Some(OsStr::new("envs")));
    }
    if depth >= max_depth {
        if !children.is_empty() {
            out.warnings.push(Warning::new(
                dir,
                format!("not descended: deeper than {max_depth} levels below the walk root"),
            ));
        }
        return out;
    }
    children.sort();
    let sub = children
        .par_iter()
        .map(|c| walk_dir(c, depth + 1, max_depth))
        .reduce(WalkOutput::default, WalkOutput::merge);
    out.merge(sub)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn finds_venvs_prunes_and_survives_loops() {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        fs::create_dir_all(r.join("proj/.venv/lib/python3.11/site-packages/inner")).unwrap();
        fs::write(r.join("proj/.venv/pyvenv.cfg"), "home = /nowhere\n").unwrap();
        // a venv below another venv's root is not looked for
        fs::create_dir_all(r.join("proj/.venv/nested")).unwrap();
        fs::write(r.join("proj/.venv/nested/pyvenv.cfg"), "").unwrap();
        fs::create_dir_all(r.join("a/node_modules/x")).unwrap();
        fs::write(r.join("a/node_modules/x/pyvenv.cfg"), "").unwrap();
        std::os::unix::fs::symlink(r, r.join("a/loop")).unwrap();
        std::os::unix::fs::symlink("/", r.join("a/root")).unwrap();
        fs::create_dir_all(r.join("conda/envs/e1/conda-meta")).unwrap();
        fs::create_dir_all(r.join("conda/conda-meta")).unwrap();
        let mut deep = r.join("deep");
        for _ in 0..60 {
            deep = deep.join("d");
        }
        fs::create_dir_all(&deep).unwrap();
        let mut out = walk(r, MAX_DEPTH);
        out.found.sort();
        assert_eq!(
            out.found,
            vec![
                Found::Venv(r.join("proj/.venv")),
                Found::Conda(r.join("conda")),
                Found::Conda(r.join("conda/envs/e1")),
            ]
            .into_iter()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect::<Vec<_>>()
        );
        assert!(out
            .warnings
            .iter()
            .any(|w| w.message.contains("deeper than")));
    }
}
