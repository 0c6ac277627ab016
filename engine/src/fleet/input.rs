//! Finding each host's reports on disk and reading them.
//!
//! The layout (`fetter report --help` and the README say the same):
//!
//! - `HOST.json`: one report of `HOST`; `HOST.scan.json`,
//!   `HOST.validate.json` and `HOST.audit.json` are reports of `HOST` too.
//!   What a file holds is told by its `schema` tag, not its name.
//! - `HOST/` holding any of `scan.json`, `validate.json`, `audit.json`: the
//!   reports of `HOST` (what the Ansible role fetches).
//! - any other directory: a fleet directory, each `*.json` file and each
//!   subdirectory in it read as above. A subdirectory without a report is a
//!   host whose reports are missing, never silently skipped. Entries whose
//!   name starts with `.` and files not ending in `.json` are ignored.
//!
//! The reports do not record the host name: it is the name of the file or
//! directory, which the Ansible role sets to the inventory hostname.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::fleet::model::ReportKind;
use crate::fleet::source::{kind_of_tag, AuditDoc, HostReport, ScanDoc, Tag, ValidateDoc};
use crate::fleet::FleetError;

/// The file names of a host directory, by kind.
pub const HOST_DIR_FILES: [(&str, ReportKind); 3] = [
    ("scan.json", ReportKind::Scan),
    ("validate.json", ReportKind::Validate),
    ("audit.json", ReportKind::Audit),
];

/// The report files of one host, before they are read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostFiles {
    /// The host name.
    pub host: String,
    /// Its report files (none: a host directory without reports).
    pub files: Vec<PathBuf>,
    /// The directory the host was named after, when it was one.
    pub dir: Option<PathBuf>,
}

/// The hosts named by `inputs` (files and directories, as given), sorted
/// by name; files of one host given separately are put together.
pub fn locate(inputs: &[PathBuf]) -> Result<Vec<HostFiles>, FleetError> {
    let mut hosts: BTreeMap<String, HostFiles> = BTreeMap::new();
    let mut add = |host: String, file: Option<PathBuf>, dir: Option<PathBuf>| {
        let entry = hosts.entry(host.clone()).or_insert_with(|| HostFiles {
            host,
            files: Vec::new(),
            dir: None,
        });
        entry.files.extend(file);
        if dir.is_some() {
            entry.dir = dir;
        }
    };
    for input in inputs {
        let meta = fs::metadata(input).map_err(|e| FleetError::Io {
            path: input.clone(),
            source: e,
        })?;
        if !meta.is_dir() {
            add(host_of_file(input)?, Some(input.clone()), None);
        } else if is_host_dir(input) {
            let host = name_of(input)?;
            for f in host_dir_files(input) {
                add(host.clone(), Some(f), Some(input.clone()));
            }
        } else {
            for entry in sorted_entries(input)? {
                if entry.is_dir() {
                    let host = name_of(&entry)?;
                    let files = host_dir_files(&entry);
                    if files.is_empty() {
                        add(host, None, Some(entry));
                    } else {
                        for f in files {
                            add(host.clone(), Some(f), Some(entry.clone()));
                        }
                    }
                } else if entry.extension().is_some_and(|e| e == "json") {
                    add(host_of_file(&entry)?, Some(entry), None);
                }
            }
        }
    }
    if hosts.is_empty() {
        return Err(FleetError::NoReports(inputs.to_vec()));
    }
    Ok(hosts.into_values().collect())
}

/// Whether `dir` is a host directory (holds one of [`HOST_DIR_FILES`]).
fn is_host_dir(dir: &Path) -> bool {
    HOST_DIR_FILES.iter().any(|(f, _)| dir.join(f).is_file())
}

fn host_dir_files(dir: &Path) -> Vec<PathBuf> {
    HOST_DIR_FILES
        .iter()
        .map(|(f, _)| dir.join(f))
        .filter(|p| p.is_file())
        .collect()
}

/// The visible entries of a directory, sorted (so error order and host
/// order never depend on the file system).
fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>, FleetError> {
    let io = |e| FleetError::Io {
        path: dir.to_path_buf(),
        source: e,
    };
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        if !entry.file_name().as_encoded_bytes().starts_with(b".") {
            out.push(entry.path());
        }
    }
    out.sort();
    Ok(out)
}

