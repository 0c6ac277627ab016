//! `fetter unpack-count` / `fetter unpack-files`: the files each
//! distribution installed, from its RECORD.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use rayon::prelude::*;

use super::{output, Format, ScopeArgs};
use fetter::names::NamePattern;
use fetter::report::display_path;
use fetter::report::table::{csv_path, csv_record, Table};
use fetter::unpack::{self, Unpacked};

/// Arguments of `fetter unpack-count` and `fetter unpack-files`.
#[derive(Debug, Args)]
pub struct UnpackArgs {
    /// Only distributions whose name matches this glob (pattern and names
    /// PEP 503 normalised: `charset_normalizer` finds `charset-normalizer`).
    #[arg(long, short = 'p', value_name = "PATTERN")]
    pattern: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
    /// Write to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

/// Run `unpack-count` (`files == false`) or `unpack-files`.
pub fn run(scope: &ScopeArgs, args: &UnpackArgs, files: bool) -> anyhow::Result<ExitCode> {
    let pattern = match &args.pattern {
        Some(p) => Some(NamePattern::new(p, false).map_err(anyhow::Error::msg)?),
        None => None,
    };
    let inv = super::scan_scope(scope)?;
    let mut unpacked: Vec<Unpacked> = inv
        .distributions
        .par_iter()
        .filter(|d| pattern.as_ref().is_none_or(|p| p.is_match(&d.name)))
        .map(unpack::unpack)
        .collect();
    unpacked.sort_by(|a, b| (&a.normalized_name, &a.site).cmp(&(&b.normalized_name, &b.site)));
    if !scope.quiet {
        for u in &unpacked {
            if let Some(e) = &u.error {
                eprintln!(
                    "warning: {}: {}",
                    display_path(&u.metadata_path),
                    fetter::escape::escape(e)
                );
            }
        }
    }
    let mut out = output::open(args.output.as_ref())?;
    let result = match (args.format, files) {
        (Format::Json, _) => {
            let doc = UnpackDoc {
                schema: if files {
                    "fetter.unpack-files/1"
                } else {
                    "fetter.unpack-count/1"
                },
                distributions: if files {
                    serde_json::to_value(&unpacked)?
                } else {
                    serde_json::to_value(unpacked.iter().map(count_only).collect::<Vec<_>>())?
                },
            };
            serde_json::to_writer_pretty(&mut out, &doc)
                .map_err(std::io::Error::from)
                .and_then(|_| writeln!(out))
        }
        (Format::Table, false) => {
            let mut t = Table::new(["Package", "Version", "Files", "Site"]);
            for u in &unpacked {
                t.row([
                    u.name.clone(),
                    u.version.clone(),
                    count_text(u),
                    display_path(&u.site),
                ]);
            }
            t.write(&mut out)
        }
        (Format::Table, true) => {
            let mut t = Table::new(["Package", "Version", "File"]);
            for u in &unpacked {
                if u.files.is_empty() {
                    t.row([u.name.clone(), u.version.clone(), count_text(u)]);
                }
                for f in &u.files {
                    t.row([u.name.clone(), u.version.clone(), display_path(&f.path)]);
                }
            }
            t.write(&mut out)
        }
        (Format::Csv, files) => {
            let mut w = csv::Writer::from_writer(&mut out);
            let header: &[&str] = if files {
                &["name", "version", "site", "file"]
            } else {
                &["name", "version", "site", "files"]
            };
            let mut r = w.write_record(header);
            for u in &unpacked {
                let site = csv_path(&u.site);
                if files {
                    for f in &u.files {
                        r = r.and_then(|_| {
                            csv_record(&mut w, [&u.name, &u.version, &site, &csv_path(&f.path)])
                        });
                    }
                } else {
                    let n = u.count.map(|c| c.to_string()).unwrap_or_default();
                    r = r.and_then(|_| csv_record(&mut w, [&u.name, &u.version, &site, &n]));
                }
            }
            r.map_err(std::io::Error::from).and_then(|_| w.flush())
        }
    }
    .and_then(|_| out.flush());
    output::finish(result, args.output.as_deref())?;
    Ok(ExitCode::SUCCESS)
}

/// The JSON document: schema first.
#[derive(serde::Serialize)]
struct UnpackDoc {
    schema: &'static str,
    distributions: serde_json::Value,
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
        "site": fetter::pathjson::to_json_text(&u.site),
        "metadata_path": fetter::pathjson::to_json_text(&u.metadata_path),
        "count": u.count,
        "error": u.error,
    })
}
