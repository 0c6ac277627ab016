//! The tables people read, as insta snapshots (`tests/tables/snapshots/`):
//! scan, scan --long, count, search, validate, audit, tree, verify,
//! inspect, unpack-count and a purge plan, over one venv of tiny wheels
//! made the same way on every machine.
//!
//! Column widths depend on path lengths, so the fixture lives at a path of
//! fixed length (`/tmp/fetter-tbl-XXXXXX`) and the filters replace only its
//! random part, the Python version (an interpreter 3.10+ is used, so
//! `python3.XX` keeps the width) and total sizes (pip versions write
//! `direct_url.json` differently). A changed table is a failed
//! test showing the difference; `cargo insta review` (or
//! `INSTA_UPDATE=always`) accepts it once it is what users should see.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::*;

/// The venv and its home, at a fixed-length path.
struct Fixture {
    _dir: tempfile::TempDir,
    root: PathBuf,
    home: PathBuf,
    venv: Venv,
}

/// An interpreter whose minor version has two digits (3.10+), so paths
/// keep their width once redacted.
fn python_3_10_plus() -> Option<PathBuf> {
    let found = pythons().into_iter().find(|p| {
        Command::new(p)
            .args(["-c", "import sys; assert sys.version_info >= (3, 10)"])
            .status()
            .is_ok_and(|s| s.success())
    });
    if found.is_none() {
        skip_or_fail("no Python 3.10+ with venv and ensurepip for the table snapshots");
    }
    found
}

fn fixture() -> Option<Fixture> {
    let py = python_3_10_plus()?;
    let dir = tempfile::Builder::new()
        .prefix("fetter-tbl-")
        .rand_bytes(6)
        .tempdir_in("/tmp")
        .unwrap();
    let root = dir.path().to_path_buf();
    let home = root.join("home");
    fs::create_dir_all(&home).unwrap();
    let venv = Venv::create(&py, &root.join("venv"));
    let wheels = root.join("wheels");
    let src = root.join("src");
    for (name, version, script) in [
        ("alpha", "1.0", None),
        ("Beta.Tools", "2.0", Some("beta")),
        ("gamma", "0.1", None),
    ] {
        let w = build_wheel(&py, &tiny_project(&src, name, version, script), &wheels);
        venv.pip(&[
            "install",
            "--no-index",
            "--no-deps",
            "--no-compile",
            w.to_str().unwrap(),
        ]);
    }
    // What pip and setuptools are depends on the interpreter: not in the tables.
    let _ = venv.pip(&["uninstall", "-y", "setuptools"]);
    venv.pip(&["uninstall", "-y", "pip"]);
    // A start-up hook nothing owns, and a modified file.
    fs::write(venv.site().join("zz-hook.pth"), "import os\n").unwrap();
    fs::write(venv.site().join("gamma/__init__.py"), "changed = True\n").unwrap();
    Some(Fixture {
        _dir: dir,
        root,
        home,
        venv,
    })
}

impl Fixture {
    /// `fetter --exe VENV args…`: exit code and stdout.
    fn table(&self, args: &[&str]) -> String {
        let out = run(fetter(&self.home)
            .arg("--exe")
            .arg(&self.venv.prefix)
            .args(args)
            .current_dir(&self.root));
        format!(
            "$ fetter --exe VENV {}\n[exit {}]\n{}",
            args.join(" "),
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout)
        )
    }
}

fn filters() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.add_filter(r"/tmp/fetter-tbl-[A-Za-z0-9]{6}", "/tmp/fetter-tbl-XXXXXX");
    s.add_filter(r"python3\.\d\d", "python3.XX");
    s.add_filter(r"Python 3\.\d+\.\d+", "Python 3.X.Y");
    // Sizes include direct_url.json, which pip versions write differently.
    s.add_filter(r"files, [\d.]+ (B|KiB|MiB)\)", "files, SIZE)");
    s.set_prepend_module_to_snapshot(false);
    s
}

#[test]
fn tables_are_what_people_read() {
    let Some(fx) = fixture() else { return };
    let bound = fx.root.join("req.txt");
    fs::write(&bound, "alpha==1.0\nbeta-tools>=3\ndelta==1\n").unwrap();
    let osv = osv_alpha(&fx.root);
    let cases: &[(&str, Vec<&str>)] = &[
        ("scan", vec!["scan"]),
        ("scan_long", vec!["scan", "--long"]),
        ("count", vec!["count"]),
        ("search", vec!["search", "*a"]),
        ("validate", vec!["validate", "--bound", "req.txt"]),
        ("audit", vec!["audit", "--osv-db", "osv"]),
        ("tree", vec!["tree"]),
        ("verify", vec!["verify"]),
        ("inspect", vec!["inspect"]),
        ("unpack_count", vec!["unpack-count"]),
        ("purge_plan", vec!["purge", "--name", "gamma", "--dry-run"]),
    ];
    assert!(osv.is_dir() && Path::new(&bound).is_file());
    filters().bind(|| {
        for (name, args) in cases {
            insta::assert_snapshot!(*name, fx.table(args));
        }
    });
}
