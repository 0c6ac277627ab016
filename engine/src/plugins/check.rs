//! Policy plugins as a pipeline stage ([`crate::pipeline::Check`]).

use std::sync::Mutex;

use super::run::{evaluate, Options, PluginReport};
use super::{diags, resolve_policy_args, PolicySpec};
use crate::diag::{CheckFailure, Sink};
use crate::inventory::Inventory;
use crate::pipeline::{Check, Input};

/// The policy plugins of a run (`--policy` arguments: files, manifests,
/// first-party names) and how they run. Arguments that name nothing
/// usable, and plugins that cannot run, are failures: the run fails
/// closed while the other plugins still report.
#[derive(Debug)]
pub struct PolicyCheck {
    args: Vec<String>,
    options: Options,
    resolved: Resolved,
    reports: Mutex<Vec<PluginReport>>,
}

/// Policies resolved before the run by the caller (OCI bundles from the
/// local store): their plugins, what the report lists for them, and the
/// failures met resolving them (reported when the check runs).
#[derive(Debug, Default)]
pub struct Resolved {
    /// Plugins to run besides those of the arguments.
    pub specs: Vec<PolicySpec>,
    /// Inputs the report lists for them (`policy`: the pinned bundle).
    pub inputs: Vec<Input>,
    /// What could not be resolved: the run fails closed.
    pub failures: Vec<CheckFailure>,
}

impl PolicyCheck {
    /// The plugins `args` name, run under `options`.
    pub fn new(args: Vec<String>, options: Options) -> Self {
        PolicyCheck {
            args,
            options,
            resolved: Resolved::default(),
            reports: Mutex::new(Vec::new()),
        }
    }

    /// The same check, also running what the caller resolved.
    pub fn with_resolved(mut self, resolved: Resolved) -> Self {
        self.resolved = resolved;
        self
    }

    /// What happened to each plugin in the last run (cache status, time,
    /// error), for callers that report more than diagnostics.
    pub fn reports(&self) -> Vec<PluginReport> {
        self.reports.lock().expect("reports poisoned").clone()
    }
}

impl Check for PolicyCheck {
    /// Plugins are named by their metadata, known only once loaded: nothing
    /// is listed for a check that did not run.
    fn planned_inputs(&self) -> Vec<Input> {
        Vec::new()
    }

    fn run(&self, inv: &Inventory, sink: &Sink) -> Vec<Input> {
        let mut specs = resolve_policy_args(&self.args, sink);
        for f in &self.resolved.failures {
            sink.fail(f.clone());
        }
        specs.extend(self.resolved.specs.iter().cloned());
        let reports = evaluate(inv, &specs, &self.options, sink);
        let mut inputs = self.resolved.inputs.clone();
        inputs.extend(reports.iter().map(|r| Input {
            check: diags::check_name(&r.name),
            source: r.source.clone(),
        }));
        *self.reports.lock().expect("reports poisoned") = reports;
        inputs
    }
}
