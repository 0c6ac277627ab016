//! One purge or restore at a time per environment: an advisory `flock` on a
//! lock file in fetter's data directory, keyed by the environment's root.
//!
//! The lock file is never deleted (deleting a lock file lets a third
//! process lock a fresh inode while the second still holds the old one).
//! It holds the holder's pid, for the message a waiting process prints.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

/// How long a second purge waits for the first by default.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(5);

/// Why a lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process holds it.
    #[error(
        "another fetter purge or restore is working on {root} (pid {holder}, lock {lock}); \
         wait for it to finish, then try again"
    )]
    Busy {
        /// The environment root.
        root: PathBuf,
        /// The holder's pid as it wrote it (`unknown` if unreadable).
        holder: String,
        /// The lock file.
        lock: PathBuf,
    },
    /// The lock file could not be created or locked.
    #[error("cannot lock {lock}: {source}")]
    Io {
        /// The lock file.
        lock: PathBuf,
        /// The cause.
        source: io::Error,
    },
}

/// A held lock; released when dropped (or when the process dies, even by
/// SIGKILL, since the kernel drops `flock` locks with the last descriptor).
#[derive(Debug)]
pub struct EnvironmentLock {
    _file: File,
    /// The lock file.
    pub path: PathBuf,
}

/// The lock file for environment `root` under `locks_dir`.
pub fn lock_path(locks_dir: &Path, root: &Path) -> PathBuf {
    let digest = Sha256::digest(root.as_os_str().as_encoded_bytes());
    let hex = crate::digest::hex(&digest[..12]);
    locks_dir.join(format!("{hex}.lock"))
}

/// Lock environment `root`, waiting up to `wait` for another holder.
pub fn lock_environment(
    locks_dir: &Path,
    root: &Path,
    wait: Duration,
) -> Result<EnvironmentLock, LockError> {
    let path = lock_path(locks_dir, root);
    let io_err = |source| LockError::Io {
        lock: path.clone(),
        source,
    };
    {
        use std::os::unix::fs::DirBuilderExt;
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(locks_dir)
            .map_err(io_err)?;
    }
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(io_err)?;
    let deadline = Instant::now() + wait;
    loop {
        if try_flock(&file).map_err(io_err)? {
            break;
        }
        if Instant::now() >= deadline {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = holder.lines().next().unwrap_or("").trim().to_string();
            return Err(LockError::Busy {
                root: root.to_path_buf(),
                holder: if holder.is_empty() {
                    "unknown".into()
                } else {
                    holder
                },
                lock: path,
            });
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    // Record who holds it (best effort: the lock, not the text, is what counts).
    let _ = file.set_len(0);
    let _ = file.rewind();
    let _ = writeln!(file, "{}\n{}", std::process::id(), root.display());
    Ok(EnvironmentLock { _file: file, path })
}

#[cfg(unix)]
fn try_flock(file: &File) -> io::Result<bool> {
    use std::os::fd::AsRawFd;
    // SAFETY: flock on a valid, owned descriptor.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc == 0 {
        return Ok(true);
    }
    let err = io::Error::last_os_error();
    if err.raw_os_error() == Some(libc::EWOULDBLOCK) {
        Ok(false)
    } else {
        Err(err)
    }
}

#[cfg(not(unix))]
fn try_flock(_file: &File) -> io::Result<bool> {
    // Fail closed: no purge without a lock (File::try_lock once the
    // toolchain floor allows a portable form).
    Err(io::Error::other(
        "environment locking is not implemented on this platform",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_holder_is_refused_then_admitted() {
        let d = tempfile::tempdir().unwrap();
        let root = Path::new("/some/venv");
        let first = lock_environment(d.path(), root, Duration::ZERO).unwrap();
        // flock locks belong to the open file description: a second open in
        // this process conflicts just as another process would.
        let err = lock_environment(d.path(), root, Duration::from_millis(120)).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains(&std::process::id().to_string()), "{msg}");
        assert!(msg.contains("/some/venv"), "{msg}");
        // Another environment is independent.
        lock_environment(d.path(), Path::new("/other"), Duration::ZERO).unwrap();
        drop(first);
        lock_environment(d.path(), root, Duration::ZERO).unwrap();
    }
}
