//! The local store: an OCI image-layout directory (`oci-layout`,
//! `index.json`, `blobs/sha256/…`) under fetter's data dir, readable by
//! any OCI tool (`oras`, `skopeo`, `crane`).
//!
//! `index.json` lists each stored manifest once per name it was pulled by
//! (`host/repo:tag`, `host/repo@sha256:…`), with when the registry last
//! confirmed that name. Blobs are written to a temporary file and renamed,
//! the index last: a crash leaves at most an unreferenced blob, never a
//! name pointing at missing or half-written content. Callers write only
//! what they have verified completely.

use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use oci_spec::image::{Descriptor, ImageIndex, ImageIndexBuilder, MediaType};

use super::{is_sha256_digest, verify_digest, OciError, REF_ANNOTATION, VERIFIED_ANNOTATION};

/// An image layout directory.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
}

/// One name in the store's index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// `host/repo:tag` or `host/repo@sha256:…`.
    pub name: String,
    /// The manifest digest.
    pub digest: String,
    /// The manifest's size.
    pub size: u64,
    /// When the registry last confirmed `name` → `digest` (seconds since
    /// the epoch); `None` when unknown.
    pub verified_at: Option<u64>,
}

impl Store {
    /// The store in fetter's data dir (`$FETTER_DATA_DIR/policies`).
    pub fn default_location() -> Store {
        Store::at(crate::paths::data_dir().join("policies"))
    }

    /// The store at `root` (created on first write).
    pub fn at(root: impl Into<PathBuf>) -> Store {
        Store { root: root.into() }
    }

    /// The layout's directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where blob `digest` is (or would be).
    pub fn blob_path(&self, digest: &str) -> Result<PathBuf, OciError> {
        if !is_sha256_digest(digest) {
            return Err(OciError::file(
                &self.root,
                format!("{digest:?} is not a sha256 digest"),
            ));
        }
        Ok(self
            .root
            .join("blobs/sha256")
            .join(&digest["sha256:".len()..]))
    }

    /// Whether blob `digest` is stored.
    pub fn has_blob(&self, digest: &str) -> bool {
        self.blob_path(digest).is_ok_and(|p| p.is_file())
    }

    /// Blob `digest`, at most `limit` bytes, checked against its digest (a
    /// store file changed on disk is refused, naming both digests).
    pub fn read_blob(&self, digest: &str, limit: u64) -> Result<Vec<u8>, OciError> {
        let path = self.blob_path(digest)?;
        let bytes =
            crate::fsutil::read_capped(&path, limit).map_err(|e| OciError::file(&path, e))?;
        verify_digest(&path.display().to_string(), digest, &bytes)?;
        Ok(bytes)
    }

    fn init(&self) -> Result<(), OciError> {
        let blobs = self.root.join("blobs/sha256");
        fs::create_dir_all(&blobs).map_err(|e| OciError::file(&blobs, e))?;
        let layout = self.root.join("oci-layout");
        if !layout.is_file() {
            write_atomic(&layout, br#"{"imageLayoutVersion":"1.0.0"}"#)?;
        }
        Ok(())
    }

    /// Store `bytes` as a blob (the caller has checked them).
    pub fn put_blob(&self, bytes: &[u8]) -> Result<String, OciError> {
        self.init()?;
        let digest = super::digest_of(bytes);
        let path = self.blob_path(&digest)?;
        if !path.is_file() {
            write_atomic(&path, bytes)?;
        }
        Ok(digest)
    }

    /// Every name in the index.
    pub fn entries(&self) -> Result<Vec<Entry>, OciError> {
        let index = self.read_index()?;
        Ok(index
            .manifests()
            .iter()
            .filter_map(|d| {
                let ann = d.annotations().as_ref();
                Some(Entry {
                    name: ann?.get(REF_ANNOTATION)?.clone(),
                    digest: d.digest().to_string(),
                    size: d.size(),
                    verified_at: ann
                        .and_then(|a| a.get(VERIFIED_ANNOTATION))
                        .and_then(|v| v.parse().ok()),
                })
            })
            .collect())
    }

    /// The entry called `name`.
    pub fn find(&self, name: &str) -> Result<Option<Entry>, OciError> {
        Ok(self.entries()?.into_iter().find(|e| e.name == name))
    }

    /// Point each of `entries`' names at its manifest (replacing what the
    /// name pointed at). The manifests' blobs must already be stored.
    pub fn record(&self, entries: &[Entry]) -> Result<(), OciError> {
        self.init()?;
        for e in entries {
            if !self.has_blob(&e.digest) {
                return Err(OciError::file(
                    &self.root,
                    format!(
                        "cannot name {}: manifest {} is not stored",
                        e.name, e.digest
                    ),
                ));
            }
        }
        let index = self.read_index()?;
        let mut manifests: Vec<Descriptor> = index
            .manifests()
            .iter()
            .filter(|d| {
                let name = d.annotations().as_ref().and_then(|a| a.get(REF_ANNOTATION));
                !entries.iter().any(|e| Some(&e.name) == name)
            })
            .cloned()
            .collect();
        for e in entries {
            manifests.push(descriptor_of(e).map_err(|err| OciError::file(&self.root, err))?);
        }
        let text = document(manifests).map_err(|err| OciError::file(&self.root, err))?;
        write_atomic(&self.root.join("index.json"), &text)
    }

    fn read_index(&self) -> Result<ImageIndex, OciError> {
        let path = self.root.join("index.json");
        if !path.exists() {
            return ImageIndexBuilder::default()
                .schema_version(2u32)
                .manifests(Vec::<Descriptor>::new())
                .build()
                .map_err(|e| OciError::file(&path, e));
        }
        let bytes = crate::fsutil::read_capped(&path, super::MANIFEST_LIMIT * 4)
            .map_err(|e| OciError::file(&path, e))?;
        serde_json::from_slice(&bytes)
            .map_err(|e| OciError::file(&path, format!("not an OCI image index: {e}")))
    }
}

/// Why an `index.json` could not be made.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// A stored entry's digest is not a valid OCI digest.
    #[error("{0}")]
    Digest(oci_spec::OciSpecError),
    /// The index could not be built.
    #[error("{0}")]
    Build(oci_spec::OciSpecError),
    /// The index could not be serialised.
    #[error("{0}")]
    Json(serde_json::Error),
}

