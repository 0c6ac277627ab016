//! Running a set of plugins over an inventory: load (read, pin check, ABI
//! and import check, compile or cache hit), run each in its own sandbox in
//! parallel, check the verdicts, report into the shared sink.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use rayon::prelude::*;
use wasmtime::component::Component;
use wasmtime::Engine;

use super::abi::{self, Declared};
use super::cache::{Cache, CacheStatus};
use super::convert;
use super::diags::{self, PluginError};
use super::host::{self, wit, Limits};
use super::{sha256_hex, Options, PolicySpec};
use crate::diag::{Action, Severity, Sink};
use crate::inventory::Inventory;

/// A plugin ready to run.
pub struct Loaded {
    /// Its name (from its metadata section, else the file name).
    pub name: String,
    /// The sha256 of its bytes.
    pub sha256: String,
    /// What its bytes declare (ABI, imports, metadata).
    pub declared: Declared,
    /// The compiled component.
    pub component: Component,
    /// Whether it came from the cache.
    pub cache: CacheStatus,
}

/// What happened to one plugin in a run.
#[derive(Debug, Clone)]
pub struct PluginReport {
    /// The plugin's name.
    pub name: String,
    /// Where it came from ([`PolicySpec::label`]).
    pub source: String,
    /// Verdicts reported (0 when it failed).
    pub verdicts: usize,
    /// Whether it came from the cache (`None` when it never loaded).
    pub cache: Option<CacheStatus>,
    /// Wall time spent loading and running it.
    pub elapsed: Duration,
    /// Why it failed, if it did (also in the sink).
    pub error: Option<String>,
}

/// Read `spec`'s bytes, check the manifest's pin, check ABI and imports,
/// then compile (or load from `cache`). Errors come with the best name
/// known for the plugin.
pub fn load(
    engine: &Engine,
    spec: &PolicySpec,
    cache: &Cache,
) -> Result<Loaded, (String, PluginError)> {
    let fallback = spec.provisional_name();
    let bytes = spec.read().map_err(|e| (fallback.clone(), e))?;
    let sha256 = sha256_hex(&bytes);
    if let Some(expected) = &spec.sha256 {
        if *expected != sha256 {
            return Err((
                fallback,
                PluginError::HashMismatch {
                    expected: expected.clone(),
                    actual: sha256,
                },
            ));
        }
    }
    // Name the plugin by its metadata as early as possible, even when it is
    // then refused (ABI, imports).
    let name = abi::read(&bytes)
        .ok()
        .and_then(|d| d.meta)
        .map(|m| diags::sanitize(&m.name, 100))
        .filter(|n| !n.is_empty())
        .unwrap_or(fallback);
    let declared = abi::inspect(&bytes).map_err(|e| (name.clone(), e))?;
    let (component, cache) = cache
        .load(engine, &bytes, &sha256)
        .map_err(|e| (name.clone(), e))?;
    Ok(Loaded {
        name,
        sha256,
        declared,
        component,
        cache,
    })
}

/// Run every plugin in `specs` over `inventory`, in parallel, each in its
/// own sandbox. Verdicts go to `sink` as diagnostics, failures as check
/// failures; the returned reports say what happened to each plugin.
pub fn evaluate(
    inventory: &Inventory,
    specs: &[PolicySpec],
    options: &Options,
    sink: &Sink,
) -> Vec<PluginReport> {
    if specs.is_empty() {
        return Vec::new();
    }
    let engine = match host::engine() {
        Ok(e) => e,
        Err(e) => {
            for spec in specs {
                sink.fail(diags::failure(&spec.provisional_name(), &spec.label(), &e));
            }
            return Vec::new();
        }
    };
    let ticker = EpochTicker::start(&engine);
    if !ticker.running() {
        let e = PluginError::Load(
            "cannot start the timer thread; refusing to run plugins without a time limit".into(),
        );
        for spec in specs {
            sink.fail(diags::failure(&spec.provisional_name(), &spec.label(), &e));
        }
        return Vec::new();
    }
    let wit_inventory = convert::to_wit(inventory);
    specs
        .par_iter()
        .map(|spec| {
            let started = Instant::now();
            let mut report = PluginReport {
                name: spec.provisional_name(),
                source: spec.label(),
                verdicts: 0,
                cache: None,
                elapsed: Duration::ZERO,
                error: None,
            };
            let result = load(&engine, spec, &options.cache).and_then(|loaded| {
                report.name = loaded.name.clone();
                report.cache = Some(loaded.cache.clone());
                run_one(
                    &engine,
                    &loaded,
                    spec,
                    inventory,
                    &wit_inventory,
                    options,
                    sink,
                )
                .map_err(|e| (loaded.name, e))
            });
            match result {
                Ok(n) => report.verdicts = n,
                Err((name, e)) => {
                    let failure = diags::failure(&name, &spec.label(), &e);
                    report.error = Some(failure.message.clone());
                    sink.fail(failure);
                }
            }
            report.elapsed = started.elapsed();
            report
        })
        .collect()
}

