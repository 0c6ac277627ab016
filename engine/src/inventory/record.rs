//! RECORD files: the list of files a distribution installed.
//!
//! Parsed only when a command needs it (purge, unpack), never during a scan.

use std::path::{Path, PathBuf};

use crate::fsutil::{self, ReadError, RECORD_CAP};

/// One row of a RECORD file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordEntry {
    /// The path as written (relative to the site, or absolute).
    pub path: String,
    /// `algo=urlsafe-b64-digest`, empty for files like `*.pyc` and RECORD itself.
    pub hash: Option<String>,
    /// Size in bytes, when given.
    pub size: Option<u64>,
    /// The 1-based line of RECORD the row starts on, for messages.
    pub line: usize,
}

impl RecordEntry {
    /// The file this entry names, resolved against the site directory
    /// (lexically: `..` is folded without touching the filesystem).
    pub fn resolve(&self, site: &Path) -> PathBuf {
        let p = Path::new(&self.path);
        let joined = if p.is_absolute() {
            p.to_path_buf()
        } else {
            site.join(p)
        };
        lexical_normalize(&joined)
    }
}

pub use fetter_packaging::lock::lexical_normalize;

/// Why RECORD text does not parse.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The CSV reader refused a row.
    #[error("line {line}: {error}")]
    Csv {
        /// The row's number, from 1.
        line: usize,
        /// What the reader said.
        error: csv::Error,
    },
    /// A size field that is not a number.
    #[error("line {line}: size {size:?} is not a number")]
    Size {
        /// The line, from 1.
        line: usize,
        /// The field as written.
        size: String,
    },
}

/// Why the RECORD of a `.dist-info` directory cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ReadRecordError {
    /// It cannot be read (missing: [`ReadError::is_not_found`]).
    #[error("{}: {error}", .path.display())]
    Read {
        /// The RECORD file.
        path: PathBuf,
        /// Why.
        error: ReadError,
    },
    /// It does not parse.
    #[error("{}: {error}", .path.display())]
    Parse {
        /// The RECORD file.
        path: PathBuf,
        /// Why.
        error: RecordError,
    },
}

impl ReadRecordError {
    /// True when the RECORD file does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self, ReadRecordError::Read { error, .. } if error.is_not_found())
    }
}

/// Read and parse the RECORD of the `.dist-info` directory `dist_info`.
pub fn read_record(dist_info: &Path) -> Result<Vec<RecordEntry>, ReadRecordError> {
    let path = dist_info.join("RECORD");
    let bytes = match fsutil::read_capped(&path, RECORD_CAP) {
        Ok(b) => b,
        Err(error) => return Err(ReadRecordError::Read { path, error }),
    };
    parse_record(&bytes).map_err(|error| ReadRecordError::Parse { path, error })
}

/// Parse RECORD text: CSV rows of `path,hash,size` (quoted fields allowed).
pub fn parse_record(bytes: &[u8]) -> Result<Vec<RecordEntry>, RecordError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut out = Vec::new();
    // Line numbers for messages, counted here: the reader's own position
    // stops before skipped blank lines and the `\n` of a `\r\n`.
    let (mut counted_to, mut line) = (0usize, 1usize);
    for (i, row) in reader.records().enumerate() {
        let row = row.map_err(|error| RecordError::Csv { line: i + 1, error })?;
        let mut start = row
            .position()
            .and_then(|p| usize::try_from(p.byte()).ok())
            .unwrap_or(counted_to)
            .clamp(counted_to, bytes.len());
        while start < bytes.len() && matches!(bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        line += bytes[counted_to..start]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        counted_to = start;
        let path = row.get(0).unwrap_or_default();
        if path.is_empty() {
            continue;
        }
        let hash = row.get(1).filter(|h| !h.is_empty()).map(str::to_string);
        let size = match row.get(2).filter(|s| !s.is_empty()) {
            Some(s) => Some(s.parse::<u64>().map_err(|_| RecordError::Size {
                line,
                size: s.to_string(),
            })?),
            None => None,
        };
        out.push(RecordEntry {
            path: path.to_string(),
            hash,
            size,
            line,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_quoted_and_empty_fields() {
        let text = b"six.py,sha256=abc,123\n\"dir/with,comma.py\",sha256=def,4\nsix-1.0.dist-info/RECORD,,\n../../../bin/tool,sha256=x,9\r\n";
        let rows = parse_record(text).unwrap();
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[1].path, "dir/with,comma.py");
        assert_eq!(rows[2].hash, None);
        assert_eq!(rows[2].size, None);
        assert_eq!(rows[3].size, Some(9));
        assert_eq!(rows[3].line, 4);
        let site = Path::new("/v/lib/python3.11/site-packages");
        assert_eq!(rows[3].resolve(site), Path::new("/v/bin/tool"));
        assert!(matches!(
            parse_record(b"a,b,notanumber\n"),
            Err(RecordError::Size { line: 1, .. })
        ));
        let missing = read_record(Path::new("/nonexistent/x.dist-info")).unwrap_err();
        assert!(missing.is_not_found(), "{missing}");
    }

    #[test]
    fn line_numbers_count_blank_lines_quoted_newlines_and_crlf() {
        let lines = |text: &[u8]| -> Vec<usize> {
            parse_record(text).unwrap().iter().map(|r| r.line).collect()
        };
        assert_eq!(lines(b"a.py,,\n\n\"b\nc.py\",,\nd.py,,\n"), [1, 3, 5]);
        assert_eq!(lines(b"a.py,,\r\nb.py,,\r\n\r\nc.py,,\r\n"), [1, 2, 4]);
        assert_eq!(lines(b",,\nb.py,,"), [2]);
    }
}
