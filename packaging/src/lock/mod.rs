//! Lock-file bounds: PEP 751 `pylock.toml`, `uv.lock`, `poetry.lock`.
//!
//! Each locked package becomes a requirement pinned to its version (or to
//! its VCS commit, archive URL or directory), applicable where its markers
//! hold. Packages reachable only through extras or groups that were not
//! selected are allowed but not required.

pub mod poetry;
pub mod pylock;
pub mod uv;
mod uv_walk;

use std::path::{Path, PathBuf};
use std::str::FromStr;

use pep440_rs::{Version, VersionSpecifier, VersionSpecifiers};
use pep508_rs::{MarkerTree, Requirement, VersionOrUrl};

pub use crate::bound::BoundRequirement;
use crate::bound::{BoundError, Origin};
use crate::pep508::shorten;
use crate::urls::file_url;

/// What is wrong with a locked package's name, version or markers, or
/// with a lock's `requires-python` (messages name the value, shortened).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LockError {
    /// `requires-python` is not PEP 440 specifiers.
    #[error(
        "invalid requires-python {value:?}: {why}; write PEP 440 specifiers such as \">=3.9\""
    )]
    RequiresPython {
        /// The value as written, shortened.
        value: String,
        /// The first line of the parser's message.
        why: String,
    },
    /// An invalid project name.
    #[error("invalid package name {0:?}")]
    Name(String),
    /// An invalid version.
    #[error("invalid version {value:?} of {name}: {why}")]
    Version {
        /// The version as written, shortened.
        value: String,
        /// The package.
        name: String,
        /// The first line of the parser's message.
        why: String,
    },
    /// An invalid marker.
    #[error("{0}")]
    Marker(crate::pep508::Pep508Error),
    /// Not TOML, or not the shape the format has.
    #[error("invalid {format}: {why}")]
    Toml {
        /// `uv.lock`, `pylock.toml`, `poetry.lock`.
        format: &'static str,
        /// The TOML parser's message.
        why: String,
    },
}

impl LockError {
    /// This error at `origin`.
    pub fn at(self, origin: Origin) -> BoundError {
        BoundError::new(origin, self.to_string())
    }

    /// A TOML or shape error of the lock named `source`, in the shape every
    /// lock reader returns.
    fn toml(format: &'static str, e: &toml::de::Error, source: &str) -> Vec<BoundError> {
        vec![LockError::Toml {
            format,
            why: e.to_string().trim().to_string(),
        }
        .at(Origin::file(source))]
    }
}

/// Where a locked package comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pin {
    /// A version from an index.
    Version(String),
    /// A direct reference, as a PEP 508 URL (`git+https://…@commit`, `file:///…`).
    Url(String),
    /// Any version (a local project, a package without version).
    Any,
}

/// What a lock file bounds: its packages, and the Python versions it was
/// locked for.
#[derive(Debug, Clone, Default)]
pub struct LockBound {
    /// One requirement per locked package (and marker region).
    pub requirements: Vec<BoundRequirement>,
    /// The lock's `requires-python`, when it has one.
    pub requires_python: Option<RequiresPython>,
    /// Where two entries of one name would both be selected.
    pub ambiguities: Vec<Ambiguity>,
}

/// Environments a lock cannot be installed into because two entries of one
/// name are both selected there (PEP 751: an installer MUST refuse).
#[derive(Debug, Clone)]
pub struct Ambiguity {
    /// Where both entries apply.
    pub marker: MarkerTree,
    /// What is wrong, naming the lock and both entries.
    pub message: String,
}

/// A lock's `requires-python`: an environment whose Python is outside it
/// is one the lock cannot describe (`uv sync` refuses it; PEP 751 installers
/// must).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequiresPython {
    /// The parsed specifiers.
    pub specifiers: VersionSpecifiers,
    /// The lock file it was read from.
    pub origin: Origin,
}

impl RequiresPython {
    /// The lock's top-level `requires-python`, if it has one, read from the
    /// file `source` (errors in the shape every lock reader returns).
    pub fn of_lock(text: Option<&str>, source: &str) -> Result<Option<Self>, Vec<BoundError>> {
        text.map(|r| Self::parse(r, Origin::file(format!("{source} requires-python"))))
            .transpose()
            .map_err(|e| vec![e])
    }

    /// Parse the `requires-python` value of the lock at `origin`; an invalid
    /// value is an error naming the key (not a bound that allows anything).
    pub fn parse(text: &str, origin: Origin) -> Result<Self, BoundError> {
        VersionSpecifiers::from_str(text)
            .map(|specifiers| RequiresPython {
                specifiers,
                origin: origin.clone(),
            })
            .map_err(|e| {
                LockError::RequiresPython {
                    value: shorten(text),
                    why: e.to_string().lines().next().unwrap_or_default().to_string(),
                }
                .at(origin)
            })
    }

    /// Whether the Python version `full` (`3.11.7`) is inside the range.
    /// `Err` when `full` is not a version.
    pub fn contains(&self, full: &str) -> Result<bool, InvalidPythonVersion> {
        let v = Version::from_str(full).map_err(|e| InvalidPythonVersion {
            version: full.to_string(),
            why: e.to_string(),
        })?;
        Ok(self.specifiers.contains(&v))
    }
}

