//! What `--policy oci://…` (or `--policy fetter.lock`) runs: always a
//! bundle from the local store, so evaluation needs no network.
//!
//! Before the run, a tag is looked up at the registry: when it answers,
//! the store is brought up to date (a new digest is pulled and checked
//! completely) and the copy counts as verified now. When the registry
//! cannot be reached, the last verified copy runs and the caller is told
//! how old it is; `max_age` turns an old copy into a failure. With no
//! copy and no registry, resolution fails, and the run fails closed. A
//! registry that answers wrongly (tampered blob, unknown tag, HTML) is
//! never papered over with the stored copy.
//!
//! Only a bundle the trust rules accept runs: its signatures are the ones
//! the store keeps (checked offline), topped up from the registry when
//! those do not satisfy the rules and the registry answers. A new digest
//! is judged before anything of it is stored.

#[cfg(feature = "online")]
use std::time::Duration;

#[cfg(feature = "online")]
use super::client::{Client, ClientOptions};
use super::fetch;
#[cfg(feature = "online")]
use super::lock::Lock;
use super::signatures;
use super::store::Store;
#[cfg(feature = "online")]
use super::{now_secs, OciError, Reference};
#[cfg(not(feature = "online"))]
use super::{OciError, Reference};
use crate::plugins::PolicySpec;
#[cfg(feature = "online")]
use crate::trust::Missing;
use crate::trust::TrustPolicy;

/// How to resolve.
#[cfg(feature = "online")]
#[derive(Debug, Clone)]
pub struct Options {
    /// How to reach registries.
    pub client: ClientOptions,
    /// The store.
    pub store: Store,
    /// The oldest stored copy that may stand in for an unreachable registry.
    pub max_age: Option<Duration>,
    /// The trust rules every bundle must satisfy before it runs.
    pub trust: TrustPolicy,
}

/// A bundle ready to run.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// `HOST/REPO@sha256:…`.
    pub pinned: String,
    /// Its plugins, reading their code from the store.
    pub specs: Vec<PolicySpec>,
    /// Set when the registry could not be reached and the stored copy ran:
    /// what happened and how old the copy is.
    pub stale: Option<String>,
}

/// Resolve `reference` for a run.
#[cfg(feature = "online")]
pub fn resolve(reference: &Reference, options: &Options) -> Result<Resolved, OciError> {
    let store = &options.store;
    // Pinned and stored: nothing to ask anyone, unless the stored
    // signatures do not satisfy the trust rules.
    if let Some(d) = &reference.digest {
        if store.has_blob(d) {
            trusted(None, reference, d, options)?;
            return run_from(store, reference, d, None);
        }
    }
    let online = Client::connect(reference, &options.client).and_then(|client| {
        let manifest = client.get_manifest(reference.manifest_ref())?;
        let digest = manifest.digest.clone();
        if store.has_blob(&digest) {
            trusted(Some(&client), reference, &digest, options)?;
            // Already stored: the registry has just confirmed the name.
            let size = manifest.bytes.len() as u64;
            store.record(&entries(reference, &digest, size))?;
        } else {
            let pinned = reference.digest.is_some();
            signatures::pull_trusted(store, &client, reference, manifest, &options.trust, pinned)?;
        }
        Ok(digest)
    });
    match online {
        Ok(digest) => run_from(store, reference, &digest, None),
        Err(OciError::Unreachable { url, message }) => {
            let name = store_name(reference);
            let entry = store.find(&name)?.ok_or_else(|| {
                OciError::bundle(
                    reference,
                    format!(
                        "not in the local store ({}) and the registry cannot be reached ({url}: {message}); pull it while online (`fetter policy pull`) or load a saved bundle (`fetter policy load`)",
                        store.root().display()
                    ),
                )
            })?;
            let age = entry.verified_at.map(|t| now_secs().saturating_sub(t));
            let age_text = age
                .map(human_age)
                .unwrap_or_else(|| "at an unknown time".into());
            if let Some(max) = options.max_age {
                if age.is_none_or(|a| a > max.as_secs()) {
                    return Err(OciError::bundle(
                        reference,
                        format!(
                            "the registry cannot be reached ({message}) and the stored copy {} was last verified {age_text}, more than --max-age {}",
                            entry.digest,
                            human_duration(max.as_secs())
                        ),
                    ));
                }
            }
            trusted(None, reference, &entry.digest, options)?;
            let stale = format!(
                "registry unreachable ({message}); ran the stored copy last verified {age_text}"
            );
            run_from(store, reference, &entry.digest, Some(stale))
        }
        Err(e) => Err(e),
    }
}

