//! Signatures of policy bundles (`crate::trust`: SSH signatures over a
//! payload naming repository and digest) as OCI artifacts: pushed to a
//! registry beside the bundle, found there again, kept in the store, and
//! put before the trust rules.
//!
//! A signature artifact is an image manifest of `artifactType`
//! [`SIGNATURE_ARTIFACT_TYPE`] whose `subject` is the bundle's manifest and
//! whose layers come in pairs: the payload ([`PAYLOAD_MEDIA_TYPE`]) then
//! the armored signature over it ([`SIGNATURE_MEDIA_TYPE`]). On a registry
//! with the OCI 1.1 referrers API each `sign` pushes its own artifact; on
//! one without it (Debian's distribution 2.8) the fallback tag
//! `sha256-<hex>.sig` can name only one manifest, so a new signature is
//! appended to the pairs already there. The store keeps one such artifact
//! per bundle, named `HOST/REPO:sha256-<hex>.sig` (what `save` carries
//! beside the bundle), holding every signature found for it.
//!
//! Nothing here decides what a signature is worth: [`decide`] hands the
//! signatures to [`TrustPolicy::decide`], which names the scope and what
//! was missing when it refuses.

use std::collections::HashMap;

use oci_spec::image::ImageManifest;

#[cfg(feature = "online")]
use super::client::{Client, Fetched};
#[cfg(feature = "online")]
use super::fetch::{self, Pulled};
use super::referrers::{self, Attachment};
use super::store::{Entry, Store};
#[cfg(feature = "online")]
use super::Reference;
use super::{OciError, MANIFEST_LIMIT};
use crate::trust::{
    self, Accepted, FoundSignature, Subject, Target, TrustPolicy, PAYLOAD_MEDIA_TYPE,
    SIGNATURE_ARTIFACT_TYPE, SIGNATURE_MEDIA_TYPE,
};

/// Largest payload layer (fetter's payload is under 200 bytes).
pub const PAYLOAD_LIMIT: u64 = 16 * 1024;
/// Largest signature layer (an armored RSA-4096 signature is under 2 KiB).
pub const SIGNATURE_LIMIT: u64 = 64 * 1024;
/// Most signatures read from, or kept for, one bundle.
pub const MAX_SIGNATURES: usize = 64;

/// The repository and digest a signature of `repo_name@digest` covers.
pub fn target(repo_name: &str, digest: &str) -> Result<Target, OciError> {
    Target::parse(&format!("{repo_name}@{digest}"))
        .map_err(|e| OciError::bundle(format!("{repo_name}@{digest}"), e))
}

/// The store's name for the signatures of `repo_name@digest`:
/// `HOST/REPO:sha256-<hex>.sig`, the fallback tag in that repository.
pub fn store_name(repo_name: &str, digest: &str) -> String {
    format!("{repo_name}:{}", referrers::fallback_tag(digest))
}

/// The layers of an artifact carrying `found`: payload, signature, payload…
fn layers_of(found: &[FoundSignature]) -> Vec<Attachment> {
    let layer = |media_type: &str, bytes: &[u8]| Attachment {
        media_type: media_type.to_string(),
        bytes: bytes.to_vec(),
        annotations: HashMap::new(),
    };
    found
        .iter()
        .flat_map(|f| {
            [
                layer(PAYLOAD_MEDIA_TYPE, &f.payload),
                layer(SIGNATURE_MEDIA_TYPE, &f.signature),
            ]
        })
        .collect()
}

/// Reads one blob: (what, digest, declared size, limit) → bytes checked
/// against the digest.
type Get<'a> = dyn FnMut(&str, &str, u64, u64) -> Result<Vec<u8>, OciError> + 'a;

/// The signatures in the artifact `manifest` (called `what`), its blobs
/// read through `get`.
fn read_pairs(
    what: &str,
    manifest: &ImageManifest,
    get: &mut Get<'_>,
) -> Result<Vec<FoundSignature>, OciError> {
    let layers = manifest.layers();
    if layers.len() > 2 * MAX_SIGNATURES {
        return Err(OciError::bundle(
            what,
            format!("more than {MAX_SIGNATURES} signatures"),
        ));
    }
    let mut out = Vec::new();
    for pair in layers.chunks(2) {
        let [p, s] = pair else {
            return Err(OciError::bundle(
                what,
                "a payload layer without its signature layer",
            ));
        };
        let (pt, st) = (p.media_type().to_string(), s.media_type().to_string());
        if pt != PAYLOAD_MEDIA_TYPE || st != SIGNATURE_MEDIA_TYPE {
            return Err(OciError::MediaType {
                what: format!("{what}: signature layers"),
                expected: format!("{PAYLOAD_MEDIA_TYPE} then {SIGNATURE_MEDIA_TYPE}"),
                actual: format!("{pt} then {st}"),
            });
        }
        let payload = get(
            &format!("{what}: payload"),
            p.digest().as_ref(),
            p.size(),
            PAYLOAD_LIMIT,
        )?;
        let signature = get(
            &format!("{what}: signature"),
            s.digest().as_ref(),
            s.size(),
            SIGNATURE_LIMIT,
        )?;
        out.push(FoundSignature { payload, signature });
    }
    Ok(out)
}

