//! Purge: remove installed distributions safely, and undo it.
//!
//! Every consumer (`purge-pattern`, `purge --bound`, `purge --policy`)
//! selects target distributions by [`Distribution::metadata_path`] and
//! calls [`plan`] then [`execute`] (or [`run`] for both). The rules hold
//! whoever selected the targets:
//!
//! - only files the distribution's own RECORD lists (plus its metadata
//!   directory and the `__pycache__` entries of its modules) are removed,
//!   and only inside its own environment ([`containment`]), and never a
//!   file another distribution or the environment itself owns ([`owners`]);
//! - nothing in an externally-managed or OS-owned site ([`ownership`]);
//! - pip is kept unless named explicitly ([`PlanOptions::allow_pip`]);
//! - files go to a quarantine with a durable manifest written before the
//!   first move ([`manifest`], [`quarantine`]), restorable byte-identically
//!   ([`restore()`]), one purge per environment at a time ([`lock`]).
//!
//! [`Distribution::metadata_path`]: crate::inventory::Distribution::metadata_path

pub mod containment;
pub mod execute;
pub mod fileops;
mod files;
pub mod listing;
pub mod lock;
pub mod manifest;
pub mod owners;
pub mod ownership;
pub mod plan;
pub mod quarantine;
pub mod refusal;
pub mod restore;

pub use execute::{
    execute, resume, Disposal, ExecuteOptions, PurgeError, PurgeOutcome, ResumeError,
};
pub use plan::{
    plan, DistributionPlan, EnvironmentPlan, Plan, PlanOptions, Refusal, SharedFile, Target,
};
pub use quarantine::{data_dir, QuarantineError, Store};
pub use refusal::{FilesRefusal, ForeignOwner, RefusalReason};
pub use restore::{restore, RestoreError, RestoreOptions, RestoreOutcome, StopReason};

use crate::inventory::{DistId, Inventory};

/// Plan and carry out the removal of `targets` in
/// one step, for callers that have already confirmed with the user.
/// Returns the plan (for its refusals) and what was done.
pub fn run<'a>(
    inv: &'a Inventory,
    targets: &[DistId],
    plan_opts: &PlanOptions,
    exec_opts: &ExecuteOptions,
) -> (Plan<'a>, Result<PurgeOutcome, PurgeError>) {
    let p = plan(inv, targets, plan_opts);
    let outcome = execute(&p, exec_opts);
    (p, outcome)
}
