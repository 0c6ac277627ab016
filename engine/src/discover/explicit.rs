//! Scope entries the user named (`--exe PATH`, `--root DIR`) that led to no
//! environment, and why.
//!
//! A named scope that resolves to nothing is almost always a typo or a
//! permission problem, and every check over it would pass vacuously: the
//! commands turn each [`Unresolved`] into an error (exit 1), never into an
//! empty report. The reason tells a missing path from an unreadable one,
//! because the fixes differ (correct the path, or run as a user who may
//! read it).

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// The option that named a scope entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeOption {
    /// `--exe PATH`: an interpreter, a virtual environment or a prefix.
    Exe,
    /// `--root DIR`: a tree to search.
    Root,
}

impl ScopeOption {
    /// The option as typed on the command line.
    pub fn flag(self) -> &'static str {
        match self {
            ScopeOption::Exe => "--exe",
            ScopeOption::Root => "--root",
        }
    }
}

/// Why a named scope entry gave no environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// Nothing exists at the path (or it is a link to nothing).
    NotFound,
    /// This user may not read `path` (the entry itself or what must be
    /// read inside it to recognise an environment).
    PermissionDenied {
        /// The path that could not be read.
        path: PathBuf,
    },
    /// `--root` names something that is not a directory.
    NotADirectory,
    /// `--exe` names something that is not an interpreter, a virtual
    /// environment or an installation prefix; `detail` says more when the
    /// resolution got further (a shim script, a stdlib that cannot be found).
    NotAnEnvironment {
        /// Why resolution stopped, when known.
        detail: Option<String>,
    },
    /// `--root`: no environment anywhere under the directory.
    NoEnvironmentUnder {
        /// Entries under it that could not be read (listed as warnings).
        unreadable: usize,
    },
    /// Another I/O error while looking at the path.
    Io(String),
}

/// A named scope entry that resolved to no environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unresolved {
    /// `--exe` or `--root`.
    pub option: ScopeOption,
    /// The path as given.
    pub path: PathBuf,
    /// Why.
    pub reason: Reason,
}

impl Unresolved {
    /// The option and path, as typed: `--exe /no/such`.
    pub fn source(&self) -> String {
        format!("{} {}", self.option.flag(), self.path.display())
    }

    /// What went wrong and what to do, without the option and path.
    pub fn explanation(&self) -> String {
        let what = match self.option {
            ScopeOption::Exe => {
                "name a Python interpreter, a virtual environment or an installation prefix"
            }
            ScopeOption::Root => "name a directory that holds Python environments",
        };
        match &self.reason {
            Reason::NotFound => format!("does not exist; {what}"),
            Reason::PermissionDenied { path } if path == &self.path => {
                "permission denied; run fetter as a user who may read it".to_string()
            }
            Reason::PermissionDenied { path } => format!(
                "permission denied reading {}; run fetter as a user who may read it",
                path.display()
            ),
            Reason::NotADirectory => {
                "not a directory; --root searches a tree (use --exe for an interpreter or one environment)"
                    .to_string()
            }
            Reason::NotAnEnvironment { detail: Some(d) } => {
                format!("not a Python environment fetter can scan: {d}")
            }
            Reason::NotAnEnvironment { detail: None } => {
                format!("not an interpreter, a virtual environment or an installation prefix; {what}")
            }
            Reason::NoEnvironmentUnder { unreadable: 0 } => {
                "no Python environment under this directory".to_string()
            }
            Reason::NoEnvironmentUnder { unreadable } => format!(
                "no Python environment found under this directory, and {unreadable} entr{} under it could not be read (see the warnings); run fetter as a user who may read them",
                if *unreadable == 1 { "y" } else { "ies" }
            ),
            Reason::Io(e) => format!("cannot be read: {e}"),
        }
    }
}

impl fmt::Display for Unresolved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.source(), self.explanation())
    }
}

/// Why `path` cannot be looked at, if it cannot: missing, unreadable, or
/// `None` when it (and, for a directory, its listing) is accessible.
pub fn access_problem(path: &Path) -> Option<Reason> {
    let from = |e: io::Error, at: &Path| match e.kind() {
        io::ErrorKind::NotFound => Reason::NotFound,
        io::ErrorKind::PermissionDenied => Reason::PermissionDenied {
            path: at.to_path_buf(),
        },
        _ => Reason::Io(e.to_string()),
    };
    // Follows links: a dangling link does not exist for our purposes.
    let meta = match fs::metadata(path) {
        Ok(m) => m,
        Err(e) => return Some(from(e, path)),
    };
    if meta.is_dir() {
        if let Err(e) = fs::read_dir(path) {
            return Some(from(e, path));
        }
        // Listable but not searchable (r-- without x): the marker files
        // that make it an environment cannot be looked at.
        let probe = path.join("pyvenv.cfg");
        if let Err(e) = fs::symlink_metadata(&probe) {
            if e.kind() == io::ErrorKind::PermissionDenied {
                return Some(from(e, path));
            }
        }
    } else if let Err(e) = fs::File::open(path) {
        if e.kind() == io::ErrorKind::PermissionDenied {
            return Some(from(e, path));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_and_plain_paths() {
        assert_eq!(
            access_problem(Path::new("/no/such/fetter/path")),
            Some(Reason::NotFound)
        );
        assert_eq!(access_problem(Path::new("/")), None);
        let u = Unresolved {
            option: ScopeOption::Exe,
            path: "/no/such".into(),
            reason: Reason::NotFound,
        };
        assert!(u
            .to_string()
            .starts_with("--exe /no/such: does not exist; "));
    }
}
