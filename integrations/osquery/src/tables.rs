//! The tables: their columns, and their rows built from the cached
//! [`Snapshot`] with the query's equality constraints applied first.

use std::collections::BTreeMap;
use std::sync::Arc;

use osquery_rust_ng::plugin::{
    ColumnDef, ColumnOptions, ColumnType, ExtensionResponseEnum, Plugin, ReadOnlyTable,
};
use osquery_rust_ng::{ExtensionPluginRequest, ExtensionResponse, ExtensionStatus};

use crate::cache::Cache;
use crate::constraints::Constraints;
use crate::snapshot::{FindingRow, Outcome, Snapshot};

/// One row: column name to value, as osquery's Thrift API carries it.
pub type Row = BTreeMap<String, String>;

/// The tables this extension serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableKind {
    /// `fetter_environments`.
    Environments,
    /// `fetter_packages`.
    Packages,
    /// `fetter_findings`.
    Findings,
    /// `fetter_startup`.
    Startup,
    /// `fetter_scan`: the cache's state; `WHERE refresh = 1` rescans.
    Scan,
}

impl TableKind {
    /// Every table, in registration order.
    pub const ALL: [TableKind; 5] = [
        TableKind::Environments,
        TableKind::Packages,
        TableKind::Findings,
        TableKind::Startup,
        TableKind::Scan,
    ];

