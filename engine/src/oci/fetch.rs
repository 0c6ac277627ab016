//! Assembling a whole bundle from somewhere (a registry, a tarball, the
//! store) and checking it completely before anything is kept: the
//! manifest is vetted ([`bundle::check`]), every blob is fetched within
//! its limit and checked against its digest, the config parses, and every
//! plugin the manifest TOML names has its layer. Only a [`Pulled`] that
//! came out of [`assemble`] is ever written to the store ([`commit`]).

use std::path::PathBuf;

use super::bundle::{self, BundleConfig, Plan};
use super::store::{Entry, Store};
use super::{digest_of, OciError, MANIFEST_LIMIT};
use crate::plugins::PolicySpec;

/// A bundle held in memory, every digest checked.
#[derive(Debug, Clone)]
pub struct Pulled {
    /// `HOST/REPO@sha256:…`: names it in messages.
    pub what: String,
    /// The manifest digest.
    pub digest: String,
    /// The manifest bytes.
    pub manifest: Vec<u8>,
    /// What the manifest lists.
    pub plan: Plan,
    /// The config.
    pub config: BundleConfig,
    /// The manifest TOML.
    pub policy: String,
    /// Every blob, by digest (config and layers).
    pub blobs: Vec<(String, Vec<u8>)>,
}

/// Fetches one blob: (what, digest, declared size, limit) → bytes, which
/// the fetcher must have checked against the digest.
pub type BlobFetcher<'a> = dyn FnMut(&str, &str, u64, u64) -> Result<Vec<u8>, OciError> + 'a;

/// Check `manifest` (as received, with the registry's `content_type` if
/// any) and fetch and check everything it names through `get`.
pub fn assemble(
    repo_name: &str,
    manifest: Vec<u8>,
    content_type: Option<&str>,
    get: &mut BlobFetcher<'_>,
) -> Result<Pulled, OciError> {
    let pulled = assemble_with(repo_name, manifest, content_type, get, Plugins::Fetch)?;
    // Every plugin the TOML names must have its layer (paths are not used).
    bundle::plugins_of(&pulled.what, &pulled.plan, &pulled.policy, |d| {
        Ok(PathBuf::from(d))
    })?;
    Ok(pulled)
}

/// Whether [`assemble_with`] reads the plugin layers.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Plugins {
    /// Fetch and check them (a pull, a tarball).
    Fetch,
    /// The fetcher only checks their sizes and returns nothing: they are
    /// checked against their digests when they load (the store).
    AtLoad,
}

fn assemble_with(
    repo_name: &str,
    manifest: Vec<u8>,
    content_type: Option<&str>,
    get: &mut BlobFetcher<'_>,
    plugins: Plugins,
) -> Result<Pulled, OciError> {
    let digest = digest_of(&manifest);
    let what = format!("{repo_name}@{digest}");
    let plan = bundle::check(&what, &manifest, content_type)?;
    let mut blobs: Vec<(String, Vec<u8>)> = Vec::new();
    for (label, d, size, limit) in plan.blobs() {
        if blobs.iter().any(|(have, _)| *have == d) {
            continue;
        }
        let label = format!("{what}: {label}");
        let bytes = get(&label, &d, size, limit)?;
        if plugins == Plugins::AtLoad && limit > super::SMALL_BLOB_LIMIT {
            continue;
        }
        super::verify_digest(&label, &d, &bytes)?;
        blobs.push((d, bytes));
    }
    let blob = |d: &str| {
        blobs
            .iter()
            .find(|(have, _)| have == d)
            .map(|(_, b)| b.as_slice())
    };
    let config = bundle::parse_config(&what, blob(&plan.config.0).unwrap_or_default())?;
    let policy = String::from_utf8(blob(plan.policy_digest()).unwrap_or_default().to_vec())
        .map_err(|_| OciError::bundle(&what, "the policy TOML layer is not UTF-8"))?;
    Ok(Pulled {
        what,
        digest,
        manifest,
        plan,
        config,
        policy,
        blobs,
    })
}

