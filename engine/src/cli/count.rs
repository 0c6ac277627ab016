//! `fetter count`: how many environments, sites and distributions.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::{config, output, Format, ScopeArgs};
use fetter::report::inventory as render;
use fetter::report::table::Table;

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
    let mut out = output::open(args.output.as_ref())?;
    let rows = [
        ("environments", c.environments),
        ("sites", c.sites),
        ("distributions", c.distributions),
        ("names", c.names),
        ("findings", c.findings),
        ("warnings", c.warnings),
    ];
    let result = match format {
        Format::Table => {
            let mut t = Table::new(["What", "Count"]);
            for (k, v) in rows {
                t.row([k.to_string(), v.to_string()]);
            }
            t.write(&mut out)
        }
        Format::Json => serde_json::to_writer_pretty(&mut out, &c)
            .map_err(std::io::Error::from)
            .and_then(|_| writeln!(out)),
        Format::Csv => {
            let mut w = csv::Writer::from_writer(&mut out);
            // A header row, as every other CSV fetter writes has.
            std::iter::once(("what".to_string(), "count".to_string()))
                .chain(rows.iter().map(|(k, v)| (k.to_string(), v.to_string())))
                .try_for_each(|(k, v)| w.write_record([k, v]))
                .map_err(std::io::Error::from)
                .and_then(|_| w.flush())
        }
    }
    .and_then(|_| out.flush());
    output::finish(result, args.output.as_deref())?;
    Ok(ExitCode::SUCCESS)
}
