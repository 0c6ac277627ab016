//! Policy plugins in Python and JavaScript, end to end: the toolchains
//! from PyPI and npm, `fetter plugin new` and `fetter plugin build` on
//! real sources, the built components through `validate` and
//! `purge --dry-run` on real venvs, hostile plugins contained, the same
//! verdicts on every run, and the same verdicts whether the inventory is
//! given in columns or as records.
//!
//! Built components are cached in `target/test-tools/plugin-langs/`,
//! keyed by the hash of their sources, the SDK, the build code and the
//! toolchain, so only a change to one of those pays for a rebuild (18 MB
//! Python components take 10-20 s of CPU to build).

mod columns;
mod examples;
mod hostile;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use sha2::{Digest, Sha256};

use super::common::*;

/// The two languages built with a foreign toolchain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Python,
    Js,
}

impl Lang {
    fn flag(self) -> &'static str {
        match self {
            Lang::Python => "python",
            Lang::Js => "js",
        }
    }
}

fn repo() -> PathBuf {
    super::repo()
}

fn tools_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("../test-tools")
}

/// Installs are one at a time (tests run in parallel threads).
static INSTALL: Mutex<()> = Mutex::new(());

/// componentize-py 0.25 from PyPI (in `target/test-tools/componentize-py-venv`).
pub fn componentize_py() -> Option<PathBuf> {
    let _g = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    tool(
        "componentize-py",
        "FETTER_TEST_COMPONENTIZE_PY",
        "componentize-py==0.25.1",
    )
}

/// Node, or `None` (with the reason) where there is none.
pub fn node() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join("node"))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        skip_or_fail(
            "no node on PATH: JavaScript plugins need Node.js 18+ (apt-get install nodejs)",
        );
    }
    found
}

/// componentize-js 0.23 and jco from npm (in `target/test-tools/componentize-js`):
/// (componentize-js, jco).
pub fn componentize_js() -> Option<(PathBuf, PathBuf)> {
    node()?;
    let _g = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tools_dir().join("componentize-js");
    let bin = dir.join("node_modules/.bin");
    let tools = (bin.join("componentize-js"), bin.join("jco"));
    if !(tools.0.is_file() && tools.1.is_file()) {
        let ok = Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--prefix"])
            .arg(&dir)
            .args([
                "@bytecodealliance/componentize-js@0.23.0",
                "@bytecodealliance/jco@1.35.0",
            ])
            .status()
            .is_ok_and(|s| s.success());
        if !ok || !tools.0.is_file() {
            skip_or_fail("componentize-js could not be installed from npm");
            return None;
        }
    }
    Some(tools)
}

/// The toolchain environment `fetter plugin build` needs for `lang`.
fn toolchain_env(lang: Lang) -> Option<(&'static str, PathBuf)> {
    Some(match lang {
        Lang::Python => ("FETTER_COMPONENTIZE_PY", componentize_py()?),
        Lang::Js => ("FETTER_COMPONENTIZE_JS", componentize_js()?.0),
    })
}

/// Every file under `dir` (sorted, relative), skipping build outputs.
fn files(dir: &Path, base: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with('.')
            || name == "node_modules"
            || name == "__pycache__"
            || name.ends_with(".wasm")
        {
            continue;
        }
        if p.is_dir() {
            files(&p, base, out);
        } else {
            let rel = p.strip_prefix(base).unwrap().to_string_lossy().into_owned();
            out.push((rel, fs::read(&p).unwrap()));
        }
    }
}

/// `fetter plugin build` of the project in `src`, from the cache when its
/// sources, the SDK, the build code and the toolchain are unchanged.
/// `None` (skipped, or failed under CI) without the toolchain.
pub fn build(src: &Path, lang: Lang) -> Option<PathBuf> {
    let (var, program) = toolchain_env(lang)?;
    let mut h = Sha256::new();
    let mut inputs = Vec::new();
    files(src, src, &mut inputs);
    let sdk = repo().join("plugin-sdk");
    files(
        &sdk.join(match lang {
            Lang::Python => "python",
            Lang::Js => "js",
        }),
        &sdk,
        &mut inputs,
    );
    files(&sdk.join("wit"), &sdk, &mut inputs);
    let code = repo().join("engine/src/plugins/build");
    files(&code, &code, &mut inputs);
    for (name, bytes) in &inputs {
        h.update(name.as_bytes());
        h.update([0]);
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    }
    h.update(program.to_string_lossy().as_bytes());
    let key: String = h
        .finalize()
        .iter()
        .take(12)
        .map(|b| format!("{b:02x}"))
        .collect();
    let cache = tools_dir().join("plugin-langs");
    fs::create_dir_all(&cache).unwrap();
    let name = src.file_name().unwrap().to_string_lossy().into_owned();
    let cached = cache.join(format!("{name}-{key}.wasm"));
    if cached.is_file() {
        return Some(cached);
    }
    // Build a copy: the source tree stays clean.
    let s = scratch();
    let work = s.path.join(&name);
    copy_tree(src, &work);
    let tmp = cache.join(format!("{name}-{key}.{}.tmp", std::process::id()));
    let out = run(fetter(&s.path)
        .args(["plugin", "build"])
        .arg(&work)
        .arg("-o")
        .arg(&tmp)
        .env(var, &program));
    assert!(
        out.status.success(),
        "fetter plugin build {name} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    fs::rename(&tmp, &cached).unwrap();
    Some(cached)
}

/// Copy a directory tree (sources only).
pub fn copy_tree(from: &Path, to: &Path) {
    let mut inputs = Vec::new();
    files(from, from, &mut inputs);
    for (rel, bytes) in inputs {
        let p = to.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, bytes).unwrap();
    }
}

/// A venv holding `plain-pkg` from a wheel and `git-pkg` installed by pip
/// from a local git repository (so its `direct_url.json` says git).
pub fn venv_with_git_install(s: &Scratch) -> Option<Venv> {
    let py = python()?;
    if Command::new("git").arg("--version").output().is_err() {
        skip_or_fail("no git: cannot make a git install");
        return None;
    }
    let env = Venv::create(&py, &s.path.join("env"));
    let wheel = build_wheel(
        &py,
        &tiny_project(&s.path.join("src"), "plain-pkg", "1.0", None),
        &s.path.join("wheels"),
    );
    env.pip(&["install", "--no-deps", wheel.to_str().unwrap()]);
    let repo = tiny_project(&s.path.join("git"), "Git_Pkg", "0.3", None);
    for args in [
        &["init", "-q"][..],
        &["add", "."],
        &[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "commit",
            "-qm",
            "v0.3",
        ],
    ] {
        run_ok(Command::new("git").args(args).current_dir(&repo));
    }
    env.pip(&[
        "install",
        "--no-deps",
        &format!("git+file://{}", repo.display()),
    ]);
    Some(env)
}
