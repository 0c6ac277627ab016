//! Shared support for fetter's end-to-end tests: real interpreters, real
//! venvs, tiny packages built offline, and running the `fetter` binary.
//!
//! Every helper adapts to the machine: where no usable `python3` exists the
//! caller gets `None` and the test says why it skipped, through
//! [`skip_or_fail`]: locally a missing tool skips, under `CI=true` it fails.
#![allow(dead_code)]

pub mod deb;
pub mod registry;
pub mod schemas;
pub mod server;
pub mod snap;
pub mod tools;

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The example plugin (`examples/example-custom/`, deny git installs),
/// built to `examples/example-custom.wasm`: not embedded, loaded by path.
pub fn example_plugin() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/example-custom.wasm")
}

/// Whether the tests run under CI (`CI=true`, as GitHub Actions, GitLab
/// and most CI services set it; `1` too).
pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// A test cannot run here for want of an outside tool (`python3`, `uv`,
/// `git`, a package from PyPI, `script`, …): locally print `SKIP: reason`
/// (the caller then returns); under `CI=true` fail, because a CI machine
/// is set up to run every test and a test that did not run must not pass.
pub fn skip_or_fail(reason: &str) {
    if under_ci() {
        panic!("cannot run under CI=true: {reason} (install it, or run without CI=true to skip)");
    }
    eprintln!("SKIP: {reason}");
}

/// A test cannot run because of what the machine is, not what it has
/// installed (the kernel forbids user namespaces, the tests do not run as
/// root): no tool makes it possible, so it skips even under `CI=true`,
/// saying so. Anything that installing a tool fixes is [`skip_or_fail`].
pub fn skip_for_machine(reason: &str) {
    eprintln!("SKIP (not possible on this machine): {reason}");
}

/// The `fetter` binary under test.
pub fn fetter_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_fetter"))
}

/// A `fetter` command with a clean, test-owned environment: `HOME`, data
/// and cache directories point into `home`, so tests never see or touch the
/// machine's own homes, quarantines or caches.
pub fn fetter(home: &Path) -> Command {
    let mut c = Command::new(fetter_bin());
    c.env("HOME", home)
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env_remove("PYENV_ROOT")
        .env_remove("UV_PYTHON_INSTALL_DIR")
        .env_remove("WORKON_HOME")
        .env_remove("CONDA_PREFIX")
        .env_remove("CONDA_ENVS_PATH")
        .env("NO_COLOR", "1");
    c
}

/// Run a command, panicking with its output when it cannot be started.
pub fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

/// Run a command that must succeed; returns stdout.
pub fn run_ok(cmd: &mut Command) -> String {
    let out = run(cmd);
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A scratch directory removed at the end of the test (canonical path, so
/// comparisons with fetter's canonical paths hold).
pub struct Scratch {
    _dir: tempfile::TempDir,
    /// The directory.
    pub path: PathBuf,
}

/// A new scratch directory under the target dir (not /tmp: some CI
/// machines mount /tmp noexec, and venv interpreters must run).
pub fn scratch() -> Scratch {
    let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    fs::create_dir_all(&base).unwrap();
    let dir = tempfile::Builder::new()
        .prefix("e2e-")
        .tempdir_in(base)
        .unwrap();
    let path = dir.path().canonicalize().unwrap();
    Scratch { _dir: dir, path }
}

/// The first `python3` on PATH that can create venvs with pip (3.8+), or
/// `None` with the reason printed.
pub fn python() -> Option<PathBuf> {
    let found = pythons();
    if found.is_empty() {
        skip_or_fail("no python3 (3.8+) with venv and ensurepip on this machine");
    }
    found.into_iter().next()
}

/// Every distinct usable interpreter (3.8+ with venv and ensurepip) as its
/// real executable: the `python3` on PATH first, then pyenv versions and the
/// system's `/usr/bin/python3`, so layout rules are checked on what this
/// machine has.
pub fn pythons() -> Vec<PathBuf> {
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            let p = dir.join("python3");
            if p.is_file() {
                candidates.push(p);
                break;
            }
        }
    }
    let pyenv = std::env::var_os("PYENV_ROOT")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".pyenv")));
    if let Some(root) = pyenv {
        if let Ok(rd) = fs::read_dir(root.join("versions")) {
            let mut v: Vec<PathBuf> = rd
                .flatten()
                .map(|e| e.path().join("bin/python3"))
                .filter(|p| p.is_file())
                .collect();
            v.sort();
            candidates.extend(v);
        }
    }
    candidates.push(PathBuf::from("/usr/bin/python3"));
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for c in candidates {
        let Some(exe) = probe(&c) else { continue };
        if seen.insert(exe.canonicalize().unwrap_or(exe.clone())) {
            out.push(exe);
        }
    }
    out
}

