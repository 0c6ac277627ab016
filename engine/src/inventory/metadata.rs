//! Core-metadata headers (METADATA, PKG-INFO) and metadata directory names.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use crate::fsutil::{self, METADATA_CAP};

/// The headers fetter needs from a METADATA or PKG-INFO file.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Headers {
    /// `Name:`
    pub name: Option<String>,
    /// `Version:`
    pub version: Option<String>,
}

/// Why a METADATA/PKG-INFO header block cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum HeadersError {
    /// The file cannot be opened or read (missing:
    /// [`fsutil::ReadError::is_not_found`]).
    #[error(transparent)]
    Read(#[from] fsutil::ReadError),
    /// NUL bytes: not a text file.
    #[error("binary content (NUL bytes) in metadata")]
    Binary,
    /// The cap was reached before both headers.
    #[error("no Name/Version within the first {METADATA_CAP} bytes")]
    NoHeaders,
}

impl HeadersError {
    /// True when the file does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self, HeadersError::Read(e) if e.is_not_found())
    }
}

/// Read the header block of a METADATA/PKG-INFO file.
///
/// Only the headers are read: reading stops at the first blank line (the
/// body is the long description, often most of the file) or at
/// [`METADATA_CAP`] bytes. Returns the headers and an optional problem to
/// report as a warning (non-UTF-8, binary content) when the headers were
/// still usable.
pub fn read_headers(path: &Path) -> Result<(Headers, Option<String>), HeadersError> {
    let file = fsutil::open_regular(path)?;
    parse_headers(file)
}

/// [`read_headers`] on any reader (split out so fuzz and property tests
/// can drive the parser with bytes; the cap applies here too).
pub fn parse_headers(input: impl Read) -> Result<(Headers, Option<String>), HeadersError> {
    // Name and Version open the header block of every METADATA seen in
    // practice: a first read of 1 KiB nearly always holds both, and reading
    // the whole file (the long description) would copy it for nothing.
    let mut reader = BufReader::with_capacity(1024, input.take(METADATA_CAP));
    let mut headers = Headers::default();
    let mut problem = None;
    let mut line = Vec::new();
    let mut total = 0u64;
    loop {
        line.clear();
        let n = reader
            .read_until(b'\n', &mut line)
            .map_err(fsutil::ReadError::Io)?;
        if n == 0 {
            break;
        }
        total += n as u64;
        if line.contains(&0) {
            return Err(HeadersError::Binary);
        }
        let text = match std::str::from_utf8(&line) {
            Ok(t) => std::borrow::Cow::Borrowed(t),
            Err(_) => {
                problem.get_or_insert_with(|| "metadata is not valid UTF-8".to_string());
                String::from_utf8_lossy(&line)
            }
        };
        let text = text.trim_end_matches(['\n', '\r']);
        if text.is_empty() {
            break;
        }
        if text.starts_with([' ', '\t']) {
            continue; // continuation of a multi-line header we do not need
        }
        if let Some((key, value)) = text.split_once(':') {
            let value = value.trim();
            if key.eq_ignore_ascii_case("Name") && headers.name.is_none() {
                headers.name = Some(value.to_string());
            } else if key.eq_ignore_ascii_case("Version") && headers.version.is_none() {
                headers.version = Some(value.to_string());
            }
        }
        if headers.name.is_some() && headers.version.is_some() {
            break; // nothing else in the header block is needed
        }
    }
    if total >= METADATA_CAP && (headers.name.is_none() || headers.version.is_none()) {
        return Err(HeadersError::NoHeaders);
    }
    Ok((headers, problem))
}

/// Name and version taken from a metadata directory's file name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StemParts {
    /// The name part, as written.
    pub name: String,
    /// The version part, if the name carries one.
    pub version: Option<String>,
}

