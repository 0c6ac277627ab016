//! `fetter quarantine list`: the purges kept for `fetter restore`.

use std::io::{self, Write};
use std::path::PathBuf;

use serde::Serialize;

use crate::purge::manifest::{Manifest, State};
use crate::report::display_path;
use crate::report::render::{json_line, Render};
use crate::report::table::Table;

/// Tag of `fetter quarantine list --format json`'s schema
/// (`schemas/fetter.quarantine-list-1.schema.json`): the document is a
/// bare array, so the tag names the schema only, not a field.
pub const QUARANTINE_LIST_SCHEMA: &str = "fetter.quarantine-list/1";

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

/// Every quarantine, oldest first.
#[derive(Debug, Clone, Copy)]
pub struct QuarantineList<'a>(pub &'a [QuarantineSummary]);

impl Render for QuarantineList<'_> {
    fn schema(&self) -> &'static str {
        QUARANTINE_LIST_SCHEMA
    }

    /// The bare array of summaries.
    fn write_json(&self, out: &mut dyn Write) -> io::Result<()> {
        json_line(self.0, out)
    }

    fn write_table(&self, out: &mut dyn Write) -> io::Result<()> {
        write_table(self.0, out)
    }
}

/// The quarantine list as a table, newest last.
pub fn write_table(list: &[QuarantineSummary], out: &mut dyn Write) -> io::Result<()> {
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
