//! The scan: discovery, then every site listed once, in parallel, into an
//! [`Inventory`].

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::discover::explicit::Unresolved;
use crate::discover::{self, layout, EnvSpec, Scope};
use crate::inventory::site::list_site;
use crate::inventory::*;

/// A scan and the named scope entries it could not resolve.
#[derive(Debug, Default)]
pub struct Scanned {
    /// What was found.
    pub inventory: Inventory,
    /// Each `--exe`/`--root` entry that led to no environment. Commands
    /// fail on these: a check over a mistyped or unreadable scope would
    /// otherwise pass vacuously.
    pub unresolved: Vec<Unresolved>,
}

/// Scan `scope` and build the inventory (named entries that resolve to no
/// environment are dropped: use [`scan_scope`] to learn about them).
pub fn scan(scope: &Scope) -> Inventory {
    scan_scope(scope).inventory
}

/// Scan `scope`: the inventory, and the named entries that found nothing.
pub fn scan_scope(scope: &Scope) -> Scanned {
    let discovered = discover::discover(scope);
    let unresolved = discovered.unresolved;
    let mut warnings = discovered.warnings;
    // Each environment's sites are looked up on disk (a few dozen system
    // calls each): in parallel, for trees of hundreds of venvs.
    let mut environments: Vec<Environment> = discovered
        .environments
        .par_iter()
        .map(|spec| environment_of(spec, &discovered.homes))
        .collect();
    environments.sort_by(|a, b| a.prefix.cmp(&b.prefix));

    // Every site once, remembering who owns it.
    let mut sites: BTreeMap<PathBuf, Site> = BTreeMap::new();
    for env in &environments {
        for s in &env.sites {
            let owned = s.scope == SiteScope::Own;
            let entry = sites.entry(s.path.clone()).or_insert_with(|| Site {
                path: s.path.clone(),
                scope: if s.scope == SiteScope::User {
                    SiteScope::User
                } else {
                    SiteScope::Own
                },
                environment: None,
                externally_managed: false,
            });
            if owned {
                entry.environment = Some(env.prefix.clone());
                entry.externally_managed = env.externally_managed;
            }
        }
    }
    // Inherited sites whose owner was not itself discovered (e.g. `--exe venv`).
    for env in &environments {
        for s in env.sites.iter().filter(|s| s.scope == SiteScope::Inherited) {
            let site = sites.get_mut(&s.path).expect("inserted above");
            if site.environment.is_none() {
                site.environment = env.base_prefix.clone();
                site.externally_managed = env.base_prefix.as_deref().is_some_and(|b| {
                    layout::is_externally_managed(b, env.python_version.as_deref())
                });
            }
        }
    }
    let sites: Vec<Site> = sites.into_values().collect();

    // Each listing is sorted where it was made, in parallel: all its
    // distributions share its site, and the sites are in path order, so
    // the listings one after the other are sorted by (site, name, version)
    // without a comparison of paths (a global sort compared ~450,000 pairs
    // of paths component by component, serially: ~15% of a tree scan).
    let listings: Vec<_> = sites
        .par_iter()
        .map(|s| {
            let mut listing = list_site(&s.path);
            sort_distributions(&mut listing.distributions);
            listing
        })
        .collect();
    let mut distributions = Vec::new();
    let mut findings = Vec::new();
    // A directory reachable from two sites via .pth lines is read twice:
    // keep the first. Only `.pth` and `.egg-link` directories can do that
    // (sites are distinct canonical directories), so without them the
    // listings are taken as they are, the first one's vector without a copy.
    let dedup = listings.iter().any(|l| l.from_path_entries);
    let total: usize = listings.iter().map(|l| l.distributions.len()).sum();
    let mut seen_metadata = HashSet::new();
    for listing in listings {
        if dedup {
            for d in listing.distributions {
                if seen_metadata.insert(d.metadata_path.clone()) {
                    distributions.push(d);
                }
            }
        } else if distributions.is_empty() {
            distributions = listing.distributions;
            distributions.reserve_exact(total - distributions.len());
        } else {
            distributions.extend(listing.distributions);
        }
        findings.extend(listing.findings);
        warnings.extend(listing.warnings);
    }
    for s in sites
        .iter()
        .filter(|s| s.externally_managed && s.scope == SiteScope::Own)
    {
        findings.push(Finding {
            kind: FindingKind::ExternallyManaged,
            path: s.path.clone(),
            message: "managed by the OS package manager (PEP 668 EXTERNALLY-MANAGED); change it with that, not pip".into(),
        });
    }
    crate::osowner::attribute(&sites, &mut distributions, &mut warnings);
    findings.sort_by(|a, b| (a.kind, &a.path).cmp(&(b.kind, &b.path)));
    warnings.sort_by(|a, b| a.path.cmp(&b.path));
    warnings.dedup();
    let inventory = Inventory {
        schema: INVENTORY_SCHEMA.into(),
        environments,
        sites,
        distributions,
        findings,
        warnings,
        index: Default::default(),
    };
    Scanned {
        inventory,
        unresolved,
    }
}

