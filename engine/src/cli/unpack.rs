//! `fetter unpack-count` / `fetter unpack-files`: the files each
//! distribution installed, from its RECORD.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use rayon::prelude::*;

use super::{output, Format, ScopeArgs};
use fetter::names::NamePattern;
use fetter::report::display_path;
use fetter::report::unpack::UnpackReport;
use fetter::unpack::{self, Unpacked};

/// Arguments of `fetter unpack-count` and `fetter unpack-files`.
#[derive(Debug, Args)]
pub struct UnpackArgs {
    /// Only distributions whose name matches this glob (pattern and names
    /// PEP 503 normalised: `charset_normalizer` finds `charset-normalizer`).
    #[arg(long, short = 'p', value_name = "PATTERN")]
    pattern: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
    /// Write to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

/// Run `unpack-count` (`files == false`) or `unpack-files`.
pub fn run(scope: &ScopeArgs, args: &UnpackArgs, files: bool) -> anyhow::Result<ExitCode> {
    let pattern = match &args.pattern {
        Some(p) => Some(NamePattern::new(p, false).map_err(anyhow::Error::msg)?),
        None => None,
    };
    let inv = super::scan_scope(scope)?;
    let mut unpacked: Vec<Unpacked> = inv
        .distributions
        .par_iter()
        .filter(|d| pattern.as_ref().is_none_or(|p| p.is_match(&d.name)))
        .map(unpack::unpack)
        .collect();
    unpacked.sort_by(|a, b| (&a.normalized_name, &a.site).cmp(&(&b.normalized_name, &b.site)));
    if !scope.quiet {
        for u in &unpacked {
            if let Some(e) = &u.error {
                eprintln!(
                    "warning: {}: {}",
                    display_path(&u.metadata_path),
                    fetter::escape::escape(e)
                );
            }
        }
    }
    let report = UnpackReport {
        unpacked: &unpacked,
        files,
    };
    output::print(&report, args.format, args.output.as_ref())?;
    Ok(ExitCode::SUCCESS)
}
