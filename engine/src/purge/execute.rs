//! Carrying out a plan: lock, write the manifest, move every file into the
//! quarantine (or delete it), then remove the directories left empty.

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use super::containment::Boundary;
use super::fileops::{self, lstat};
use super::lock::{lock_environment, EnvironmentLock, LockError};
use super::manifest::{
    new_id, now_rfc3339, DirEntry, Entry, EntryKind, Manifest, QuarantinedDistribution, State,
    MANIFEST_SCHEMA,
};
use super::plan::Plan;
use super::quarantine::{stored_path, QuarantineError, Store};

/// Test hook: pause this many milliseconds before each file moves, so a
/// test can kill fetter half-way through a purge.
pub const PAUSE_ENV: &str = "FETTER_TEST_PAUSE_BETWEEN_FILES_MS";

/// What happens to removed files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Disposal {
    /// Move them into the quarantine, restorable with `fetter restore`.
    #[default]
    Quarantine,
    /// Delete them outright (`--no-quarantine`).
    Delete,
}

/// How to carry out a plan.
#[derive(Debug, Clone)]
pub struct ExecuteOptions {
    /// Quarantine or delete.
    pub disposal: Disposal,
    /// Where quarantines and locks live.
    pub store: Store,
    /// How long to wait for another purge of the same environment.
    pub lock_wait: Duration,
}

/// What a purge did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PurgeOutcome {
    /// The quarantine holding the files (`None` with `--no-quarantine` or
    /// when nothing was removed).
    pub quarantine_id: Option<String>,
    /// Files and symlinks removed.
    pub files_removed: usize,
    /// Directories removed because the purge left them empty.
    #[serde(with = "crate::pathjson::vec")]
    pub dirs_removed: Vec<PathBuf>,
}

/// Why a purge stopped.
#[derive(Debug, thiserror::Error)]
pub enum PurgeError {
    /// Another purge holds an environment.
    #[error(transparent)]
    Locked(#[from] LockError),
    /// The purge could not be prepared (quarantine not writable, a planned
    /// file unreadable): nothing was moved.
    #[error("cannot prepare the purge: {dir}: {source}; nothing was removed")]
    Prepare {
        /// The directory or file concerned.
        dir: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// A file could not be moved: the purge stopped there.
    #[error(
        "cannot remove {path}: {reason}; the purge stopped there{}",
        match id { Some(id) => format!(
            " — `fetter restore {id}` puts back what was moved, `fetter quarantine resume {id}` retries"),
            None => String::new() }
    )]
    Stopped {
        /// The quarantine id, when quarantining.
        id: Option<String>,
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
}

/// Why `fetter quarantine resume` could not finish a purge.
#[derive(Debug, thiserror::Error)]
pub enum ResumeError {
    /// The quarantine cannot be found or trusted.
    #[error(transparent)]
    Quarantine(#[from] QuarantineError),
    /// The quarantine was restored (in part, when `partly`).
    #[error(
        "quarantine {id} was restored{}; purge again instead",
        if *partly { " in part (run `fetter restore` to finish)" } else { "" }
    )]
    Restored {
        /// The quarantine id.
        id: String,
        /// True while its restore is unfinished.
        partly: bool,
    },
    /// Another purge holds an environment.
    #[error(transparent)]
    Locked(#[from] LockError),
    /// An environment of the manifest cannot be resolved.
    #[error("{0}")]
    Environment(io::Error),
    /// Moving stopped.
    #[error(transparent)]
    Purge(#[from] PurgeError),
}

/// Why a file is no longer safe to remove.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum Escape {
    #[error("it is outside every environment of this purge")]
    Outside,
    #[error("{} now leads outside the environment {}", via.display(), root.display())]
    LeadsOutside { via: PathBuf, root: PathBuf },
}

/// Carry out `plan`. Refused and kept targets in the plan are ignored (the
/// caller reports them).
pub fn execute(plan: &Plan, opts: &ExecuteOptions) -> Result<PurgeOutcome, PurgeError> {
    if plan.distribution_count() == 0 {
        return Ok(PurgeOutcome::default());
    }
    let roots: Vec<PathBuf> = plan.environments.iter().map(|e| e.root.clone()).collect();
    let _locks = lock_all(&opts.store, &roots, opts.lock_wait)?;
    let boundaries: Vec<&Boundary> = plan.environments.iter().map(|e| &e.boundary).collect();
    let manifest = build_manifest(plan)?;
    match opts.disposal {
        Disposal::Delete => delete_all(&manifest, &boundaries),
        Disposal::Quarantine => {
            let dir = opts
                .store
                .create(&manifest.id)
                .map_err(|source| PurgeError::Prepare {
                    dir: opts.store.dir_of(&manifest.id),
                    source,
                })?;
            manifest.save(&dir).map_err(|source| PurgeError::Prepare {
                dir: dir.clone(),
                source,
            })?;
            // Just hashed under this same lock: no need to hash again.
            finish_moving(manifest, &dir, &boundaries, false)
        }
    }
}

/// Finish an interrupted purge: move whatever its manifest lists that is
/// still in place, then remove the emptied directories.
pub fn resume(store: &Store, id: &str, lock_wait: Duration) -> Result<PurgeOutcome, ResumeError> {
    let (dir, manifest) = store.find(Some(id))?;
    if matches!(manifest.state, State::Restored | State::Restoring) {
        return Err(ResumeError::Restored {
            id: id.to_string(),
            partly: manifest.state == State::Restoring,
        });
    }
    let _locks = lock_all(store, &manifest.environments, lock_wait)?;
    let boundaries = boundaries_of(&manifest).map_err(ResumeError::Environment)?;
    let refs: Vec<&Boundary> = boundaries.iter().collect();
    // Time has passed since the manifest: only move what still matches it.
    Ok(finish_moving(manifest, &dir, &refs, true)?)
}

/// Lock every root, in sorted order so two runs cannot deadlock.
pub(super) fn lock_all(
    store: &Store,
    roots: &[PathBuf],
    wait: Duration,
) -> Result<Vec<EnvironmentLock>, LockError> {
    let sorted: BTreeSet<&PathBuf> = roots.iter().collect();
    sorted
        .into_iter()
        .map(|r| lock_environment(&store.locks_dir(), r, wait))
        .collect()
}

/// Rebuild the boundaries of a manifest's environments from disk.
pub(super) fn boundaries_of(m: &Manifest) -> io::Result<Vec<Boundary>> {
    m.environments
        .iter()
        .map(|root| {
            let sites: Vec<PathBuf> = m
                .distributions
                .iter()
                .filter(|d| &d.environment == root)
                .map(|d| d.site.clone())
                .collect();
            Boundary::new(root, &sites)
        })
        .collect()
}

/// The boundary governing `path`.
pub(super) fn boundary_for<'a>(boundaries: &[&'a Boundary], path: &Path) -> Option<&'a Boundary> {
    boundaries
        .iter()
        .copied()
        .filter(|b| path.starts_with(&b.root) || path.starts_with(&b.real_root))
        .max_by_key(|b| b.root.components().count())
}

