//! What each installed distribution unpacked: its files as its installer
//! recorded them (`RECORD` for a `.dist-info`, `installed-files.txt` for a
//! legacy `.egg-info` directory).
//!
//! RECORD is parsed as CSV by [`crate::inventory::record`], so quoted paths
//! holding commas are one file, not two.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::fsutil;
use crate::inventory::record::{self, lexical_normalize};
use crate::inventory::{Distribution, MetadataKind};

/// The files of one distribution, or why they are not known.
#[derive(Debug, Clone, Serialize)]
pub struct Unpacked {
    /// The name as the metadata spells it.
    pub name: String,
    /// The PEP 503 normalized name.
    pub normalized_name: String,
    /// The installed version.
    pub version: String,
    /// The site holding the metadata.
    #[serde(with = "crate::pathjson")]
    pub site: PathBuf,
    /// The metadata directory or file.
    #[serde(with = "crate::pathjson")]
    pub metadata_path: PathBuf,
    /// Number of files listed (`None` when no list could be read).
    pub count: Option<usize>,
    /// Each listed file as written, and resolved against the site.
    pub files: Vec<UnpackedFile>,
    /// Why the list is missing, when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One file a distribution installed.
#[derive(Debug, Clone, Serialize)]
pub struct UnpackedFile {
    /// The path as the list writes it (relative to the site, or absolute).
    pub recorded: String,
    /// The path it names (lexically resolved; the file may be gone).
    #[serde(with = "crate::pathjson")]
    pub path: PathBuf,
}

/// Read the file list of `dist`.
pub fn unpack(dist: &Distribution) -> Unpacked {
    let (files, error) = match list_files(dist) {
        Ok(f) => (f, None),
        Err(e) => (Vec::new(), Some(e.to_string())),
    };
    Unpacked {
        name: dist.name.clone(),
        normalized_name: dist.normalized_name.to_string(),
        version: dist.version.clone(),
        site: dist.site.clone(),
        metadata_path: dist.metadata_path.clone(),
        count: error.is_none().then_some(files.len()),
        files,
        error,
    }
}

/// Why a distribution's file list cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    /// Its RECORD cannot be read or parsed.
    #[error(transparent)]
    Record(#[from] record::ReadRecordError),
    /// Its `installed-files.txt` cannot be read.
    #[error("{}: {error}", .path.display())]
    InstalledFiles {
        /// The list file.
        path: PathBuf,
        /// Why.
        error: fsutil::ReadError,
    },
    /// A single-file `.egg-info` has no list.
    #[error("a single-file .egg-info lists no installed files")]
    SingleFileEggInfo,
}

/// The recorded files of `dist`, resolved against its site.
pub fn list_files(dist: &Distribution) -> Result<Vec<UnpackedFile>, ListError> {
    match dist.metadata_kind {
        MetadataKind::DistInfo => Ok(record::read_record(&dist.metadata_path)?
            .into_iter()
            .map(|e| UnpackedFile {
                path: e.resolve(&dist.site),
                recorded: e.path,
            })
            .collect()),
        MetadataKind::EggInfo => egg_installed_files(&dist.metadata_path),
        MetadataKind::EggInfoFile => Err(ListError::SingleFileEggInfo),
    }
}

/// `installed-files.txt` of an `.egg-info` directory: one path per line,
/// relative to the `.egg-info` directory itself.
fn egg_installed_files(egg_info: &Path) -> Result<Vec<UnpackedFile>, ListError> {
    let path = egg_info.join("installed-files.txt");
    let bytes = match fsutil::read_capped(&path, fsutil::RECORD_CAP) {
        Ok(b) => b,
        Err(error) => return Err(ListError::InstalledFiles { path, error }),
    };
    let text = String::from_utf8_lossy(&bytes);
    Ok(text
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty())
        .map(|l| UnpackedFile {
            recorded: l.to_string(),
            path: lexical_normalize(&egg_info.join(l)),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn egg_info_paths_are_relative_to_the_egg_info() {
        let d = tempfile::tempdir().unwrap();
        let egg = d.path().join("x-1.egg-info");
        std::fs::create_dir(&egg).unwrap();
        std::fs::write(
            egg.join("installed-files.txt"),
            "../x/__init__.py\nPKG-INFO\n\n",
        )
        .unwrap();
        let files = egg_installed_files(&egg).unwrap();
        assert_eq!(files.len(), 2);
        assert_eq!(files[0].path, d.path().join("x/__init__.py"));
        assert_eq!(files[1].path, egg.join("PKG-INFO"));
    }
}
