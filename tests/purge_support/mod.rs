//! Support for the purge end-to-end tests: a venv with tiny packages
//! installed from local wheels, byte-level snapshots of a tree, and a purge
//! slowed down so a test can kill it half-way.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;
use sha2::{Digest, Sha256};

/// A venv with tiny packages installed from local wheels, and a home for
/// fetter (its quarantine lives in `home/.local/share/fetter`).
pub struct Fixture {
    _scratch: Scratch,
    /// The scratch directory everything lives in.
    pub root: PathBuf,
    /// fetter's HOME.
    pub home: PathBuf,
    /// The venv.
    pub venv: Venv,
    /// Built wheels by normalised name.
    pub wheels: BTreeMap<String, PathBuf>,
}

/// Packages: name, version, console script, extra modules.
pub const PACKAGES: &[(&str, &str, Option<&str>, usize)] = &[
    ("alpha-one", "1.0", Some("alpha"), 3),
    ("alpha-two", "2.1", None, 0),
    ("beta-keep", "0.5", Some("beta"), 1),
    ("Cap.Pkg", "1.0", None, 0),
];

pub fn fixture(extra: &[(&str, &str, Option<&str>, usize)]) -> Option<Fixture> {
    let py = python()?;
    let s = scratch();
    let root = s.path.clone();
    let home = root.join("home");
    fs::create_dir_all(&home).unwrap();
    let venv = Venv::create(&py, &root.join("venv"));
    let mut wheels = BTreeMap::new();
    for &(name, version, script, modules) in PACKAGES.iter().chain(extra) {
        let project = tiny_project(&root, name, version, script);
        let module = name.replace(['-', '.'], "_").to_lowercase();
        for i in 0..modules {
            fs::write(
                project.join(&module).join(format!("mod{i}.py")),
                format!("X = {i}\n"),
            )
            .unwrap();
        }
        let wheel = build_wheel(&py, &project, &root.join("wheels"));
        venv.pip(&["install", "--no-deps", wheel.to_str().unwrap()]);
        wheels.insert(normalize(name), wheel);
    }
    Some(Fixture {
        _scratch: s,
        root,
        home,
        venv,
        wheels,
    })
}

impl Fixture {
    /// `fetter --exe VENV ARGS` with stdin closed (not a terminal); without
    /// `--exe` for `restore` and `quarantine`, which refuse a scope.
    pub fn fetter(&self, args: &[&str]) -> Output {
        run(self.command(args).stdin(Stdio::null()))
    }

    /// [`Fixture::fetter`], recorded in `t` under the heading `what`.
    pub fn logged(
        &self,
        t: &mut crate::common::snap::Transcript,
        what: &str,
        args: &[&str],
    ) -> Output {
        t.run(what, self.command(args).stdin(Stdio::null()))
    }

    /// The command [`Fixture::fetter`] runs, to spawn it another way.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = fetter(&self.home);
        if !matches!(args.first(), Some(&"restore" | &"quarantine")) {
            c.arg("--exe").arg(&self.venv.prefix);
        }
        c.args(args);
        c
    }

    pub fn site(&self) -> PathBuf {
        self.venv.site()
    }

    pub fn record_of(&self, dist_info: &str) -> PathBuf {
        self.site().join(dist_info).join("RECORD")
    }

    pub fn quarantines(&self) -> serde_json::Value {
        let out = self.fetter(&["quarantine", "list", "--format", "json"]);
        assert!(out.status.success(), "{}", text(&out));
        json(&out.stdout)
    }
}

pub fn text(out: &Output) -> String {
    format!(
        "status {}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

pub fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

/// Every entry below `root`, without following symlinks: directories with
/// their mode, symlinks with their target, files with mode, owner, size,
/// mtime and SHA-256.
pub fn snapshot(root: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in fs::read_dir(&dir).unwrap().flatten() {
            let p = e.path();
            let m = fs::symlink_metadata(&p).unwrap();
            let rel = p.strip_prefix(root).unwrap().to_path_buf();
            let desc = if m.file_type().is_symlink() {
                format!("link -> {}", fs::read_link(&p).unwrap().display())
            } else if m.is_dir() {
                stack.push(p.clone());
                format!("dir {:o}", m.mode() & 0o7777)
            } else {
                let digest = Sha256::digest(fs::read(&p).unwrap());
                format!(
                    "file {:o} {}:{} {} {}.{} {:x}",
                    m.mode() & 0o7777,
                    m.uid(),
                    m.gid(),
                    m.len(),
                    m.mtime(),
                    m.mtime_nsec(),
                    digest
                )
            };
            out.insert(rel, desc);
        }
    }
    out
}

pub fn empty_dirs(snap: &BTreeMap<PathBuf, String>) -> BTreeSet<PathBuf> {
    let dirs: Vec<&PathBuf> = snap
        .iter()
        .filter(|(_, d)| d.starts_with("dir "))
        .map(|(p, _)| p)
        .collect();
    dirs.into_iter()
        .filter(|d| !snap.keys().any(|k| k.parent() == Some(d.as_path())))
        .cloned()
        .collect()
}

pub fn assert_same(before: &BTreeMap<PathBuf, String>, after: &BTreeMap<PathBuf, String>) {
    let mut diffs = Vec::new();
    for (k, v) in before {
        match after.get(k) {
            None => diffs.push(format!("missing: {} ({v})", k.display())),
            Some(w) if w != v => diffs.push(format!("changed: {}: {v} -> {w}", k.display())),
            _ => {}
        }
    }
    for k in after.keys().filter(|k| !before.contains_key(*k)) {
        diffs.push(format!("extra: {}", k.display()));
    }
    assert!(diffs.is_empty(), "trees differ:\n{}", diffs.join("\n"));
}

pub fn without(list: &BTreeSet<(String, String)>, names: &[&str]) -> BTreeSet<(String, String)> {
    list.iter()
        .filter(|(n, _)| !names.contains(&n.as_str()))
        .cloned()
        .collect()
}

/// Poll until `pred` holds or `limit` passes.
pub fn wait_for(limit: Duration, mut pred: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if pred() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

pub fn files_in(dir: &Path) -> usize {
    fs::read_dir(dir).map(|rd| rd.count()).unwrap_or(0)
}

/// Start a purge of `pattern` that pauses before each file; returns the
/// child and the quarantine's `files/` directory once `moved` files moved.
pub fn start_slow_purge(
    fx: &Fixture,
    pattern: &str,
    moved: usize,
) -> (std::process::Child, PathBuf) {
    let qroot = fx.home.join(".local/share/fetter/quarantine");
    let known: BTreeSet<PathBuf> = fs::read_dir(&qroot)
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    let child = fetter(&fx.home)
        .arg("--exe")
        .arg(&fx.venv.prefix)
        .args(["purge-pattern", "-p", pattern, "--yes"])
        .env("FETTER_TEST_PAUSE_BETWEEN_FILES_MS", "150")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut files = PathBuf::new();
    let ok = wait_for(Duration::from_secs(60), || {
        let fresh = fs::read_dir(&qroot)
            .map(|rd| rd.flatten().map(|e| e.path()).find(|p| !known.contains(p)))
            .ok()
            .flatten();
        if let Some(q) = fresh {
            files = q.join("files");
            return files_in(&files) >= moved;
        }
        false
    });
    assert!(ok, "the purge never got going");
    (child, files)
}
