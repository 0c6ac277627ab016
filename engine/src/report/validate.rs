//! The validation report: every check's diagnostics and failures, grouped
//! by environment, as a table for people or the versioned JSON document
//! [`VALIDATE_SCHEMA`] for tools.
//!
//! Built only from [`crate::diag`] types, so any check (bounds, plugins,
//! audit) that reports through the shared sink appears here unchanged.
//! Fields are only ever added; a change in meaning is a new schema version.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::PathBuf;

use serde::Serialize;

use crate::diag::{outcome, Action, CheckFailure, Diagnostic, Outcome, Severity};
use crate::escape::escape;
use crate::inventory::{Inventory, SiteRef};
use crate::pipeline::Verdicts;
use crate::report::display_path;
use crate::report::render::Render;
use crate::report::table::Table;

/// Schema tag of the validation report.
pub const VALIDATE_SCHEMA: &str = "fetter.validate/1";

pub use crate::pipeline::Input;

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct ValidateReport {
    /// Always [`VALIDATE_SCHEMA`].
    pub schema: &'static str,
    /// `pass`, `violations` or `error`.
    pub outcome: &'static str,
    /// The process exit code the outcome maps to (0, 3 or 1).
    pub exit_code: u8,
    /// Lowest severity of a deny diagnostic that fails the run.
    pub fail_on: Severity,
    /// What the checks ran against.
    pub inputs: Vec<Input>,
    /// Counts.
    pub summary: Summary,
    /// One entry per environment in scope, sorted by prefix.
    pub environments: Vec<EnvironmentReport>,
    /// Checks that could not run: any makes the outcome `error`.
    pub failures: Vec<CheckFailure>,
    /// The OSV data the audit used (`validate --audit`), when it could be loaded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audit_database: Option<crate::report::audit::DatabaseInfo>,
}

/// Counts over the report.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Environments in scope.
    pub environments: usize,
    /// Environments with at least one deny diagnostic.
    pub environments_failing: usize,
    /// Environments without a deny on which a check could not run.
    pub environments_not_checked: usize,
    /// Deny diagnostics.
    pub denied: usize,
    /// Warn diagnostics.
    pub warned: usize,
    /// Diagnostics by code.
    pub by_code: BTreeMap<String, usize>,
    /// Checks that could not run.
    pub failures: usize,
}

/// The diagnostics of one environment.
#[derive(Debug, Clone, Serialize)]
pub struct EnvironmentReport {
    /// The environment's prefix.
    #[serde(with = "crate::pathjson")]
    pub prefix: PathBuf,
    /// `venv`, `system`, … (absent for a prefix not in the inventory).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Python version, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub python_version: Option<String>,
    /// Its sites, in `sys.path` order.
    pub sites: Vec<SiteRef>,
    /// True only when every check ran on it and none denied anything
    /// (`status` is `pass`).
    pub ok: bool,
    /// `pass`, `fail` (a deny at or above `fail_on`) or `not-checked` (no
    /// deny, but a check could not run on it: never a pass).
    pub status: EnvStatus,
    /// Its diagnostics, sorted by package then code.
    pub diagnostics: Vec<Diagnostic>,
}

/// The verdict on one environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EnvStatus {
    /// Every check ran and none denied anything.
    Pass,
    /// A deny at or above the threshold.
    Fail,
    /// Nothing denied, but a check could not run on it (a bound that cannot
    /// be read, a plugin that failed, markers that cannot be evaluated).
    NotChecked,
}

impl EnvStatus {
    /// The verdict as the table shows it.
    pub fn label(self) -> &'static str {
        match self {
            EnvStatus::Pass => "ok",
            EnvStatus::Fail => "FAIL",
            EnvStatus::NotChecked => "not checked",
        }
    }
}

fn outcome_name(o: Outcome) -> &'static str {
    match o {
        Outcome::Pass => "pass",
        Outcome::Violations => "violations",
        Outcome::Error => "error",
    }
}

/// Build the report of a run over `inv`.
pub fn build(
    inv: &Inventory,
    inputs: Vec<Input>,
    diags: Vec<Diagnostic>,
    failures: Vec<CheckFailure>,
    fail_on: Severity,
) -> ValidateReport {
    let result = outcome(&diags, &failures, fail_on);
    let mut summary = Summary {
        environments: inv.environments.len(),
        failures: failures.len(),
        ..Default::default()
    };
    let mut by_env: BTreeMap<PathBuf, Vec<Diagnostic>> = BTreeMap::new();
    for d in diags {
        match d.action {
            Action::Deny => summary.denied += 1,
            Action::Warn => summary.warned += 1,
        }
        *summary.by_code.entry(d.code.to_string()).or_default() += 1;
        by_env.entry(d.environment.clone()).or_default().push(d);
    }
    let mut environments: Vec<EnvironmentReport> = inv
        .environments
        .iter()
        .map(|e| EnvironmentReport {
            prefix: e.prefix.clone(),
            kind: Some(e.kind.as_str().to_string()),
            python_version: e.python_version.clone(),
            sites: e.sites.clone(),
            ok: false,
            status: EnvStatus::NotChecked,
            diagnostics: by_env.remove(&e.prefix).unwrap_or_default(),
        })
        .collect();
    // Diagnostics about prefixes the inventory does not list (never expected).
    environments.extend(
        by_env
            .into_iter()
            .map(|(prefix, diagnostics)| EnvironmentReport {
                prefix,
                kind: None,
                python_version: None,
                sites: Vec::new(),
                ok: false,
                status: EnvStatus::NotChecked,
                diagnostics,
            }),
    );
    for e in &mut environments {
        let denied = e
            .diagnostics
            .iter()
            .any(|d| d.action == Action::Deny && d.severity >= fail_on);
        // A failure without an environment stopped a check everywhere.
        let unchecked = failures
            .iter()
            .any(|f| f.environment.as_ref().is_none_or(|p| *p == e.prefix));
        e.status = if denied {
            EnvStatus::Fail
        } else if unchecked {
            EnvStatus::NotChecked
        } else {
            EnvStatus::Pass
        };
        e.ok = e.status == EnvStatus::Pass;
        summary.environments_failing += usize::from(e.status == EnvStatus::Fail);
        summary.environments_not_checked += usize::from(e.status == EnvStatus::NotChecked);
    }
    environments.sort_by(|a, b| a.prefix.cmp(&b.prefix));
    ValidateReport {
        schema: VALIDATE_SCHEMA,
        outcome: outcome_name(result),
        exit_code: result.exit_code(),
        fail_on,
        inputs,
        summary,
        environments,
        failures,
        audit_database: None,
    }
}

