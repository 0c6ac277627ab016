//! Reading one installed distribution from its metadata directory or file.

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::escape::quote;
use crate::fsutil;
use crate::inventory::direct_url;
use crate::inventory::metadata::{self, Headers};
use crate::inventory::model::{Distribution, MetadataKind, Warning};
use crate::inventory::version;
use crate::names;

/// Read the distribution whose metadata is at `path` (a `.dist-info` or
/// `.egg-info` directory, or an `.egg-info` file) in `site`.
///
/// Problems are pushed to `warnings`; `None` means nothing usable was found
/// (the reason is in `warnings`).
pub fn read_distribution(
    site: &Path,
    path: &Path,
    kind: MetadataKind,
    warnings: &mut Vec<Warning>,
) -> Option<Distribution> {
    read_distribution_in(site, None, path.to_path_buf(), kind, warnings)
}

/// The files of one metadata entry: opened relative to its site directory
/// when that is held open ([`fsutil::Dir`]: a shorter path walk per open),
/// else by absolute path.
struct Files<'a> {
    site_dir: Option<&'a fsutil::Dir>,
    path: &'a Path,
}

impl Files<'_> {
    /// The entry itself (`file` = `None`) or a file inside it, relative to
    /// the site.
    fn rel(&self, file: Option<&str>) -> Option<CString> {
        let name = self.path.file_name()?.as_bytes();
        let extra = file.map_or(0, |f| f.len() + 1);
        let mut rel = Vec::with_capacity(name.len() + extra + 1);
        rel.extend_from_slice(name);
        if let Some(f) = file {
            rel.push(b'/');
            rel.extend_from_slice(f.as_bytes());
        }
        CString::new(rel).ok()
    }

    fn open(&self, file: Option<&str>) -> Result<(std::fs::File, u64), fsutil::ReadError> {
        if let (Some(dir), Some(rel)) = (self.site_dir, self.rel(file)) {
            return dir.open_regular_len(&rel);
        }
        match file {
            Some(f) => fsutil::open_regular_len(&self.path.join(f)),
            None => fsutil::open_regular_len(self.path),
        }
    }

    /// [`Files::open`] without the `fstat` where it can do without
    /// ([`fsutil::Dir::open_lazy`]): relative to the site, not through a
    /// symbolic link.
    fn open_lazy(&self, file: Option<&str>) -> Result<fsutil::LazyFile, fsutil::ReadError> {
        if let (Some(dir), Some(rel)) = (self.site_dir, self.rel(file)) {
            if let Some(f) = dir.open_lazy(&rel)? {
                return Ok(f);
            }
        }
        self.open(file).map(|(f, _)| fsutil::LazyFile::checked(f))
    }

    fn exists(&self, file: &str) -> bool {
        match (self.site_dir, self.rel(Some(file))) {
            (Some(dir), Some(rel)) => dir.exists(&rel),
            _ => self.path.join(file).exists(),
        }
    }

    /// A small text file of the entry, `None` when there is none. (Absence
    /// is the common case: it is told by the error's kind, without
    /// formatting the error's text.)
    fn read_small(&self, file: &str) -> Result<Option<String>, fsutil::ReadError> {
        match self.open_lazy(Some(file)) {
            Ok(f) => fsutil::read_small_text_lazy(f).map(Some),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// [`read_distribution`] of the entry at `path`, directly inside the site
/// `site`; `site_dir` is that site held open, if it is.
pub(crate) fn read_distribution_in(
    site: &Path,
    site_dir: Option<&fsutil::Dir>,
    path: PathBuf,
    kind: MetadataKind,
    warnings: &mut Vec<Warning>,
) -> Option<Distribution> {
    let file_name = path.file_name()?.to_string_lossy();
    let stem = metadata::parse_stem(&file_name)?;
    let files = Files {
        site_dir,
        path: &path,
    };
    let headers_file = match kind {
        MetadataKind::DistInfo => Some("METADATA"),
        MetadataKind::EggInfo => Some("PKG-INFO"),
        MetadataKind::EggInfoFile => None,
    };
    // Only warnings name it: built when one is written.
    let headers_path = || match headers_file {
        Some(f) => path.join(f),
        None => path.clone(),
    };
    let read = match files.open_lazy(headers_file) {
        Err(e) => Err(metadata::HeadersError::Read(e)),
        Ok(file) => metadata::parse_headers(file),
    };
    let headers = match read {
        Ok((h, problem)) => {
            if let Some(p) = problem {
                warnings.push(Warning::new(headers_path(), p));
            }
            h
        }
        Err(e) => {
            let why = if e.is_not_found() {
                "missing".to_string()
            } else {
                e.to_string()
            };
            warnings.push(Warning::new(
                headers_path(),
                format!(
                    "cannot read metadata: {why}; name and version taken from the directory name"
                ),
            ));
            Headers::default()
        }
    };
    let name = match headers.name.filter(|n| !n.is_empty()) {
        Some(n) => n,
        None => {
            // Debris whose directory name is no project name either: not
            // something pip would list ("Ignoring invalid distribution").
            // pip's `~` stashes never get here: site.rs reports them as
            // leftovers (tests/hostile.rs caught one while pip uninstalled).
            if !crate::names::is_valid(&stem.name) {
                warnings.push(Warning::new(
                    path,
                    format!(
                        "no Name in the metadata and {} is not a valid project name; skipped",
                        quote(&stem.name)
                    ),
                ));
                return None;
            }
            if !stem.name.is_empty() {
                warnings.push(Warning::new(
                    headers_path(),
                    "no Name header; using the directory name",
                ));
            }
            stem.name.clone()
        }
    };
    // "Version:" with nothing after it is not a missing header: say which.
    let version_header = match &headers.version {
        Some(v) if v.is_empty() => "an empty Version header",
        _ => "no Version header",
    };
    let version = match headers.version.filter(|v| !v.is_empty()) {
        Some(v) => v,
        None => match &stem.version {
            Some(v) => {
                warnings.push(Warning::new(
                    headers_path(),
                    format!("{version_header}; using the directory name"),
                ));
                v.clone()
            }
            None => {
                warnings.push(Warning::new(
                    path,
                    format!("{version_header} and no version in the directory name; skipped"),
                ));
                return None;
            }
        },
    };
    // The one parse of the version: everything downstream compares `parsed_version`.
    let parsed_version = match version::parse(&version) {
        Ok(v) => Some(v),
        Err(problem) => {
            warnings.push(Warning::new(
                headers_path(),
                format!("version {} is {problem}", quote(&version)),
            ));
            None
        }
    };
    let normalized_name = names::PackageName::installed(&name);
    if !names::is_valid(&name) {
        warnings.push(Warning::new(
            headers_path(),
            format!(
                "name {} is not a valid project name (ASCII letters and digits, with . _ - inside); listed as {normalized_name:?}",
                quote(&name)
            ),
        ));
    }

    let (installer, requested, direct_url) = if kind == MetadataKind::DistInfo {
        read_dist_info_extras(&files, warnings)
    } else {
        (None, false, None)
    };
    drop(file_name);

    Some(Distribution {
        normalized_name,
        name,
        version,
        version_valid: parsed_version.is_some(),
        parsed_version,
        site: site.to_path_buf(),
        metadata_path: path,
        metadata_kind: kind,
        installer,
        requested,
        direct_url,
        // Named after the scan, from the OS database (crate::osowner).
        os_package: None,
    })
}

type Extras = (
    Option<String>,
    bool,
    Option<crate::inventory::model::DirectUrl>,
);

fn read_dist_info_extras(files: &Files, warnings: &mut Vec<Warning>) -> Extras {
    let dir = files.path;
    let installer = match files.read_small("INSTALLER") {
        Ok(t) => t.map(|t| t.trim().to_string()).filter(|s| !s.is_empty()),
        Err(e) => {
            warnings.push(Warning::new(
                dir.join("INSTALLER"),
                format!("cannot read INSTALLER: {e}"),
            ));
            None
        }
    };
    let requested = files.exists("REQUESTED");
    let direct_url = match files.read_small("direct_url.json") {
        Ok(None) => None,
        Ok(Some(text)) => match direct_url::parse(&text) {
            Ok(d) => Some(d),
            Err(e) => {
                warnings.push(Warning::new(dir.join("direct_url.json"), e.to_string()));
                None
            }
        },
        Err(e) => {
            warnings.push(Warning::new(
                dir.join("direct_url.json"),
                format!("cannot read direct_url.json: {e}"),
            ));
            None
        }
    };
    (installer, requested, direct_url)
}
