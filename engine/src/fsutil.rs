//! File reading that cannot hang or exhaust memory on hostile trees.
//!
//! A scan runs as root over directories users control: a FIFO where METADATA
//! should be would block a plain `read` forever, and `/dev/zero` would never
//! end. Every read here opens without blocking, checks that it got a regular
//! file, and stops after a byte cap.

use std::ffi::CStr;
use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::path::Path;

/// Largest METADATA/PKG-INFO header block read (the body is never needed).
pub const METADATA_CAP: u64 = 256 * 1024;
/// Largest small file read whole (`INSTALLER`, `direct_url.json`, `pyvenv.cfg`, `.pth`).
pub const SMALL_FILE_CAP: u64 = 1024 * 1024;
/// Largest RECORD read (a large framework can list ~100k files).
pub const RECORD_CAP: u64 = 64 * 1024 * 1024;

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The path is not a regular file (a FIFO, device, socket or directory).
    #[error("not a regular file ({0})")]
    NotRegular(&'static str),
    /// The file is larger than the cap allowed for its kind.
    #[error("larger than the {0}-byte limit")]
    TooLarge(u64),
    /// An I/O error.
    #[error("{0}")]
    Io(#[from] io::Error),
}

/// Open `path` for reading without blocking (FIFOs) and require a regular file.
pub fn open_regular(path: &Path) -> Result<File, ReadError> {
    open_regular_len(path).map(|(f, _)| f)
}

/// [`open_regular`], also returning the file's size at open time.
pub fn open_regular_len(path: &Path) -> Result<(File, u64), ReadError> {
    let mut opts = OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    let file = opts.open(path)?;
    regular_len(file)
}

/// `file` and its size, if it is a regular file.
fn regular_len(file: File) -> Result<(File, u64), ReadError> {
    let meta = file.metadata()?;
    let ft = meta.file_type();
    if !ft.is_file() {
        return Err(ReadError::NotRegular(describe_type(&ft)));
    }
    Ok((file, meta.len()))
}

/// A directory held open, so that files below it are opened relative to it
/// (`openat`). A site can hold tens of thousands of distributions, each
/// with three or four small files read: relative to the site, the kernel
/// walks two path components per open instead of the whole absolute path
/// (that walk was the largest single cost of a big scan).
#[derive(Debug)]
pub struct Dir {
    fd: File,
}

impl Dir {
    /// Open the directory `path`.
    pub fn open(path: &Path) -> io::Result<Dir> {
        use std::os::unix::fs::OpenOptionsExt;
        let fd = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_DIRECTORY | libc::O_NOCTTY)
            .open(path)?;
        Ok(Dir { fd })
    }

    /// [`open_regular_len`] of `rel`, a relative path below this directory.
    pub fn open_regular_len(&self, rel: &CStr) -> Result<(File, u64), ReadError> {
        use std::os::fd::{AsRawFd, FromRawFd};
        // SAFETY: `rel` is a NUL-terminated string and `self.fd` an open
        // descriptor; a non-negative result is a new descriptor that
        // nothing else owns, handed to `File`.
        let fd = unsafe {
            libc::openat(
                self.fd.as_raw_fd(),
                rel.as_ptr(),
                libc::O_RDONLY | libc::O_NONBLOCK | libc::O_NOCTTY | libc::O_CLOEXEC,
            )
        };
        if fd < 0 {
            return Err(io::Error::last_os_error().into());
        }
        // SAFETY: see above.
        regular_len(unsafe { File::from_raw_fd(fd) })
    }

    /// Whether `rel` (relative to this directory) exists, following links,
    /// as [`Path::exists`]: any error (not found, no permission) is `false`.
    pub fn exists(&self, rel: &CStr) -> bool {
        use std::os::fd::AsRawFd;
        let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
        // SAFETY: `rel` is NUL-terminated, `st` is writable memory of the
        // right type and `self.fd` is an open descriptor.
        unsafe { libc::fstatat(self.fd.as_raw_fd(), rel.as_ptr(), st.as_mut_ptr(), 0) == 0 }
    }
}

fn describe_type(ft: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "a FIFO";
        }
        if ft.is_char_device() || ft.is_block_device() {
            return "a device";
        }
        if ft.is_socket() {
            return "a socket";
        }
    }
    if ft.is_dir() {
        "a directory"
    } else {
        "a special file"
    }
}

