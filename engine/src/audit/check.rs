//! Matching an inventory against the OSV database.

use std::collections::BTreeSet;
use std::path::PathBuf;

use rayon::prelude::*;
use serde::Serialize;

use crate::audit::db::Database;
use crate::audit::osv::{Affected, Record};
use crate::audit::ranges::{is_affected_deb, is_affected_parsed, is_affected_rpm};
use crate::diag::{DistRef, Severity};
use crate::inventory::{DistId, Distribution, Inventory};
use crate::osowner::{Manager, OsPackage};

/// One vulnerability (aliases merged) of one installed distribution.
#[derive(Debug, Clone, Serialize)]
pub struct Vulnerability {
    /// The distribution.
    pub distribution: DistRef,
    /// Its version as the scan parsed it ([`Distribution::parsed_version`]),
    /// for comparisons with the fixed versions. Not written to reports.
    #[serde(skip)]
    pub installed_version: Option<pep440_rs::Version>,
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
    /// The OS package that installed the distribution (dpkg or rpm): a
    /// PyPI advisory may not apply as is, the distribution backporting fixes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os_package: Option<OsPackage>,
    /// What the OS's own advisories say of this vulnerability for that
    /// package, where they name it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os_advisory: Option<OsAdvisory>,
}

/// An OS advisory (Debian's `DSA-`, `DLA-`, `DEBIAN-CVE-`; AlmaLinux's
/// `ALSA-`, Rocky Linux's `RLSA-`, Mageia's `MGASA-`) for the OS package
/// that owns a distribution.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct OsAdvisory {
    /// The OSV ecosystem (`Debian:12`, `AlmaLinux:9`).
    pub ecosystem: String,
    /// The records' ids.
    pub ids: Vec<String>,
    /// Whether the installed package version is affected. `false`: the OS
    /// fixed it in the version installed (a backport the PyPI version
    /// number does not show), so the finding is a warning, not a denial.
    pub affected: bool,
    /// The OS package versions that fix it.
    pub fixed: Vec<String>,
}

/// Where a matching record came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    PyPI,
    Os,
}

type Hit<'a> = (&'a Record, Option<String>, Origin);

