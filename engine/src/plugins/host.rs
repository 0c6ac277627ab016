//! The sandbox: one wasmtime engine, and per plugin a fresh store with a
//! memory limit and a deadline, a linker that grants only `log`, and the
//! calls `info` -> `configure` -> `evaluate`.

use std::time::Duration;

use fetter_plugin_abi::{COLUMNS_EXPORT, EVALUATOR_EXPORT};
use wasmtime::component::{Component, HasSelf, Instance, Linker, Lower};
use wasmtime::{Config, Engine, ResourceLimiter, Store, StoreLimits, StoreLimitsBuilder, Trap};

use super::diags::{sanitize, PluginError, SandboxCount, MAX_INSTANCES, MAX_MEMORIES, MAX_TABLES};

wasmtime::component::bindgen!({
    path: "../plugin-sdk/wit/policy.wit",
    world: "policy",
});

/// The contract's records, as the host sees them.
pub mod wit {
    pub use super::exports::fetter::policy::evaluator::{
        Action, DirectUrl, Distribution, Environment, EnvironmentKind, Inventory, PluginInfo,
        Severity, Verdict,
    };
}

use self::fetter::policy::host::LogLevel;

/// How often the epoch advances: the granularity of the time limit.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Most log lines kept from one plugin run; the rest are counted and dropped.
const MAX_LOG_LINES: usize = 200;
/// Longest log line kept, in characters.
const MAX_LOG_CHARS: usize = 1000;

/// The engine every plugin runs on: Cranelift, component model, epoch
/// interruption for the time limit. Nothing else is configured in, so
/// nothing else can be granted.
pub fn engine() -> Result<Engine, PluginError> {
    let mut config = Config::new();
    config.wasm_component_model(true);
    config.epoch_interruption(true);
    config.parallel_compilation(true);
    config.cranelift_opt_level(wasmtime::OptLevel::Speed);
    Engine::new(&config)
        .map_err(|e| PluginError::Load(format!("cannot start the WebAssembly engine: {e}")))
}

/// Limits for one plugin run.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Linear memory, in bytes: all of the plugin's memories together.
    pub memory_bytes: usize,
    /// Wall-clock time for instantiate + info + configure + evaluate.
    pub timeout: Duration,
}

/// Where a plugin's log lines go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogMode {
    /// Nowhere (errors are still used to explain crashes).
    Quiet,
    /// Info and above, on stderr.
    Normal,
    /// Everything, on stderr.
    Verbose,
}

/// What a successful run produced.
#[derive(Debug)]
pub struct RunOutput {
    /// What the plugin said about itself.
    pub info: wit::PluginInfo,
    /// Its verdicts (not yet checked against the inventory).
    pub verdicts: Vec<wit::Verdict>,
    /// Its linear memory at the end, in bytes: all memories together. A
    /// memory never shrinks, so this is the most it used.
    pub memory_bytes: usize,
    /// Whether it was given the inventory in columns (`evaluate-columns`)
    /// rather than as records.
    pub columns: bool,
}

/// The inventory for `evaluate`, asked for only when the plugin is about
/// to evaluate: as records (what every plugin takes), and in columns for
/// the plugins that export the `columns` interface.
pub struct Inventories<'f, 'i, I: ?Sized, C: ?Sized> {
    /// The contract's `inventory` record, or a borrowed view of it.
    pub records: &'f dyn Fn() -> &'i I,
    /// The `inventory-columns` record; `None` to give every plugin records.
    pub columns: Option<&'f dyn Fn() -> &'i C>,
}

/// Per-store state.
struct StoreData {
    plugin: String,
    limiter: Limiter,
    log_mode: LogMode,
    log_lines: usize,
    /// The last error-level line: the SDK logs panic messages there.
    last_error: Option<String>,
}

/// Most elements in one table.
const MAX_TABLE_ELEMENTS: usize = 1_000_000;

/// `StoreLimits` plus the plugin's linear memory in all, and a note of
/// whether the memory limit was what stopped the plugin, so the error can
/// say so.
struct Limiter {
    limits: StoreLimits,
    /// `--plugin-memory`, for all of the plugin's memories together
    /// (`StoreLimits` limits each memory, so a plugin with 4 memories
    /// would get 4 times the limit).
    memory_limit: usize,
    /// Bytes of every memory allowed so far. A growth allowed here that
    /// then fails (past the memory's own maximum) stays counted: the sum
    /// errs on the side of the limit.
    memory_total: usize,
    exceeded: Option<usize>,
}

/// wasmtime reads the counts once, when the limiter is installed, and
/// checks them at every instantiation; `ResourceLimiter`'s defaults (not
/// `StoreLimits`') apply unless they are forwarded here.
impl ResourceLimiter for Limiter {
    fn instances(&self) -> usize {
        self.limits.instances()
    }

