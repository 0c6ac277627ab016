//! Policy plugins as a pipeline stage ([`crate::pipeline::Check`]).

use std::sync::Mutex;

use super::run::{evaluate, Options, PluginReport};
use super::{diags, resolve_policy_args};
use crate::diag::Sink;
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
    reports: Mutex<Vec<PluginReport>>,
}

impl PolicyCheck {
    /// The plugins `args` name, run under `options`.
    pub fn new(args: Vec<String>, options: Options) -> Self {
        PolicyCheck {
            args,
            options,
            reports: Mutex::new(Vec::new()),
        }
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
        let specs = resolve_policy_args(&self.args, sink);
        let reports = evaluate(inv, &specs, &self.options, sink);
        let inputs = reports
            .iter()
            .map(|r| Input {
                check: diags::check_name(&r.name),
                source: r.source.clone(),
            })
            .collect();
        *self.reports.lock().expect("reports poisoned") = reports;
        inputs
    }
}
