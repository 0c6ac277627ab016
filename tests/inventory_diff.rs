//! Inventory against `importlib.metadata`, interpreter by interpreter: for
//! every usable Python on this machine (as `common::pythons()` finds them),
//! with a user site holding a package and a `--system-site-packages` venv
//! on top, the packages fetter reports as visible equal what that
//! interpreter's `importlib.metadata.distributions()` yields (first of each
//! name in `sys.path` order). pip and uv venvs: tests/scan.rs.

use crate::common;

use std::ffi::OsStr;
use std::fs;
use std::path::Path;
use std::process::Command;

use common::*;

#[test]
fn every_interpreter_and_user_site_matches_importlib() {
    let all = pythons();
    if all.is_empty() {
        skip_or_fail("no python3 (3.8+) with venv and ensurepip on this machine");
        return;
    }
    let s = scratch();
    let home = s.path.join("home");
    fs::create_dir_all(&home).unwrap();
    let wheel = build_wheel(
        &all[0],
        &tiny_project(&s.path, "User.Site_Pkg", "4.2", None),
        &s.path.join("wheels"),
    );
    let mut compared = 0;
    for (i, py) in all.iter().enumerate() {
        // A package in this interpreter's user site (under the test HOME;
        // `--break-system-packages` only lifts PEP 668's refusal for the
        // OS Python, the install still goes to the test HOME).
        let user = run(Command::new(py)
            .args([
                "-m",
                "pip",
                "install",
                "-q",
                "--user",
                "--no-index",
                "--no-deps",
                "--disable-pip-version-check",
                "--no-warn-script-location",
                "--break-system-packages",
            ])
            .arg(&wheel)
            .env("HOME", &home)
            .env_remove("PYTHONUSERBASE"));
        if !user.status.success() {
            eprintln!(
                "note: no user-site install for {}: {}",
                py.display(),
                String::from_utf8_lossy(&user.stderr)
                    .lines()
                    .last()
                    .unwrap_or("")
            );
        }
        let inherit = Venv::create_with(
            py,
            &s.path.join(format!("inherit{i}")),
            &["--without-pip", "--system-site-packages"],
        );
        for exe in [py.clone(), inherit.python()] {
            let inv = scan_json(&home, &[OsStr::new("--exe"), exe.as_os_str()]);
            let envs = inv["environments"].as_array().unwrap();
            assert_eq!(envs.len(), 1, "{}: {envs:?}", exe.display());
            let prefix = Path::new(envs[0]["prefix"].as_str().unwrap());
            let want = importlib_set(&exe, &home);
            let got = visible_set(&inv, prefix);
            assert_eq!(
                got,
                want,
                "fetter vs importlib.metadata for {}:\nonly fetter: {:?}\nonly importlib: {:?}",
                exe.display(),
                got.difference(&want).collect::<Vec<_>>(),
                want.difference(&got).collect::<Vec<_>>()
            );
            if user.status.success() {
                assert!(
                    got.contains(&("user-site-pkg".into(), "4.2".into())),
                    "user site of {} not seen",
                    exe.display()
                );
            }
            compared += want.len();
        }
    }
    eprintln!(
        "inventory: {} interpreters, {compared} distributions compared with importlib.metadata",
        all.len()
    );
}
