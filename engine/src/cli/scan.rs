//! `fetter scan`: list every installed distribution in scope.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use super::{config, output, ScopeArgs};
use fetter::report::inventory::InventoryReport;

/// Output formats of `fetter scan`.
#[derive(Debug, Clone, Copy, ValueEnum, Default, PartialEq, Eq)]
pub enum ScanFormat {
    /// Aligned text for people.
    #[default]
    Table,
    /// The `fetter.inventory/1` JSON document.
    Json,
    /// One row per distribution.
    Csv,
    /// A CycloneDX 1.6 JSON SBOM, one component per distribution.
    Cyclonedx,
    /// An SPDX 2.3 JSON document, one package per distribution.
    Spdx,
}
output::format_values!(ScanFormat {
    Table,
    Json,
    Csv,
    Cyclonedx,
    Spdx
});

/// Arguments of `fetter scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Output format [default: table, or the config file's].
    #[arg(long, value_enum)]
    format: Option<ScanFormat>,
    /// Write to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Table: also show each distribution's installer and the OS package
    /// that owns it (dpkg, in OS-managed sites).
    #[arg(long, short = 'l')]
    long: bool,
}

/// Run `fetter scan`.
pub fn run(scope: &ScopeArgs, args: &ScanArgs) -> anyhow::Result<ExitCode> {
    let format = config::format_or(args.format, |c| c.scan.format.clone())?;
    let inv = super::scan_scope(scope)?;
    let report = InventoryReport::new(&inv, args.long);
    output::print(&report, format, args.output.as_ref())?;
    // The process ends now: freeing a big inventory's ~150,000
    // allocations one by one would take milliseconds for nothing.
    std::mem::forget(report);
    std::mem::forget(inv);
    Ok(ExitCode::SUCCESS)
}
