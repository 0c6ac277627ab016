//! The audit check: installed distributions against OSV's known
//! vulnerabilities and malicious packages, offline first.
//!
//! A database that is missing, unreadable or older than allowed is an
//! error, never a clean result: the audit fails closed.

pub mod cfg;
pub mod check;
pub mod db;
pub mod diags;
#[cfg(feature = "online")]
pub mod online;
pub mod osv;
pub mod ranges;
pub mod rpmver;
mod run;

pub use cfg::{AuditConfig, AuditSource};
pub use check::{audit, Vulnerability};
pub use db::{Database, DbError};
pub use run::AuditCheck;
