//! Reading one installed distribution from its metadata directory or file.

use std::path::Path;

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
    let file_name = path.file_name()?.to_string_lossy();
    let stem = metadata::parse_stem(&file_name)?;
    let headers_path = match kind {
        MetadataKind::DistInfo => path.join("METADATA"),
        MetadataKind::EggInfo => path.join("PKG-INFO"),
        MetadataKind::EggInfoFile => path.to_path_buf(),
    };
    let headers = match metadata::read_headers(&headers_path) {
        Ok((h, problem)) => {
            if let Some(p) = problem {
                warnings.push(Warning::new(&headers_path, p));
            }
            h
        }
        Err(e) => {
            let why = if e.contains("No such file") {
                "missing".to_string()
            } else {
                e
            };
            warnings.push(Warning::new(
                &headers_path,
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
                    &headers_path,
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
                    &headers_path,
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
    let version_valid = match version::parse(&version) {
        Ok(_) => true,
        Err(problem) => {
            warnings.push(Warning::new(
                &headers_path,
                format!("version {} is {problem}", quote(&version)),
            ));
            false
        }
    };
    let normalized_name = names::normalize_installed(&name);
    if !names::is_valid(&name) {
        warnings.push(Warning::new(
            &headers_path,
            format!(
                "name {} is not a valid project name (ASCII letters and digits, with . _ - inside); listed as {normalized_name:?}",
                quote(&name)
            ),
        ));
    }

    let (installer, requested, direct_url) = if kind == MetadataKind::DistInfo {
        read_dist_info_extras(path, warnings)
    } else {
        (None, false, None)
    };

    Some(Distribution {
        normalized_name,
        name,
        version,
        version_valid,
        site: site.to_path_buf(),
        metadata_path: path.to_path_buf(),
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

fn read_dist_info_extras(dir: &Path, warnings: &mut Vec<Warning>) -> Extras {
    let installer_path = dir.join("INSTALLER");
    let installer = match fsutil::read_small_text(&installer_path) {
        Ok(t) => Some(t.trim().to_string()).filter(|s| !s.is_empty()),
        Err(e) if e.contains("No such file") => None,
        Err(e) => {
            warnings.push(Warning::new(
                &installer_path,
                format!("cannot read INSTALLER: {e}"),
            ));
            None
        }
    };
    let requested = dir.join("REQUESTED").exists();
    let du_path = dir.join("direct_url.json");
    let direct_url = match fsutil::read_small_text(&du_path) {
        Ok(text) => match direct_url::parse(&text) {
            Ok(d) => Some(d),
            Err(e) => {
                warnings.push(Warning::new(&du_path, e));
                None
            }
        },
        Err(e) if e.contains("No such file") => None,
        Err(e) => {
            warnings.push(Warning::new(
                &du_path,
                format!("cannot read direct_url.json: {e}"),
            ));
            None
        }
    };
    (installer, requested, direct_url)
}
