//! The quarantine manifest: what a purge moved, from where, with which
//! mode, owner and hash — written durably *before* anything moves.
//!
//! The manifest is the recovery record after a crash, so it is never
//! half-written: it goes to a temporary file, is fsynced, renamed over the
//! old one, and the directory is fsynced. Per-entry progress is not
//! journalled: each entry is either at its original path or in the
//! quarantine (a rename is atomic; a cross-device copy lands under a
//! temporary name first), so the filesystem itself is the progress record
//! and cannot lag behind it.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::fsutil;

/// The schema tag of a manifest.
pub const MANIFEST_SCHEMA: &str = "fetter.quarantine/1";

/// The manifest's file name inside a quarantine directory.
pub const MANIFEST_FILE: &str = "manifest.json";

/// Largest manifest read back (a purge of ~200k files).
const MANIFEST_CAP: u64 = 256 * 1024 * 1024;

/// Where a quarantine stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    /// Files are being moved (or the purge was interrupted while they were):
    /// `fetter restore` or `fetter quarantine resume` finishes the job.
    Moving,
    /// Every file is in the quarantine.
    Complete,
    /// Files are being put back (or that was interrupted: run restore again).
    Restoring,
    /// Every file is back where it was.
    Restored,
}

impl State {
    /// The lowercase name used in tables.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Moving => "incomplete",
            State::Complete => "complete",
            State::Restoring => "restoring",
            State::Restored => "restored",
        }
    }
}

/// What kind of filesystem entry was quarantined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EntryKind {
    /// A regular file.
    File,
    /// A symbolic link (moved as a link, never followed).
    Symlink,
}

/// One quarantined file or symlink.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Where it was.
    pub original: PathBuf,
    /// Where it is kept, relative to the quarantine directory.
    pub stored: PathBuf,
    /// File or symlink.
    pub kind: EntryKind,
    /// Permission bits (`st_mode & 0o7777`).
    pub mode: u32,
    /// Owner user id.
    pub uid: u32,
    /// Owner group id.
    pub gid: u32,
    /// Modification time, seconds and nanoseconds since the epoch.
    pub mtime: (i64, i64),
    /// Size in bytes (the link text's length for a symlink).
    pub size: u64,
    /// Hex SHA-256 of the contents (files only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// The link's target as written (symlinks only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_target: Option<PathBuf>,
    /// Index of the owning distribution in [`Manifest::distributions`].
    pub distribution: usize,
}

/// A directory that a purge may remove once empty; recorded with its mode
/// so a restore recreates it as it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirEntry {
    /// The directory.
    pub path: PathBuf,
    /// Permission bits.
    pub mode: u32,
}

/// A distribution in a quarantine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuarantinedDistribution {
    /// Name as the metadata spells it.
    pub name: String,
    /// Version.
    pub version: String,
    /// The environment root its files stay inside.
    pub environment: PathBuf,
    /// Its site directory.
    pub site: PathBuf,
    /// Its `.dist-info` directory.
    pub metadata_path: PathBuf,
}

/// Everything one purge moved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always [`MANIFEST_SCHEMA`].
    pub schema: String,
    /// The quarantine id (sortable by creation time).
    pub id: String,
    /// Creation time, RFC 3339 UTC.
    pub created: String,
    /// Where it stands.
    pub state: State,
    /// The environment roots concerned, sorted (locked in this order).
    pub environments: Vec<PathBuf>,
    /// The distributions removed.
    pub distributions: Vec<QuarantinedDistribution>,
    /// Every file and symlink, in the order they are moved.
    pub entries: Vec<Entry>,
    /// Directories that may be removed once emptied, deepest first.
    pub dirs: Vec<DirEntry>,
}

/// Why a quarantine's manifest cannot be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// The file cannot be read ([`fsutil::ReadError::io_kind`] tells a missing one).
    #[error("cannot read {}: {error}", path.display())]
    Read {
        /// `manifest.json`.
        path: PathBuf,
        /// Why.
        error: fsutil::ReadError,
    },
    /// Not JSON of a manifest's shape.
    #[error("{} is not a valid manifest: {error}", path.display())]
    Invalid {
        /// `manifest.json`.
        path: PathBuf,
        /// What the parser said.
        error: serde_json::Error,
    },
    /// A manifest of another schema.
    #[error("{}: unknown schema {schema:?} (this fetter reads {MANIFEST_SCHEMA})", path.display())]
    Schema {
        /// `manifest.json`.
        path: PathBuf,
        /// The schema it names.
        schema: String,
    },
}

