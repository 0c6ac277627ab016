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
    /// The file is not UTF-8 text (the readers that return text).
    #[error("not valid UTF-8")]
    NotUtf8,
    /// An I/O error (also its `source`): match its [`io::Error::kind`]
    /// (`NotFound`, [`ReadError::is_not_found`]), never its text.
    #[error("{0}")]
    Io(#[from] io::Error),
}

impl ReadError {
    /// The kind of the I/O error, if this is one.
    pub fn io_kind(&self) -> Option<io::ErrorKind> {
        match self {
            ReadError::Io(e) => Some(e.kind()),
            _ => None,
        }
    }

    /// True when the file does not exist.
    pub fn is_not_found(&self) -> bool {
        self.io_kind() == Some(io::ErrorKind::NotFound)
    }

    /// The error of a [`LazyFile`] read: the `ReadError` it carries
    /// (not a regular file), else the I/O error.
    fn from_lazy(e: io::Error) -> ReadError {
        if !e.get_ref().is_some_and(|i| i.is::<ReadError>()) {
            return ReadError::Io(e);
        }
        let kind = e.kind();
        match e.into_inner().map(|i| i.downcast::<ReadError>()) {
            Some(Ok(r)) => *r,
            Some(Err(other)) => ReadError::Io(io::Error::new(kind, other)),
            None => ReadError::Io(kind.into()),
        }
    }
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

/// `file` and its size, if it is a regular file ([`regular_size`]).
fn regular_len(file: File) -> Result<(File, u64), ReadError> {
    regular_size(&file).map(|len| (file, len))
}

/// The size of `file`, if it is a regular file: `fstat`, not
/// `File::metadata` (`statx`, which fills in more than the type and size
/// asked for here).
#[cfg(unix)]
fn regular_size(file: &File) -> Result<u64, ReadError> {
    use std::os::fd::AsRawFd;
    let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
    // SAFETY: `file` is an open descriptor and `st` writable memory of the
    // right type, initialised by a successful call.
    let st = unsafe {
        if libc::fstat(file.as_raw_fd(), st.as_mut_ptr()) != 0 {
            return Err(io::Error::last_os_error().into());
        }
        st.assume_init()
    };
    if st.st_mode & libc::S_IFMT != libc::S_IFREG {
        return Err(ReadError::NotRegular(describe_mode(st.st_mode)));
    }
    Ok(st.st_size as u64)
}

/// A file opened for reading ([`Dir::open_lazy`]) whose type is checked
/// (`fstat`) only when a read of it gives no byte or fails: a FIFO without
/// a writer reads as empty, a directory fails with `EISDIR`, and then the
/// read fails as [`open_regular_len`] would have, "not a regular file".
/// A regular file that yields bytes needs no check. (A FIFO can yield bytes
/// only while someone writes to it: what it yields is read like a file's
/// content, never waited for, and capped like it.)
#[derive(Debug)]
pub struct LazyFile {
    file: File,
    checked: bool,
}

impl LazyFile {
    /// A file already known to be regular ([`open_regular_len`]).
    pub fn checked(file: File) -> LazyFile {
        LazyFile {
            file,
            checked: true,
        }
    }
}

impl Read for LazyFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let r = self.file.read(buf);
        if !self.checked && !matches!(r, Ok(n) if n > 0) {
            self.checked = true;
            if let Err(e) = regular_size(&self.file) {
                return Err(match e {
                    ReadError::Io(e) => e,
                    e => io::Error::other(e),
                });
            }
        }
        r
    }
}

/// The size of `file`, if it is a regular file.
#[cfg(not(unix))]
fn regular_size(file: &File) -> Result<u64, ReadError> {
    let meta = file.metadata()?;
    let ft = meta.file_type();
    if !ft.is_file() {
        return Err(ReadError::NotRegular(describe_type(&ft)));
    }
    Ok(meta.len())
}

