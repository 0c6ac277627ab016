//! `fetter search PATTERN`: installed distributions whose name matches a glob.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::{config, output, Format, ScopeArgs};
use fetter::names::NamePattern;
use fetter::report::inventory::InventoryReport;

/// Arguments of `fetter search`.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// A glob over distribution names (`*`, `?`, `[abc]`); pattern and names
    /// are PEP 503 normalised, so `charset_normalizer` finds
    /// `charset-normalizer`.
    pattern: String,
    /// Match case exactly (separators `-`, `_`, `.` are still one).
    #[arg(long)]
    case_sensitive: bool,
    /// Output format [default: table, or the config file's].
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Write to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

/// Run `fetter search`.
pub fn run(scope: &ScopeArgs, args: &SearchArgs) -> anyhow::Result<ExitCode> {
    let pattern =
        NamePattern::new(&args.pattern, args.case_sensitive).map_err(anyhow::Error::msg)?;
    let format = config::format_or(args.format, |c| c.search.format.clone())?;
    let mut inv = super::scan_scope(scope)?;
    inv.distributions.retain(|d| pattern.is_match(&d.name));
    output::print(
        &InventoryReport::new(&inv, false),
        format,
        args.output.as_ref(),
    )?;
    Ok(ExitCode::SUCCESS)
}
