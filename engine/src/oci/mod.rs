//! Policy bundles as OCI artifacts: publish a policy manifest and its
//! plugins to a registry, pull them into a local store, pin them in
//! `fetter.lock`, carry them across an air gap, and run them offline.
//!
//! One module per job: [`reference`] (`oci://HOST/REPO:TAG@sha256:…`),
//! [`auth`] (Docker config credentials, bearer and basic challenges),
//! [`client`] (the distribution API over fetter's ureq), [`bundle`] (the
//! artifact: building it from a manifest, checking a pulled one, turning a
//! stored one into plugins to run), [`store`] (an OCI image-layout
//! directory under fetter's data dir), [`lock`] (`fetter.lock`),
//! [`archive`] (`save`/`load` tarballs), [`referrers`] (artifacts
//! attached to a bundle, e.g. signatures) and [`source`] (what
//! `--policy oci://…` runs: the store, refreshed from the registry when it
//! answers).
//!
//! Without the `online` feature (fetter-osquery), the registry client
//! ([`auth`], [`client`]) and everything that talks to a registry are
//! left out: bundles run only from the store ([`source::resolve_stored`]).
//!
//! The format and the trust model are in `docs/distribution.md`.
//! [`signatures`] carries SSH signatures (`crate::trust`) between
//! registries (through [`referrers`]), the store and tarballs, and asks
//! the trust rules before a bundle is stored, locked or run.
//! [`wasm_artifact`] is a single plugin in the CNCF WebAssembly layout
//! (`fetter plugin push`), for other wasm tooling.

pub mod archive;
#[cfg(feature = "online")]
pub mod auth;
pub mod bundle;
#[cfg(feature = "online")]
pub mod client;
pub mod fetch;
pub mod lock;
pub mod reference;
pub mod referrers;
pub mod signatures;
pub mod source;
pub mod store;
#[cfg(feature = "online")]
mod tls;
pub mod wasm_artifact;

use std::path::PathBuf;

pub use reference::Reference;

/// The bundle's config blob (name, version, requires-fetter, ABI, revision).
pub const CONFIG_MEDIA_TYPE: &str = "application/vnd.fetter.policy.config.v1+json";
/// The policy manifest TOML layer.
pub const POLICY_MEDIA_TYPE: &str = "application/vnd.fetter.policy.v1+toml";
/// A plugin layer (a WebAssembly component).
pub const WASM_MEDIA_TYPE: &str = "application/wasm";
/// The config of a single plugin pushed in the CNCF wasm artifact layout.
pub const WASM_CONFIG_MEDIA_TYPE: &str = "application/vnd.wasm.config.v0+json";
/// The OCI image manifest media type: the only manifest fetter accepts.
pub const MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
/// The OCI image index media type (referrers lists, the store's index).
pub const INDEX_MEDIA_TYPE: &str = "application/vnd.oci.image.index.v1+json";

/// Annotation on each layer: its path in the bundle (the manifest's
/// `path = …` for a plugin file, `policy.toml` for the manifest).
pub const TITLE_ANNOTATION: &str = "org.opencontainers.image.title";
/// Annotation on a first-party plugin's layer: its name (`typosquat`).
pub const BUILTIN_ANNOTATION: &str = "dev.fetter.plugin.builtin";
/// The store index's annotation naming where a manifest came from.
pub const REF_ANNOTATION: &str = "org.opencontainers.image.ref.name";
/// The store index's annotation: when the registry last confirmed the
/// reference pointed at this manifest (seconds since the epoch).
pub const VERIFIED_ANNOTATION: &str = "dev.fetter.verified-at";

/// Largest manifest read (registries cap them at 4 MiB too).
pub const MANIFEST_LIMIT: u64 = 4 * 1024 * 1024;
/// Largest config or policy TOML layer.
pub const SMALL_BLOB_LIMIT: u64 = 1024 * 1024;
/// Largest plugin layer: a WebAssembly component of a policy is a few MB;
/// anything near this is not a policy plugin.
pub const WASM_LIMIT: u64 = 64 * 1024 * 1024;
/// Largest whole bundle (every blob together).
pub const BUNDLE_LIMIT: u64 = 256 * 1024 * 1024;

