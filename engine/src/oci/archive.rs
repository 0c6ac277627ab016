//! `fetter policy save` / `load`: the store's image layout in a tarball,
//! for machines with no way to the registry.
//!
//! The tarball is an OCI image layout (`oci-layout`, `index.json`,
//! `blobs/sha256/…`): the saved names' manifests, every blob they name,
//! and any signature manifests stored beside them (tags
//! `sha256-<hex>.sig` of the same repository). Loading reads only those
//! paths, within size limits, checks every blob against its name and
//! every bundle completely, and only then writes to the store: a bad
//! tarball changes nothing. Digests are kept byte for byte, so a lock
//! written before the air gap still holds after it, and re-pushing to a
//! mirror gives the same manifest digests.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Read;
use std::path::Path;

use oci_spec::image::{ImageIndex, ImageManifest};

use super::fetch::{self, Pulled};
use super::store::{Entry, Store};
use super::{digest_of, OciError, Reference, CONFIG_MEDIA_TYPE, MANIFEST_LIMIT, WASM_LIMIT};

/// Largest tarball `load` reads, all entries together.
pub const ARCHIVE_LIMIT: u64 = 1024 * 1024 * 1024;

/// One name loaded from a tarball.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The store entry (name, digest, when the source last verified it).
    pub entry: Entry,
    /// The bundle, when the entry is a policy bundle (not a signature).
    pub bundle: Option<Pulled>,
}