/// Read a whole file of at most `cap` bytes; a larger file is an error.
pub fn read_capped(path: &Path, cap: u64) -> Result<Vec<u8>, ReadError> {
    let (file, len) = open_regular_len(path)?;
    read_capped_file(file, len, cap)
}

/// [`read_capped`] on a file opened by [`open_regular_len`] or
/// [`Dir::open_regular_len`] (`len` is the size they returned).
pub fn read_capped_file(file: File, len: u64, cap: u64) -> Result<Vec<u8>, ReadError> {
    if len > cap {
        return Err(ReadError::TooLarge(cap));
    }
    // Read exactly the size fstat reported (one read for small files, no
    // extra read to see EOF); a file that grew meanwhile is read to the cap.
    let mut buf = vec![0u8; len as usize];
    let mut filled = 0;
    let mut file = file;
    while filled < buf.len() {
        match file.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    buf.truncate(filled);
    if filled as u64 == len && len == 0 {
        // Special files can report size 0 yet have content (procfs); read them capped.
        file.take(cap + 1).read_to_end(&mut buf)?;
    }
    if buf.len() as u64 > cap {
        return Err(ReadError::TooLarge(cap));
    }
    Ok(buf)
}

/// Read at most `cap` bytes of a file, silently truncating (for headers).
pub fn read_prefix(path: &Path, cap: u64) -> Result<Vec<u8>, ReadError> {
    let file = open_regular(path)?;
    let mut buf = Vec::new();
    file.take(cap).read_to_end(&mut buf)?;
    Ok(buf)
}

/// Read a small text file whole, as UTF-8.
pub fn read_small_text(path: &Path) -> Result<String, String> {
    let (file, len) = open_regular_len(path).map_err(|e| e.to_string())?;
    read_small_text_file(file, len)
}

/// [`read_small_text`] on a file already opened (`len`: its size then).
pub fn read_small_text_file(file: File, len: u64) -> Result<String, String> {
    let bytes = read_capped_file(file, len, SMALL_FILE_CAP).map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|_| "not valid UTF-8".to_string())
}

/// Why a file that decides what fetter trusts could have been written by
/// someone else: owned by a user other than the caller or root, or
/// writable by group or others. `None`: safe, or missing (the read that
/// follows reports that). Used for config, trust and allowed_signers files:
/// fetter runs as root, and such a file planted by another user would
/// otherwise steer it.
#[cfg(unix)]
pub fn owner_problem(path: &Path) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path).ok()?;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    if meta.uid() != me && meta.uid() != 0 {
        Some(format!(
            "it is owned by uid {}, not by you (uid {me}) or root; chown it",
            meta.uid()
        ))
    } else if meta.mode() & 0o022 != 0 {
        Some("others can write to it; `chmod go-w` it".to_owned())
    } else {
        None
    }
}

/// No owners to check off Unix.
#[cfg(not(unix))]
pub fn owner_problem(_: &Path) -> Option<String> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dir_opens_regular_files_relative_to_it() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir(d.path().join("a.dist-info")).unwrap();
        std::fs::write(d.path().join("a.dist-info/INSTALLER"), "pip\n").unwrap();
        let dir = Dir::open(d.path()).unwrap();
        let (f, len) = dir.open_regular_len(c"a.dist-info/INSTALLER").unwrap();
        assert_eq!(read_capped_file(f, len, 10).unwrap(), b"pip\n");
        assert!(dir.exists(c"a.dist-info/INSTALLER"));
        assert!(!dir.exists(c"a.dist-info/REQUESTED"));
        match dir.open_regular_len(c"a.dist-info/REQUESTED") {
            Err(ReadError::Io(e)) => assert_eq!(e.kind(), io::ErrorKind::NotFound),
            other => panic!("{other:?}"),
        }
        let e = dir.open_regular_len(c"a.dist-info").unwrap_err();
        assert!(e.to_string().contains("a directory"), "{e}");
        let fifo = d.path().join("a.dist-info/METADATA");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid C string.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
        let e = dir.open_regular_len(c"a.dist-info/METADATA").unwrap_err();
        assert!(e.to_string().contains("FIFO"), "{e}");
        assert!(Dir::open(&d.path().join("a.dist-info/INSTALLER")).is_err());
    }
}
