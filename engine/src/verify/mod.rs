//! `fetter verify`: every installed file checked against the hash and size
//! its distribution's RECORD wrote — `debsums`/`rpm -V` for Python.
//!
//! Three questions per site: is each recorded file still what was
//! installed ([`files`]), did something drop files into a distribution's
//! own package directories that no RECORD lists ([`unlisted`]), and does a
//! start-up file (`.pth`, `sitecustomize`) run that nothing installed
//! (from [`crate::startup`]). A distribution without RECORD is reported as
//! one that cannot be verified, never as clean.

mod files;
mod os;
mod unlisted;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::inventory::{Distribution, Inventory, MetadataKind};
use crate::osowner::OsPackage;
use crate::startup;

/// Schema tag of `fetter verify --format json`.
pub const VERIFY_SCHEMA: &str = "fetter.verify/1";

/// What to verify.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// Only distributions whose normalised name this accepts (all if `None`).
    pub only: Option<crate::names::NamePattern>,
    /// Report distributions without RECORD outside OS-managed sites as
    /// cannot-verify without failing the run.
    pub allow_unverifiable: bool,
}

/// The result of a verification run.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    /// Always [`VERIFY_SCHEMA`].
    pub schema: &'static str,
    /// One entry per distribution in scope, sorted by site, then name.
    pub distributions: Vec<DistVerification>,
    /// Start-up files that run code and that no RECORD lists.
    pub unowned_startup: Vec<UnownedStartup>,
    /// Totals.
    pub summary: Summary,
}

/// How one distribution fared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DistStatus {
    /// Every hashed file matches; nothing unlisted in its directories.
    Ok,
    /// A file was modified, resized or removed, or one was dropped in.
    Modified,
    /// No RECORD to verify against (an `.egg-info`, an OS package).
    CannotVerify,
    /// RECORD or a file could not be read: the verification did not run.
    Error,
}

impl DistStatus {
    /// The label used in tables.
    pub fn label(self) -> &'static str {
        match self {
            DistStatus::Ok => "ok",
            DistStatus::Modified => "MODIFIED",
            DistStatus::CannotVerify => "cannot verify",
            DistStatus::Error => "ERROR",
        }
    }
}

/// One distribution's verification.
#[derive(Debug, Clone, Serialize)]
pub struct DistVerification {
    /// The name as the metadata spells it.
    pub name: String,
    /// The PEP 503 normalised name.
    pub normalized_name: String,
    /// The installed version.
    pub version: String,
    /// The site holding it.
    #[serde(with = "crate::pathjson")]
    pub site: PathBuf,
    /// Its metadata directory.
    #[serde(with = "crate::pathjson")]
    pub metadata_path: PathBuf,
    /// What the files were compared with.
    pub verified_against: VerifiedAgainst,
    /// The OS package that installed it, for a distribution in an
    /// OS-managed site.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os_package: Option<OsPackage>,
    /// The outcome.
    pub status: DistStatus,
    /// Whether this status fails the run (a cannot-verify in an OS-managed
    /// site does not: the OS package manager verifies those).
    pub fails: bool,
    /// RECORD entries whose hash was compared.
    pub files_checked: usize,
    /// RECORD entries without a hash (RECORD itself, byte-code pip
    /// compiled at install), which pip does not check either.
    pub files_unhashed: usize,
    /// What differs.
    pub problems: Vec<FileProblem>,
    /// Why it could not be verified, when it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// What a distribution's files were compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum VerifiedAgainst {
    /// The hashes and sizes of its RECORD.
    Record,
    /// The `md5sums` of the dpkg package that installed it (in an
    /// OS-managed site, where Debian's build strips binaries after RECORD
    /// was written, the OS package's hashes are the ones that hold).
    DpkgMd5sums,
    /// The file digests (`FILEDIGESTS`) of the rpm package that installed
    /// it, from rpm's database (Fedora's packaging removes RECORD, and
    /// byte-compiles after it was written).
    RpmFileDigests,
    /// Nothing: see the reason.
    Nothing,
}

impl VerifiedAgainst {
    /// The OS package database the digests came from (`dpkg md5sums`,
    /// `rpm file digests`), `None` for RECORD or nothing.
    pub fn os_label(self) -> Option<&'static str> {
        match self {
            VerifiedAgainst::DpkgMd5sums => Some("dpkg md5sums"),
            VerifiedAgainst::RpmFileDigests => Some("rpm file digests"),
            VerifiedAgainst::Record | VerifiedAgainst::Nothing => None,
        }
    }
}

