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
pub use fetter_packaging::pep508::marker_guard;
pub mod markers;
pub mod matching;
pub use fetter_packaging::pyproject;
pub use fetter_packaging::requirements_txt::options as req_options;
pub mod requirements;
pub mod source;
pub mod spec;
pub mod unnamed;
pub mod urls;
pub use fetter_packaging::wheel_name;

pub use cfg::{BoundSource, BoundsConfig, Selection, Transitive};
pub use spec::{BoundError, BoundRequirement, Origin};

use crate::diag::{CheckId, Sink};
use crate::inventory::Inventory;
use crate::pipeline::{Check, Input};

/// Every bound of a check, combined.
#[derive(Debug, Default)]
pub struct Bound {
    /// The requirements of every source, in order.
    pub requirements: Vec<BoundRequirement>,
    /// Each lock's `requires-python`: an environment outside one is a finding.
    pub requires_python: Vec<lock::RequiresPython>,
    /// Lock entries selected together (PEP 751): such an environment cannot be checked.
    pub ambiguities: Vec<lock::Ambiguity>,
    /// Some source names direct dependencies only (a `pyproject.toml`):
    /// under [`Transitive::Auto`], what they pull in is required too.
    pub direct_only_source: bool,
}

impl Bound {
    /// Whether distributions the bound's requirements depend on count as
    /// required, under `cfg`.
    pub fn accepts_dependencies(&self, cfg: &BoundsConfig) -> bool {
        match cfg.transitive {
            Transitive::Auto => self.direct_only_source,
            Transitive::Allow => true,
            Transitive::Deny => false,
        }
    }
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
        bound.direct_only_source |= loaded.format == Some(load::Format::Pyproject);
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

/// The bounds check as a pipeline stage: its inputs are the bound sources.
impl Check for BoundsConfig {
    fn planned_inputs(&self) -> Vec<Input> {
        self.sources
            .iter()
            .map(|s| Input {
                check: CheckId::Bounds,
                source: s.to_string(),
            })
            .collect()
    }

    fn run(&self, inv: &Inventory, sink: &Sink) -> Vec<Input> {
        if !self.sources.is_empty() {
            run(inv, self, sink);
        }
        self.planned_inputs()
    }
}
