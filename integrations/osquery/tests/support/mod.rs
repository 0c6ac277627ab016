//! Test support: Python, real venvs with real wheels, the osquery Thrift
//! code from PyPI, and a stand-in for osqueryd's extension manager
//! (`manager.py`) driven line by line.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

#[path = "../../../../tests/common/server.rs"]
pub mod server;

#[path = "../../../../tests/common/tools.rs"]
pub mod tools;

use server::ChildGuard;

/// `CI=true` (or `1`): a test that cannot get its tools fails.
pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// Locally print `SKIP: reason` (the caller returns); under CI fail.
pub fn skip_or_fail(reason: &str) {
    if under_ci() {
        panic!("cannot run under CI=true: {reason}");
    }
    eprintln!("SKIP: {reason}");
}

/// A `python3` (3.8+) on PATH that can create venvs with pip.
pub fn python() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|d| d.join("python3"))
            .find(|p| {
                p.is_file()
                    && Command::new(p)
                        .args([
                            "-c",
                            "import sys, venv, ensurepip; assert sys.version_info >= (3, 8)",
                        ])
                        .stderr(Stdio::null())
                        .status()
                        .is_ok_and(|s| s.success())
            })
    });
    if found.is_none() {
        skip_or_fail("no python3 (3.8+) with venv and ensurepip on PATH");
    }
    found
}

/// The repository's target dir (`target/`).
fn target_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("CARGO_TARGET_TMPDIR is target/tmp")
        .to_path_buf()
}