/// Stat and hash every planned file now, under the lock.
fn build_manifest(plan: &Plan) -> Result<Manifest, PurgeError> {
    let mut m = Manifest {
        schema: MANIFEST_SCHEMA.into(),
        id: new_id(),
        created: now_rfc3339(),
        state: State::Moving,
        environments: plan.environments.iter().map(|e| e.root.clone()).collect(),
        distributions: Vec::new(),
        entries: Vec::new(),
        dirs: Vec::new(),
    };
    let mut dirs = BTreeSet::new();
    for env in &plan.environments {
        for d in &env.distributions {
            let index = m.distributions.len();
            m.distributions.push(QuarantinedDistribution {
                name: d.target.name.clone(),
                version: d.target.version.clone(),
                environment: env.root.clone(),
                site: d.target.site.clone(),
                metadata_path: d.target.metadata_path.clone(),
            });
            for path in &d.files {
                // Gone since planning: nothing to remove. Unreadable, or
                // turned into something else: stop before anything moves,
                // rather than leave the distribution half-removed.
                let unreadable = |e: io::Error| PurgeError::Prepare {
                    dir: path.clone(),
                    source: e,
                };
                let Some(st) = lstat(path).map_err(unreadable)? else {
                    continue;
                };
                let kind = st.kind.ok_or_else(|| {
                    unreadable(io::Error::other(
                        "it is no longer a file or symlink since the plan was made",
                    ))
                })?;
                let (sha256, link_target) = match kind {
                    EntryKind::File => {
                        (Some(fileops::sha256_file(path).map_err(unreadable)?), None)
                    }
                    EntryKind::Symlink => (None, Some(fs::read_link(path).map_err(unreadable)?)),
                };
                let mut parent = path.parent();
                while let Some(p) = parent.filter(|p| env.boundary.may_prune(p)) {
                    dirs.insert(p.to_path_buf());
                    parent = p.parent();
                }
                let n = m.entries.len();
                m.entries.push(Entry {
                    original: path.clone(),
                    stored: PathBuf::from(format!("files/{n}")),
                    kind,
                    mode: st.mode,
                    uid: st.uid,
                    gid: st.gid,
                    mtime: st.mtime,
                    size: st.size,
                    sha256,
                    link_target,
                    distribution: index,
                });
            }
        }
    }
    let mut dirs: Vec<DirEntry> = dirs
        .into_iter()
        .filter_map(|p| {
            use std::os::unix::fs::MetadataExt;
            let mode = fs::symlink_metadata(&p).ok()?.mode() & 0o7777;
            Some(DirEntry { path: p, mode })
        })
        .collect();
    // Deepest first, so children go before their parents.
    dirs.sort_by_key(|d| std::cmp::Reverse(d.path.components().count()));
    m.dirs = dirs;
    Ok(m)
}