/// Write the entries of `store` called `names` (every entry when empty),
/// their blobs and their signatures, to the tarball `out`.
pub fn save(store: &Store, names: &[String], out: &Path) -> Result<Vec<Entry>, OciError> {
    let all = store.entries()?;
    let mut chosen: Vec<Entry> = if names.is_empty() {
        all.clone()
    } else {
        let mut v = Vec::new();
        for n in names {
            let e = all.iter().find(|e| e.name == *n).ok_or_else(|| {
                OciError::file(
                    store.root(),
                    format!("{n} is not in the store (see `fetter policy list`)"),
                )
            })?;
            v.push(e.clone());
        }
        v
    };
    // Signatures travel with what they sign.
    let sig_names: BTreeSet<String> = chosen
        .iter()
        .filter_map(|e| {
            Reference::parse(&e.name)
                .ok()
                .map(|r| format!("{}:sha256-{}.sig", r.repo_name(), &e.digest[7..]))
        })
        .collect();
    for e in &all {
        if sig_names.contains(&e.name) && !chosen.iter().any(|c| c.name == e.name) {
            chosen.push(e.clone());
        }
    }
    if chosen.is_empty() {
        return Err(OciError::file(
            store.root(),
            "the store is empty: nothing to save (`fetter policy pull` first)",
        ));
    }
    let mut blobs = BTreeSet::new();
    for e in &chosen {
        blobs.insert(e.digest.clone());
        let manifest = store.read_blob(&e.digest, MANIFEST_LIMIT)?;
        let m: ImageManifest = serde_json::from_slice(&manifest)
            .map_err(|err| OciError::file(store.blob_path(&e.digest).unwrap_or_default(), err))?;
        blobs.insert(m.config().digest().to_string());
        blobs.extend(m.layers().iter().map(|l| l.digest().to_string()));
    }
    let index = super::store::index_for(&chosen).map_err(|e| OciError::file(store.root(), e))?;
    for d in &blobs {
        if !store.has_blob(d) {
            return Err(OciError::file(
                store.blob_path(d)?,
                "blob missing from the store",
            ));
        }
    }
    let tmp = out.with_extension("tar.partial");
    let result = (|| -> std::io::Result<()> {
        let mut builder = tar::Builder::new(fs::File::create(&tmp)?);
        let mut add = |name: &str, bytes: &[u8]| {
            let mut h = tar::Header::new_ustar();
            h.set_size(bytes.len() as u64);
            h.set_mode(0o644);
            h.set_mtime(0);
            h.set_entry_type(tar::EntryType::Regular);
            builder.append_data(&mut h, name, bytes)
        };
        add("oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#)?;
        add("index.json", &index)?;
        for d in &blobs {
            // Read and checked again: a store file changed on disk must
            // not travel.
            let bytes = store
                .read_blob(d, WASM_LIMIT)
                .map_err(|e| std::io::Error::other(e.to_string()))?;
            add(&format!("blobs/sha256/{}", &d[7..]), &bytes)?;
        }
        builder.into_inner()?.sync_all()?;
        fs::rename(&tmp, out)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(OciError::file(out, e));
    }
    Ok(chosen)
}

/// Read the tarball `path` completely, check it, and add its names to
/// `store`. Nothing is written unless everything checks.
pub fn load(store: &Store, path: &Path) -> Result<Vec<Loaded>, OciError> {
    let file = fs::File::open(path).map_err(|e| OciError::file(path, e))?;
    let mut archive = tar::Archive::new(file.take(ARCHIVE_LIMIT));
    let mut index: Option<Vec<u8>> = None;
    let mut blobs: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let err = |m: String| OciError::file(path, m);
    for entry in archive.entries().map_err(|e| err(e.to_string()))? {
        let mut entry = entry.map_err(|e| err(format!("not a tar archive: {e}")))?;
        let name = entry
            .path()
            .map_err(|e| err(e.to_string()))?
            .to_string_lossy()
            .into_owned();
        let name = name.trim_start_matches("./").to_string();
        let kind = entry.header().entry_type();
        if kind.is_dir() {
            continue;
        }
        if !kind.is_file() {
            return Err(err(format!(
                "{name:?}: not a regular file; an image layout holds only files"
            )));
        }
        let size = entry.header().size().map_err(|e| err(e.to_string()))?;
        let (limit, digest) = match name.as_str() {
            "oci-layout" => (1024, None),
            "index.json" => (MANIFEST_LIMIT * 4, None),
            n => match n.strip_prefix("blobs/sha256/") {
                Some(hex) if super::is_sha256_digest(&format!("sha256:{hex}")) => {
                    (WASM_LIMIT, Some(format!("sha256:{hex}")))
                }
                _ => return Err(err(format!("{name:?}: not part of an OCI image layout"))),
            },
        };
        if size > limit {
            return Err(OciError::TooLarge {
                what: format!("{}: {name}", path.display()),
                size,
                limit,
            });
        }
        let mut bytes = Vec::with_capacity(size as usize);
        (&mut entry)
            .take(limit)
            .read_to_end(&mut bytes)
            .map_err(|e| err(format!("{name}: {e}")))?;
        match digest {
            Some(d) => {
                super::verify_digest(&format!("{}: {name}", path.display()), &d, &bytes)?;
                blobs.insert(d, bytes);
            }
            None if name == "index.json" => index = Some(bytes),
            None => {}
        }
    }
    let index = index.ok_or_else(|| {
        err("no index.json: not an image layout saved by `fetter policy save`".into())
    })?;
    let index: ImageIndex =
        serde_json::from_slice(&index).map_err(|e| err(format!("index.json: {e}")))?;
    let mut loaded = Vec::new();
    for d in index.manifests() {
        let ann = d.annotations().clone().unwrap_or_default();
        let name = ann.get(super::REF_ANNOTATION).cloned().ok_or_else(|| {
            err(format!(
                "index.json: manifest {} has no {} annotation",
                d.digest(),
                super::REF_ANNOTATION
            ))
        })?;
        let reference = Reference::parse(&name)?;
        let digest = d.digest().to_string();
        let manifest = blobs
            .get(&digest)
            .cloned()
            .ok_or_else(|| err(format!("{name}: manifest {digest} is not in the archive")))?;
        let generic: ImageManifest = serde_json::from_slice(&manifest)
            .map_err(|e| err(format!("{name}: not an OCI image manifest: {e}")))?;
        let mut get = |what: &str, d: &str, _size: u64, _limit: u64| {
            blobs.get(d).cloned().ok_or_else(|| {
                OciError::bundle(what, format!("blob {d} is not in {}", path.display()))
            })
        };
        let bundle = if generic.config().media_type().as_ref() == CONFIG_MEDIA_TYPE {
            Some(fetch::assemble(
                &reference.repo_name(),
                manifest.clone(),
                None,
                &mut get,
            )?)
        } else {
            // Not a bundle (a signature): its blobs must all be here.
            get(&name, generic.config().digest().as_ref(), 0, 0)?;
            for l in generic.layers() {
                get(&name, l.digest().as_ref(), 0, 0)?;
            }
            None
        };
        loaded.push(Loaded {
            entry: Entry {
                name,
                digest: digest_of(&manifest),
                size: manifest.len() as u64,
                verified_at: ann
                    .get(super::VERIFIED_ANNOTATION)
                    .and_then(|v| v.parse().ok()),
            },
            bundle,
        });
    }
    if loaded.is_empty() {
        return Err(err("index.json names no manifest".into()));
    }
    for bytes in blobs.values() {
        store.put_blob(bytes)?;
    }
    let entries: Vec<Entry> = loaded.iter().map(|l| l.entry.clone()).collect();
    store.record(&entries)?;
    Ok(loaded)
}