fn add_new(all: &mut Vec<FoundSignature>, found: impl IntoIterator<Item = FoundSignature>) {
    for f in found {
        if all.len() < MAX_SIGNATURES && !all.contains(&f) {
            all.push(f);
        }
    }
}

/// Every signature the registry holds for manifest `digest` of `client`'s
/// repository: through the referrers API, else the fallback tag. An
/// artifact that is not a well-formed signature artifact is passed over
/// (anyone who can push can push junk; fewer signatures can only refuse
/// more); an unreachable registry is an error.
#[cfg(feature = "online")]
pub fn fetch(client: &Client, digest: &str) -> Result<Vec<FoundSignature>, OciError> {
    let mut all = Vec::new();
    for (fetched, manifest) in referrers::attached(client, digest, SIGNATURE_ARTIFACT_TYPE)? {
        let mut get =
            |what: &str, d: &str, size: u64, limit: u64| client.get_blob(what, d, size, limit);
        match read_pairs(&fetched.digest, &manifest, &mut get) {
            Ok(found) => add_new(&mut all, found),
            Err(e @ OciError::Unreachable { .. }) => return Err(e),
            Err(_) => {}
        }
    }
    Ok(all)
}

/// Attach `found` to manifest `digest` in `client`'s repository (which
/// must hold it): a new artifact found through the referrers API, or,
/// without it, the fallback tag rewritten with the signatures already
/// there plus these. Returns the artifact's manifest digest.
#[cfg(feature = "online")]
pub fn push(client: &Client, digest: &str, found: &[FoundSignature]) -> Result<String, OciError> {
    let subject = client.get_manifest(digest)?;
    let mut all = Vec::new();
    if client.referrers(digest)?.is_none() {
        all = fetch(client, digest)?;
    }
    add_new(&mut all, found.iter().cloned());
    referrers::attach(
        client,
        digest,
        subject.bytes.len() as u64,
        SIGNATURE_ARTIFACT_TYPE,
        &layers_of(&all),
    )
}

/// The signatures the store keeps for `repo_name@digest` (none when it
/// keeps none). Every blob is re-checked against its digest.
pub fn stored(
    store: &Store,
    repo_name: &str,
    digest: &str,
) -> Result<Vec<FoundSignature>, OciError> {
    let name = store_name(repo_name, digest);
    let Some(entry) = store.find(&name)? else {
        return Ok(Vec::new());
    };
    let bytes = store.read_blob(&entry.digest, MANIFEST_LIMIT)?;
    let manifest: ImageManifest = serde_json::from_slice(&bytes)
        .map_err(|e| OciError::bundle(&name, format!("not an OCI image manifest: {e}")))?;
    let subject = manifest.subject().as_ref().map(|s| s.digest().to_string());
    let kind = manifest.artifact_type().as_ref().map(|t| t.to_string());
    if subject.as_deref() != Some(digest) || kind.as_deref() != Some(SIGNATURE_ARTIFACT_TYPE) {
        return Err(OciError::bundle(
            &name,
            format!("not a signature artifact for {digest}"),
        ));
    }
    let mut get = |_: &str, d: &str, _: u64, limit: u64| store.read_blob(d, limit);
    read_pairs(&name, &manifest, &mut get)
}