/// Run one loaded plugin and report its verdicts; returns how many.
fn run_one(
    engine: &Engine,
    loaded: &Loaded,
    spec: &PolicySpec,
    inventory: &Inventory,
    wit_inventory: &wit::Inventory,
    options: &Options,
    sink: &Sink,
) -> Result<usize, PluginError> {
    let limits = Limits {
        memory_bytes: options.memory_bytes,
        timeout: options.timeout,
    };
    let out = host::run(
        engine,
        &loaded.component,
        &loaded.name,
        &spec.settings,
        Some(wit_inventory),
        limits,
        options.log,
    )?;
    check_verdicts(&out.verdicts, inventory.distributions.len())?;
    let by_site = convert::environments_by_site(inventory);
    for v in &out.verdicts {
        let dist = &inventory.distributions[v.distribution as usize];
        let severity = severity(v.severity);
        let mut action = match v.action {
            wit::Action::Warn => Action::Warn,
            wit::Action::Deny => Action::Deny,
        };
        // A manifest's `fail-on`: denials below it only warn.
        if spec.fail_on.is_some_and(|t| severity < t) {
            action = Action::Warn;
        }
        for env in convert::report_environments(inventory, &by_site, &dist.site) {
            sink.push(diags::diagnostic(
                &loaded.name,
                &v.rule,
                severity,
                action,
                &v.message,
                v.suggestion.as_deref(),
                env,
                dist,
            ));
        }
    }
    Ok(out.verdicts.len())
}

/// The most verdicts accepted from one plugin: ten per distribution, and
/// at least 1,000. Past that the plugin is broken or hostile.
pub fn verdict_limit(distributions: usize) -> usize {
    distributions.saturating_mul(10).max(1000)
}

/// Refuse the whole answer if any verdict is unusable: a plugin that names
/// distributions that do not exist cannot be trusted about the others.
fn check_verdicts(verdicts: &[wit::Verdict], distributions: usize) -> Result<(), PluginError> {
    let limit = verdict_limit(distributions);
    if verdicts.len() > limit {
        return Err(PluginError::TooManyVerdicts {
            count: verdicts.len(),
            distributions,
            limit,
        });
    }
    for v in verdicts {
        if v.distribution as usize >= distributions {
            return Err(PluginError::BadDistribution {
                index: v.distribution,
                count: distributions,
            });
        }
        if !diags::valid_rule(&v.rule) {
            return Err(PluginError::BadRule {
                rule: diags::sanitize(&v.rule, 100),
            });
        }
    }
    Ok(())
}

fn severity(s: wit::Severity) -> Severity {
    match s {
        wit::Severity::Info => Severity::Info,
        wit::Severity::Low => Severity::Low,
        wit::Severity::Medium => Severity::Medium,
        wit::Severity::High => Severity::High,
        wit::Severity::Critical => Severity::Critical,
    }
}

/// Advances the engine's epoch every [`host::EPOCH_TICK`] while plugins
/// run, which is what makes their deadlines expire. Stops (promptly, not
/// at the next tick) when dropped.
pub struct EpochTicker {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl EpochTicker {
    /// Start ticking `engine`'s epoch until dropped.
    pub fn start(engine: &Engine) -> EpochTicker {
        let (stop, stopped) = mpsc::channel::<()>();
        let engine = engine.clone();
        let thread = std::thread::Builder::new()
            .name("fetter-plugin-epoch".into())
            .spawn(move || {
                while let Err(mpsc::RecvTimeoutError::Timeout) =
                    stopped.recv_timeout(host::EPOCH_TICK)
                {
                    engine.increment_epoch();
                }
            })
            .ok();
        EpochTicker {
            stop: Some(stop),
            thread,
        }
    }
}

impl EpochTicker {
    /// False when the ticking thread could not be started: deadlines would
    /// never expire, so plugins must not run.
    pub fn running(&self) -> bool {
        self.thread.is_some()
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
