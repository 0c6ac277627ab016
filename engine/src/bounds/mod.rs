//! The bounds check: what may be installed, stated as requirements, a
//! `pyproject.toml` or a lock file, compared with every environment.
//!
//! Each installed distribution is OK, `bounds/unrequired` (not in the
//! bound), or `bounds/misdefined` (outside the specifier, or from another
//! source than the direct URL); a requirement nothing satisfies is
//! `bounds/missing`. A bound that cannot be read is a
//! [`CheckFailure`](crate::diag::CheckFailure): the run fails closed.

pub mod cfg;
pub mod check;
pub mod derive;
pub mod diags;
pub mod fetch;
pub mod hashes;
pub mod load;
pub mod lock;
pub mod marker_guard;
mod marker_walk;
pub mod markers;
pub mod matching;
pub mod pyproject;
pub mod req_options;
pub mod requirements;
pub mod source;
pub mod spec;
pub mod unnamed;
pub mod urls;
pub mod wheel_name;

use std::collections::BTreeSet;
use std::path::PathBuf;

pub use cfg::{BoundSource, BoundsConfig, Selection};
pub use spec::{BoundError, BoundRequirement, Origin};

use crate::diag::{Action, CheckFailure, Diagnostic, Sink};
use crate::inventory::Inventory;

/// Every bound of a check, combined.
#[derive(Debug, Default)]
pub struct Bound {
    /// The requirements of every source, in order.
    pub requirements: Vec<BoundRequirement>,
    /// Each lock's `requires-python`: an environment outside one is a finding.
    pub requires_python: Vec<lock::RequiresPython>,
    /// Lock entries selected together (PEP 751): such an environment cannot be checked.
    pub ambiguities: Vec<lock::Ambiguity>,
}

/// Read every bound of `cfg`, combined in order. Errors do not stop the
/// other bounds from being read, so all problems are reported at once.
pub fn load_bound(cfg: &BoundsConfig) -> (Bound, Vec<BoundError>) {
    let mut bound = Bound::default();
    let mut errors = Vec::new();
    for source in &cfg.sources {
        let loaded = load::load(source, &cfg.selection);
        bound.requirements.extend(loaded.requirements);
        bound.requires_python.extend(loaded.requires_python);
        bound.ambiguities.extend(loaded.ambiguities);
        errors.extend(loaded.errors);
    }
    (bound, errors)
}

/// The requirements of every bound of `cfg` ([`load_bound`] without the
/// lock-wide parts).
pub fn load_all(cfg: &BoundsConfig) -> (Vec<BoundRequirement>, Vec<BoundError>) {
    let (bound, errors) = load_bound(cfg);
    (bound.requirements, errors)
}

/// Run the bounds check: load the bounds and compare the inventory with
/// them. When any bound cannot be read, only the failures are reported:
/// comparing with part of a bound would call allowed packages unrequired,
/// and purge would act on that.
pub fn run(inv: &Inventory, cfg: &BoundsConfig, sink: &Sink) {
    let (bound, errors) = load_bound(cfg);
    if !errors.is_empty() {
        for e in &errors {
            sink.fail(diags::parse_failure(e));
        }
        return;
    }
    check::check(inv, &bound, cfg, sink);
}

/// The metadata paths of the distributions validation denies as
/// `bounds/unrequired` or `bounds/misdefined`: what purge removes. Each
/// path once, sorted. A distribution in a site shared by several
/// environments (the user site) is listed when any of them denies it.
pub fn violators(diags: &[Diagnostic]) -> Vec<PathBuf> {
    let set: BTreeSet<PathBuf> = diags
        .iter()
        .filter(|d| d.action == Action::Deny)
        .filter(|d| d.code == diags::UNREQUIRED || d.code == diags::MISDEFINED)
        .filter_map(|d| d.distribution.as_ref().map(|x| x.metadata_path.clone()))
        .collect();
    set.into_iter().collect()
}

/// What `fetter purge --bound` removes: run the check and return
/// [`violators`]. `Err` with the failures when the check could not run
/// completely (a bound unreadable, markers not evaluable): never purge on
/// the strength of part of a bound.
pub fn purge_targets(
    inv: &Inventory,
    cfg: &BoundsConfig,
) -> Result<Vec<PathBuf>, Vec<CheckFailure>> {
    let sink = Sink::new();
    run(inv, cfg, &sink);
    let (diags, failures) = sink.finish();
    if failures.is_empty() {
        Ok(violators(&diags))
    } else {
        Err(failures)
    }
}
