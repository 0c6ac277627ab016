//! The venvs shared by the bounds end-to-end tests, and helpers to run
//! `fetter validate` on them.
#![allow(dead_code)]

use std::fs;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::OnceLock;

use crate::common::*;

/// Two venvs shared by the tests (creating venvs is the slow part):
/// `a` holds Jaraco.Tiny 3.2.1, tiny-pkg 1.0.1, Local.Ver 1.0+cpu,
/// pre-rel 2.0rc1 (from a find-links directory, as from an index) and
/// dir-pkg 0.1 (from its source directory: PEP 610 `dir_info`); `b` holds
/// tiny-pkg 2.0.
pub struct World {
    /// `target/tmp/bounds-world-<test binary>`: a static is never dropped,
    /// so instead of a temporary directory the world lives at a fixed path
    /// that the next run of the same test binary clears first.
    pub root: PathBuf,
    pub home: PathBuf,
    pub a: Venv,
    pub b: Venv,
    pub dir_pkg_src: PathBuf,
}

pub fn world() -> Option<&'static World> {
    static WORLD: OnceLock<Option<World>> = OnceLock::new();
    WORLD
        .get_or_init(|| {
            let py = python()?;
            // With the build hash (`e2e-0123abcd`): checkouts sharing a
            // target dir build different binaries, so they do not clear
            // each other's world.
            let exe = std::env::current_exe().unwrap();
            let binary = exe.file_stem().unwrap().to_string_lossy();
            let root =
                PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("bounds-world-{binary}"));
            let _ = fs::remove_dir_all(&root);
            fs::create_dir_all(&root).unwrap();
            let root = root.canonicalize().unwrap();
            let home = root.join("home");
            fs::create_dir_all(&home).unwrap();
            let wheels = root.join("wheels");
            for (name, version) in [
                ("Jaraco.Tiny", "3.2.1"),
                ("tiny-pkg", "1.0.1"),
                ("tiny-pkg", "2.0"),
                ("Local.Ver", "1.0+cpu"),
                ("pre-rel", "2.0rc1"),
            ] {
                let dir = root.join(format!("src-{name}-{version}"));
                let project = tiny_project(&dir, name, version, None);
                build_wheel(&py, &project, &wheels);
            }
            let dir_pkg_src = tiny_project(&root.join("src-dir"), "dir-pkg", "0.1", None)
                .canonicalize()
                .unwrap();
            let links = wheels.to_str().unwrap();
            let a = Venv::create(&py, &root.join("envs/a"));
            a.pip(&[
                "install",
                "--find-links",
                links,
                "jaraco.tiny",
                "tiny-pkg==1.0.1",
                "local-ver",
                "pre-rel==2.0rc1",
            ]);
            a.pip(&[
                "install",
                "--no-build-isolation",
                dir_pkg_src.to_str().unwrap(),
            ]);
            let b = Venv::create(&py, &root.join("envs/b"));
            b.pip(&["install", "--find-links", links, "tiny-pkg==2.0"]);
            Some(World {
                root,
                home,
                a,
                b,
                dir_pkg_src,
            })
        })
        .as_ref()
}

pub fn fetter_in(w: &World, envs: &[&Venv]) -> Command {
    let mut c = fetter(&w.home);
    for e in envs {
        c.arg("--exe").arg(&e.prefix);
    }
    c
}

pub fn code(out: &Output) -> i32 {
    out.status.code().expect("exit code")
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Requirements for what `python -m venv` itself installed besides pip
/// (setuptools before Python 3.12, nothing after), one per line.
pub fn baseline(w: &World) -> String {
    let ours = [
        "jaraco-tiny",
        "tiny-pkg",
        "local-ver",
        "pre-rel",
        "dir-pkg",
        "pip",
    ];
    w.a.pip_list()
        .into_iter()
        .filter(|(n, _)| !ours.contains(&n.as_str()))
        .map(|(n, _)| format!("{n}\n"))
        .collect()
}

/// A bound file under the world's root.
pub fn bound(w: &World, name: &str, content: &str) -> PathBuf {
    let dir = w.root.join("bounds");
    fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    fs::write(&p, content).unwrap();
    p
}

pub fn validate_json(w: &World, envs: &[&Venv], args: &[&str]) -> (i32, serde_json::Value) {
    let out = run(fetter_in(w, envs)
        .arg("validate")
        .args(args)
        .args(["--format", "json"]));
    (code(&out), json(&out.stdout))
}

/// (code, distribution or requirement name) of every diagnostic.
pub fn diag_set(report: &serde_json::Value) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = report["environments"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|e| e["diagnostics"].as_array().unwrap().iter())
        .map(|d| {
            let name = d["distribution"]["name"]
                .as_str()
                .map(normalize)
                .unwrap_or_else(|| d["requirement"].as_str().unwrap().to_string());
            (d["code"].as_str().unwrap().to_string(), name)
        })
        .collect();
    v.sort();
    v
}
