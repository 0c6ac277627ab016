//! RECORD's file hashes (`sha256=<urlsafe base64, unpadded>`, the wheel
//! spec's form) and hashing a file to compare with one.
//!
//! The spec forbids md5 and sha1 in RECORD; only the SHA-2 family that
//! `hashlib.algorithms_guaranteed` offers and installers write is read.

use std::io::{self, Read};
use std::path::Path;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use sha2::{Digest, Sha256, Sha384, Sha512};

use crate::fsutil::{self, ReadError};

/// A hash algorithm RECORD may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RecordAlgorithm {
    /// `sha256`, what pip, uv and installer write.
    Sha256,
    /// `sha384`.
    Sha384,
    /// `sha512`.
    Sha512,
}

impl RecordAlgorithm {
    /// The name as RECORD writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordAlgorithm::Sha256 => "sha256",
            RecordAlgorithm::Sha384 => "sha384",
            RecordAlgorithm::Sha512 => "sha512",
        }
    }

    fn digest_len(self) -> usize {
        match self {
            RecordAlgorithm::Sha256 => 32,
            RecordAlgorithm::Sha384 => 48,
            RecordAlgorithm::Sha512 => 64,
        }
    }
}

/// Why a RECORD hash field cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordHashError {
    /// No `=` between algorithm and digest.
    #[error("hash `{0}` is not of the form algorithm=digest")]
    Malformed(String),
    /// An algorithm the spec does not allow or fetter does not know.
    #[error("hash algorithm `{0}` is not one RECORD may use (sha256, sha384, sha512)")]
    Algorithm(String),
    /// The digest is not unpadded URL-safe base64 of the right length.
    #[error("{0} digest is not unpadded URL-safe base64 of the right length")]
    Digest(&'static str),
}

/// A parsed RECORD hash.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RecordHash {
    /// The algorithm.
    pub algorithm: RecordAlgorithm,
    /// The raw digest bytes.
    pub digest: Vec<u8>,
}

impl RecordHash {
    /// Parse `sha256=…` as RECORD writes it. Padding (`=`) is tolerated,
    /// as pip's own check does, and so is a hexadecimal digest: Debian's
    /// pybuild writes RECORD that way (`sha256=d79a1767…`), and the two
    /// forms cannot be confused (hex is exactly twice the digest length,
    /// base64 four thirds of it).
    pub fn parse(field: &str) -> Result<RecordHash, RecordHashError> {
        let (algo, b64) = field
            .split_once('=')
            .ok_or_else(|| RecordHashError::Malformed(field.to_string()))?;
        let algorithm = match algo.to_ascii_lowercase().as_str() {
            "sha256" => RecordAlgorithm::Sha256,
            "sha384" => RecordAlgorithm::Sha384,
            "sha512" => RecordAlgorithm::Sha512,
            _ => return Err(RecordHashError::Algorithm(algo.to_string())),
        };
        let digest = if b64.len() == 2 * algorithm.digest_len() {
            decode_hex(b64)
        } else {
            URL_SAFE_NO_PAD.decode(b64.trim_end_matches('=')).ok()
        }
        .filter(|d| d.len() == algorithm.digest_len())
        .ok_or(RecordHashError::Digest(algorithm.as_str()))?;
        Ok(RecordHash { algorithm, digest })
    }

    /// The hash as RECORD writes it.
    pub fn to_record_string(&self) -> String {
        format!(
            "{}={}",
            self.algorithm.as_str(),
            URL_SAFE_NO_PAD.encode(&self.digest)
        )
    }
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok()))
        .collect()
}

/// Hash the regular file at `path` with `algorithm`, reading it once;
/// returns the hash and the number of bytes read. Links, FIFOs and
/// devices are refused (`ReadError::NotRegular`) without being opened for
/// long: a FIFO planted where a module was must not hang the check.
pub fn hash_file(path: &Path, algorithm: RecordAlgorithm) -> Result<(RecordHash, u64), ReadError> {
    let (digest, size) = match algorithm {
        RecordAlgorithm::Sha256 => hash_regular::<Sha256>(path),
        RecordAlgorithm::Sha384 => hash_regular::<Sha384>(path),
        RecordAlgorithm::Sha512 => hash_regular::<Sha512>(path),
    }?;
    Ok((RecordHash { algorithm, digest }, size))
}

/// The `D` digest of the regular file at `path` and its size, read once;
/// symbolic links and special files refused as [`hash_file`] does.
pub fn hash_regular<D: Digest>(path: &Path) -> Result<(Vec<u8>, u64), ReadError> {
    let meta = std::fs::symlink_metadata(path)?;
    if meta.file_type().is_symlink() {
        return Err(ReadError::NotRegular("symbolic link"));
    }
    let (mut file, _) = fsutil::open_regular_len(path)?;
    Ok(stream::<D>(&mut file)?)
}

fn stream<D: Digest>(file: &mut std::fs::File) -> io::Result<(Vec<u8>, u64)> {
    let mut hasher = D::new();
    let mut buf = vec![0u8; 128 * 1024];
    let mut total = 0u64;
    loop {
        match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                hasher.update(&buf[..n]);
                total += n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok((hasher.finalize().to_vec(), total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_round_trips_what_pip_writes() {
        // sha256 of the empty string, as pip records an empty __init__.py.
        let h = RecordHash::parse("sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU").unwrap();
        assert_eq!(h.algorithm, RecordAlgorithm::Sha256);
        assert_eq!(
            h.to_record_string(),
            "sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"
        );
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("__init__.py");
        std::fs::write(&f, b"").unwrap();
        assert_eq!(hash_file(&f, RecordAlgorithm::Sha256).unwrap(), (h, 0));
    }

    #[test]
    fn reads_debians_hexadecimal_digests() {
        let hex = RecordHash::parse(
            "sha256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        )
        .unwrap();
        let b64 = RecordHash::parse("sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU").unwrap();
        assert_eq!(hex, b64);
    }

    #[test]
    fn refuses_forbidden_and_malformed_hashes() {
        assert!(matches!(
            RecordHash::parse("md5=1B2M2Y8AsgTpgAmY7PhCfg"),
            Err(RecordHashError::Algorithm(_))
        ));
        assert!(matches!(
            RecordHash::parse("sha256"),
            Err(RecordHashError::Malformed(_))
        ));
        assert!(matches!(
            RecordHash::parse("sha256=AAAA"),
            Err(RecordHashError::Digest("sha256"))
        ));
    }

    #[cfg(unix)]
    #[test]
    fn refuses_links_and_fifos() {
        let d = tempfile::tempdir().unwrap();
        let target = d.path().join("t");
        std::fs::write(&target, b"x").unwrap();
        let link = d.path().join("l");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(matches!(
            hash_file(&link, RecordAlgorithm::Sha256),
            Err(ReadError::NotRegular(_))
        ));
        let fifo = d.path().join("f");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
        assert!(matches!(
            hash_file(&fifo, RecordAlgorithm::Sha256),
            Err(ReadError::NotRegular(_))
        ));
    }
}
