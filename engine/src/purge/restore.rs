//! Putting a quarantine back: every file byte-identical, with its mode,
//! owner and modification time, into directories recreated as they were.
//!
//! Everything is checked before anything moves: a file that has reappeared
//! at an original path (a reinstall) is a conflict unless `force`, and a
//! quarantined file whose hash no longer matches the manifest (tampering)
//! is refused unless `force`.

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use super::containment::Boundary;
use super::execute::{boundaries_of, boundary_for, lock_all};
use super::fileops::{self, exists, matches_entry};
use super::manifest::{DirEntry, Entry, State};
use super::quarantine::{stored_path, QuarantineError, Store};

/// How to restore.
#[derive(Debug, Clone)]
pub struct RestoreOptions {
    /// Overwrite files that reappeared, and accept quarantined files whose
    /// hash changed.
    pub force: bool,
    /// How long to wait for a purge of the same environment.
    pub lock_wait: Duration,
}

/// What a restore did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RestoreOutcome {
    /// The quarantine restored.
    pub id: String,
    /// Files and symlinks put back.
    pub files_restored: usize,
    /// Names and versions of the distributions restored.
    pub distributions: Vec<String>,
}

/// Why a restore did nothing (or stopped).
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    /// Preconditions failed; nothing was changed.
    #[error("{0}")]
    Refused(String),
    /// The quarantine cannot be found or trusted; nothing was changed.
    #[error(transparent)]
    Quarantine(#[from] QuarantineError),
    /// A file would be written outside its environment; nothing was changed.
    #[error("{0}")]
    Unsafe(StopReason),
    /// Files reappeared where quarantined ones go; nothing was changed.
    #[error(
        "{} file(s) have reappeared since the purge (a reinstall?), e.g. {}; \
         nothing was restored — remove them, or pass --force to overwrite them",
        .0.len(), list(.0)
    )]
    Conflicts(Vec<PathBuf>),
    /// Quarantined files changed since the purge; nothing was changed.
    #[error(
        "{} quarantined file(s) no longer match their recorded SHA-256, e.g. {}; \
         nothing was restored — pass --force to restore them anyway",
        .0.len(), list(.0)
    )]
    Tampered(Vec<PathBuf>),
    /// A file could not be put back: the restore stopped there.
    #[error("cannot restore {path}: {reason}; fix that and run `fetter restore {id}` again")]
    Stopped {
        /// The quarantine id.
        id: String,
        /// The original path.
        path: PathBuf,
        /// What went wrong.
        reason: StopReason,
    },
}

/// Why one file could not be put back (or would not be).
#[derive(Debug, thiserror::Error)]
pub enum StopReason {
    /// A file operation failed (match its kind).
    #[error("{0}")]
    Io(io::Error),
    /// The path is in no environment of the quarantine.
    #[error("{} is outside every environment of this quarantine", .0.display())]
    Outside(PathBuf),
    /// A parent of the path now leads outside its environment.
    #[error("{} leads outside the environment {} now; refusing to write through it", via.display(), root.display())]
    LeadsOutside {
        /// The parent that leads out.
        via: PathBuf,
        /// The environment's root.
        root: PathBuf,
    },
    /// A missing parent directory could not be created.
    #[error("cannot create {}: {error}", path.display())]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// Why (match its kind).
        error: io::Error,
    },
    /// A parent directory's mode could not be restored.
    #[error("cannot set the mode of {}: {error}", path.display())]
    SetMode {
        /// The directory.
        path: PathBuf,
        /// Why (match its kind).
        error: io::Error,
    },
    /// The file's mode, owner or times could not be restored.
    #[error("cannot restore mode/owner/time: {0}")]
    Metadata(io::Error),
    /// Files that are in neither place.
    #[error(
        "{0} file(s) are neither in place nor in the quarantine (removed by another tool?); \
         the rest was restored"
    )]
    Lost(usize),
}

fn list(paths: &[PathBuf]) -> String {
    let shown: Vec<String> = paths
        .iter()
        .take(5)
        .map(|p| p.display().to_string())
        .collect();
    shown.join(", ")
}

/// What must happen to one entry.
enum Step {
    /// Already where it belongs (never moved, or restored before).
    Nothing,
    /// Move it back from the quarantine.
    MoveBack,
    /// An identical copy is in place: drop the quarantined one.
    DropStored,
    /// Something else is in place: overwrite only with `force`.
    Overwrite,
    /// In neither place.
    Lost,
}

