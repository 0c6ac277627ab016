//! Listing one site directory: its distributions and its `.pth` files.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::fsutil;
use crate::inventory::dist::{read_distribution, read_distribution_in};
use crate::inventory::model::{Distribution, Finding, FindingKind, MetadataKind, Warning};

/// What one site directory holds.
#[derive(Debug, Default)]
pub struct SiteListing {
    /// Distributions, in directory order.
    pub distributions: Vec<Distribution>,
    /// Duplicates and executable `.pth` lines.
    pub findings: Vec<Finding>,
    /// What could not be read.
    pub warnings: Vec<Warning>,
    /// True when some distributions come from directories that `.pth`
    /// lines or `.egg-link` files add to `sys.path` (which another site may
    /// also reach): only then can two listings hold the same metadata path.
    pub from_path_entries: bool,
}

/// List `site` once and read every distribution in it.
///
/// Besides `*.dist-info` and `*.egg-info` entries, this follows what Python
/// itself puts on `sys.path` from the site: directories named by `.pth` path
/// lines and `.egg-link` files (legacy develop installs) are searched (one
/// level, never recursively) for metadata, so editable and develop installs
/// are seen as `importlib.metadata` sees them.
pub fn list_site(site: &Path) -> SiteListing {
    let mut out = SiteListing::default();
    let entries = match fs::read_dir(site) {
        Ok(e) => e,
        Err(e) => {
            out.warnings
                .push(Warning::new(site, format!("cannot list site: {e}")));
            return out;
        }
    };
    let mut extra_dirs: Vec<PathBuf> = Vec::new();
    let mut metadata_entries: Vec<(PathBuf, MetadataKind)> = Vec::new();
    for entry in entries {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                out.warnings
                    .push(Warning::new(site, format!("cannot list site: {e}")));
                continue;
            }
        };
        // Bytes, not text: a file name that is not UTF-8 must not hide a
        // distribution (Python reads such names through surrogateescape).
        let name = entry.file_name();
        let name = name.as_encoded_bytes();
        let path = entry.path();
        if name.ends_with(b".dist-info") || name.ends_with(b".egg-info") {
            if name.starts_with(b"~") {
                report_leftover(&path, &mut out);
                continue;
            }
            // The directory entry's type costs no syscall; only links are followed.
            let is_dir = match entry.file_type() {
                Ok(t) if !t.is_symlink() => t.is_dir(),
                _ => match fs::metadata(&path) {
                    Ok(m) => m.is_dir(),
                    Err(e) => {
                        out.warnings
                            .push(Warning::new(&path, format!("cannot read: {e}")));
                        continue;
                    }
                },
            };
            let kind = match (name.ends_with(b".dist-info"), is_dir) {
                (true, true) => MetadataKind::DistInfo,
                (true, false) => {
                    out.warnings.push(Warning::new(
                        &path,
                        "a .dist-info that is not a directory; skipped",
                    ));
                    continue;
                }
                (false, true) => MetadataKind::EggInfo,
                (false, false) => MetadataKind::EggInfoFile,
            };
            metadata_entries.push((path, kind));
        } else if name.ends_with(b".pth") {
            read_pth(site, &path, &mut extra_dirs, &mut out);
        } else if name.ends_with(b".egg-link") {
            match fsutil::read_small_text(&path) {
                Ok(text) => {
                    if let Some(first) =
                        text.lines().next().map(str::trim).filter(|l| !l.is_empty())
                    {
                        extra_dirs.push(site.join(first));
                    }
                }
                Err(e) => out
                    .warnings
                    .push(Warning::new(&path, format!("cannot read .egg-link: {e}"))),
            }
        }
    }
    // A site can hold tens of thousands of distributions: read them in
    // parallel (order is kept, so output stays deterministic), each file
    // opened relative to the site held open (see `fsutil::Dir`).
    let site_dir = fsutil::Dir::open(site).ok();
    let (read, warnings): (Vec<Option<Distribution>>, Vec<Vec<Warning>>) = metadata_entries
        .into_par_iter()
        .with_min_len(16)
        .map(|(path, kind)| {
            let mut w = Vec::new();
            (
                read_distribution_in(site, site_dir.as_ref(), path, kind, &mut w),
                w,
            )
        })
        .unzip();
    // Collected in place: a big site's distributions are not copied again.
    // (`filter_map`, not `flatten`: only the former reuses the allocation.)
    #[allow(clippy::filter_map_identity)]
    let distributions = read.into_iter().filter_map(|d| d).collect();
    out.distributions = distributions;
    out.warnings.extend(warnings.into_iter().flatten());
    extra_dirs.sort();
    extra_dirs.dedup();
    // The site's own names, only when a `.pth` or `.egg-link` adds a
    // directory (20,000 names copied into a set for nothing otherwise).
    let own: std::collections::HashSet<crate::names::PackageName> = if extra_dirs.is_empty() {
        Default::default()
    } else {
        out.distributions
            .iter()
            .map(|d| d.normalized_name.clone())
            .collect()
    };
    for dir in extra_dirs {
        read_path_entry(site, &dir, &own, &mut out);
    }
    find_duplicates(&mut out);
    out
}