    /// The SQL name.
    pub fn name(self) -> &'static str {
        match self {
            TableKind::Environments => "fetter_environments",
            TableKind::Packages => "fetter_packages",
            TableKind::Findings => "fetter_findings",
            TableKind::Startup => "fetter_startup",
            TableKind::Scan => "fetter_scan",
        }
    }

    /// Column names and types, in order.
    pub fn columns(self) -> &'static [(&'static str, ColumnType)] {
        use ColumnType::{BigInt, Integer, Text};
        match self {
            TableKind::Environments => &[
                ("prefix", Text),
                ("kind", Text),
                ("python_version", Text),
                ("externally_managed", Integer),
                ("interpreters", Text),
                ("base_prefix", Text),
                ("scanned_at", BigInt),
            ],
            TableKind::Packages => &[
                ("name", Text),
                ("normalized_name", Text),
                ("version", Text),
                ("site", Text),
                ("environment", Text),
                ("installer", Text),
                ("requested", Integer),
                ("editable", Integer),
                ("direct_url", Text),
                ("vcs", Text),
                ("vcs_url", Text),
                ("vcs_commit", Text),
                ("metadata_path", Text),
                ("scanned_at", BigInt),
            ],
            TableKind::Findings => &[
                ("environment", Text),
                ("package", Text),
                ("version", Text),
                ("check_name", Text),
                ("rule", Text),
                ("severity", Text),
                ("action", Text),
                ("message", Text),
                ("outcome", Text),
                ("source", Text),
                ("metadata_path", Text),
                ("scanned_at", BigInt),
            ],
            TableKind::Startup => &[
                ("environment", Text),
                ("kind", Text),
                ("path", Text),
                ("location", Text),
                ("executes", Integer),
                ("import_lines", Text),
                ("owner", Text),
                ("flagged", Integer),
                ("error", Text),
                ("scanned_at", BigInt),
            ],
            TableKind::Scan => &[
                ("scanned_at", BigInt),
                ("duration_ms", BigInt),
                ("scanning", Integer),
                ("scans", BigInt),
                ("next_scan_at", BigInt),
                ("environments", Integer),
                ("packages", Integer),
                ("findings", Integer),
                ("errors", Integer),
                ("warnings", Integer),
                ("scan_nice", Integer),
                ("scan_cpu_ms", BigInt),
                ("scan_peak_kib", BigInt),
                ("refresh", Integer),
            ],
        }
    }

    /// Rows of this table in `snap` that can satisfy `c` (a superset of
    /// the answer: osqueryd applies the whole `WHERE` afterwards).
    pub fn rows(self, snap: &Snapshot, c: &Constraints) -> Vec<Row> {
        let at = snap.scanned_at.to_string();
        match self {
            TableKind::Environments => snap
                .environments
                .iter()
                .filter(|e| c.allows("prefix", &e.prefix) && c.allows("kind", &e.kind))
                .map(|e| {
                    row([
                        ("prefix", e.prefix.clone()),
                        ("kind", e.kind.clone()),
                        ("python_version", e.python_version.clone()),
                        ("externally_managed", flag(e.externally_managed)),
                        ("interpreters", json_list(&e.interpreters)),
                        ("base_prefix", e.base_prefix.clone()),
                        ("scanned_at", at.clone()),
                    ])
                })
                .collect(),
            TableKind::Packages => snap
                .packages
                .iter()
                .filter(|p| {
                    c.allows("name", &p.name)
                        && c.allows("normalized_name", &p.normalized_name)
                        && c.allows("environment", &p.environment)
                })
                .map(|p| {
                    let vcs_url = if p.vcs.is_empty() {
                        String::new()
                    } else {
                        p.direct_url.clone()
                    };
                    row([
                        ("name", p.name.clone()),
                        ("normalized_name", p.normalized_name.clone()),
                        ("version", p.version.clone()),
                        ("site", p.site.clone()),
                        ("environment", p.environment.clone()),
                        ("installer", p.installer.clone()),
                        ("requested", flag(p.requested)),
                        ("editable", flag(p.editable)),
                        ("direct_url", p.direct_url.clone()),
                        ("vcs", p.vcs.clone()),
                        ("vcs_url", vcs_url),
                        ("vcs_commit", p.vcs_commit.clone()),
                        ("metadata_path", p.metadata_path.clone()),
                        ("scanned_at", at.clone()),
                    ])
                })
                .collect(),
            TableKind::Findings => {
                let pending;
                let findings: &[FindingRow] = if snap.scanned_at == 0 {
                    // Before the first scan no check has run: say so
                    // rather than return nothing, which reads as "clean".
                    pending = [FindingRow::about_scan(
                        Outcome::Pending,
                        "the first scan has not finished yet; no check has run".into(),
                    )];
                    &pending
                } else {
                    &snap.findings
                };
                findings
                    .iter()
                    .filter(|f| {
                        c.allows("environment", &f.environment)
                            && c.allows("severity", &f.severity)
                            && c.allows("package", &f.package)
                            && c.allows("outcome", f.outcome.as_str())
                            && c.allows("check_name", &f.check)
                    })
                    .map(|f| {
                        row([
                            ("environment", f.environment.clone()),
                            ("package", f.package.clone()),
                            ("version", f.version.clone()),
                            ("check_name", f.check.clone()),
                            ("rule", f.rule.clone()),
                            ("severity", f.severity.clone()),
                            ("action", f.action.clone()),
                            ("message", f.message.clone()),
                            ("outcome", f.outcome.as_str().into()),
                            ("source", f.source.clone()),
                            ("metadata_path", f.metadata_path.clone()),
                            ("scanned_at", at.clone()),
                        ])
                    })
                    .collect()
            }
            TableKind::Startup => snap
                .startup
                .iter()
                .filter(|s| c.allows("environment", &s.environment))
                .map(|s| {
                    row([
                        ("environment", s.environment.clone()),
                        ("kind", s.kind.clone()),
                        ("path", s.path.clone()),
                        ("location", s.location.clone()),
                        ("executes", flag(s.executes)),
                        ("import_lines", s.import_lines.clone()),
                        ("owner", s.owner.clone()),
                        ("flagged", flag(s.flagged)),
                        ("error", s.error.clone()),
                        ("scanned_at", at.clone()),
                    ])
                })
                .collect(),
            // Built by `FetterTable::generate`, which also sees the refresher.
            TableKind::Scan => Vec::new(),
        }
    }
}