    fn memories(&self) -> usize {
        self.limits.memories()
    }

    fn tables(&self) -> usize {
        self.limits.tables()
    }

    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        // `current` is this memory's size (0 when it is created).
        let total = self
            .memory_total
            .saturating_sub(current)
            .saturating_add(desired);
        let allowed =
            total <= self.memory_limit && self.limits.memory_growing(current, desired, maximum)?;
        if allowed {
            self.memory_total = total;
        } else {
            self.exceeded = Some(total);
            // Trap rather than let `memory.grow` return -1: the plugin stops
            // here with a precise error instead of aborting somewhere else.
            wasmtime::bail!("memory limit exceeded");
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.limits.table_growing(current, desired, maximum)
    }
}

impl self::fetter::policy::host::Host for StoreData {
    fn log(&mut self, level: LogLevel, message: String) {
        self.log_lines += 1;
        if level == LogLevel::Error {
            self.last_error = Some(sanitize(&message, MAX_LOG_CHARS));
        }
        let shown = match self.log_mode {
            LogMode::Quiet => false,
            LogMode::Normal => level != LogLevel::Debug,
            LogMode::Verbose => true,
        };
        if !shown {
            return;
        }
        if self.log_lines <= MAX_LOG_LINES {
            let message = sanitize(&message, MAX_LOG_CHARS);
            let level = match level {
                LogLevel::Debug => "debug",
                LogLevel::Info => "info",
                LogLevel::Warn => "warning",
                LogLevel::Error => "error",
            };
            eprintln!("plugin {}: {level}: {message}", self.plugin);
        } else if self.log_lines == MAX_LOG_LINES + 1 {
            eprintln!("plugin {}: further log lines suppressed", self.plugin);
        }
    }
}

/// Instantiate `component` in a fresh sandbox and run it: `info`, then
/// `configure(settings)`, then (when `inventory` is given) `evaluate`.
pub fn run(
    engine: &Engine,
    component: &Component,
    plugin: &str,
    settings: &str,
    inventory: Option<&wit::Inventory>,
    limits: Limits,
    log_mode: LogMode,
) -> Result<RunOutput, PluginError> {
    let records = inventory.map(|inv| move || inv);
    let inventories = records.as_ref().map(|records| Inventories::<_, ()> {
        records,
        columns: None,
    });
    run_lazy(
        engine,
        component,
        plugin,
        settings,
        inventories,
        limits,
        log_mode,
    )
}

/// [`run`], asking for the inventory only once the plugin is configured
/// and about to evaluate: plugins running in parallel share one
/// inventory, built by whichever gets there first, while the others are
/// still loading, instead of before any of them starts.
///
/// The records are anything that lowers as the contract's `inventory`
/// record: [`wit::Inventory`], or a borrowed view of fetter's own records
/// ([`super::convert::InventoryView`]); the columns, anything that lowers
/// as `inventory-columns` ([`super::columns::ColumnsView`]). wasmtime
/// checks the types against the plugin's before the call. A plugin that
/// exports the `columns` interface gets the columns when they are given.
pub fn run_lazy<'i, I, C>(
    engine: &Engine,
    component: &Component,
    plugin: &str,
    settings: &str,
    inventory: Option<Inventories<'_, 'i, I, C>>,
    limits: Limits,
    log_mode: LogMode,
) -> Result<RunOutput, PluginError>
where
    I: Lower + Sync + ?Sized + 'i,
    C: Lower + Sync + ?Sized + 'i,
{
    let data = StoreData {
        plugin: plugin.to_string(),
        limiter: Limiter {
            limits: StoreLimitsBuilder::new()
                .memory_size(limits.memory_bytes)
                .instances(MAX_INSTANCES)
                .memories(MAX_MEMORIES)
                .tables(MAX_TABLES)
                .table_elements(MAX_TABLE_ELEMENTS)
                .build(),
            memory_limit: limits.memory_bytes,
            memory_total: 0,
            exceeded: None,
        },
        log_mode,
        log_lines: 0,
        last_error: None,
    };
    let mut store = Store::new(engine, data);
    store.limiter(|d| &mut d.limiter);
    let ticks = (limits.timeout.as_millis() / EPOCH_TICK.as_millis()).max(1) as u64;
    store.set_epoch_deadline(ticks);
    store.epoch_deadline_trap();

    let mut linker = Linker::new(engine);
    Policy::add_to_linker::<_, HasSelf<_>>(&mut linker, |d| d)
        .map_err(|e| PluginError::Load(format!("cannot set up the sandbox: {e}")))?;
    let instance = match linker.instantiate(&mut store, component) {
        Ok(i) => i,
        Err(e) => return Err(classify(e, &store, limits, "instantiation")),
    };
    let policy = Policy::new(&mut store, &instance)
        .map_err(|e| classify(e, &store, limits, "instantiation"))?;
    let evaluator = policy.fetter_policy_evaluator();
    let info = evaluator
        .call_info(&mut store)
        .map_err(|e| classify(e, &store, limits, "info"))?;
    evaluator
        .call_configure(&mut store, settings)
        .map_err(|e| classify(e, &store, limits, "configure"))?
        .map_err(|msg| PluginError::SettingsRejected(sanitize(&msg, 2000)))?;
    let mut columns = false;
    let verdicts = match inventory {
        None => Vec::new(),
        Some(inv) => {
            let result = match inv.columns {
                Some(cols) if exports(&mut store, &instance, COLUMNS_EXPORT) => {
                    columns = true;
                    evaluate(
                        &mut store,
                        &instance,
                        COLUMNS_EXPORT,
                        "evaluate-columns",
                        cols(),
                    )
                }
                _ => evaluate(
                    &mut store,
                    &instance,
                    EVALUATOR_EXPORT,
                    "evaluate",
                    (inv.records)(),
                ),
            };
            result
                .map_err(|e| classify(e, &store, limits, "evaluate"))?
                .map_err(|msg| PluginError::EvaluateFailed(sanitize(&msg, 2000)))?
        }
    };
    Ok(RunOutput {
        info,
        verdicts,
        memory_bytes: store.data().limiter.memory_total,
        columns,
    })
}

