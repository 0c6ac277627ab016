//! `fetter validate`: compare every environment in scope with a bound.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use super::{output, ScopeArgs};
use fetter::bounds::{self, BoundSource, BoundsConfig, Selection};
use fetter::diag::{CheckFailure, Severity, Sink};
use fetter::report::validate::{self as render, Input};

/// Report formats of `fetter validate`.
#[derive(Debug, Clone, Copy, ValueEnum, Default, PartialEq, Eq)]
pub enum ReportFormat {
    /// Environments and their diagnostics, for people.
    #[default]
    Table,
    /// The `fetter.validate/1` JSON document.
    Json,
}

/// Arguments of `fetter validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The bound: a requirements file (any name), pyproject.toml, pylock.toml,
    /// uv.lock, poetry.lock, an http(s):// URL, or - for stdin. Repeatable:
    /// several bounds combine as one.
    #[arg(
        long = "bound",
        short = 'b',
        value_name = "PATH|URL|-",
        required_unless_present = "policies"
    )]
    bounds: Vec<String>,
    /// The bound may list more than is installed: do not report missing requirements.
    #[arg(long)]
    subset: bool,
    /// Environments may hold more than the bound: do not report unrequired packages.
    #[arg(long)]
    superset: bool,
    /// Do not check this package (repeatable). By default only pip is
    /// ignored; giving --ignore replaces that default (`--ignore=` checks pip too).
    #[arg(long = "ignore", value_name = "NAME")]
    ignore: Vec<String>,
    /// Include this optional-dependency extra of a pyproject.toml or lock file (repeatable).
    #[arg(long = "extra", value_name = "NAME")]
    extras: Vec<String>,
    /// Include this dependency group (PEP 735) of a pyproject.toml or lock file (repeatable).
    #[arg(long = "group", value_name = "NAME")]
    groups: Vec<String>,
    #[command(flatten)]
    policy: super::plugin::PolicyArgs,
    /// Report format.
    #[arg(long, value_enum, default_value_t)]
    format: ReportFormat,
    /// Write the report to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

/// Run `fetter validate`: exit 0 valid, 3 violations, 1 error.
pub fn run(scope: &ScopeArgs, args: &ValidateArgs) -> anyhow::Result<ExitCode> {
    let cfg = BoundsConfig {
        sources: args
            .bounds
            .iter()
            .map(|b| BoundSource::from_arg(b))
            .collect(),
        selection: Selection {
            extras: args.extras.clone(),
            groups: args.groups.clone(),
        },
        subset: args.subset,
        superset: args.superset,
        ignore: args.ignore.clone(),
    };
    let inv = super::scan_scope(scope);
    let sink = Sink::new();
    let mut plugin_inputs = Vec::new();
    if inv.environments.is_empty() {
        // Validating nothing is almost always a wrong --exe/--root: fail closed.
        sink.fail(CheckFailure {
            check: bounds::diags::CHECK.into(),
            source: "scope".into(),
            message: "no Python environment found in scope; check --exe/--root".into(),
        });
    } else {
        if !cfg.sources.is_empty() {
            bounds::run(&inv, &cfg, &sink);
        }
        // Policy plugins judge the same inventory into the same sink.
        plugin_inputs = args.policy.run(&inv, &sink, scope.quiet);
    }
    let (diags, failures) = sink.finish();
    let inputs = cfg
        .sources
        .iter()
        .map(|s| Input {
            check: bounds::diags::CHECK.into(),
            source: s.to_string(),
        })
        .chain(plugin_inputs)
        .collect();
    let report = render::build(&inv, inputs, diags, failures, Severity::Info);
    let mut out = output::open(args.output.as_ref())?;
    let result = match args.format {
        ReportFormat::Table => render::write_table(&report, &mut out),
        ReportFormat::Json => render::write_json(&report, &mut out),
    }
    .and_then(|_| out.flush());
    output::finish(result, args.output.as_deref())?;
    if args.output.is_some() || args.format == ReportFormat::Json {
        // The verdict is also on stderr when stdout is not the table.
        if report.exit_code != 0 && !scope.quiet {
            eprintln!(
                "validate: {} ({} denied, {} check failure(s))",
                report.outcome, report.summary.denied, report.summary.failures
            );
        }
    }
    Ok(ExitCode::from(report.exit_code))
}
