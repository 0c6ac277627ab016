//! The wheel users install: built with maturin from the repository's
//! pyproject.toml, installed into a fresh venv with nothing else, and run.
//!
//! To keep CI fast the wheel is built with the `dev` profile into the
//! target directory this test binary was built in: cargo finds the `fetter`
//! binary the test suite already built up to date and maturin only packs it
//! (seconds, not a second release build of wasmtime). What differs from
//! `pip install .` is only the profile (`dist` in pyproject.toml).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use common::*;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .unwrap()
}

/// maturin: `$FETTER_TEST_MATURIN`, on PATH, or installed from PyPI into
/// `target/test-tools/maturin-venv` once.
fn maturin() -> Option<PathBuf> {
    tool("maturin", "FETTER_TEST_MATURIN", "maturin>=1.5,<2")
}

/// The target directory the test binaries (and `fetter`) were built in.
fn target_dir() -> PathBuf {
    // target/debug/fetter → target
    fetter_bin()
        .parent()
        .and_then(Path::parent)
        .expect("fetter binary under <target>/<profile>/")
        .to_path_buf()
}

#[test]
fn wheel_installs_a_working_fetter_into_a_fresh_venv() {
    let Some(py) = python() else {
        eprintln!("SKIP: no python3");
        return;
    };
    let Some(maturin) = maturin() else { return };
    let s = scratch();
    let started = Instant::now();
    let wheels = s.path.join("wheels");
    let out = run(Command::new(&maturin)
        .current_dir(repo())
        .args(["build", "--profile", "dev", "--compatibility", "linux"])
        .args(["--auditwheel", "skip", "--target-dir"])
        .arg(target_dir())
        .arg("--out")
        .arg(&wheels));
    assert!(
        out.status.success(),
        "maturin build failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("wheel built in {:.1?}", started.elapsed());
    let wheel = std::fs::read_dir(&wheels)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "whl"))
        .expect("a .whl in maturin's output");
    let name = wheel.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with(&format!("fetter-{}-", env!("CARGO_PKG_VERSION"))),
        "{name}"
    );
    // bindings = "bin": no extension module, so one wheel serves every Python.
    assert!(name.contains("-py3-none-"), "{name}");

    let venv = Venv::create(&py, &s.path.join("fresh"));
    venv.pip(&[
        "install",
        "--no-index",
        "--no-deps",
        wheel.to_str().unwrap(),
    ]);
    let home = s.path.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let installed = venv.prefix.join("bin/fetter");
    assert!(installed.is_file(), "pip did not install bin/fetter");

    // `fetter --version` names the version and the plugin ABI.
    let version = run_ok(Command::new(&installed).arg("--version"));
    assert!(
        version.starts_with(&format!(
            "fetter {} (plugin ABI ",
            env!("CARGO_PKG_VERSION")
        )),
        "{version}"
    );
    // `python -m fetter` runs the same binary, arguments and exit code passed on.
    let via_module = run_ok(Command::new(venv.python()).args(["-m", "fetter", "--version"]));
    assert_eq!(via_module, version);
    let bad = run(Command::new(venv.python()).args(["-m", "fetter", "--no-such-flag"]));
    assert_eq!(
        bad.status.code(),
        Some(2),
        "usage errors exit 2 through python -m"
    );

    // The installed fetter scans the venv it lives in and finds itself there.
    let out = run_ok(
        Command::new(&installed)
            .env("HOME", &home)
            .env("FETTER_CONFIG", "")
            .arg("--exe")
            .arg(&venv.prefix)
            .args(["scan", "--format", "json"]),
    );
    let inv = json(out.as_bytes());
    let me = inv["distributions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "fetter")
        .unwrap_or_else(|| panic!("fetter not in its own venv's inventory: {inv}"));
    assert_eq!(me["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(me["installer"], "pip");

    // The first-party plugins are inside the binary: `--policy typosquat`
    // runs from the wheel with no plugin file anywhere. (Until the typosquat
    // plugin is merged, the embedded example plugin stands in for it.)
    let policy = if run(Command::new(&installed).args(["plugin", "info", "typosquat"]))
        .status
        .success()
    {
        "typosquat"
    } else {
        eprintln!("NOTE: typosquat is not built in yet; checking example-custom instead");
        "example-custom"
    };
    let out = run(Command::new(&installed)
        .env("HOME", &home)
        .env("FETTER_CONFIG", "")
        .arg("--exe")
        .arg(&venv.prefix)
        .args(["validate", "--policy", policy, "--format", "json"]));
    let report = json(&out.stdout);
    assert!(
        matches!(out.status.code(), Some(0 | 3)),
        "the policy must run and judge (0 or 3), not fail: {report}"
    );
    assert_eq!(report["failures"], serde_json::json!([]), "{report}");
    assert_eq!(
        report["inputs"][0]["check"],
        format!("plugin:{policy}"),
        "{report}"
    );
    eprintln!("wheel test done in {:.1?}", started.elapsed());
}
