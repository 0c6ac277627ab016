//! `fetter plugin info|check` (`build`, `new` and `push` have their own
//! files), and the `--policy` arguments shared with `validate`.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::bail;
use clap::{Args, Subcommand};

use fetter::diag::CheckId;
use fetter::pipeline::Input;
use fetter::plugins::{
    self, abi, Cache, CacheStatus, LogMode, Options, PolicyCheck, PolicySpec, Resolved,
};
use fetter::report::plugin::{PluginInfo, PLUGIN_INFO_SCHEMA};
use fetter::report::render::Format;

/// Policy plugins to run, and their limits (used by `validate`).
#[derive(Debug, Args, Clone, Default)]
pub(super) struct PolicyArgs {
    /// A policy plugin (FILE.wasm), a policy manifest (FILE.toml), the name
    /// of a first-party plugin built into fetter, a bundle
    /// (oci://HOST/REPO:TAG, run from the local store) or a lock file
    /// (FILE.lock: every bundle it pins). Repeatable.
    #[arg(
        long = "policy",
        value_name = "FILE.wasm|FILE.toml|NAME|oci://REF|FILE.lock"
    )]
    pub policies: Vec<String>,
    /// When an oci:// bundle's registry cannot be reached, the oldest
    /// stored copy accepted: set from the command's `--max-age` (purge's
    /// also bounds the OSV database's age), so it is not a flag here.
    #[arg(skip)]
    pub max_age: Option<Duration>,
    #[command(flatten)]
    pub registry: super::policy::RegistryArgs,
    /// The user's trust file for oci:// bundles (instead of $FETTER_TRUST or
    /// ~/.config/fetter/trust.toml; /etc/fetter/trust.toml always applies).
    #[arg(long, value_name = "FILE")]
    pub trust: Option<std::path::PathBuf>,
    /// Memory limit per plugin, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = plugins::DEFAULT_MEMORY_MIB,
          value_parser = clap::value_parser!(u64).range(1..=4096))]
    pub plugin_memory: u64,
    /// Time limit per plugin, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = plugins::DEFAULT_TIMEOUT_SECS,
          value_parser = parse_seconds)]
    pub plugin_timeout: f64,
}

fn parse_seconds(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v <= 86_400.0 => Ok(v),
        // 0 is "between 0 and 86400" to a reader: say which bound it broke.
        Ok(v) if v <= 0.0 => Err(format!(
            "{s:?} is not more than 0 seconds: a plugin needs time to run (e.g. 0.5 or 10; at most 86400)"
        )),
        Ok(v) if v > 86_400.0 => Err(format!(
            "{s:?} is more than 86400 seconds (one day), the longest a plugin may run"
        )),
        _ => Err(format!(
            "{s:?} is not a number of seconds (e.g. 0.5 or 10; more than 0, at most 86400)"
        )),
    }
}

impl PolicyArgs {
    /// How plugins run under these arguments.
    pub(super) fn options(&self, quiet: bool) -> Options {
        Options {
            memory_bytes: (self.plugin_memory * 1024 * 1024) as usize,
            timeout: Duration::from_secs_f64(self.plugin_timeout),
            cache: Cache::from_env(),
            log: if quiet {
                LogMode::Quiet
            } else {
                LogMode::Normal
            },
            columns: true,
        }
    }

    /// The policy check of these arguments: bundles (`oci://`, `.lock`)
    /// are resolved from the local store now (refreshed from the registry
    /// when it answers); the rest when the check runs.
    pub(super) fn check(&self, quiet: bool) -> PolicyCheck {
        let (bundles, local): (Vec<String>, Vec<String>) = self
            .policies
            .iter()
            .cloned()
            .partition(|p| p.starts_with("oci://") || p.ends_with(".lock"));
        let mut resolved = Resolved::default();
        for arg in &bundles {
            self.resolve_bundle(arg, quiet, &mut resolved);
        }
        PolicyCheck::new(local, self.options(quiet)).with_resolved(resolved)
    }

