//! What one scan found, as the rows the tables serve: owned strings and
//! flags, built once per scan so a query only filters and copies.
//!
//! These types are the extension's own, not the engine's: the engine's
//! pipeline API may change without the tables noticing (only
//! [`crate::engine_bridge`] reads the engine). A scan runs in a child
//! process (see [`crate::cache`]) that hands its snapshot over as JSON.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// One scan's results.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Snapshot {
    /// When the scan finished, in seconds since the Unix epoch (0: no scan
    /// has finished yet).
    pub scanned_at: i64,
    /// How long the scan (discovery, listing, bounds and policies) took.
    pub duration: Duration,
    /// Python environments.
    pub environments: Vec<EnvironmentRow>,
    /// Installed distributions.
    pub packages: Vec<PackageRow>,
    /// Verdicts of bounds and policies, and checks that could not run.
    pub findings: Vec<FindingRow>,
    /// Start-up files (`.pth`, `sitecustomize`, `usercustomize`).
    pub startup: Vec<StartupRow>,
    /// Entries the scan could not read (it went on without them).
    pub warnings: usize,
    /// What the scan cost, measured by the scanning process itself.
    #[serde(default)]
    pub cost: ScanCost,
}

/// What a scan cost, for sizing osqueryd's watchdog limits.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct ScanCost {
    /// The nice value the scan ran at.
    pub nice: i32,
    /// CPU time (user + system) of the scanning process, in milliseconds.
    pub cpu_ms: u64,
    /// Peak resident memory of the scanning process, in KiB.
    pub peak_kib: u64,
}

impl Snapshot {
    /// A snapshot saying only that the scan failed: no stale rows
    /// presented as current, and an `error` finding so no check looks passed.
    pub fn failed(scanned_at: i64, message: String) -> Snapshot {
        Snapshot {
            scanned_at,
            findings: vec![FindingRow::about_scan(Outcome::Error, message)],
            ..Snapshot::default()
        }
    }
}

impl FindingRow {
    /// A row about the scan itself (check `scan`): it failed, or has not run yet.
    pub fn about_scan(outcome: Outcome, message: String) -> FindingRow {
        FindingRow {
            environment: String::new(),
            package: String::new(),
            version: String::new(),
            check: "scan".into(),
            rule: String::new(),
            severity: String::new(),
            action: String::new(),
            message,
            outcome,
            source: String::new(),
            metadata_path: String::new(),
        }
    }
}

/// A row of `fetter_environments`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EnvironmentRow {
    /// The environment's prefix.
    pub prefix: String,
    /// `system`, `venv`, `conda`, `pyenv` or `uv`.
    pub kind: String,
    /// `X.Y[.Z]` when the layout tells, else empty.
    pub python_version: String,
    /// PEP 668: the OS package manager owns it.
    pub externally_managed: bool,
    /// Interpreter paths, as found.
    pub interpreters: Vec<String>,
    /// A venv's base installation, when known.
    pub base_prefix: String,
}

/// A row of `fetter_packages`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PackageRow {
    /// The name as the metadata spells it.
    pub name: String,
    /// PEP 503 normalised name.
    pub normalized_name: String,
    /// The version as written.
    pub version: String,
    /// The site directory.
    pub site: String,
    /// Prefix of the environment owning the site (empty for a user site).
    pub environment: String,
    /// `INSTALLER` (`pip`, `uv`, …), when present.
    pub installer: String,
    /// A `REQUESTED` file is present.
    pub requested: bool,
    /// PEP 660 editable install (`direct_url.json` `dir_info.editable`).
    pub editable: bool,
    /// `direct_url.json`'s URL, when installed from a URL.
    pub direct_url: String,
    /// `vcs_info.vcs` (`git`, …).
    pub vcs: String,
    /// `vcs_info.commit_id`.
    pub vcs_commit: String,
    /// The `.dist-info`/`.egg-info` path.
    pub metadata_path: String,
}

/// What a finding row says happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// A deny verdict: a violation.
    Violation,
    /// A warn verdict.
    Warning,
    /// The check could not run: fail closed, never an absence of rows.
    Error,
    /// No scan has finished yet, so no check has run.
    Pending,
}

impl Outcome {
    /// The column value.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Violation => "violation",
            Outcome::Warning => "warning",
            Outcome::Error => "error",
            Outcome::Pending => "pending",
        }
    }
}

/// A row of `fetter_findings`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FindingRow {
    /// Prefix of the environment concerned (empty when the check failed
    /// for every environment).
    pub environment: String,
    /// The distribution concerned (empty for a missing requirement or a failure).
    pub package: String,
    /// Its installed version.
    pub version: String,
    /// `bounds`, `plugin:<name>`, `policy`, `scope`.
    pub check: String,
    /// Stable rule code (`typosquat/omitted-char`, `bounds/unrequired`).
    pub rule: String,
    /// `info` … `critical` (empty for failures).
    pub severity: String,
    /// `deny` or `warn` (empty for failures).
    pub action: String,
    /// A sentence for people.
    pub message: String,
    /// What happened.
    pub outcome: Outcome,
    /// The bound file, plugin or manifest the row comes from.
    pub source: String,
    /// The distribution's metadata path, when there is one.
    pub metadata_path: String,
}

/// A row of `fetter_startup`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StartupRow {
    /// Prefix of the environment whose interpreter runs the file.
    pub environment: String,
    /// `pth`, `sitecustomize` or `usercustomize`.
    pub kind: String,
    /// The file.
    pub path: String,
    /// `own`, `inherited`, `user` or `stdlib`.
    pub location: String,
    /// It runs code at start-up.
    pub executes: bool,
    /// A `.pth` file's executable lines, one per line.
    pub import_lines: String,
    /// Who installed it (`name version`, `fetter site-install`, `UNOWNED`).
    pub owner: String,
    /// It runs code and nothing owns it: a persistence vector.
    pub flagged: bool,
    /// Why the file could not be read, when it could not.
    pub error: String,
}