/// Sort one site's distributions by normalized name and version, keeping
/// the listing order of equal keys (a stable sort). Indices are sorted (in
/// parallel: a site can hold tens of thousands), then the distributions are
/// moved into place by following the permutation's cycles: a stable sort of
/// the distributions themselves would move ~400-byte values around and take
/// a scratch copy of the whole vector (8 MB for 20,000).
fn sort_distributions(distributions: &mut [Distribution]) {
    fn key(d: &Distribution) -> (&str, &str) {
        (&d.normalized_name, &d.version)
    }
    let mut order: Vec<usize> = (0..distributions.len()).collect();
    {
        let d = &*distributions;
        order.par_sort_by(|&a, &b| key(&d[a]).cmp(&key(&d[b])));
    }
    // Position `i` must receive the element now at `order[i]`; a position
    // done is marked `order[i] == i`.
    for start in 0..order.len() {
        let mut cur = start;
        loop {
            let next = order[cur];
            order[cur] = cur;
            if next == start || next == cur {
                break;
            }
            distributions.swap(cur, next);
            cur = next;
        }
    }
}

/// Canonical path, deduplicating `lib64 -> lib` and other links.
fn canonical(p: &Path) -> PathBuf {
    fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

fn push_unique(out: &mut Vec<SiteRef>, path: PathBuf, scope: SiteScope) {
    let path = canonical(&path);
    if !out.iter().any(|s| s.path == path) {
        out.push(SiteRef { path, scope });
    }
}

/// Build an environment and its sites in `sys.path` order, as CPython's
/// `site` orders them (checked against `sys.path` on 3.8 to 3.13): an
/// installation's user site comes before its own site-packages; a venv's
/// own site-packages come first, then (with `include-system-site-packages`)
/// the user site, then the base's.
fn environment_of(spec: &EnvSpec, homes: &[PathBuf]) -> Environment {
    let version = spec.version.as_deref();
    let mut sites = Vec::new();
    let (user_enabled, externally_managed) = match &spec.venv {
        Some(cfg) => (cfg.include_system_site_packages, false),
        None => (true, layout::is_externally_managed(&spec.prefix, version)),
    };
    let own = |sites: &mut Vec<SiteRef>| {
        for s in layout::prefix_sites(&spec.prefix, version) {
            push_unique(sites, s, SiteScope::Own);
        }
    };
    if spec.venv.is_some() {
        own(&mut sites);
    }
    if user_enabled {
        if let Some(v) = version {
            for h in homes {
                for s in layout::user_sites(h, v) {
                    push_unique(&mut sites, s, SiteScope::User);
                }
            }
        }
    }
    if spec.venv.is_none() {
        own(&mut sites);
    }
    if let (Some(cfg), Some(base)) = (&spec.venv, &spec.base) {
        if cfg.include_system_site_packages {
            for s in layout::prefix_sites(&base.prefix, Some(&base.version)) {
                push_unique(&mut sites, s, SiteScope::Inherited);
            }
        }
    }
    Environment {
        prefix: spec.prefix.clone(),
        kind: spec.kind,
        python_version: spec.version.clone(),
        interpreters: spec.interpreters.clone(),
        sites,
        externally_managed,
        base_prefix: spec.base.as_ref().map(|b| b.prefix.clone()),
        base_missing: spec.venv.as_ref().is_some_and(|c| c.home.is_some()) && spec.base.is_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dist(site: &str, name: &str, version: &str, tag: usize) -> Distribution {
        Distribution {
            normalized_name: name.into(),
            ..Distribution::new(
                name,
                version,
                site,
                format!("{site}/{name}-{tag}.dist-info"),
            )
        }
    }

    #[test]
    fn sort_is_the_stable_sort() {
        // Many equal keys, in a scrambled order: ties keep listing order.
        let mut v: Vec<Distribution> = (0..500)
            .map(|i| {
                let j = (i * 7919) % 500;
                dist("/site", &format!("n{}", j % 11), &format!("{}", j % 2), i)
            })
            .collect();
        let mut expected = v.clone();
        expected.sort_by(|a, b| {
            (&a.normalized_name, &a.version).cmp(&(&b.normalized_name, &b.version))
        });
        sort_distributions(&mut v);
        let paths = |v: &[Distribution]| {
            v.iter()
                .map(|d| d.metadata_path.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(paths(&v), paths(&expected));
        sort_distributions(&mut []);
    }
}
