//! `fetter audit`: installed distributions against OSV's known
//! vulnerabilities and malicious packages.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};

use super::{output, ScopeArgs};
use fetter::audit::{db, AuditCheck, AuditConfig, Database};
use fetter::diag::{CheckId, Severity};
use fetter::pipeline::Pipeline;
use fetter::report::audit::{AuditReport, DatabaseInfo, AUDIT_SCHEMA};

/// Arguments of `fetter audit`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct AuditArgs {
    #[command(subcommand)]
    db: Option<DbCommand>,
    /// OSV data to use: PyPI's `all.zip`, a directory of OSV JSON files, or a
    /// fetter database file (default: the local copy made by `audit db update`).
    #[arg(long, value_name = "PATH", conflicts_with = "online")]
    osv_db: Option<PathBuf>,
    /// Ask the OSV API instead of a local database (needs network).
    #[arg(long)]
    online: bool,
    /// Base URL of the OSV API for --online (or `$FETTER_OSV_URL`).
    #[arg(long, value_name = "URL", env = "FETTER_OSV_URL", default_value = fetter::audit::online::DEFAULT_URL, requires = "online")]
    osv_url: String,
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
    #[command(
        subcommand,
        after_help = "Examples:\n  fetter audit db update --from PyPI-all.zip\n  fetter audit db info"
    )]
    Db(DbAction),
}

#[derive(Debug, Subcommand)]
enum DbAction {
    /// Import or refresh the local copy from PyPI's `all.zip` or a directory of OSV JSON.
    #[command(
        after_help = "Examples:\n  fetter audit db update --from ~/Downloads/PyPI-all.zip\n  fetter audit db update --from PyPI-all.zip --from Debian-all.zip"
    )]
    Update {
        /// The zip OSV publishes for PyPI (a path or an http(s):// URL), or a
        /// directory of OSV JSON files. Repeatable: add Debian's `all.zip`
        /// so distributions Debian packages own are matched with Debian's
        /// advisories too.
        #[arg(long, value_name = "PATH|URL", required = true)]
        from: Vec<String>,
    },
    /// Show where the local copy is, how old it is and how many records it holds.
    #[command(after_help = "Example:\n  fetter audit db info")]
    Info,
}

/// `fetter validate --audit` and where its OSV data comes from (as for
/// `fetter audit`).
#[derive(Debug, Args, Clone)]
pub struct ValidateAuditArgs {
    /// Also check installed distributions against OSV's known
    /// vulnerabilities and malicious packages, in the same report.
    #[arg(long)]
    pub audit: bool,
    /// With --audit: the OSV data (PyPI's `all.zip`, a directory of OSV
    /// JSON, or a fetter database; default: the local copy).
    #[arg(
        long,
        value_name = "PATH",
        requires = "audit",
        conflicts_with = "online"
    )]
    osv_db: Option<PathBuf>,
    /// With --audit: ask the OSV API instead of a local database (needs network).
    #[arg(long, requires = "audit")]
    online: bool,
    /// Base URL of the OSV API for --online (or `$FETTER_OSV_URL`).
    // Not `requires = "online"`: the variable set for `fetter audit` must
    // not make every `fetter validate` a usage error.
    #[arg(long, value_name = "URL", env = "FETTER_OSV_URL", default_value = fetter::audit::online::DEFAULT_URL)]
    osv_url: String,
}

impl ValidateAuditArgs {
    /// The audit check these arguments ask for, if any; a local database
    /// older than `max_age` (validate's `--max-age`) fails it.
    pub fn check(&self, max_age: Option<std::time::Duration>) -> Option<AuditCheck> {
        self.audit.then(|| {
            AuditCheck::new(match self.online {
                true => AuditConfig::online(&self.osv_url),
                false => AuditConfig::local_or_default(self.osv_db.clone(), max_age),
            })
        })
    }
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
output::format_values!(AuditFormat { Table, Json, Sarif });

/// Run `fetter audit`.
pub fn run(scope: &ScopeArgs, args: &AuditArgs) -> anyhow::Result<ExitCode> {
    if let Some(DbCommand::Db(action)) = &args.db {
        if !scope.exes.is_empty() || !scope.roots.is_empty() || scope.all_users {
            // `audit db` reads no inventory: a scope given to it would be ignored.
            eprintln!("error: --exe, --root and --all-users do not apply to `fetter audit db`");
            return Ok(ExitCode::from(super::EXIT_USAGE));
        }
        return run_db(action);
    }
    let cfg = match args.online {
        true => AuditConfig::online(&args.osv_url),
        false => AuditConfig::local_or_default(args.osv_db.clone(), args.max_age),
    };
    let check = AuditCheck::new(cfg);
    // No database, no scan: there is nothing to compare against. (Online
    // needs the inventory first: it is what is asked about.)
    let scanned = match check.preload() {
        true => super::scan_named(scope),
        false => fetter::scan::Scanned::default(),
    };
    let verdicts = Pipeline::over_scope(args.fail_on).run(&scanned, &[&check]);
    let (diags, failures) = (&verdicts.diagnostics, &verdicts.failures);
    let vulns = check.vulnerabilities();
    for f in failures {
        let message = fetter::escape::escape(&f.message);
        if f.check == CheckId::Scope {
            let source = fetter::escape::escape(&f.source);
            eprintln!("error: audit could not run: {source}: {message}");
        } else {
            eprintln!("error: audit could not run: {message}");
        }
    }
    let report = AuditReport {
        schema: AUDIT_SCHEMA,
        database: check.database().map(DatabaseInfo::of).unwrap_or_default(),
        vulnerabilities: vulns,
        failures,
        diagnostics: diags,
    };
    output::print(&report, args.format, args.output.as_ref())?;
    Ok(ExitCode::from(verdicts.exit_code()))
}

/// Download OSV's zip to a temporary file beside the local copy and load it.
fn download(url: &str) -> anyhow::Result<Database> {
    let bytes = fetter::http::get(url, 4 << 30).map_err(|e| anyhow::anyhow!("{url}: {e}"))?;
    let dir = fetter::paths::data_dir().join("osv");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let tmp = dir.join(format!(".download.{}.zip", std::process::id()));
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    let loaded = db::load(&tmp).with_context(|| format!("cannot import {url}"));
    let _ = std::fs::remove_file(&tmp);
    loaded
}

fn run_db(action: &DbAction) -> anyhow::Result<ExitCode> {
    match action {
        DbAction::Update { from } => {
            let mut records = Vec::new();
            for f in from {
                let database = if f.starts_with("http://") || f.starts_with("https://") {
                    download(f)?
                } else {
                    db::load(std::path::Path::new(f))
                        .with_context(|| format!("cannot import {f}"))?
                };
                records.extend(database.records);
            }
            let n = records.len();
            // Refresh advice repeats every source: `--from A --from B`.
            let source = from.join(" --from ");
            let written = db::save_local(records, &source).with_context(|| {
                format!(
                    "cannot write the local copy under {}",
                    fetter::paths::data_dir().display()
                )
            })?;
            println!(
                "imported {n} PyPI and Debian records from {} into {}",
                from.join(", "),
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