impl Manifest {
    /// Read the manifest in quarantine directory `dir`.
    pub fn load(dir: &Path) -> Result<Manifest, ManifestError> {
        let path = dir.join(MANIFEST_FILE);
        let bytes = match fsutil::read_capped(&path, MANIFEST_CAP) {
            Ok(b) => b,
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
        Ok(m)
    }

    /// Durably replace the manifest in `dir` (write-then-rename, fsync).
    pub fn save(&self, dir: &Path) -> io::Result<()> {
        let bytes = serde_json::to_vec_pretty(self).map_err(io::Error::other)?;
        write_atomic(&dir.join(MANIFEST_FILE), &bytes)
    }
}

/// Write `bytes` to `path` so that a crash leaves either the old file or the
/// new one, never a mix: temporary file, fsync, rename, fsync directory.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        path.file_name().unwrap_or_default().to_string_lossy(),
        std::process::id()
    ));
    let mut opts = OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    fs::rename(&tmp, path)?;
    sync_dir(dir)
}

/// fsync a directory, so renames and creations in it survive a power loss.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// A new quarantine id: UTC time then 8 hex digits of entropy, so ids sort
/// by creation time and two purges in one second do not collide.
pub fn new_id() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let c = crate::timefmt::civil(now.as_secs());
    let salt = {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(now.as_nanos().to_le_bytes());
        h.update(std::process::id().to_le_bytes());
        h.update(format!("{:p}", &now).as_bytes());
        crate::digest::hex(&h.finalize()[..4])
    };
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z-{salt}",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    )
}

/// The current time as RFC 3339 UTC (`2026-11-25T13:47:40Z`).
pub fn now_rfc3339() -> String {
    crate::timefmt::utc_now()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Manifest {
        Manifest {
            schema: MANIFEST_SCHEMA.into(),
            id: new_id(),
            created: now_rfc3339(),
            state: State::Moving,
            environments: vec!["/v".into()],
            distributions: vec![QuarantinedDistribution {
                name: "PyYAML".into(),
                version: "6.0".into(),
                environment: "/v".into(),
                site: "/v/lib/python3.11/site-packages".into(),
                metadata_path: "/v/lib/python3.11/site-packages/PyYAML-6.0.dist-info".into(),
            }],
            entries: vec![
                Entry {
                    original: "/v/lib/python3.11/site-packages/yaml/__init__.py".into(),
                    stored: "files/0".into(),
                    kind: EntryKind::File,
                    mode: 0o644,
                    uid: 1000,
                    gid: 1000,
                    mtime: (1_700_000_000, 5),
                    size: 12,
                    sha256: Some("ab".repeat(32)),
                    link_target: None,
                    distribution: 0,
                },
                Entry {
                    original: "/v/bin/yaml-tool".into(),
                    stored: "files/1".into(),
                    kind: EntryKind::Symlink,
                    mode: 0o777,
                    uid: 0,
                    gid: 0,
                    mtime: (0, 0),
                    size: 4,
                    sha256: None,
                    link_target: Some("../x".into()),
                    distribution: 0,
                },
            ],
            dirs: vec![DirEntry {
                path: "/v/lib/python3.11/site-packages/yaml".into(),
                mode: 0o755,
            }],
        }
    }

    #[test]
    fn round_trips_and_replaces_atomically() {
        let d = tempfile::tempdir().unwrap();
        let mut m = sample();
        m.save(d.path()).unwrap();
        assert_eq!(Manifest::load(d.path()).unwrap(), m);
        m.state = State::Complete;
        m.save(d.path()).unwrap();
        assert_eq!(Manifest::load(d.path()).unwrap().state, State::Complete);
        // No temporary file is left behind.
        let names: Vec<_> = fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from(MANIFEST_FILE)]);
    }

    #[test]
    fn rejects_garbage_and_unknown_schema() {
        let d = tempfile::tempdir().unwrap();
        fs::write(d.path().join(MANIFEST_FILE), "{\"schema\":").unwrap();
        let e = Manifest::load(d.path()).unwrap_err();
        assert!(matches!(e, ManifestError::Invalid { .. }), "{e}");
        assert!(e.to_string().contains("not a valid manifest"), "{e}");
        let mut m = sample();
        m.schema = "fetter.quarantine/99".into();
        m.save(d.path()).unwrap();
        let e = Manifest::load(d.path()).unwrap_err();
        assert!(
            matches!(&e, ManifestError::Schema { schema, .. } if schema == "fetter.quarantine/99"),
            "{e}"
        );
        assert!(e.to_string().contains("unknown schema"), "{e}");
    }

    #[test]
    fn a_missing_manifest_is_told_by_its_kind() {
        let d = tempfile::tempdir().unwrap();
        match Manifest::load(d.path()) {
            Err(ManifestError::Read { error, .. }) => assert!(error.is_not_found(), "{error}"),
            other => panic!("{other:?}"),
        }
    }
}
