//! `fetter audit`: installed distributions against OSV's known
//! vulnerabilities and malicious packages.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};

use super::{output, ScopeArgs};
use fetter::audit::{self, db, Database};
use fetter::diag::{self, CheckFailure, Severity, Sink};
use fetter::report::audit::{write_table, AuditReport, DatabaseInfo};
use fetter::report::sarif;

/// Arguments of `fetter audit`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct AuditArgs {
    #[command(subcommand)]
    db: Option<DbCommand>,
    /// OSV data to use: PyPI's `all.zip`, a directory of OSV JSON files, or a
    /// fetter database file (default: the local copy made by `audit db update`).
    #[arg(long, value_name = "PATH")]
    osv_db: Option<PathBuf>,
    /// Fail (exit 1) when the database is older than this (`7d`, `24h`, `90m`).
    #[arg(long, value_name = "DURATION", value_parser = db::parse_duration)]
    max_age: Option<std::time::Duration>,
    /// Exit 3 only for findings at or above this severity.
    #[arg(long, value_name = "SEVERITY", default_value = "info")]
    fail_on: Severity,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: AuditFormat,
    /// Write to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum DbCommand {
    /// Manage the local OSV database.
    #[command(subcommand)]
    Db(DbAction),
}

#[derive(Debug, Subcommand)]
enum DbAction {
    /// Import or refresh the local copy from PyPI's `all.zip` or a directory of OSV JSON.
    #[command(after_help = "Example:\n  fetter audit db update --from ~/Downloads/PyPI-all.zip")]
    Update {
        /// The zip OSV publishes for PyPI, or a directory of OSV JSON files.
        #[arg(long, value_name = "PATH")]
        from: PathBuf,
    },
    /// Show where the local copy is, how old it is and how many records it holds.
    Info,
}

/// Output formats of `fetter audit`.
#[derive(Debug, Clone, Copy, ValueEnum, Default)]
enum AuditFormat {
    /// Aligned text.
    #[default]
    Table,
    /// `fetter.audit/1` JSON.
    Json,
    /// SARIF 2.1.0.
    Sarif,
}

/// Run `fetter audit`.
pub fn run(scope: &ScopeArgs, args: &AuditArgs) -> anyhow::Result<ExitCode> {
    if let Some(DbCommand::Db(action)) = &args.db {
        return run_db(action);
    }
    let path = args.osv_db.clone().unwrap_or_else(db::local_path);
    let (database, failures) =
        match db::load(&path).and_then(|d| d.check_age(args.max_age).map(|_| d)) {
            Ok(d) => (d, Vec::new()),
            Err(e) => (
                Database::default(),
                vec![CheckFailure {
                    check: "audit".into(),
                    source: path.display().to_string(),
                    message: e.to_string(),
                }],
            ),
        };
    // No database, no scan: there is nothing to compare against.
    let vulns = if failures.is_empty() {
        audit::audit(&super::scan_scope(scope), &database)
    } else {
        Vec::new()
    };
    let sink = Sink::new();
    audit::check::to_diagnostics(&vulns, &sink);
    for f in failures {
        sink.fail(f);
    }
    let (diags, failures) = sink.finish();
    for f in &failures {
        eprintln!("error: audit could not run: {}", f.message);
    }
    let mut out = output::open(args.output.as_ref())?;
    let result = match args.format {
        AuditFormat::Table if !failures.is_empty() => writeln!(
            out,
            "AUDIT NOT DONE: the vulnerability database could not be used (see the error above)."
        ),
        AuditFormat::Table => write_table(&vulns, &mut out),
        AuditFormat::Json => {
            let report = AuditReport {
                schema: "fetter.audit/1",
                database: DatabaseInfo {
                    source: database.source.clone(),
                    records: database.records.len(),
                    age_seconds: database.age.map(|a| a.as_secs()),
                },
                vulnerabilities: &vulns,
                failures: &failures,
            };
            serde_json::to_writer_pretty(&mut out, &report)
                .map_err(std::io::Error::from)
                .and_then(|_| writeln!(out))
        }
        AuditFormat::Sarif => sarif::write(&diags, &failures, &mut out),
    }
    .and_then(|_| out.flush());
    output::finish(result, args.output.as_deref())?;
    Ok(ExitCode::from(
        diag::outcome(&diags, &failures, args.fail_on).exit_code(),
    ))
}

fn run_db(action: &DbAction) -> anyhow::Result<ExitCode> {
    match action {
        DbAction::Update { from } => {
            let database =
                db::load(from).with_context(|| format!("cannot import {}", from.display()))?;
            let n = database.records.len();
            let written = db::save_local(database.records, &from.display().to_string())
                .with_context(|| {
                    format!(
                        "cannot write the local copy under {}",
                        fetter::paths::data_dir().display()
                    )
                })?;
            println!(
                "imported {n} PyPI records from {} into {}",
                from.display(),
                written.display()
            );
        }
        DbAction::Info => {
            let path = db::local_path();
            let database = db::load(&path)?;
            println!("source   {}", database.source);
            println!("records  {}", database.records.len());
            println!(
                "age      {}",
                database
                    .age
                    .map(db::human_duration)
                    .unwrap_or_else(|| "unknown".into())
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
