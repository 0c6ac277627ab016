//! The quarantine store: where purged files are kept until restored, under
//! fetter's data directory.
//!
//! ```text
//! <data>/quarantine/<id>/manifest.json
//! <data>/quarantine/<id>/files/<n>
//! <data>/locks/<hash of environment root>.lock
//! ```

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::manifest::{Manifest, ManifestError, State};

/// Why the quarantine store refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum QuarantineError {
    /// The data directory is not absolute.
    #[error(
        "the data directory for the quarantine would be {} (not absolute): \
         set {DATA_DIR_ENV} (or XDG_DATA_HOME or HOME) to an absolute path",
        .0.display()
    )]
    RelativeDataDir(PathBuf),
    /// Not a quarantine id (empty, a path, hidden).
    #[error("{0:?} is not a quarantine id")]
    BadId(String),
    /// No quarantine of that id.
    #[error("no quarantine {id} in {}; `fetter quarantine list` shows them", root.display())]
    NoSuch {
        /// The id asked for.
        id: String,
        /// `<data>/quarantine`.
        root: PathBuf,
    },
    /// No quarantine waits to be restored.
    #[error("nothing to restore: no quarantine in {} is waiting", .0.display())]
    NothingWaiting(PathBuf),
    /// A quarantine directory or manifest cannot be examined.
    #[error("{}: {error}", path.display())]
    Stat {
        /// The directory or manifest.
        path: PathBuf,
        /// Why (match its kind).
        error: io::Error,
    },
    /// A quarantine directory or manifest is a symlink.
    #[error("{} is a symlink; refusing to trust it", .0.display())]
    Symlink(PathBuf),
    /// A quarantine directory or manifest someone else could have written.
    #[error(
        "{} is owned by uid {uid} with mode {mode:o}; a quarantine must belong to the user \
         running fetter (uid {me}) and not be writable by others",
        path.display()
    )]
    NotPrivate {
        /// The directory or manifest.
        path: PathBuf,
        /// Its owner.
        uid: u32,
        /// Its permission bits.
        mode: u32,
        /// The running user.
        me: u32,
    },
    /// The manifest cannot be loaded.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// Dropping a quarantine of a half-done operation, without `force`.
    #[error(
        "quarantine {id} is {}: dropping it would lose the files it holds of a half-done \
         operation; run `fetter restore {id}` first, or pass --force",
        state.as_str()
    )]
    HalfDone {
        /// The quarantine id.
        id: String,
        /// Its state (moving or restoring).
        state: State,
    },
    /// The quarantine root cannot be listed.
    #[error("cannot list {}: {error}", path.display())]
    List {
        /// `<data>/quarantine`.
        path: PathBuf,
        /// Why (match its kind).
        error: io::Error,
    },
    /// The quarantine's path is not a directory.
    #[error("{} is not a directory; not touching it", .0.display())]
    NotADirectory(PathBuf),
    /// The quarantine could not be deleted.
    #[error("cannot delete {}: {error}", path.display())]
    Delete {
        /// The quarantine directory.
        path: PathBuf,
        /// Why (match its kind).
        error: io::Error,
    },
}

/// Environment variable overriding the data directory (tests, CI, or an
/// organisation that keeps quarantines on a dedicated volume).
pub const DATA_DIR_ENV: &str = "FETTER_DATA_DIR";

/// fetter's data directory ([`crate::paths::data_dir`]), which must be
/// absolute: a quarantine relative to wherever fetter happened to run
/// could not be found again by `fetter restore`.
pub fn data_dir() -> Result<PathBuf, QuarantineError> {
    let dir = crate::paths::data_dir();
    if dir.is_absolute() {
        Ok(dir)
    } else {
        Err(QuarantineError::RelativeDataDir(dir))
    }
}

/// The quarantine store under a data directory.
#[derive(Debug, Clone)]
pub struct Store {
    /// The data directory.
    pub data_dir: PathBuf,
}

