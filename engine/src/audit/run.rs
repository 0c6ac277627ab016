//! The audit as a pipeline stage ([`crate::pipeline::Check`]).

use std::sync::OnceLock;

use crate::audit::cfg::{AuditConfig, AuditSource};
use crate::audit::check::{audit, Vulnerability};
use crate::audit::db::{self, Database};
use crate::audit::diags;
use crate::diag::{CheckFailure, CheckId, Sink};
use crate::inventory::Inventory;
use crate::pipeline::{Check, Input};

/// The audit check: the inventory against OSV. A database that cannot be
/// loaded, is too old, or an API that cannot be reached is a failure: the
/// audit fails closed.
///
/// After a run it keeps what it found, for reports that show more than
/// diagnostics (the database's age, each vulnerability's aliases).
#[derive(Debug)]
pub struct AuditCheck {
    cfg: AuditConfig,
    database: OnceLock<Result<Database, CheckFailure>>,
    found: OnceLock<Vec<Vulnerability>>,
}

impl AuditCheck {
    /// An audit under `cfg`; nothing is read until [`AuditCheck::preload`]
    /// or the run.
    pub fn new(cfg: AuditConfig) -> Self {
        AuditCheck {
            cfg,
            database: OnceLock::new(),
            found: OnceLock::new(),
        }
    }

    /// Load a local database now, before the scan: false when it cannot be
    /// used (the run will report why), so a caller can skip a scan whose
    /// result could not be audited. Always true for the online API, which
    /// needs the inventory first.
    pub fn preload(&self) -> bool {
        match &self.cfg.source {
            AuditSource::Online(_) => true,
            AuditSource::Local(_) => self.load(None).is_ok(),
        }
    }

    /// The database used, once loaded (`None` if it could not be).
    pub fn database(&self) -> Option<&Database> {
        self.database.get().and_then(|r| r.as_ref().ok())
    }

    /// What the last run found, in report order (empty before a run).
    pub fn vulnerabilities(&self) -> &[Vulnerability] {
        self.found.get().map_or(&[], Vec::as_slice)
    }

    fn load(&self, inv: Option<&Inventory>) -> &Result<Database, CheckFailure> {
        self.database.get_or_init(|| {
            let source = self.cfg.source.to_string();
            let loaded = match &self.cfg.source {
                AuditSource::Local(path) => {
                    db::load(path).and_then(|d| d.check_age(self.cfg.max_age).map(|_| d))
                }
                AuditSource::Online(url) => online(url, inv),
            };
            loaded.map_err(|e| diags::failure(&source, &e))
        })
    }
}

#[cfg(feature = "online")]
fn online(url: &str, inv: Option<&Inventory>) -> Result<Database, db::DbError> {
    crate::audit::online::query(url, inv.unwrap_or(&Inventory::default()))
}

#[cfg(not(feature = "online"))]
fn online(url: &str, _inv: Option<&Inventory>) -> Result<Database, db::DbError> {
    Err(db::DbError::Corrupt {
        path: url.to_string(),
        message: "this fetter was built without the `online` feature: use a local OSV database"
            .into(),
    })
}

impl Check for AuditCheck {
    fn planned_inputs(&self) -> Vec<Input> {
        vec![Input {
            check: CheckId::Audit,
            source: self.cfg.source.to_string(),
        }]
    }

    fn run(&self, inv: &Inventory, sink: &Sink) -> Vec<Input> {
        match self.load(Some(inv)) {
            Ok(database) => {
                let found = self.found.get_or_init(|| audit(inv, database));
                diags::to_diagnostics(found, sink);
            }
            Err(failure) => sink.fail(failure.clone()),
        }
        self.planned_inputs()
    }
}
