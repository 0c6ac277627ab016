//! `--hash=ALGORITHM:DIGEST` options of a requirements file (parsed by
//! [`fetter_packaging::hashes`]), and how they compare with the archive
//! hash PEP 610 `direct_url.json` recorded.
//!
//! pip checks `--hash` when it downloads an archive; afterwards only
//! distributions installed from a direct URL keep a trace of the archive
//! (`archive_info.hashes`, or the legacy `archive_info.hash`). Those are
//! compared; for every other install the hash cannot be checked, and the
//! bounds check says so once per run (`bounds/hash-unchecked`) rather than
//! passing silently.

pub use fetter_packaging::hashes::{HashAlgorithm, HashError, RequirementHash};

use crate::inventory::DirectUrl;

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
