//! Rendering audit results.

use std::io::{self, Write};

use serde::Serialize;

use crate::audit::Vulnerability;
use crate::diag::{CheckFailure, CheckId, Diagnostic};
use crate::report::display_path;
use crate::report::render::{json_line, Render};
use crate::report::table::Table;

/// Schema tag of `fetter audit --format json`.
pub const AUDIT_SCHEMA: &str = "fetter.audit/1";

/// The audit JSON document (`fetter.audit/1`); its table and SARIF forms.
#[derive(Debug, Serialize)]
pub struct AuditReport<'a> {
    /// Always [`AUDIT_SCHEMA`].
    pub schema: &'static str,
    /// Where the data came from.
    pub database: DatabaseInfo,
    /// One entry per vulnerability per installed distribution.
    pub vulnerabilities: &'a [Vulnerability],
    /// Checks that could not run; non-empty means the audit failed.
    pub failures: &'a [CheckFailure],
    /// The vulnerabilities as diagnostics (what SARIF lists; not in the JSON).
    #[serde(skip)]
    pub diagnostics: &'a [Diagnostic],
}

impl Render for AuditReport<'_> {
    fn schema(&self) -> &'static str {
        AUDIT_SCHEMA
    }

    fn write_json(&self, out: &mut dyn Write) -> io::Result<()> {
        json_line(self, out)
    }

    /// The vulnerabilities ([`write_table`]), or, when the audit could not
    /// run, one line saying so (the errors are on stderr).
    fn write_table(&self, out: &mut dyn Write) -> io::Result<()> {
        if self.failures.is_empty() {
            return write_table(self.vulnerabilities, out);
        }
        writeln!(
            out,
            "AUDIT NOT DONE: {} (see the error above).",
            if self.failures.iter().all(|f| f.check == CheckId::Scope) {
                "a named scope leads to no Python environment"
            } else {
                "the vulnerability database could not be used"
            }
        )
    }

    fn write_sarif(&self, out: &mut dyn Write) -> io::Result<()> {
        super::sarif::write(self.diagnostics, self.failures, out)
    }
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
