//! Merging hosts' reports into one [`Fleet`].

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};

use crate::diag::{Action, Severity};
use crate::fleet::input::ReadHost;
use crate::fleet::model::{
    Finding, Fleet, Host, HostFailure, HostStatus, Package, PackageVersion, ReportKind,
    ReportSource, Summary, FLEET_SCHEMA,
};
use crate::fleet::source::{
    AuditDoc, EnvStatus, Failure, HostReport, ScanDoc, ValidateDoc, Vulnerability,
};
use crate::pathjson::to_json_text;

/// Merge hosts already read. A host whose reports could not be read
/// becomes an `unreadable` host with the error (the caller decides whether
/// that is allowed: see `--keep-going`).
pub fn merge(hosts: Vec<ReadHost>) -> Fleet {
    let mut out_hosts = Vec::with_capacity(hosts.len());
    let mut findings = Vec::new();
    let mut packages = PackageIndex::default();
    for h in hosts {
        match h.reports {
            Ok(reports) => {
                let (host, mut f) = merge_host(&h.host, &reports, &mut packages);
                out_hosts.push(host);
                findings.append(&mut f);
            }
            Err(e) => out_hosts.push(Host {
                name: h.host,
                status: HostStatus::Unreadable,
                reports: Vec::new(),
                environments: 0,
                distributions: 0,
                findings_by_severity: BTreeMap::new(),
                failures: Vec::new(),
                error: Some(e.to_string()),
            }),
        }
    }
    out_hosts.sort_by(|a, b| a.name.cmp(&b.name));
    findings.sort_by(|a, b| {
        (
            &a.host,
            Reverse(a.severity),
            &a.code,
            &a.package,
            &a.version,
            &a.id,
        )
            .cmp(&(
                &b.host,
                Reverse(b.severity),
                &b.code,
                &b.package,
                &b.version,
                &b.id,
            ))
    });
    let packages = packages.finish();
    let summary = summarise(&out_hosts, &packages, &findings);
    Fleet {
        schema: FLEET_SCHEMA.to_string(),
        generator: format!("fetter {}", env!("CARGO_PKG_VERSION")),
        generated_at: crate::timefmt::utc_now(),
        summary,
        hosts: out_hosts,
        packages,
        findings,
        changes: None,
    }
}

fn summarise(hosts: &[Host], packages: &[Package], findings: &[Finding]) -> Summary {
    let mut s = Summary {
        hosts: hosts.len(),
        packages: packages.len(),
        findings: findings.len(),
        ..Summary::default()
    };
    for h in hosts {
        *s.hosts_by_status.entry(h.status).or_default() += 1;
        s.installs += h.distributions;
    }
    for f in findings {
        *s.findings_by_severity.entry(f.severity).or_default() += 1;
    }
    s
}

/// One host's reports → its entry and its findings; its packages go into
/// `packages`.
fn merge_host(
    name: &str,
    reports: &[(std::path::PathBuf, HostReport)],
    packages: &mut PackageIndex,
) -> (Host, Vec<Finding>) {
    let mut findings = Vec::new();
    let mut failures = Vec::new();
    let mut denied = false;
    // Nothing checked (an inventory alone) is not a pass either.
    let mut checked = false;
    let mut env_not_checked = false;
    let mut environments = None;
    let mut distributions = 0;
    for (_, report) in reports {
        match report {
            HostReport::Scan(doc) => {
                environments = Some(doc.environments.len());
                distributions = doc.distributions.len();
                packages.add(name, doc);
                findings.extend(scan_findings(name, doc));
            }
            HostReport::Validate(doc) => {
                environments.get_or_insert(doc.environments.len());
                let verdicts: Vec<EnvStatus> =
                    doc.environments.iter().map(|e| e.verdict()).collect();
                checked = true;
                denied |= verdicts.contains(&EnvStatus::Fail);
                env_not_checked |= verdicts.contains(&EnvStatus::NotChecked);
                findings.extend(validate_findings(name, doc));
                failures.extend(doc.failures.iter().map(host_failure));
            }
            HostReport::Audit(doc) => {
                checked = true;
                denied |= !doc.vulnerabilities.is_empty();
                findings.extend(audit_findings(name, doc));
                failures.extend(doc.failures.iter().map(host_failure));
            }
        }
    }
    // A check that could not run is never a pass, whatever else ran.
    let status = if denied {
        HostStatus::Fail
    } else if !checked || env_not_checked || !failures.is_empty() {
        HostStatus::NotChecked
    } else {
        HostStatus::Pass
    };
    let mut by_severity = BTreeMap::new();
    for f in &findings {
        *by_severity.entry(f.severity).or_default() += 1;
    }
    let mut sources: Vec<ReportSource> = reports
        .iter()
        .map(|(path, r)| ReportSource {
            kind: r.kind(),
            path: to_json_text(path).into_owned(),
        })
        .collect();
    sources.sort_by_key(|s| s.kind);
    let host = Host {
        name: name.to_string(),
        status,
        reports: sources,
        environments: environments.unwrap_or(0),
        distributions,
        findings_by_severity: by_severity,
        failures,
        error: None,
    };
    (host, findings)
}