/// Read the metadata entries directly inside a directory that a `.pth` or
/// `.egg-link` adds to `sys.path`. Names the site already holds are skipped:
/// the site comes first on `sys.path`, so those copies are shadowed build
/// leftovers (setuptools leaves `*.egg-info` in source trees).
fn read_path_entry(
    site: &Path,
    dir: &Path,
    own: &std::collections::HashSet<crate::names::PackageName>,
    out: &mut SiteListing,
) {
    let Ok(canon) = fs::canonicalize(dir) else {
        return;
    };
    if canon == site {
        return;
    }
    let Ok(entries) = fs::read_dir(&canon) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.as_encoded_bytes();
        if name.starts_with(b"~") && (name.ends_with(b".dist-info") || name.ends_with(b".egg-info"))
        {
            report_leftover(&entry.path(), out);
            continue;
        }
        let kind = if name.ends_with(b".dist-info") {
            MetadataKind::DistInfo
        } else if name.ends_with(b".egg-info") {
            if entry.path().is_dir() {
                MetadataKind::EggInfo
            } else {
                MetadataKind::EggInfoFile
            }
        } else {
            continue;
        };
        let path = entry.path();
        if kind == MetadataKind::DistInfo && !path.is_dir() {
            continue;
        }
        let mut warnings = Vec::new();
        if let Some(d) = read_distribution(site, &path, kind, &mut warnings) {
            if !own.contains(&d.normalized_name) {
                out.from_path_entries = true;
                out.distributions.push(d);
                out.warnings.extend(warnings);
            }
        }
    }
}

/// A `~`-named metadata directory is pip's temporary copy of a distribution
/// it was removing (pip renames `matplotlib-3.8.0.dist-info` to
/// `~atplotlib-3.8.0.dist-info`, then deletes it): one that is still there
/// is the leftover of an interrupted install or uninstall. pip ignores it
/// ("Ignoring invalid distribution"), so it is not listed as installed
/// (its METADATA would name the real package twice); it is a finding, since
/// its files may still be on disk.
fn report_leftover(path: &Path, out: &mut SiteListing) {
    let message = format!(
        "{} is left over by an interrupted pip install or uninstall (pip's temporary copy, \
         named with `~`); not listed as installed. Remove it once no pip runs in this environment",
        crate::escape::escape_os(path.file_name().unwrap_or_default())
    );
    out.warnings.push(Warning::new(path, message.clone()));
    out.findings.push(Finding {
        kind: FindingKind::InterruptedInstall,
        path: path.to_path_buf(),
        message,
    });
}

/// Python runs `.pth` lines that start with `import` at every start; other
/// non-comment lines are directories added to `sys.path`.
fn read_pth(site: &Path, path: &Path, extra_dirs: &mut Vec<PathBuf>, out: &mut SiteListing) {
    let bytes = match fsutil::read_capped(path, fsutil::SMALL_FILE_CAP) {
        Ok(b) => b,
        Err(e) => {
            out.warnings
                .push(Warning::new(path, format!("cannot read .pth file: {e}")));
            return;
        }
    };
    let text = String::from_utf8_lossy(&bytes);
    let mut import_lines = 0usize;
    let mut first_import = None;
    for line in text.lines() {
        let trimmed = line.trim_end();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if trimmed.starts_with("import ") || trimmed.starts_with("import\t") {
            import_lines += 1;
            first_import.get_or_insert_with(|| truncate(trimmed, 120));
        } else {
            extra_dirs.push(site.join(trimmed));
        }
    }
    if let Some(first) = first_import {
        out.findings.push(Finding {
            kind: FindingKind::ExecutablePth,
            path: path.to_path_buf(),
            message: format!("{import_lines} line(s) run at every interpreter start: {first}"),
        });
    }
}

fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

fn find_duplicates(out: &mut SiteListing) {
    let mut by_name: HashMap<&str, Vec<&Distribution>> = HashMap::new();
    for d in &out.distributions {
        by_name
            .entry(d.normalized_name.as_str())
            .or_default()
            .push(d);
    }
    let mut findings: Vec<Finding> = by_name
        .into_values()
        .filter(|v| v.len() > 1)
        .map(|v| {
            let listed: Vec<String> = v
                .iter()
                .map(|d| {
                    format!(
                        "{} ({})",
                        d.metadata_path
                            .file_name()
                            .unwrap_or_default()
                            .to_string_lossy(),
                        d.version
                    )
                })
                .collect();
            Finding {
                kind: FindingKind::DuplicateDistribution,
                path: v[0].metadata_path.clone(),
                message: format!(
                    "{} is installed {} times in one site: {}",
                    v[0].name,
                    v.len(),
                    listed.join(", ")
                ),
            }
        })
        .collect();
    findings.sort_by(|a, b| a.path.cmp(&b.path));
    out.findings.extend(findings);
}
