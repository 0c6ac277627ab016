//! OSV records (https://ossf.github.io/osv-schema/), reduced to what an
//! audit of PyPI distributions needs.

use serde::{Deserialize, Serialize};

use crate::diag::Severity;

/// The OSV ecosystem name of PyPI.
pub const PYPI: &str = "PyPI";

/// One OSV record.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// `PYSEC-…`, `GHSA-…`, `MAL-…`.
    pub id: String,
    /// Other ids of the same vulnerability (CVE, GHSA, PYSEC).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// The upstream vulnerabilities a downstream record (Debian's
    /// `DSA-`, `DEBIAN-CVE-`) is about: its link to a PyPI advisory.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub upstream: Vec<String>,
    /// Set when the record was withdrawn: it no longer applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<String>,
    /// Last modification time (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified: Option<String>,
    /// One-line summary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Severity vectors (`CVSS_V3`, `CVSS_V4`, …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub severity: Vec<SeverityEntry>,
    /// What is affected.
    #[serde(default)]
    pub affected: Vec<Affected>,
    /// Database-specific data; GHSA records carry a textual `severity` here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_specific: Option<serde_json::Value>,
}

/// A severity entry: a scoring system and a vector.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SeverityEntry {
    /// `CVSS_V2`, `CVSS_V3`, `CVSS_V4`, `Ubuntu`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// The vector string.
    pub score: String,
}

/// One affected package.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Affected {
    /// The package.
    #[serde(default)]
    pub package: Option<Package>,
    /// Affected version ranges.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ranges: Vec<Range>,
    /// Explicitly affected versions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<String>,
}

/// A package in an ecosystem.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Package {
    /// `PyPI` for us.
    pub ecosystem: String,
    /// The project name as the ecosystem spells it.
    pub name: String,
}

/// A range of versions, as a list of events.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Range {
    /// `ECOSYSTEM`, `SEMVER` or `GIT` (only the first two describe PyPI versions).
    #[serde(rename = "type")]
    pub kind: String,
    /// The events.
    #[serde(default)]
    pub events: Vec<Event>,
}

/// One range event; exactly one field is set.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Versions from here on are affected (`"0"`: from the start).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub introduced: Option<String>,
    /// Versions from here on are fixed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed: Option<String>,
    /// Versions after this one are not affected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_affected: Option<String>,
    /// Versions from here on are outside the range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<String>,
}

impl Record {
    /// True for OpenSSF malicious-package records.
    pub fn is_malicious(&self) -> bool {
        self.id.starts_with("MAL-")
    }

    /// The highest CVSS score among the record's vectors, if any parses.
    pub fn cvss_score(&self) -> Option<f64> {
        self.severity
            .iter()
            .filter(|s| s.kind.starts_with("CVSS"))
            .filter_map(|s| s.score.parse::<cvss::Cvss>().ok())
            .map(|c| c.score())
            .fold(None, |acc: Option<f64>, s| {
                Some(acc.map_or(s, |a| a.max(s)))
            })
    }

    /// Severity: critical for malware; else from the CVSS score; else from
    /// the database's own word (GHSA's `LOW`/`MODERATE`/`HIGH`/`CRITICAL`);
    /// else medium (unknown is not "low": an unscored advisory still counts).
    pub fn fetter_severity(&self) -> Severity {
        if self.is_malicious() {
            return Severity::Critical;
        }
        if let Some(score) = self.cvss_score() {
            return severity_of_score(score);
        }
        let word = self
            .database_specific
            .as_ref()
            .and_then(|d| d.get("severity"))
            .and_then(|s| s.as_str())
            .map(str::to_ascii_uppercase);
        match word.as_deref() {
            Some("CRITICAL") => Severity::Critical,
            Some("HIGH") => Severity::High,
            Some("MODERATE" | "MEDIUM") => Severity::Medium,
            Some("LOW") => Severity::Low,
            _ => Severity::Medium,
        }
    }

    /// Fixed versions named for the package `normalized_name`.
    pub fn fixed_versions(&self, normalized_name: &str) -> Vec<String> {
        fixed_in(self.affected_for(normalized_name))
    }