/// Restore quarantine `id` (or the newest one waiting, when `None`).
pub fn restore(
    store: &Store,
    id: Option<&str>,
    opts: &RestoreOptions,
) -> Result<RestoreOutcome, RestoreError> {
    let (dir, mut m) = store.find(id)?;
    if m.state == State::Restored {
        return Err(RestoreError::Refused(format!(
            "quarantine {} was already restored",
            m.id
        )));
    }
    let _locks = lock_all(store, &m.environments, opts.lock_wait)
        .map_err(|e| RestoreError::Refused(e.to_string()))?;
    let boundaries = boundaries_of(&m).map_err(|e| {
        RestoreError::Refused(format!(
            "cannot resolve the environment to restore into: {e}"
        ))
    })?;
    let refs: Vec<&Boundary> = boundaries.iter().collect();

    // Pass 1: decide, changing nothing.
    let mut steps = Vec::with_capacity(m.entries.len());
    let (mut conflicts, mut tampered, mut lost) = (Vec::new(), Vec::new(), Vec::new());
    for e in &m.entries {
        let stored = stored_path(&dir, &e.stored);
        let in_q = exists(&stored).unwrap_or(false);
        let in_place = exists(&e.original).unwrap_or(false);
        let step = match (in_q, in_place) {
            (false, true) => Step::Nothing,
            (false, false) => Step::Lost,
            (true, false) => Step::MoveBack,
            (true, true) if matches_entry(&e.original, e).unwrap_or(false) => Step::DropStored,
            (true, true) => Step::Overwrite,
        };
        match step {
            Step::MoveBack | Step::Overwrite => {
                if !matches_entry(&stored, e).unwrap_or(false) {
                    tampered.push(e.original.clone());
                }
                if matches!(step, Step::Overwrite) {
                    conflicts.push(e.original.clone());
                }
                if let Err(why) = inside(&refs, &e.original) {
                    return Err(RestoreError::Unsafe(why));
                }
            }
            Step::Lost => lost.push(e.original.clone()),
            _ => {}
        }
        steps.push(step);
    }
    if !conflicts.is_empty() && !opts.force {
        return Err(RestoreError::Conflicts(conflicts));
    }
    if !tampered.is_empty() && !opts.force {
        return Err(RestoreError::Tampered(tampered));
    }

    // Pass 2: put things back.
    m.state = State::Restoring;
    m.save(&dir)
        .map_err(|e| RestoreError::Refused(format!("cannot update the manifest: {e}")))?;
    let dir_modes: HashMap<&Path, u32> = m
        .dirs
        .iter()
        .map(|d: &DirEntry| (d.path.as_path(), d.mode))
        .collect();
    let mut restored = 0;
    for (e, step) in m.entries.iter().zip(&steps) {
        let stopped = |reason: StopReason| RestoreError::Stopped {
            id: m.id.clone(),
            path: e.original.clone(),
            reason,
        };
        let stored = stored_path(&dir, &e.stored);
        match step {
            Step::Nothing | Step::Lost => {}
            Step::DropStored => fs::remove_file(&stored).map_err(|x| stopped(StopReason::Io(x)))?,
            Step::MoveBack | Step::Overwrite => {
                if matches!(step, Step::Overwrite) {
                    fs::remove_file(&e.original).map_err(|x| stopped(StopReason::Io(x)))?;
                }
                make_parents(&e.original, &dir_modes, |d| inside(&refs, d)).map_err(&stopped)?;
                // Re-checked now that the parents exist: no symlink swapped in.
                inside(&refs, &e.original).map_err(&stopped)?;
                fileops::move_path(&stored, &e.original).map_err(|x| stopped(StopReason::Io(x)))?;
                put_metadata(&e.original, e).map_err(&stopped)?;
                restored += 1;
            }
        }
    }
    for d in dir_modes.keys() {
        let _ = super::manifest::sync_dir(d);
    }
    if !lost.is_empty() {
        return Err(RestoreError::Stopped {
            id: m.id.clone(),
            path: lost[0].clone(),
            reason: StopReason::Lost(lost.len()),
        });
    }
    m.state = State::Restored;
    m.save(&dir)
        .map_err(|e| RestoreError::Refused(format!("cannot update the manifest: {e}")))?;
    let _ = fs::remove_dir(dir.join("files"));
    Ok(RestoreOutcome {
        id: m.id.clone(),
        files_restored: restored,
        distributions: m
            .distributions
            .iter()
            .map(|d| format!("{} {}", d.name, d.version))
            .collect(),
    })
}

fn inside(boundaries: &[&Boundary], path: &Path) -> Result<(), StopReason> {
    let b = boundary_for(boundaries, path).ok_or_else(|| StopReason::Outside(path.to_owned()))?;
    b.check_parents(path)
        .map_err(|via| StopReason::LeadsOutside {
            via,
            root: b.root.clone(),
        })
}

/// Create the missing parents of `path`, with the modes they had; `check`
/// vets each one before it is created (a dangling symlink on the way would
/// otherwise have the directory created wherever it points).
fn make_parents(
    path: &Path,
    modes: &HashMap<&Path, u32>,
    check: impl Fn(&Path) -> Result<(), StopReason>,
) -> Result<(), StopReason> {
    let Some(parent) = path.parent() else {
        return Ok(());
    };
    let mut missing: Vec<&Path> = parent
        .ancestors()
        .take_while(|p| fs::symlink_metadata(p).is_err())
        .collect();
    missing.reverse();
    for d in missing {
        check(d)?;
        match fs::create_dir(d) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(error) => {
                return Err(StopReason::CreateDir {
                    path: d.to_owned(),
                    error,
                })
            }
        }
        if let Some(mode) = modes.get(d) {
            fs::set_permissions(d, std::os::unix::fs::PermissionsExt::from_mode(*mode)).map_err(
                |error| StopReason::SetMode {
                    path: d.to_owned(),
                    error,
                },
            )?;
        }
    }
    Ok(())
}

fn put_metadata(path: &Path, e: &Entry) -> Result<(), StopReason> {
    fileops::apply_metadata(path, e).map_err(StopReason::Metadata)
}