/// Write a checked bundle to `store` and point `names` at it (verified by
/// the registry at `verified_at`, if known).
pub fn commit(
    store: &Store,
    pulled: &Pulled,
    names: &[String],
    verified_at: Option<u64>,
) -> Result<(), OciError> {
    for (_, bytes) in &pulled.blobs {
        store.put_blob(bytes)?;
    }
    store.put_blob(&pulled.manifest)?;
    let entries: Vec<Entry> = names
        .iter()
        .map(|name| Entry {
            name: name.clone(),
            digest: pulled.digest.clone(),
            size: pulled.manifest.len() as u64,
            verified_at,
        })
        .collect();
    store.record(&entries)
}

/// The stored bundle with manifest `digest`, re-checked from disk, and the
/// plugins to run from the store's blobs.
pub fn stored(
    store: &Store,
    repo_name: &str,
    digest: &str,
) -> Result<(Pulled, Vec<PolicySpec>), OciError> {
    let manifest = store.read_blob(digest, MANIFEST_LIMIT)?;
    // The plugin layers are read (and checked against their pins) when the
    // plugins load; here only the small blobs are read.
    let mut get = |what: &str, d: &str, size: u64, limit: u64| -> Result<Vec<u8>, OciError> {
        if limit > super::SMALL_BLOB_LIMIT {
            let path = store.blob_path(d)?;
            return match std::fs::metadata(&path) {
                Ok(m) if m.len() == size => Ok(Vec::new()),
                Ok(m) => Err(OciError::bundle(
                    what,
                    format!("stored blob is {} bytes, the manifest says {size}", m.len()),
                )),
                Err(e) => Err(OciError::file(&path, format!("{what}: {e}"))),
            };
        }
        store.read_blob(d, limit)
    };
    let pulled = assemble_with(repo_name, manifest, None, &mut get, Plugins::AtLoad)?;
    let specs = bundle::plugins_of(&pulled.what, &pulled.plan, &pulled.policy, |d| {
        store.blob_path(d)
    })?;
    Ok((pulled, specs))
}

/// Fetch from `client` everything `manifest` (just received for
/// `reference`) names, check it all, and store it under the names a pull
/// of `reference` records, confirmed by the registry now.
#[cfg(feature = "online")]
pub fn pull_into(
    store: &Store,
    client: &super::client::Client,
    reference: &super::Reference,
    manifest: super::client::Fetched,
) -> Result<Pulled, OciError> {
    pull_into_if(store, client, reference, manifest, |_| Ok(())).map(|(p, ())| p)
}

/// [`pull_into`], storing nothing unless `accept` (the trust rules, given
/// the checked bundle in memory) says yes; returns what it said.
#[cfg(feature = "online")]
pub fn pull_into_if<T>(
    store: &Store,
    client: &super::client::Client,
    reference: &super::Reference,
    manifest: super::client::Fetched,
    accept: impl FnOnce(&Pulled) -> Result<T, OciError>,
) -> Result<(Pulled, T), OciError> {
    let mut get =
        |what: &str, d: &str, size: u64, limit: u64| client.get_blob(what, d, size, limit);
    let pulled = assemble(
        &reference.repo_name(),
        manifest.bytes,
        Some(&manifest.media_type),
        &mut get,
    )?;
    let accepted = accept(&pulled)?;
    let names = super::source::names(reference, &pulled.digest);
    commit(store, &pulled, &names, Some(super::now_secs()))?;
    Ok((pulled, accepted))
}

/// Upload `blobs` and then `manifest` (an OCI image manifest) under
/// `tag_or_digest`; returns the manifest digest, which is the same on
/// every registry because the bytes are.
#[cfg(feature = "online")]
pub fn upload<'a>(
    client: &super::client::Client,
    blobs: impl IntoIterator<Item = &'a [u8]>,
    manifest: &[u8],
    tag_or_digest: &str,
) -> Result<String, OciError> {
    for blob in blobs {
        client.push_blob(blob)?;
    }
    client.push_manifest(tag_or_digest, manifest, super::MANIFEST_MEDIA_TYPE)
}
