//! Planning a purge: from target distributions to the exact files that would
//! go, and the distributions refused with the reason why. Planning only
//! reads; nothing changes until [`super::execute`].

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::containment::{environment_root, Boundary};
use super::files::{plan_files, PlannedFiles};
use super::listing::{collapse, Listed};
use super::owners::OwnerIndex;
use super::ownership::foreign_owner;
use super::refusal::RefusalReason;
use crate::inventory::{DistId, Distribution, Inventory, MetadataKind, SiteScope};

/// Choices that change what is planned.
#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    /// pip is kept unless the user named it explicitly; set this then.
    pub allow_pip: bool,
}

/// Everything a purge would do, over the inventory it was planned from.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Plan<'a> {
    /// What would be removed, one group per environment.
    pub environments: Vec<EnvironmentPlan<'a>>,
    /// Targets that will not be touched, with the reason (an error).
    pub refused: Vec<Refusal<'a>>,
    /// Targets kept on purpose (pip, unless named explicitly).
    pub kept: Vec<Refusal<'a>>,
}

/// A distribution a plan names: its id and the inventory's record,
/// borrowed rather than copied. Written as the record's name, version,
/// site and metadata path.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// Its id in the inventory.
    pub id: DistId,
    /// The inventory's record of it.
    pub dist: &'a Distribution,
}

impl<'a> Target<'a> {
    /// Distribution `id` of `inv`.
    pub fn of(inv: &'a Inventory, id: DistId) -> Self {
        Target {
            id,
            dist: inv.dist(id),
        }
    }
}

impl std::ops::Deref for Target<'_> {
    type Target = Distribution;
    fn deref(&self) -> &Distribution {
        self.dist
    }
}

/// The fields a plan writes of a [`Target`].
fn serialize_target<S: serde::ser::SerializeMap>(
    t: &Target<'_>,
    map: &mut S,
    with_site: bool,
) -> Result<(), S::Error> {
    struct P<'p>(&'p Path);
    impl Serialize for P<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            crate::pathjson::serialize(self.0, s)
        }
    }
    map.serialize_entry("name", &t.dist.name)?;
    map.serialize_entry("version", &t.dist.version)?;
    if with_site {
        map.serialize_entry("site", &P(&t.dist.site))?;
    }
    map.serialize_entry("metadata_path", &P(&t.dist.metadata_path))
}

impl Serialize for Target<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(4))?;
        serialize_target(self, &mut map, true)?;
        map.end()
    }
}

/// What would be removed from one environment.
#[derive(Debug, Clone, Serialize)]
pub struct EnvironmentPlan<'a> {
    /// The environment's root (its prefix, or the base of a user site).
    #[serde(with = "crate::pathjson")]
    pub root: PathBuf,
    /// The distributions to remove.
    pub distributions: Vec<DistributionPlan<'a>>,
    /// The checked boundary every path stays inside.
    #[serde(skip)]
    pub boundary: Boundary,
}

/// What would be removed for one distribution.
#[derive(Debug, Clone, Serialize)]
pub struct DistributionPlan<'a> {
    /// The distribution (written as its name, version, site and metadata path).
    #[serde(flatten)]
    pub target: Target<'a>,
    /// Files and symlinks to remove (from RECORD, the metadata directory,
    /// and the `__pycache__` entries of removed modules).
    #[serde(with = "crate::pathjson::vec")]
    pub files: Vec<PathBuf>,
    /// Paths RECORD lists that are already gone.
    #[serde(with = "crate::pathjson::vec")]
    pub missing: Vec<PathBuf>,
    /// Files it lists that other installed distributions list identically
    /// (a namespace package's `__init__.py`): kept while one of those stays.
    pub shared: Vec<SharedFile>,
    /// `files` as shown before asking: directories that go as a whole on
    /// one line, every other file on its own.
    #[serde(skip)]
    pub listing: Vec<Listed>,
}

/// A file kept because other distributions that stay list it too.
#[derive(Debug, Clone, Serialize)]
pub struct SharedFile {
    /// The file.
    #[serde(with = "crate::pathjson")]
    pub path: PathBuf,
    /// `name version` of each other distribution listing it.
    pub owners: Vec<String>,
}

/// A target that will not be removed. Written as the distribution's name,
/// version and metadata path, the reason's sentence and its stable code.
#[derive(Debug, Clone)]
pub struct Refusal<'a> {
    /// The distribution.
    pub target: Target<'a>,
    /// Why, and what to do instead.
    pub reason: RefusalReason,
}

impl Serialize for Refusal<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(5))?;
        serialize_target(&self.target, &mut map, false)?;
        map.serialize_entry("reason", &self.reason.to_string())?;
        map.serialize_entry("code", self.reason.code())?;
        map.end()
    }
}

impl Plan<'_> {
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