/// Audit every distribution of `inv` against `db`. Withdrawn records are
/// ignored; records naming one vulnerability under several ids are merged.
pub fn audit(inv: &Inventory, db: &Database) -> Vec<Vulnerability> {
    let mut out: Vec<Vulnerability> = inv
        .distributions
        .par_iter()
        .enumerate()
        .flat_map_iter(|(i, d)| audit_one(inv, db, DistId::new(i), d))
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

fn audit_one(inv: &Inventory, db: &Database, dist: DistId, d: &Distribution) -> Vec<Vulnerability> {
    let mut hits: Vec<Hit> = Vec::new();
    for r in db.lookup(&d.normalized_name) {
        if r.withdrawn.is_some() {
            continue;
        }
        let verdicts = r
            .affected_for(&d.normalized_name)
            .map(|a| is_affected_parsed(&d.version, d.parsed_version.as_ref(), a));
        if let Some(note) = first_hit(verdicts) {
            hits.push((r, note, Origin::PyPI));
        }
    }
    // The OS package's own advisories: those that affect its version are
    // hits; those that do not may clear a PyPI advisory of the same
    // vulnerability (distributions backport fixes without changing the
    // version). Debian's compared as dpkg compares versions, the rpm
    // distributions' as rpm does.
    let os = d.os_package.as_ref().and_then(OsMatch::of);
    let mut cleared: Vec<&Record> = Vec::new();
    if let Some(m) = &os {
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        for name in &m.names {
            for r in db.lookup_os(name) {
                if r.withdrawn.is_some() || !seen.insert(r.id.as_str()) {
                    continue;
                }
                let entries: Vec<_> = m
                    .names
                    .iter()
                    .flat_map(|n| r.affected_for_os(m.ecosystem, n))
                    .collect();
                if entries.is_empty() {
                    continue;
                }
                match first_hit(entries.into_iter().map(|a| m.is_affected(a))) {
                    Some(note) => hits.push((r, note, Origin::Os)),
                    None => cleared.push(r),
                }
            }
        }
    }
    if hits.is_empty() {
        return Vec::new();
    }
    let environments: Vec<PathBuf> = inv
        .environments_with_site(&d.site)
        .iter()
        .map(|&i| inv.env(i).prefix.clone())
        .collect();
    merge_aliases(hits)
        .into_iter()
        .map(|group| {
            let mut ids: BTreeSet<String> = BTreeSet::new();
            for (r, _, _) in &group {
                ids.extend(r.ids().map(str::to_string));
            }
            let os_advisory = os
                .as_ref()
                .and_then(|m| os_advisory(m, &group, &ids, &cleared));
            let id = ids
                .iter()
                .min_by_key(|i| (id_rank(i), (*i).clone()))
                .cloned()
                .unwrap_or_default();
            ids.remove(&id);
            let mut fixed: Vec<String> = group
                .iter()
                .filter(|(_, _, o)| *o == Origin::PyPI)
                .flat_map(|(r, _, _)| r.fixed_versions(&d.normalized_name))
                .collect();
            fixed.sort();
            fixed.dedup();
            Vulnerability {
                distribution: DistRef::of(dist, d),
                installed_version: d.parsed_version.clone(),
                environments: environments.clone(),
                id,
                aliases: ids.into_iter().collect(),
                summary: group.iter().find_map(|(r, _, _)| r.summary.clone()),
                severity: group
                    .iter()
                    .map(|(r, _, _)| r.fetter_severity())
                    .max()
                    .unwrap_or(Severity::Medium),
                score: group
                    .iter()
                    .filter_map(|(r, _, _)| r.cvss_score())
                    .fold(None, |a: Option<f64>, s| Some(a.map_or(s, |x| x.max(s)))),
                fixed,
                malicious: group.iter().any(|(r, _, _)| r.is_malicious()),
                note: group.iter().find_map(|(_, n, _)| n.clone()),
                os_package: d.os_package.clone().filter(OsPackage::is_os),
                os_advisory,
            }
        })
        .collect()
}

/// `Some(note)` when any verdict says affected (`None` note) or could not
/// be reached (a note: counted as affected, fail closed).
fn first_hit(
    verdicts: impl Iterator<Item = Result<bool, crate::audit::ranges::RangeError>>,
) -> Option<Option<String>> {
    let mut hit = None;
    for v in verdicts {
        match v {
            Ok(true) => return Some(None),
            Ok(false) => {}
            Err(e) => {
                hit.get_or_insert(Some(format!("{}; counted as affected", e.0)));
            }
        }
    }
    hit
}

/// What the OS's advisories say of the vulnerability `group` (ids
/// `ids`) for the package of `m`: its records in the group (affected),
/// else a record sharing an id that does not affect the installed version
/// (cleared), else nothing.
fn os_advisory(
    m: &OsMatch,
    group: &[Hit],
    ids: &BTreeSet<String>,
    cleared: &[&Record],
) -> Option<OsAdvisory> {
    let of = |rs: Vec<&Record>, affected: bool| {
        (!rs.is_empty()).then(|| {
            let mut fixed: Vec<String> = rs
                .iter()
                .flat_map(|r| {
                    m.names
                        .iter()
                        .flat_map(|n| r.fixed_versions_os(m.ecosystem, n))
                })
                .collect();
            fixed.sort();
            fixed.dedup();
            OsAdvisory {
                ecosystem: m.ecosystem.to_string(),
                ids: rs.iter().map(|r| r.id.clone()).collect(),
                affected,
                fixed,
            }
        })
    };
    let affecting: Vec<&Record> = group
        .iter()
        .filter(|(_, _, o)| *o == Origin::Os)
        .map(|(r, _, _)| *r)
        .collect();
    if !affecting.is_empty() {
        return of(affecting, true);
    }
    let clearing: Vec<&Record> = cleared
        .iter()
        .copied()
        .filter(|r| r.ids().any(|i| ids.contains(i)))
        .collect();
    of(clearing, false)
}

/// How an OS package is matched against its OS's records.
struct OsMatch<'a> {
    manager: Manager,
    /// The OSV ecosystem (`Debian:12`, `AlmaLinux:9`).
    ecosystem: &'a str,
    /// The names its records may give: Debian's the source package; the
    /// rpm distributions' the source package (Mageia) or the binary one
    /// (AlmaLinux, Rocky Linux list each binary rpm).
    names: Vec<&'a str>,
    /// The version compared: Debian's source version; rpm's
    /// `[epoch:]version-release` (source and binary rpms share it, and the
    /// source rpm's name in the header carries no epoch).
    version: &'a str,
}

impl<'a> OsMatch<'a> {
    fn of(p: &'a OsPackage) -> Option<OsMatch<'a>> {
        let ecosystem = p.distro.as_deref()?;
        match p.manager {
            Manager::Dpkg => Some(OsMatch {
                manager: p.manager,
                ecosystem,
                names: vec![p.source_name()],
                version: p.source_version()?,
            }),
            Manager::Rpm => {
                let mut names = vec![p.source_name(), p.name.as_str()];
                names.dedup();
                Some(OsMatch {
                    manager: p.manager,
                    ecosystem,
                    names,
                    version: p.version.as_deref()?,
                })
            }
            Manager::Conda => None,
        }
    }

    fn is_affected(&self, a: &Affected) -> Result<bool, crate::audit::ranges::RangeError> {
        match self.manager {
            Manager::Rpm => is_affected_rpm(self.version, a),
            _ => is_affected_deb(self.version, a),
        }
    }
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
fn merge_aliases(hits: Vec<Hit<'_>>) -> Vec<Vec<Hit<'_>>> {
    let mut groups: Vec<(BTreeSet<String>, Vec<Hit>)> = Vec::new();
    for (r, note, origin) in hits {
        let mut ids: BTreeSet<String> = r.ids().map(str::to_string).collect();
        let mut merged = vec![(r, note, origin)];
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
