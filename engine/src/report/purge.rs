//! Rendering purge plans, their outcomes and the quarantine list.

use std::io::{self, Write};
use std::path::PathBuf;

use serde::Serialize;

use crate::escape::escape;
use crate::purge::listing::Listed;
use crate::purge::manifest::{Manifest, State};
use crate::purge::{DistributionPlan, Plan, PurgeOutcome, Refusal};
use crate::report::display_path;
use crate::report::table::{cell, Table, MAX_CELL_WIDTH};

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

/// A quarantine as listed by `fetter quarantine list`.
#[derive(Debug, Clone, Serialize)]
pub struct QuarantineSummary {
    /// The id to pass to `fetter restore`.
    pub id: String,
    /// When it was made (RFC 3339 UTC).
    pub created: String,
    /// `incomplete`, `complete`, `restoring` or `restored`.
    pub state: &'static str,
    /// Environment roots concerned.
    #[serde(with = "crate::pathjson::vec")]
    pub environments: Vec<PathBuf>,
    /// `name version` of each distribution.
    pub distributions: Vec<String>,
    /// Number of files and symlinks.
    pub files: usize,
    /// Total bytes.
    pub bytes: u64,
}

impl QuarantineSummary {
    /// Summarise a manifest.
    pub fn of(m: &Manifest) -> Self {
        QuarantineSummary {
            id: m.id.clone(),
            created: m.created.clone(),
            state: m.state.as_str(),
            environments: m.environments.clone(),
            distributions: m
                .distributions
                .iter()
                .map(|d| format!("{} {}", d.name, d.version))
                .collect(),
            files: m.entries.len(),
            bytes: m.entries.iter().map(|e| e.size).sum(),
        }
    }
}

/// The quarantine list as a table, newest last.
pub fn write_quarantine_table(list: &[QuarantineSummary], out: &mut dyn Write) -> io::Result<()> {
    if list.is_empty() {
        return writeln!(out, "No quarantines.");
    }
    let mut t = Table::new([
        "Id",
        "Created",
        "State",
        "Files",
        "Distributions",
        "Environments",
    ]);
    for q in list {
        t.row([
            q.id.clone(),
            q.created.clone(),
            q.state.to_string(),
            q.files.to_string(),
            q.distributions.join(", "),
            q.environments
                .iter()
                .map(|e| display_path(e))
                .collect::<Vec<_>>()
                .join(", "),
        ]);
    }
    t.write(out)?;
    if list.iter().any(|q| q.state == State::Moving.as_str()) {
        writeln!(
            out,
            "\nAn incomplete quarantine is a purge that was interrupted: \
             `fetter restore ID` undoes it, `fetter quarantine resume ID` finishes it."
        )?;
    }
    Ok(())
}
