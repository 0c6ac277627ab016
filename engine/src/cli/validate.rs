//! `fetter validate`: compare every environment in scope with a bound.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use super::{config, output, ScopeArgs};
use fetter::audit::AuditCheck;
use fetter::bounds::{BoundsConfig, Selection, Transitive};
use fetter::pipeline::{Check, Pipeline};
use fetter::report::audit::DatabaseInfo;
use fetter::report::validate::ValidateRun;

/// Report formats of `fetter validate`.
#[derive(Debug, Clone, Copy, ValueEnum, Default, PartialEq, Eq)]
pub enum ReportFormat {
    /// Environments and their diagnostics, for people.
    #[default]
    Table,
    /// The `fetter.validate/1` JSON document.
    Json,
    /// SARIF 2.1.0 (GitHub code scanning): one result per diagnostic.
    Sarif,
}
output::format_values!(ReportFormat { Table, Json, Sarif });

/// `--transitive`: whether what the bound's requirements pull in is required.
#[derive(Debug, Clone, Copy, ValueEnum, Default, PartialEq, Eq)]
pub enum TransitiveArg {
    /// Dependencies of what a pyproject.toml requires are required too;
    /// requirements and lock files must list everything.
    #[default]
    Auto,
    /// Dependencies of what any bound requires are required too.
    Allow,
    /// Every installed package must be listed by the bound (strict).
    Deny,
}

impl From<TransitiveArg> for Transitive {
    fn from(t: TransitiveArg) -> Self {
        match t {
            TransitiveArg::Auto => Transitive::Auto,
            TransitiveArg::Allow => Transitive::Allow,
            TransitiveArg::Deny => Transitive::Deny,
        }
    }
}

/// Arguments of `fetter validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The bound: a requirements file (any name), pyproject.toml, pylock.toml,
    /// uv.lock, poetry.lock, an http(s):// URL, or - for stdin. Repeatable:
    /// several bounds combine as one. Default: the config file's `bounds`.
    #[arg(long = "bound", short = 'b', value_name = "PATH|URL|-")]
    bounds: Vec<String>,
    /// The bound may list more than is installed: do not report missing requirements.
    #[arg(long)]
    subset: bool,
    /// Environments may hold more than the bound: do not report unrequired packages.
    #[arg(long)]
    superset: bool,
    /// Whether installed dependencies of the bound's requirements (as their
    /// metadata requires them) count as required.
    #[arg(long, value_enum, default_value_t)]
    transitive: TransitiveArg,
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
    /// uv.lock: require every workspace member's dependencies (what
    /// `uv sync --all-packages` installs), not only the root project's.
    #[arg(long)]
    all_packages: bool,
    #[command(flatten)]
    policy: super::plugin::PolicyArgs,
    #[command(flatten)]
    audit: super::audit::ValidateAuditArgs,
    /// When the registry of an oci:// policy cannot be reached, fail with
    /// exit 1 rather than run a stored copy last verified longer ago than this
    /// (`7d`, `24h`, `90m`); with --audit, also the oldest OSV database accepted.
    #[arg(long, value_name = "DURATION", value_parser = fetter::audit::db::parse_duration)]
    max_age: Option<std::time::Duration>,
    /// Report format [default: table, or the config file's].
    #[arg(long, value_enum)]
    format: Option<ReportFormat>,
    /// Write the report to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

/// Run `fetter validate`: exit 0 valid, 3 violations, 1 error.
pub fn run(scope: &ScopeArgs, args: &ValidateArgs) -> anyhow::Result<ExitCode> {
    // Flags override the config file, list by list.
    let file = config::load()?;
    let defaults = &file.config.validate;
    let format = match args.format {
        Some(f) => f,
        None => file.format(defaults.format.as_deref())?.unwrap_or_default(),
    };
    let bound_args = if args.bounds.is_empty() {
        &defaults.bounds
    } else {
        &args.bounds
    };
    if bound_args.is_empty()
        && args.policy.policies.is_empty()
        && defaults.policies.is_empty()
        && !args.audit.audit
    {
        // A usage error (exit 2), as when clap required --bound.
        eprintln!(
            "error: nothing to validate against: pass --bound FILE (requirements, pyproject.toml, \
             a lock file), --policy NAME or --audit, or set `bounds`/`policies` under [validate] in fetter.toml (`fetter config --help`)"
        );
        return Ok(ExitCode::from(super::EXIT_USAGE));
    }
    // --policy replaces the file's policies, as --bound replaces its bounds.
    let mut policy = args.policy.clone();
    policy.max_age = args.max_age;
    if policy.policies.is_empty() {
        policy.policies = defaults.policies.clone();
    }
    let ignore = match (&args.ignore, &defaults.ignore) {
        (cli, _) if !cli.is_empty() => cli.clone(),
        // `ignore = []` in the file checks everything, like `--ignore=`.
        (_, Some(from_file)) if from_file.is_empty() => vec![String::new()],
        (_, Some(from_file)) => from_file.clone(),
        (cli, None) => cli.clone(),
    };
    let cfg = BoundsConfig {
        subset: args.subset,
        superset: args.superset,
        ..BoundsConfig::from_args(
            bound_args,
            Selection {
                extras: args.extras.clone(),
                groups: args.groups.clone(),
                all_packages: args.all_packages,
            },
            args.transitive.into(),
            ignore,
        )
    };
    let policy_check = (!policy.policies.is_empty()).then(|| policy.check(scope.quiet));
    let audit_check = args.audit.check(args.max_age);
    let mut checks: Vec<&dyn Check> = vec![&cfg];
    checks.extend(policy_check.as_ref().map(|c| c as &dyn Check));
    checks.extend(audit_check.as_ref().map(|c| c as &dyn Check));
    let scanned = super::scan_named(scope);
    let verdicts = Pipeline::validate().run(&scanned, &checks);
    if let Some(c) = &policy_check {
        super::plugin::warn_recompiled(c, scope.quiet);
    }
    let mut report = verdicts.report(&scanned.inventory);
    report.audit_database = audit_check
        .as_ref()
        .and_then(AuditCheck::database)
        .map(DatabaseInfo::of);
    let run = ValidateRun {
        report: &report,
        verdicts: &verdicts,
    };
    output::print(&run, format, args.output.as_ref())?;
    if args.output.is_some() || format != ReportFormat::Table {
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