fn name_of(path: &Path) -> Result<String, FleetError> {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.is_empty())
        .ok_or_else(|| FleetError::NoHostName(path.to_path_buf()))
}

/// `web1.json`, `web1.scan.json`, `web1/scan.json` → `web1`.
fn host_of_file(path: &Path) -> Result<String, FleetError> {
    let name = name_of(path)?;
    if HOST_DIR_FILES.iter().any(|(f, _)| *f == name) {
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() && p != Path::new(".") => p.to_path_buf(),
            _ => std::env::current_dir().map_err(|e| FleetError::Io {
                path: path.to_path_buf(),
                source: e,
            })?,
        };
        return name_of(&dir);
    }
    let stem = name.strip_suffix(".json").unwrap_or(&name);
    let host = HOST_DIR_FILES
        .iter()
        .find_map(|(f, _)| stem.strip_suffix(&format!(".{}", f.trim_end_matches(".json"))))
        .unwrap_or(stem);
    if host.is_empty() {
        return Err(FleetError::NoHostName(path.to_path_buf()));
    }
    Ok(host.to_string())
}

/// What reading one host gave: its reports, or why they could not be read.
#[derive(Debug)]
pub struct ReadHost {
    /// The host name.
    pub host: String,
    /// Each report with the file it came from.
    pub reports: Result<Vec<(PathBuf, HostReport)>, FleetError>,
}

/// Read every host's files, in parallel. Two reports of one kind for one
/// host are an error of that host (which report would be the truth?).
pub fn read_all(hosts: Vec<HostFiles>) -> Vec<ReadHost> {
    hosts
        .into_par_iter()
        .map(|h| ReadHost {
            reports: read_host(&h),
            host: h.host,
        })
        .collect()
}

fn read_host(h: &HostFiles) -> Result<Vec<(PathBuf, HostReport)>, FleetError> {
    if h.files.is_empty() {
        let dir = h.dir.clone().unwrap_or_default();
        return Err(FleetError::EmptyHostDir(dir));
    }
    let mut out: Vec<(PathBuf, HostReport)> = Vec::new();
    for f in &h.files {
        let report = read_report(f)?;
        if let Some((first, _)) = out.iter().find(|(_, r)| r.kind() == report.kind()) {
            return Err(FleetError::Duplicate {
                host: h.host.clone(),
                kind: report.kind(),
                first: first.clone(),
                second: f.clone(),
            });
        }
        out.push((f.clone(), report));
    }
    Ok(out)
}

/// Read one report file, telling its kind by its `schema` tag.
pub fn read_report(path: &Path) -> Result<HostReport, FleetError> {
    let bytes = fs::read(path).map_err(|e| FleetError::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    let json_err = |e| FleetError::Json {
        path: path.to_path_buf(),
        source: e,
    };
    let tag: Tag = serde_json::from_slice(&bytes).map_err(json_err)?;
    let tag = match tag.schema {
        Some(serde_json::Value::String(s)) => s,
        other => {
            return Err(FleetError::NotAReport {
                path: path.to_path_buf(),
                found: other.map(|v| v.to_string()),
            })
        }
    };
    let kind = kind_of_tag(&tag).ok_or_else(|| FleetError::NotAReport {
        path: path.to_path_buf(),
        found: Some(tag.clone()),
    })?;
    let shape_err = |e| FleetError::Shape {
        path: path.to_path_buf(),
        schema: tag.clone(),
        source: e,
    };
    Ok(match kind {
        ReportKind::Scan => {
            HostReport::Scan(serde_json::from_slice::<ScanDoc>(&bytes).map_err(shape_err)?)
        }
        ReportKind::Validate => {
            HostReport::Validate(serde_json::from_slice::<ValidateDoc>(&bytes).map_err(shape_err)?)
        }
        ReportKind::Audit => {
            HostReport::Audit(serde_json::from_slice::<AuditDoc>(&bytes).map_err(shape_err)?)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names_come_from_file_names() {
        for (file, host) in [
            ("r/web1.json", "web1"),
            ("web1.scan.json", "web1"),
            ("db.example.org.audit.json", "db.example.org"),
            ("db.example.org.json", "db.example.org"),
            ("noext", "noext"),
            ("/r/web2/validate.json", "web2"),
        ] {
            assert_eq!(host_of_file(Path::new(file)).unwrap(), host, "{file}");
        }
        assert!(host_of_file(Path::new(".scan.json")).is_err());
    }
}
