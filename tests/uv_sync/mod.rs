//! `uv.lock` against what `uv sync` really installs: each test locks a
//! small local project with real uv (offline, from wheels written here),
//! syncs a venv with it, and checks that `fetter validate --bound uv.lock`
//! agrees with that venv: what uv installed is valid, what it left out is
//! not required, and a change uv would not make is reported.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::*;

/// Write wheels `name==version` that depend on `requires` (Requires-Dist
/// lines, markers allowed) into `dir`. The test backend's wheels have no
/// dependencies; uv needs some to build a graph.
pub fn wheels_with_deps(py: &Path, dir: &Path, specs: &[(&str, &str, &[&str])]) {
    fs::create_dir_all(dir).unwrap();
    let specs: Vec<String> = specs
        .iter()
        .map(|(n, v, r)| {
            let reqs: Vec<String> = r.iter().map(|x| format!("{x:?}")).collect();
            format!("({n:?}, {v:?}, [{}])", reqs.join(", "))
        })
        .collect();
    let code = format!(
        r#"
import base64, hashlib, re, sys, zipfile
out = sys.argv[1]
for name, version, requires in [{}]:
    dist = name.replace("-", "_")
    info = f"{{dist}}-{{version}}.dist-info"
    meta = f"Metadata-Version: 2.1\nName: {{name}}\nVersion: {{version}}\n"
    meta += "".join(f"Provides-Extra: {{x}}\n" for x in sorted({{m for r in requires for m in re.findall(r"extra *== *['\"]([^'\"]+)", r)}}))
    meta += "".join(f"Requires-Dist: {{r}}\n" for r in requires)
    files = {{
        f"{{dist}}/__init__.py": b"",
        f"{{info}}/METADATA": meta.encode(),
        f"{{info}}/WHEEL": b"Wheel-Version: 1.0\nGenerator: fetter-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }}
    record = []
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{{path}},sha256={{digest}},{{len(data)}}")
    record.append(f"{{info}}/RECORD,,")
    files[f"{{info}}/RECORD"] = ("\n".join(record) + "\n").encode()
    with zipfile.ZipFile(f"{{out}}/{{dist}}-{{version}}-py3-none-any.whl", "w") as z:
        for path, data in files.items():
            z.writestr(path, data)
"#,
        specs.join(", ")
    );
    run_ok(Command::new(py).arg("-c").arg(code).arg(dir));
}

/// A uv working offline from one wheel directory, with its own cache.
pub struct Uv {
    pub bin: PathBuf,
    pub wheels: PathBuf,
    pub cache: PathBuf,
}

impl Uv {
    /// `uv ARGS` in `dir`, offline; syncs go to `env` when given.
    pub fn cmd(&self, dir: &Path, args: &[&str], env: Option<&Path>) -> Command {
        let mut c = Command::new(&self.bin);
        c.args(args)
            .args(["--offline", "--no-index", "--find-links"])
            .arg(&self.wheels)
            .current_dir(dir)
            .env("UV_CACHE_DIR", &self.cache)
            .env_remove("VIRTUAL_ENV");
        if let Some(e) = env {
            c.env("UV_PROJECT_ENVIRONMENT", e);
        }
        c
    }

    /// `uv ARGS` without index options (`venv`, `pip uninstall`), for `env`.
    pub fn plain(&self, args: &[&str], env: &Path) -> Command {
        let mut c = Command::new(&self.bin);
        c.args(args)
            .arg("--offline")
            .env("UV_CACHE_DIR", &self.cache)
            .env("VIRTUAL_ENV", env);
        c
    }

    /// A venv at `env` with Python `py`, empty (no pip, no setuptools).
    pub fn venv(&self, py: &Path, env: &Path) {
        let _ = fs::remove_dir_all(env);
        run_ok(
            Command::new(&self.bin)
                .args(["venv", "-q", "--python"])
                .arg(py)
                .arg(env)
                .env("UV_CACHE_DIR", &self.cache),
        );
    }

    /// `uv sync ARGS` of the project in `dir` into a fresh venv `env` with
    /// Python `py`; returns the (normalized) names uv installed.
    pub fn sync(&self, dir: &Path, py: &Path, env: &Path, args: &[&str]) -> BTreeSet<String> {
        let _ = fs::remove_dir_all(env);
        let mut all = vec!["sync", "--python", py.to_str().unwrap()];
        all.extend(args);
        run_ok(&mut self.cmd(dir, &all, Some(env)));
        installed(env)
    }
}

/// Names of the distributions in a venv's site-packages.
pub fn installed(env: &Path) -> BTreeSet<String> {
    let lib = env.join("lib");
    let site = fs::read_dir(&lib)
        .unwrap()
        .flatten()
        .map(|d| d.path().join("site-packages"))
        .find(|p| p.is_dir())
        .unwrap();
    fs::read_dir(site)
        .unwrap()
        .flatten()
        .filter_map(|d| {
            let n = d.file_name().to_string_lossy().into_owned();
            n.strip_suffix(".dist-info")
                .map(|s| normalize(s.rsplit_once('-').unwrap().0))
        })
        .collect()
}

/// `fetter --exe ENV validate --bound BOUND ARGS --format json`: exit code and report.
pub fn validate(home: &Path, env: &Path, bound: &Path, args: &[&str]) -> (i32, serde_json::Value) {
    let out = run(fetter(home)
        .arg("--exe")
        .arg(env)
        .args(["validate", "--format", "json", "--bound"])
        .arg(bound)
        .args(args));
    (out.status.code().unwrap(), json(&out.stdout))
}

/// (code, message) of every diagnostic and failure of a report.
pub fn findings(r: &serde_json::Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = r["environments"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|e| e["diagnostics"].as_array().unwrap())
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.extend(r["failures"].as_array().unwrap().iter().map(|f| {
        (
            "failure".to_string(),
            f["message"].as_str().unwrap().to_string(),
        )
    }));
    out
}

/// Everything a test needs: uv, an interpreter, a scratch dir with wheels.
pub struct World {
    pub s: Scratch,
    pub uv: Uv,
    pub py: PathBuf,
    pub home: PathBuf,
}

/// The world, or `None` (test skipped) without Python or uv.
pub fn world(wheels: &[(&str, &str, &[&str])]) -> Option<World> {
    let py = python()?;
    let bin = uv()?;
    let s = scratch();
    let home = s.path.join("home");
    fs::create_dir_all(&home).unwrap();
    wheels_with_deps(&py, &s.path.join("wheels"), wheels);
    let uv = Uv {
        bin,
        wheels: s.path.join("wheels"),
        cache: s.path.join("uv-cache"),
    };
    Some(World { s, uv, py, home })
}

/// Write `files` (path relative to `root`, content).
pub fn write(root: &Path, files: &[(&str, &str)]) {
    for (p, c) in files {
        let p = root.join(p);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, c).unwrap();
    }
}

/// Names as a set.
pub fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

mod cases;
mod pylock;
mod transitive;
