//! What an rpm header records of each file it installed: the digest
//! (`FILEDIGESTS`, in the algorithm `FILEDIGESTALGO` names), size, mode,
//! flags and state: what `rpm -V` compares, and what `fetter verify`
//! compares an rpm-owned distribution's files with.

use super::header::{self, HeaderError};

/// `RPMTAG_FILESIZES`: each file's size, when all fit 32 bits.
const FILESIZES: u32 = 1028;
/// `RPMTAG_FILESTATES`: one `char` per file (0 installed normally).
const FILESTATES: u32 = 1029;
/// `RPMTAG_FILEMODES`: each file's `st_mode`.
const FILEMODES: u32 = 1030;
/// `RPMTAG_FILEDIGESTS` (once `FILEMD5S`): hex digests, empty for what
/// is not a regular file.
const FILEDIGESTS: u32 = 1035;
/// `RPMTAG_FILEFLAGS`: `%config`, `%ghost`, … per file.
const FILEFLAGS: u32 = 1037;
/// `RPMTAG_LONGFILESIZES`: each file's size, in packages with a file of
/// 4 GiB or more.
const LONGFILESIZES: u32 = 5008;
/// `RPMTAG_FILEDIGESTALGO`: the algorithm of `FILEDIGESTS` (MD5 when
/// absent).
const FILEDIGESTALGO: u32 = 5011;

/// `RPMFILE_GHOST`: listed, not shipped (its content is not the package's).
pub const FILE_GHOST: u32 = 1 << 6;

/// `S_IFMT` and `S_IFREG` of `st_mode`.
const S_IFMT: u16 = 0o170000;
const S_IFREG: u16 = 0o100000;

/// The algorithm of a package's file digests, as rpm numbers it
/// (`PGPHASHALGO_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestAlgo {
    /// 1, rpm's default before 4.6 (no `FILEDIGESTALGO` tag).
    Md5,
    /// 8, what rpm has written since Fedora 12 and RHEL 6.
    Sha256,
    /// 9.
    Sha384,
    /// 10.
    Sha512,
    /// 11.
    Sha224,
    /// Any other (SHA-1, RIPEMD-160, …): not verified.
    Other(u32),
}

impl DigestAlgo {
    fn of(n: u32) -> DigestAlgo {
        match n {
            1 => DigestAlgo::Md5,
            8 => DigestAlgo::Sha256,
            9 => DigestAlgo::Sha384,
            10 => DigestAlgo::Sha512,
            11 => DigestAlgo::Sha224,
            n => DigestAlgo::Other(n),
        }
    }

    /// The name `fetter verify` shows (`sha256`).
    pub fn name(self) -> String {
        match self {
            DigestAlgo::Md5 => "md5".into(),
            DigestAlgo::Sha256 => "sha256".into(),
            DigestAlgo::Sha384 => "sha384".into(),
            DigestAlgo::Sha512 => "sha512".into(),
            DigestAlgo::Sha224 => "sha224".into(),
            DigestAlgo::Other(n) => format!("rpm digest algorithm {n}"),
        }
    }
}

/// What a package's header says of one of its files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileMeta {
    /// The absolute path.
    pub path: String,
    /// The digest (raw bytes), `None` when the header gives none (a
    /// directory, a link).
    pub digest: Option<Vec<u8>>,
    /// The size.
    pub size: u64,
    /// `st_mode`.
    pub mode: u16,
    /// `RPMFILE_*` flags.
    pub flags: u32,
    /// `FILESTATES`: 0 when installed normally (absent: 0).
    pub state: u8,
}

impl FileMeta {
    /// Whether `rpm -V` would compare this file's content: a regular file,
    /// installed (state normal), not a `%ghost`, with a digest.
    pub fn verifiable(&self) -> bool {
        self.mode & S_IFMT == S_IFREG
            && self.state == 0
            && self.flags & FILE_GHOST == 0
            && self.digest.is_some()
    }
}