/// Plan the removal of the distributions `targets` of `inv`.
pub fn plan<'a>(inv: &'a Inventory, targets: &[DistId], opts: &PlanOptions) -> Plan<'a> {
    let mut out = Plan::default();
    let mut groups: BTreeMap<PathBuf, EnvironmentPlan> = BTreeMap::new();
    let mut seen = HashSet::new();
    // First the checks that need no file list, to learn the environments.
    let mut accepted: Vec<(Target<'a>, PathBuf)> = Vec::new();
    for &id in targets {
        if !seen.insert(id) {
            continue;
        }
        let target = Target::of(inv, id);
        if target.normalized_name == "pip" && !opts.allow_pip {
            out.kept.push(Refusal {
                target,
                reason: RefusalReason::KeepPip,
            });
            continue;
        }
        match environment_of(inv, target.dist, &mut groups) {
            Ok(root) => accepted.push((target, root)),
            Err(reason) => out.refused.push(Refusal { target, reason }),
        }
    }
    // One index of who lists what, for every environment concerned.
    let boundaries: Vec<&Boundary> = groups.values().map(|g| &g.boundary).collect();
    let index = OwnerIndex::build(inv, &boundaries);
    let mut drafts: Vec<Draft<'a>> = Vec::new();
    for (target, root) in accepted {
        match plan_files(target.dist, &groups[&root].boundary, &index) {
            Ok(files) => drafts.push((target, root, files)),
            Err(reason) => out.refused.push(Refusal {
                target,
                reason: reason.into(),
            }),
        }
    }
    settle_conflicts(&mut drafts, &mut out.refused);
    let planned: HashSet<PathBuf> = drafts
        .iter()
        .map(|(t, _, _)| t.dist.metadata_path.clone())
        .collect();
    let mut taken: HashSet<PathBuf> = HashSet::new();
    for (target, root, planned_files) in drafts {
        let group = groups.get_mut(&root).expect("grouped above");
        let mut files = planned_files.files;
        let mut shared = Vec::new();
        for c in planned_files.claimed {
            if c.others.iter().all(|o| planned.contains(&o.metadata)) {
                files.push(c.path);
            } else {
                shared.push(SharedFile {
                    path: c.path,
                    owners: c.others.into_iter().map(|o| o.owner).collect(),
                });
            }
        }
        // A file claimed by an earlier target of this run is removed once.
        files.retain(|f| taken.insert(f.clone()));
        let listing = collapse(&files, &group.boundary);
        group.distributions.push(DistributionPlan {
            target,
            files,
            missing: planned_files.missing,
            shared,
            listing,
        });
    }
    groups.retain(|_, g| !g.distributions.is_empty());
    out.environments = groups.into_values().collect();
    out
}

/// One distribution's files, planned but not yet settled against the
/// other targets.
type Draft<'a> = (Target<'a>, PathBuf, PlannedFiles);

/// Refuse every draft listing a file another distribution lists
/// differently, unless that one is purged too. Refusing one target can
/// undo that for another, so repeat until nothing changes.
fn settle_conflicts<'a>(drafts: &mut Vec<Draft<'a>>, refused: &mut Vec<Refusal<'a>>) {
    loop {
        let planned: HashSet<&Path> = drafts
            .iter()
            .map(|(t, _, _)| t.dist.metadata_path.as_path())
            .collect();
        let blocked = drafts.iter().enumerate().find_map(|(i, (_, _, f))| {
            f.claimed
                .iter()
                .filter(|c| {
                    c.others
                        .iter()
                        .any(|o| !planned.contains(o.metadata.as_path()))
                })
                .find_map(|c| c.conflict.clone())
                .map(|reason| (i, reason))
        });
        let Some((i, reason)) = blocked else { return };
        let (target, _, _) = drafts.remove(i);
        refused.push(Refusal {
            target,
            reason: reason.into(),
        });
    }
}

/// The root of the environment `dist` would be removed from (its group
/// created on first use), or why it may not be touched at all.
fn environment_of(
    inv: &Inventory,
    dist: &Distribution,
    groups: &mut BTreeMap<PathBuf, EnvironmentPlan>,
) -> Result<PathBuf, RefusalReason> {
    if dist.metadata_kind != MetadataKind::DistInfo {
        return Err(RefusalReason::LegacyEggInfo {
            metadata: dist.metadata_path.clone(),
            name: dist.name.clone(),
        });
    }
    if let Some(why) = inherited_only(inv, dist) {
        return Err(why);
    }
    let index = inv.index();
    let site_id = index.site_at(&dist.site);
    let site = site_id.map(|s| inv.site(s));
    let env = site_id.and_then(|s| index.owner_of(s)).map(|e| inv.env(e));
    if let Some(owner) = foreign_owner(dist, site, env) {
        return Err(owner.into());
    }
    let root =
        environment_root(inv, &dist.site).ok_or_else(|| RefusalReason::UnknownEnvironment {
            site: dist.site.clone(),
        })?;
    if !groups.contains_key(&root) {
        let sites: Vec<PathBuf> = inv
            .sites
            .iter()
            .filter(|s| environment_root(inv, &s.path).as_ref() == Some(&root))
            .map(|s| s.path.clone())
            .collect();
        let boundary =
            Boundary::new(&root, &sites).map_err(|e| RefusalReason::UnresolvableEnvironment {
                root: root.clone(),
                error: e.to_string(),
            })?;
        groups.insert(
            root.clone(),
            EnvironmentPlan {
                root: root.clone(),
                distributions: Vec::new(),
                boundary,
            },
        );
    }
    Ok(root)
}

