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

use std::path::Path;
use std::str::FromStr;

use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::MarkerTree;

pub use crate::bounds::spec::BoundRequirement;
use crate::bounds::spec::{BoundError, Origin};
use crate::bounds::unnamed::file_url;
use crate::inventory::record::lexical_normalize;

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
            .map(|specifiers| RequiresPython { specifiers, origin: origin.clone() })
            .map_err(|e| {
                BoundError::new(
                    origin,
                    format!(
                        "invalid requires-python {:?}: {}; write PEP 440 specifiers such as \">=3.9\"",
                        crate::bounds::spec::shorten(text),
                        e.to_string().lines().next().unwrap_or_default()
                    ),
                )
            })
    }

    /// Whether the Python version `full` (`3.11.7`) is inside the range.
    /// `Err` when `full` is not a version.
    pub fn contains(&self, full: &str) -> Result<bool, String> {
        let v =
            Version::from_str(full).map_err(|e| format!("invalid Python version {full:?}: {e}"))?;
        Ok(self.specifiers.contains(&v))
    }
}

/// Build the requirement for a locked package.
pub fn requirement(
    name: &str,
    pin: &Pin,
    marker: MarkerTree,
    required: bool,
    origin: Origin,
) -> Result<BoundRequirement, BoundError> {
    let text = match pin {
        Pin::Version(v) => format!("{name}=={v}"),
        Pin::Url(u) => format!("{name} @ {u}"),
        Pin::Any => name.to_string(),
    };
    let mut r = BoundRequirement::parse(&text, origin)?;
    r.requirement.marker = marker;
    if let Some(m) = r.requirement.marker.contents() {
        r.text = format!("{text} ; {m}");
    }
    r.required = required;
    Ok(r)
}

/// Parse a marker string from a lock file.
pub fn marker(s: &str, origin: &Origin) -> Result<MarkerTree, BoundError> {
    fetter_packaging::pep508::parse_marker(s).map_err(|m| BoundError::new(origin.clone(), m))
}

/// A `file://` URL for a path written relative to the lock file.
pub fn path_url(base: &Path, path: &str) -> String {
    let p = base.join(path);
    file_url(&std::fs::canonicalize(&p).unwrap_or_else(|_| lexical_normalize(&p)))
}

/// A TOML document, or the error naming the file.
pub fn toml_doc(text: &str, source: &str) -> Result<toml::Table, Vec<BoundError>> {
    text.parse::<toml::Table>().map_err(|e| {
        vec![BoundError::new(
            Origin::file(source),
            format!("invalid TOML: {}", e.to_string().trim()),
        )]
    })
}

/// The string at `key` of a TOML table.
pub fn str_of<'a>(t: &'a toml::Value, key: &str) -> Option<&'a str> {
    t.get(key).and_then(|v| v.as_str())
}
