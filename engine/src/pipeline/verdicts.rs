//! What a run of checks decided, and the decisions drawn from it.

use crate::diag::{outcome, CheckFailure, Diagnostic, Outcome, Severity};
use crate::inventory::{DistId, Inventory};
use crate::pipeline::Input;
use crate::report::validate::{self, ValidateReport};

/// The diagnostics and failures of every check of a run, with what the
/// checks ran against. Every decision about a run is made here, the same
/// way for every check: the outcome and exit code, and what purge removes.
#[derive(Debug, Clone, Default)]
pub struct Verdicts {
    /// What the checks ran against, in check order.
    pub inputs: Vec<Input>,
    /// Every diagnostic, sorted by environment, package and code.
    pub diagnostics: Vec<Diagnostic>,
    /// Checks that could not run: any one makes the run an error.
    pub failures: Vec<CheckFailure>,
    /// Lowest severity of a deny diagnostic that counts.
    pub fail_on: Severity,
}

impl Verdicts {
    /// Failures first (fail closed), then any deny at or above `fail_on`.
    pub fn outcome(&self) -> Outcome {
        outcome(&self.diagnostics, &self.failures, self.fail_on)
    }

    /// The process exit code of the outcome: 0 pass, 3 violations, 1 error.
    pub fn exit_code(&self) -> u8 {
        self.outcome().exit_code()
    }

    /// What purge removes ([`super::deny_targets`]), or the failures that
    /// forbid acting: never purge on the strength of a check that ran on
    /// part of the inventory or part of its input.
    pub fn deny_targets(&self) -> Result<Vec<DistId>, &[CheckFailure]> {
        if self.failures.is_empty() {
            Ok(super::deny_targets(&self.diagnostics, self.fail_on))
        } else {
            Err(&self.failures)
        }
    }

    /// The validation report over `inv` (`fetter.validate/1`).
    pub fn report(&self, inv: &Inventory) -> ValidateReport {
        validate::build(
            inv,
            self.inputs.clone(),
            self.diagnostics.clone(),
            self.failures.clone(),
            self.fail_on,
        )
    }

    /// The SARIF 2.1.0 document: one run, one result per diagnostic.
    pub fn sarif(&self) -> serde_json::Value {
        crate::report::sarif::document(&self.diagnostics, &self.failures)
    }
}