/// The file digests of the header `blob`: its algorithm and, for each
/// file [`header::parse`] lists, in the same order, what rpm recorded.
/// Every count must match the files'; a malformed tag is an error.
pub fn file_meta(blob: &[u8]) -> Result<(DigestAlgo, Vec<FileMeta>), HeaderError> {
    let files = header::parse(blob)?.files;
    let h = header::index(blob)?;
    let n = files.len();
    let algo = DigestAlgo::of(
        h.int32s(FILEDIGESTALGO)?
            .and_then(|a| a.first().copied())
            .unwrap_or(1),
    );
    let counted = |what: &'static str, len: usize| {
        if len == n {
            Ok(())
        } else {
            Err(HeaderError::Malformed(format!(
                "{len} {what} for {n} files"
            )))
        }
    };
    let digests = h.strings(FILEDIGESTS)?.unwrap_or_default();
    let sizes: Vec<u64> = match h.int64s(LONGFILESIZES)? {
        Some(s) => s,
        None => h
            .int32s(FILESIZES)?
            .unwrap_or_default()
            .into_iter()
            .map(u64::from)
            .collect(),
    };
    let modes = h.int16s(FILEMODES)?.unwrap_or_default();
    let flags = h.int32s(FILEFLAGS)?.unwrap_or_else(|| vec![0; n]);
    let states = h.chars(FILESTATES)?.unwrap_or_else(|| vec![0; n]);
    counted("file digests", digests.len())?;
    counted("file sizes", sizes.len())?;
    counted("file modes", modes.len())?;
    counted("file flags", flags.len())?;
    counted("file states", states.len())?;
    let mut out = Vec::with_capacity(n);
    for (i, path) in files.into_iter().enumerate() {
        let digest = match digests[i].as_str() {
            "" => None,
            hex => Some(unhex(hex).ok_or_else(|| {
                HeaderError::Malformed(format!("file digest {hex:?} is not hexadecimal"))
            })?),
        };
        out.push(FileMeta {
            path,
            digest,
            size: sizes[i],
            mode: modes[i],
            flags: flags[i],
            state: states[i],
        });
    }
    Ok((algo, out))
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use sha2::{Digest, Sha256};

    use super::*;

    const FIXTURE: &[u8] = include_bytes!("../../../../tests/fixtures/rpm/python3-rpmdemo.header");

    #[test]
    fn digests_of_a_header_rpm_wrote() {
        let (algo, files) = file_meta(FIXTURE).unwrap();
        assert_eq!(algo, DigestAlgo::Sha256);
        let meta = files
            .iter()
            .find(|f| f.path.ends_with("rpmdemo-1.2.3.dist-info/METADATA"))
            .unwrap();
        let body = b"Metadata-Version: 2.1\nName: rpmdemo\nVersion: 1.2.3\n";
        assert!(meta.verifiable(), "{meta:?}");
        assert_eq!(meta.size, body.len() as u64);
        assert_eq!(
            meta.digest.as_deref(),
            Some(Sha256::digest(body).as_slice())
        );
        let dir = files
            .iter()
            .find(|f| f.path.ends_with("rpmdemo-1.2.3.dist-info"))
            .unwrap();
        assert!(!dir.verifiable() && dir.digest.is_none(), "{dir:?}");
    }

    #[test]
    fn truncations_and_flipped_bytes_never_panic() {
        for n in 0..FIXTURE.len() {
            assert!(file_meta(&FIXTURE[..n]).is_err(), "prefix of {n} bytes");
        }
        for i in 0..FIXTURE.len() {
            let mut b = FIXTURE.to_vec();
            b[i] ^= 0xff;
            let _ = file_meta(&b);
        }
    }

    #[test]
    fn counts_that_disagree_are_named() {
        let blob = header::sample(
            "p",
            (None, "1", "1"),
            "p-1-1.src.rpm",
            &["/usr/a", "/usr/b"],
        );
        // No digests at all for two files.
        let err = file_meta(&blob).unwrap_err().to_string();
        assert!(err.contains("0 file digests for 2 files"), "{err}");
    }
}