/// The real executable (`sys.executable`, past pyenv shims) if the
/// interpreter runs, is 3.8+ and has venv + ensurepip.
fn probe(python: &Path) -> Option<PathBuf> {
    let out = Command::new(python)
        .args([
            "-c",
            "import sys, venv, ensurepip; assert sys.version_info >= (3, 8); print(sys.executable)",
        ])
        .output()
        .ok()?;
    let exe = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    (out.status.success() && exe.is_file()).then_some(exe)
}

/// A virtual environment created by a test.
#[derive(Debug, Clone)]
pub struct Venv {
    /// Its prefix (canonical).
    pub prefix: PathBuf,
}

impl Venv {
    /// `python -m venv DIR` (with pip, from ensurepip; offline).
    pub fn create(python: &Path, dir: &Path) -> Venv {
        Self::create_with(python, dir, &[])
    }

    /// `python -m venv [extra args] DIR`.
    pub fn create_with(python: &Path, dir: &Path, extra: &[&str]) -> Venv {
        let mut c = Command::new(python);
        c.args(["-m", "venv"]).args(extra).arg(dir);
        run_ok(&mut c);
        Venv {
            prefix: dir.canonicalize().unwrap(),
        }
    }

    /// The venv's interpreter.
    pub fn python(&self) -> PathBuf {
        self.prefix.join("bin/python")
    }

    /// `python -m pip ARGS` in this venv, offline and quiet.
    pub fn pip(&self, args: &[&str]) -> String {
        let mut c = Command::new(self.python());
        c.args([
            "-m",
            "pip",
            "--disable-pip-version-check",
            "--no-input",
            "-q",
        ])
        .args(args)
        .env("PIP_NO_INDEX", "1")
        .env("PYTHONNOUSERSITE", "0");
        run_ok(&mut c)
    }