fn host_failure(f: &Failure) -> HostFailure {
    HostFailure {
        check: f.check.clone(),
        source: f.source.clone(),
        message: f.message.clone(),
        environment: f.environment.clone(),
    }
}

fn scan_findings<'a>(host: &'a str, doc: &'a ScanDoc) -> impl Iterator<Item = Finding> + 'a {
    doc.findings.iter().map(move |f| Finding {
        host: host.to_string(),
        source: ReportKind::Scan,
        code: format!("inventory/{}", f.kind),
        check: "inventory".to_string(),
        severity: Severity::Info,
        action: Action::Warn,
        package: None,
        version: None,
        id: None,
        environments: vec![f.path.clone()],
        message: f.message.clone(),
    })
}

fn validate_findings<'a>(
    host: &'a str,
    doc: &'a ValidateDoc,
) -> impl Iterator<Item = Finding> + 'a {
    doc.environments
        .iter()
        .flat_map(|e| &e.diagnostics)
        .map(move |d| Finding {
            host: host.to_string(),
            source: ReportKind::Validate,
            code: d.code.clone(),
            check: d.check.clone(),
            severity: d.severity,
            action: d.action,
            package: d
                .distribution
                .as_ref()
                .map(|x| x.name.clone())
                .or_else(|| d.requirement.clone()),
            version: d.distribution.as_ref().map(|x| x.version.clone()),
            id: None,
            environments: vec![d.environment.clone()],
            message: d.message.clone(),
        })
}

fn audit_findings<'a>(host: &'a str, doc: &'a AuditDoc) -> impl Iterator<Item = Finding> + 'a {
    doc.vulnerabilities
        .iter()
        .map(move |v: &Vulnerability| Finding {
            host: host.to_string(),
            source: ReportKind::Audit,
            code: if v.malicious {
                "audit/malware"
            } else {
                "audit/vulnerability"
            }
            .to_string(),
            check: "audit".to_string(),
            severity: v.severity,
            // Fixed by the OS in the installed package: shown, not a failure.
            action: match &v.os_advisory {
                Some(a) if !a.affected => Action::Warn,
                _ => Action::Deny,
            },
            package: Some(v.distribution.name.clone()),
            version: Some(v.distribution.version.clone()),
            id: Some(v.id.clone()),
            environments: v.environments.clone(),
            message: v.summary.clone().unwrap_or_else(|| v.id.clone()),
        })
}

/// Packages by normalized name: the first spelling seen, and the hosts of
/// each version.
#[derive(Default)]
struct PackageIndex {
    by_name: BTreeMap<String, (String, BTreeMap<String, BTreeSet<String>>)>,
}

impl PackageIndex {
    fn add(&mut self, host: &str, doc: &ScanDoc) {
        for d in &doc.distributions {
            let entry = self
                .by_name
                .entry(d.normalized_name.clone())
                .or_insert_with(|| (d.name.clone(), BTreeMap::new()));
            entry
                .1
                .entry(d.version.clone())
                .or_default()
                .insert(host.to_string());
        }
    }

    fn finish(self) -> Vec<Package> {
        self.by_name
            .into_iter()
            .map(|(name, (display_name, versions))| {
                let hosts = versions.values().flatten().collect::<BTreeSet<_>>().len();
                let mut versions: Vec<PackageVersion> = versions
                    .into_iter()
                    .map(|(version, hosts)| PackageVersion {
                        version,
                        hosts: hosts.into_iter().collect(),
                    })
                    .collect();
                versions.sort_by(|a, b| version_order(&a.version, &b.version));
                Package {
                    name,
                    display_name,
                    versions,
                    hosts,
                }
            })
            .collect()
    }
}

/// PEP 440 order where both versions parse; versions that do not parse
/// come after, by text.
fn version_order(a: &str, b: &str) -> std::cmp::Ordering {
    match (
        a.parse::<pep440_rs::Version>(),
        b.parse::<pep440_rs::Version>(),
    ) {
        (Ok(x), Ok(y)) => x.cmp(&y).then_with(|| a.cmp(b)),
        (Ok(_), Err(_)) => std::cmp::Ordering::Less,
        (Err(_), Ok(_)) => std::cmp::Ordering::Greater,
        (Err(_), Err(_)) => a.cmp(b),
    }
}

#[cfg(test)]
mod tests {
    use super::version_order;

    #[test]
    fn versions_sort_as_pep_440_says() {
        let mut v = vec!["1.10", "1.9", "1.0rc1", "not a version", "1.0"];
        v.sort_by(|a, b| version_order(a, b));
        assert_eq!(v, ["1.0rc1", "1.0", "1.9", "1.10", "not a version"]);
    }
}