    /// An `oci://` reference or a lock file, resolved from the local store
    /// (refreshed from the registry when it answers) into `resolved`; a
    /// bundle that cannot be had is a check failure, so the run fails closed.
    fn resolve_bundle(&self, arg: &str, quiet: bool, resolved: &mut Resolved) {
        use fetter::oci::{source, store::Store, OciError, Reference};
        use fetter::trust::TrustPolicy;
        let trust = TrustPolicy::load(&TrustPolicy::default_files(self.trust.as_deref()));
        let found = match (trust, self.registry.options()) {
            // No trust rules, no bundle: fail closed.
            (Err(e), _) => Err(OciError::Bundle {
                what: arg.to_string(),
                message: e.to_string(),
            }),
            // Nor without the registry settings the config file asks for.
            (_, Err(e)) => Err(OciError::Bundle {
                what: arg.to_string(),
                message: format!("{e:#}"),
            }),
            (Ok(trust), Ok(client)) => {
                let options = source::Options {
                    client,
                    store: Store::default_location(),
                    max_age: self.max_age,
                    trust,
                };
                if arg.starts_with("oci://") {
                    Reference::parse(arg)
                        .and_then(|r| source::resolve(&r, &options))
                        .map(|r| vec![r])
                } else {
                    source::resolve_lock(std::path::Path::new(arg), &options)
                }
            }
        };
        match found {
            Ok(list) => {
                for r in list {
                    let mut from = r.pinned.clone();
                    if let Some(stale) = &r.stale {
                        if !quiet {
                            eprintln!(
                                "warning: {}: {}",
                                fetter::escape::escape(arg),
                                fetter::escape::escape(stale)
                            );
                        }
                        from = format!("{from} ({stale})");
                    }
                    resolved.inputs.push(Input {
                        check: CheckId::Policy,
                        source: format!("{arg} = {from}"),
                    });
                    resolved.specs.extend(r.specs);
                }
            }
            Err(e) => {
                // The failure's source already names the reference.
                let message = e.to_string();
                let message = message
                    .strip_prefix(&format!("{arg}: "))
                    .unwrap_or(&message)
                    .to_string();
                resolved.failures.push(fetter::diag::CheckFailure {
                    check: CheckId::Policy,
                    source: arg.to_string(),
                    message,
                    environment: None,
                })
            }
        }
    }
}

/// Warn about cache entries of the last run that were not what their key
/// says (another plugin's code, a corrupt file): someone or something
/// wrote the cache.
pub(super) fn warn_recompiled(check: &PolicyCheck, quiet: bool) {
    if quiet {
        return;
    }
    for r in check.reports() {
        if let Some(status @ CacheStatus::Recompiled(_)) = &r.cache {
            eprintln!("warning: plugin `{}`: {status}", r.name);
        }
    }
}

/// Arguments of `fetter plugin`.
#[derive(Debug, Args)]
pub(super) struct PluginArgs {
    #[command(subcommand)]
    command: PluginCommand,
}

#[derive(Debug, Subcommand)]
enum PluginCommand {
    /// Describe a plugin without running it: name, version, ABI, sha256,
    /// description, settings help.
    #[command(
        after_help = "Examples:\n  fetter plugin info plugins/typosquat.wasm\n  fetter plugin info typosquat --json"
    )]
    Info(InfoArgs),
    /// Load a plugin in the sandbox and check that it accepts its settings.
    #[command(
        after_help = "Examples:\n  fetter plugin check my.wasm --settings '{\"allow\": [\"requests\"]}'\n  fetter plugin check policies/default.toml\n\nExit codes: 0 the plugin loads and accepts its settings, 1 it does not."
    )]
    Check(CheckArgs),
    /// Build a plugin project (Python, JavaScript or Rust) into a component.
    #[command(
        after_help = "Examples:\n  fetter plugin build my-policy\n  fetter plugin build . -o dist/my-policy.wasm\n\nPython needs componentize-py, JavaScript componentize-js (with Node), Rust cargo and wasm-tools."
    )]
    Build(super::plugin_build::BuildArgs),
    /// Create a plugin project: an example rule, its test, a README, the contract.
    #[command(
        after_help = "Examples:\n  fetter plugin new no-git                # Python\n  fetter plugin new no-git --lang js"
    )]
    New(super::plugin_new::NewArgs),
    /// Publish one plugin alone as a CNCF WebAssembly OCI artifact.
    #[command(
        after_help = "The artifact: config application/vnd.wasm.config.v0+json, one application/wasm layer\nwhose digest is the sha256 `fetter plugin info` prints. A plugin fetter would not run (not a\ncomponent, an import other than fetter:policy/host) is refused before anything is uploaded.\nPrints HOST/REPO@sha256:….\n\nExamples:\n  fetter plugin push plugins/no-git.wasm oci://registry.acme.internal/plugins/no-git:1.0.0\n  fetter plugin push typosquat oci://registry.acme.internal/plugins/typosquat:v1\n\nExit codes: 0 pushed, 1 refused or failed."
    )]
    Push(super::plugin_push::PushArgs),
}

