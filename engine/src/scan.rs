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
    let include_user = scope.roots.is_empty();

    let mut environments: Vec<Environment> = discovered
        .environments
        .iter()
        .map(|spec| environment_of(spec, if include_user { &discovered.homes } else { &[] }))
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

    let listings: Vec<_> = sites.par_iter().map(|s| list_site(&s.path)).collect();
    let mut distributions = Vec::new();
    let mut findings = Vec::new();
    let mut seen_metadata = HashSet::new();
    for listing in listings {
        for d in listing.distributions {
            // A directory reachable from two sites via .pth lines is read twice.
            if seen_metadata.insert(d.metadata_path.clone()) {
                distributions.push(d);
            }
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
    distributions.sort_by(|a, b| {
        (&a.site, &a.normalized_name, &a.version).cmp(&(&b.site, &b.normalized_name, &b.version))
    });
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
    };
    Scanned {
        inventory,
        unresolved,
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

/// Build an environment and its sites in `sys.path` order: user site first
/// (when enabled), then the environment's own, then inherited ones.
fn environment_of(spec: &EnvSpec, homes: &[PathBuf]) -> Environment {
    let version = spec.version.as_deref();
    let mut sites = Vec::new();
    let (user_enabled, externally_managed) = match &spec.venv {
        Some(cfg) => (cfg.include_system_site_packages, false),
        None => (true, layout::is_externally_managed(&spec.prefix, version)),
    };
    if user_enabled {
        if let Some(v) = version {
            for h in homes {
                for s in layout::user_sites(h, v) {
                    push_unique(&mut sites, s, SiteScope::User);
                }
            }
        }
    }
    for s in layout::prefix_sites(&spec.prefix, version) {
        push_unique(&mut sites, s, SiteScope::Own);
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