/// What is wrong with one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProblemKind {
    /// Same size (or none recorded), different content.
    Modified,
    /// A different size than recorded (so different content).
    SizeChanged,
    /// Listed in RECORD, gone from disk.
    Missing,
    /// Replaced by something that is not a regular file (a link, a FIFO).
    NotRegular,
    /// In the distribution's package directory, listed by no RECORD.
    Unlisted,
    /// Could not be read (permissions, I/O) or its RECORD row is unusable.
    Unreadable,
}

impl ProblemKind {
    /// The label used in tables.
    pub fn label(self) -> &'static str {
        match self {
            ProblemKind::Modified => "modified",
            ProblemKind::SizeChanged => "size changed",
            ProblemKind::Missing => "missing",
            ProblemKind::NotRegular => "not a regular file",
            ProblemKind::Unlisted => "unlisted",
            ProblemKind::Unreadable => "unreadable",
        }
    }

    /// Whether this is a finding about the files (exit 3) rather than a
    /// verification that could not run (exit 1).
    pub fn is_modification(self) -> bool {
        !matches!(self, ProblemKind::Unreadable)
    }
}

/// One file's problem.
#[derive(Debug, Clone, Serialize)]
pub struct FileProblem {
    /// What is wrong.
    pub kind: ProblemKind,
    /// The file.
    #[serde(with = "crate::pathjson")]
    pub path: PathBuf,
    /// The path as RECORD writes it (absent for unlisted files).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recorded: Option<String>,
    /// The hash RECORD gives.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_hash: Option<String>,
    /// The hash of the file on disk.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual_hash: Option<String>,
    /// The size RECORD gives.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_size: Option<u64>,
    /// The size on disk.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual_size: Option<u64>,
    /// More about it (the I/O error, the file type).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// A start-up file that runs code and that no RECORD lists.
#[derive(Debug, Clone, Serialize)]
pub struct UnownedStartup {
    /// The environment whose start-up runs it.
    #[serde(with = "crate::pathjson")]
    pub environment: PathBuf,
    /// The file.
    #[serde(with = "crate::pathjson")]
    pub path: PathBuf,
    /// `pth`, `sitecustomize` or `usercustomize`.
    pub kind: startup::StartupKind,
}

/// Totals of a run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Distributions verified clean.
    pub ok: usize,
    /// Distributions with modified, missing or dropped-in files.
    pub modified: usize,
    /// Distributions without RECORD.
    pub cannot_verify: usize,
    /// Distributions whose verification failed to run.
    pub errors: usize,
    /// Files hashed.
    pub files_checked: usize,
    /// Bytes hashed.
    pub bytes_hashed: u64,
}

impl VerifyReport {
    /// Exit code: 1 when a verification could not run (fail closed), else
    /// 3 when anything was modified, else 0.
    pub fn exit_code(&self) -> u8 {
        let failed = self
            .distributions
            .iter()
            .any(|d| d.fails && matches!(d.status, DistStatus::Error | DistStatus::CannotVerify));
        if failed {
            1
        } else if self.summary.modified > 0 || !self.unowned_startup.is_empty() {
            3
        } else {
            0
        }
    }
}

