//! Rendering an inventory (scan, search, count).

use std::io::{self, Write};

use serde::Serialize;

use crate::inventory::{Distribution, Inventory, INVENTORY_SCHEMA};
use crate::report::display_path;
use crate::report::render::{json_line, Format, Render};
use crate::report::table::{csv_path, csv_record, Table};

/// Schema tag of `fetter count --format json`.
pub const COUNT_SCHEMA: &str = "fetter.count/1";

/// An inventory as `fetter scan` and `fetter search` print it: the
/// `fetter.inventory/1` document, a table, CSV, or an SBOM.
#[derive(Debug)]
pub struct InventoryReport<'a> {
    /// What was scanned (`search` keeps only the matching distributions).
    pub inventory: &'a Inventory,
    /// The distributions the table and CSV list.
    pub distributions: Vec<&'a Distribution>,
    /// Table: also the installer and the OS package (`scan --long`).
    pub long: bool,
}

impl<'a> InventoryReport<'a> {
    /// Every distribution of `inventory`.
    pub fn new(inventory: &'a Inventory, long: bool) -> Self {
        InventoryReport {
            inventory,
            distributions: inventory.distributions.iter().collect(),
            long,
        }
    }
}

impl Render for InventoryReport<'_> {
    fn schema(&self) -> &'static str {
        INVENTORY_SCHEMA
    }

    fn write_json(&self, out: &mut dyn Write) -> io::Result<()> {
        super::inventory_json::write_json(self.inventory, out)?;
        writeln!(out)
    }

    fn write_table(&self, out: &mut dyn Write) -> io::Result<()> {
        write_table(self.inventory, &self.distributions, self.long, out)
    }

    fn write_csv(&self, out: &mut dyn Write) -> io::Result<()> {
        write_csv(&self.distributions, out)
    }

    fn write_sbom(&self, format: Format, out: &mut dyn Write) -> io::Result<()> {
        match format {
            Format::Spdx => super::spdx::write(self.inventory, out),
            _ => super::cyclonedx::write(self.inventory, out),
        }
    }
}

/// The distributions as a table: package, version, site; with `long`, also
/// the installer and the OS package that owns it.
pub fn write_table(
    inv: &Inventory,
    dists: &[&Distribution],
    long: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut t = if long {
        Table::new(["Package", "Version", "Installer", "OS package", "Site"])
    } else {
        Table::new(["Package", "Version", "Site"])
    };
    let mut sorted: Vec<&&Distribution> = dists.iter().collect();
    sorted.sort_by(|a, b| {
        (&a.normalized_name, &a.version, &a.site).cmp(&(&b.normalized_name, &b.version, &b.site))
    });
    for d in sorted {
        if long {
            let os = d.os_package.as_ref().map_or(String::new(), |p| {
                // dpkg packages are the OS's; others say whose they are.
                let by = if p.is_os() {
                    String::new()
                } else {
                    format!("{}: ", p.manager)
                };
                match &p.version {
                    Some(v) => format!("{by}{} {v}", p.name),
                    None => format!("{by}{}", p.name),
                }
            });
            t.row([
                d.name.clone(),
                d.version.clone(),
                d.installer.clone().unwrap_or_default(),
                os,
                display_path(&d.site),
            ]);
        } else {
            t.row([d.name.clone(), d.version.clone(), display_path(&d.site)]);
        }
    }
    t.write(out)?;
    writeln!(
        out,
        "\n{} in {} of {}",
        counted(dists.len(), "distribution"),
        counted(inv.sites.len(), "site"),
        counted(inv.environments.len(), "environment")
    )
}

/// `1 site`, `2 sites`, `0 sites`.
fn counted(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// The distributions as CSV, one row per distribution.
pub fn write_csv(dists: &[&Distribution], out: &mut dyn Write) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "name",
        "normalized_name",
        "version",
        "site",
        "metadata_path",
        "installer",
        "requested",
        "direct_url",
    ])?;
    for d in dists {
        csv_record(
            &mut w,
            [
                d.name.as_str(),
                &d.normalized_name,
                &d.version,
                &csv_path(&d.site),
                &csv_path(&d.metadata_path),
                d.installer.as_deref().unwrap_or(""),
                if d.requested { "true" } else { "false" },
                d.direct_url.as_ref().map(|u| u.url.as_str()).unwrap_or(""),
            ],
        )?;
    }
    w.flush()
}

/// Counts of what a scan found.
#[derive(Debug, Serialize)]
pub struct Counts {
    /// Schema tag of this document.
    pub schema: &'static str,
    /// Environments found.
    pub environments: usize,
    /// Distinct site directories.
    pub sites: usize,
    /// Installed distributions (one per metadata directory).
    pub distributions: usize,
    /// Distinct normalized names.
    pub names: usize,
    /// Security-relevant findings.
    pub findings: usize,
    /// Entries that could not be read.
    pub warnings: usize,
}

/// Count an inventory.
pub fn counts(inv: &Inventory) -> Counts {
    let names: std::collections::HashSet<&str> = inv
        .distributions
        .iter()
        .map(|d| d.normalized_name.as_str())
        .collect();
    Counts {
        schema: COUNT_SCHEMA,
        environments: inv.environments.len(),
        sites: inv.sites.len(),
        distributions: inv.distributions.len(),
        names: names.len(),
        findings: inv.findings.len(),
        warnings: inv.warnings.len(),
    }
}

impl Counts {
    /// The counts as (what, how many) rows, in the order shown.
    fn rows(&self) -> [(&'static str, usize); 6] {
        [
            ("environments", self.environments),
            ("sites", self.sites),
            ("distributions", self.distributions),
            ("names", self.names),
            ("findings", self.findings),
            ("warnings", self.warnings),
        ]
    }
}

impl Render for Counts {
    fn schema(&self) -> &'static str {
        COUNT_SCHEMA
    }

    fn write_json(&self, out: &mut dyn Write) -> io::Result<()> {
        json_line(self, out)
    }

    fn write_table(&self, out: &mut dyn Write) -> io::Result<()> {
        let mut t = Table::new(["What", "Count"]);
        for (k, v) in self.rows() {
            t.row([k.to_string(), v.to_string()]);
        }
        t.write(out)
    }

    fn write_csv(&self, out: &mut dyn Write) -> io::Result<()> {
        let mut w = csv::Writer::from_writer(out);
        // A header row, as every other CSV fetter writes has.
        std::iter::once(("what".to_string(), "count".to_string()))
            .chain(
                self.rows()
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string())),
            )
            .try_for_each(|(k, v)| w.write_record([k, v]))
            .map_err(io::Error::from)?;
        w.flush()
    }
}
