//! The fleet report, `fetter.fleet/1`: many hosts' scan, validate and audit
//! reports merged into one document (schema: `schemas/fetter.fleet-1.schema.json`).
//!
//! Everything a host sent is untrusted text; it is kept as text here and
//! escaped by whoever renders it (the HTML page, a terminal). Fields are
//! only ever added within the schema version; a change of meaning is a new
//! version.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::diag::{Action, Severity};

/// Schema tag of the fleet report.
pub const FLEET_SCHEMA: &str = "fetter.fleet/1";

/// The whole fleet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fleet {
    /// Always [`FLEET_SCHEMA`].
    pub schema: String,
    /// The fetter that merged it (`fetter 0.1.0`).
    pub generator: String,
    /// When it was merged (RFC 3339, UTC).
    pub generated_at: String,
    /// Counts over the fleet.
    pub summary: Summary,
    /// One entry per host, sorted by name.
    pub hosts: Vec<Host>,
    /// Every installed package, by normalized name, with the hosts of each version.
    pub packages: Vec<Package>,
    /// Every finding of every host, sorted by host, then severity (worst first).
    pub findings: Vec<Finding>,
    /// What changed since `--previous`; absent without it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changes: Option<Changes>,
}

/// Counts over the fleet.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Hosts in the report.
    pub hosts: usize,
    /// Hosts by [`HostStatus`].
    pub hosts_by_status: BTreeMap<HostStatus, usize>,
    /// Distinct normalized package names over the fleet.
    pub packages: usize,
    /// Installed distributions over the fleet (one per host, site and name).
    pub installs: usize,
    /// Findings over the fleet.
    pub findings: usize,
    /// Findings by severity.
    pub findings_by_severity: BTreeMap<Severity, usize>,
}

/// The verdict on one host, worst first in this order: `unreadable`,
/// `fail`, `not-checked`, `pass`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HostStatus {
    /// A report of the host could not be read (`--keep-going`): nothing
    /// about it is known, which is never a pass.
    Unreadable,
    /// A deny: a policy violation in its validate report (an environment
    /// with status `fail`), or a known vulnerability in its audit report.
    Fail,
    /// No deny, but a check could not run on it, or it sent only an
    /// inventory (nothing was checked).
    NotChecked,
    /// Every check it sent ran, and none denied anything.
    Pass,
}

/// Which command wrote a host report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReportKind {
    /// `fetter scan --format json` (`fetter.inventory/1`).
    Scan,
    /// `fetter validate --format json` (`fetter.validate/1`).
    Validate,
    /// `fetter audit --format json` (`fetter.audit/1`).
    Audit,
}

impl ReportKind {
    /// The command name, which is also the file stem in a host directory.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportKind::Scan => "scan",
            ReportKind::Validate => "validate",
            ReportKind::Audit => "audit",
        }
    }
}

/// One host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Host {
    /// Its name (from the file or directory name of its reports).
    pub name: String,
    /// The verdict.
    pub status: HostStatus,
    /// The report files it was merged from.
    pub reports: Vec<ReportSource>,
    /// Python environments (from its scan, else its validate report).
    pub environments: usize,
    /// Installed distributions (from its scan report; 0 without one).
    pub distributions: usize,
    /// Its findings by severity.
    pub findings_by_severity: BTreeMap<Severity, usize>,
    /// Checks that could not run on it (from its validate and audit reports).
    pub failures: Vec<HostFailure>,
    /// Why it is `unreadable`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One report file of a host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportSource {
    /// Which command wrote it.
    pub kind: ReportKind,
    /// The file, as given on the command line or found in a directory.
    pub path: String,
}

/// A check that could not run on a host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostFailure {
    /// The check (`bounds`, `plugin:<name>`, `audit`, `scope`).
    pub check: String,
    /// The file, plugin or URL concerned.
    pub source: String,
    /// What went wrong.
    pub message: String,
    /// The environment it could not run on, when only one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
}

/// One package name over the fleet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    /// PEP 503 normalized name (the grouping key).
    pub name: String,
    /// The name as the first host's metadata spells it.
    pub display_name: String,
    /// Each installed version with the hosts that have it, sorted by version.
    pub versions: Vec<PackageVersion>,
    /// Distinct hosts with any version.
    pub hosts: usize,
}

/// One version of a package and where it is installed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageVersion {
    /// The version as installed.
    pub version: String,
    /// Hosts with it installed, sorted.
    pub hosts: Vec<String>,
}

/// One finding of one host: a policy diagnostic (validate), a known
/// vulnerability (audit) or an inventory observation (scan).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The host.
    pub host: String,
    /// The report it came from.
    pub source: ReportKind,
    /// Stable code: `bounds/misdefined`, `typosquat/omitted-char`,
    /// `audit/vulnerability`, `audit/malware`, `inventory/executable-pth`.
    pub code: String,
    /// The check: `bounds`, `plugin:<name>`, `audit`, `inventory`.
    pub check: String,
    /// How serious.
    pub severity: Severity,
    /// `deny` fails the host; `warn` does not.
    pub action: Action,
    /// The package concerned, as its metadata spells it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    /// Its installed version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The vulnerability id (audit findings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Environment prefixes concerned (for inventory findings: the path).
    pub environments: Vec<String>,
    /// A sentence for people.
    pub message: String,
}

impl Finding {
    /// What makes two findings the same finding across two reports: host,
    /// code, package, version, id and environments (not the message, whose
    /// wording may change between fetter versions).
    pub fn key(&self) -> FindingKey<'_> {
        (
            &self.host,
            &self.code,
            self.package.as_deref(),
            self.version.as_deref(),
            self.id.as_deref(),
            &self.environments,
        )
    }
}

/// See [`Finding::key`].
pub type FindingKey<'a> = (
    &'a str,
    &'a str,
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
    &'a [String],
);

/// What changed since a previous fleet report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Changes {
    /// The previous report's `generated_at`.
    pub previous_generated_at: String,
    /// Hosts in this report only.
    pub hosts_added: Vec<String>,
    /// Hosts in the previous report only.
    pub hosts_removed: Vec<String>,
    /// Hosts in both whose status changed.
    pub statuses: Vec<StatusChange>,
    /// Packages installed, removed or changed version on a host in both reports.
    pub packages: Vec<PackageChange>,
    /// Findings in this report only (hosts in both reports).
    pub findings_new: Vec<Finding>,
    /// Findings in the previous report only (hosts in both reports).
    pub findings_resolved: Vec<Finding>,
}

/// A host whose status changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    /// The host.
    pub host: String,
    /// Its status in the previous report.
    pub before: HostStatus,
    /// Its status now.
    pub after: HostStatus,
}

/// A package whose versions on a host changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageChange {
    /// The host.
    pub host: String,
    /// Normalized name.
    pub package: String,
    /// Versions before (empty: newly installed).
    pub before: Vec<String>,
    /// Versions now (empty: removed).
    pub after: Vec<String>,
}
