//! What changed between two fleet reports.
//!
//! Packages are compared only for hosts that sent a scan in both reports,
//! and findings only between reports of the same kind present in both: a
//! host that sent no audit this time has not "resolved" its
//! vulnerabilities, and an unreadable host has not removed its packages.

use std::collections::{BTreeMap, BTreeSet};

use crate::fleet::model::{
    Changes, Finding, FindingKey, Fleet, Host, PackageChange, ReportKind, StatusChange,
};

/// The changes from `previous` to `current`.
pub fn changes(previous: &Fleet, current: &Fleet) -> Changes {
    let before: BTreeMap<&str, &Host> = previous
        .hosts
        .iter()
        .map(|h| (h.name.as_str(), h))
        .collect();
    let after: BTreeMap<&str, &Host> = current.hosts.iter().map(|h| (h.name.as_str(), h)).collect();
    let mut out = Changes {
        previous_generated_at: previous.generated_at.clone(),
        hosts_added: names_missing(&after, &before),
        hosts_removed: names_missing(&before, &after),
        ..Changes::default()
    };
    let pkgs_before = packages_by_host(previous);
    let pkgs_after = packages_by_host(current);
    let empty = BTreeMap::new();
    for (name, a) in &after {
        let Some(b) = before.get(name) else { continue };
        if a.status != b.status {
            out.statuses.push(StatusChange {
                host: name.to_string(),
                before: b.status,
                after: a.status,
            });
        }
        if sent(a, ReportKind::Scan) && sent(b, ReportKind::Scan) {
            let pb = pkgs_before.get(name).unwrap_or(&empty);
            let pa = pkgs_after.get(name).unwrap_or(&empty);
            let names: BTreeSet<&&str> = pb.keys().chain(pa.keys()).collect();
            for pkg in names {
                let vb = pb.get(pkg).cloned().unwrap_or_default();
                let va = pa.get(pkg).cloned().unwrap_or_default();
                if vb != va {
                    out.packages.push(PackageChange {
                        host: name.to_string(),
                        package: pkg.to_string(),
                        before: vb.into_iter().map(str::to_string).collect(),
                        after: va.into_iter().map(str::to_string).collect(),
                    });
                }
            }
        }
    }
    let comparable = |f: &Finding| {
        matches!((before.get(f.host.as_str()), after.get(f.host.as_str())),
            (Some(b), Some(a)) if sent(b, f.source) && sent(a, f.source))
    };
    out.findings_new = only_in(&current.findings, &previous.findings, comparable);
    out.findings_resolved = only_in(&previous.findings, &current.findings, comparable);
    out
}

fn names_missing(from: &BTreeMap<&str, &Host>, other: &BTreeMap<&str, &Host>) -> Vec<String> {
    from.keys()
        .filter(|n| !other.contains_key(*n))
        .map(|n| n.to_string())
        .collect()
}

fn sent(h: &Host, kind: ReportKind) -> bool {
    h.reports.iter().any(|r| r.kind == kind)
}

/// host → package → versions installed.
fn packages_by_host(f: &Fleet) -> BTreeMap<&str, BTreeMap<&str, BTreeSet<&str>>> {
    let mut out: BTreeMap<&str, BTreeMap<&str, BTreeSet<&str>>> = BTreeMap::new();
    for p in &f.packages {
        for v in &p.versions {
            for h in &v.hosts {
                out.entry(h.as_str())
                    .or_default()
                    .entry(p.name.as_str())
                    .or_default()
                    .insert(v.version.as_str());
            }
        }
    }
    out
}

fn only_in(
    these: &[Finding],
    others: &[Finding],
    comparable: impl Fn(&Finding) -> bool,
) -> Vec<Finding> {
    let keys: BTreeSet<FindingKey<'_>> = others.iter().map(Finding::key).collect();
    these
        .iter()
        .filter(|f| comparable(f) && !keys.contains(&f.key()))
        .cloned()
        .collect()
}
