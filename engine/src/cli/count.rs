//! `fetter count`: how many environments, sites and distributions.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::{config, output, Format, ScopeArgs};
use fetter::report::inventory as render;

/// Arguments of `fetter count`.
#[derive(Debug, Args)]
pub struct CountArgs {
    /// Output format [default: table, or the config file's].
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Write to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

/// Run `fetter count`.
pub fn run(scope: &ScopeArgs, args: &CountArgs) -> anyhow::Result<ExitCode> {
    let format = config::format_or(args.format, |c| c.count.format.clone())?;
    let inv = super::scan_scope(scope)?;
    let c = render::counts(&inv);
    output::print(&c, format, args.output.as_ref())?;
    Ok(ExitCode::SUCCESS)
}
