//! Tool venvs under `target/test-tools` (ansible-core, uv, osquery's Thrift
//! code, …), made once and shared by every test that needs them.
//!
//! Tests run in parallel, so two of them may want the same venv at once: a
//! lock file beside the venv lets one make it while the others wait. A venv
//! is ready only when the caller's check says so (a module imports, a
//! script exists); one that a killed run left half made (an interpreter but
//! no pip) is made again rather than trusted. Self-contained so the
//! osquery crate's tests can include it by path.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Hold `dir`'s lock (`<dir>.lock`) for the life of the value: across
/// threads of one test binary and across test binaries.
pub struct VenvLock(File);

impl VenvLock {
    /// Wait for `dir`'s lock; `None` when the lock file cannot be made.
    pub fn acquire(dir: &Path) -> Option<Self> {
        let parent = dir.parent()?;
        fs::create_dir_all(parent).ok()?;
        let file = File::create(dir.with_extension("lock")).ok()?;
        file.lock().ok()?;
        Some(VenvLock(file))
    }
}

impl Drop for VenvLock {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}

/// Make the venv `dir` with `base()` (a Python 3.8+, looked for only when
/// needed) and `pip install` `requirements` into it, under the venv's lock,
/// unless `ready()` already holds; true when `ready()` holds afterwards.
pub fn ensure_venv(
    base: impl FnOnce() -> Option<PathBuf>,
    dir: &Path,
    requirements: &[&str],
    ready: impl Fn() -> bool,
) -> bool {
    let Some(_lock) = VenvLock::acquire(dir) else {
        return false;
    };
    if ready() {
        return true;
    }
    let py = dir.join("bin/python");
    let has_pip = py.is_file()
        && Command::new(&py)
            .args(["-m", "pip", "--version"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
    let made = has_pip
        || base().is_some_and(|base| {
            Command::new(base)
                .args(["-m", "venv", "--clear"])
                .arg(dir)
                .status()
                .is_ok_and(|s| s.success())
        });
    made && Command::new(&py)
        .args(["-m", "pip", "install", "-q", "--disable-pip-version-check"])
        .args(requirements)
        .status()
        .is_ok_and(|s| s.success())
        && ready()
}
