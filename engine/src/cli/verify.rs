//! `fetter verify`: installed files checked against their RECORD.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use super::{output, ScopeArgs};
use fetter::names::NamePattern;
use fetter::report::{sarif, verify as render};
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
    let mut out = output::open(args.output.as_ref())?;
    let result = match args.format {
        VerifyFormat::Table => render::write_table(&report, &mut out),
        VerifyFormat::Json => serde_json::to_writer_pretty(&mut out, &report)
            .map_err(std::io::Error::from)
            .and_then(|_| writeln!(out)),
        VerifyFormat::Sarif => {
            let (diags, failures) = render::diagnostics(&report, &inv);
            sarif::write(&diags, &failures, &mut out)
        }
    }
    .and_then(|_| out.flush());
    output::finish(result, args.output.as_deref())?;
    Ok(ExitCode::from(report.exit_code()))
}
