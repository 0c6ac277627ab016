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
use serde::Serialize;

use super::{ScopeArgs, EXIT_ERROR};
use fetter::inventory::DistId;
use fetter::purge::{self, Disposal, ExecuteOptions, Plan, PlanOptions, PurgeOutcome, Store};
use fetter::report::purge as render;
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

/// The JSON document of a purge command.
#[derive(Serialize)]
struct Report<'a> {
    /// Always `fetter.purge/1` (schemas/fetter.purge-1.schema.json).
    schema: &'static str,
    plan: &'a Plan<'a>,
    dry_run: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    outcome: Option<&'a PurgeOutcome>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
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
    // A closed pipe does not stop a confirmed purge half-way, nor a dry run.
    let mut stdout = super::output::stdout();
    if !json {
        if plan.distribution_count() == 0 && plan.refused.is_empty() && plan.kept.is_empty() {
            writeln!(
                stdout,
                "Nothing to purge: no installed distribution matched."
            )?;
            return Ok(ExitCode::SUCCESS);
        }
        if plan.distribution_count() > 0 {
            let verb = if flags.dry_run {
                "Would remove"
            } else {
                "Will remove"
            };
            writeln!(
                stdout,
                "{verb} {} distribution(s), {} file(s):\n",
                plan.distribution_count(),
                plan.file_count()
            )?;
        }
        render::write_plan(&plan, &mut stdout)?;
    }
    let emit_json = |outcome: Option<&PurgeOutcome>, error: Option<String>| -> anyhow::Result<()> {
        if json {
            let mut out = super::output::stdout();
            let report = Report {
                schema: "fetter.purge/1",
                plan: &plan,
                dry_run: flags.dry_run,
                outcome,
                error,
            };
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
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
                writeln!(stdout)?;
                render::write_outcome(&outcome, &plan, &mut stdout)?;
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
