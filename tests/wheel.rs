//! What users install, three ways, each into a fresh place and then run:
//! the wheel maturin builds from pyproject.toml, `pip install <repo>`
//! through pip's own isolated PEP 517 build, and `cargo install --path
//! engine`.
//!
//! To keep CI fast every build uses the `dev` profile and the target
//! directory this test binary was built in: cargo finds the `fetter` binary
//! the test suite already built up to date, so each install only packs or
//! copies it (seconds, not a second build of wasmtime). The one difference
//! from what users run is the profile (`dist` in pyproject.toml, release
//! for `cargo install`), passed through maturin's `MATURIN_PEP517_ARGS` and
//! cargo's `--debug`.

use crate::common;

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
    let Some(py) = python() else { return };
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
    let installed = venv.prefix.join("bin/fetter");
    assert!(installed.is_file(), "pip did not install bin/fetter");
    check_installed(&installed, Some(&venv), &s.path.join("home"));
    eprintln!("wheel test done in {:.1?}", started.elapsed());
}

/// `pip install <repo>` in a fresh venv: pip fetches maturin into an
/// isolated build environment and runs its PEP 517 backend, as a user's
/// `pip install .` does.
#[test]
fn pip_install_of_the_repository_gives_a_working_fetter() {
    let Some(py) = python() else { return };
    let s = scratch();
    let venv = Venv::create(&py, &s.path.join("fresh"));
    let out = run(Command::new(venv.python())
        .args(["-m", "pip", "install", "--disable-pip-version-check"])
        .arg(repo())
        .env("MATURIN_PEP517_ARGS", "--profile dev")
        .env("CARGO_TARGET_DIR", target_dir()));
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() && stderr.contains("No matching distribution found for maturin") {
        skip_or_fail(&format!("pip cannot fetch maturin (no PyPI): {stderr}"));
        return;
    }
    assert!(out.status.success(), "pip install <repo> failed:\n{stderr}");
    check_installed(
        &venv.prefix.join("bin/fetter"),
        Some(&venv),
        &s.path.join("home"),
    );
}

/// `cargo install --path engine` gives the same `fetter`.
#[test]
fn cargo_install_gives_a_working_fetter() {
    let s = scratch();
    let root = s.path.join("cargo-root");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = run(Command::new(cargo)
        .current_dir(repo())
        .args([
            "install", "--locked", "--debug", "--path", "engine", "--root",
        ])
        .arg(&root)
        .arg("--target-dir")
        .arg(target_dir()));
    assert!(
        out.status.success(),
        "cargo install failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    check_installed(&root.join("bin/fetter"), None, &s.path.join("home"));
}

/// What every install must give: `fetter --version` with the plugin ABI,
/// a scan, and the first-party typosquat plugin running from inside the
/// binary with no plugin file anywhere. With `venv` (a Python install):
/// also `python -m fetter`, and fetter finds itself in that venv.
fn check_installed(installed: &Path, venv: Option<&Venv>, home: &Path) {
    assert!(
        installed.is_file(),
        "{} was not installed",
        installed.display()
    );
    std::fs::create_dir_all(home).unwrap();
    let version = run_ok(Command::new(installed).arg("--version"));
    assert!(
        version.starts_with(&format!(
            "fetter {} (plugin ABI ",
            env!("CARGO_PKG_VERSION")
        )),
        "{version}"
    );
    let fetter = || {
        let mut c = Command::new(installed);
        c.env("HOME", home).env("FETTER_CONFIG", "");
        c
    };
    let scanned = match venv {
        Some(v) => v.prefix.clone(),
        None => {
            let py = python().expect("python3 for a venv to scan");
            Venv::create(&py, &home.join("scanned")).prefix
        }
    };
    let inv = json(
        run_ok(
            fetter()
                .arg("--exe")
                .arg(&scanned)
                .args(["scan", "--format", "json"]),
        )
        .as_bytes(),
    );
    let names: Vec<&str> = inv["distributions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["name"].as_str())
        .collect();
    assert!(names.contains(&"pip"), "{inv}");

    if let Some(venv) = venv {
        // `python -m fetter` runs the same binary, arguments and exit code passed on.
        let via_module = run_ok(Command::new(venv.python()).args(["-m", "fetter", "--version"]));
        assert_eq!(via_module, version);
        let bad = run(Command::new(venv.python()).args(["-m", "fetter", "--no-such-flag"]));
        assert_eq!(
            bad.status.code(),
            Some(2),
            "usage errors exit 2 through python -m"
        );
        // The installed fetter finds itself in the venv it lives in.
        let me = inv["distributions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["name"] == "fetter")
            .unwrap_or_else(|| panic!("fetter not in its own venv's inventory: {inv}"));
        assert_eq!(me["version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(me["installer"], "pip");
    }

    let out = run(fetter().arg("--exe").arg(&scanned).args([
        "validate",
        "--policy",
        "typosquat",
        "--format",
        "json",
    ]));
    let report = json(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "typosquat must run and pass a clean venv: {report}"
    );
    assert_eq!(report["failures"], serde_json::json!([]), "{report}");
    assert_eq!(report["inputs"][0]["check"], "plugin:typosquat", "{report}");
}
