//! conda's record of what it installed into an environment:
//! `<prefix>/conda-meta/<name>-<version>-<build>.json`, one per package,
//! each listing the files it put in the prefix (`files`, or
//! `paths_data.paths[]._path` in newer records).

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::OsPackage;
use crate::fsutil;
use crate::inventory::Warning;

/// Largest `conda-meta/*.json` read (big packages list tens of thousands
/// of files: a few MiB).
const RECORD_CAP: u64 = 64 << 20;

/// The packages conda installed into one prefix, by file.
#[derive(Debug, Default)]
pub struct CondaMeta {
    packages: Vec<OsPackage>,
    by_path: HashMap<PathBuf, usize>,
}

#[derive(Deserialize)]
struct Record {
    name: String,
    version: String,
    #[serde(default)]
    files: Vec<String>,
    #[serde(default)]
    paths_data: Option<PathsData>,
}

#[derive(Deserialize)]
struct PathsData {
    #[serde(default)]
    paths: Vec<PathEntry>,
}

#[derive(Deserialize)]
struct PathEntry {
    #[serde(rename = "_path")]
    path: String,
}

impl CondaMeta {
    /// The records of the conda environment at `prefix`, or `None` when it
    /// has no `conda-meta` directory. A record that cannot be read or
    /// parsed is a warning naming it; its files then have no owner.
    pub fn load(prefix: &Path, warnings: &mut Vec<Warning>) -> Option<CondaMeta> {
        let dir = prefix.join("conda-meta");
        let entries = fs::read_dir(&dir).ok()?;
        let mut meta = CondaMeta::default();
        let mut paths: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        paths.sort();
        for path in paths {
            let record = fsutil::read_capped(&path, RECORD_CAP)
                .map_err(|e| e.to_string())
                .and_then(|b| serde_json::from_slice::<Record>(&b).map_err(|e| e.to_string()));
            let record = match record {
                Ok(r) => r,
                Err(e) => {
                    warnings.push(Warning::new(
                        path,
                        format!("conda package record unreadable, its files have no owner: {e}"),
                    ));
                    continue;
                }
            };
            let idx = meta.packages.len();
            let files = record.files.iter().chain(
                record
                    .paths_data
                    .iter()
                    .flat_map(|p| p.paths.iter().map(|e| &e.path)),
            );
            for f in files {
                // Relative to the prefix; anything else is not conda's.
                let rel = Path::new(f);
                if rel.is_relative() && !rel.components().any(|c| c.as_os_str() == "..") {
                    meta.by_path.insert(prefix.join(rel), idx);
                }
            }
            meta.packages.push(OsPackage {
                manager: super::Manager::Conda,
                name: record.name,
                version: Some(record.version),
                source: None,
                source_version: None,
                distro: None,
            });
        }
        Some(meta)
    }

    /// The conda package that installed the distribution whose metadata is
    /// at `metadata_path` (a `.dist-info`/`.egg-info` directory, or an
    /// `.egg-info` file): conda lists files, not directories.
    pub fn owner(&self, metadata_path: &Path) -> Option<&OsPackage> {
        super::owned_paths(metadata_path)
            .iter()
            .find_map(|p| self.by_path.get(p))
            .map(|&i| &self.packages[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_files_and_paths_data_and_warns_on_bad_records() {
        let d = tempfile::tempdir().unwrap();
        let meta = d.path().join("conda-meta");
        fs::create_dir_all(&meta).unwrap();
        fs::write(
            meta.join("numpy-1.26.4-py311h_0.json"),
            r#"{"name": "numpy", "version": "1.26.4", "build": "py311h_0",
                "files": ["lib/python3.11/site-packages/numpy-1.26.4.dist-info/METADATA", "../escape"]}"#,
        )
        .unwrap();
        fs::write(
            meta.join("six-1.16.0-pyhd_0.json"),
            r#"{"name": "six", "version": "1.16.0",
                "paths_data": {"paths": [{"_path": "lib/python3.11/site-packages/six-1.16.0.egg-info"}]}}"#,
        )
        .unwrap();
        fs::write(meta.join("broken-1-0.json"), "{").unwrap();
        fs::write(meta.join("history"), "==> 2024 <==\n").unwrap();
        let mut warnings = Vec::new();
        let m = CondaMeta::load(d.path(), &mut warnings).unwrap();
        let site = d.path().join("lib/python3.11/site-packages");
        let numpy = m.owner(&site.join("numpy-1.26.4.dist-info")).unwrap();
        assert_eq!(
            (numpy.manager.as_str(), numpy.name.as_str()),
            ("conda", "numpy")
        );
        assert_eq!(numpy.version.as_deref(), Some("1.26.4"));
        assert_eq!(
            m.owner(&site.join("six-1.16.0.egg-info")).unwrap().name,
            "six"
        );
        assert!(m.owner(&site.join("other-1.0.dist-info")).is_none());
        assert!(!m.by_path.keys().any(|p| p.ends_with("escape")));
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(CondaMeta::load(&d.path().join("none"), &mut warnings).is_none());
    }
}