/// Write the JSON document.
pub fn write_json(report: &ValidateReport, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    writeln!(out)
}

/// Write the report for people: per environment its sites and a table of
/// diagnostics, then failures, then a one-line verdict.
pub fn write_table(report: &ValidateReport, out: &mut dyn Write) -> io::Result<()> {
    for env in &report.environments {
        let about = match (&env.kind, &env.python_version) {
            (Some(k), Some(v)) => format!(" ({k}, Python {v})"),
            (Some(k), None) => format!(" ({k})"),
            _ => String::new(),
        };
        writeln!(
            out,
            "{}  {}{about}",
            env.status.label(),
            display_path(&env.prefix)
        )?;
        for s in &env.sites {
            writeln!(out, "      site {}", display_path(&s.path))?;
        }
        if !env.diagnostics.is_empty() {
            let mut t = Table::new([
                "Action", "Severity", "Code", "Package", "Version", "Message",
            ]);
            for d in &env.diagnostics {
                let (name, version) = match &d.distribution {
                    Some(x) => (x.name.clone(), x.version.clone()),
                    None => (d.requirement.clone().unwrap_or_default(), String::new()),
                };
                let action = match d.action {
                    Action::Deny => "deny",
                    Action::Warn => "warn",
                };
                // The suggestion is often the fix ("did you mean `requests`?"):
                // people should not need --format json to see it.
                let message = match &d.suggestion {
                    Some(s) => format!("{}; {s}", d.message),
                    None => d.message.clone(),
                };
                t.row([
                    action.to_string(),
                    d.severity.as_str().to_string(),
                    d.code.to_string(),
                    name,
                    version,
                    message,
                ]);
            }
            t.write(out)?;
        }
        writeln!(out)?;
    }
    for f in &report.failures {
        writeln!(
            out,
            "error  {}: {}: {}",
            escape(&f.check.to_string()),
            escape(&f.source),
            escape(&f.message)
        )?;
    }
    let codes: Vec<String> = report
        .summary
        .by_code
        .iter()
        .map(|(c, n)| format!("{n} {c}"))
        .collect();
    writeln!(
        out,
        "{}: {} environment(s), {} failing{}; {} denied{}; {} check failure(s) (exit {})",
        report.outcome,
        report.summary.environments,
        report.summary.environments_failing,
        match report.summary.environments_not_checked {
            0 => String::new(),
            n => format!(", {n} not checked"),
        },
        report.summary.denied,
        if codes.is_empty() {
            String::new()
        } else {
            format!(" ({})", codes.join(", "))
        },
        report.summary.failures,
        report.exit_code
    )
}

/// A validation as `fetter validate` prints it: the report, and the
/// verdicts it was built from (SARIF is written from their diagnostics, as
/// for `fetter audit`).
#[derive(Debug, Clone, Copy)]
pub struct ValidateRun<'a> {
    /// The `fetter.validate/1` document.
    pub report: &'a ValidateReport,
    /// What the checks decided.
    pub verdicts: &'a Verdicts,
}

impl Render for ValidateRun<'_> {
    fn schema(&self) -> &'static str {
        VALIDATE_SCHEMA
    }

    fn write_json(&self, out: &mut dyn Write) -> io::Result<()> {
        write_json(self.report, out)
    }

    fn write_table(&self, out: &mut dyn Write) -> io::Result<()> {
        write_table(self.report, out)
    }

    fn write_sarif(&self, out: &mut dyn Write) -> io::Result<()> {
        super::sarif::write(&self.verdicts.diagnostics, &self.verdicts.failures, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{Environment, EnvironmentKind};

    #[test]
    fn failures_make_an_error_whatever_the_diagnostics() {
        let inv = Inventory {
            environments: vec![Environment {
                prefix: "/e".into(),
                kind: EnvironmentKind::Venv,
                python_version: Some("3.11".into()),
                interpreters: vec![],
                sites: vec![],
                externally_managed: false,
                base_prefix: None,
                base_missing: false,
            }],
            ..Default::default()
        };
        let f = CheckFailure {
            check: crate::diag::CheckId::Bounds,
            source: "r.txt:3".into(),
            message: "bad".into(),
            environment: None,
        };
        let r = build(&inv, vec![], vec![], vec![f], Severity::Info);
        assert_eq!((r.outcome, r.exit_code), ("error", 1));
        let mut out = Vec::new();
        write_table(&r, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("error  bounds: r.txt:3: bad"), "{text}");
        // The check did not run on /e: it is not "ok".
        assert!(text.starts_with("not checked  /e"), "{text}");
        assert_eq!(
            (r.environments[0].ok, r.environments[0].status),
            (false, EnvStatus::NotChecked)
        );
        let r = build(&inv, vec![], vec![], vec![], Severity::Info);
        assert_eq!(
            (r.outcome, r.exit_code, r.environments[0].ok),
            ("pass", 0, true)
        );
    }
}