/// Verify every distribution of `inv` that `opts` selects.
pub fn verify(inv: &Inventory, opts: &VerifyOptions) -> VerifyReport {
    let selected: Vec<&Distribution> = inv
        .distributions
        .iter()
        .filter(|d| opts.only.as_ref().is_none_or(|p| p.is_match(&d.name)))
        .collect();
    let os_managed: HashMap<&Path, bool> = inv
        .sites
        .iter()
        .map(|s| (s.path.as_path(), s.externally_managed))
        .collect();
    let dbs = os::Databases::load(&selected, &os_managed);
    let mut sources = Vec::new();
    let mut owners: Vec<(Option<OsPackage>, Option<String>)> = Vec::new();
    for d in &selected {
        let (source, owner, err) = dbs.source_of(d, &os_managed);
        sources.push(source);
        owners.push((owner, err));
    }
    let checked = files::check_all(&sources);
    let listed_by_os = |p: &Path| dbs.lists(p);
    let dropped = unlisted::find(inv, &selected, &listed_by_os);
    let mut summary = Summary::default();
    let mut distributions: Vec<DistVerification> = selected
        .iter()
        .zip(checked)
        .zip(sources.iter().zip(owners))
        .map(|((d, mut c), (source, (os_package, db_error)))| {
            let verified_against = match source {
                _ if c.reason.is_some() => VerifiedAgainst::Nothing,
                files::Source::Md5sums(_) => VerifiedAgainst::DpkgMd5sums,
                files::Source::Rpm(..) => VerifiedAgainst::RpmFileDigests,
                files::Source::Record(_) => VerifiedAgainst::Record,
            };
            let db_failed = db_error.is_some();
            if let Some(e) = db_error {
                c.problems.push(FileProblem {
                    kind: ProblemKind::Unreadable,
                    path: d.metadata_path.clone(),
                    recorded: None,
                    expected_hash: None,
                    actual_hash: None,
                    expected_size: None,
                    actual_size: None,
                    detail: Some(e),
                });
            }
            if let Some(extra) = dropped.get(&d.metadata_path) {
                c.problems.extend(extra.iter().cloned());
            }
            let in_os_site = os_managed.get(d.site.as_path()).copied().unwrap_or(false);
            let status = match source {
                // The OS database that should have said what to expect
                // could not be read: never "cannot verify", never clean.
                _ if db_failed => DistStatus::Error,
                files::Source::Record(_) => status_of(d, &c),
                _ if c.reason.is_some() => DistStatus::CannotVerify,
                _ => status_of_files(&c),
            };
            let fails = match status {
                DistStatus::CannotVerify => !in_os_site && !opts.allow_unverifiable,
                DistStatus::Ok => false,
                DistStatus::Modified | DistStatus::Error => true,
            };
            let reason = c.reason.clone().map(|r| {
                if status == DistStatus::CannotVerify && in_os_site {
                    format!("{r} (an OS-managed site: the OS package manager verifies it, e.g. debsums or rpm -V)")
                } else {
                    r
                }
            });
            summary.files_checked += c.checked;
            summary.bytes_hashed += c.bytes;
            match status {
                DistStatus::Ok => summary.ok += 1,
                DistStatus::Modified => summary.modified += 1,
                DistStatus::CannotVerify => summary.cannot_verify += 1,
                DistStatus::Error => summary.errors += 1,
            }
            c.problems.sort_by(|a, b| (a.kind, &a.path).cmp(&(b.kind, &b.path)));
            DistVerification {
                name: d.name.clone(),
                normalized_name: d.normalized_name.to_string(),
                version: d.version.clone(),
                site: d.site.clone(),
                metadata_path: d.metadata_path.clone(),
                verified_against,
                os_package,
                status,
                fails,
                files_checked: c.checked,
                files_unhashed: c.unhashed,
                problems: c.problems,
                reason,
            }
        })
        .collect();
    distributions.sort_by(|a, b| {
        (&a.site, &a.normalized_name, &a.version).cmp(&(&b.site, &b.normalized_name, &b.version))
    });
    let unowned_startup = if opts.only.is_some() {
        Vec::new()
    } else {
        unowned_startup(inv)
    };
    VerifyReport {
        schema: VERIFY_SCHEMA,
        distributions,
        unowned_startup,
        summary,
    }
}

fn status_of(d: &Distribution, c: &files::Checked) -> DistStatus {
    if c.reason.is_some() {
        // No RECORD at all is "cannot verify"; one that exists but cannot
        // be read is an error.
        return if c.record_missing || d.metadata_kind != MetadataKind::DistInfo {
            DistStatus::CannotVerify
        } else {
            DistStatus::Error
        };
    }
    // A file that could not be read means the verification did not run
    // in full: that fails closed before any modification found beside it.
    status_of_files(c)
}

fn status_of_files(c: &files::Checked) -> DistStatus {
    if c.problems.iter().any(|p| !p.kind.is_modification()) {
        DistStatus::Error
    } else if !c.problems.is_empty() {
        DistStatus::Modified
    } else {
        DistStatus::Ok
    }
}

/// Start-up files of every environment that execute code and that no
/// RECORD (nor fetter's own site hook) owns, once per file.
fn unowned_startup(inv: &Inventory) -> Vec<UnownedStartup> {
    let report = startup::inspect(inv);
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for env in report.environments {
        for f in env.startup_files {
            if f.flagged && seen.insert(f.path.clone()) {
                out.push(UnownedStartup {
                    environment: env.prefix.clone(),
                    path: f.path,
                    kind: f.kind,
                });
            }
        }
    }
    out
}
