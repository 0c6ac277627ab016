//! `fetter verify` for people (a table of what differs) and for tools
//! (JSON as [`crate::verify::VerifyReport`] serialises, SARIF through the
//! shared [`super::sarif`] writer).

use std::io::{self, Write};
use std::path::Path;

use super::display_path;
use super::render::{json_line, Render};
use super::table::Table;
use crate::diag::{Action, CheckFailure, CheckId, Diagnostic, DistRef, Severity};
use crate::inventory::Inventory;
use crate::verify::{DistStatus, DistVerification, ProblemKind, VerifyReport, VERIFY_SCHEMA};

/// A verification as `fetter verify` prints it: the report, and the
/// inventory it was made of (SARIF names each file's environment).
#[derive(Debug, Clone, Copy)]
pub struct VerifyRun<'a> {
    /// The `fetter.verify/1` document.
    pub report: &'a VerifyReport,
    /// What was scanned.
    pub inventory: &'a Inventory,
}

impl Render for VerifyRun<'_> {
    fn schema(&self) -> &'static str {
        VERIFY_SCHEMA
    }

    fn write_json(&self, out: &mut dyn Write) -> io::Result<()> {
        json_line(self.report, out)
    }

    fn write_table(&self, out: &mut dyn Write) -> io::Result<()> {
        write_table(self.report, out)
    }

    fn write_sarif(&self, out: &mut dyn Write) -> io::Result<()> {
        let (diags, failures) = diagnostics(self.report, self.inventory);
        super::sarif::write(&diags, &failures, out)
    }
}

/// What `fetter verify` reports, as diagnostic codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Code {
    /// A file of a distribution is not as its RECORD says (`verify/modified`, …).
    Problem(ProblemKind),
    /// A start-up file no RECORD lists (`verify/unowned-startup`).
    UnownedStartup,
}

impl Code {
    const ALL: [Code; 7] = [
        Code::Problem(ProblemKind::Modified),
        Code::Problem(ProblemKind::SizeChanged),
        Code::Problem(ProblemKind::Missing),
        Code::Problem(ProblemKind::NotRegular),
        Code::Problem(ProblemKind::Unlisted),
        Code::Problem(ProblemKind::Unreadable),
        Code::UnownedStartup,
    ];

    /// The stable text users grep for and SARIF shows.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Problem(ProblemKind::Modified) => "verify/modified",
            Code::Problem(ProblemKind::SizeChanged) => "verify/size-changed",
            Code::Problem(ProblemKind::Missing) => "verify/missing",
            Code::Problem(ProblemKind::NotRegular) => "verify/not-regular",
            Code::Problem(ProblemKind::Unlisted) => "verify/unlisted",
            Code::Problem(ProblemKind::Unreadable) => "verify/unreadable",
            Code::UnownedStartup => "verify/unowned-startup",
        }
    }

    /// The code whose text is `s`.
    pub fn from_text(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// One row per problem file, per distribution that could not be verified,
/// and per unowned start-up file; then a summary line.
pub fn write_table(r: &VerifyReport, out: &mut dyn Write) -> io::Result<()> {
    let mut t = Table::new(["Status", "Distribution", "Version", "File", "Detail"]);
    for d in &r.distributions {
        if let Some(reason) = &d.reason {
            t.row([
                d.status.label().to_string(),
                d.name.clone(),
                d.version.clone(),
                display_path(&d.metadata_path),
                reason.clone(),
            ]);
        }
        for p in &d.problems {
            let mut detail = match (&p.detail, p.expected_size, p.actual_size) {
                (Some(x), _, _) => x.clone(),
                (None, Some(e), Some(a)) if e != a => format!("{e} -> {a} bytes"),
                _ => String::new(),
            };
            // Where the expected digest came from, when not RECORD.
            if let Some(from) = d.verified_against.os_label() {
                if !detail.is_empty() {
                    detail.push_str("; ");
                }
                detail.push_str("per ");
                detail.push_str(from);
            }
            t.row([
                p.kind.label().to_string(),
                d.name.clone(),
                d.version.clone(),
                display_path(&p.path),
                detail,
            ]);
        }
    }
    for s in &r.unowned_startup {
        t.row([
            "unowned start-up".to_string(),
            String::new(),
            String::new(),
            display_path(&s.path),
            format!(
                "{} file that runs code; no RECORD lists it",
                s.kind.as_str()
            ),
        ]);
    }
    if !t.is_empty() {
        t.write(out)?;
        writeln!(out)?;
    }
    let s = &r.summary;
    let n = r.distributions.len();
    writeln!(
        out,
        "verified {n} distribution{} ({} file{}, {}): {} ok, {} modified, {} cannot verify, {} error{}",
        plural(n),
        s.files_checked,
        plural(s.files_checked),
        human_bytes(s.bytes_hashed),
        s.ok,
        s.modified,
        s.cannot_verify,
        s.errors,
        plural(s.errors),
    )
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn human_bytes(b: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut v = b as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{b} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// The report as diagnostics (one per problem file and unowned start-up
/// file) and check failures (what could not be verified and fails the
/// run), for SARIF.
pub fn diagnostics(r: &VerifyReport, inv: &Inventory) -> (Vec<Diagnostic>, Vec<CheckFailure>) {
    let mut diags = Vec::new();
    let mut failures = Vec::new();
    for d in &r.distributions {
        let env = environment_of(inv, &d.site);
        if d.fails && matches!(d.status, DistStatus::Error | DistStatus::CannotVerify) {
            failures.push(CheckFailure {
                check: CheckId::Verify,
                source: d.metadata_path.display().to_string(),
                message: format!(
                    "{} {}: {}",
                    d.name,
                    d.version,
                    d.reason.as_deref().unwrap_or("a file could not be read")
                ),
                environment: Some(env.clone()),
            });
        }
        for p in d.problems.iter().filter(|p| p.kind.is_modification()) {
            diags.push(Diagnostic {
                code: Code::Problem(p.kind).into(),
                check: CheckId::Verify,
                severity: if p.kind == ProblemKind::Missing {
                    Severity::Medium
                } else {
                    Severity::High
                },
                action: Action::Deny,
                environment: env.clone(),
                distribution: Some(dist_ref(d)),
                requirement: None,
                message: format!(
                    "{} {}: {} is {}",
                    d.name,
                    d.version,
                    p.path.display(),
                    p.kind.label()
                ),
                suggestion: Some(format!(
                    "reinstall {}=={} to restore the files it installed",
                    d.name, d.version
                )),
            });
        }
    }
    for s in &r.unowned_startup {
        diags.push(Diagnostic {
            code: Code::UnownedStartup.into(),
            check: CheckId::Verify,
            severity: Severity::High,
            action: Action::Deny,
            environment: s.environment.clone(),
            distribution: None,
            requirement: None,
            message: format!(
                "{} runs code at interpreter start-up and no RECORD lists it",
                s.path.display()
            ),
            suggestion: Some("`fetter inspect` shows what it runs".into()),
        });
    }
    (diags, failures)
}

fn dist_ref(d: &DistVerification) -> DistRef {
    DistRef {
        name: d.name.clone(),
        version: d.version.clone(),
        site: d.site.clone(),
        metadata_path: d.metadata_path.clone(),
        // Verify findings are reported, never purged: no route needs the id.
        id: None,
    }
}

/// The first environment using `site` (its own site first), or the site.
fn environment_of(inv: &Inventory, site: &Path) -> std::path::PathBuf {
    inv.environments_with_site(site)
        .first()
        .map(|&i| inv.env(i).prefix.clone())
        .unwrap_or_else(|| site.to_path_buf())
}