/// Anything that went wrong publishing, fetching, storing or reading a
/// bundle. Each message names the thing (reference, file, layer) and the
/// problem; registry text in it is escaped before it reaches a terminal.
#[derive(Debug, thiserror::Error)]
pub enum OciError {
    /// A reference that is not `oci://HOST[:PORT]/REPO[:TAG][@sha256:…]`.
    #[error("{reference:?}: not an OCI reference: {message} (expected oci://HOST[:PORT]/REPO[:TAG][@sha256:HEX])")]
    Reference {
        /// The text given.
        reference: String,
        /// What is wrong.
        message: String,
    },
    /// The registry could not be reached (connection, TLS, timeout, 5xx):
    /// the one failure after which a stored copy may stand in.
    #[error("{url}: {message}")]
    Unreachable {
        /// What was requested.
        url: String,
        /// What happened.
        message: String,
    },
    /// The registry answered, with an error or something that is not the
    /// distribution API.
    #[error("{url}: {message}")]
    Registry {
        /// What was requested.
        url: String,
        /// What happened.
        message: String,
    },
    /// Content whose sha256 is not the digest that names it.
    #[error("{what}: digest mismatch: expected {expected}, got {actual}")]
    Digest {
        /// The blob or manifest.
        what: String,
        /// The digest it was asked for by.
        expected: String,
        /// The digest of what came.
        actual: String,
    },
    /// A blob larger than fetter accepts for its kind.
    #[error("{what}: {size} bytes is more than the {limit}-byte limit for this kind of layer; refused before downloading")]
    TooLarge {
        /// The blob.
        what: String,
        /// Its declared (or actual) size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// A manifest or layer of a media type fetter does not take here.
    #[error("{what}: media type {actual:?}, expected {expected}")]
    MediaType {
        /// The manifest or layer.
        what: String,
        /// What fetter takes.
        expected: String,
        /// What came.
        actual: String,
    },
    /// A bundle whose contents do not make a policy.
    #[error("{what}: {message}")]
    Bundle {
        /// The bundle or file.
        what: String,
        /// What is wrong.
        message: String,
    },
    /// A policy manifest TOML that is not valid (file, line, column).
    #[error("{0}")]
    Manifest(crate::plugins::cfg::ManifestError),
    /// The trust rules (trust.toml) refuse the bundle: unsigned, wrongly
    /// signed or unpinned in a scope that requires more. The message names
    /// the scope, where it is written and what was missing.
    #[error("{0}")]
    Refused(Box<crate::trust::Refusal>),
    /// The local store, a lock file or an archive could not be read or written.
    #[error("{path}: {message}")]
    File {
        /// The file or directory.
        path: PathBuf,
        /// What happened.
        message: String,
    },
}

impl OciError {
    pub(crate) fn file(path: impl Into<PathBuf>, message: impl std::fmt::Display) -> Self {
        OciError::File {
            path: path.into(),
            message: message.to_string(),
        }
    }

    pub(crate) fn bundle(what: impl std::fmt::Display, message: impl std::fmt::Display) -> Self {
        OciError::Bundle {
            what: what.to_string(),
            message: message.to_string(),
        }
    }
}

/// `sha256:<hex>` of `bytes`: the OCI digest of a blob or manifest.
pub fn digest_of(bytes: &[u8]) -> String {
    format!("sha256:{}", crate::plugins::sha256_hex(bytes))
}

/// `digest` is `sha256:` and 64 lowercase hex digits (the only algorithm
/// fetter writes or accepts: a digest is also a file name in the store).
pub fn is_sha256_digest(digest: &str) -> bool {
    digest.strip_prefix("sha256:").is_some_and(|h| {
        h.len() == 64
            && h.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// Check that `bytes` has `expected` as its digest.
pub fn verify_digest(what: &str, expected: &str, bytes: &[u8]) -> Result<(), OciError> {
    let actual = digest_of(bytes);
    if actual != expected {
        return Err(OciError::Digest {
            what: what.to_string(),
            expected: expected.to_string(),
            actual,
        });
    }
    Ok(())
}

/// `value` as JSON with every object's keys sorted. oci-spec keeps
/// annotations in a `HashMap`, whose order changes from run to run: pushed
/// as is, the same bundle would get a new manifest digest each time.
pub fn canonical_json<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, serde_json::Error> {
    // serde_json's `Value` keeps objects in a BTreeMap (no `preserve_order`).
    serde_json::to_vec(&serde_json::to_value(value)?)
}

/// Seconds since the epoch, now.
pub fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_checked() {
        let d = digest_of(b"x");
        assert!(is_sha256_digest(&d));
        assert!(!is_sha256_digest("sha256:ABC"));
        assert!(!is_sha256_digest(&d.replace("sha256", "sha512")));
        assert!(verify_digest("b", &d, b"x").is_ok());
        let e = verify_digest("layer a", &d, b"y").unwrap_err().to_string();
        assert!(e.contains(&d) && e.contains(&digest_of(b"y")), "{e}");
    }
}
