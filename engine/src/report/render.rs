//! [`Render`]: the one shape of every report fetter prints.
//!
//! A command builds its report (a library value) and hands it, with the
//! format the user asked for, to [`write`]; the report renders itself. A
//! report has a JSON document (tagged with its versioned [`Render::schema`])
//! and a form for people ([`Render::write_table`]); CSV, SARIF and the
//! SBOMs are provided by the reports that have them. Adding a format to a
//! report is one method here and one `--format` value in its command.

use std::io::{self, Write};

use serde::Serialize;

/// Every format a report can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Aligned text for people.
    Table,
    /// The versioned JSON document ([`Render::schema`]).
    Json,
    /// CSV with a header row.
    Csv,
    /// SARIF 2.1.0, for code-scanning dashboards.
    Sarif,
    /// A CycloneDX 1.6 JSON SBOM.
    Cyclonedx,
    /// An SPDX 2.3 JSON document.
    Spdx,
}

impl Format {
    /// The `--format` value naming it.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Sarif => "sarif",
            Format::Cyclonedx => "cyclonedx",
            Format::Spdx => "spdx",
        }
    }
}

/// A report fetter prints: one value, every format it has.
///
/// Options that change what people see (`scan --long`, `tree --check`)
/// are fields of the report value, so every method takes only the writer.
/// Untrusted text is escaped by the table writers ([`super::table`]); the
/// JSON keeps every value exactly.
pub trait Render {
    /// The tag of the JSON document, `fetter.x/1`; its schema is
    /// `schemas/fetter.x-1.schema.json`.
    fn schema(&self) -> &'static str;

    /// The JSON document, pretty-printed, ending with a newline.
    fn write_json(&self, out: &mut dyn Write) -> io::Result<()>;

    /// The report for people.
    fn write_table(&self, out: &mut dyn Write) -> io::Result<()>;

    /// CSV, one record per row with a header; only some reports have it.
    fn write_csv(&self, out: &mut dyn Write) -> io::Result<()> {
        let _ = out;
        Err(unsupported(self.schema(), Format::Csv))
    }

    /// SARIF 2.1.0; only reports made of diagnostics have it.
    fn write_sarif(&self, out: &mut dyn Write) -> io::Result<()> {
        let _ = out;
        Err(unsupported(self.schema(), Format::Sarif))
    }

    /// A CycloneDX or SPDX SBOM (`format` is one of the two); only the
    /// inventory has them.
    fn write_sbom(&self, format: Format, out: &mut dyn Write) -> io::Result<()> {
        let _ = out;
        Err(unsupported(self.schema(), format))
    }
}

/// Write `report` in `format`.
pub fn write(report: &dyn Render, format: Format, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Table => report.write_table(out),
        Format::Json => report.write_json(out),
        Format::Csv => report.write_csv(out),
        Format::Sarif => report.write_sarif(out),
        Format::Cyclonedx | Format::Spdx => report.write_sbom(format, out),
    }
}

/// `value` as pretty JSON and a newline: the JSON of most reports.
pub fn json_line<T: Serialize + ?Sized>(value: &T, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)
}

/// The error of a format a report does not have (the command's `--format`
/// values never offer it: this is a programming error, reported, not a panic).
fn unsupported(schema: &str, format: Format) -> io::Error {
    io::Error::new(
        io::ErrorKind::Unsupported,
        format!("{schema} has no {} form", format.as_str()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Doc;

    impl Render for Doc {
        fn schema(&self) -> &'static str {
            "fetter.test/1"
        }
        fn write_json(&self, out: &mut dyn Write) -> io::Result<()> {
            json_line(&serde_json::json!({"schema": self.schema()}), out)
        }
        fn write_table(&self, out: &mut dyn Write) -> io::Result<()> {
            writeln!(out, "table")
        }
    }

    #[test]
    fn formats_dispatch_and_missing_ones_are_errors() {
        let mut out = Vec::new();
        write(&Doc, Format::Table, &mut out).unwrap();
        write(&Doc, Format::Json, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "table\n{\n  \"schema\": \"fetter.test/1\"\n}\n"
        );
        let e = write(&Doc, Format::Sarif, &mut Vec::new()).unwrap_err();
        assert_eq!(e.to_string(), "fetter.test/1 has no sarif form");
        assert!(write(&Doc, Format::Spdx, &mut Vec::new()).is_err());
        assert!(write(&Doc, Format::Csv, &mut Vec::new()).is_err());
    }
}
