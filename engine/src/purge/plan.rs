//! Planning a purge: from target distributions to the exact files that would
//! go, and the distributions refused with the reason why. Planning only
//! reads; nothing changes until [`super::execute`].

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::containment::{environment_root, Boundary};
use super::ownership::foreign_owner;
use crate::inventory::record::read_record;
use crate::inventory::{Distribution, Inventory, MetadataKind};

/// Choices that change what is planned.
#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    /// pip is kept unless the user named it explicitly; set this then.
    pub allow_pip: bool,
}

/// Everything a purge would do.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Plan {
    /// What would be removed, one group per environment.
    pub environments: Vec<EnvironmentPlan>,
    /// Targets that will not be touched, with the reason (an error).
    pub refused: Vec<Refusal>,
    /// Targets kept on purpose (pip, unless named explicitly).
    pub kept: Vec<Refusal>,
}

/// What would be removed from one environment.
#[derive(Debug, Clone, Serialize)]
pub struct EnvironmentPlan {
    /// The environment's root (its prefix, or the base of a user site).
    pub root: PathBuf,
    /// The distributions to remove.
    pub distributions: Vec<DistributionPlan>,
    /// The checked boundary every path stays inside.
    #[serde(skip)]
    pub boundary: Boundary,
}

/// What would be removed for one distribution.
#[derive(Debug, Clone, Serialize)]
pub struct DistributionPlan {
    /// Name as the metadata spells it.
    pub name: String,
    /// Installed version.
    pub version: String,
    /// Its site directory.
    pub site: PathBuf,
    /// Its `.dist-info` directory.
    pub metadata_path: PathBuf,
    /// Files and symlinks to remove (from RECORD, the metadata directory,
    /// and the `__pycache__` entries of removed modules).
    pub files: Vec<PathBuf>,
    /// Paths RECORD lists that are already gone.
    pub missing: Vec<PathBuf>,
}

/// A target that will not be removed.
#[derive(Debug, Clone, Serialize)]
pub struct Refusal {
    /// Name as the metadata spells it (or the path when unknown).
    pub name: String,
    /// Installed version (empty when unknown).
    pub version: String,
    /// Its metadata directory.
    pub metadata_path: PathBuf,
    /// Why, and what to do instead.
    pub reason: String,
}

impl Plan {
    /// Number of distributions that would be removed.
    pub fn distribution_count(&self) -> usize {
        self.environments
            .iter()
            .map(|e| e.distributions.len())
            .sum()
    }

    /// Number of files that would be removed.
    pub fn file_count(&self) -> usize {
        self.environments
            .iter()
            .flat_map(|e| &e.distributions)
            .map(|d| d.files.len())
            .sum()
    }
}

/// Plan the removal of the distributions whose metadata directories are
/// `targets` (as in [`Distribution::metadata_path`]).
pub fn plan(inv: &Inventory, targets: &[PathBuf], opts: &PlanOptions) -> Plan {
    let mut out = Plan::default();
    let mut groups: BTreeMap<PathBuf, EnvironmentPlan> = BTreeMap::new();
    let mut seen = HashSet::new();
    for target in targets {
        if !seen.insert(target.clone()) {
            continue;
        }
        let Some(dist) = inv
            .distributions
            .iter()
            .find(|d| &d.metadata_path == target)
        else {
            out.refused.push(Refusal {
                name: target.display().to_string(),
                version: String::new(),
                metadata_path: target.clone(),
                reason: "not found in the scan; run `fetter scan` to see what is installed".into(),
            });
            continue;
        };
        let refuse = |reason: String| Refusal {
            name: dist.name.clone(),
            version: dist.version.clone(),
            metadata_path: dist.metadata_path.clone(),
            reason,
        };
        if dist.normalized_name == "pip" && !opts.allow_pip {
            out.kept.push(refuse(
                "pip is kept unless named explicitly (e.g. `fetter purge-pattern -p pip`)".into(),
            ));
            continue;
        }
        match plan_distribution(inv, dist, &mut groups) {
            Ok(()) => {}
            Err(reason) => out.refused.push(refuse(reason)),
        }
    }
    out.environments = groups.into_values().collect();
    out
}

