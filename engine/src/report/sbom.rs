//! What both SBOM formats add to the inventory: each distribution's
//! licence and the installed dependency edges (read on demand, see
//! [`crate::inventory::details`]).

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

use crate::depgraph;
use crate::inventory::Inventory;
use crate::license::{self, License};

/// Licences and dependency edges of an inventory.
#[derive(Debug, Default)]
pub struct SbomExtras {
    /// Licence by metadata path.
    pub licenses: HashMap<PathBuf, License>,
    /// `(dependent, dependency)` metadata paths: in some environment the
    /// first requires the second and the second is what is installed there.
    pub depends_on: BTreeSet<(PathBuf, PathBuf)>,
}

/// Read licences and build the dependency graph of `inv`.
pub fn extras(inv: &Inventory) -> SbomExtras {
    let details = depgraph::read_details(inv);
    let licenses = details
        .iter()
        .filter_map(|(p, d)| Some((p.clone(), license::of(d.as_ref().ok()?)?)))
        .collect();
    let tree = depgraph::build(inv, &details);
    let mut depends_on = BTreeSet::new();
    for g in &tree.environments {
        let by_name: HashMap<&str, &PathBuf> = g
            .distributions
            .iter()
            .map(|n| (n.normalized_name.as_str(), &n.metadata_path))
            .collect();
        for n in &g.distributions {
            for e in &n.requires {
                if let Some(to) = by_name.get(e.name.as_str()) {
                    if **to != n.metadata_path {
                        depends_on.insert((n.metadata_path.clone(), (*to).clone()));
                    }
                }
            }
        }
    }
    SbomExtras {
        licenses,
        depends_on,
    }
}
