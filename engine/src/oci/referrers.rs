//! Artifacts attached to a manifest (signatures, attestations): pushed
//! with a `subject`, found through the OCI 1.1 referrers API, or through
//! the fallback tag `sha256-<hex>.sig` on registries without it (Debian's
//! distribution 2.8 answers `/referrers/` with 404).
//!
//! Generic on purpose: what an attachment holds (an SSH signature over a
//! payload naming repository and digest) is the trust layer's business.

use std::collections::HashMap;

#[cfg(feature = "online")]
use oci_spec::image::ImageManifest;
use oci_spec::image::{ImageManifestBuilder, MediaType};

use super::bundle::descriptor;
#[cfg(feature = "online")]
use super::client::{Client, Fetched};
use super::{digest_of, OciError, MANIFEST_MEDIA_TYPE};

/// The OCI empty config (`{}`), for artifacts with nothing to configure.
pub const EMPTY_CONFIG_MEDIA_TYPE: &str = "application/vnd.oci.empty.v1+json";

/// The fallback tag for the artifacts attached to `digest`.
pub fn fallback_tag(digest: &str) -> String {
    format!("sha256-{}.sig", digest.trim_start_matches("sha256:"))
}

/// One layer of an attachment.
#[derive(Debug, Clone)]
pub struct Attachment {
    /// Its media type.
    pub media_type: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
    /// Its annotations.
    pub annotations: HashMap<String, String>,
}

/// Push `layers` as an artifact of `artifact_type` whose subject is the
/// manifest `subject` (`size` bytes); also tag it `sha256-<hex>.sig`
/// when the registry has no referrers API. Returns its manifest digest.
#[cfg(feature = "online")]
pub fn attach(
    client: &Client,
    subject: &str,
    size: u64,
    artifact_type: &str,
    layers: &[Attachment],
) -> Result<String, OciError> {
    let (config, bytes) = manifest_for(subject, size, artifact_type, layers)?;
    client.push_blob(&config)?;
    for l in layers {
        client.push_blob(&l.bytes)?;
    }
    let digest = client.push_manifest(&digest_of(&bytes), &bytes, MANIFEST_MEDIA_TYPE)?;
    if client.referrers(subject)?.is_none() {
        client.push_manifest(&fallback_tag(subject), &bytes, MANIFEST_MEDIA_TYPE)?;
    }
    Ok(digest)
}

/// The artifact manifest [`attach`] pushes (and a store keeps): its
/// config blob (`{}`) and its canonical JSON bytes.
pub fn manifest_for(
    subject: &str,
    size: u64,
    artifact_type: &str,
    layers: &[Attachment],
) -> Result<(Vec<u8>, Vec<u8>), OciError> {
    let config = b"{}".to_vec();
    let mut descriptors = Vec::new();
    for l in layers {
        descriptors.push(descriptor(
            &l.media_type,
            &digest_of(&l.bytes),
            l.bytes.len() as u64,
            l.annotations.clone(),
        )?);
    }
    let manifest = ImageManifestBuilder::default()
        .schema_version(2u32)
        .media_type(MediaType::ImageManifest)
        .artifact_type(MediaType::from(artifact_type))
        .config(descriptor(
            EMPTY_CONFIG_MEDIA_TYPE,
            &digest_of(&config),
            config.len() as u64,
            HashMap::new(),
        )?)
        .layers(descriptors)
        .subject(descriptor(
            MANIFEST_MEDIA_TYPE,
            subject,
            size,
            HashMap::new(),
        )?)
        .build()
        .map_err(|e| OciError::bundle(subject, e))?;
    let bytes = super::canonical_json(&manifest).map_err(|e| OciError::bundle(subject, e))?;
    Ok((config, bytes))
}

/// The manifests of `artifact_type` attached to `subject`: through the
/// referrers API, else the fallback tag. Each must name `subject` as its
/// subject (a fallback tag is only a name anyone could have pushed).
#[cfg(feature = "online")]
pub fn attached(
    client: &Client,
    subject: &str,
    artifact_type: &str,
) -> Result<Vec<(Fetched, ImageManifest)>, OciError> {
    let mut found = Vec::new();
    match client.referrers(subject)? {
        Some(index) => {
            for d in index.manifests() {
                if d.artifact_type().as_ref().map(|t| t.as_ref()) == Some(artifact_type) {
                    found.push(client.get_manifest(d.digest().as_ref())?);
                }
            }
        }
        None => found.extend(client.get_manifest_opt(&fallback_tag(subject))?),
    }
    let mut out = Vec::new();
    for f in found {
        let m: ImageManifest = serde_json::from_slice(&f.bytes)
            .map_err(|e| OciError::bundle(&f.digest, format!("not an OCI image manifest: {e}")))?;
        let names_subject = m
            .subject()
            .as_ref()
            .is_some_and(|s| s.digest().as_ref() == subject);
        let of_type = m
            .artifact_type()
            .as_ref()
            .is_some_and(|t| t.as_ref() == artifact_type);
        if names_subject && of_type {
            out.push((f, m));
        }
    }
    Ok(out)
}
