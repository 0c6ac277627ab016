//! `--hash=ALGORITHM:DIGEST` options of a requirements file, read as pip
//! reads them. (The engine compares them with the archive hash PEP 610
//! `direct_url.json` recorded.)

use std::fmt;
use std::str::FromStr;

use crate::pep508::shorten;

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
    pub fn from_name(name: &str) -> Option<Self> {
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

/// Why a `--hash` value is refused (the values are shortened for messages).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HashError {
    /// No `:` between algorithm and digest.
    #[error("invalid --hash {0:?}: expected ALGORITHM:DIGEST, like --hash=sha256:abcd…")]
    NoColon(String),
    /// An algorithm pip does not accept.
    #[error("unknown hash algorithm {0:?} in --hash: pip accepts only sha256, sha384 and sha512")]
    UnknownAlgorithm(String),
}

impl FromStr for RequirementHash {
    type Err = HashError;

    /// Parse `ALGORITHM:DIGEST` as pip's `--hash` callback does.
    fn from_str(value: &str) -> Result<Self, HashError> {
        let Some((algo, digest)) = value.split_once(':') else {
            return Err(HashError::NoColon(shorten(value)));
        };
        let algorithm = HashAlgorithm::from_name(algo)
            .ok_or_else(|| HashError::UnknownAlgorithm(shorten(algo)))?;
        Ok(RequirementHash {
            algorithm,
            digest: digest.to_ascii_lowercase(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn algorithms_are_pips() {
        let h: RequirementHash = "sha512:AB".parse().unwrap();
        assert_eq!(h.digest, "ab");
        for bad in ["md5:00", "sha1:00", "SHA256:00", "foo:abc", ":00"] {
            let e = bad.parse::<RequirementHash>().unwrap_err();
            assert!(
                e.to_string().contains("unknown hash algorithm"),
                "{bad}: {e}"
            );
        }
        let e = "sha256".parse::<RequirementHash>().unwrap_err();
        assert!(e.to_string().contains("ALGORITHM:DIGEST"), "{e}");
    }
}