    /// The `affected` entries for a PyPI package (by PEP 503 name).
    pub fn affected_for<'a>(
        &'a self,
        normalized_name: &'a str,
    ) -> impl Iterator<Item = &'a Affected> + 'a {
        self.affected.iter().filter(move |a| {
            a.package.as_ref().is_some_and(|p| {
                p.ecosystem == PYPI && crate::names::normalize(&p.name) == normalized_name
            })
        })
    }

    /// The `affected` entries for an OS package: its source package
    /// `source` in the OSV ecosystem `ecosystem` (`Debian:12`).
    pub fn affected_for_os<'a>(
        &'a self,
        ecosystem: &'a str,
        source: &'a str,
    ) -> impl Iterator<Item = &'a Affected> + 'a {
        self.affected.iter().filter(move |a| {
            a.package
                .as_ref()
                .is_some_and(|p| p.ecosystem == ecosystem && p.name == source)
        })
    }

    /// Fixed versions named for an OS package.
    pub fn fixed_versions_os(&self, ecosystem: &str, source: &str) -> Vec<String> {
        fixed_in(self.affected_for_os(ecosystem, source))
    }

    /// The record's id, aliases and upstream ids.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.id.as_str())
            .chain(self.aliases.iter().map(String::as_str))
            .chain(self.upstream.iter().map(String::as_str))
    }
}

/// The `fixed` versions of `entries`' ranges, sorted, each once.
fn fixed_in<'a>(entries: impl Iterator<Item = &'a Affected>) -> Vec<String> {
    let mut out: Vec<String> = entries
        .flat_map(|a| a.ranges.iter())
        .flat_map(|r| r.events.iter())
        .filter_map(|e| e.fixed.clone())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Whether an OSV ecosystem is one of Debian's releases (`Debian:12`).
pub fn is_debian(ecosystem: &str) -> bool {
    ecosystem == "Debian" || ecosystem.starts_with("Debian:")
}

/// The rpm distributions whose OSV ecosystems fetter matches rpm-owned
/// distributions against (what [`crate::osowner::rpm::osv_ecosystem`]
/// names).
pub const RPM_ECOSYSTEMS: &[&str] = &["AlmaLinux", "Rocky Linux", "Mageia"];

/// Whether an OSV ecosystem is one of an rpm distribution's releases
/// (`AlmaLinux:9`, `Rocky Linux:9`, `Mageia:9`).
pub fn is_rpm(ecosystem: &str) -> bool {
    let base = ecosystem.split(':').next().unwrap_or(ecosystem);
    RPM_ECOSYSTEMS.contains(&base)
}

/// Whether an OSV ecosystem is one of the OS ecosystems fetter matches
/// OS-owned distributions against: Debian's and the rpm distributions'.
pub fn is_os(ecosystem: &str) -> bool {
    is_debian(ecosystem) || is_rpm(ecosystem)
}

/// CVSS qualitative rating scale.
pub fn severity_of_score(score: f64) -> Severity {
    match score {
        s if s >= 9.0 => Severity::Critical,
        s if s >= 7.0 => Severity::High,
        s if s >= 4.0 => Severity::Medium,
        s if s > 0.0 => Severity::Low,
        _ => Severity::Info,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities() {
        let mut r = Record {
            id: "GHSA-x".into(),
            ..Default::default()
        };
        assert_eq!(r.fetter_severity(), Severity::Medium);
        r.database_specific = Some(serde_json::json!({"severity": "HIGH"}));
        assert_eq!(r.fetter_severity(), Severity::High);
        r.severity = vec![SeverityEntry {
            kind: "CVSS_V3".into(),
            score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".into(),
        }];
        assert_eq!(r.cvss_score(), Some(9.8));
        assert_eq!(r.fetter_severity(), Severity::Critical);
        r.severity = vec![SeverityEntry {
            kind: "CVSS_V3".into(),
            score: "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N".into(),
        }];
        assert_eq!(r.fetter_severity(), Severity::Low);
        r.severity = vec![SeverityEntry {
            kind: "CVSS_V4".into(),
            score: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N".into(),
        }];
        assert_eq!(r.fetter_severity(), Severity::Critical);
        let m = Record {
            id: "MAL-2024-1".into(),
            ..Default::default()
        };
        assert_eq!(m.fetter_severity(), Severity::Critical);
    }
}