/// Whether the plugin exports the interface `name` (any semver-compatible
/// version).
fn exports(store: &mut Store<StoreData>, instance: &Instance, name: &str) -> bool {
    instance.get_export_index(&mut *store, None, name).is_some()
}

/// Call `function` of the exported `interface` with any lowerable form of
/// the inventory (the generated `call_evaluate` takes only the owned
/// record, and the host's bindings do not know the optional `columns`
/// interface). A plugin whose function has another type fails the call.
fn evaluate<I: Lower + ?Sized>(
    store: &mut Store<StoreData>,
    instance: &Instance,
    interface: &str,
    function: &str,
    inventory: &I,
) -> wasmtime::Result<Result<Vec<wit::Verdict>, String>> {
    let index = instance
        .get_export_index(&mut *store, None, interface)
        .ok_or_else(|| wasmtime::format_err!("no export {interface}"))?;
    let func = instance
        .get_export_index(&mut *store, Some(&index), function)
        .ok_or_else(|| wasmtime::format_err!("no function {function} in {interface}"))?;
    let evaluate = instance
        .get_typed_func::<(&I,), (Result<Vec<wit::Verdict>, String>,)>(&mut *store, &func)?;
    Ok(evaluate.call(&mut *store, (inventory,))?.0)
}

/// Which count limit stopped an instantiation, if one did. wasmtime
/// reports it only as a message (`resource limit exceeded: instance count
/// too high at 129`, from `StoreOpaque::bump_resource_counts`), with no
/// type to match; the e2e test `plugins::sandbox_counts` notices when a
/// wasmtime upgrade rewords it (the error would then be a plain crash,
/// still failing closed).
fn count_limit(error: &wasmtime::Error) -> Option<SandboxCount> {
    let text = format!("{error:#}");
    [
        ("instance", SandboxCount::Instances),
        ("memory", SandboxCount::Memories),
        ("table", SandboxCount::Tables),
    ]
    .into_iter()
    .find(|(desc, _)| text.contains(&format!("resource limit exceeded: {desc} count too high")))
    .map(|(_, what)| what)
}

/// Turn a wasmtime error into the reason people need: out of time, out of
/// memory, or a crash (with the panic message the SDK logged, if any).
fn classify(
    error: wasmtime::Error,
    store: &Store<StoreData>,
    limits: Limits,
    during: &'static str,
) -> PluginError {
    let data = store.data();
    const MIB: u64 = 1024 * 1024;
    if let Some(requested) = data.limiter.exceeded {
        return PluginError::MemoryLimit {
            limit_mib: limits.memory_bytes as u64 / MIB,
            requested_mib: (requested as u64).div_ceil(MIB),
            during,
        };
    }
    if let Some(what) = count_limit(&error) {
        return PluginError::CountLimit { what, during };
    }
    match error.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => PluginError::Timeout {
            seconds: limits.timeout.as_secs_f64(),
            during,
        },
        Some(trap) => PluginError::Trap {
            during,
            trap: trap.to_string(),
            panic: data.last_error.clone(),
        },
        None => PluginError::Trap {
            during,
            trap: sanitize(&format!("{error:#}"), 1000),
            panic: data.last_error.clone(),
        },
    }
}
