//! The inventory as the plugin contract's records, and the environments a
//! verdict's distribution belongs to.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::host::wit;
use crate::inventory::{EnvironmentKind, Inventory};

/// The inventory in the form `evaluate` takes. Built once and shared by
/// every plugin of a run.
pub fn to_wit(inv: &Inventory) -> wit::Inventory {
    let by_site = environments_by_site(inv);
    let environments = inv
        .environments
        .iter()
        .map(|e| wit::Environment {
            prefix: path_string(&e.prefix),
            kind: match e.kind {
                EnvironmentKind::System => wit::EnvironmentKind::System,
                EnvironmentKind::Venv => wit::EnvironmentKind::Venv,
                EnvironmentKind::Conda => wit::EnvironmentKind::Conda,
                EnvironmentKind::Pyenv => wit::EnvironmentKind::Pyenv,
                EnvironmentKind::Uv => wit::EnvironmentKind::Uv,
            },
            python_version: e.python_version.clone(),
            externally_managed: e.externally_managed,
        })
        .collect();
    let distributions = inv
        .distributions
        .iter()
        .map(|d| wit::Distribution {
            name: d.name.clone(),
            normalized_name: d.normalized_name.clone(),
            version: d.version.clone(),
            environments: by_site
                .get(d.site.as_path())
                .map(|v| v.iter().map(|&i| i as u32).collect())
                .unwrap_or_default(),
            site: path_string(&d.site),
            installer: d.installer.clone(),
            requested: d.requested,
            direct_url: d.direct_url.as_ref().map(|u| wit::DirectUrl {
                url: u.url.clone(),
                vcs: u.vcs.clone(),
                commit_id: u.commit_id.clone(),
                editable: u.editable,
            }),
        })
        .collect();
    wit::Inventory {
        environments,
        distributions,
    }
}

/// Site path -> indices of the environments that have it on `sys.path`.
pub fn environments_by_site(inv: &Inventory) -> HashMap<&Path, Vec<usize>> {
    let mut map: HashMap<&Path, Vec<usize>> = HashMap::new();
    for (i, env) in inv.environments.iter().enumerate() {
        for site in &env.sites {
            let v = map.entry(site.path.as_path()).or_default();
            if !v.contains(&i) {
                v.push(i);
            }
        }
    }
    map
}

/// The prefixes a diagnostic about a distribution in `site` is reported
/// under: each environment that sees it, else the site itself.
pub fn report_environments(
    inv: &Inventory,
    by_site: &HashMap<&Path, Vec<usize>>,
    site: &Path,
) -> Vec<PathBuf> {
    match by_site.get(site) {
        Some(envs) if !envs.is_empty() => envs
            .iter()
            .map(|&i| inv.environments[i].prefix.clone())
            .collect(),
        _ => vec![site.to_path_buf()],
    }
}

fn path_string(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}