/// Split `requests-2.32.3.dist-info` or `foo-1.0-py3.11.egg-info` into name
/// and version. Returns `None` for names that are not metadata directories.
pub fn parse_stem(file_name: &str) -> Option<StemParts> {
    if let Some(stem) = file_name.strip_suffix(".dist-info") {
        // Historic tools left '-' in names; the version never holds one, so
        // the last '-' separates them.
        return Some(match stem.rsplit_once('-') {
            Some((n, v)) if !n.is_empty() && !v.is_empty() => StemParts {
                name: n.to_string(),
                version: Some(v.to_string()),
            },
            _ => StemParts {
                name: stem.to_string(),
                version: None,
            },
        });
    }
    if let Some(stem) = file_name.strip_suffix(".egg-info") {
        // Egg names are `name-version[-pyX.Y[-platform]]` with '-' in the
        // name escaped to '_', so the first '-' separates them.
        let mut parts = stem.splitn(3, '-');
        let name = parts.next().unwrap_or_default().to_string();
        let version = parts.next().filter(|v| !v.is_empty()).map(str::to_string);
        if name.is_empty() {
            return None;
        }
        return Some(StemParts { name, version });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems() {
        let p = parse_stem("requests-2.32.3.dist-info").unwrap();
        assert_eq!(
            (p.name.as_str(), p.version.as_deref()),
            ("requests", Some("2.32.3"))
        );
        let p = parse_stem("PyYAML-6.0.dist-info").unwrap();
        assert_eq!(
            (p.name.as_str(), p.version.as_deref()),
            ("PyYAML", Some("6.0"))
        );
        let p = parse_stem("foo-bar-1.0.dist-info").unwrap();
        assert_eq!(
            (p.name.as_str(), p.version.as_deref()),
            ("foo-bar", Some("1.0"))
        );
        let p = parse_stem("noversion.dist-info").unwrap();
        assert_eq!(p.version, None);
        let p = parse_stem("crcmod-1.7.egg-info").unwrap();
        assert_eq!(
            (p.name.as_str(), p.version.as_deref()),
            ("crcmod", Some("1.7"))
        );
        let p = parse_stem("lazr.uri-1.0.6-py3.11.egg-info").unwrap();
        assert_eq!(
            (p.name.as_str(), p.version.as_deref()),
            ("lazr.uri", Some("1.0.6"))
        );
        let p = parse_stem("cryptography.egg-info").unwrap();
        assert_eq!((p.name.as_str(), p.version), ("cryptography", None));
        assert!(parse_stem("requests").is_none());
    }

    fn write(dir: &Path, body: &[u8]) -> std::path::PathBuf {
        let p = dir.join("METADATA");
        std::fs::write(&p, body).unwrap();
        p
    }

    #[test]
    fn headers_stop_at_body() {
        let d = tempfile::tempdir().unwrap();
        let p = write(
            d.path(),
            b"Metadata-Version: 2.1\nName: Foo.Bar\nSummary: x\n  continued\nVersion: 1.0rc1\n\nName: body\n",
        );
        let (h, problem) = read_headers(&p).unwrap();
        assert_eq!(h.name.as_deref(), Some("Foo.Bar"));
        assert_eq!(h.version.as_deref(), Some("1.0rc1"));
        assert!(problem.is_none());
    }

    #[test]
    fn headers_problems() {
        let d = tempfile::tempdir().unwrap();
        let p = write(d.path(), b"Name: caf\xe9\nVersion: 1\n");
        let (h, problem) = read_headers(&p).unwrap();
        assert_eq!(h.version.as_deref(), Some("1"));
        assert!(problem.unwrap().contains("UTF-8"));
        let p = write(d.path(), b"Name: x\0\0\n");
        assert!(matches!(read_headers(&p), Err(HeadersError::Binary)));
        let p = write(d.path(), b"");
        let (h, _) = read_headers(&p).unwrap();
        assert_eq!(h, Headers::default());
        let mut huge = b"Summary: ".to_vec();
        huge.extend(std::iter::repeat_n(b'a', 300 * 1024));
        let p = write(d.path(), &huge);
        assert!(matches!(read_headers(&p), Err(HeadersError::NoHeaders)));
        assert!(read_headers(&d.path().join("absent"))
            .unwrap_err()
            .is_not_found());
    }

    #[cfg(unix)]
    #[test]
    fn fifo_and_devices_do_not_block() {
        let d = tempfile::tempdir().unwrap();
        let fifo = d.path().join("METADATA");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
        assert!(read_headers(&fifo)
            .unwrap_err()
            .to_string()
            .contains("FIFO"));
        assert!(read_headers(Path::new("/dev/zero"))
            .unwrap_err()
            .to_string()
            .contains("device"));
    }
}
