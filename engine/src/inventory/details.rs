//! What a distribution declares beyond its name and version: its
//! requirements (`Requires-Dist`, or an `.egg-info`'s `requires.txt`),
//! extras and licence fields. Read on demand (the dependency graph,
//! SBOMs), never during a plain scan: it means reading the whole header
//! block, where a scan stops after `Name` and `Version`.

use std::path::{Path, PathBuf};

use super::{Distribution, MetadataKind};
use crate::fsutil::{self, METADATA_CAP};

/// Declared requirements, extras and licence of one distribution.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Details {
    /// `Requires-Dist` values as written (PEP 508, markers included).
    pub requires_dist: Vec<String>,
    /// `Provides-Extra` values.
    pub provides_extra: Vec<String>,
    /// `License-Expression` (PEP 639): an SPDX expression.
    pub license_expression: Option<String>,
    /// The first line of `License` (free text, often a whole licence).
    pub license: Option<String>,
    /// `Classifier: License :: …` values.
    pub license_classifiers: Vec<String>,
}

/// Why a distribution's details could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DetailsError {
    /// The metadata file (or `requires.txt`) could not be read.
    #[error("{}: {error}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why (its [`fsutil::ReadError::io_kind`] tells a missing file).
        error: fsutil::ReadError,
    },
}

/// Read the details of `dist` (METADATA or PKG-INFO, plus `requires.txt`
/// for an `.egg-info` directory).
pub fn read(dist: &Distribution) -> Result<Details, DetailsError> {
    let meta = match dist.metadata_kind {
        MetadataKind::DistInfo => dist.metadata_path.join("METADATA"),
        MetadataKind::EggInfo => dist.metadata_path.join("PKG-INFO"),
        MetadataKind::EggInfoFile => dist.metadata_path.clone(),
    };
    let bytes = fsutil::read_prefix(&meta, METADATA_CAP).map_err(|error| DetailsError::Read {
        path: meta.clone(),
        error,
    })?;
    let mut details = parse(&String::from_utf8_lossy(&bytes));
    if dist.metadata_kind == MetadataKind::EggInfo && details.requires_dist.is_empty() {
        details.requires_dist = egg_requires(&dist.metadata_path.join("requires.txt"))?;
    }
    Ok(details)
}

/// Parse the header block of core metadata.
pub fn parse(text: &str) -> Details {
    let mut d = Details::default();
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            break; // the body: the long description
        }
        if line.starts_with([' ', '\t']) {
            continue; // a continuation line (License's later lines)
        }
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match key.to_ascii_lowercase().as_str() {
            "requires-dist" if !value.is_empty() => d.requires_dist.push(value.to_string()),
            "provides-extra" if !value.is_empty() => d.provides_extra.push(value.to_string()),
            "license-expression" if !value.is_empty() => {
                d.license_expression
                    .get_or_insert_with(|| value.to_string());
            }
            "license" if !value.is_empty() && !value.eq_ignore_ascii_case("UNKNOWN") => {
                d.license.get_or_insert_with(|| value.to_string());
            }
            "classifier" if value.starts_with("License ::") => {
                d.license_classifiers.push(value.to_string())
            }
            _ => {}
        }
    }
    d
}

/// `requires.txt` of an `.egg-info` as PEP 508 strings, as
/// `importlib.metadata` converts it: `[extra]`, `[:marker]` and
/// `[extra:marker]` sections become markers.
fn egg_requires(path: &Path) -> Result<Vec<String>, DetailsError> {
    let bytes = match fsutil::read_capped(path, METADATA_CAP) {
        Ok(b) => b,
        Err(e) if e.is_not_found() => return Ok(Vec::new()),
        Err(error) => {
            return Err(DetailsError::Read {
                path: path.to_owned(),
                error,
            })
        }
    };
    Ok(parse_egg_requires(&String::from_utf8_lossy(&bytes)))
}

fn parse_egg_requires(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut section_marker: Option<String> = None;
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(section) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let (extra, marker) = section.split_once(':').unwrap_or((section, ""));
            let mut parts = Vec::new();
            if !extra.trim().is_empty() {
                parts.push(format!("extra == \"{}\"", extra.trim()));
            }
            if !marker.trim().is_empty() {
                parts.push(format!("({})", marker.trim()));
            }
            section_marker = (!parts.is_empty()).then(|| parts.join(" and "));
            continue;
        }
        out.push(match &section_marker {
            Some(m) => format!("{line} ; {m}"),
            None => line.to_string(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_requirements_extras_and_licence_from_headers_only() {
        let d = parse(
            "Metadata-Version: 2.4\nName: x\nVersion: 1\nLicense-Expression: MIT OR Apache-2.0\n\
             License: The MIT License\n        more text\nClassifier: License :: OSI Approved :: MIT License\n\
             Classifier: Programming Language :: Python\nRequires-Dist: idna>=2\n\
             Requires-Dist: pysocks; extra == \"socks\"\nProvides-Extra: socks\n\nRequires-Dist: body\n",
        );
        assert_eq!(d.requires_dist, ["idna>=2", "pysocks; extra == \"socks\""]);
        assert_eq!(d.provides_extra, ["socks"]);
        assert_eq!(d.license_expression.as_deref(), Some("MIT OR Apache-2.0"));
        assert_eq!(d.license.as_deref(), Some("The MIT License"));
        assert_eq!(
            d.license_classifiers,
            ["License :: OSI Approved :: MIT License"]
        );
    }

    #[test]
    fn egg_requires_sections_become_markers() {
        let r = parse_egg_requires("six\n\n[socks]\npysocks\n\n[:python_version < \"3.8\"]\nzipp\n[tls:sys_platform == \"win32\"]\nwincert\n");
        assert_eq!(
            r,
            [
                "six",
                "pysocks ; extra == \"socks\"",
                "zipp ; (python_version < \"3.8\")",
                "wincert ; extra == \"tls\" and (sys_platform == \"win32\")",
            ]
        );
    }
}
