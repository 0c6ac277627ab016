//! The host reports `fetter report` reads, as far as the fleet needs them:
//! `fetter.inventory/1` (scan), `fetter.validate/1` and `fetter.audit/1`.
//!
//! Only the fields the merge uses are read, so fields added within a schema
//! version do not break it; a missing required field or a wrong type is an
//! error naming the file. Paths stay the JSON text the host wrote: they are
//! paths on another machine, only ever shown, never opened.

use serde::Deserialize;

use crate::diag::{Action, Severity};
use crate::fleet::model::ReportKind;

/// A host report, by kind.
#[derive(Debug, Clone)]
pub enum HostReport {
    /// `fetter scan --format json`.
    Scan(ScanDoc),
    /// `fetter validate --format json`.
    Validate(ValidateDoc),
    /// `fetter audit --format json`.
    Audit(AuditDoc),
}

impl HostReport {
    /// Which command wrote it.
    pub fn kind(&self) -> ReportKind {
        match self {
            HostReport::Scan(_) => ReportKind::Scan,
            HostReport::Validate(_) => ReportKind::Validate,
            HostReport::Audit(_) => ReportKind::Audit,
        }
    }
}

/// The schema tag alone, read first so a wrong document is named as such
/// rather than as a missing field.
#[derive(Debug, Deserialize)]
pub(crate) struct Tag {
    #[serde(default)]
    pub schema: Option<serde_json::Value>,
}

/// The kind of report a schema tag names, if `fetter report` reads it.
pub fn kind_of_tag(tag: &str) -> Option<ReportKind> {
    match tag {
        "fetter.inventory/1" => Some(ReportKind::Scan),
        "fetter.validate/1" => Some(ReportKind::Validate),
        "fetter.audit/1" => Some(ReportKind::Audit),
        _ => None,
    }
}

/// `fetter.inventory/1`, the parts the fleet uses.
#[derive(Debug, Clone, Deserialize)]
pub struct ScanDoc {
    /// Environments (only counted).
    pub environments: Vec<serde::de::IgnoredAny>,
    /// Installed distributions.
    pub distributions: Vec<ScanDist>,
    /// Security-relevant observations.
    pub findings: Vec<ScanFinding>,
}

/// One installed distribution of a scan.
#[derive(Debug, Clone, Deserialize)]
pub struct ScanDist {
    /// Name as the metadata spells it.
    pub name: String,
    /// PEP 503 normalized name.
    pub normalized_name: String,
    /// Installed version.
    pub version: String,
}

/// One observation of a scan (`executable-pth`, `duplicate-distribution`, …).
#[derive(Debug, Clone, Deserialize)]
pub struct ScanFinding {
    /// What was observed.
    pub kind: String,
    /// The file or directory concerned.
    pub path: String,
    /// A sentence.
    pub message: String,
}

/// `fetter.validate/1`, the parts the fleet uses.
#[derive(Debug, Clone, Deserialize)]
pub struct ValidateDoc {
    /// One entry per environment.
    pub environments: Vec<ValidateEnv>,
    /// Checks that could not run.
    pub failures: Vec<Failure>,
}

/// One environment of a validate report.
#[derive(Debug, Clone, Deserialize)]
pub struct ValidateEnv {
    /// Its prefix.
    pub prefix: String,
    /// True only when every check ran and none denied.
    pub ok: bool,
    /// The verdict (absent from documents older than fetter 0.1).
    #[serde(default)]
    pub status: Option<EnvStatus>,
    /// Its diagnostics.
    pub diagnostics: Vec<Diagnostic>,
}

impl ValidateEnv {
    /// The verdict, derived as fetter derives it where an older document
    /// has no `status`: a deny fails, anything else not `ok` is not checked.
    pub fn verdict(&self) -> EnvStatus {
        self.status.unwrap_or(if self.ok {
            EnvStatus::Pass
        } else if self.diagnostics.iter().any(|d| d.action == Action::Deny) {
            EnvStatus::Fail
        } else {
            EnvStatus::NotChecked
        })
    }
}

/// The verdict on one environment of a validate report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EnvStatus {
    /// Every check ran; nothing denied.
    Pass,
    /// A deny at or above the run's `fail_on`.
    Fail,
    /// No deny, but a check could not run on it.
    NotChecked,
}

/// One diagnostic of a validate report.
#[derive(Debug, Clone, Deserialize)]
pub struct Diagnostic {
    /// `<check>/<rule>`.
    pub code: String,
    /// The check.
    pub check: String,
    /// How serious.
    pub severity: Severity,
    /// Warn or deny.
    pub action: Action,
    /// The environment's prefix.
    pub environment: String,
    /// The distribution concerned, if any.
    #[serde(default)]
    pub distribution: Option<DistRef>,
    /// The requirement concerned (a missing one has no distribution).
    #[serde(default)]
    pub requirement: Option<String>,
    /// A sentence.
    pub message: String,
}

/// A distribution a diagnostic or vulnerability is about.
#[derive(Debug, Clone, Deserialize)]
pub struct DistRef {
    /// Name as the metadata spells it.
    pub name: String,
    /// Installed version.
    pub version: String,
}

/// A check that could not run.
#[derive(Debug, Clone, Deserialize)]
pub struct Failure {
    /// The check.
    pub check: String,
    /// The file, plugin or URL concerned.
    pub source: String,
    /// What went wrong.
    pub message: String,
    /// The one environment concerned, if any.
    #[serde(default)]
    pub environment: Option<String>,
}

/// `fetter.audit/1`, the parts the fleet uses.
#[derive(Debug, Clone, Deserialize)]
pub struct AuditDoc {
    /// One entry per vulnerability per installed distribution.
    pub vulnerabilities: Vec<Vulnerability>,
    /// Checks that could not run (the audit did not run).
    pub failures: Vec<Failure>,
}

/// One vulnerability of one installed distribution.
#[derive(Debug, Clone, Deserialize)]
pub struct Vulnerability {
    /// The distribution.
    pub distribution: DistRef,
    /// Prefixes of the environments that see it.
    pub environments: Vec<String>,
    /// The main id.
    pub id: String,
    /// A one-line summary.
    #[serde(default)]
    pub summary: Option<String>,
    /// Severity.
    pub severity: Severity,
    /// A malicious-package record.
    pub malicious: bool,
    /// What the OS's advisories say, for a distribution an OS package owns.
    #[serde(default)]
    pub os_advisory: Option<OsAdvisory>,
}

/// The part of an audit's `os_advisory` the fleet uses.
#[derive(Debug, Clone, Deserialize)]
pub struct OsAdvisory {
    /// False when the OS fixed it in the installed package: a warning.
    pub affected: bool,
}
