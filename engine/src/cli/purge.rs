//! `fetter purge`, and what every purge command shares: the flags
//! (`--yes`, `--dry-run`, `--no-quarantine`, …), printing the plan, asking
//! for confirmation, carrying it out and the exit code.
//!
//! A purge command only chooses its targets (metadata directories) and
//! hands them to [`plan_confirm_execute`]. To add a selection to
//! `fetter purge` (`--bound`, `--policy`), add its arguments to
//! [`PurgeArgs`] and push the distributions it selects in [`run`].

use std::io::{self, BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{ArgGroup, Args, ValueEnum};

use super::{output, ScopeArgs, EXIT_ERROR};
use fetter::inventory::DistId;
use fetter::purge::{self, Disposal, ExecuteOptions, PlanOptions, PurgeOutcome, Store};
use fetter::report::purge::PurgeReport;
use fetter::report::render::Format;
use fetter::Inventory;

/// Flags shared by every purge command.
#[derive(Debug, Args, Clone)]
pub struct PurgeFlags {
    /// Remove without asking (required when stdin is not a terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Print the plan, with every file, and remove nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Delete files outright instead of moving them into the quarantine
    /// (cannot be undone with `fetter restore`).
    #[arg(long)]
    pub no_quarantine: bool,
    /// Seconds to wait for another purge or restore of the same environment.
    #[arg(long, value_name = "SECONDS", default_value = "5", value_parser = super::purge::parse_seconds)]
    pub lock_wait: Duration,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: PurgeFormat,
}

/// Output formats of purge commands.
#[derive(Debug, Clone, Copy, ValueEnum, Default, PartialEq, Eq)]
pub enum PurgeFormat {
    /// Aligned text for people.
    #[default]
    Table,
    /// `{"schema": "fetter.purge/1", "plan": …, "outcome": …}`.
    Json,
}

/// Arguments of `fetter purge`.
#[derive(Debug, Args)]
// Any one selection will do; the usage error lists them all (not only --name).
#[command(group(
    ArgGroup::new("selection")
        .args(["names", "bounds", "audit", "policies"])
        .required(true)
        .multiple(true)
))]
pub struct PurgeArgs {
    /// Remove the distribution with this name (PEP 503 normalised, so
    /// `PyYAML` and `pyyaml` are one; repeatable). Naming pip here is what
    /// allows removing it.
    #[arg(long = "name", short = 'n', value_name = "NAME")]
    pub names: Vec<String>,
    #[command(flatten)]
    pub select: super::purge_select::SelectArgs,
    #[command(flatten)]
    pub flags: PurgeFlags,
}

/// Run `fetter purge`.
pub fn run(scope: &ScopeArgs, args: &PurgeArgs) -> anyhow::Result<ExitCode> {
    let wanted: Vec<String> = args
        .names
        .iter()
        .map(|n| fetter::names::normalize(n))
        .collect();
    let inv = super::scan_scope(scope)?;
    let mut targets: Vec<DistId> = inv
        .dist_ids()
        .filter(|(_, d)| wanted.iter().any(|n| *n == d.normalized_name))
        .map(|(id, _)| id)
        .collect();
    if args.select.any() {
        match super::purge_select::targets(&inv, &args.select, scope.quiet) {
            Ok(t) => targets.extend(t),
            Err(errors) => {
                for e in errors {
                    eprintln!("error: {e}");
                }
                eprintln!("error: nothing removed: a selection could not be checked completely");
                return Ok(ExitCode::from(EXIT_ERROR));
            }
        }
        targets.sort();
        targets.dedup();
    }
    let opts = PlanOptions {
        allow_pip: wanted.iter().any(|n| n == "pip"),
    };
    plan_confirm_execute(&inv, &targets, &opts, &args.flags)
}

/// Plan the removal of `targets`, print it, confirm, carry it out.
///
/// Exit codes: 0 when everything planned was removed (or there was nothing
/// to remove); 1 when a target was refused, the user did not confirm,
/// another purge held the environment, or a file could not be moved.
pub fn plan_confirm_execute(
    inv: &Inventory,
    targets: &[DistId],
    plan_opts: &PlanOptions,
    flags: &PurgeFlags,
) -> anyhow::Result<ExitCode> {
    let plan = purge::plan(inv, targets, plan_opts);
    let refused = !plan.refused.is_empty();
    let failure = if refused {
        ExitCode::from(EXIT_ERROR)
    } else {
        ExitCode::SUCCESS
    };
    let json = flags.format == PurgeFormat::Json;
    // Printed to stdout, never styled. A closed pipe does not stop a
    // confirmed purge half-way, nor a dry run.
    let report = PurgeReport::new(&plan, flags.dry_run);
    if !json {
        output::print_plain(&report, Format::Table)?;
        if report.is_empty() {
            return Ok(ExitCode::SUCCESS);
        }
    }
    let emit_json = |outcome: Option<&PurgeOutcome>, error: Option<String>| -> anyhow::Result<()> {
        if json {
            let done = PurgeReport {
                outcome,
                error,
                ..PurgeReport::new(&plan, flags.dry_run)
            };
            output::print_plain(&done, Format::Json)?;
        }
        Ok(())
    };
    if flags.dry_run || plan.distribution_count() == 0 {
        emit_json(None, None)?;
        if refused {
            eprintln!(
                "error: {} target(s) refused; see the reasons above",
                plan.refused.len()
            );
        }
        return Ok(failure);
    }
    if !flags.yes {
        if !io::stdin().is_terminal() {
            let msg = "not removing anything: stdin is not a terminal, so fetter cannot ask; \
                       pass --yes to confirm (or --dry-run to only see the plan)";
            emit_json(None, Some(msg.into()))?;
            eprintln!("error: {msg}");
            return Ok(ExitCode::from(EXIT_ERROR));
        }
        if !ask("Proceed? [y/N] ")? {
            eprintln!("Nothing removed.");
            return Ok(ExitCode::from(EXIT_ERROR));
        }
    }
    let store = Store::new(purge::data_dir().map_err(anyhow::Error::msg)?);
    let exec = ExecuteOptions {
        disposal: if flags.no_quarantine {
            Disposal::Delete
        } else {
            Disposal::Quarantine
        },
        store,
        lock_wait: flags.lock_wait,
    };
    match purge::execute(&plan, &exec) {
        Ok(outcome) => {
            emit_json(Some(&outcome), None)?;
            if !json {
                let done = PurgeReport {
                    outcome: Some(&outcome),
                    ..report
                };
                output::print_plain(&done, Format::Table)?;
            }
            if refused {
                eprintln!(
                    "error: {} target(s) refused; see the reasons above",
                    plan.refused.len()
                );
            }
            Ok(failure)
        }
        Err(e) => {
            emit_json(None, Some(e.to_string()))?;
            eprintln!("error: {e}");
            Ok(ExitCode::from(EXIT_ERROR))
        }
    }
}

/// Parse a number of seconds (`0.5`, `10`) for `--lock-wait`.
pub fn parse_seconds(text: &str) -> Result<Duration, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .ok_or_else(|| format!("{text:?} is not a number of seconds (e.g. 0.5 or 10)"))
}

/// Ask a yes/no question on the terminal; anything but `y`/`yes` is no.
pub(super) fn ask(prompt: &str) -> anyhow::Result<bool> {
    let mut err = io::stderr().lock();
    write!(err, "{prompt}")?;
    err.flush()?;
    let mut line = String::new();
    io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the answer")?;
    Ok(matches!(
        line.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}
