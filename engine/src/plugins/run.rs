//! Running a set of plugins over an inventory: load (read, pin check, ABI
//! and import check, compile or cache hit), run each in its own sandbox in
//! parallel, check the verdicts ([`super::verdicts`]), report into the
//! shared sink.

use std::sync::{mpsc, OnceLock};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use wasmtime::component::Component;
use wasmtime::Engine;

use super::abi::{self, Declared};
use super::cache::{Cache, CacheStatus};
use super::columns::ColumnsView;
use super::convert;
use super::diags::{self, PluginError};
use super::host::{self, Inventories, Limits, LogMode};
use super::verdicts;
use super::{PolicySpec, DEFAULT_MEMORY_MIB, DEFAULT_TIMEOUT_SECS};
use crate::diag::Sink;
use crate::inventory::Inventory;

/// How plugins run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Memory limit per plugin, in bytes.
    pub memory_bytes: usize,
    /// Time limit per plugin.
    pub timeout: Duration,
    /// The compiled-component cache.
    pub cache: Cache,
    /// Where plugin log lines go.
    pub log: LogMode,
    /// Give the inventory in columns to the plugins that take it (the
    /// Python and JavaScript SDKs' `evaluate-columns`); false gives every
    /// plugin records (`evaluate`), for comparing the two.
    pub columns: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            memory_bytes: (DEFAULT_MEMORY_MIB * 1024 * 1024) as usize,
            timeout: Duration::from_secs_f64(DEFAULT_TIMEOUT_SECS),
            cache: Cache::from_env(),
            log: LogMode::Normal,
            columns: true,
        }
    }
}

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
    /// Its linear memory after the run, in bytes (0 when it failed).
    pub memory_bytes: usize,
    /// Whether it took the inventory in columns (`evaluate-columns`).
    pub columns: bool,
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
    let (bytes, sha256) = spec.read_hashed().map_err(|e| (fallback.clone(), e))?;
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
    let lowering = OnceLock::new();
    let view = OnceLock::new();
    let columns = OnceLock::new();
    // Longest first, so the slowest plugin is not left to start after the
    // others on a machine with fewer cores than plugins; the component's
    // size is the cost estimate (plugins with big embedded tables, like
    // typosquat, do the most work). Reports keep the order of `specs`.
    let mut order: Vec<usize> = (0..specs.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(specs[i].size_hint()));
    let mut reports: Vec<(usize, PluginReport)> = order
        .par_iter()
        .with_max_len(1)
        .map(|&i| (i, &specs[i]))
        .map(|(i, spec)| {
            let started = Instant::now();
            let mut report = PluginReport {
                name: spec.provisional_name(),
                source: spec.label(),
                verdicts: 0,
                cache: None,
                elapsed: Duration::ZERO,
                memory_bytes: 0,
                columns: false,
                error: None,
            };
            let result = load(&engine, spec, &options.cache).and_then(|loaded| {
                report.name = loaded.name.clone();
                report.cache = Some(loaded.cache.clone());
                let lowering = || lowering.get_or_init(|| convert::Lowering::new(inventory));
                let records = || view.get_or_init(|| lowering().view(inventory));
                let cols = || columns.get_or_init(|| ColumnsView::new(lowering(), inventory));
                let inventories = Inventories {
                    records: &records,
                    columns: if options.columns {
                        Some(dyn_fn(&cols))
                    } else {
                        None
                    },
                };
                run_one(
                    &engine,
                    &loaded,
                    spec,
                    inventory,
                    inventories,
                    options,
                    sink,
                )
                .map_err(|e| (loaded.name, e))
            });
            match result {
                Ok(out) => {
                    report.verdicts = out.verdicts;
                    report.memory_bytes = out.memory_bytes;
                    report.columns = out.columns;
                }
                Err((name, e)) => {
                    let failure = diags::failure(&name, &spec.label(), &e);
                    report.error = Some(failure.message.clone());
                    sink.fail(failure);
                }
            }
            report.elapsed = started.elapsed();
            (i, report)
        })
        .collect();
    reports.sort_by_key(|(i, _)| *i);
    reports.into_iter().map(|(_, r)| r).collect()
}

/// `f` as a trait object (a closure does not coerce inside an `Option`).
fn dyn_fn<'f, 'i, T: ?Sized>(f: &'f dyn Fn() -> &'i T) -> &'f dyn Fn() -> &'i T {
    f
}

/// What [`run_one`] reports.
struct RunSummary {
    verdicts: usize,
    memory_bytes: usize,
    columns: bool,
}

/// Run one loaded plugin and report its verdicts.
fn run_one<'i>(
    engine: &Engine,
    loaded: &Loaded,
    spec: &PolicySpec,
    inventory: &Inventory,
    inventories: Inventories<'_, 'i, convert::InventoryView<'i>, ColumnsView<'i>>,
    options: &Options,
    sink: &Sink,
) -> Result<RunSummary, PluginError> {
    let limits = Limits {
        memory_bytes: options.memory_bytes,
        timeout: options.timeout,
    };
    let out = host::run_lazy(
        engine,
        &loaded.component,
        &loaded.name,
        &spec.settings,
        Some(inventories),
        limits,
        options.log,
    )?;
    let raw: Vec<_> = out.verdicts.into_iter().map(convert::raw_verdict).collect();
    let diagnostics = verdicts::to_diagnostics(&loaded.name, &raw, inventory, spec.fail_on)?;
    for d in diagnostics {
        sink.push(d);
    }
    Ok(RunSummary {
        verdicts: raw.len(),
        memory_bytes: out.memory_bytes,
        columns: out.columns,
    })
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
