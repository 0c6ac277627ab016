//! The files of one distribution: its RECORD's entries, each checked for
//! containment ([`Boundary`]) and ownership ([`OwnerIndex`]), the
//! `__pycache__` entries of its modules, and its metadata directory.

use std::collections::HashSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::containment::Boundary;
use super::owners::OwnerIndex;
use super::refusal::FilesRefusal;
use crate::inventory::record::read_record;
use crate::inventory::Distribution;

/// What one distribution would remove, before the files other targets
/// share are settled.
pub(super) struct PlannedFiles {
    /// Files and symlinks only this distribution lists.
    pub files: Vec<PathBuf>,
    /// Paths RECORD lists that are already gone.
    pub missing: Vec<PathBuf>,
    /// Files other distributions list too.
    pub claimed: Vec<Claimed>,
}

/// A file this distribution lists that other distributions list as well.
pub(super) struct Claimed {
    /// The file.
    pub path: PathBuf,
    /// Every other distribution listing it.
    pub others: Vec<Other>,
    /// Why it cannot go unless every other goes too (a different hash, or
    /// none): the refusal, naming the RECORD line and the owner. `None`
    /// when every other lists it identically (a namespace package's
    /// `__init__.py`, a `.pyc`): it is then kept while one of them stays.
    pub conflict: Option<FilesRefusal>,
}

/// Another distribution listing a file.
pub(super) struct Other {
    /// Its metadata directory (its identity in the plan).
    pub metadata: PathBuf,
    /// `name version`.
    pub owner: String,
}

/// The files of `dist`, every one checked against `boundary` and `index`.
pub(super) fn plan_files(
    dist: &Distribution,
    boundary: &Boundary,
    index: &OwnerIndex,
) -> Result<PlannedFiles, FilesRefusal> {
    let meta = &dist.metadata_path;
    if !meta.starts_with(&boundary.root) && !meta.starts_with(&boundary.real_root) {
        return Err(FilesRefusal::OutsideEnvironment {
            metadata: meta.clone(),
            root: boundary.root.clone(),
        });
    }
    if let Err(via) = boundary.check_parents(&meta.join("RECORD")) {
        return Err(FilesRefusal::ReachedThrough {
            metadata: meta.clone(),
            via,
        });
    }
    let record_path = meta.join("RECORD");
    let entries = match read_record(meta) {
        Ok(e) => e,
        Err(e) if e.is_not_found() => {
            return Err(FilesRefusal::RecordMissing {
                record: record_path,
            });
        }
        Err(e) => {
            return Err(FilesRefusal::RecordUnreadable {
                error: e.to_string(),
            })
        }
    };
    let real_meta = index.key(meta);
    // RECORD paths are relative to the directory holding the .dist-info.
    let base = meta.parent().unwrap_or(&dist.site);
    let mut out = PlannedFiles {
        files: Vec::new(),
        missing: Vec::new(),
        claimed: Vec::new(),
    };
    let mut seen = HashSet::new();
    for entry in &entries {
        let path = boundary
            .check_entry(base, entry, entry.line)
            .map_err(|error| FilesRefusal::BadEntry {
                record: record_path.clone(),
                error,
            })?;
        if !seen.insert(path.clone()) {
            continue;
        }
        let kind = classify(&path).map_err(|e| FilesRefusal::Uninspectable {
            path: path.clone(),
            error: e.to_string(),
        })?;
        match kind {
            Kind::Missing => {
                out.missing.push(path);
                continue;
            }
            Kind::Special(what) => {
                return Err(FilesRefusal::Special {
                    record: record_path.clone(),
                    line: entry.line,
                    path,
                    what,
                })
            }
            Kind::Removable | Kind::Directory => {}
        }
        // The distribution's own metadata directory is wholly its own,
        // whatever another RECORD claims.
        if index.key(&path).starts_with(&real_meta) {
            if kind == Kind::Removable {
                out.files.push(path);
            }
            continue;
        }
        if let Some(structure) = index.structure(&path, meta, boundary) {
            return Err(FilesRefusal::Structure {
                record: record_path.clone(),
                line: entry.line,
                path,
                structure,
            });
        }
        if kind == Kind::Directory {
            continue;
        }
        let claims = index.claims(&path, meta);
        if claims.is_empty() {
            out.files.push(path);
            continue;
        }
        // Another RECORD listing it differently: the file is this one's
        // when its content is what this RECORD says (the other's line is
        // stale, or false); otherwise it is refused, naming the other.
        let differs = claims.iter().find(|c| c.hash != entry.hash);
        let mine = differs.is_some()
            && entry.hash.is_some()
            && record_hash(&path).as_ref() == entry.hash.as_ref();
        let conflict = differs.filter(|_| !mine).map(|c| FilesRefusal::Claimed {
            record: record_path.clone(),
            line: entry.line,
            path: path.clone(),
            owner: index.owner(c),
            source_list: index.source(c),
            other_hash: c.hash.is_some() && entry.hash.is_some(),
        });
        let claims: Vec<_> = claims
            .into_iter()
            .filter(|c| !mine || c.hash == entry.hash)
            .collect();
        if claims.is_empty() {
            out.files.push(path);
            continue;
        }
        let others = claims
            .iter()
            .map(|c| Other {
                metadata: index.owner_metadata(c).to_path_buf(),
                owner: index.owner(c),
            })
            .collect();
        out.claimed.push(Claimed {
            path,
            others,
            conflict,
        });
    }
    // Compiled files of removed modules, for every interpreter tag; a
    // shared module's cache is shared with it.
    let own_modules: Vec<PathBuf> = out.files.iter().filter(|p| is_module(p)).cloned().collect();
    for module in own_modules {
        for pyc in pycache_of(&module, boundary) {
            if seen.insert(pyc.clone()) {
                push_unlisted(&mut out, pyc, Vec::new(), index, meta);
            }
        }
    }
    let shared_modules: Vec<(PathBuf, Vec<Other>)> = out
        .claimed
        .iter()
        .filter(|c| is_module(&c.path))
        .map(|c| {
            (
                c.path.clone(),
                c.others.iter().map(Other::clone_of).collect(),
            )
        })
        .collect();
    for (module, others) in shared_modules {
        for pyc in pycache_of(&module, boundary) {
            if seen.insert(pyc.clone()) {
                let others = others.iter().map(Other::clone_of).collect();
                push_unlisted(&mut out, pyc, others, index, meta);
            }
        }
    }
    // The metadata directory belongs wholly to the distribution, including
    // files an installer added without listing them (pip's REQUESTED once).
    for f in walk_files(meta) {
        if boundary.check_parents(&f).is_ok() && seen.insert(f.clone()) {
            out.files.push(f);
        }
    }
    Ok(out)
}

