//! `fetter scan`: list every installed distribution in scope.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::{output, Format, ScopeArgs};
use fetter::report::inventory as render;

/// Arguments of `fetter scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
    /// Write to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

/// Run `fetter scan`.
pub fn run(scope: &ScopeArgs, args: &ScanArgs) -> anyhow::Result<ExitCode> {
    let inv = super::scan_scope(scope);
    let mut out = output::open(args.output.as_ref())?;
    let dists: Vec<_> = inv.distributions.iter().collect();
    let result = match args.format {
        Format::Table => render::write_table(&inv, &dists, &mut out),
        Format::Json => serde_json::to_writer_pretty(&mut out, &inv)
            .map_err(std::io::Error::from)
            .and_then(|_| writeln!(out)),
        Format::Csv => render::write_csv(&dists, &mut out),
    }
    .and_then(|_| out.flush());
    output::finish(result, args.output.as_deref())?;
    Ok(ExitCode::SUCCESS)
}
