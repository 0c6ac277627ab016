//! The record of one installed hook, kept in fetter's data directory (not
//! in the site, so the hook adds nothing there beyond its two files): which
//! files it wrote with their hashes, and whether it created `__pycache__`.

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Schema tag of a hook manifest.
pub const MANIFEST_SCHEMA: &str = "fetter.site-hook/1";

/// What `site-install` wrote into one site.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// Always [`MANIFEST_SCHEMA`].
    pub schema: String,
    /// The site directory (canonical).
    pub site: PathBuf,
    /// The environment's prefix.
    pub prefix: PathBuf,
    /// Each file written, with the hex SHA-256 of what was written.
    pub files: Vec<WrittenFile>,
    /// True when the site had no `__pycache__` before: uninstall removes it
    /// again if only the hook's bytecode is in it.
    pub pycache_created: bool,
    /// Name of the verdict file in each user's cache directory.
    pub cache_key: String,
    /// The command the hook runs.
    pub argv: Vec<String>,
    /// Exit on violations.
    pub strict: bool,
}

/// One file the hook wrote.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct WrittenFile {
    /// Absolute path.
    pub path: PathBuf,
    /// Hex SHA-256 of the bytes written.
    pub sha256: String,
}

pub use crate::digest::sha256_hex;

/// Where the manifest of the hook in `site` lives.
pub fn manifest_path(site: &Path) -> PathBuf {
    let key = &sha256_hex(site.as_os_str().as_encoded_bytes())[..32];
    crate::paths::data_dir()
        .join("site-hooks")
        .join(format!("{key}.json"))
}

/// Why a hook's manifest cannot be read, written or removed. Each message
/// starts with the manifest's (or its directory's) path.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// The manifest cannot be read.
    #[error("{}: {error}", path.display())]
    Read {
        /// The manifest.
        path: PathBuf,
        /// Why.
        error: crate::fsutil::ReadError,
    },
    /// Not JSON of a manifest's shape.
    #[error("{}: {error}", path.display())]
    Invalid {
        /// The manifest.
        path: PathBuf,
        /// What the parser said.
        error: serde_json::Error,
    },
    /// A manifest of another schema.
    #[error("{}: unknown schema {schema:?} (expected {MANIFEST_SCHEMA})", path.display())]
    Schema {
        /// The manifest.
        path: PathBuf,
        /// The schema it names.
        schema: String,
    },
    /// Writing (or removing) failed: the manifest or its directory, and
    /// the I/O error (match its kind).
    #[error("{}: {error}", path.display())]
    Io {
        /// The manifest or its directory.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
}

/// Read the manifest of the hook in `site`; `Ok(None)` when there is none.
pub fn read(site: &Path) -> Result<Option<Manifest>, ManifestError> {
    let path = manifest_path(site);
    let bytes = match crate::fsutil::read_capped(&path, crate::fsutil::SMALL_FILE_CAP) {
        Ok(b) => b,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(error) => return Err(ManifestError::Read { path, error }),
    };
    let m: Manifest = match serde_json::from_slice(&bytes) {
        Ok(m) => m,
        Err(error) => return Err(ManifestError::Invalid { path, error }),
    };
    if m.schema != MANIFEST_SCHEMA {
        return Err(ManifestError::Schema {
            path,
            schema: m.schema,
        });
    }
    Ok(Some(m))
}

/// Write the manifest (write then rename: never half a manifest).
pub fn write(m: &Manifest) -> Result<PathBuf, ManifestError> {
    let path = manifest_path(&m.site);
    let dir = path.parent().expect("manifest path has a parent");
    fs::create_dir_all(dir).map_err(|error| ManifestError::Io {
        path: dir.to_owned(),
        error,
    })?;
    let tmp = path.with_extension("json.tmp");
    let text = serde_json::to_vec_pretty(m).expect("manifest serialises");
    if let Err(error) = fs::write(&tmp, text).and_then(|_| fs::rename(&tmp, &path)) {
        return Err(ManifestError::Io { path, error });
    }
    Ok(path)
}

/// Remove the manifest of the hook in `site` (absent is fine).
pub fn remove(site: &Path) -> Result<(), ManifestError> {
    let path = manifest_path(site);
    match fs::remove_file(&path) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
            Err(ManifestError::Io { path, error })
        }
        _ => Ok(()),
    }
}