impl Other {
    fn clone_of(&self) -> Other {
        Other {
            metadata: self.metadata.clone(),
            owner: self.owner.clone(),
        }
    }
}

/// A file RECORD does not list (a `.pyc` of a module): own, unless another
/// distribution lists it or shares its module; never a conflict, since
/// no line of this RECORD claims it.
fn push_unlisted(
    out: &mut PlannedFiles,
    path: PathBuf,
    mut others: Vec<Other>,
    index: &OwnerIndex,
    meta: &Path,
) {
    for c in index.claims(&path, meta) {
        if !others.iter().any(|o| o.metadata == index.owner_metadata(c)) {
            others.push(Other {
                metadata: index.owner_metadata(c).to_path_buf(),
                owner: index.owner(c),
            });
        }
    }
    if others.is_empty() {
        out.files.push(path);
    } else {
        out.claimed.push(Claimed {
            path,
            others,
            conflict: None,
        });
    }
}

/// `sha256=<urlsafe base64, unpadded>` of the file at `path`, as RECORD
/// writes it; `None` for anything but a readable regular file.
fn record_hash(path: &Path) -> Option<String> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    if !fs::symlink_metadata(path).ok()?.is_file() {
        return None;
    }
    let mut file = fs::File::open(path).ok()?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => hasher.update(&buf[..n]),
            Err(_) => return None,
        }
    }
    Some(format!("sha256={}", base64_urlsafe(&hasher.finalize())))
}

/// Unpadded URL-safe base64 (RFC 4648 §5), the encoding of RECORD hashes.
fn base64_urlsafe(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len() * 4 / 3 + 2);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
        }
    }
    out
}

fn is_module(p: &Path) -> bool {
    p.extension().is_some_and(|e| e == "py")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Removable,
    Directory,
    Missing,
    Special(&'static str),
}

/// What is at `path`, without following a final symlink.
fn classify(path: &Path) -> io::Result<Kind> {
    match fs::symlink_metadata(path) {
        Ok(m) => {
            let ft = m.file_type();
            Ok(if ft.is_file() || ft.is_symlink() {
                Kind::Removable
            } else if ft.is_dir() {
                Kind::Directory
            } else {
                Kind::Special("a FIFO, socket or device")
            })
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Kind::Missing),
        Err(e) => Err(e),
    }
}

/// `<dir>/__pycache__/<stem>.*.pyc` for `module` = `<dir>/<stem>.py`.
fn pycache_of(module: &Path, boundary: &Boundary) -> Vec<PathBuf> {
    let (Some(dir), Some(stem)) = (module.parent(), module.file_stem()) else {
        return Vec::new();
    };
    let cache = dir.join("__pycache__");
    let is_real_dir = fs::symlink_metadata(&cache).is_ok_and(|m| m.is_dir());
    if !is_real_dir || boundary.check_parents(&cache.join("x")).is_err() {
        return Vec::new();
    }
    let prefix = format!("{}.", stem.to_string_lossy());
    let Ok(rd) = fs::read_dir(&cache) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = rd
        .flatten()
        .filter(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            n.starts_with(&prefix)
                && n.ends_with(".pyc")
                && e.file_type().is_ok_and(|t| t.is_file() || t.is_symlink())
        })
        .map(|e| e.path())
        .collect();
    out.sort();
    out
}

/// Every file and symlink below `dir` (never following symlinks), sorted.
pub(super) fn walk_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = fs::read_dir(&d) else { continue };
        for e in rd.flatten() {
            match e.file_type() {
                Ok(t) if t.is_dir() => stack.push(e.path()),
                Ok(t) if t.is_file() || t.is_symlink() => out.push(e.path()),
                _ => {}
            }
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_as_record_writes_them() {
        assert_eq!(base64_urlsafe(b""), "");
        assert_eq!(base64_urlsafe(b"f"), "Zg");
        assert_eq!(base64_urlsafe(b"fo"), "Zm8");
        assert_eq!(base64_urlsafe(b"foo"), "Zm9v");
        assert_eq!(base64_urlsafe(&[0xfb, 0xff]), "-_8");
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("x");
        fs::write(&f, "").unwrap();
        // sha256 of the empty string, as pip records an empty file.
        assert_eq!(
            record_hash(&f).unwrap(),
            "sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"
        );
    }
}
