//! The relations of an inventory, built once: which environments see a
//! site, which environment owns it, which distributions a site holds, and
//! the distribution behind a metadata path. Every consumer (plugins,
//! verdicts, audit, SBOMs, purge) asks this index instead of searching the
//! lists or building its own map.

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::path::Path;
use std::sync::OnceLock;

use super::ids::{DistId, EnvId, SiteId};
use super::Inventory;

/// Lookups over one [`Inventory`]; get it with [`Inventory::index`].
///
/// Every site path the inventory mentions has a slot: first the listed
/// sites (slot = [`SiteId`]), then any path only an environment or a
/// distribution names (hand-built inventories), so lookups by path never
/// depend on how complete `sites` is. Keys are paths' bytes: hashing a
/// `Path` walks its components, which costs more than the lookup itself
/// over 30,000 distributions.
#[derive(Debug, Clone, Default)]
pub struct InventoryIndex {
    listed_sites: usize,
    slot_by_path: HashMap<OsString, usize>,
    env_by_prefix: HashMap<OsString, EnvId>,
    /// Per slot: the environments with it on `sys.path`, in inventory order.
    seen_by: Vec<Vec<EnvId>>,
    /// Per listed site: the environment it belongs to (`Site::environment`).
    owner: Vec<Option<EnvId>>,
    /// Per slot: its distributions, in inventory order.
    holds: Vec<Vec<DistId>>,
    /// Per distribution: its slot.
    slot_of: Vec<usize>,
    /// Metadata path -> distribution, built on first use (only purge asks).
    by_metadata: OnceLock<HashMap<OsString, DistId>>,
}

impl InventoryIndex {
    /// Index `inv`.
    pub fn new(inv: &Inventory) -> Self {
        let mut slot_by_path: HashMap<OsString, usize> = inv
            .sites
            .iter()
            .enumerate()
            .map(|(i, s)| (s.path.as_os_str().to_owned(), i))
            .collect();
        let mut slot = |path: &OsStr| -> usize {
            let next = slot_by_path.len();
            *slot_by_path.entry(path.to_owned()).or_insert(next)
        };
        let mut seen_by: Vec<Vec<EnvId>> = Vec::new();
        for (env, e) in inv.env_ids() {
            for r in &e.sites {
                let s = slot(r.path.as_os_str());
                if seen_by.len() <= s {
                    seen_by.resize_with(s + 1, Vec::new);
                }
                if !seen_by[s].contains(&env) {
                    seen_by[s].push(env);
                }
            }
        }
        let mut holds: Vec<Vec<DistId>> = Vec::new();
        let mut slot_of = Vec::with_capacity(inv.distributions.len());
        // Distributions of one site are adjacent (the inventory is sorted
        // by site), so the previous answer is tried before hashing.
        let mut previous: Option<(&OsStr, usize)> = None;
        for (id, d) in inv.dist_ids() {
            let key = d.site.as_os_str();
            let s = match previous {
                Some((p, s)) if p == key => s,
                _ => slot(key),
            };
            previous = Some((key, s));
            if holds.len() <= s {
                holds.resize_with(s + 1, Vec::new);
            }
            holds[s].push(id);
            slot_of.push(s);
        }
        let slots = slot_by_path.len();
        seen_by.resize_with(slots, Vec::new);
        holds.resize_with(slots, Vec::new);
        let env_by_prefix: HashMap<OsString, EnvId> = inv
            .env_ids()
            .map(|(id, e)| (e.prefix.as_os_str().to_owned(), id))
            .collect();
        let owner = inv
            .sites
            .iter()
            .map(|s| {
                let prefix = s.environment.as_deref()?;
                env_by_prefix.get(prefix.as_os_str()).copied()
            })
            .collect();
        InventoryIndex {
            listed_sites: inv.sites.len(),
            slot_by_path,
            env_by_prefix,
            seen_by,
            owner,
            holds,
            slot_of,
            by_metadata: OnceLock::new(),
        }
    }

    fn listed(&self, slot: usize) -> Option<SiteId> {
        (slot < self.listed_sites).then(|| SiteId::new(slot))
    }

    /// The listed site at `path`.
    pub fn site_at(&self, path: &Path) -> Option<SiteId> {
        self.listed(*self.slot_by_path.get(path.as_os_str())?)
    }

    /// The environment whose prefix is `prefix`.
    pub fn env_at(&self, prefix: &Path) -> Option<EnvId> {
        self.env_by_prefix.get(prefix.as_os_str()).copied()
    }

    /// The environments that have `site` on their `sys.path`.
    pub fn environments_seeing(&self, site: SiteId) -> &[EnvId] {
        &self.seen_by[site.index()]
    }

    /// The environments that have the site at `path` on their `sys.path`.
    pub fn environments_seeing_path(&self, path: &Path) -> &[EnvId] {
        match self.slot_by_path.get(path.as_os_str()) {
            Some(&s) => &self.seen_by[s],
            None => &[],
        }
    }

    /// The environment `site` belongs to (`None` for a user site).
    pub fn owner_of(&self, site: SiteId) -> Option<EnvId> {
        self.owner[site.index()]
    }