/// Plan one distribution into its environment's group, or say why not.
fn plan_distribution(
    inv: &Inventory,
    dist: &Distribution,
    groups: &mut BTreeMap<PathBuf, EnvironmentPlan>,
) -> Result<(), String> {
    if dist.metadata_kind != MetadataKind::DistInfo {
        return Err(format!(
            "{} is a legacy egg-info installation with no RECORD, so its files are unknown: \
             remove it with `python -m pip uninstall {}` in its environment",
            dist.metadata_path.display(),
            dist.name
        ));
    }
    let site = inv.sites.iter().find(|s| s.path == dist.site);
    let env = site
        .and_then(|s| s.environment.as_ref())
        .and_then(|p| inv.environments.iter().find(|e| &e.prefix == p));
    if let Some(why) = foreign_owner(dist, site, env) {
        return Err(why);
    }
    let root = environment_root(inv, &dist.site).ok_or_else(|| {
        format!(
            "cannot tell which environment owns {}; refusing to guess",
            dist.site.display()
        )
    })?;
    if !groups.contains_key(&root) {
        let sites: Vec<PathBuf> = inv
            .sites
            .iter()
            .filter(|s| environment_root(inv, &s.path).as_ref() == Some(&root))
            .map(|s| s.path.clone())
            .collect();
        let boundary = Boundary::new(&root, &sites)
            .map_err(|e| format!("cannot resolve environment {}: {e}", root.display()))?;
        groups.insert(
            root.clone(),
            EnvironmentPlan {
                root: root.clone(),
                distributions: Vec::new(),
                boundary,
            },
        );
    }
    let group = groups.get_mut(&root).expect("inserted above");
    let planned = plan_files(dist, &group.boundary)?;
    // A file claimed by an earlier target of this run is removed once.
    let claimed: HashSet<&PathBuf> = group.distributions.iter().flat_map(|d| &d.files).collect();
    let files: Vec<PathBuf> = planned
        .files
        .into_iter()
        .filter(|f| !claimed.contains(f))
        .collect();
    group.distributions.push(DistributionPlan {
        name: dist.name.clone(),
        version: dist.version.clone(),
        site: dist.site.clone(),
        metadata_path: dist.metadata_path.clone(),
        files,
        missing: planned.missing,
    });
    Ok(())
}

struct PlannedFiles {
    files: Vec<PathBuf>,
    missing: Vec<PathBuf>,
}