impl Store {
    /// The store under `data_dir`.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Store {
            data_dir: data_dir.into(),
        }
    }

    /// `<data>/quarantine`.
    pub fn quarantine_root(&self) -> PathBuf {
        self.data_dir.join("quarantine")
    }

    /// `<data>/locks`.
    pub fn locks_dir(&self) -> PathBuf {
        self.data_dir.join("locks")
    }

    /// The directory of quarantine `id`.
    pub fn dir_of(&self, id: &str) -> PathBuf {
        self.quarantine_root().join(id)
    }

    /// Create a fresh, private (0700) quarantine directory with its `files/`.
    pub fn create(&self, id: &str) -> io::Result<PathBuf> {
        use std::os::unix::fs::DirBuilderExt;
        let mut b = fs::DirBuilder::new();
        b.recursive(true).mode(0o700);
        b.create(self.quarantine_root())?;
        let dir = self.dir_of(id);
        fs::DirBuilder::new().mode(0o700).create(&dir)?;
        fs::DirBuilder::new()
            .mode(0o700)
            .create(dir.join("files"))?;
        Ok(dir)
    }

    /// Every quarantine, oldest first; unreadable ones as errors naming
    /// their directory.
    pub fn list(&self) -> (Vec<Manifest>, Vec<QuarantineError>) {
        let mut ok = Vec::new();
        let mut bad = Vec::new();
        let rd = match fs::read_dir(self.quarantine_root()) {
            Ok(rd) => rd,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return (ok, bad),
            Err(error) => {
                bad.push(QuarantineError::List {
                    path: self.quarantine_root(),
                    error,
                });
                return (ok, bad);
            }
        };
        let mut dirs: Vec<PathBuf> = rd
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .map(|e| e.path())
            .collect();
        dirs.sort();
        for d in dirs {
            // A purge killed before its manifest landed moved nothing: its
            // directory holds no manifest and an empty `files/`.
            let unborn = !d.join(super::manifest::MANIFEST_FILE).exists()
                && fs::read_dir(d.join("files")).map_or(true, |mut rd| rd.next().is_none());
            if unborn {
                continue;
            }
            match Manifest::load(&d) {
                Ok(m) => ok.push(m),
                Err(e) => bad.push(e.into()),
            }
        }
        (ok, bad)
    }

    /// Resolve `id` (or, when `None`, the newest quarantine not yet
    /// restored) to its directory and manifest.
    pub fn find(&self, id: Option<&str>) -> Result<(PathBuf, Manifest), QuarantineError> {
        match id {
            Some(id) => {
                if id.is_empty() || id.contains('/') || id.starts_with('.') {
                    return Err(QuarantineError::BadId(id.to_string()));
                }
                let dir = self.dir_of(id);
                if !dir.is_dir() {
                    return Err(QuarantineError::NoSuch {
                        id: id.to_string(),
                        root: self.quarantine_root(),
                    });
                }
                check_private(&dir)?;
                check_private(&dir.join(super::manifest::MANIFEST_FILE))?;
                Ok((dir.clone(), Manifest::load(&dir)?))
            }
            None => {
                let (all, _) = self.list();
                let m = all
                    .into_iter()
                    .rev()
                    .find(|m| m.state != State::Restored)
                    .ok_or_else(|| QuarantineError::NothingWaiting(self.quarantine_root()))?;
                let dir = self.dir_of(&m.id);
                check_private(&dir)?;
                check_private(&dir.join(super::manifest::MANIFEST_FILE))?;
                Ok((dir, m))
            }
        }
    }
}

impl Store {
    /// Delete quarantine `id` and the files it keeps, for good. Refused
    /// for an interrupted purge (restore or resume it first) unless `force`.
    pub fn drop_quarantine(&self, id: &str, force: bool) -> Result<Manifest, QuarantineError> {
        let (dir, m) = self.find(Some(id))?;
        if matches!(m.state, State::Moving | State::Restoring) && !force {
            return Err(QuarantineError::HalfDone {
                id: id.to_string(),
                state: m.state,
            });
        }
        // Never follow a link out of the store.
        let meta = match fs::symlink_metadata(&dir) {
            Ok(meta) => meta,
            Err(error) => return Err(QuarantineError::Stat { path: dir, error }),
        };
        if !meta.is_dir() {
            return Err(QuarantineError::NotADirectory(dir));
        }
        if let Err(error) = fs::remove_dir_all(&dir) {
            return Err(QuarantineError::Delete { path: dir, error });
        }
        Ok(m)
    }
}