    /// The distributions installed in `site`, in inventory order.
    pub fn distributions_in(&self, site: SiteId) -> &[DistId] {
        &self.holds[site.index()]
    }

    /// The distributions installed in the site at `path`, in inventory order.
    pub fn distributions_in_path(&self, path: &Path) -> &[DistId] {
        match self.slot_by_path.get(path.as_os_str()) {
            Some(&s) => &self.holds[s],
            None => &[],
        }
    }

    /// The listed site holding `dist`.
    pub fn site_of(&self, dist: DistId) -> Option<SiteId> {
        self.listed(self.slot_of[dist.index()])
    }

    /// The environments that see `dist` (through its site).
    pub fn environments_of(&self, dist: DistId) -> &[EnvId] {
        &self.seen_by[self.slot_of[dist.index()]]
    }

    /// The distribution whose metadata directory is `path`.
    fn by_metadata(&self, inv: &Inventory, path: &Path) -> Option<DistId> {
        self.by_metadata
            .get_or_init(|| {
                inv.dist_ids()
                    .map(|(id, d)| (d.metadata_path.as_os_str().to_owned(), id))
                    .collect()
            })
            .get(path.as_os_str())
            .copied()
    }
}

/// Where an [`Inventory`] keeps its index once built. An inventory is not
/// changed after the scan that made it; code that changes one anyway
/// (tests, merges) calls [`Inventory::reindex`] before asking again.
#[derive(Debug, Clone, Default)]
pub struct IndexCache(OnceLock<InventoryIndex>);

impl Inventory {
    /// The index of this inventory, built on first use.
    pub fn index(&self) -> &InventoryIndex {
        self.index.0.get_or_init(|| InventoryIndex::new(self))
    }

    /// Forget the index after changing the inventory's lists.
    pub fn reindex(&mut self) {
        self.index = IndexCache::default();
    }

    /// The distribution whose metadata directory is `path`.
    pub fn dist_by_metadata(&self, path: &Path) -> Option<DistId> {
        self.index().by_metadata(self, path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{Distribution, Environment, EnvironmentKind, Site, SiteRef, SiteScope};

    fn env(prefix: &str, sites: &[(&str, SiteScope)]) -> Environment {
        Environment {
            prefix: prefix.into(),
            kind: EnvironmentKind::Venv,
            python_version: None,
            interpreters: vec![],
            sites: sites
                .iter()
                .map(|&(p, scope)| SiteRef {
                    path: p.into(),
                    scope,
                })
                .collect(),
            externally_managed: false,
            base_prefix: None,
            base_missing: false,
        }
    }

    fn dist(site: &str, name: &str) -> Distribution {
        Distribution {
            normalized_name: name.into(),
            ..Distribution::new(name, "1", site, format!("{site}/{name}-1.dist-info"))
        }
    }

    #[test]
    fn relations_of_shared_owned_and_unlisted_sites() {
        let inv = Inventory {
            environments: vec![
                env("/a", &[("/a/s", SiteScope::Own), ("/u", SiteScope::User)]),
                env("/b", &[("/b/s", SiteScope::Own), ("/u", SiteScope::User)]),
            ],
            sites: vec![
                Site {
                    path: "/a/s".into(),
                    scope: SiteScope::Own,
                    environment: Some("/a".into()),
                    externally_managed: false,
                },
                Site {
                    path: "/u".into(),
                    scope: SiteScope::User,
                    environment: None,
                    externally_managed: false,
                },
            ],
            // `/b/s` is not listed: a hand-built inventory; still found by path.
            distributions: vec![
                dist("/a/s", "x"),
                dist("/a/s", "y"),
                dist("/b/s", "z"),
                dist("/u", "w"),
            ],
            ..Default::default()
        };
        let ix = inv.index();
        let (a, b) = (EnvId::new(0), EnvId::new(1));
        let (own, user) = (SiteId::new(0), SiteId::new(1));
        assert_eq!(ix.site_at(Path::new("/u")), Some(user));
        assert_eq!(ix.site_at(Path::new("/b/s")), None, "not listed");
        assert_eq!(
            ix.environments_seeing(user),
            &[a, b],
            "each environment once"
        );
        assert_eq!(ix.owner_of(own), Some(a));
        assert_eq!(ix.owner_of(user), None);
        assert_eq!(ix.distributions_in(own), &[DistId::new(0), DistId::new(1)]);
        assert_eq!(
            ix.distributions_in_path(Path::new("/b/s")),
            &[DistId::new(2)]
        );
        assert_eq!(ix.environments_of(DistId::new(2)), &[b]);
        assert_eq!(ix.site_of(DistId::new(2)), None);
        assert_eq!(ix.environments_of(DistId::new(3)), &[a, b]);
        assert_eq!(ix.env_at(Path::new("/b")), Some(b));
        assert_eq!(
            inv.dist_by_metadata(Path::new("/u/w-1.dist-info")),
            Some(DistId::new(3))
        );
        assert_eq!(inv.dist_by_metadata(Path::new("/u/v-1.dist-info")), None);
        let names: Vec<&str> = inv
            .dist_ids_of(inv.env(b))
            .map(|(_, d)| d.name.as_str())
            .collect();
        assert_eq!(names, ["z", "w"], "in sys.path order of the sites");
    }
}