/// The files of one distribution, every one checked against `boundary`.
fn plan_files(dist: &Distribution, boundary: &Boundary) -> Result<PlannedFiles, String> {
    let meta = &dist.metadata_path;
    if !meta.starts_with(&boundary.root) && !meta.starts_with(&boundary.real_root) {
        return Err(format!(
            "{} lies outside its environment {} (found through a .pth path entry): \
             fetter only removes what is inside the environment",
            meta.display(),
            boundary.root.display()
        ));
    }
    if let Err(via) = boundary.check_parents(&meta.join("RECORD")) {
        return Err(format!(
            "{} is reached through {}, which leads outside the environment",
            meta.display(),
            via.display()
        ));
    }
    let record_path = meta.join("RECORD");
    let entries = match read_record(meta) {
        Ok(e) => e,
        Err(_) if !record_path.exists() => {
            return Err(format!(
                "{} is missing: the packaging spec forbids uninstalling without it \
                 (the files are unknown); reinstall with pip to rewrite it, then purge",
                record_path.display()
            ));
        }
        Err(e) => return Err(format!("cannot read RECORD: {e}")),
    };
    // RECORD paths are relative to the directory holding the .dist-info.
    let base = meta.parent().unwrap_or(&dist.site);
    let mut files = Vec::new();
    let mut missing = Vec::new();
    let mut seen = HashSet::new();
    for (i, entry) in entries.iter().enumerate() {
        let path = boundary.check_entry(base, entry, i + 1).map_err(|e| {
            format!(
                "{}: {e}; the whole distribution is refused",
                record_path.display()
            )
        })?;
        if !seen.insert(path.clone()) {
            continue;
        }
        match classify(&path) {
            Ok(Kind::Removable) => files.push(path),
            Ok(Kind::Directory) => {}
            Ok(Kind::Missing) => missing.push(path),
            Ok(Kind::Special(what)) => {
                return Err(format!(
                    "{}: line {} names {}, which is {what}; refusing to touch it",
                    record_path.display(),
                    i + 1,
                    path.display()
                ))
            }
            Err(e) => return Err(format!("cannot inspect {}: {e}", path.display())),
        }
    }
    // Compiled files of removed modules, for every interpreter tag.
    let modules: Vec<PathBuf> = files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "py"))
        .cloned()
        .collect();
    for module in modules {
        for pyc in pycache_of(&module, boundary) {
            if seen.insert(pyc.clone()) {
                files.push(pyc);
            }
        }
    }
    // The metadata directory belongs wholly to the distribution, including
    // files an installer added without listing them (pip's REQUESTED once).
    for f in walk_files(meta) {
        if boundary.check_parents(&f).is_ok() && seen.insert(f.clone()) {
            files.push(f);
        }
    }
    Ok(PlannedFiles { files, missing })
}

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
fn walk_files(dir: &Path) -> Vec<PathBuf> {
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
    use crate::inventory::{Environment, EnvironmentKind, Site, SiteRef, SiteScope};

    /// A venv-shaped tree with one distribution `demo` installed by pip.
    fn tree(record: &str) -> (tempfile::TempDir, Inventory, PathBuf) {
        let d = tempfile::tempdir().unwrap();
        let root = fs::canonicalize(d.path()).unwrap().join("v");
        let site = root.join("lib/python3.11/site-packages");
        let info = site.join("Demo_Pkg-1.0.dist-info");
        fs::create_dir_all(site.join("demo/__pycache__")).unwrap();
        fs::create_dir_all(root.join("bin")).unwrap();
        fs::create_dir_all(&info).unwrap();
        for f in [
            "demo/__init__.py",
            "demo/util.py",
            "demo/__pycache__/util.cpython-311.pyc",
        ] {
            fs::write(site.join(f), "x").unwrap();
        }
        // Another interpreter's cache, not in RECORD: goes with its module.
        fs::write(
            site.join("demo/__pycache__/util.cpython-312.opt-1.pyc"),
            "x",
        )
        .unwrap();
        fs::write(site.join("demo/keep.txt"), "not listed").unwrap();
        fs::write(root.join("bin/demo"), "#!python").unwrap();
        fs::write(info.join("METADATA"), "Name: Demo.Pkg\nVersion: 1.0\n").unwrap();
        fs::write(info.join("INSTALLER"), "pip\n").unwrap();
        fs::write(info.join("RECORD"), record).unwrap();
        let mut inv = Inventory::default();
        inv.environments.push(Environment {
            prefix: root.clone(),
            kind: EnvironmentKind::Venv,
            python_version: Some("3.11".into()),
            interpreters: vec![],
            sites: vec![SiteRef {
                path: site.clone(),
                scope: SiteScope::Own,
            }],
            externally_managed: false,
            base_prefix: None,
            base_missing: false,
        });
        inv.sites.push(Site {
            path: site.clone(),
            scope: SiteScope::Own,
            environment: Some(root.clone()),
            externally_managed: false,
        });
        let mut warnings = Vec::new();
        let dist = crate::inventory::dist::read_distribution(
            &site,
            &info,
            MetadataKind::DistInfo,
            &mut warnings,
        )
        .unwrap();
        inv.distributions.push(dist);
        (d, inv, info)
    }

    const RECORD: &str = "demo/__init__.py,sha256=x,1\ndemo/util.py,,\n\
        demo/__pycache__/util.cpython-311.pyc,,\ndemo,,\ndemo/gone.py,,\n\
        ../../../bin/demo,,\nDemo_Pkg-1.0.dist-info/METADATA,,\nDemo_Pkg-1.0.dist-info/RECORD,,\n";

    #[test]
    fn plans_record_files_pycache_and_metadata_only() {
        let (_d, inv, info) = tree(RECORD);
        let site = info.parent().unwrap().to_path_buf();
        let p = plan(&inv, std::slice::from_ref(&info), &PlanOptions::default());
        assert!(p.refused.is_empty(), "{:?}", p.refused);
        let files: HashSet<PathBuf> = p.environments[0].distributions[0]
            .files
            .iter()
            .map(|f| {
                f.strip_prefix(&site)
                    .map(Path::to_path_buf)
                    .unwrap_or(f.clone())
            })
            .collect();
        for want in [
            "demo/__init__.py",
            "demo/util.py",
            "demo/__pycache__/util.cpython-311.pyc",
            "demo/__pycache__/util.cpython-312.opt-1.pyc",
            "Demo_Pkg-1.0.dist-info/INSTALLER",
            "Demo_Pkg-1.0.dist-info/RECORD",
        ] {
            assert!(
                files.contains(Path::new(want)),
                "{want} missing from {files:?}"
            );
        }
        assert!(files.iter().any(|f| f.ends_with("bin/demo")));
        assert!(!files.iter().any(|f| f.ends_with("keep.txt")), "{files:?}");
        assert!(
            !files.contains(Path::new("demo")),
            "a directory entry is not a file"
        );
        assert_eq!(
            p.environments[0].distributions[0].missing,
            vec![site.join("demo/gone.py")]
        );
    }

    #[test]
    fn refuses_escapes_missing_record_and_keeps_pip() {
        let (_d, inv, info) = tree(&format!("{RECORD}../../../../etc/shadow,,\n"));
        let p = plan(&inv, std::slice::from_ref(&info), &PlanOptions::default());
        assert_eq!(p.distribution_count(), 0);
        let why = &p.refused[0].reason;
        assert!(
            why.contains("RECORD line 9") && why.contains("etc/shadow"),
            "{why}"
        );

        let (_d, inv, info) = tree(RECORD);
        fs::remove_file(info.join("RECORD")).unwrap();
        let p = plan(&inv, std::slice::from_ref(&info), &PlanOptions::default());
        assert!(
            p.refused[0].reason.contains("RECORD is missing"),
            "{:?}",
            p.refused
        );

        let (_d, mut inv, info) = tree(RECORD);
        inv.distributions[0].normalized_name = "pip".into();
        let p = plan(&inv, std::slice::from_ref(&info), &PlanOptions::default());
        assert_eq!((p.kept.len(), p.distribution_count()), (1, 0));
        let p = plan(
            &inv,
            std::slice::from_ref(&info),
            &PlanOptions { allow_pip: true },
        );
        assert_eq!(p.distribution_count(), 1);
    }
}