    /// `python -m pip list --format json` as (normalized name, version).
    pub fn pip_list(&self) -> BTreeSet<(String, String)> {
        let mut c = Command::new(self.python());
        c.args([
            "-m",
            "pip",
            "--disable-pip-version-check",
            "list",
            "--format",
            "json",
        ]);
        let text = run_ok(&mut c);
        let v: serde_json::Value = serde_json::from_str(&text).expect("pip list json");
        v.as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    normalize(d["name"].as_str().unwrap()),
                    d["version"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }

    /// The site-packages directory (canonical).
    pub fn site(&self) -> PathBuf {
        let lib = self.prefix.join("lib");
        let py = fs::read_dir(&lib)
            .unwrap()
            .flatten()
            .find(|e| e.file_name().to_string_lossy().starts_with("python"))
            .expect("lib/pythonX.Y");
        py.path().join("site-packages").canonicalize().unwrap()
    }

    /// Run python code in the venv; returns stdout.
    pub fn run_py(&self, code: &str) -> String {
        run_ok(Command::new(self.python()).args(["-c", code]))
    }
}

/// PEP 503 normalisation (test-side copy, so tests do not trust the code under test).
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

/// Write a tiny project (module `module` with `__init__.py` and a `main`)
/// using the test backend; returns its directory.
pub fn tiny_project(dir: &Path, name: &str, version: &str, script: Option<&str>) -> PathBuf {
    let module = name.replace(['-', '.'], "_").to_lowercase();
    let root = dir.join(format!("{module}-src"));
    fs::create_dir_all(root.join(&module)).unwrap();
    let backend = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/backend/fetter_test_backend.py");
    fs::copy(backend, root.join("fetter_test_backend.py")).unwrap();
    fs::write(
        root.join("pyproject.toml"),
        "[build-system]\nrequires = []\nbuild-backend = \"fetter_test_backend\"\nbackend-path = [\".\"]\n",
    )
    .unwrap();
    let mut cfg = format!("name = {name}\nversion = {version}\nmodule = {module}\n");
    if let Some(s) = script {
        cfg.push_str(&format!("script = {s}\n"));
    }
    fs::write(root.join("tiny.cfg"), cfg).unwrap();
    fs::write(
        root.join(&module).join("__init__.py"),
        format!("VERSION = {version:?}\n\ndef main():\n    print({name:?}, VERSION)\n"),
    )
    .unwrap();
    root
}

/// Build a wheel of a tiny project with `python` (stdlib only, offline);
/// returns the wheel's path.
pub fn build_wheel(python: &Path, project: &Path, out_dir: &Path) -> PathBuf {
    fs::create_dir_all(out_dir).unwrap();
    let code = format!(
        "import fetter_test_backend as b; print(b.build_wheel({:?}))",
        out_dir.to_str().unwrap()
    );
    let name = run_ok(
        Command::new(python)
            .arg("-c")
            .arg(code)
            .current_dir(project),
    );
    out_dir.join(name.trim())
}

/// Parse fetter's JSON output.
pub fn json(stdout: &[u8]) -> serde_json::Value {
    serde_json::from_slice(stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(stdout)))
}

/// `fetter --exe PREFIX scan --format json`, parsed.
pub fn scan_json(home: &Path, args: &[&OsStr]) -> serde_json::Value {
    let out = run(fetter(home).args(args).args(["scan", "--format", "json"]));
    assert!(
        out.status.success(),
        "fetter failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    json(&out.stdout)
}

/// The (normalized name, version) pairs fetter reports as visible from the
/// environment with this prefix, as Python sees them: sites in `sys.path`
/// order, the first distribution of a name shadowing later ones.
pub fn visible_set(inv: &serde_json::Value, prefix: &Path) -> BTreeSet<(String, String)> {
    let env = find_env(inv, prefix);
    let mut seen = BTreeSet::new();
    let mut out = BTreeSet::new();
    for site in env["sites"].as_array().unwrap() {
        let site = site["path"].as_str().unwrap();
        for d in inv["distributions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["site"].as_str() == Some(site))
        {
            let name = d["normalized_name"].as_str().unwrap().to_string();
            if seen.insert(name.clone()) {
                out.insert((name, d["version"].as_str().unwrap().to_string()));
            }
        }
    }
    out
}

/// A `uv` binary: `$FETTER_TEST_UV`, `uv` on PATH, or uv installed once from
/// PyPI into a tools venv under the target dir. `None` (with the reason
/// printed) where none can be had.
pub fn uv() -> Option<PathBuf> {
    static UV: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    UV.get_or_init(|| tool("uv", "FETTER_TEST_UV", "uv"))
        .clone()
}

/// The Python of `target/test-tools/<name>-venv` once `probe` (Python
/// code) succeeds in it, installing `requirements` from PyPI first when it
/// does not; `None` (skipped, or failed under CI) when they cannot be had.
pub fn tools_python(name: &str, requirements: &[&str], probe: &str) -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("../test-tools/{name}-venv"));
    let py = dir.join("bin/python");
    let works = || {
        py.is_file()
            && Command::new(&py)
                .args(["-c", probe])
                .stderr(std::process::Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
    };
    if works() {
        return Some(py);
    }
    if tools::ensure_venv(python, &dir, requirements, works) {
        Some(py)
    } else {
        skip_or_fail(&format!(
            "{} could not be installed from PyPI into target/test-tools/{name}-venv",
            requirements.join(" ")
        ));
        None
    }
}

/// A command-line tool for the tests: `$ENV_VAR`, `binary` on PATH, or the
/// PyPI `requirement` installed once into `target/test-tools/<binary>-venv`.
/// `None` (with the reason printed) where none can be had.
pub fn tool(binary: &str, env_var: &str, requirement: &str) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(env_var)
        .map(PathBuf::from)
        .filter(|p| p.is_file())
    {
        return Some(p);
    }
    if let Some(path) = std::env::var_os("PATH") {
        if let Some(p) = std::env::split_paths(&path)
            .map(|d| d.join(binary))
            .find(|p| p.is_file())
        {
            return Some(p);
        }
    }
    let tools =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("../test-tools/{binary}-venv"));
    let bin = tools.join("bin").join(binary);
    // Another test may be installing it right now: only under the lock does
    // the script's presence mean the install finished.
    if tools::ensure_venv(python, &tools, &[requirement], || bin.is_file()) {
        Some(bin)
    } else {
        skip_or_fail(&format!(
            "{binary} is not on PATH and could not be installed from PyPI"
        ));
        None
    }
}

