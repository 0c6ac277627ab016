//! `fetter tree`: the installed dependency graph, and `pip check`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use super::{output, ScopeArgs};
use fetter::depgraph;
use fetter::report::tree::TreeReport;

/// Output formats of `fetter tree`.
#[derive(Debug, Clone, Copy, ValueEnum, Default, PartialEq, Eq)]
pub enum TreeFormat {
    /// Indented text for people.
    #[default]
    Table,
    /// The `fetter.tree/1` document.
    Json,
}
output::format_values!(TreeFormat { Table, Json });

/// Arguments of `fetter tree`.
#[derive(Debug, Args)]
pub struct TreeArgs {
    /// Report only what `pip check` would (missing and conflicting
    /// requirements), exiting 3 when there is any.
    #[arg(long)]
    check: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: TreeFormat,
    /// Write to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

/// Run `fetter tree`.
pub fn run(scope: &ScopeArgs, args: &TreeArgs) -> anyhow::Result<ExitCode> {
    let inv = super::scan_scope(scope)?;
    let details = depgraph::read_details(&inv);
    let tree = depgraph::build(&inv, &details);
    let report = TreeReport {
        tree: &tree,
        problems_only: args.check,
    };
    output::print(&report, args.format, args.output.as_ref())?;
    // Without --check the tree is information; what could not be checked
    // still fails (exit 1), as everywhere.
    let code = match tree.exit_code() {
        3 if !args.check => 0,
        c => c,
    };
    Ok(ExitCode::from(code))
}
