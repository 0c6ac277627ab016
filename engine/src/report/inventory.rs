//! Rendering an inventory (scan, search, count).

use std::io::{self, Write};

use serde::Serialize;

use crate::inventory::{Distribution, Inventory};
use crate::report::display_path;
use crate::report::table::{csv_path, csv_record, Table};

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
            let os = d
                .os_package
                .as_ref()
                .map_or(String::new(), |p| match &p.version {
                    Some(v) => format!("{} {v}", p.name),
                    None => p.name.clone(),
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
        schema: "fetter.count/1",
        environments: inv.environments.len(),
        sites: inv.sites.len(),
        distributions: inv.distributions.len(),
        names: names.len(),
        findings: inv.findings.len(),
        warnings: inv.warnings.len(),
    }
}