/// A manifest tells restore where to write, so it is trusted only when
/// the running user owns it and nobody else can write to it (as ssh
/// treats its keys): root pointed at another user's data directory must
/// not write wherever that user's manifest says.
fn check_private(path: &Path) -> Result<(), QuarantineError> {
    use std::os::unix::fs::MetadataExt;
    let m = fs::symlink_metadata(path).map_err(|error| QuarantineError::Stat {
        path: path.to_owned(),
        error,
    })?;
    // SAFETY: geteuid has no preconditions.
    let me = unsafe { libc::geteuid() };
    if m.file_type().is_symlink() {
        return Err(QuarantineError::Symlink(path.to_owned()));
    }
    if m.uid() != me || m.mode() & 0o022 != 0 {
        return Err(QuarantineError::NotPrivate {
            path: path.to_owned(),
            uid: m.uid(),
            mode: m.mode() & 0o7777,
            me,
        });
    }
    Ok(())
}

/// The absolute path where entry `stored` of quarantine `dir` is kept.
pub fn stored_path(dir: &Path, stored: &Path) -> PathBuf {
    dir.join(stored)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::purge::manifest::{new_id, now_rfc3339, MANIFEST_SCHEMA};
    use std::os::unix::fs::PermissionsExt;

    fn manifest(id: &str, state: State) -> Manifest {
        Manifest {
            schema: MANIFEST_SCHEMA.into(),
            id: id.into(),
            created: now_rfc3339(),
            state,
            environments: vec![],
            distributions: vec![],
            entries: vec![],
            dirs: vec![],
        }
    }

    #[test]
    fn finds_newest_waiting_and_distrusts_shared_manifests() {
        let d = tempfile::tempdir().unwrap();
        let store = Store::new(d.path());
        let e = store.find(None).unwrap_err();
        assert!(matches!(e, QuarantineError::NothingWaiting(_)), "{e}");
        assert!(e.to_string().contains("nothing to restore"), "{e}");
        for (id, state) in [
            ("20260101T000000Z-a", State::Complete),
            ("20260102T000000Z-b", State::Restored),
        ] {
            let dir = store.create(id).unwrap();
            manifest(id, state).save(&dir).unwrap();
        }
        // A purge killed before its manifest: skipped, not an error.
        store.create(&new_id()).unwrap();
        let (list, bad) = store.list();
        assert_eq!((list.len(), bad.len()), (2, 0));
        assert_eq!(store.find(None).unwrap().1.id, "20260101T000000Z-a");
        assert!(matches!(
            store.find(Some("../x")),
            Err(QuarantineError::BadId(_))
        ));
        assert!(matches!(
            store.find(Some("20990101T000000Z-z")),
            Err(QuarantineError::NoSuch { .. })
        ));
        let dir = store.dir_of("20260101T000000Z-a");
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o777)).unwrap();
        let e = store.find(None).unwrap_err();
        assert!(matches!(e, QuarantineError::NotPrivate { .. }), "{e}");
        assert!(e.to_string().contains("not be writable by others"), "{e}");
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).unwrap();
        assert!(store.drop_quarantine("20260101T000000Z-a", false).is_ok());
        assert!(!dir.exists());
        let dir = store.create("20260103T000000Z-c").unwrap();
        manifest("20260103T000000Z-c", State::Moving)
            .save(&dir)
            .unwrap();
        let e = store
            .drop_quarantine("20260103T000000Z-c", false)
            .unwrap_err();
        assert!(
            matches!(
                e,
                QuarantineError::HalfDone {
                    state: State::Moving,
                    ..
                }
            ),
            "{e}"
        );
        assert!(e.to_string().contains("restore"), "{e}");
        assert!(store.drop_quarantine("20260103T000000Z-c", true).is_ok());
    }
}
