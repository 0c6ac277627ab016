//! `--hash=ALGORITHM:DIGEST` options of a requirements file, and how they
//! compare with the archive hash PEP 610 `direct_url.json` recorded.
//!
//! pip checks `--hash` when it downloads an archive; afterwards only
//! distributions installed from a direct URL keep a trace of the archive
//! (`archive_info.hashes`, or the legacy `archive_info.hash`). Those are
//! compared; for every other install the hash cannot be checked, and the
//! bounds check says so once per run (`bounds/hash-unchecked`) rather than
//! passing silently.

use std::fmt;
use std::str::FromStr;

use crate::inventory::DirectUrl;

/// The hash algorithms pip accepts in `--hash` (its `STRONG_HASHES`).
///
/// uv also accepts `md5`; fetter follows pip, the stricter of the two: an
/// MD5 digest does not protect against a chosen archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HashAlgorithm {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl HashAlgorithm {
    /// The name as pip and `direct_url.json` spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            HashAlgorithm::Sha256 => "sha256",
            HashAlgorithm::Sha384 => "sha384",
            HashAlgorithm::Sha512 => "sha512",
        }
    }

    /// pip compares the name exactly (`SHA256` is refused).
    fn from_name(name: &str) -> Option<Self> {
        match name {
            "sha256" => Some(HashAlgorithm::Sha256),
            "sha384" => Some(HashAlgorithm::Sha384),
            "sha512" => Some(HashAlgorithm::Sha512),
            _ => None,
        }
    }
}

/// One `--hash` value: an algorithm and a digest (hex, lowercased).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequirementHash {
    /// The algorithm.
    pub algorithm: HashAlgorithm,
    /// The digest as written, lowercased (pip does not check its form:
    /// a malformed digest simply never matches).
    pub digest: String,
}

impl fmt::Display for RequirementHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.algorithm.as_str(), self.digest)
    }
}

impl FromStr for RequirementHash {
    type Err = String;

    /// Parse `ALGORITHM:DIGEST` as pip's `--hash` callback does.
    fn from_str(value: &str) -> Result<Self, String> {
        let Some((algo, digest)) = value.split_once(':') else {
            return Err(format!(
                "invalid --hash {:?}: expected ALGORITHM:DIGEST, like --hash=sha256:abcd…",
                crate::bounds::spec::shorten(value)
            ));
        };
        let algorithm = HashAlgorithm::from_name(algo).ok_or_else(|| {
            format!(
                "unknown hash algorithm {:?} in --hash: pip accepts only sha256, sha384 and sha512",
                crate::bounds::spec::shorten(algo)
            )
        })?;
        Ok(RequirementHash {
            algorithm,
            digest: digest.to_ascii_lowercase(),
        })
    }
}

/// What comparing a requirement's hashes with an installed distribution found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HashCheck {
    /// No hashes to check, or the recorded archive hash is one of them.
    Match,
    /// The recorded archive hash is none of the allowed ones (the message
    /// names both).
    Mismatch(String),
    /// Nothing recorded to compare with (an index install, a directory, or
    /// only other algorithms recorded).
    Unchecked,
}

/// Compare `hashes` (of one requirement) with what `installed` recorded.
/// Every recorded algorithm the requirement also names must match one of
/// its digests of that algorithm (several `--hash` values allow several
/// archives, as pip does: a wheel and an sdist).
pub fn check(hashes: &[RequirementHash], installed: Option<&DirectUrl>) -> HashCheck {
    if hashes.is_empty() {
        return HashCheck::Match;
    }
    let recorded = installed
        .map(|du| du.archive_hashes.as_slice())
        .unwrap_or_default()
        .iter()
        .filter_map(|h| h.split_once('='))
        .filter_map(|(a, d)| Some((HashAlgorithm::from_name(&a.to_ascii_lowercase())?, d)));
    let mut compared = false;
    for (algorithm, digest) in recorded {
        let allowed: Vec<&RequirementHash> =
            hashes.iter().filter(|h| h.algorithm == algorithm).collect();
        if allowed.is_empty() {
            continue;
        }
        compared = true;
        if !allowed
            .iter()
            .any(|h| h.digest.eq_ignore_ascii_case(digest))
        {
            let list: Vec<String> = allowed.iter().map(|h| h.to_string()).collect();
            return HashCheck::Mismatch(format!(
                "installed archive has {}:{digest} (direct_url.json), but the bound's --hash allows {}",
                algorithm.as_str(),
                list.join(", ")
            ));
        }
    }
    if compared {
        HashCheck::Match
    } else {
        HashCheck::Unchecked
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> RequirementHash {
        s.parse().unwrap()
    }

    fn archive(hashes: &[&str]) -> DirectUrl {
        DirectUrl {
            url: "file:///w/x-1.0-py3-none-any.whl".into(),
            archive_hashes: hashes.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn algorithms_are_pips() {
        assert_eq!(h("sha512:AB").digest, "ab");
        for bad in ["md5:00", "sha1:00", "SHA256:00", "foo:abc", ":00"] {
            let e = bad.parse::<RequirementHash>().unwrap_err();
            assert!(e.contains("unknown hash algorithm"), "{bad}: {e}");
        }
        let e = "sha256".parse::<RequirementHash>().unwrap_err();
        assert!(e.contains("ALGORITHM:DIGEST"), "{e}");
    }

    #[test]
    fn recorded_archive_hash_must_be_one_of_the_allowed() {
        let allowed = [h("sha256:aa"), h("sha256:bb")];
        assert_eq!(
            check(&allowed, Some(&archive(&["sha256=BB"]))),
            HashCheck::Match
        );
        let HashCheck::Mismatch(m) = check(&allowed, Some(&archive(&["sha256=cc"]))) else {
            panic!("expected a mismatch");
        };
        assert!(
            m.contains("sha256:cc") && m.contains("sha256:aa, sha256:bb"),
            "{m}"
        );
        // Nothing to compare with: an index install, or another algorithm.
        assert_eq!(check(&allowed, None), HashCheck::Unchecked);
        assert_eq!(
            check(&allowed, Some(&archive(&["sha512=aa"]))),
            HashCheck::Unchecked
        );
        assert_eq!(check(&[], None), HashCheck::Match);
    }
}
