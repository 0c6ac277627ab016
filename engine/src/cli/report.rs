//! `fetter report`: many hosts' JSON reports merged into one fleet report.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use super::output;
use fetter::fleet::{self, HostStatus};

/// Output formats of `fetter report`.
#[derive(Debug, Clone, Copy, ValueEnum, Default, PartialEq, Eq)]
pub(super) enum ReportFormat {
    /// The `fetter.fleet/1` JSON document.
    #[default]
    Json,
    /// One self-contained HTML page (no network; open it from a file).
    Html,
}

/// Arguments of `fetter report`.
#[derive(Debug, Args)]
pub(super) struct ReportArgs {
    /// Host reports: HOST.json files, HOST/ directories holding scan.json,
    /// validate.json and/or audit.json, or a directory of those.
    #[arg(value_name = "FILE_OR_DIR", required = true)]
    inputs: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: ReportFormat,
    /// Write to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// A previous fleet report (JSON) to show what changed since.
    #[arg(long, value_name = "OLD.json")]
    previous: Option<PathBuf>,
    /// List a host whose report cannot be read as `unreadable` and merge
    /// the rest, instead of stopping; the exit code is still 1.
    #[arg(long)]
    keep_going: bool,
}

/// Run `fetter report`: exit 0 when every report was read, 1 when one
/// could not be (with `--keep-going`, after writing the report).
pub(super) fn run(args: &ReportArgs) -> anyhow::Result<ExitCode> {
    let previous = args
        .previous
        .as_deref()
        .map(fleet::read_previous)
        .transpose()?;
    let mut report = fleet::build(&args.inputs, args.keep_going)?;
    if let Some(prev) = &previous {
        report.changes = Some(fleet::diff::changes(prev, &report));
    }
    let mut out = output::open(args.output.as_ref())?;
    let result = match args.format {
        ReportFormat::Json => serde_json::to_writer_pretty(&mut out, &report)
            .map_err(std::io::Error::from)
            .and_then(|_| writeln!(out)),
        ReportFormat::Html => fleet::html::write(&report, &mut out),
    }
    .and_then(|_| out.flush());
    output::finish(result, args.output.as_deref())?;
    let mut unreadable = false;
    for h in report
        .hosts
        .iter()
        .filter(|h| h.status == HostStatus::Unreadable)
    {
        unreadable = true;
        let why = h.error.as_deref().unwrap_or("unreadable");
        eprintln!(
            "error: host {}: {}",
            fetter::escape::escape(&h.name),
            fetter::escape::escape(why)
        );
    }
    Ok(if unreadable {
        ExitCode::from(super::EXIT_ERROR)
    } else {
        ExitCode::SUCCESS
    })
}
