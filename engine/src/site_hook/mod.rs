//! `fetter site-install` / `site-uninstall`: a start-up hook that checks,
//! at each interpreter start, that an environment still satisfies its
//! bound. Two files go into the site (a `.pth` with one `import` line and
//! a small module, see [`module`]); what was written is recorded in a
//! [`manifest`] in fetter's data directory so uninstall removes every byte
//! (the bytecode Python compiles for the module included).

pub mod manifest;
pub mod module;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

pub use manifest::{Manifest, ManifestError, WrittenFile};
pub use module::{HookConfig, MODULE_FILE, MODULE_NAME, PTH_FILE};

/// Why a hook could not be installed or uninstalled.
#[derive(Debug, thiserror::Error)]
pub enum SiteHookError {
    /// A hook file is already in the site.
    #[error("{} already exists: run `fetter --exe {} site-uninstall` first", path.display(), prefix.display())]
    Exists {
        /// The file.
        path: PathBuf,
        /// The environment.
        prefix: PathBuf,
    },
    /// A hook file could not be created (what was written is removed).
    #[error("cannot write {}: {error}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why (match its kind).
        error: std::io::Error,
    },
    /// The manifest could not be written (the hook files are removed).
    #[error("cannot record the hook: {0}")]
    Record(ManifestError),
    /// The manifest could not be read or removed.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// Hook files without a manifest, and no `force`.
    #[error(
        "hook files are in {} but fetter has no record of installing them (installed by another user?): \
         rerun as that user, or with --force to remove them",
        .0.display()
    )]
    Unrecorded(PathBuf),
    /// No hook in the site.
    #[error("no fetter site hook is installed in {}", .0.display())]
    NotInstalled(PathBuf),
    /// Hook files changed since install, and no `force`.
    #[error(
        "{} changed since site-install; inspect it, then rerun with --force to remove it",
        .0.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
    )]
    Modified(Vec<PathBuf>),
    /// A file could not be removed.
    #[error("cannot remove {}: {error}", path.display())]
    Remove {
        /// The file.
        path: PathBuf,
        /// Why (match its kind).
        error: std::io::Error,
    },
}

/// Write the hook into `site` for the environment `cfg.prefix`.
///
/// Refuses when hook files are already there (uninstall first). Files are
/// created exclusively, so nothing existing is ever overwritten.
pub fn install(site: &Path, cfg: &HookConfig) -> Result<Manifest, SiteHookError> {
    let module_path = site.join(MODULE_FILE);
    let pth_path = site.join(PTH_FILE);
    for p in [&module_path, &pth_path] {
        if fs::symlink_metadata(p).is_ok() {
            return Err(SiteHookError::Exists {
                path: p.clone(),
                prefix: cfg.prefix.clone(),
            });
        }
    }
    let pycache_created = fs::symlink_metadata(site.join("__pycache__")).is_err();
    let module = module::module_text(cfg);
    let pth = module::pth_text();
    let mut m = Manifest {
        schema: manifest::MANIFEST_SCHEMA.into(),
        site: site.to_path_buf(),
        prefix: cfg.prefix.clone(),
        files: Vec::new(),
        pycache_created,
        cache_key: cfg.cache_key.clone(),
        argv: cfg.validate_argv(),
        strict: cfg.strict,
    };
    // The module first: a .pth importing a missing module would print an
    // error at every start.
    for (path, text) in [(&module_path, &module), (&pth_path, &pth)] {
        if let Err(error) = create_new(path, text.as_bytes()) {
            for f in &m.files {
                let _ = fs::remove_file(&f.path);
            }
            return Err(SiteHookError::Write {
                path: path.clone(),
                error,
            });
        }
        m.files.push(WrittenFile {
            path: path.clone(),
            sha256: manifest::sha256_hex(text.as_bytes()),
        });
    }
    if let Err(e) = manifest::write(&m) {
        for f in &m.files {
            let _ = fs::remove_file(&f.path);
        }
        return Err(SiteHookError::Record(e));
    }
    Ok(m)
}

fn create_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// What `uninstall` removed.
#[derive(Debug, Default)]
pub struct Removed {
    /// Files removed from the site (hook files and their bytecode).
    pub files: Vec<PathBuf>,
    /// Files that differed from what was written (removed only with `force`).
    pub modified: Vec<PathBuf>,
}

