//! The OS package databases `fetter verify` compares OS-owned
//! distributions with: dpkg's `md5sums` for a distribution in an
//! OS-managed site, rpm's header file digests for one rpm installed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::files::Source;
use crate::inventory::Distribution;
use crate::osowner::{self, dpkg::Dpkg, rpm::Rpmdb, Manager, OsPackage};

/// Each root's dpkg and rpm databases, loaded once.
pub(super) struct Databases {
    dpkg: HashMap<PathBuf, Result<Option<Dpkg>, String>>,
    rpm: HashMap<PathBuf, Result<Option<Rpmdb>, String>>,
}

impl Databases {
    /// The dpkg database of each filesystem root holding an OS-managed
    /// site in the selection, and the rpm database of each root holding a
    /// distribution the scan found rpm installed.
    pub(super) fn load(selected: &[&Distribution], os_managed: &HashMap<&Path, bool>) -> Databases {
        let mut dbs = Databases {
            dpkg: HashMap::new(),
            rpm: HashMap::new(),
        };
        for d in selected {
            let Some(root) = osowner::root_of(&d.site) else {
                continue;
            };
            if os_managed.get(d.site.as_path()).copied().unwrap_or(false) {
                dbs.dpkg.entry(root.clone()).or_insert_with(|| {
                    Dpkg::load(&root).map_err(|e| format!("dpkg database: {e}"))
                });
            }
            if d.os_package
                .as_ref()
                .is_some_and(|p| p.manager == Manager::Rpm)
            {
                dbs.rpm.entry(root.clone()).or_insert_with(|| {
                    // Header warnings were the scan's to give; here an
                    // owner whose header cannot be read is not found.
                    Rpmdb::load(&root, &mut Vec::new()).map_err(|e| format!("rpm database: {e}"))
                });
            }
        }
        dbs
    }

    /// Whether an OS package installed `path`.
    pub(super) fn lists(&self, path: &Path) -> bool {
        let Some(root) = osowner::root_of(path) else {
            return false;
        };
        let dpkg = self
            .dpkg
            .get(&root)
            .and_then(|db| db.as_ref().ok())
            .and_then(Option::as_ref)
            .is_some_and(|db| db.lists(path));
        dpkg || self
            .rpm
            .get(&root)
            .and_then(|db| db.as_ref().ok())
            .and_then(Option::as_ref)
            .is_some_and(|db| db.lists(path))
    }

    /// What `d` is verified against: the digests rpm recorded for the
    /// package that installed it, the md5sums of the dpkg package that
    /// owns its metadata in an OS-managed site, else its RECORD. Also its
    /// OS package, and why the OS database could not be used, if it could
    /// not.
    pub(super) fn source_of<'a>(
        &self,
        d: &'a Distribution,
        os_managed: &HashMap<&Path, bool>,
    ) -> (Source<'a>, Option<OsPackage>, Option<String>) {
        let record = Source::Record(d);
        let root = osowner::root_of(&d.site);
        if let Some(owner) = d.os_package.as_ref().filter(|p| p.manager == Manager::Rpm) {
            let db = match root.as_ref().and_then(|r| self.rpm.get(r)) {
                Some(Ok(Some(db))) => db,
                Some(Err(e)) => return (record, Some(owner.clone()), Some(e.clone())),
                _ => return (record, Some(owner.clone()), None),
            };
            return match db.files_under(owner, &d.site) {
                Some(Ok((algo, files))) => (Source::Rpm(algo, files), Some(owner.clone()), None),
                Some(Err(e)) => (
                    record,
                    Some(owner.clone()),
                    Some(format!("rpm header of {}: {e}", owner.name)),
                ),
                None => (record, Some(owner.clone()), None),
            };
        }
        if !os_managed.get(d.site.as_path()).copied().unwrap_or(false) {
            return (record, None, None);
        }
        let db = match root.as_ref().and_then(|r| self.dpkg.get(r)) {
            Some(Ok(Some(db))) => db,
            Some(Err(e)) => return (record, None, Some(e.clone())),
            _ => return (record, None, None),
        };
        let Some(owner) = db.owner(&d.metadata_path) else {
            return (record, None, None);
        };
        match db.md5sums_under(owner, &d.site) {
            Ok(Some(sums)) => (Source::Md5sums(sums), Some(owner.clone()), None),
            Ok(None) => (record, Some(owner.clone()), None),
            Err(e) => (record, Some(owner.clone()), Some(e.to_string())),
        }
    }
}