/// The trust rules' decision on the stored `digest` of `reference`'s
/// repository, from the signatures the store keeps; when those do not
/// satisfy the rules, the registry's are added to the store (through
/// `client`, or a new connection when `None`) and the rules asked again.
/// An unreachable registry leaves the first refusal standing.
#[cfg(feature = "online")]
fn trusted(
    client: Option<&Client>,
    reference: &Reference,
    digest: &str,
    options: &Options,
) -> Result<(), OciError> {
    let (store, repo) = (&options.store, reference.repo_name());
    let pinned = reference.digest.is_some();
    let refusal = match signatures::decide_stored(store, &options.trust, &repo, digest, pinned) {
        Ok(_) => return Ok(()),
        Err(OciError::Refused(r)) if r.missing != Missing::Unpinned => OciError::Refused(r),
        Err(e) => return Err(e),
    };
    let found = match client {
        Some(c) => signatures::fetch(c, digest),
        None => {
            Client::connect(reference, &options.client).and_then(|c| signatures::fetch(&c, digest))
        }
    };
    match found {
        Ok(found) if !found.is_empty() => {
            signatures::keep(store, &repo, digest, &found)?;
            signatures::decide_stored(store, &options.trust, &repo, digest, pinned).map(|_| ())
        }
        Ok(_) | Err(OciError::Unreachable { .. }) => Err(refusal),
        Err(e) => Err(e),
    }
}

/// Every bundle of the lock at `path`, by its locked digest: from the
/// store, or pulled by digest from its source when the store lacks it.
#[cfg(feature = "online")]
pub fn resolve_lock(path: &std::path::Path, options: &Options) -> Result<Vec<Resolved>, OciError> {
    let lock = Lock::load_existing(path)?;
    if lock.bundles.is_empty() {
        return Err(OciError::file(path, "the lock names no bundle"));
    }
    lock.bundles
        .iter()
        .map(|b| {
            let r = Reference::parse(&b.source)?.with_digest(&b.manifest_digest);
            resolve(&r, options)
        })
        .collect()
}

/// Resolve the pinned `reference` from `store` alone, as a run with no
/// registry does: the manifest must be stored (every small blob is
/// re-checked against its digest here, each plugin layer against its pin
/// when it loads) and the trust rules must accept it on the signatures
/// the store keeps. Nothing is fetched or written; a reference without a
/// digest is refused, since only the registry could say what a tag means.
pub fn resolve_stored(
    reference: &Reference,
    store: &Store,
    trust: &TrustPolicy,
) -> Result<Resolved, OciError> {
    let Some(digest) = &reference.digest else {
        return Err(OciError::bundle(
            reference,
            "not pinned: only a reference with its digest (`@sha256:…`) runs from the local store without a registry; `fetter policy pull` prints it",
        ));
    };
    if !store.has_blob(digest) {
        return Err(OciError::bundle(
            reference,
            format!(
                "not in the local store ({}); pull it there (`fetter policy pull`) or load a saved bundle (`fetter policy load`)",
                store.root().display()
            ),
        ));
    }
    signatures::decide_stored(store, trust, &reference.repo_name(), digest, true)?;
    run_from(store, reference, digest, None)
}

/// Run the stored manifest `digest` of `reference`'s repository.
pub fn run_from(
    store: &Store,
    reference: &Reference,
    digest: &str,
    stale: Option<String>,
) -> Result<Resolved, OciError> {
    let (pulled, specs) = fetch::stored(store, &reference.repo_name(), digest)?;
    Ok(Resolved {
        pinned: pulled.what,
        specs,
        stale,
    })
}

/// The store names a pull of `reference` records: the tag (when it has
/// one) and the pinned digest.
pub fn names(reference: &Reference, digest: &str) -> Vec<String> {
    let mut out = vec![reference.pinned(digest)];
    if reference.digest.is_none() {
        out.push(reference.tagged());
    }
    out
}

#[cfg(feature = "online")]
fn entries(reference: &Reference, digest: &str, size: u64) -> Vec<super::store::Entry> {
    names(reference, digest)
        .into_iter()
        .map(|name| super::store::Entry {
            name,
            digest: digest.to_string(),
            size,
            verified_at: Some(now_secs()),
        })
        .collect()
}

/// The store name to fall back on for `reference`.
pub fn store_name(reference: &Reference) -> String {
    match &reference.digest {
        Some(d) => reference.pinned(d),
        None => reference.tagged(),
    }
}

/// `3h 12m ago`, `45s ago`.
pub fn human_age(secs: u64) -> String {
    format!("{} ago", human_duration(secs))
}

/// `2d 3h`, `3h 12m`, `5m 2s`, `45s`.
pub fn human_duration(secs: u64) -> String {
    let (d, h, m, s) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, _) => format!("{m}m {s}s"),
        (0, _, _) => format!("{h}h {m}m"),
        _ => format!("{d}d {h}h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(human_duration(45), "45s");
        assert_eq!(human_duration(3 * 3600 + 12 * 60), "3h 12m");
        assert_eq!(human_duration(2 * 86_400 + 3600), "2d 1h");
    }
}
