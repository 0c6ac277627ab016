//! Fleets: many hosts' JSON reports (`fetter scan`, `validate`, `audit`)
//! merged into one fleet report, `fetter.fleet/1`, as JSON or as one
//! self-contained HTML page.
//!
//! [`input`] finds each host's report files and reads them, [`merge`] builds
//! the [`Fleet`], [`diff`] compares it with a previous one, [`html`] renders
//! the page. `fetter report` is the command around it.

pub mod diff;
pub mod html;
pub mod input;
pub mod merge;
pub mod model;
pub mod source;

use std::path::{Path, PathBuf};

pub use model::{Fleet, HostStatus, ReportKind, FLEET_SCHEMA};

/// Why a fleet report could not be made. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum FleetError {
    /// A file or directory could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// Not JSON, or cut short.
    #[error("{}: not a complete JSON document (truncated or not JSON): {source}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// The parser's error (line and column).
        source: serde_json::Error,
    },
    /// JSON, but not a report `fetter report` reads.
    #[error("{}: {}; fetter report reads fetter.inventory/1 (scan), fetter.validate/1 and fetter.audit/1 documents", path.display(), match found {
        Some(tag) => format!("schema tag is {tag}"),
        None => "no schema tag: not a fetter report".to_string(),
    })]
    NotAReport {
        /// The file.
        path: PathBuf,
        /// The tag found, if any (as JSON text when not a string).
        found: Option<String>,
    },
    /// The right tag, the wrong shape.
    #[error("{}: does not match {schema}: {source}", path.display())]
    Shape {
        /// The file.
        path: PathBuf,
        /// The tag it claims.
        schema: String,
        /// What is wrong (field, line and column).
        source: serde_json::Error,
    },
    /// Two reports of one kind for one host.
    #[error("host {host}: two {} reports, {} and {}", kind.as_str(), first.display(), second.display())]
    Duplicate {
        /// The host.
        host: String,
        /// The kind.
        kind: ReportKind,
        /// The first file.
        first: PathBuf,
        /// The second file.
        second: PathBuf,
    },
    /// A host directory with no report in it.
    #[error("{}: host directory without scan.json, validate.json or audit.json", .0.display())]
    EmptyHostDir(PathBuf),
    /// A path without a usable file name.
    #[error("{}: cannot name a host after this path", .0.display())]
    NoHostName(PathBuf),
    /// Nothing found at all.
    #[error("no host report (*.json, or HOST/ with scan.json, validate.json, audit.json) in {}", list(.0))]
    NoReports(Vec<PathBuf>),
    /// `--previous` is not a fleet report.
    #[error("{}: not a {FLEET_SCHEMA} report: {why}", path.display())]
    Previous {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        why: String,
    },
}

fn list(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Read and merge the reports under `inputs` (files and directories; see
/// [`input`] for the layout). An unreadable report is an error naming its
/// file, unless `keep_going`: then its host is listed as `unreadable`
/// with the error, and the rest is merged.
pub fn build(inputs: &[PathBuf], keep_going: bool) -> Result<Fleet, FleetError> {
    let mut hosts = input::read_all(input::locate(inputs)?);
    if !keep_going {
        if let Some(pos) = hosts.iter().position(|h| h.reports.is_err()) {
            return Err(hosts.swap_remove(pos).reports.expect_err("found above"));
        }
    }
    Ok(merge::merge(hosts))
}

/// Read a previous fleet report (`--previous`).
pub fn read_previous(path: &Path) -> Result<Fleet, FleetError> {
    let bytes = std::fs::read(path).map_err(|e| FleetError::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    let previous = |why: String| FleetError::Previous {
        path: path.to_path_buf(),
        why,
    };
    let tag: source::Tag = serde_json::from_slice(&bytes).map_err(|e| previous(e.to_string()))?;
    match tag.schema {
        Some(serde_json::Value::String(s)) if s == FLEET_SCHEMA => {}
        Some(other) => return Err(previous(format!("schema tag is {other}"))),
        None => return Err(previous("no schema tag".into())),
    }
    let fleet: Fleet = serde_json::from_slice(&bytes).map_err(|e| previous(e.to_string()))?;
    Ok(fleet)
}