/// What `importlib.metadata` sees from an interpreter, as (normalized name,
/// version), first of each name in `sys.path` order (as pip does).
pub fn importlib_set(python: &Path, home: &Path) -> BTreeSet<(String, String)> {
    let code = "import importlib.metadata as m, json, re\nseen = {}\nfor d in m.distributions():\n    n = d.metadata['Name']\n    k = n and re.sub(r'[-_.]+', '-', n).lower()\n    if n and k not in seen: seen[k] = (n, d.version)\nprint(json.dumps(list(seen.values())))";
    let text = run_ok(Command::new(python).args(["-c", code]).env("HOME", home));
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                normalize(p[0].as_str().unwrap()),
                p[1].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The environment with `prefix` in a scan report (panics naming the prefix).
pub fn find_env<'a>(inv: &'a serde_json::Value, prefix: &Path) -> &'a serde_json::Value {
    inv["environments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| Path::new(e["prefix"].as_str().unwrap()) == prefix)
        .unwrap_or_else(|| {
            panic!(
                "no environment {} in {:#}",
                prefix.display(),
                inv["environments"]
            )
        })
}

/// An OSV database directory `dir/osv` holding one record,
/// `PYSEC-2099-1`: alpha before 1.1 is vulnerable. Returns the directory.
pub fn osv_alpha(dir: &Path) -> PathBuf {
    let osv = dir.join("osv");
    fs::create_dir_all(&osv).unwrap();
    fs::write(
        osv.join("PYSEC-2099-1.json"),
        r#"{"id": "PYSEC-2099-1", "summary": "alpha before 1.1 is vulnerable",
            "affected": [{"package": {"ecosystem": "PyPI", "name": "alpha"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.1"}]}]}]}"#,
    )
    .unwrap();
    osv
}

/// Write a minimal `dir` (`*.dist-info` or `*.egg-info`) into `site` with `metadata`.
pub fn write_dist(site: &Path, dir: &str, metadata: &str) {
    write_dist_bytes(site, dir, metadata.as_bytes());
}

/// [`write_dist`] with raw bytes (non-UTF-8 metadata).
pub fn write_dist_bytes(site: &Path, dir: &str, metadata: &[u8]) {
    let name = if dir.ends_with(".egg-info") {
        "PKG-INFO"
    } else {
        "METADATA"
    };
    fs::create_dir_all(site.join(dir)).unwrap();
    fs::write(site.join(dir).join(name), metadata).unwrap();
}

/// chmod 755.
pub fn make_executable(p: &Path) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(p, fs::Permissions::from_mode(0o755)).unwrap();
}

/// The (code, distribution name) pairs of a `fetter.validate/1` report's
/// diagnostics, sorted, each once.
pub fn diagnostic_codes(report: &serde_json::Value) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = report["environments"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|e| e["diagnostics"].as_array().unwrap().iter())
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["distribution"]["name"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    v.sort();
    v.dedup();
    v
}