/// Why `dist` is out of reach when its site is only seen through a venv
/// that includes its base interpreter's site packages
/// (`include-system-site-packages = true`) and the base itself is not in
/// scope: removing it would change every environment built on that base.
fn inherited_only(inv: &Inventory, dist: &Distribution) -> Option<RefusalReason> {
    let refs = || {
        inv.index()
            .environments_seeing_path(&dist.site)
            .iter()
            .map(|&e| inv.env(e))
            .flat_map(|e| e.sites.iter().map(move |s| (e, s)))
            .filter(|(_, s)| s.path == dist.site)
    };
    if refs().any(|(_, s)| s.scope != SiteScope::Inherited) {
        return None;
    }
    let (venv, _) = refs().next()?;
    let base = venv
        .base_prefix
        .clone()
        .or_else(|| {
            let site = inv.index().site_at(&dist.site)?;
            inv.site(site).environment.clone()
        })
        .unwrap_or_else(|| dist.site.clone());
    Some(RefusalReason::InheritedOnly {
        site: dist.site.clone(),
        base,
        venv: venv.prefix.clone(),
        name: dist.normalized_name.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{Environment, EnvironmentKind, Site, SiteRef, SiteScope};
    use std::fs;

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
        let p = plan(
            &inv,
            &[inv.dist_by_metadata(&info).unwrap()],
            &PlanOptions::default(),
        );
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
        let p = plan(
            &inv,
            &[inv.dist_by_metadata(&info).unwrap()],
            &PlanOptions::default(),
        );
        assert_eq!(p.distribution_count(), 0);
        let why = p.refused[0].reason.to_string();
        assert!(
            why.contains("RECORD line 9") && why.contains("etc/shadow"),
            "{why}"
        );

        let (_d, inv, info) = tree(RECORD);
        fs::remove_file(info.join("RECORD")).unwrap();
        let p = plan(
            &inv,
            &[inv.dist_by_metadata(&info).unwrap()],
            &PlanOptions::default(),
        );
        assert!(
            p.refused[0]
                .reason
                .to_string()
                .contains("RECORD is missing"),
            "{:?}",
            p.refused
        );

        let (_d, mut inv, info) = tree(RECORD);
        inv.distributions[0].normalized_name = "pip".into();
        let p = plan(
            &inv,
            &[inv.dist_by_metadata(&info).unwrap()],
            &PlanOptions::default(),
        );
        assert_eq!((p.kept.len(), p.distribution_count()), (1, 0));
        let p = plan(
            &inv,
            &[inv.dist_by_metadata(&info).unwrap()],
            &PlanOptions { allow_pip: true },
        );
        assert_eq!(p.distribution_count(), 1);
    }

    /// A second distribution `other` in the same site, whose RECORD is `record`.
    fn add_other(inv: &mut Inventory, info: &Path, record: &str) -> PathBuf {
        let site = info.parent().unwrap();
        let other = site.join("other-1.0.dist-info");
        fs::create_dir_all(&other).unwrap();
        fs::write(other.join("METADATA"), "Name: other\nVersion: 1.0\n").unwrap();
        fs::write(other.join("RECORD"), record).unwrap();
        let mut warnings = Vec::new();
        let dist = crate::inventory::dist::read_distribution(
            site,
            &other,
            MetadataKind::DistInfo,
            &mut warnings,
        )
        .unwrap();
        inv.distributions.push(dist);
        other
    }

    #[test]
    fn another_records_file_is_refused_unless_purged_together() {
        let (_d, mut inv, info) = tree(RECORD);
        let other = add_other(&mut inv, &info, "demo/__init__.py,,\nother.py,,\n");
        fs::write(info.parent().unwrap().join("other.py"), "y").unwrap();
        let p = plan(
            &inv,
            &[inv.dist_by_metadata(&info).unwrap()],
            &PlanOptions::default(),
        );
        assert_eq!(p.distribution_count(), 0);
        let why = p.refused[0].reason.to_string();
        assert!(
            why.contains("RECORD line 1 names")
                && why.contains("belongs to other 1.0")
                && why.contains("other-1.0.dist-info/RECORD line 1"),
            "{why}"
        );
        let both = [&info, &other].map(|m| inv.dist_by_metadata(m).unwrap());
        let p = plan(&inv, &both, &PlanOptions::default());
        assert!(p.refused.is_empty(), "{:?}", p.refused);
        let files: Vec<&PathBuf> = p.environments[0]
            .distributions
            .iter()
            .flat_map(|d| &d.files)
            .collect();
        let init = files.iter().filter(|f| f.ends_with("demo/__init__.py"));
        assert_eq!(init.count(), 1, "removed once: {files:?}");
    }
}