/// An environment's Python version that a lock's `requires-python`
/// cannot be compared with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid Python version {version:?}: {why}")]
pub struct InvalidPythonVersion {
    /// The version as the scan found it.
    pub version: String,
    /// pep440_rs's reason.
    pub why: String,
}

/// Build the requirement for a locked package. A version pin is built
/// from the parsed name and version, not by parsing `"{name}=={version}"`:
/// text in a lock's `version` (`1.0,>=0`, `1 ; os_name == 'x'`) cannot
/// widen the pin or add a marker, it is an invalid version.
pub fn requirement(
    name: &str,
    pin: &Pin,
    marker: MarkerTree,
    required: bool,
    origin: Origin,
) -> Result<BoundRequirement, BoundError> {
    let mut r = match pin {
        Pin::Version(v) => pinned(name, Some(v), &origin)?,
        Pin::Any => pinned(name, None, &origin)?,
        Pin::Url(u) => BoundRequirement::parse(&format!("{name} @ {u}"), origin)?,
    };
    r.requirement.marker = marker;
    if let Some(m) = r.requirement.marker.contents() {
        r.text = format!("{} ; {m}", r.text);
    }
    r.required = required;
    Ok(r)
}

/// `name`, pinned to exactly `version` when there is one.
fn pinned(
    name: &str,
    version: Option<&str>,
    origin: &Origin,
) -> Result<BoundRequirement, BoundError> {
    let bad_name = || LockError::Name(shorten(name)).at(origin.clone());
    if !crate::names::is_valid(name) {
        return Err(bad_name());
    }
    let package = pep508_rs::PackageName::from_str(name).map_err(|_| bad_name())?;
    let (version_or_url, text) = match version {
        Some(v) => {
            let parsed = Version::from_str(v).map_err(|e| {
                LockError::Version {
                    value: shorten(v),
                    name: name.to_string(),
                    why: e.to_string().lines().next().unwrap_or_default().to_string(),
                }
                .at(origin.clone())
            })?;
            let spec = VersionSpecifiers::from(VersionSpecifier::equals_version(parsed));
            (
                Some(VersionOrUrl::VersionSpecifier(spec)),
                format!("{name}=={v}"),
            )
        }
        None => (None, name.to_string()),
    };
    let requirement = Requirement {
        name: package,
        extras: Vec::new(),
        version_or_url,
        marker: MarkerTree::TRUE,
        origin: None,
    };
    Ok(BoundRequirement::from_requirement(
        requirement,
        Vec::new(),
        &text,
        origin.clone(),
    ))
}

/// Parse a marker string from a lock file.
pub fn marker(s: &str, origin: &Origin) -> Result<MarkerTree, BoundError> {
    crate::pep508::parse_marker(s).map_err(|e| LockError::Marker(e).at(origin.clone()))
}

/// A `file://` URL for a path written relative to the lock file (its
/// canonical path when it exists, else the path with `.` and `..`
/// resolved lexically).
pub fn path_url(base: &Path, path: &str) -> String {
    let p = base.join(path);
    file_url(&std::fs::canonicalize(&p).unwrap_or_else(|_| lexical_normalize(&p)))
}

/// `path` with `.` dropped and `..` applied to what precedes it, without
/// following symlinks (the engine folds RECORD paths with it too).
pub fn lexical_normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version_satisfies(r: &BoundRequirement, v: &str) -> Result<(), ()> {
        match &r.requirement.version_or_url {
            Some(VersionOrUrl::VersionSpecifier(s)) if s.contains(&v.parse().unwrap()) => Ok(()),
            _ => Err(()),
        }
    }

    fn pin(name: &str, p: Pin) -> Result<BoundRequirement, BoundError> {
        requirement(name, &p, MarkerTree::TRUE, true, Origin::file("x.lock"))
    }

    #[test]
    fn a_version_pin_is_exactly_that_version() {
        let r = pin("Foo_Bar", Pin::Version("1.0".into())).unwrap();
        assert_eq!(
            (r.name.as_str(), r.text.as_str()),
            ("foo-bar", "Foo_Bar==1.0")
        );
        assert!(version_satisfies(&r, "1.0").is_ok());
        assert!(version_satisfies(&r, "2.0").is_err());
        let any = pin("foo", Pin::Any).unwrap();
        assert!(any.requirement.version_or_url.is_none());
    }

    #[test]
    fn text_in_a_version_cannot_widen_the_pin_or_add_a_marker() {
        for v in ["1.0,>=0", "1.0 ; os_name == 'x'", "1.0 || 2", ""] {
            let e = pin("foo", Pin::Version(v.into())).unwrap_err();
            assert!(e.to_string().contains("invalid version"), "{v:?}: {e}");
        }
        let e = pin("a b", Pin::Version("1".into())).unwrap_err();
        assert!(e.to_string().contains("invalid package name"), "{e}");
    }
}
