//! `fetter verify`: installed files checked against their RECORD.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use super::{output, ScopeArgs};
use fetter::names::NamePattern;
use fetter::report::verify::VerifyRun;
use fetter::verify::{self, VerifyOptions};

/// Output formats of `fetter verify`.
#[derive(Debug, Clone, Copy, ValueEnum, Default, PartialEq, Eq)]
pub enum VerifyFormat {
    /// What differs, for people.
    #[default]
    Table,
    /// The `fetter.verify/1` document.
    Json,
    /// SARIF 2.1.0, for code-scanning dashboards.
    Sarif,
}
output::format_values!(VerifyFormat { Table, Json, Sarif });

/// Arguments of `fetter verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Only distributions whose name matches this glob (PEP 503 normalised).
    #[arg(long, short = 'p', value_name = "PATTERN")]
    pattern: Option<String>,
    /// Do not fail (exit 1) on distributions without RECORD outside
    /// OS-managed sites; they are still reported as "cannot verify".
    #[arg(long)]
    allow_unverifiable: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: VerifyFormat,
    /// Write to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

/// Run `fetter verify`.
pub fn run(scope: &ScopeArgs, args: &VerifyArgs) -> anyhow::Result<ExitCode> {
    let only = match &args.pattern {
        Some(p) => Some(NamePattern::new(p, false).map_err(anyhow::Error::msg)?),
        None => None,
    };
    let inv = super::scan_scope(scope)?;
    let report = verify::verify(
        &inv,
        &VerifyOptions {
            only,
            allow_unverifiable: args.allow_unverifiable,
        },
    );
    let run = VerifyRun {
        report: &report,
        inventory: &inv,
    };
    output::print(&run, args.format, args.output.as_ref())?;
    Ok(ExitCode::from(report.exit_code()))
}
