//! The filesystem operations of purge and restore: stat without following
//! links, hash, move (rename, or copy + fsync + remove across devices), and
//! putting modes, owners and times back.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::manifest::{Entry, EntryKind};

/// What `lstat` says about a file or symlink.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stat {
    /// File or symlink (`None` for anything else).
    pub kind: Option<EntryKind>,
    /// Permission bits.
    pub mode: u32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Modification time.
    pub mtime: (i64, i64),
    /// Size.
    pub size: u64,
}

/// `lstat(path)`, or `None` when nothing is there.
pub fn lstat(path: &Path) -> io::Result<Option<Stat>> {
    use std::os::unix::fs::MetadataExt;
    match fs::symlink_metadata(path) {
        Ok(m) => {
            let ft = m.file_type();
            let kind = if ft.is_symlink() {
                Some(EntryKind::Symlink)
            } else if ft.is_file() {
                Some(EntryKind::File)
            } else {
                None
            };
            Ok(Some(Stat {
                kind,
                mode: m.mode() & 0o7777,
                uid: m.uid(),
                gid: m.gid(),
                mtime: (m.mtime(), m.mtime_nsec()),
                size: m.size(),
            }))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// True when something (anything, even a dangling link) is at `path`.
pub fn exists(path: &Path) -> io::Result<bool> {
    lstat(path).map(|s| s.is_some())
}

/// Open a regular file for reading without following a final symlink and
/// without blocking on a FIFO.
fn open_nofollow(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    let f = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)?;
    if !f.metadata()?.is_file() {
        return Err(io::Error::other(format!(
            "{} is not a regular file",
            path.display()
        )));
    }
    Ok(f)
}

/// Hex SHA-256 of a regular file's contents.
pub fn sha256_file(path: &Path) -> io::Result<String> {
    let mut f = open_nofollow(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(crate::digest::hex(&h.finalize()))
}

/// True when `path` holds what `entry` recorded: same kind, and the same
/// contents (files) or link text (symlinks).
pub fn matches_entry(path: &Path, entry: &Entry) -> io::Result<bool> {
    let Some(st) = lstat(path)? else {
        return Ok(false);
    };
    Ok(match (st.kind, entry.kind) {
        (Some(EntryKind::File), EntryKind::File) => {
            entry.sha256.as_deref() == Some(sha256_file(path)?.as_str())
        }
        (Some(EntryKind::Symlink), EntryKind::Symlink) => {
            entry.link_target.as_deref() == Some(fs::read_link(path)?.as_path())
        }
        _ => false,
    })
}

/// Move `from` to `to` (which must not exist). A rename when both are on
/// one filesystem; otherwise copy to a temporary name beside `to`, fsync,
/// rename into place, then remove `from` — so at every instant the entry is
/// complete in at least one of the two places.
pub fn move_path(from: &Path, to: &Path) -> io::Result<()> {
    match fs::rename(from, to) {
        Ok(()) => Ok(()),
        Err(e) if e.raw_os_error() == Some(libc::EXDEV) => copy_then_remove(from, to),
        Err(e) => Err(e),
    }
}

fn copy_then_remove(from: &Path, to: &Path) -> io::Result<()> {
    let tmp = partial_name(to);
    let _ = fs::remove_file(&tmp);
    let st = lstat(from)?.ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))?;
    match st.kind {
        Some(EntryKind::Symlink) => {
            std::os::unix::fs::symlink(fs::read_link(from)?, &tmp)?;
        }
        Some(EntryKind::File) => {
            let mut src = open_nofollow(from)?;
            let mut dst = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
            io::copy(&mut src, &mut dst)?;
            dst.flush()?;
            dst.sync_all()?;
            drop(dst);
            fs::set_permissions(&tmp, std::os::unix::fs::PermissionsExt::from_mode(st.mode))?;
            set_times(&tmp, st.mtime)?;
        }
        None => {
            return Err(io::Error::other(format!(
                "{} is neither a file nor a symlink",
                from.display()
            )))
        }
    }
    fs::rename(&tmp, to)?;
    if let Some(dir) = to.parent() {
        File::open(dir)?.sync_all()?;
    }
    fs::remove_file(from)
}

/// The temporary name a cross-device copy is written under.
pub fn partial_name(to: &Path) -> PathBuf {
    let mut name = to.file_name().unwrap_or_default().to_os_string();
    name.push(".fetter-partial");
    to.with_file_name(name)
}

/// Put back the mode, owner (when running as root) and modification time
/// recorded in `entry` on `path`, without following a symlink.
pub fn apply_metadata(path: &Path, entry: &Entry) -> io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::other("path holds a NUL byte"))?;
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        // SAFETY: valid C string; lchown does not follow links.
        if unsafe { libc::lchown(c.as_ptr(), entry.uid, entry.gid) } != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    if entry.kind == EntryKind::File {
        fs::set_permissions(
            path,
            std::os::unix::fs::PermissionsExt::from_mode(entry.mode),
        )?;
    }
    set_times(path, entry.mtime)
}

/// Set a path's modification time without following a symlink.
fn set_times(path: &Path, mtime: (i64, i64)) -> io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::other("path holds a NUL byte"))?;
    let times = [
        libc::timespec {
            tv_sec: 0,
            tv_nsec: libc::UTIME_OMIT,
        },
        libc::timespec {
            tv_sec: mtime.0 as libc::time_t,
            tv_nsec: mtime.1 as _,
        },
    ];
    // SAFETY: valid C string and a two-element timespec array.
    let rc = unsafe {
        libc::utimensat(
            libc::AT_FDCWD,
            c.as_ptr(),
            times.as_ptr(),
            libc::AT_SYMLINK_NOFOLLOW,
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Remove `dir` if it is a real (not symlinked) empty directory. Returns
/// whether it was removed.
pub fn remove_if_empty(dir: &Path) -> bool {
    let is_dir = fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir());
    is_dir
        && fs::read_dir(dir).is_ok_and(|mut rd| rd.next().is_none())
        && fs::remove_dir(dir).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_fallback_keeps_bytes_mode_and_time() {
        let d = tempfile::tempdir().unwrap();
        let a = d.path().join("a");
        let b = d.path().join("b");
        fs::write(&a, b"hello").unwrap();
        fs::set_permissions(&a, std::os::unix::fs::PermissionsExt::from_mode(0o751)).unwrap();
        set_times(&a, (1_600_000_000, 42)).unwrap();
        let before = lstat(&a).unwrap().unwrap();
        copy_then_remove(&a, &b).unwrap();
        assert!(!exists(&a).unwrap());
        let after = lstat(&b).unwrap().unwrap();
        assert_eq!(
            (after.mode, after.mtime, after.size),
            (before.mode, before.mtime, 5)
        );
        assert_eq!(fs::read(&b).unwrap(), b"hello");
        assert!(!exists(&partial_name(&b)).unwrap());

        std::os::unix::fs::symlink("/nonexistent/target", &a).unwrap();
        copy_then_remove(&a, &d.path().join("l")).unwrap();
        assert_eq!(
            fs::read_link(d.path().join("l")).unwrap(),
            Path::new("/nonexistent/target")
        );
    }

    #[test]
    fn hashing_refuses_links_and_fifos() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("f");
        fs::write(&f, b"abc").unwrap();
        assert_eq!(
            sha256_file(&f).unwrap(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        std::os::unix::fs::symlink(&f, d.path().join("l")).unwrap();
        assert!(sha256_file(&d.path().join("l")).is_err());
        let fifo = d.path().join("p");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        assert!(sha256_file(&fifo).is_err());
    }
}