/// Add `found` to the signatures the store keeps for `repo_name@digest`
/// (whose bundle must be stored). A kept artifact that no longer reads
/// is replaced.
pub fn keep(
    store: &Store,
    repo_name: &str,
    digest: &str,
    found: &[FoundSignature],
) -> Result<(), OciError> {
    let mut all = stored(store, repo_name, digest).unwrap_or_default();
    let before = all.len();
    add_new(&mut all, found.iter().cloned());
    if all.len() == before {
        return Ok(());
    }
    let size = store.read_blob(digest, MANIFEST_LIMIT)?.len() as u64;
    let layers = layers_of(&all);
    let (config, manifest) =
        referrers::manifest_for(digest, size, SIGNATURE_ARTIFACT_TYPE, &layers)?;
    store.put_blob(&config)?;
    for l in &layers {
        store.put_blob(&l.bytes)?;
    }
    let artifact = store.put_blob(&manifest)?;
    store.record(&[Entry {
        name: store_name(repo_name, digest),
        digest: artifact,
        size: manifest.len() as u64,
        verified_at: None,
    }])
}

/// The trust rules' decision on `repo_name@digest` given `found`;
/// `pinned` when the reference named the digest or a `fetter.lock` entry
/// pinned it. A refusal is [`OciError::Refused`].
pub fn decide(
    trust: &TrustPolicy,
    repo_name: &str,
    digest: &str,
    pinned: bool,
    found: &[FoundSignature],
) -> Result<Accepted, OciError> {
    let subject = Subject {
        target: target(repo_name, digest)?,
        pinned,
    };
    trust
        .decide(&subject, found, trust::allowed_signers::now())
        .map_err(OciError::Refused)
}

/// [`decide`] on the signatures the store keeps: offline.
pub fn decide_stored(
    store: &Store,
    trust: &TrustPolicy,
    repo_name: &str,
    digest: &str,
    pinned: bool,
) -> Result<Accepted, OciError> {
    let found = stored(store, repo_name, digest)?;
    decide(trust, repo_name, digest, pinned, &found)
}

/// Pull `manifest` (just received for `reference`) into `store` as
/// [`fetch::pull_into`] does, but only when the trust rules accept it
/// given the signatures the store keeps and the registry's: judged in
/// memory, before anything is stored. The signatures are kept with it.
#[cfg(feature = "online")]
pub fn pull_trusted(
    store: &Store,
    client: &Client,
    reference: &Reference,
    manifest: Fetched,
    trust: &TrustPolicy,
    pinned: bool,
) -> Result<(Pulled, Accepted), OciError> {
    let repo = reference.repo_name();
    let (pulled, (accepted, found)) =
        fetch::pull_into_if(store, client, reference, manifest, |p| {
            let mut found = stored(store, &repo, &p.digest).unwrap_or_default();
            add_new(&mut found, fetch(client, &p.digest)?);
            let accepted = decide(trust, &repo, &p.digest, pinned, &found)?;
            Ok((accepted, found))
        })?;
    keep(store, &repo, &pulled.digest, &found)?;
    Ok((pulled, accepted))
}

/// `fetter.lock`'s `signer` and `key-fingerprint` for `accepted`: each
/// signer's principals and key fingerprint, joined by `, ` (a signature
/// required by several trust files may come from several keys); `None`
/// when no signature was required.
pub fn lock_fields(accepted: &Accepted) -> (Option<String>, Option<String>) {
    if accepted.signers.is_empty() {
        return (None, None);
    }
    let join = |f: &dyn Fn(&trust::Signer) -> String| {
        let mut v: Vec<String> = accepted.signers.iter().map(f).collect();
        v.dedup();
        v.join(", ")
    };
    (
        Some(join(&|s| s.identity())),
        Some(join(&|s| s.fingerprint.clone())),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig(n: u8) -> FoundSignature {
        FoundSignature {
            payload: vec![n],
            signature: vec![n, n],
        }
    }

    #[test]
    fn the_store_keeps_every_signature_once_and_reads_them_back() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::at(dir.path());
        let bundle = store.put_blob(br#"{"schemaVersion":2}"#).unwrap();
        store
            .record(&[Entry {
                name: format!("h:1/r@{bundle}"),
                digest: bundle.clone(),
                size: 19,
                verified_at: None,
            }])
            .unwrap();
        assert!(stored(&store, "h:1/r", &bundle).unwrap().is_empty());
        keep(&store, "h:1/r", &bundle, &[sig(1)]).unwrap();
        keep(&store, "h:1/r", &bundle, &[sig(1), sig(2)]).unwrap();
        assert_eq!(
            stored(&store, "h:1/r", &bundle).unwrap(),
            vec![sig(1), sig(2)]
        );
        // Another repository's name finds nothing: signatures are per repository.
        assert!(stored(&store, "h:1/other", &bundle).unwrap().is_empty());
        assert_eq!(
            store_name("h:1/r", &bundle),
            format!("h:1/r:sha256-{}.sig", &bundle[7..])
        );
    }
}
