//! One signature against one target: the SSH signature over the payload
//! bytes, then what the authentic payload names against what was asked for.

use std::path::Path;

use super::allowed_signers::AllowedSigners;
use super::pattern;
use super::payload::{Payload, PayloadError, Target};
use super::sshsig::{Signature, Signer, VerifyError};

/// A signature as found next to a manifest: the payload bytes it signs and
/// the armored SSH signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundSignature {
    /// The signed payload, byte for byte.
    pub payload: Vec<u8>,
    /// The armored SSH signature (`-----BEGIN SSH SIGNATURE-----`).
    pub signature: Vec<u8>,
}

impl FoundSignature {
    /// The signature of the canonical payload for `target` (for a
    /// signature file that came without its payload: the payload is
    /// rebuilt, so only a signature over exactly that target verifies).
    pub fn for_target(target: &Target, signature: Vec<u8>) -> Self {
        FoundSignature {
            payload: Payload::new(target.clone()).to_bytes(),
            signature,
        }
    }
}

/// Why one signature does not vouch for a target.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureRefusal {
    /// The SSH signature itself is refused.
    #[error(transparent)]
    Signature(#[from] VerifyError),
    /// The signed bytes are not a fetter payload.
    #[error(transparent)]
    Payload(#[from] PayloadError),
    /// An authentic signature for another repository: a replay.
    #[error("the signature is for repository {signed}, not {expected}")]
    OtherRepository {
        /// The repository the payload names.
        signed: String,
        /// The repository being verified.
        expected: String,
    },
    /// An authentic signature for another manifest.
    #[error("the signature is for digest {signed}, not {expected}")]
    OtherDigest {
        /// The digest the payload names.
        signed: String,
        /// The digest being verified.
        expected: String,
    },
}

/// Verify `found` for `target` against `signers` at `now` (seconds since
/// the epoch). The payload may name another repository only if it matches
/// one of `origins` (the repositories a mirror copies from); the digest
/// must always be the same.
pub fn verify_found(
    found: &FoundSignature,
    target: &Target,
    signers: &AllowedSigners,
    origins: &[String],
    now: i64,
) -> Result<Signer, SignatureRefusal> {
    let sig = Signature::parse(&found.signature)?;
    let signer = sig.verify(&found.payload, signers, now)?;
    let signed = Payload::parse(&found.payload)?.target;
    if signed.digest != target.digest {
        return Err(SignatureRefusal::OtherDigest {
            signed: signed.digest.to_string(),
            expected: target.digest.to_string(),
        });
    }
    let repo = signed.repository.as_str();
    if signed.repository != target.repository && !origins.iter().any(|o| pattern::matches(o, repo))
    {
        return Err(SignatureRefusal::OtherRepository {
            signed: repo.to_owned(),
            expected: target.repository.to_string(),
        });
    }
    Ok(signer)
}

/// Verify against an allowed_signers file read from `path` (the offline
/// `fetter policy verify --allowed-signers` path, with no trust file).
pub fn verify_with_file(
    found: &FoundSignature,
    target: &Target,
    path: &Path,
) -> Result<Result<Signer, SignatureRefusal>, super::allowed_signers::SignersError> {
    let signers = AllowedSigners::load(path)?;
    Ok(verify_found(
        found,
        target,
        &signers,
        &[],
        super::allowed_signers::now(),
    ))
}