/// What a file that is not regular is, in words, from its `st_mode`.
#[cfg(unix)]
fn describe_mode(mode: libc::mode_t) -> &'static str {
    match mode & libc::S_IFMT {
        libc::S_IFIFO => "a FIFO",
        libc::S_IFCHR | libc::S_IFBLK => "a device",
        libc::S_IFSOCK => "a socket",
        libc::S_IFDIR => "a directory",
        _ => "a special file",
    }
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

    /// Open `rel`, a relative path below this directory, without blocking
    /// and without following a final symbolic link, its type checked only if
    /// need be ([`LazyFile`]: the `fstat` of [`Dir::open_regular_len`] is
    /// one of the ten system calls a distribution costs). `Ok(None)` when
    /// `rel` is a symbolic link: open it with [`Dir::open_regular_len`],
    /// which checks what the link leads to (`/dev/zero`) before reading.
    pub fn open_lazy(&self, rel: &CStr) -> Result<Option<LazyFile>, ReadError> {
        use std::os::fd::{AsRawFd, FromRawFd};
        // SAFETY: as in `open_regular_len`.
        let fd = unsafe {
            libc::openat(
                self.fd.as_raw_fd(),
                rel.as_ptr(),
                libc::O_RDONLY
                    | libc::O_NONBLOCK
                    | libc::O_NOCTTY
                    | libc::O_CLOEXEC
                    | libc::O_NOFOLLOW,
            )
        };
        if fd < 0 {
            let e = io::Error::last_os_error();
            return match e.raw_os_error() {
                Some(libc::ELOOP | libc::EMLINK) => Ok(None),
                _ => Err(e.into()),
            };
        }
        Ok(Some(LazyFile {
            // SAFETY: as in `open_regular_len`.
            file: unsafe { File::from_raw_fd(fd) },
            checked: false,
        }))
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

/// What a file that is not regular is, in words.
#[cfg(not(unix))]
fn describe_type(ft: &std::fs::FileType) -> &'static str {
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
pub fn read_small_text(path: &Path) -> Result<String, ReadError> {
    let (file, len) = open_regular_len(path)?;
    read_small_text_file(file, len)
}

/// [`read_small_text`] on a file already opened (`len`: its size then).
pub fn read_small_text_file(file: File, len: u64) -> Result<String, ReadError> {
    let bytes = read_capped_file(file, len, SMALL_FILE_CAP)?;
    String::from_utf8(bytes).map_err(|_| ReadError::NotUtf8)
}

/// [`read_small_text_file`] of a [`LazyFile`]. A regular file's read that
/// returns fewer bytes than asked for ends at its end (Linux reads regular
/// files from the page cache until the count or the end), so a small file
/// takes one `read` and no `fstat`.
pub fn read_small_text_lazy(mut file: LazyFile) -> Result<String, ReadError> {
    const FIRST: usize = 1024;
    let mut buf = vec![0u8; FIRST];
    let n = loop {
        match file.read(&mut buf) {
            Ok(n) => break n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(ReadError::from_lazy(e)),
        }
    };
    buf.truncate(n);
    if n == FIRST {
        file.take(SMALL_FILE_CAP + 1 - FIRST as u64)
            .read_to_end(&mut buf)
            .map_err(ReadError::from_lazy)?;
        if buf.len() as u64 > SMALL_FILE_CAP {
            return Err(ReadError::TooLarge(SMALL_FILE_CAP));
        }
    }
    String::from_utf8(buf).map_err(|_| ReadError::NotUtf8)
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

    #[test]
    fn lazy_files_are_checked_when_they_read_nothing() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path();
        std::fs::create_dir(p.join("e.dist-info")).unwrap();
        std::fs::write(p.join("e.dist-info/INSTALLER"), "uv\n").unwrap();
        std::fs::write(p.join("e.dist-info/EMPTY"), "").unwrap();
        std::fs::write(p.join("e.dist-info/BIG"), vec![b'a'; 5000]).unwrap();
        let huge = vec![b'a'; SMALL_FILE_CAP as usize + 1];
        std::fs::write(p.join("e.dist-info/HUGE"), huge).unwrap();
        std::os::unix::fs::symlink("/dev/zero", p.join("e.dist-info/ZERO")).unwrap();
        let c = std::ffi::CString::new(p.join("e.dist-info/FIFO").to_str().unwrap()).unwrap();
        // SAFETY: a valid C string.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
        let dir = Dir::open(p).unwrap();
        let lazy = |rel: &CStr| dir.open_lazy(rel).unwrap().expect("not a link");
        let text = |rel: &CStr| read_small_text_lazy(lazy(rel));
        assert_eq!(text(c"e.dist-info/INSTALLER").unwrap(), "uv\n");
        assert_eq!(text(c"e.dist-info/EMPTY").unwrap(), "");
        assert_eq!(text(c"e.dist-info/BIG").unwrap().len(), 5000);
        let e = text(c"e.dist-info/HUGE").unwrap_err();
        assert!(matches!(e, ReadError::TooLarge(SMALL_FILE_CAP)), "{e}");
        assert!(e.to_string().contains("limit"), "{e}");
        // The FIFO has no writer: it reads as empty, then is checked.
        let e = text(c"e.dist-info/FIFO").unwrap_err();
        assert!(matches!(e, ReadError::NotRegular("a FIFO")), "{e}");
        assert_eq!(e.to_string(), "not a regular file (a FIFO)");
        let e = text(c"e.dist-info").unwrap_err();
        assert!(matches!(e, ReadError::NotRegular(_)), "{e}");
        assert_eq!(e.to_string(), "not a regular file (a directory)");
        // A link is not opened: the caller checks what it leads to first.
        assert!(dir.open_lazy(c"e.dist-info/ZERO").unwrap().is_none());
        match dir.open_lazy(c"e.dist-info/MISSING") {
            Err(ReadError::Io(e)) => assert_eq!(e.kind(), io::ErrorKind::NotFound),
            other => panic!("{other:?}"),
        }
        // A regular file that yields bytes is never checked; a checked one
        // reads as the file.
        let mut buf = [0u8; 8];
        let mut f = LazyFile::checked(File::open(p.join("e.dist-info/EMPTY")).unwrap());
        assert_eq!(f.read(&mut buf).unwrap(), 0);
    }
}
