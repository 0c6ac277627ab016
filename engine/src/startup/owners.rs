//! Who owns a start-up file: the distribution whose RECORD lists it, or
//! fetter's own site hook.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::inventory::Inventory;
use crate::site_hook;
use crate::unpack;

/// The owner of a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Owner {
    /// A distribution's RECORD (or `installed-files.txt`) lists the file.
    Distribution {
        /// The distribution's name.
        name: String,
        /// Its version.
        version: String,
    },
    /// `fetter site-install` wrote it (its manifest lists the file, hash matching).
    FetterSiteHook,
    /// Nothing lists it.
    None,
}

impl Owner {
    /// True when nothing owns the file.
    pub fn is_none(&self) -> bool {
        *self == Owner::None
    }

    /// A short label for tables.
    pub fn label(&self) -> String {
        match self {
            Owner::Distribution { name, version } => format!("{name} {version}"),
            Owner::FetterSiteHook => "fetter site-install".to_string(),
            Owner::None => "UNOWNED".to_string(),
        }
    }
}

/// Which distribution lists which file, built per directory on first use
/// (RECORDs are only read for directories that hold start-up files).
pub struct OwnerIndex<'a> {
    inv: &'a Inventory,
    by_dir: HashMap<PathBuf, HashMap<PathBuf, Owner>>,
}

impl<'a> OwnerIndex<'a> {
    /// An empty index over the distributions of `inv`.
    pub fn new(inv: &'a Inventory) -> Self {
        OwnerIndex {
            inv,
            by_dir: HashMap::new(),
        }
    }

    /// The owner of `file`, found in directory `dir`. Files in a site are
    /// looked up in the RECORDs of that site's distributions; files in the
    /// standard library in the RECORDs of every distribution in scope.
    pub fn owner(&mut self, dir: &Path, file: &Path) -> Owner {
        if site_hook::owns(file) {
            return Owner::FetterSiteHook;
        }
        let inv = self.inv;
        let index = self.by_dir.entry(dir.to_path_buf()).or_insert_with(|| {
            let in_dir = inv.distributions.iter().any(|d| d.site == dir);
            let mut map = HashMap::new();
            for d in inv
                .distributions
                .iter()
                .filter(|d| !in_dir || d.site == dir)
            {
                let Ok(files) = unpack::list_files(d) else {
                    continue;
                };
                for f in files {
                    map.entry(f.path).or_insert_with(|| Owner::Distribution {
                        name: d.name.clone(),
                        version: d.version.clone(),
                    });
                }
            }
            map
        });
        index.get(file).cloned().unwrap_or(Owner::None)
    }
}
