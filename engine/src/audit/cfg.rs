//! Configuration of the audit check: where the OSV data comes from and how
//! old it may be.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// Where the vulnerability data comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditSource {
    /// A local database: PyPI's `all.zip`, a directory of OSV JSON files,
    /// or a fetter database file ([`crate::audit::db::load`]).
    Local(PathBuf),
    /// The OSV API at this base URL, asked about the inventory
    /// ([`crate::audit::online`]; needs the `online` feature).
    Online(String),
}

impl fmt::Display for AuditSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuditSource::Local(p) => write!(f, "{}", p.display()),
            AuditSource::Online(url) => f.write_str(url),
        }
    }
}

/// Everything the audit check needs besides the inventory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditConfig {
    /// The OSV data.
    pub source: AuditSource,
    /// Refuse a local database older than this (`--max-age`): the check
    /// fails rather than pass on stale data.
    pub max_age: Option<Duration>,
}

impl AuditConfig {
    /// The local database at `path` (any age).
    pub fn local(path: impl Into<PathBuf>) -> Self {
        AuditConfig {
            source: AuditSource::Local(path.into()),
            max_age: None,
        }
    }

    /// The local copy made by `fetter audit db update`, or `path` when given.
    pub fn local_or_default(path: Option<PathBuf>, max_age: Option<Duration>) -> Self {
        AuditConfig {
            source: AuditSource::Local(path.unwrap_or_else(crate::audit::db::local_path)),
            max_age,
        }
    }

    /// The OSV API at `url`.
    pub fn online(url: impl Into<String>) -> Self {
        AuditConfig {
            source: AuditSource::Online(url.into()),
            max_age: None,
        }
    }
}