/// A Python with PyPI's `osquery` (the generated Thrift code of osqueryd's
/// extension API) and `thrift`, installed once into
/// `target/test-tools/osquery-venv`.
pub fn osquery_python() -> Option<PathBuf> {
    let venv = target_dir().join("test-tools/osquery-venv");
    let py = venv.join("bin/python");
    let works = |py: &Path| {
        Command::new(py)
            .args(["-c", "import osquery.extensions.ExtensionManager, thrift"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if py.is_file() && works(&py) {
        return Some(py);
    }
    let installed = tools::ensure_venv(python, &venv, &["osquery", "thrift"], || {
        py.is_file() && works(&py)
    });
    if installed {
        Some(py)
    } else {
        skip_or_fail(
            "cannot install `osquery` and `thrift` from PyPI into target/test-tools/osquery-venv",
        );
        None
    }
}

/// A scratch directory under `target/tmp` (venv interpreters must be able
/// to run there), removed at the end of the test.
pub fn scratch() -> tempfile::TempDir {
    let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    fs::create_dir_all(&base).unwrap();
    tempfile::Builder::new()
        .prefix("osq-")
        .tempdir_in(base)
        .unwrap()
}

/// A short directory for Unix sockets (their paths are limited to 107 bytes).
pub fn socket_dir() -> tempfile::TempDir {
    tempfile::Builder::new().prefix("fo-").tempdir().unwrap()
}

/// PEP 503 normalisation (the test's own copy).
pub fn normalize(name: &str) -> String {
    let mut out = String::new();
    let mut sep = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !sep {
                out.push('-');
            }
            sep = true;
        } else {
            out.extend(c.to_lowercase());
            sep = false;
        }
    }
    out
}

fn run_ok(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A wheel of a tiny project `name==version`, built offline with the
/// repository's test build backend.
pub fn tiny_wheel(python: &Path, dir: &Path, name: &str, version: &str) -> PathBuf {
    let module = name.replace(['-', '.'], "_").to_lowercase();
    let root = dir.join(format!("{module}-{version}-src"));
    fs::create_dir_all(root.join(&module)).unwrap();
    let backend = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/backend/fetter_test_backend.py");
    fs::copy(backend, root.join("fetter_test_backend.py")).unwrap();
    fs::write(
        root.join("tiny.cfg"),
        format!("name = {name}\nversion = {version}\nmodule = {module}\n"),
    )
    .unwrap();
    fs::write(root.join(&module).join("__init__.py"), "").unwrap();
    let out = dir.join("wheels");
    fs::create_dir_all(&out).unwrap();
    let code = format!(
        "import fetter_test_backend as b; print(b.build_wheel({:?}))",
        out.to_str().unwrap()
    );
    let name = run_ok(Command::new(python).arg("-c").arg(code).current_dir(&root));
    out.join(name.trim())
}

/// A real venv.
pub struct Venv {
    /// Its prefix (canonical).
    pub prefix: PathBuf,
}

impl Venv {
    /// `python -m venv DIR`.
    pub fn create(python: &Path, dir: &Path) -> Venv {
        run_ok(Command::new(python).args(["-m", "venv"]).arg(dir));
        Venv {
            prefix: dir.canonicalize().unwrap(),
        }
    }

    /// The venv's interpreter.
    pub fn python(&self) -> PathBuf {
        self.prefix.join("bin/python")
    }

    /// `pip install` local wheels, offline.
    pub fn install(&self, wheels: &[&Path]) {
        run_ok(
            Command::new(self.python())
                .args([
                    "-m",
                    "pip",
                    "install",
                    "-q",
                    "--no-index",
                    "--no-deps",
                    "--disable-pip-version-check",
                ])
                .args(wheels),
        );
    }

    /// The venv's site-packages (canonical).
    pub fn site(&self) -> PathBuf {
        let s = run_ok(Command::new(self.python()).args([
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['purelib'])",
        ]));
        PathBuf::from(s.trim()).canonicalize().unwrap()
    }

    /// What `pip list` reports: (normalised name, version).
    pub fn pip_list(&self) -> BTreeSet<(String, String)> {
        let out = run_ok(Command::new(self.python()).args([
            "-m",
            "pip",
            "list",
            "--format",
            "json",
            "--disable-pip-version-check",
        ]));
        let v: Value = serde_json::from_str(&out).unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    normalize(p["name"].as_str().unwrap()),
                    p["version"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }
}

/// The test-side extension manager (`manager.py`), driven over its stdin.
pub struct Manager {
    guard: ChildGuard,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    /// The manager's socket (what osqueryd passes as `--socket`).
    pub socket: PathBuf,
}

impl Manager {
    /// Start a manager listening on `socket`.
    pub fn start(osquery_python: &Path, socket: &Path) -> Manager {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/manager.py");
        let mut child = Command::new(osquery_python)
            .arg(script)
            .arg(socket)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start manager.py");
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut m = Manager {
            guard: ChildGuard(child),
            stdin,
            lines,
            socket: socket.to_path_buf(),
        };
        let hello = m.read();
        assert_eq!(
            hello["listening"],
            json!(socket.to_str().unwrap()),
            "{hello}"
        );
        m
    }

    /// The next answer (panics after 60 s: a test never hangs).
    pub fn read(&mut self) -> Value {
        let line = self
            .lines
            .recv_timeout(Duration::from_secs(60))
            .expect("the manager did not answer within 60 s");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("manager said {line:?}: {e}"))
    }

    /// Send a command and read its answer.
    pub fn send(&mut self, cmd: Value) -> Value {
        let stdin = self.stdin.as_mut().expect("manager stdin");
        writeln!(stdin, "{cmd}").expect("write to manager");
        stdin.flush().unwrap();
        self.read()
    }

    /// `generate` on `table` with an optional osquery `context` document.
    pub fn generate(&mut self, table: &str, context: Option<Value>) -> Value {
        let mut request = json!({"action": "generate"});
        if let Some(c) = context {
            request["context"] = json!(c.to_string());
        }
        let r = self.send(json!({"cmd": "call", "table": table, "request": request}));
        assert_eq!(r["status"]["code"], json!(0), "{table}: {r}");
        r
    }

    /// The manager process.
    pub fn child(&mut self) -> &mut Child {
        &mut self.guard.0
    }
}

/// osquery's context for `WHERE col = v [AND col2 = v2 …]`.
pub fn equals(constraints: &[(&str, &[&str])]) -> Value {
    json!({
        "constraints": constraints.iter().map(|(name, values)| json!({
            "name": name,
            "affinity": "TEXT",
            "list": values.iter().map(|v| json!({"op": 2, "expr": v})).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "colsUsed": [],
    })
}

/// A manager and the extension it started, registered and listening.
pub struct Running {
    /// The manager.
    pub manager: Manager,
    /// The extension process.
    pub extension: ChildGuard,
    /// What `wait_registered` answered (name, registry, extension socket).
    pub registration: Value,
    /// The extension's stderr.
    pub log: PathBuf,
    _sockets: tempfile::TempDir,
}

impl Running {
    /// Start a manager, then `fetter-osquery --config config` under it
    /// (its `HOME` and log under `root`), and wait for the registration.
    pub fn start(osquery_python: &Path, root: &Path, config: &Path) -> Running {
        let home = root.join("home");
        fs::create_dir_all(&home).unwrap();
        let sockets = socket_dir();
        let socket = sockets.path().join("osquery.em");
        let mut manager = Manager::start(osquery_python, &socket);
        let log = root.join("extension.log");
        let extension = start_extension(&socket, config, &home, &log);
        let registration = manager.send(json!({"cmd": "wait_registered", "timeout": 30}));
        assert_eq!(registration["registered"], json!(true), "{registration}");
        assert_eq!(registration["listening"], json!(true), "{registration}");
        Running {
            manager,
            extension,
            registration,
            log,
            _sockets: sockets,
        }
    }

    /// The extension's stderr so far.
    pub fn log_text(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }
}

/// Start `fetter-osquery` as osqueryd does, with `config`; stderr goes to `log`.
pub fn start_extension(socket: &Path, config: &Path, home: &Path, log: &Path) -> ChildGuard {
    let child = Command::new(env!("CARGO_BIN_EXE_fetter-osquery"))
        .arg("--socket")
        .arg(socket)
        .args([
            "--timeout",
            "10",
            "--interval",
            "3",
            "--verbose",
            "--config",
        ])
        .arg(config)
        .env("HOME", home)
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env_remove("FETTER_OSQUERY_CONFIG")
        .stdout(Stdio::null())
        .stderr(fs::File::create(log).unwrap())
        .spawn()
        .expect("start fetter-osquery");
    ChildGuard(child)
}

/// Wait up to `timeout` for `child` to exit; its status, or `None`.
pub fn wait_exit(child: &mut Child, timeout: Duration) -> Option<std::process::ExitStatus> {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if let Some(s) = child.try_wait().unwrap() {
            return Some(s);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

/// Poll `fetter_scan` until `scans` reaches `at_least` (300 s at most: a
/// nice-19 scan waits for everything else on a busy machine).
pub fn wait_for_scans(m: &mut Manager, at_least: u64) -> Value {
    let start = Instant::now();
    loop {
        let r = m.generate("fetter_scan", None);
        let row = r["rows"][0].clone();
        let scans: u64 = row["scans"].as_str().unwrap().parse().unwrap();
        if scans >= at_least {
            return row;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "no scan finished: {row}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A thread of process `pid` named `comm`: its nice value.
pub fn thread_nice(pid: u32, comm: &str) -> Option<i64> {
    for task in fs::read_dir(format!("/proc/{pid}/task")).ok()?.flatten() {
        let name = fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if name.trim() == comm {
            let stat = fs::read_to_string(task.path().join("stat")).ok()?;
            // Fields after the `(comm)`: state is field 3, nice field 19.
            let rest = &stat[stat.rfind(')')? + 2..];
            return rest.split(' ').nth(16)?.parse().ok();
        }
    }
    None
}

/// The resident set of process `pid`, in KiB.
pub fn rss_kib(pid: u32) -> u64 {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}
