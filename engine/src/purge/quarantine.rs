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

use super::manifest::Manifest;

/// Environment variable overriding the data directory (tests, CI, or an
/// organisation that keeps quarantines on a dedicated volume).
pub const DATA_DIR_ENV: &str = "FETTER_DATA_DIR";

/// fetter's data directory: `$FETTER_DATA_DIR`, else
/// `$XDG_DATA_HOME/fetter`, else `~/.local/share/fetter`.
pub fn data_dir() -> Result<PathBuf, String> {
    let abs = |v: std::ffi::OsString| {
        let p = PathBuf::from(v);
        p.is_absolute().then_some(p)
    };
    if let Some(p) = std::env::var_os(DATA_DIR_ENV).and_then(abs) {
        return Ok(p);
    }
    if let Some(p) = std::env::var_os("XDG_DATA_HOME").and_then(abs) {
        return Ok(p.join("fetter"));
    }
    if let Some(home) = std::env::var_os("HOME").and_then(abs) {
        return Ok(home.join(".local/share/fetter"));
    }
    Err(format!(
        "cannot find a data directory for the quarantine: set {DATA_DIR_ENV} or HOME"
    ))
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
                Ok((dir.clone(), Manifest::load(&dir)?))
            }
            None => {
                let (all, _) = self.list();
                let m = all
                    .into_iter()
                    .rev()
                    .find(|m| m.state != super::manifest::State::Restored)
                    .ok_or_else(|| {
                        format!(
                            "nothing to restore: no quarantine in {} is waiting",
                            self.quarantine_root().display()
                        )
                    })?;
                Ok((self.dir_of(&m.id), m))
            }
        }
    }
}

/// The absolute path where entry `stored` of quarantine `dir` is kept.
pub fn stored_path(dir: &Path, stored: &Path) -> PathBuf {
    dir.join(stored)
}
