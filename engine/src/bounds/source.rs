//! Reading a bound's text from a file, a URL or stdin, and resolving the
//! files it includes relative to it.

use std::io::Read;
use std::path::{Path, PathBuf};

pub use fetter_packaging::text::{decode, DecodeError};

use crate::bounds::cfg::is_http_url;
use crate::bounds::fetch::{self, FetchError};
use crate::fsutil::{self, ReadError};

/// Largest bound read (file, URL or stdin).
pub const BOUND_CAP: u64 = 16 * 1024 * 1024;

/// Why a bound or an included file cannot be read (the messages are
/// completed by the caller, which names the file).
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// An include that does not resolve against a URL.
    #[error("cannot resolve {target:?} against {base}: {why}")]
    Resolve {
        /// The include as written.
        target: String,
        /// The including URL.
        base: String,
        /// The URL parser's message.
        why: url::ParseError,
    },
    /// A file that cannot be read.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// A named file or pipe that cannot be opened or read.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// A named path that is a directory.
    #[error("is a directory")]
    Directory,
    /// More than [`BOUND_CAP`] bytes.
    #[error("larger than the {BOUND_CAP}-byte limit")]
    TooLarge,
    /// A URL that cannot be fetched.
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// Bytes that are not text.
    #[error(transparent)]
    Decode(#[from] DecodeError),
}

/// Where a bound document lives; includes resolve relative to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A file (canonical path when it exists).
    Path(PathBuf),
    /// An `http(s)://` URL.
    Url(String),
    /// Standard input; includes resolve relative to the working directory.
    Stdin,
}

impl Location {
    /// How the location is named in messages.
    pub fn display(&self) -> String {
        match self {
            Location::Path(p) => p.display().to_string(),
            Location::Url(u) => u.clone(),
            Location::Stdin => "<stdin>".into(),
        }
    }

    /// The last path segment (`requirements.txt`, `uv.lock`), used to detect the format.
    pub fn file_name(&self) -> String {
        match self {
            Location::Path(p) => p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            Location::Url(u) => url::Url::parse(u)
                .ok()
                .and_then(|u| u.path_segments()?.next_back().map(str::to_string))
                .unwrap_or_default(),
            Location::Stdin => String::new(),
        }
    }

    /// The directory relative paths in this document resolve against.
    pub fn base_dir(&self) -> PathBuf {
        match self {
            Location::Path(p) => p.parent().map(Path::to_path_buf).unwrap_or_default(),
            _ => std::env::current_dir().unwrap_or_default(),
        }
    }

    /// Resolve `target` (a path or URL written in this document).
    pub fn join(&self, target: &str) -> Result<Location, SourceError> {
        if is_http_url(target) {
            return Ok(Location::Url(target.to_string()));
        }
        if let Some(path) = target.strip_prefix("file://") {
            return Ok(Location::Path(canonical(Path::new(path))));
        }
        match self {
            Location::Url(base) => url::Url::parse(base)
                .and_then(|b| b.join(target))
                .map(|u| Location::Url(u.to_string()))
                .map_err(|why| SourceError::Resolve {
                    target: target.to_string(),
                    base: base.clone(),
                    why,
                }),
            _ => Ok(Location::Path(canonical(&self.base_dir().join(target)))),
        }
    }

    /// Read the document's text. Included files must be regular files (a
    /// FIFO named by an include would block); see [`Location::read_named`].
    pub fn read(&self) -> Result<String, SourceError> {
        self.read_inner(false)
    }

    /// Read a bound the user named on the command line: a pipe is allowed
    /// too (`--bound <(curl …)`), since the user chose it.
    pub fn read_named(&self) -> Result<String, SourceError> {
        self.read_inner(true)
    }

    fn read_inner(&self, allow_pipe: bool) -> Result<String, SourceError> {
        let bytes = match self {
            Location::Path(p) if allow_pipe => read_any(p)?,
            Location::Path(p) => fsutil::read_capped(p, BOUND_CAP)?,
            Location::Url(u) => fetch::get(u, BOUND_CAP)?,
            Location::Stdin => {
                let mut buf = Vec::new();
                std::io::stdin()
                    .lock()
                    .take(BOUND_CAP + 1)
                    .read_to_end(&mut buf)?;
                if buf.len() as u64 > BOUND_CAP {
                    return Err(SourceError::TooLarge);
                }
                buf
            }
        };
        Ok(decode(&bytes)?)
    }
}

/// Read a file or pipe (not a directory), at most [`BOUND_CAP`] bytes.
fn read_any(p: &Path) -> Result<Vec<u8>, SourceError> {
    let file = std::fs::File::open(p)?;
    if file.metadata()?.is_dir() {
        return Err(SourceError::Directory);
    }
    let mut buf = Vec::new();
    file.take(BOUND_CAP + 1).read_to_end(&mut buf)?;
    if buf.len() as u64 > BOUND_CAP {
        return Err(SourceError::TooLarge);
    }
    Ok(buf)
}

/// Canonical path when it exists, else the path as given.
fn canonical(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_relative_to_the_including_document() {
        let base = Location::Url("http://127.0.0.1:8000/dir/req.txt".into());
        assert_eq!(
            base.join("other.txt").unwrap(),
            Location::Url("http://127.0.0.1:8000/dir/other.txt".into())
        );
        let p = Location::Path("/nonexistent/dir/req.txt".into());
        assert_eq!(
            p.join("sub/x.txt").unwrap(),
            Location::Path("/nonexistent/dir/sub/x.txt".into())
        );
        assert_eq!(p.file_name(), "req.txt");
    }
}
