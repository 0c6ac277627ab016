//! Lock-file bounds: PEP 751 `pylock.toml`, `uv.lock`, `poetry.lock`.
//!
//! Each locked package becomes a requirement pinned to its version (or to
//! its VCS commit, archive URL or directory), applicable where its markers
//! hold. Packages reachable only through extras or groups that were not
//! selected are allowed but not required.

pub mod poetry;
pub mod pylock;
pub mod uv;

use std::path::Path;

use pep508_rs::MarkerTree;

use crate::bounds::spec::{BoundError, BoundRequirement, Origin};
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
    crate::bounds::spec::check_nesting(s).map_err(|m| BoundError::new(origin.clone(), m))?;
    crate::bounds::marker_guard::check_marker(s).map_err(|m| BoundError::new(origin.clone(), m))?;
    MarkerTree::parse_str::<pep508_rs::VerbatimUrl>(s).map_err(|e| {
        BoundError::new(
            origin.clone(),
            format!(
                "invalid marker {s:?}: {}",
                crate::bounds::spec::pep508_message(&e)
            ),
        )
    })
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
