//! `fetter.lock`: which bundles a project (or a machine) runs, pinned.
//!
//! ```toml
//! version = 1
//!
//! [[bundle]]
//! source = "oci://registry.acme.internal/security/base:v3"
//! manifest-digest = "sha256:…"
//! pulled-at = "2026-12-05T11:00:00Z"
//! # signer = "security@acme.example"        (when signatures are verified)
//! # key-fingerprint = "SHA256:…"
//!
//! [[bundle.layer]]
//! path = "policy.toml"
//! media-type = "application/vnd.fetter.policy.v1+toml"
//! digest = "sha256:…"
//! size = 512
//! ```
//!
//! The manifest digest pins everything (it covers every layer's digest);
//! the layers are listed so a reviewer sees what changed in a diff.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::bundle::LayerInfo;
use super::OciError;

/// The lock file's format version.
pub const LOCK_VERSION: u32 = 1;

/// The whole lock file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lock {
    /// [`LOCK_VERSION`].
    pub version: u32,
    /// The locked bundles.
    #[serde(default, rename = "bundle")]
    pub bundles: Vec<Locked>,
}

/// One locked bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Locked {
    /// The reference it was pulled by (`oci://HOST/REPO:TAG`).
    pub source: String,
    /// The manifest digest the source resolved to.
    pub manifest_digest: String,
    /// When it was pulled (RFC 3339, UTC).
    pub pulled_at: String,
    /// Who signed it, when a signature was verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signer: Option<String>,
    /// The signing key's fingerprint (`SHA256:…`), when verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_fingerprint: Option<String>,
    /// Every layer: path, media type, digest, size.
    #[serde(default, rename = "layer")]
    pub layers: Vec<LayerInfo>,
}

impl Lock {
    /// Read the lock at `path`; an absent file is an empty lock.
    pub fn load(path: &Path) -> Result<Lock, OciError> {
        if !path.exists() {
            return Ok(Lock {
                version: LOCK_VERSION,
                bundles: Vec::new(),
            });
        }
        Self::load_existing(path)
    }

    /// Read the lock at `path`, which must exist.
    pub fn load_existing(path: &Path) -> Result<Lock, OciError> {
        let text = crate::fsutil::read_small_text(path).map_err(|e| OciError::file(path, e))?;
        let lock: Lock = toml::from_str(&text).map_err(|e| OciError::file(path, e.message()))?;
        if lock.version != LOCK_VERSION {
            return Err(OciError::file(
                path,
                format!(
                    "lock version {} is not {LOCK_VERSION}: written by another fetter",
                    lock.version
                ),
            ));
        }
        for b in &lock.bundles {
            if !super::is_sha256_digest(&b.manifest_digest) {
                return Err(OciError::file(
                    path,
                    format!("{}: manifest-digest is not sha256:HEX", b.source),
                ));
            }
            super::Reference::parse(&b.source)?;
        }
        Ok(lock)
    }

    /// Write the lock to `path` (atomically).
    pub fn save(&self, path: &Path) -> Result<(), OciError> {
        let text = toml::to_string_pretty(self).map_err(|e| OciError::file(path, e))?;
        let text = format!("# Written by `fetter policy pull`: the policy bundles this project runs, pinned.\n{text}");
        super::store::write_atomic(path, text.as_bytes())
    }

    /// The bundle locked for `source`.
    pub fn find(&self, source: &str) -> Option<&Locked> {
        self.bundles.iter().find(|b| b.source == source)
    }

    /// Add `entry`, replacing the one with the same source.
    pub fn upsert(&mut self, entry: Locked) {
        self.bundles.retain(|b| b.source != entry.source);
        self.bundles.push(entry);
        self.bundles.sort_by(|a, b| a.source.cmp(&b.source));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_bad_digests() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fetter.lock");
        assert_eq!(Lock::load(&path).unwrap().bundles.len(), 0);
        let mut lock = Lock::load(&path).unwrap();
        let d = crate::oci::digest_of(b"m");
        lock.upsert(Locked {
            source: "oci://h:1/r:t".into(),
            manifest_digest: d.clone(),
            pulled_at: "2026-01-01T00:00:00Z".into(),
            signer: None,
            key_fingerprint: None,
            layers: vec![LayerInfo {
                path: "policy.toml".into(),
                media_type: crate::oci::POLICY_MEDIA_TYPE.into(),
                digest: d.clone(),
                size: 1,
            }],
        });
        lock.save(&path).unwrap();
        let again = Lock::load(&path).unwrap();
        assert_eq!(again, lock);
        std::fs::write(
            &path,
            std::fs::read_to_string(&path)
                .unwrap()
                .replace(&d, "sha256:00"),
        )
        .unwrap();
        let e = Lock::load(&path).unwrap_err().to_string();
        assert!(
            e.contains("fetter.lock") && e.contains("manifest-digest"),
            "{e}"
        );
    }
}
