//! Matching an inventory against the OSV database.

use std::collections::BTreeSet;
use std::path::PathBuf;

use rayon::prelude::*;
use serde::Serialize;

use crate::audit::db::Database;
use crate::audit::osv::Record;
use crate::audit::ranges::is_affected;
use crate::diag::{DistRef, Severity};
use crate::inventory::{Distribution, Inventory};

/// One vulnerability (aliases merged) of one installed distribution.
#[derive(Debug, Clone, Serialize)]
pub struct Vulnerability {
    /// The distribution.
    pub distribution: DistRef,
    /// Prefixes of the environments that see it.
    #[serde(with = "crate::pathjson::vec")]
    pub environments: Vec<PathBuf>,
    /// The main id (MAL-, then GHSA-, PYSEC-, others).
    pub id: String,
    /// Every other id of the same vulnerability (CVE, GHSA, PYSEC).
    pub aliases: Vec<String>,
    /// A one-line summary.
    pub summary: Option<String>,
    /// Severity (critical for malware).
    pub severity: Severity,
    /// The CVSS score, where a vector was given.
    pub score: Option<f64>,
    /// Versions in which it is fixed.
    pub fixed: Vec<String>,
    /// True for a malicious package record (`MAL-`).
    pub malicious: bool,
    /// Set when a range could not be evaluated and the record was counted as
    /// affecting the version (fail closed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Audit every distribution of `inv` against `db`. Withdrawn records are
/// ignored; records naming one vulnerability under several ids are merged.
pub fn audit(inv: &Inventory, db: &Database) -> Vec<Vulnerability> {
    let mut out: Vec<Vulnerability> = inv
        .distributions
        .par_iter()
        .flat_map_iter(|d| audit_one(inv, db, d))
        .collect();
    out.sort_by(|a, b| {
        (
            &a.distribution.name.to_ascii_lowercase(),
            &a.distribution.site,
            &a.id,
        )
            .cmp(&(
                &b.distribution.name.to_ascii_lowercase(),
                &b.distribution.site,
                &b.id,
            ))
    });
    out
}

fn audit_one(inv: &Inventory, db: &Database, d: &Distribution) -> Vec<Vulnerability> {
    let mut hits: Vec<(&Record, Option<String>)> = Vec::new();
    for r in db.lookup(&d.normalized_name) {
        if r.withdrawn.is_some() {
            continue;
        }
        let mut hit = None;
        for a in r.affected_for(&d.normalized_name) {
            match is_affected(&d.version, a) {
                Ok(true) => hit = Some(None),
                Ok(false) => {}
                Err(e) => {
                    hit.get_or_insert(Some(format!("{}; counted as affected", e.0)));
                }
            }
            if matches!(hit, Some(None)) {
                break;
            }
        }
        if let Some(note) = hit {
            hits.push((r, note));
        }
    }
    if hits.is_empty() {
        return Vec::new();
    }
    let environments: Vec<PathBuf> = inv
        .environments_with_site(&d.site)
        .into_iter()
        .map(|i| inv.environments[i].prefix.clone())
        .collect();
    merge_aliases(hits)
        .into_iter()
        .map(|group| {
            let mut ids: BTreeSet<String> = BTreeSet::new();
            for (r, _) in &group {
                ids.insert(r.id.clone());
                ids.extend(r.aliases.iter().cloned());
            }
            let id = ids
                .iter()
                .min_by_key(|i| (id_rank(i), (*i).clone()))
                .cloned()
                .unwrap_or_default();
            ids.remove(&id);
            let mut fixed: Vec<String> = group
                .iter()
                .flat_map(|(r, _)| r.fixed_versions(&d.normalized_name))
                .collect();
            fixed.sort();
            fixed.dedup();
            Vulnerability {
                distribution: DistRef {
                    name: d.name.clone(),
                    version: d.version.clone(),
                    site: d.site.clone(),
                    metadata_path: d.metadata_path.clone(),
                },
                environments: environments.clone(),
                id,
                aliases: ids.into_iter().collect(),
                summary: group.iter().find_map(|(r, _)| r.summary.clone()),
                severity: group
                    .iter()
                    .map(|(r, _)| r.fetter_severity())
                    .max()
                    .unwrap_or(Severity::Medium),
                score: group
                    .iter()
                    .filter_map(|(r, _)| r.cvss_score())
                    .fold(None, |a: Option<f64>, s| Some(a.map_or(s, |x| x.max(s)))),
                fixed,
                malicious: group.iter().any(|(r, _)| r.is_malicious()),
                note: group.iter().find_map(|(_, n)| n.clone()),
            }
        })
        .collect()
}

/// Which id names a vulnerability best in a report.
fn id_rank(id: &str) -> u8 {
    match id.split('-').next().unwrap_or("") {
        "MAL" => 0,
        "GHSA" => 1,
        "PYSEC" => 2,
        "CVE" => 3,
        _ => 4,
    }
}

/// Group records that share an id or alias (union of overlapping id sets).
fn merge_aliases<'a>(
    hits: Vec<(&'a Record, Option<String>)>,
) -> Vec<Vec<(&'a Record, Option<String>)>> {
    let mut groups: Vec<(BTreeSet<String>, Vec<(&'a Record, Option<String>)>)> = Vec::new();
    for (r, note) in hits {
        let mut ids: BTreeSet<String> = r.aliases.iter().cloned().collect();
        ids.insert(r.id.clone());
        let mut merged = vec![(r, note)];
        let mut i = 0;
        while i < groups.len() {
            if groups[i].0.intersection(&ids).next().is_some() {
                let (gids, gmembers) = groups.swap_remove(i);
                ids.extend(gids);
                merged.extend(gmembers);
            } else {
                i += 1;
            }
        }
        groups.push((ids, merged));
    }
    groups.into_iter().map(|(_, m)| m).collect()
}