/// Arguments of `fetter plugin info`.
#[derive(Debug, Args)]
struct InfoArgs {
    /// The plugin: FILE.wasm or the name of a first-party plugin.
    #[arg(value_name = "FILE.wasm|NAME")]
    plugin: String,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Arguments of `fetter plugin check`.
#[derive(Debug, Args)]
struct CheckArgs {
    /// The plugin (FILE.wasm or first-party NAME), or a manifest (FILE.toml)
    /// whose every plugin is checked with its settings.
    #[arg(value_name = "FILE.wasm|FILE.toml|NAME")]
    plugin: String,
    /// Settings to pass to `configure` (JSON).
    #[arg(long, value_name = "JSON")]
    settings: Option<String>,
    #[command(flatten)]
    limits: PolicyArgs,
}

/// Run `fetter plugin …`.
pub(super) fn run(quiet: bool, args: &PluginArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        PluginCommand::Info(a) => info(a),
        PluginCommand::Check(a) => check(quiet, a),
        PluginCommand::Build(a) => super::plugin_build::run(quiet, a),
        PluginCommand::New(a) => super::plugin_new::run(quiet, a),
        PluginCommand::Push(a) => super::plugin_push::run(quiet, a),
    }
}

fn info(args: &InfoArgs) -> anyhow::Result<ExitCode> {
    let spec = one_plugin(&args.plugin)?;
    let bytes = spec
        .read()
        .map_err(|e| anyhow::anyhow!("{}: {e}", spec.label()))?;
    let declared = abi::read(&bytes).map_err(|e| anyhow::anyhow!("{}: {e}", spec.label()))?;
    let problem = abi::inspect(&bytes).err().map(|e| e.to_string());
    let report = PluginInfo {
        schema: PLUGIN_INFO_SCHEMA,
        source: spec.label(),
        sha256: plugins::sha256_hex(&bytes),
        size: bytes.len(),
        abi: Some(declared.abi.to_string()),
        abi_compatible: abi::check_abi(&declared.abi).is_ok(),
        host_abi: abi::HOST_ABI,
        imports: declared.imports.clone(),
        metadata: declared.meta.clone(),
        problem,
    };
    let format = if args.json {
        Format::Json
    } else {
        Format::Table
    };
    super::output::print_plain(&report, format)?;
    Ok(if report.problem.is_some() {
        ExitCode::from(super::EXIT_ERROR)
    } else {
        ExitCode::SUCCESS
    })
}

fn check(quiet: bool, args: &CheckArgs) -> anyhow::Result<ExitCode> {
    let specs = if args.plugin.ends_with(".toml") {
        if args.settings.is_some() {
            bail!("--settings cannot be combined with a manifest: its [plugin.settings] are used");
        }
        plugins::parse_policy_arg(&args.plugin)?
    } else {
        let spec = one_plugin(&args.plugin)?;
        vec![match &args.settings {
            Some(s) => spec.with_settings(s.clone()),
            None => spec,
        }]
    };
    let options = args.limits.options(quiet);
    let engine = plugins::host::engine()?;
    let ticker = plugins::EpochTicker::start(&engine);
    if !ticker.running() {
        bail!("cannot start the timer thread; refusing to run plugins without a time limit");
    }
    let mut failed = false;
    for spec in &specs {
        let limits = plugins::host::Limits {
            memory_bytes: options.memory_bytes,
            timeout: options.timeout,
        };
        let result =
            plugins::load(&engine, spec, &options.cache).and_then(
                |loaded| match plugins::host::run(
                    &engine,
                    &loaded.component,
                    &loaded.name,
                    &spec.settings,
                    None,
                    limits,
                    options.log,
                ) {
                    Ok(out) => Ok((loaded, out)),
                    Err(e) => Err((loaded.name.clone(), e)),
                },
            );
        match result {
            Ok((loaded, out)) => println!(
                "ok  {} {} (ABI {}, sha256 {}): loaded ({}), settings accepted",
                out.info.name, out.info.version, loaded.declared.abi, loaded.sha256, loaded.cache
            ),
            Err((name, e)) => {
                failed = true;
                let f = plugins::diags::failure(&name, &spec.label(), &e);
                eprintln!(
                    "error  {}: {}: {}",
                    f.check,
                    fetter::escape::escape(&f.source),
                    fetter::escape::escape(&f.message)
                );
            }
        }
    }
    Ok(if failed {
        ExitCode::from(super::EXIT_ERROR)
    } else {
        ExitCode::SUCCESS
    })
}

/// A single plugin (not a manifest) named on the command line.
pub(super) fn one_plugin(arg: &str) -> anyhow::Result<PolicySpec> {
    if arg.ends_with(".toml") {
        bail!("{arg}: a policy manifest, not a plugin; give a .wasm file or a first-party plugin name");
    }
    let mut specs = plugins::parse_policy_arg(arg)?;
    Ok(specs.remove(0))
}
