//! RECORD files: the list of files a distribution installed.
//!
//! Parsed only when a command needs it (purge, unpack), never during a scan.

use std::path::{Path, PathBuf};

use crate::fsutil::{self, RECORD_CAP};

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

/// Fold `.` and `..` components without following symlinks.
pub fn lexical_normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Read and parse the RECORD of the `.dist-info` directory `dist_info`.
pub fn read_record(dist_info: &Path) -> Result<Vec<RecordEntry>, String> {
    let path = dist_info.join("RECORD");
    let bytes =
        fsutil::read_capped(&path, RECORD_CAP).map_err(|e| format!("{}: {e}", path.display()))?;
    parse_record(&bytes).map_err(|e| format!("{}: {e}", path.display()))
}

/// Parse RECORD text: CSV rows of `path,hash,size` (quoted fields allowed).
pub fn parse_record(bytes: &[u8]) -> Result<Vec<RecordEntry>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut out = Vec::new();
    // Line numbers for messages, counted here: the reader's own position
    // stops before skipped blank lines and the `\n` of a `\r\n`.
    let (mut counted_to, mut line) = (0usize, 1usize);
    for (i, row) in reader.records().enumerate() {
        let row = row.map_err(|e| format!("line {}: {e}", i + 1))?;
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
            Some(s) => Some(
                s.parse::<u64>()
                    .map_err(|_| format!("line {line}: size {s:?} is not a number"))?,
            ),
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
        assert!(parse_record(b"a,b,notanumber\n").is_err());
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
