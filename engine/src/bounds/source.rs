//! Reading a bound's text from a file, a URL or stdin, and resolving the
//! files it includes relative to it.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::bounds::cfg::is_http_url;
use crate::bounds::fetch;
use crate::fsutil;

/// Largest bound read (file, URL or stdin).
pub const BOUND_CAP: u64 = 16 * 1024 * 1024;

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
    pub fn join(&self, target: &str) -> Result<Location, String> {
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
                .map_err(|e| format!("cannot resolve {target:?} against {base}: {e}")),
            _ => Ok(Location::Path(canonical(&self.base_dir().join(target)))),
        }
    }

    /// Read the document's text. Included files must be regular files (a
    /// FIFO named by an include would block); see [`Location::read_named`].
    pub fn read(&self) -> Result<String, String> {
        self.read_inner(false)
    }

    /// Read a bound the user named on the command line: a pipe is allowed
    /// too (`--bound <(curl …)`), since the user chose it.
    pub fn read_named(&self) -> Result<String, String> {
        self.read_inner(true)
    }

    fn read_inner(&self, allow_pipe: bool) -> Result<String, String> {
        let bytes = match self {
            Location::Path(p) if allow_pipe => read_any(p)?,
            Location::Path(p) => fsutil::read_capped(p, BOUND_CAP).map_err(|e| e.to_string())?,
            Location::Url(u) => fetch::get(u, BOUND_CAP)?,
            Location::Stdin => {
                let mut buf = Vec::new();
                std::io::stdin()
                    .lock()
                    .take(BOUND_CAP + 1)
                    .read_to_end(&mut buf)
                    .map_err(|e| e.to_string())?;
                if buf.len() as u64 > BOUND_CAP {
                    return Err(format!("larger than the {BOUND_CAP}-byte limit"));
                }
                buf
            }
        };
        decode(&bytes)
    }
}

/// Read a file or pipe (not a directory), at most [`BOUND_CAP`] bytes.
fn read_any(p: &Path) -> Result<Vec<u8>, String> {
    let file = std::fs::File::open(p).map_err(|e| e.to_string())?;
    if file.metadata().map_err(|e| e.to_string())?.is_dir() {
        return Err("is a directory".into());
    }
    let mut buf = Vec::new();
    file.take(BOUND_CAP + 1)
        .read_to_end(&mut buf)
        .map_err(|e| e.to_string())?;
    if buf.len() as u64 > BOUND_CAP {
        return Err(format!("larger than the {BOUND_CAP}-byte limit"));
    }
    Ok(buf)
}

/// Canonical path when it exists, else the path as given.
fn canonical(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

/// Decode a bound: UTF-8 (BOM stripped) or UTF-16 with a BOM, as pip's
/// `auto_decode` does (PowerShell's `pip freeze > req.txt` writes UTF-16).
pub fn decode(bytes: &[u8]) -> Result<String, String> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return utf8(rest);
    }
    let utf16 = |rest: &[u8], le: bool| -> Result<String, String> {
        let units = rest.chunks_exact(2).map(|c| {
            if le {
                u16::from_le_bytes([c[0], c[1]])
            } else {
                u16::from_be_bytes([c[0], c[1]])
            }
        });
        char::decode_utf16(units)
            .collect::<Result<String, _>>()
            .map_err(|_| "invalid UTF-16 text".to_string())
    };
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return utf16(rest, true);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return utf16(rest, false);
    }
    utf8(bytes)
}

fn utf8(bytes: &[u8]) -> Result<String, String> {
    String::from_utf8(bytes.to_vec()).map_err(|e| {
        format!(
            "not UTF-8 text (invalid byte at offset {}); save the file as UTF-8",
            e.utf8_error().valid_up_to()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_boms() {
        assert_eq!(decode(b"\xEF\xBB\xBFa==1\n").unwrap(), "a==1\n");
        assert_eq!(decode(b"\xFF\xFEa\0=\0").unwrap(), "a=");
        assert!(decode(b"a\xFF").unwrap_err().contains("not UTF-8"));
    }

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