/// The `index.json` of exactly `entries` (for a saved tarball).
pub fn index_for(entries: &[Entry]) -> Result<Vec<u8>, IndexError> {
    document(
        entries
            .iter()
            .map(descriptor_of)
            .collect::<Result<_, _>>()?,
    )
}

fn descriptor_of(e: &Entry) -> Result<Descriptor, IndexError> {
    let digest =
        oci_spec::image::Digest::try_from(e.digest.as_str()).map_err(IndexError::Digest)?;
    let mut d = Descriptor::new(MediaType::ImageManifest, e.size, digest);
    let mut ann = HashMap::new();
    ann.insert(REF_ANNOTATION.to_string(), e.name.clone());
    if let Some(t) = e.verified_at {
        ann.insert(VERIFIED_ANNOTATION.to_string(), t.to_string());
    }
    d.set_annotations(Some(ann));
    Ok(d)
}

fn document(mut manifests: Vec<Descriptor>) -> Result<Vec<u8>, IndexError> {
    manifests.sort_by_key(name_of);
    let index = ImageIndexBuilder::default()
        .schema_version(2u32)
        .media_type(MediaType::ImageIndex)
        .manifests(manifests)
        .build()
        .map_err(IndexError::Build)?;
    // Sorted keys: the same names give the same file (annotations are a HashMap).
    let value = serde_json::to_value(&index).map_err(IndexError::Json)?;
    serde_json::to_vec_pretty(&value).map_err(IndexError::Json)
}

fn name_of(d: &Descriptor) -> String {
    d.annotations()
        .as_ref()
        .and_then(|a| a.get(REF_ANNOTATION))
        .cloned()
        .unwrap_or_default()
}

/// Write `bytes` to `path` through a temporary file in the same directory,
/// synced and renamed into place.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), OciError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(|e| OciError::file(dir, e))?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default(),
        std::process::id()
    ));
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(OciError::file(path, e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blobs_and_names_round_trip_and_tampering_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::at(dir.path().join("s"));
        assert!(store.entries().unwrap().is_empty());
        let d = store.put_blob(b"{}").unwrap();
        let e = Entry {
            name: "h/r:t".into(),
            digest: d.clone(),
            size: 2,
            verified_at: Some(5),
        };
        store.record(std::slice::from_ref(&e)).unwrap();
        assert_eq!(store.find("h/r:t").unwrap(), Some(e.clone()));
        // Renaming replaces, never duplicates.
        store
            .record(&[Entry {
                verified_at: Some(9),
                ..e
            }])
            .unwrap();
        assert_eq!(store.entries().unwrap().len(), 1);
        assert!(dir.path().join("s/oci-layout").is_file());
        fs::write(store.blob_path(&d).unwrap(), b"{ }").unwrap();
        let err = store.read_blob(&d, 10).unwrap_err().to_string();
        assert!(err.contains("digest mismatch") && err.contains(&d), "{err}");
        let missing = Entry {
            name: "x".into(),
            digest: crate::oci::digest_of(b"nope"),
            size: 4,
            verified_at: None,
        };
        assert!(store.record(&[missing]).is_err());
    }
}