fn row<const N: usize>(cells: [(&str, String); N]) -> Row {
    cells.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

fn flag(b: bool) -> String {
    if b { "1" } else { "0" }.into()
}

fn json_list(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".into())
}

/// One table served from the cache.
pub struct FetterTable {
    kind: TableKind,
    cache: Arc<Cache>,
}

impl FetterTable {
    /// The table `kind`, reading `cache`.
    pub fn new(kind: TableKind, cache: Arc<Cache>) -> Self {
        FetterTable { kind, cache }
    }

    /// Every table as an osquery plugin.
    pub fn plugins(cache: &Arc<Cache>) -> Vec<Plugin> {
        TableKind::ALL
            .into_iter()
            .map(|k| Plugin::readonly_table(FetterTable::new(k, Arc::clone(cache))))
            .collect()
    }

    /// The rows for a `generate` request, or why the request is malformed.
    pub fn generate_rows(&self, request: &ExtensionPluginRequest) -> Result<Vec<Row>, String> {
        let c = Constraints::from_request(request).map_err(|e| e.to_string())?;
        let snap = self.cache.snapshot();
        if self.kind != TableKind::Scan {
            return Ok(self.kind.rows(&snap, &c));
        }
        // `refresh = 1` asks for a scan; the row carries the value asked
        // for so SQLite keeps it.
        let refresh = c.equal_to("refresh").is_some_and(|v| v.contains("1"));
        if refresh {
            self.cache.request_refresh();
        }
        let status = self.cache.status();
        let errors = snap
            .findings
            .iter()
            .filter(|f| f.outcome == Outcome::Error)
            .count();
        Ok(vec![row([
            ("scanned_at", snap.scanned_at.to_string()),
            ("duration_ms", snap.duration.as_millis().to_string()),
            ("scanning", flag(status.scanning || refresh)),
            ("scans", status.scans.to_string()),
            ("next_scan_at", status.next_scan_at.to_string()),
            ("environments", snap.environments.len().to_string()),
            ("packages", snap.packages.len().to_string()),
            ("findings", snap.findings.len().to_string()),
            ("errors", errors.to_string()),
            ("warnings", snap.warnings.to_string()),
            ("scan_nice", snap.cost.nice.to_string()),
            ("scan_cpu_ms", snap.cost.cpu_ms.to_string()),
            ("scan_peak_kib", snap.cost.peak_kib.to_string()),
            ("refresh", flag(refresh)),
        ])])
    }
}

impl ReadOnlyTable for FetterTable {
    fn name(&self) -> String {
        self.kind.name().into()
    }

    fn columns(&self) -> Vec<ColumnDef> {
        self.kind
            .columns()
            .iter()
            .map(|(name, t)| {
                let opts = if *name == "refresh" {
                    // Not in `SELECT *`: it is a request, not data.
                    ColumnOptions::HIDDEN
                } else {
                    ColumnOptions::DEFAULT
                };
                ColumnDef::new(name, t.clone(), opts)
            })
            .collect()
    }

    fn generate(&self, request: ExtensionPluginRequest) -> ExtensionResponse {
        self.cache.note_query();
        match self.generate_rows(&request) {
            // Status code 0 set explicitly: a default status leaves it unset.
            Ok(rows) => {
                ExtensionResponse::new(ExtensionStatus::new(0, Some("OK".to_string()), None), rows)
            }
            Err(message) => {
                log::warn!("{}: {message}", self.kind.name());
                ExtensionResponseEnum::Failure(message).into()
            }
        }
    }

    fn shutdown(&self) {
        log::debug!("{}: shutting down", self.kind.name());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::PackageRow;

    fn package(name: &str, env: &str) -> PackageRow {
        PackageRow {
            name: name.into(),
            normalized_name: name.into(),
            version: "1.0".into(),
            environment: env.into(),
            ..PackageRow::default()
        }
    }

    #[test]
    fn constraints_drop_rows_before_they_are_built() {
        let snap = Snapshot {
            scanned_at: 5,
            packages: vec![
                package("a", "/e1"),
                package("b", "/e1"),
                package("a", "/e2"),
            ],
            ..Snapshot::default()
        };
        let c = Constraints::parse(
            r#"{"constraints":[{"name":"name","affinity":"TEXT","list":[{"op":2,"expr":"a"}]}]}"#,
        )
        .unwrap();
        let rows = TableKind::Packages.rows(&snap, &c);
        assert_eq!(rows.len(), 2);
        assert!(rows
            .iter()
            .all(|r| r["name"] == "a" && r["scanned_at"] == "5"));
        let all = TableKind::Packages.rows(&snap, &Constraints::default());
        assert_eq!(all.len(), 3);
        assert_eq!(all[0].len(), TableKind::Packages.columns().len());
    }

    #[test]
    fn findings_before_the_first_scan_are_one_pending_row() {
        let rows = TableKind::Findings.rows(&Snapshot::default(), &Constraints::default());
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0]["outcome"], "pending");
        assert_eq!(rows[0]["check_name"], "scan");
    }
}
