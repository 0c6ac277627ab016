//! `fetter search PATTERN`: installed distributions whose name matches a glob.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::{config, output, Format, ScopeArgs};
use fetter::names::NamePattern;
use fetter::report::inventory as render;

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
    let dists: Vec<_> = inv.distributions.iter().collect();
    let mut out = output::open(args.output.as_ref())?;
    let result = match format {
        Format::Table => render::write_table(&inv, &dists, false, &mut out),
        Format::Json => serde_json::to_writer_pretty(&mut out, &inv)
            .map_err(std::io::Error::from)
            .and_then(|_| writeln!(out)),
        Format::Csv => render::write_csv(&dists, &mut out),
    }
    .and_then(|_| out.flush());
    output::finish(result, args.output.as_deref())?;
    Ok(ExitCode::SUCCESS)
}
