//! The pipeline every command that judges an inventory runs: scan →
//! checks → [`Verdicts`] → report or purge.
//!
//! A check (bounds, policy plugins, the vulnerability audit) implements
//! [`Check`]: it judges an inventory into a shared [`Sink`], as
//! diagnostics or as failures when it could not run. [`Pipeline::run`]
//! runs a set of checks and returns their [`Verdicts`], which decide the
//! outcome and exit code ([`Verdicts::outcome`]) and what purge removes
//! ([`Verdicts::deny_targets`]) in one place, whichever checks ran: a
//! check that could not run never passes and never lets purge act on part
//! of an answer.
//!
//! ```no_run
//! use fetter::bounds::{BoundSource, BoundsConfig};
//! use fetter::pipeline::Pipeline;
//!
//! let scanned = fetter::scan::scan_scope(&fetter::Scope::default());
//! let bounds = BoundsConfig {
//!     sources: vec![BoundSource::from_arg("requirements.txt")],
//!     ..Default::default()
//! };
//! let verdicts = Pipeline::validate().run(&scanned, &[&bounds]);
//! std::process::exit(verdicts.exit_code().into());
//! ```

mod verdicts;

use std::collections::BTreeSet;

use serde::Serialize;

use crate::diag::{Action, CheckFailure, CheckId, Diagnostic, Severity, Sink};
use crate::discover::explicit::Unresolved;
use crate::inventory::{DistId, Inventory};
use crate::scan::Scanned;

pub use verdicts::Verdicts;

/// What a check was run against (a bound file, a plugin, a database).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Input {
    /// The check: `bounds`, `plugin:<name>`, `audit`.
    pub check: CheckId,
    /// The file, URL or plugin.
    pub source: String,
}

/// One check of an inventory. Implementations: [`crate::bounds::BoundsConfig`],
/// [`crate::plugins::PolicyCheck`], [`crate::audit::AuditCheck`].
///
/// A new check implements this, reports diagnostics with its own
/// [`CheckId`] and [`Code`](crate::diag::Code) variant, and reports every
/// way it can fail to run as a [`CheckFailure`] (never as silence).
pub trait Check: Sync {
    /// What the check will run against, as far as known before it runs;
    /// reports list these when the check was not run (nothing in scope).
    fn planned_inputs(&self) -> Vec<Input>;

    /// Judge `inv` into `sink`; returns what the check ran against.
    fn run(&self, inv: &Inventory, sink: &Sink) -> Vec<Input>;
}

/// How a set of checks is run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pipeline {
    /// Lowest severity of a deny diagnostic that fails the run (and that
    /// purge acts on).
    pub fail_on: Severity,
    /// An empty scope is a failure and the checks do not run (`validate`):
    /// a gate over nothing must not pass. Off, the checks run over
    /// whatever was found (`audit`, `purge`).
    pub require_environment: bool,
}

impl Pipeline {
    /// As `fetter validate` runs: every deny fails, an empty scope fails.
    pub fn validate() -> Self {
        Pipeline {
            fail_on: Severity::Info,
            require_environment: true,
        }
    }

    /// As `fetter audit` and `fetter purge` run: the checks run over
    /// whatever the scope holds; denials at or above `fail_on` count.
    pub fn over_scope(fail_on: Severity) -> Self {
        Pipeline {
            fail_on,
            require_environment: false,
        }
    }

    /// Run `checks`, in order, over a scan. Each named scope entry that
    /// found nothing is a failure: a check over a mistyped `--exe` is not
    /// a pass.
    pub fn run(&self, scanned: &Scanned, checks: &[&dyn Check]) -> Verdicts {
        self.run_on(&scanned.inventory, &scanned.unresolved, checks)
    }

    /// [`Pipeline::run`] over an inventory and the scope entries that
    /// resolved to nothing.
    pub fn run_on(
        &self,
        inv: &Inventory,
        unresolved: &[Unresolved],
        checks: &[&dyn Check],
    ) -> Verdicts {
        let sink = Sink::new();
        for u in unresolved {
            sink.fail(CheckFailure::unresolved(u));
        }
        let skip = self.require_environment && inv.environments.is_empty();
        if skip && unresolved.is_empty() {
            sink.fail(CheckFailure::empty_scope());
        }
        let mut inputs = Vec::new();
        for check in checks {
            inputs.extend(if skip {
                check.planned_inputs()
            } else {
                check.run(inv, &sink)
            });
        }
        let (diagnostics, failures) = sink.finish();
        Verdicts {
            inputs,
            diagnostics,
            failures,
            fail_on: self.fail_on,
        }
    }
}

/// The one rule by which verdicts select what purge removes: every
/// installed distribution some diagnostic denies at or above `fail_on`,
/// whichever check denied it. Each distribution once, in inventory order.
///
/// Warnings never select, nor diagnostics without a distribution (a
/// missing requirement). A check's own thresholds (a policy manifest's
/// `fail-on`) have already turned lesser denials into warnings.
///
/// Every check names the distribution it judged by its [`DistId`]; a
/// diagnostic read back from a report has none and selects nothing.
pub fn deny_targets(diagnostics: &[Diagnostic], fail_on: Severity) -> Vec<DistId> {
    let set: BTreeSet<DistId> = diagnostics
        .iter()
        .filter(|d| d.action == Action::Deny && d.severity >= fail_on)
        .filter_map(|d| d.distribution.as_ref()?.id)
        .collect();
    set.into_iter().collect()
}

#[cfg(test)]
mod tests;