/// Remove the hook from `site`: its files, the bytecode Python compiled
/// for the module, `__pycache__` when the hook created it and nothing else
/// is in it, this user's cached verdict, and the manifest.
///
/// Without a manifest (installed by another user, or lost) nothing is
/// removed unless `force`, and then only files carrying the hook's marker.
/// A hook file changed since install is only removed with `force`.
pub fn uninstall(site: &Path, force: bool) -> Result<Removed, SiteHookError> {
    let mut removed = Removed::default();
    let m = manifest::read(site)?;
    let (files, pycache_created, cache_key) = match &m {
        Some(m) => (
            m.files.clone(),
            m.pycache_created,
            Some(m.cache_key.clone()),
        ),
        None if force => (marked_files(site), false, None),
        None => {
            return Err(
                if site.join(PTH_FILE).exists() || site.join(MODULE_FILE).exists() {
                    SiteHookError::Unrecorded(site.to_owned())
                } else {
                    SiteHookError::NotInstalled(site.to_owned())
                },
            );
        }
    };
    for f in &files {
        match fs::read(&f.path) {
            Ok(bytes) if manifest::sha256_hex(&bytes) != f.sha256 => {
                removed.modified.push(f.path.clone())
            }
            _ => {}
        }
    }
    if !removed.modified.is_empty() && !force {
        return Err(SiteHookError::Modified(removed.modified));
    }
    // The .pth first: the module is never missing while a .pth imports it.
    let mut ordered = files.clone();
    ordered.sort_by_key(|f| !f.path.to_string_lossy().ends_with(".pth"));
    for f in &ordered {
        match fs::remove_file(&f.path) {
            Ok(()) => removed.files.push(f.path.clone()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => {
                return Err(SiteHookError::Remove {
                    path: f.path.clone(),
                    error,
                })
            }
        }
    }
    remove_bytecode(site, pycache_created, &mut removed)?;
    if let Some(key) = cache_key {
        let _ = fs::remove_file(crate::paths::cache_dir().join("site-hook").join(key));
    }
    manifest::remove(site)?;
    Ok(removed)
}

/// Hook files in `site` that carry the generated marker (for `--force`
/// without a manifest).
fn marked_files(site: &Path) -> Vec<WrittenFile> {
    let mut out = Vec::new();
    let module = site.join(MODULE_FILE);
    if let Ok(text) = crate::fsutil::read_small_text(&module) {
        if text.starts_with(module::MARKER) {
            out.push(WrittenFile {
                sha256: manifest::sha256_hex(text.as_bytes()),
                path: module,
            });
        }
    }
    let pth = site.join(PTH_FILE);
    if let Ok(text) = crate::fsutil::read_small_text(&pth) {
        if text == module::pth_text() {
            out.push(WrittenFile {
                sha256: manifest::sha256_hex(text.as_bytes()),
                path: pth,
            });
        }
    }
    out
}

/// `__pycache__/_fetter_site_hook.<tag>[.opt-N].pyc`, and `__pycache__`
/// itself when the hook created it and it is now empty.
fn remove_bytecode(
    site: &Path,
    pycache_created: bool,
    removed: &mut Removed,
) -> Result<(), SiteHookError> {
    let cache = site.join("__pycache__");
    let Ok(rd) = fs::read_dir(&cache) else {
        return Ok(());
    };
    let prefix = format!("{MODULE_NAME}.");
    for e in rd.flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(&prefix) && name.ends_with(".pyc") {
            let p = e.path();
            if let Err(error) = fs::remove_file(&p) {
                return Err(SiteHookError::Remove { path: p, error });
            }
            removed.files.push(p);
        }
    }
    if pycache_created && fs::remove_dir(&cache).is_ok() {
        removed.files.push(cache);
    }
    Ok(())
}

/// True when `path` is a hook file fetter wrote: its manifest lists it and
/// its content still hashes to what was written.
pub fn owns(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    if name != PTH_FILE && name != MODULE_FILE {
        return false;
    }
    let Some(site) = path.parent() else {
        return false;
    };
    let Ok(Some(m)) = manifest::read(site) else {
        return false;
    };
    m.files.iter().any(|f| {
        f.path == path
            && crate::fsutil::read_capped(path, crate::fsutil::SMALL_FILE_CAP)
                .is_ok_and(|b| manifest::sha256_hex(&b) == f.sha256)
    })
}

/// The cache key of a hook: different sites and configurations never share
/// a verdict.
pub fn cache_key(site: &Path, cfg_argv: &[String], watch: &[PathBuf], strict: bool) -> String {
    let mut text = site.to_string_lossy().into_owned();
    for a in cfg_argv {
        text.push('\0');
        text.push_str(a);
    }
    for w in watch {
        text.push('\0');
        text.push_str(&w.to_string_lossy());
    }
    text.push_str(if strict { "\0strict" } else { "\0warn" });
    manifest::sha256_hex(text.as_bytes())[..32].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uninstall_without_a_record_is_told_by_variant() {
        let site = tempfile::tempdir().unwrap();
        let e = uninstall(site.path(), false).unwrap_err();
        assert!(
            matches!(&e, SiteHookError::NotInstalled(p) if p == site.path()),
            "{e}"
        );
        fs::write(site.path().join(PTH_FILE), module::pth_text()).unwrap();
        let e = uninstall(site.path(), false).unwrap_err();
        assert!(
            matches!(&e, SiteHookError::Unrecorded(p) if p == site.path()),
            "{e}"
        );
        assert!(
            e.to_string().contains("no record of installing them"),
            "{e}"
        );
    }
}