/// Move every entry not yet in the quarantine, prune, mark complete. With
/// `verify`, a file is moved only if it still matches its recorded hash.
fn finish_moving(
    mut m: Manifest,
    dir: &Path,
    boundaries: &[&Boundary],
    verify: bool,
) -> Result<PurgeOutcome, PurgeError> {
    let pause = std::env::var(PAUSE_ENV)
        .ok()
        .and_then(|v| v.parse::<u64>().ok());
    let stopped = |path: &Path, reason: String| PurgeError::Stopped {
        id: Some(m.id.clone()),
        path: path.to_path_buf(),
        reason,
    };
    let mut moved = 0usize;
    let mut touched_dirs = BTreeSet::new();
    for e in &m.entries {
        let stored = stored_path(dir, &e.stored);
        let in_quarantine =
            fileops::exists(&stored).map_err(|x| stopped(&stored, x.to_string()))?;
        let in_place =
            fileops::exists(&e.original).map_err(|x| stopped(&e.original, x.to_string()))?;
        match (in_quarantine, in_place) {
            (_, false) => continue,
            (true, true) => {
                // A cross-device move copied but did not remove yet.
                if fileops::matches_entry(&e.original, e).unwrap_or(false) {
                    fs::remove_file(&e.original)
                        .map_err(|x| stopped(&e.original, x.to_string()))?;
                    moved += 1;
                    continue;
                }
                return Err(stopped(
                    &e.original,
                    "it differs from the copy already in the quarantine".into(),
                ));
            }
            (false, true) => {}
        }
        if let Some(ms) = pause {
            std::thread::sleep(Duration::from_millis(ms));
        }
        check_still_inside(boundaries, &e.original)
            .map_err(|r| stopped(&e.original, r.to_string()))?;
        if verify && !fileops::matches_entry(&e.original, e).unwrap_or(false) {
            return Err(stopped(
                &e.original,
                "it changed since the purge was planned".into(),
            ));
        }
        fileops::move_path(&e.original, &stored)
            .map_err(|x| stopped(&e.original, x.to_string()))?;
        if let Some(p) = e.original.parent() {
            touched_dirs.insert(p.to_path_buf());
        }
        moved += 1;
    }
    let dirs_removed = prune(&m.dirs, boundaries);
    // One fsync per directory touched, instead of two per file.
    let _ = super::manifest::sync_dir(&dir.join("files"));
    for d in touched_dirs.iter().filter(|d| d.exists()) {
        let _ = super::manifest::sync_dir(d);
    }
    m.state = State::Complete;
    m.save(dir).map_err(|x| stopped(dir, x.to_string()))?;
    Ok(PurgeOutcome {
        quarantine_id: Some(m.id.clone()),
        files_removed: moved,
        dirs_removed,
    })
}

/// `--no-quarantine`: delete every entry, then prune.
fn delete_all(m: &Manifest, boundaries: &[&Boundary]) -> Result<PurgeOutcome, PurgeError> {
    let mut removed = 0;
    for e in &m.entries {
        let stopped = |reason: String| PurgeError::Stopped {
            id: None,
            path: e.original.clone(),
            reason,
        };
        check_still_inside(boundaries, &e.original).map_err(|r| stopped(r.to_string()))?;
        match fs::remove_file(&e.original) {
            Ok(()) => removed += 1,
            Err(x) if x.kind() == io::ErrorKind::NotFound => {}
            Err(x) => return Err(stopped(x.to_string())),
        }
    }
    Ok(PurgeOutcome {
        quarantine_id: None,
        files_removed: removed,
        dirs_removed: prune(&m.dirs, boundaries),
    })
}

/// Re-check containment right before touching a file: a directory on the
/// way may have been swapped for a symlink since planning.
fn check_still_inside(boundaries: &[&Boundary], path: &Path) -> Result<(), Escape> {
    let b = boundary_for(boundaries, path).ok_or(Escape::Outside)?;
    b.check_parents(path).map_err(|via| Escape::LeadsOutside {
        via,
        root: b.root.clone(),
    })
}

/// Remove the recorded directories that are now empty, deepest first.
fn prune(dirs: &[DirEntry], boundaries: &[&Boundary]) -> Vec<PathBuf> {
    dirs.iter()
        .filter(|d| boundary_for(boundaries, &d.path).is_some_and(|b| b.may_prune(&d.path)))
        .filter(|d| fileops::remove_if_empty(&d.path))
        .map(|d| d.path.clone())
        .collect()
}
