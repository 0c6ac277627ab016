//! Rendering audit results.

use std::io::{self, Write};

use serde::Serialize;

use crate::audit::Vulnerability;
use crate::diag::CheckFailure;
use crate::report::display_path;
use crate::report::table::Table;

/// The audit JSON document (`fetter.audit/1`).
#[derive(Debug, Serialize)]
pub struct AuditReport<'a> {
    /// Always `fetter.audit/1`.
    pub schema: &'static str,
    /// Where the data came from.
    pub database: DatabaseInfo,
    /// One entry per vulnerability per installed distribution.
    pub vulnerabilities: &'a [Vulnerability],
    /// Checks that could not run; non-empty means the audit failed.
    pub failures: &'a [CheckFailure],
}

/// Provenance of the vulnerability data.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DatabaseInfo {
    /// Path, URL or description.
    pub source: String,
    /// Records loaded (PyPI only).
    pub records: usize,
    /// Age in seconds, when known.
    pub age_seconds: Option<u64>,
}

impl DatabaseInfo {
    /// Where `db` came from, its size and age.
    pub fn of(db: &crate::audit::Database) -> Self {
        DatabaseInfo {
            source: db.source.clone(),
            records: db.records.len(),
            age_seconds: db.age.map(|a| a.as_secs()),
        }
    }
}

/// A table: package, version, id, severity, fixed in, site.
pub fn write_table(vulns: &[Vulnerability], out: &mut dyn Write) -> io::Result<()> {
    if vulns.is_empty() {
        return writeln!(out, "No known vulnerabilities.");
    }
    let mut t = Table::new([
        "Package",
        "Version",
        "Vulnerability",
        "Severity",
        "Fixed in",
        "Site",
    ]);
    for v in vulns {
        let mut id = v.id.clone();
        if v.malicious {
            id.push_str(" (MALWARE)");
        }
        let mut fixed = v.fixed.join(", ");
        if let (Some(p), Some(a)) = (&v.os_package, &v.os_advisory) {
            if !a.affected {
                id.push_str(&format!(" (fixed in {} {})", a.ecosystem, p.name));
            }
            fixed = a
                .fixed
                .iter()
                .map(|f| format!("{f} ({})", a.ecosystem))
                .collect::<Vec<_>>()
                .join(", ");
        } else if let Some(p) = &v.os_package {
            id.push_str(&format!(" (OS package {})", p.name));
        }
        t.row([
            v.distribution.name.clone(),
            v.distribution.version.clone(),
            id,
            match v.score {
                Some(s) => format!("{} ({s:.1})", v.severity.as_str()),
                None => v.severity.as_str().to_string(),
            },
            fixed,
            display_path(&v.distribution.site),
        ]);
    }
    t.write(out)?;
    writeln!(out, "\n{} vulnerabilities", vulns.len())
}
