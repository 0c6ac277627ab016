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

use super::manifest::{Manifest, State};

/// Environment variable overriding the data directory (tests, CI, or an
/// organisation that keeps quarantines on a dedicated volume).
pub const DATA_DIR_ENV: &str = "FETTER_DATA_DIR";

/// fetter's data directory ([`crate::paths::data_dir`]), which must be
/// absolute: a quarantine relative to wherever fetter happened to run
/// could not be found again by `fetter restore`.
pub fn data_dir() -> Result<PathBuf, String> {
    let dir = crate::paths::data_dir();
    if dir.is_absolute() {
        Ok(dir)
    } else {
        Err(format!(
            "the data directory for the quarantine would be {} (not absolute): \
             set {DATA_DIR_ENV} (or XDG_DATA_HOME or HOME) to an absolute path",
            dir.display()
        ))
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
    pub fn list(&self) -> (Vec<Manifest>, Vec<String>) {
        let mut ok = Vec::new();
        let mut bad = Vec::new();
        let rd = match fs::read_dir(self.quarantine_root()) {
            Ok(rd) => rd,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return (ok, bad),
            Err(e) => {
                bad.push(format!(
                    "cannot list {}: {e}",
                    self.quarantine_root().display()
                ));
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
                Err(e) => bad.push(e),
            }
        }
        (ok, bad)
    }

    /// Resolve `id` (or, when `None`, the newest quarantine not yet
    /// restored) to its directory and manifest.
    pub fn find(&self, id: Option<&str>) -> Result<(PathBuf, Manifest), String> {
        match id {
            Some(id) => {
                if id.is_empty() || id.contains('/') || id.starts_with('.') {
                    return Err(format!("{id:?} is not a quarantine id"));
                }
                let dir = self.dir_of(id);
                if !dir.is_dir() {
                    return Err(format!(
                        "no quarantine {id} in {}; `fetter quarantine list` shows them",
                        self.quarantine_root().display()
                    ));
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
                    .ok_or_else(|| {
                        format!(
                            "nothing to restore: no quarantine in {} is waiting",
                            self.quarantine_root().display()
                        )
                    })?;
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
    pub fn drop_quarantine(&self, id: &str, force: bool) -> Result<Manifest, String> {
        let (dir, m) = self.find(Some(id))?;
        if matches!(m.state, State::Moving | State::Restoring) && !force {
            return Err(format!(
                "quarantine {id} is {}: dropping it would lose the files it holds of a half-done \
                 operation; run `fetter restore {id}` first, or pass --force",
                m.state.as_str()
            ));
        }
        // Never follow a link out of the store.
        let meta = fs::symlink_metadata(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        if !meta.is_dir() {
            return Err(format!(
                "{} is not a directory; not touching it",
                dir.display()
            ));
        }
        fs::remove_dir_all(&dir).map_err(|e| format!("cannot delete {}: {e}", dir.display()))?;
        Ok(m)
    }
}

/// A manifest tells restore where to write, so it is trusted only when
/// the running user owns it and nobody else can write to it (as ssh
/// treats its keys): root pointed at another user's data directory must
/// not write wherever that user's manifest says.
fn check_private(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::MetadataExt;
    let m = fs::symlink_metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
    // SAFETY: geteuid has no preconditions.
    let me = unsafe { libc::geteuid() };
    if m.file_type().is_symlink() {
        return Err(format!(
            "{} is a symlink; refusing to trust it",
            path.display()
        ));
    }
    if m.uid() != me || m.mode() & 0o022 != 0 {
        return Err(format!(
            "{} is owned by uid {} with mode {:o}; a quarantine must belong to the user \
             running fetter (uid {me}) and not be writable by others",
            path.display(),
            m.uid(),
            m.mode() & 0o7777
        ));
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
        assert!(store.find(None).unwrap_err().contains("nothing to restore"));
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
        assert!(store.find(Some("../x")).is_err());
        let dir = store.dir_of("20260101T000000Z-a");
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o777)).unwrap();
        assert!(store
            .find(None)
            .unwrap_err()
            .contains("not be writable by others"));
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).unwrap();
        assert!(store.drop_quarantine("20260101T000000Z-a", false).is_ok());
        assert!(!dir.exists());
        let dir = store.create("20260103T000000Z-c").unwrap();
        manifest("20260103T000000Z-c", State::Moving)
            .save(&dir)
            .unwrap();
        assert!(store
            .drop_quarantine("20260103T000000Z-c", false)
            .unwrap_err()
            .contains("restore"));
        assert!(store.drop_quarantine("20260103T000000Z-c", true).is_ok());
    }
}
