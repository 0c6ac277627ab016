//! `fetter-osquery`: the osquery extension binary. osqueryd starts it with
//! `--socket PATH --timeout S --interval S [--verbose]`; `--scan-once`
//! scans and prints a JSON summary without osqueryd.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use osquery_rust_ng::Server;

use fetter_osquery::cache::Cache;
use fetter_osquery::config::{Config, ENV_VAR};
use fetter_osquery::scan_child::{self, ScanCommand};
use fetter_osquery::tables::FetterTable;
use fetter_osquery::{engine_bridge, logging, priority};

/// The name the extension registers under (`osquery_extensions.name`).
const EXTENSION_NAME: &str = "fetter";

/// fetter's Python inventory, findings and start-up files as osquery tables.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// osqueryd's extension manager socket (osqueryd passes it).
    #[arg(long, value_name = "PATH", required_unless_present_any = ["scan_once", "scan_child"])]
    socket: Option<PathBuf>,
    /// Seconds to wait for the socket to appear.
    #[arg(long, value_name = "SECONDS", default_value_t = 3)]
    timeout: u64,
    /// Accepted from osqueryd; the SDK pings the manager every 500 ms.
    #[arg(long, value_name = "SECONDS", default_value_t = 3)]
    interval: u64,
    /// Debug logging on stderr.
    #[arg(long)]
    verbose: bool,
    /// The extension's config file [default: $FETTER_OSQUERY_CONFIG, else
    /// /etc/fetter/osquery.toml when it exists, else built-in defaults].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Scan once as the extension would, print a JSON summary and exit
    /// (exit 1 if a check could not run): check a config without osqueryd.
    #[arg(long)]
    scan_once: bool,
    /// Internal: be a scan process (one scan, snapshot JSON on stdout).
    #[arg(long = "scan-child", hide = true)]
    scan_child: bool,
    /// Internal: use the built-in defaults, whatever files exist.
    #[arg(long, hide = true, conflicts_with = "config")]
    no_config: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    logging::init(args.verbose);
    let located = if args.no_config {
        Ok(Config::default())
    } else {
        Config::locate(args.config.as_deref())
    };
    let cfg = match located {
        Ok(c) => c,
        Err(e) => {
            log::error!("config: {e}");
            return ExitCode::FAILURE;
        }
    };
    if args.scan_child {
        return scan_child::child_main(&cfg);
    }
    match &cfg.path {
        Some(p) => log::info!("config {}", p.display()),
        None => log::info!("no config file (--config, ${ENV_VAR}): built-in defaults"),
    }
    if args.scan_once {
        return scan_once(&cfg);
    }
    let Some(socket) = args.socket.as_deref() else {
        log::error!("--socket is required");
        return ExitCode::from(2);
    };
    serve(socket, Duration::from_secs(args.timeout), cfg)
}

fn serve(socket: &Path, timeout: Duration, cfg: Config) -> ExitCode {
    if !wait_for(socket, timeout) {
        log::error!(
            "{}: no extension manager socket after {timeout:?}; is osqueryd running with extensions enabled?",
            socket.display()
        );
        return ExitCode::FAILURE;
    }
    priority::limit_arenas();
    let cache = Cache::new();
    let scan = match ScanCommand::current(cfg.path.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            log::error!("cannot find this program to start scans: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = cache.spawn_refresher(scan, cfg.refresh) {
        log::error!("cannot start the scan thread: {e}");
        return ExitCode::FAILURE;
    }
    refresh_on_sighup(&cache);
    let mut server = match Server::new(Some(EXTENSION_NAME), &socket.to_string_lossy()) {
        Ok(s) => s,
        Err(e) => {
            log::error!("{}: cannot connect: {e}", socket.display());
            return ExitCode::FAILURE;
        }
    };
    for plugin in FetterTable::plugins(&cache) {
        server.register_plugin(plugin);
    }
    // Returns when osqueryd asks us to stop, stops answering pings, or on
    // SIGTERM/SIGINT.
    match server.run_with_signal_handling() {
        Ok(()) => {
            log::info!("stopped");
            ExitCode::SUCCESS
        }
        Err(e) => {
            log::error!("{}: {e}", socket.display());
            ExitCode::FAILURE
        }
    }
}

/// `kill -HUP` rescans now, as `SELECT * FROM fetter_scan WHERE refresh = 1` does.
fn refresh_on_sighup(cache: &std::sync::Arc<Cache>) {
    let cache = std::sync::Arc::clone(cache);
    match signal_hook::iterator::Signals::new([signal_hook::consts::SIGHUP]) {
        Ok(mut signals) => {
            let spawned = std::thread::Builder::new()
                .name("fetter-sighup".into())
                .spawn(move || {
                    for _ in signals.forever() {
                        log::info!("SIGHUP: rescanning");
                        cache.request_refresh();
                    }
                });
            if let Err(e) = spawned {
                log::warn!("SIGHUP will not rescan: {e}");
            }
        }
        Err(e) => log::warn!("SIGHUP will not rescan: {e}"),
    }
}

fn wait_for(socket: &Path, timeout: Duration) -> bool {
    let start = Instant::now();
    loop {
        if socket.exists() {
            return true;
        }
        if start.elapsed() >= timeout {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Run by an operator (and as the benchmark's reference), so at normal
/// priority; still on one thread, as the extension's scans.
fn scan_once(cfg: &Config) -> ExitCode {
    let snap = match rayon::ThreadPoolBuilder::new().num_threads(1).build() {
        Ok(pool) => pool.install(|| engine_bridge::scan(cfg)),
        Err(e) => {
            log::error!("cannot start the scan worker: {e}");
            return ExitCode::FAILURE;
        }
    };
    let errors: Vec<_> = snap
        .findings
        .iter()
        .filter(|f| f.outcome == fetter_osquery::snapshot::Outcome::Error)
        .map(|f| serde_json::json!({"check": f.check, "source": f.source, "message": f.message}))
        .collect();
    let summary = serde_json::json!({
        "scanned_at": snap.scanned_at,
        "duration_ms": snap.duration.as_millis() as u64,
        "environments": snap.environments.len(),
        "packages": snap.packages.len(),
        "findings": snap.findings.len(),
        "startup_files": snap.startup.len(),
        "errors": errors,
    });
    println!("{summary:#}");
    if errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
