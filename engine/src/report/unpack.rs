//! `fetter unpack-count` and `fetter unpack-files`: the files each
//! distribution installed, from its RECORD.

use std::io::{self, Write};

use serde::Serialize;

use crate::report::display_path;
use crate::report::render::{json_line, Render};
use crate::report::table::{csv_path, csv_record, Table};
use crate::unpack::Unpacked;

/// Schema tag of `fetter unpack-files --format json`.
pub const UNPACK_FILES_SCHEMA: &str = "fetter.unpack-files/1";
/// Schema tag of `fetter unpack-count --format json`.
pub const UNPACK_COUNT_SCHEMA: &str = "fetter.unpack-count/1";

/// The unpacked distributions, with every file (`unpack-files`) or only
/// how many (`unpack-count`).
#[derive(Debug)]
pub struct UnpackReport<'a> {
    /// The distributions, in the order shown.
    pub unpacked: &'a [Unpacked],
    /// Every file (`unpack-files`), or only counts (`unpack-count`).
    pub files: bool,
}

/// The JSON document: schema first.
#[derive(Serialize)]
struct UnpackDoc {
    schema: &'static str,
    distributions: serde_json::Value,
}

impl Render for UnpackReport<'_> {
    fn schema(&self) -> &'static str {
        if self.files {
            UNPACK_FILES_SCHEMA
        } else {
            UNPACK_COUNT_SCHEMA
        }
    }

    fn write_json(&self, out: &mut dyn Write) -> io::Result<()> {
        let distributions = if self.files {
            serde_json::to_value(self.unpacked)?
        } else {
            serde_json::to_value(self.unpacked.iter().map(count_only).collect::<Vec<_>>())?
        };
        json_line(
            &UnpackDoc {
                schema: self.schema(),
                distributions,
            },
            out,
        )
    }

    fn write_table(&self, out: &mut dyn Write) -> io::Result<()> {
        if self.files {
            let mut t = Table::new(["Package", "Version", "File"]);
            for u in self.unpacked {
                if u.files.is_empty() {
                    t.row([u.name.clone(), u.version.clone(), count_text(u)]);
                }
                for f in &u.files {
                    t.row([u.name.clone(), u.version.clone(), display_path(&f.path)]);
                }
            }
            t.write(out)
        } else {
            let mut t = Table::new(["Package", "Version", "Files", "Site"]);
            for u in self.unpacked {
                t.row([
                    u.name.clone(),
                    u.version.clone(),
                    count_text(u),
                    display_path(&u.site),
                ]);
            }
            t.write(out)
        }
    }

    fn write_csv(&self, out: &mut dyn Write) -> io::Result<()> {
        let mut w = csv::Writer::from_writer(out);
        let header: &[&str] = if self.files {
            &["name", "version", "site", "file"]
        } else {
            &["name", "version", "site", "files"]
        };
        w.write_record(header)?;
        for u in self.unpacked {
            let site = csv_path(&u.site);
            if self.files {
                for f in &u.files {
                    csv_record(&mut w, [&u.name, &u.version, &site, &csv_path(&f.path)])?;
                }
            } else {
                let n = u.count.map(|c| c.to_string()).unwrap_or_default();
                csv_record(&mut w, [&u.name, &u.version, &site, &n])?;
            }
        }
        w.flush()
    }
}

fn count_text(u: &Unpacked) -> String {
    match u.count {
        Some(n) => n.to_string(),
        None => "unknown (no RECORD)".to_string(),
    }
}

fn count_only(u: &Unpacked) -> serde_json::Value {
    serde_json::json!({
        "name": u.name,
        "normalized_name": u.normalized_name,
        "version": u.version,
        "site": crate::pathjson::to_json_text(&u.site),
        "metadata_path": crate::pathjson::to_json_text(&u.metadata_path),
        "count": u.count,
        "error": u.error,
    })
}
