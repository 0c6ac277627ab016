//! `fetter lookup-name` and `fetter lookup-bound`: what the local OSV
//! database knows about a name, or about each requirement of a bound.

use std::io::{self, Write};

use serde::Serialize;

use crate::lookup::{NameLookup, RequirementLookup};
use crate::report::render::{json_line, Render};
use crate::report::table::Table;

/// Schema tag of `fetter lookup-name --format json`.
pub const LOOKUP_NAME_SCHEMA: &str = "fetter.lookup-name/1";
/// Schema tag of `fetter lookup-bound --format json`.
pub const LOOKUP_BOUND_SCHEMA: &str = "fetter.lookup-bound/1";

/// The records of one name (`fetter.lookup-name/1`).
#[derive(Debug, Serialize)]
pub struct NameReport<'a> {
    /// Always [`LOOKUP_NAME_SCHEMA`].
    pub schema: &'static str,
    /// What was found.
    pub lookup: &'a NameLookup,
}

impl<'a> NameReport<'a> {
    /// The report of `lookup`.
    pub fn new(lookup: &'a NameLookup) -> Self {
        NameReport {
            schema: LOOKUP_NAME_SCHEMA,
            lookup,
        }
    }

    /// Records not withdrawn.
    pub fn live(&self) -> usize {
        self.lookup.records.iter().filter(|r| !r.withdrawn).count()
    }
}

impl Render for NameReport<'_> {
    fn schema(&self) -> &'static str {
        LOOKUP_NAME_SCHEMA
    }

    fn write_json(&self, out: &mut dyn Write) -> io::Result<()> {
        json_line(self, out)
    }

    /// One row per record, then a count.
    fn write_table(&self, out: &mut dyn Write) -> io::Result<()> {
        let found = self.lookup;
        let mut t = Table::new(["Id", "Severity", "Affected", "Fixed", "Summary"]);
        for r in &found.records {
            let id = if r.withdrawn {
                format!("{} (withdrawn)", r.id)
            } else {
                r.id.clone()
            };
            t.row([
                id,
                r.severity.as_str().to_string(),
                r.affected.clone(),
                r.fixed.join(", "),
                r.summary.clone().unwrap_or_default(),
            ]);
        }
        t.write(out)?;
        writeln!(
            out,
            "\n{} record(s) for {} ({} live)",
            found.records.len(),
            found.normalized_name,
            self.live()
        )
    }
}

/// The records each requirement of a bound admits (`fetter.lookup-bound/1`).
#[derive(Debug, Serialize)]
pub struct BoundReport<'a> {
    /// Always [`LOOKUP_BOUND_SCHEMA`].
    pub schema: &'static str,
    /// The bound as given on the command line.
    pub bound: &'a str,
    /// One entry per requirement.
    pub requirements: &'a [RequirementLookup],
}

impl<'a> BoundReport<'a> {
    /// The report of `bound`'s `requirements`.
    pub fn new(bound: &'a str, requirements: &'a [RequirementLookup]) -> Self {
        BoundReport {
            schema: LOOKUP_BOUND_SCHEMA,
            bound,
            requirements,
        }
    }

    /// Requirements that admit a known-affected version.
    pub fn exposed(&self) -> usize {
        self.requirements
            .iter()
            .filter(|f| !f.records.is_empty())
            .count()
    }
}

impl Render for BoundReport<'_> {
    fn schema(&self) -> &'static str {
        LOOKUP_BOUND_SCHEMA
    }

    fn write_json(&self, out: &mut dyn Write) -> io::Result<()> {
        json_line(self, out)
    }

    /// One row per requirement and record it admits (`-` for none), then a count.
    fn write_table(&self, out: &mut dyn Write) -> io::Result<()> {
        let mut t = Table::new(["Requirement", "Id", "Severity", "Admitted", "Fixed"]);
        for f in self.requirements {
            if f.records.is_empty() {
                t.row([
                    f.requirement.clone(),
                    "-".into(),
                    "".into(),
                    "".into(),
                    "".into(),
                ]);
            }
            for r in &f.records {
                t.row([
                    f.requirement.clone(),
                    r.record.id.clone(),
                    r.record.severity.as_str().to_string(),
                    r.admitted.clone(),
                    r.record.fixed.join(", "),
                ]);
            }
        }
        t.write(out)?;
        writeln!(
            out,
            "\n{} of {} requirement(s) admit a known-affected version",
            self.exposed(),
            self.requirements.len()
        )
    }
}
