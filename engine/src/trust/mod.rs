//! Signed, pinned policy bundles: what is signed ([`payload`]), SSH
//! signatures in the `ssh-keygen -Y sign` format ([`sshsig`]), the keys
//! allowed to sign ([`allowed_signers`]), and which repositories need a
//! signature or a digest pin ([`policy`], `trust.toml`).
//!
//! The OCI client calls [`TrustPolicy::decide`] with the repository, the
//! manifest digest a reference resolved to, whether the reference pinned
//! that digest, and the signatures it found next to the manifest; an
//! [`Accepted`] carries the signers to record in `fetter.lock`, a
//! [`Refusal`] names the scope and what was missing. See docs/distribution.md (Trust).

pub mod allowed_signers;
mod pattern;
pub mod payload;
pub mod policy;
#[cfg(test)]
mod policy_tests;
pub mod sshsig;
#[cfg(test)]
mod test_key;
pub mod verify;

pub use allowed_signers::AllowedSigners;
pub use payload::{Digest, Payload, Repository, Target};
pub use policy::{Accepted, Missing, Refusal, Subject, TrustPolicy};
pub use sshsig::{Signature, Signer, SigningKey, NAMESPACE};
pub use verify::{verify_found, FoundSignature, SignatureRefusal};

/// Media type of a signature artifact's payload layer (the canonical JSON
/// of [`Payload`]), for the OCI client that stores signatures.
pub const PAYLOAD_MEDIA_TYPE: &str = "application/vnd.fetter.policy.signature.payload.v1+json";

/// Media type of a signature artifact's signature layer (the armored SSH
/// signature over the payload layer's bytes).
pub const SIGNATURE_MEDIA_TYPE: &str = "application/vnd.fetter.policy.signature.v1+sshsig";

/// The `artifactType` of a signature manifest attached to a bundle through
/// the OCI 1.1 referrers API (or the fallback tag [`fallback_tag`]).
pub const SIGNATURE_ARTIFACT_TYPE: &str = "application/vnd.fetter.policy.signature.v1";

/// The tag a signature is pushed under for registries without the
/// referrers API: `sha256-<hex>.sig`.
pub fn fallback_tag(digest: &Digest) -> String {
    format!("sha256-{}.sig", digest.hex())
}
