//! Crash-safety gaps tests/purge.rs leaves: there, kills land at chosen
//! stages of a deliberately slowed purge. Here fetter runs at full speed
//! and is SIGKILLed after pseudo-random delays spread over a whole purge,
//! so kills also land inside manifest writes, renames and the final state
//! update; and `restore` itself is killed and run again. After every kill
//! each manifest on disk parses (never half-written), and restore brings
//! the environment back byte for byte.

use crate::purge_support;

use std::fs;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use purge_support::*;

/// Every `manifest.json` under the quarantine parses as JSON.
fn manifests_parse(home: &Path) -> usize {
    let qroot = home.join(".local/share/fetter/quarantine");
    let mut n = 0;
    for q in fs::read_dir(&qroot).into_iter().flatten().flatten() {
        let m = q.path().join("manifest.json");
        if let Ok(bytes) = fs::read(&m) {
            serde_json::from_slice::<serde_json::Value>(&bytes)
                .unwrap_or_else(|e| panic!("half-written {}: {e}", m.display()));
            n += 1;
        }
    }
    n
}

/// Run `fetter --exe VENV args` and SIGKILL it after `delay` (if still
/// running). Returns true when it was killed.
fn kill_after(fx: &Fixture, args: &[&str], delay: Duration) -> bool {
    let mut child = fx
        .command(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while start.elapsed() < delay {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    let killed = child.try_wait().unwrap().is_none();
    let _ = child.kill();
    child.wait().unwrap();
    killed
}

#[test]
fn sigkill_at_random_moments_never_loses_a_byte() {
    let Some(fx) = fixture(&[("many-files", "3.0", Some("many"), 12)]) else {
        return;
    };
    let pip_before = fx.venv.pip_list();
    let before = snapshot(&fx.venv.prefix);
    let purge = ["purge-pattern", "-p", "many-files", "--yes"];

    // How long an uninterrupted purge takes on this machine (the faster
    // of two runs: the first pays for cold caches).
    let mut full = Duration::MAX;
    for _ in 0..2 {
        let t = Instant::now();
        let out = fx.fetter(&purge);
        assert_eq!(code(&out), 0, "{}", text(&out));
        full = full.min(t.elapsed());
        assert_eq!(code(&fx.fetter(&["restore"])), 0);
        assert_same(&before, &snapshot(&fx.venv.prefix));
    }

    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut killed = 0;
    let rounds = 12;
    for round in 0..rounds {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        // Spread over the whole purge.
        let delay = full.mul_f64((seed % 1000) as f64 / 1050.0);
        if kill_after(&fx, &purge, delay) {
            killed += 1;
        }
        manifests_parse(&fx.home);
        // Every other round, kill the restore too, then restore again.
        if round % 2 == 1 {
            kill_after(&fx, &["restore"], delay / 2);
            manifests_parse(&fx.home);
        }
        let out = fx.fetter(&["restore"]);
        let nothing = String::from_utf8_lossy(&out.stderr).contains("nothing to restore");
        assert!(
            code(&out) == 0 || nothing,
            "round {round} (kill after {delay:?}): {}",
            text(&out)
        );
        assert_same(&before, &snapshot(&fx.venv.prefix));
    }
    assert_eq!(fx.venv.pip_list(), pip_before);
    eprintln!("purge crash: {rounds} rounds, {killed} purges killed mid-way (full purge {full:?})");
}
