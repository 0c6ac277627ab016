//! Rendering purge plans and their outcomes (`fetter.purge/1`).

use std::io::{self, Write};

use serde::Serialize;

use crate::escape::escape;
use crate::purge::listing::Listed;
use crate::purge::{DistributionPlan, Plan, PurgeOutcome, Refusal};
use crate::report::display_path;
use crate::report::render::{json_line, Render};
use crate::report::table::{cell, Table, MAX_CELL_WIDTH};

/// Schema tag of a purge command's JSON (schemas/fetter.purge-1.schema.json).
pub const PURGE_SCHEMA: &str = "fetter.purge/1";

/// What a purge command prints: its plan and, once carried out, what it
/// did or why it did not.
///
/// People see the plan before being asked to confirm, and the outcome
/// after: [`Render::write_table`] writes the plan while `outcome` is
/// `None`, and only the outcome line once it is set. The JSON document is
/// written once, at the end, with both.
#[derive(Serialize)]
pub struct PurgeReport<'a> {
    /// Always [`PURGE_SCHEMA`].
    pub schema: &'static str,
    /// What would be, or was, removed, refused and kept.
    pub plan: &'a Plan<'a>,
    /// `--dry-run`: nothing is removed.
    pub dry_run: bool,
    /// What the purge did, once carried out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<&'a PurgeOutcome>,
    /// Why it was not carried out (no confirmation, a lock, a file).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl<'a> PurgeReport<'a> {
    /// The report of `plan`, before it is carried out.
    pub fn new(plan: &'a Plan<'a>, dry_run: bool) -> Self {
        PurgeReport {
            schema: PURGE_SCHEMA,
            plan,
            dry_run,
            outcome: None,
            error: None,
        }
    }

    /// True when nothing matched: nothing planned, refused or kept.
    pub fn is_empty(&self) -> bool {
        self.plan.distribution_count() == 0
            && self.plan.refused.is_empty()
            && self.plan.kept.is_empty()
    }
}

impl Render for PurgeReport<'_> {
    fn schema(&self) -> &'static str {
        PURGE_SCHEMA
    }

    fn write_json(&self, out: &mut dyn Write) -> io::Result<()> {
        json_line(self, out)
    }

    /// Before the purge: a heading and the plan ([`write_plan`]), or that
    /// nothing matched. After it: a blank line and [`write_outcome`].
    fn write_table(&self, out: &mut dyn Write) -> io::Result<()> {
        let plan = self.plan;
        if let Some(outcome) = self.outcome {
            writeln!(out)?;
            return write_outcome(outcome, plan, out);
        }
        if self.is_empty() {
            return writeln!(out, "Nothing to purge: no installed distribution matched.");
        }
        if plan.distribution_count() > 0 {
            let verb = if self.dry_run {
                "Would remove"
            } else {
                "Will remove"
            };
            writeln!(
                out,
                "{verb} {} distribution(s), {} file(s):\n",
                plan.distribution_count(),
                plan.file_count()
            )?;
        }
        write_plan(plan, out)
    }
}

/// Write `plan` for people: one row per distribution, then what each would
/// remove (its own directories collapsed to one line, as `pip uninstall`
/// shows them, every other file on its own line, so nothing outside the
/// distribution's directories goes unseen), then the refused and kept
/// targets with their reasons. Shown before asking and by `--dry-run`.
pub fn write_plan(plan: &Plan, out: &mut dyn Write) -> io::Result<()> {
    if plan.distribution_count() > 0 {
        let mut t = Table::new(["Package", "Version", "Files", "Environment"]);
        for env in &plan.environments {
            for d in &env.distributions {
                t.row([
                    d.target.name.clone(),
                    d.target.version.clone(),
                    d.files.len().to_string(),
                    display_path(&env.root),
                ]);
            }
        }
        t.write(out)?;
        for env in &plan.environments {
            for d in &env.distributions {
                write_files(d, out)?;
            }
        }
    }
    write_refusals(out, "Refused", &plan.refused)?;
    write_refusals(out, "Kept", &plan.kept)
}

/// The files of one distribution as [`write_plan`] lists them.
fn write_files(d: &DistributionPlan, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "\n{} {} would remove:",
        short(&d.target.name),
        short(&d.target.version)
    )?;
    for l in &d.listing {
        match l {
            Listed::Directory { path, files } => {
                writeln!(out, "  {}/ (all {files} file(s))", display_path(path))?
            }
            Listed::File { path } => writeln!(out, "  {}", display_path(path))?,
        }
    }
    for f in &d.shared {
        writeln!(
            out,
            "  kept, also listed by {}: {}",
            escape(&f.owners.join(", ")),
            display_path(&f.path)
        )?;
    }
    for f in &d.missing {
        writeln!(out, "  {} (already gone)", display_path(f))?;
    }
    Ok(())
}

fn write_refusals(out: &mut dyn Write, title: &str, list: &[Refusal]) -> io::Result<()> {
    if list.is_empty() {
        return Ok(());
    }
    writeln!(out, "\n{title}:")?;
    for r in list {
        writeln!(
            out,
            "  {} {}: {}",
            short(&r.target.name),
            short(&r.target.version),
            escape(&r.reason.to_string())
        )?;
    }
    Ok(())
}

/// A name or version on a line of its own: escaped and capped like a cell.
fn short(text: &str) -> String {
    cell(text, MAX_CELL_WIDTH)
}

/// One line saying what a purge did and how to undo it.
pub fn write_outcome(outcome: &PurgeOutcome, plan: &Plan, out: &mut dyn Write) -> io::Result<()> {
    write!(
        out,
        "Removed {} distribution(s): {} file(s), {} emptied director(y/ies).",
        plan.distribution_count(),
        outcome.files_removed,
        outcome.dirs_removed.len()
    )?;
    match &outcome.quarantine_id {
        Some(id) => writeln!(
            out,
            " Quarantined as {id}: `fetter restore {id}` puts everything back."
        ),
        None => writeln!(out, " Deleted outright (--no-quarantine)."),
    }
}
