//! Scans run in a child process: the same binary with [`CHILD_FLAG`],
//! which scans once and writes its [`Snapshot`] as JSON on stdout.
//!
//! The extension itself then never holds the scan's working memory, the
//! plugin sandbox or its compiler's code, so it idles small; a plugin or
//! scan that crashes or runs out of memory costs one refresh (an `error`
//! row), not the extension. The child is forked from the lowered scan
//! thread, so it starts at that thread's nice value and I/O class, and it
//! runs the engine on a single rayon thread.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use crate::config::Config;
use crate::snapshot::Snapshot;
use crate::{engine_bridge, priority};

/// The hidden flag that makes the binary a scan child.
pub const CHILD_FLAG: &str = "--scan-child";

/// How to start a scan child.
#[derive(Debug, Clone)]
pub struct ScanCommand {
    program: PathBuf,
    config: Option<PathBuf>,
}

impl ScanCommand {
    /// This binary, reading the config file at `config` (`None`: the defaults).
    pub fn current(config: Option<&Path>) -> std::io::Result<ScanCommand> {
        Ok(ScanCommand {
            program: std::env::current_exe()?,
            config: config.map(Path::to_path_buf),
        })
    }

    /// Run one scan in a child process. Never fails: a child that cannot
    /// start, dies or prints something unreadable gives a snapshot with
    /// one `error` finding.
    pub fn run(&self) -> Snapshot {
        let mut cmd = Command::new(&self.program);
        cmd.arg(CHILD_FLAG);
        match &self.config {
            Some(c) => cmd.arg("--config").arg(c),
            // Defaults, even if a config file appeared since the extension started.
            None => cmd.arg("--no-config"),
        };
        let failed = |message: String| {
            log::error!("{message}");
            Snapshot::failed(engine_bridge::now(), message)
        };
        let mut child = match cmd.stdin(Stdio::null()).stdout(Stdio::piped()).spawn() {
            Ok(c) => c,
            Err(e) => {
                return failed(format!(
                    "cannot start the scan process {}: {e}",
                    self.program.display()
                ))
            }
        };
        let mut out = Vec::new();
        let read = child.stdout.take().map(|mut s| s.read_to_end(&mut out));
        let status = match child.wait() {
            Ok(s) => s,
            Err(e) => return failed(format!("the scan process was lost: {e}")),
        };
        if let Some(Err(e)) = read {
            return failed(format!("cannot read the scan process's output: {e}"));
        }
        if !status.success() {
            return failed(format!(
                "the scan process failed ({status}); its stderr is in the extension's log"
            ));
        }
        serde_json::from_slice(&out)
            .unwrap_or_else(|e| failed(format!("the scan process wrote no snapshot: {e}")))
    }
}

/// The child's `main`: lower priority, scan on one rayon thread, print JSON.
pub fn child_main(cfg: &Config) -> ExitCode {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl with integer arguments only. The scan is of no use once
    // the extension (whose scan thread started us) is gone.
    unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
    }
    if let Err(e) = priority::lower_current_thread() {
        log::warn!("cannot lower the scan's priority: {e}");
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .start_handler(|_| {
            if let Err(e) = priority::lower_current_thread() {
                log::warn!("cannot lower the scan worker's priority: {e}");
            }
        })
        .build();
    let mut snap = match pool {
        Ok(pool) => pool.install(|| {
            let mut s = engine_bridge::scan(cfg);
            s.cost.nice = priority::current_thread_nice();
            s
        }),
        Err(e) => {
            log::error!("cannot start the scan worker: {e}");
            return ExitCode::FAILURE;
        }
    };
    let (cpu_ms, peak_kib) = priority::own_usage();
    snap.cost.cpu_ms = cpu_ms;
    snap.cost.peak_kib = peak_kib;
    match serde_json::to_writer(std::io::stdout().lock(), &snap) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            log::error!("cannot write the snapshot: {e}");
            ExitCode::FAILURE
        }
    }
}
