//! `fetter inspect`: what runs at interpreter start-up in each environment.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use super::{output, ScopeArgs};
use fetter::startup;

/// Output formats of `fetter inspect`.
#[derive(Debug, Clone, Copy, ValueEnum, Default)]
pub enum InspectFormat {
    /// One row per start-up file.
    #[default]
    Table,
    /// The `fetter.inspect/1` document.
    Json,
}
output::format_values!(InspectFormat { Table, Json });

/// Arguments of `fetter inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Exit 3 when a file that runs code at start-up is owned by no distribution.
    #[arg(long)]
    fail_unowned: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: InspectFormat,
    /// Write to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

/// Run `fetter inspect`.
pub fn run(scope: &ScopeArgs, args: &InspectArgs) -> anyhow::Result<ExitCode> {
    let inv = super::scan_scope(scope)?;
    let report = startup::inspect(&inv);
    output::print(&report, args.format, args.output.as_ref())?;
    let flagged = report.environments.iter().any(|e| e.unowned_executable > 0);
    Ok(ExitCode::from(if args.fail_unowned && flagged {
        3
    } else {
        0
    }))
}
