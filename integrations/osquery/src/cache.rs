//! The cached inventory and the background thread that refreshes it.
//!
//! Queries read the latest [`Snapshot`] (an `Arc` clone under a read lock
//! held for nanoseconds) and never wait for a scan. One thread, at the
//! lowest priority, rescans on an interval or when asked, each scan in a
//! child process ([`crate::scan_child`]).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, RwLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::scan_child::ScanCommand;
use crate::snapshot::Snapshot;
use crate::{engine_bridge, priority};

/// How soon after a query the memory its answer needed is given back.
const TRIM_AFTER_QUERY: Duration = Duration::from_secs(2);

/// The name of the thread that starts scans (seen in `/proc/PID/task/*/comm`).
pub const SCAN_THREAD: &str = "fetter-scan";

/// The cache: the latest snapshot and the refresher's state.
#[derive(Debug, Default)]
pub struct Cache {
    current: RwLock<Arc<Snapshot>>,
    control: Mutex<Control>,
    wake: Condvar,
    queried: AtomicBool,
}

#[derive(Debug, Default)]
struct Control {
    refresh_requested: bool,
    scanning: bool,
    scans: u64,
    next_scan_at: i64,
}

/// What the refresher is doing, for the `fetter_scan` table.
#[derive(Debug, Clone, Copy)]
pub struct Status {
    /// A scan is running now.
    pub scanning: bool,
    /// Scans finished since the extension started.
    pub scans: u64,
    /// When the next scheduled scan starts (Unix seconds; 0 while scanning).
    pub next_scan_at: i64,
}

impl Cache {
    /// An empty cache (no scan has finished).
    pub fn new() -> Arc<Cache> {
        Arc::new(Cache::default())
    }

    /// The latest snapshot.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        // A poisoned lock still holds a whole snapshot: stores are one assignment.
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Ask for a scan now (returns at once). Asked during a scan, another
    /// follows it: the running one may have read the sites before the change
    /// the caller wants to see.
    pub fn request_refresh(&self) {
        let mut c = self.control.lock().unwrap_or_else(|e| e.into_inner());
        c.refresh_requested = true;
        self.wake.notify_all();
    }

    /// A query was answered: its rows and Thrift buffers, freed once sent,
    /// are given back to the OS within two [`TRIM_AFTER_QUERY`] periods, so the
    /// extension idles at the size of its cache, not of its largest answer.
    pub fn note_query(&self) {
        self.queried.store(true, Ordering::Relaxed);
    }

    /// What the refresher is doing.
    pub fn status(&self) -> Status {
        let c = self.control.lock().unwrap_or_else(|e| e.into_inner());
        Status {
            scanning: c.scanning,
            scans: c.scans,
            next_scan_at: if c.scanning { 0 } else { c.next_scan_at },
        }
    }

    /// Replace the snapshot.
    pub fn store(&self, snapshot: Snapshot) {
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(snapshot);
    }

    /// Start the refresher: a scan now, then every `refresh` or on
    /// [`Cache::request_refresh`]. The thread runs at the lowest CPU and
    /// I/O priority, and so does each scan process it starts.
    pub fn spawn_refresher(
        self: &Arc<Self>,
        scan: ScanCommand,
        refresh: Duration,
    ) -> std::io::Result<JoinHandle<()>> {
        let cache = Arc::clone(self);
        std::thread::Builder::new()
            .name(SCAN_THREAD.into())
            .spawn(move || cache.refresh_loop(&scan, refresh))
    }

    fn refresh_loop(&self, scan: &ScanCommand, refresh: Duration) {
        if let Err(e) = priority::lower_current_thread() {
            log::warn!("cannot lower the scan thread's priority: {e}");
        }
        loop {
            {
                let mut c = self.control.lock().unwrap_or_else(|e| e.into_inner());
                c.scanning = true;
                c.refresh_requested = false;
            }
            let started = Instant::now();
            let snapshot = scan.run();
            log::info!(
                "scan done in {:.1?}: {} environments, {} packages, {} findings ({} ms CPU, {} KiB peak)",
                started.elapsed(),
                snapshot.environments.len(),
                snapshot.packages.len(),
                snapshot.findings.len(),
                snapshot.cost.cpu_ms,
                snapshot.cost.peak_kib,
            );
            self.store(snapshot);
            priority::release_memory();
            let deadline = Instant::now() + refresh;
            let mut c = self.control.lock().unwrap_or_else(|e| e.into_inner());
            c.scanning = false;
            c.scans += 1;
            c.next_scan_at = engine_bridge::now() + refresh.as_secs() as i64;
            let mut trim_next = false;
            while !c.refresh_requested {
                let left = deadline.saturating_duration_since(Instant::now());
                if left == Duration::ZERO {
                    break;
                }
                c = self
                    .wake
                    .wait_timeout(c, left.min(TRIM_AFTER_QUERY))
                    .unwrap_or_else(|e| e.into_inner())
                    .0;
                // Trim one period after a query was seen, once its answer
                // has surely been sent and freed.
                if trim_next {
                    priority::release_memory();
                }
                trim_next = self.queried.swap(false, Ordering::Relaxed);
            }
        }
    }
}
