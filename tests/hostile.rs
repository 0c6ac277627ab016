//! Hostile and unprivileged trees, beyond tests/scan.rs's broken site:
//! a scan as `nobody` over unreadable files and directories, a tree built
//! to exhaust time or memory (64 MiB METADATA, 300-deep directories, a
//! FIFO, `/dev/zero`, a symlink to `/`, a loop, a non-UTF-8 name) with the
//! peak RSS measured by `wait4`, and pip installing and removing packages
//! while fetter scans.

use crate::common;

use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

fn chmod(p: &Path, mode: u32) {
    fs::set_permissions(p, fs::Permissions::from_mode(mode)).unwrap();
}

fn write_dist(site: &Path, dir: &str, name: &str, version: &str) -> PathBuf {
    let d = site.join(dir);
    fs::create_dir_all(&d).unwrap();
    fs::write(
        d.join("METADATA"),
        format!("Name: {name}\nVersion: {version}\n"),
    )
    .unwrap();
    d
}

/// A venv-shaped environment (pyvenv.cfg + site) under `root`.
fn fake_venv(root: &Path, name: &str) -> PathBuf {
    let prefix = root.join(name);
    fs::create_dir_all(&prefix).unwrap();
    fs::write(
        prefix.join("pyvenv.cfg"),
        "home = /nonexistent/bin\nversion = 3.12.1\n",
    )
    .unwrap();
    let site = prefix.join("lib/python3.12/site-packages");
    fs::create_dir_all(&site).unwrap();
    site
}

/// Spawn `cmd` with stdout to a file, kill it after `limit`, and return
/// (exit status, stdout, peak RSS in KiB from `wait4`, elapsed).
fn run_measured(cmd: &mut Command, out: &Path, limit: Duration) -> (i32, Vec<u8>, i64, Duration) {
    let start = Instant::now();
    let child = cmd
        .stdout(Stdio::from(fs::File::create(out).unwrap()))
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id() as libc::pid_t;
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watchdog = {
        let done = done.clone();
        std::thread::spawn(move || {
            while start.elapsed() < limit {
                if done.load(std::sync::atomic::Ordering::SeqCst) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            // SAFETY: signalling our own child, not yet reaped (done is false).
            unsafe { libc::kill(pid, libc::SIGKILL) };
        })
    };
    let mut status = 0;
    // SAFETY: zeroed rusage is a valid out-parameter for wait4.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    watchdog.join().unwrap();
    assert_eq!(r, pid, "wait4");
    std::mem::forget(child); // reaped by wait4 above
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -libc::WTERMSIG(status)
    };
    (
        code,
        fs::read(out).unwrap(),
        usage.ru_maxrss,
        start.elapsed(),
    )
}

/// Whether this process is the fresh one running only `test` (a function
/// of this module); if not, runs it there and returns false (the caller
/// returns). A child's `ru_maxrss` starts from the peak RSS of the process
/// that spawned it (vfork + exec), and the peak of a test binary that ran
/// every other end-to-end test is no bound on anything.
fn alone(test: &str) -> bool {
    const VAR: &str = "FETTER_E2E_ALONE";
    let module = module_path!().split_once("::").map_or("", |(_, m)| m);
    let name = format!("{module}::{test}");
    if std::env::var_os(VAR).is_some_and(|v| v == name.as_str()) {
        return true;
    }
    let out = Command::new(std::env::current_exe().unwrap())
        .args([&name, "--exact", "--nocapture", "--test-threads=1"])
        .env(VAR, &name)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    eprint!("{text}");
    assert!(out.status.success(), "{name} in a fresh process failed");
    assert!(
        text.contains("1 passed"),
        "{name} did not run in the fresh process"
    );
    false
}

fn warnings(inv: &serde_json::Value) -> Vec<String> {
    inv["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| format!("{} {}", w["path"].as_str().unwrap(), w["message"]))
        .collect()
}

/// Whether the tests can run commands as `nobody` (as root, with
/// `setpriv`); if not, says why: not being root is what the machine is
/// (skipped even under CI), a missing `setpriv` fails under CI.
fn can_drop_to_nobody() -> bool {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        skip_for_machine("the tests do not run as root, so they cannot drop to nobody");
        return false;
    }
    if !Path::new("/usr/bin/setpriv").exists() {
        skip_or_fail("no /usr/bin/setpriv (util-linux) to drop to nobody");
        return false;
    }
    true
}

/// As `nobody`, unreadable files and directories are named in warnings and
/// everything readable is still reported.
#[test]
fn unprivileged_scan_names_what_it_cannot_read() {
    if !can_drop_to_nobody() {
        return;
    }
    let s = scratch();
    chmod(&s.path, 0o755);
    let root = s.path.join("tree");
    let site = fake_venv(&root, "env");
    write_dist(&site, "good-1.0.dist-info", "good", "1.0");
    let closed = write_dist(&site, "closed-2.0.dist-info", "closed", "2.0");
    let hidden = write_dist(&site, "hidden-3.0.dist-info", "hidden", "3.0");
    chmod(&hidden.join("METADATA"), 0o000);
    let locked_site = fake_venv(&root, "locked/inner");
    write_dist(&locked_site, "inside-1.0.dist-info", "inside", "1.0");
    let home = s.path.join("home");
    fs::create_dir_all(&home).unwrap();
    chmod(&home, 0o777);
    // Everything readable to nobody, then the three obstacles.
    run_ok(Command::new("chmod").args(["-R", "a+rX"]).arg(&root));
    chmod(&hidden.join("METADATA"), 0o000);
    chmod(&closed, 0o000);
    chmod(&root.join("locked"), 0o000);

    let fetter_exe = s.path.join("fetter");
    fs::copy(fetter_bin(), &fetter_exe).unwrap();
    let out = run(Command::new("/usr/bin/setpriv")
        .args([
            "--reuid",
            "nobody",
            "--regid",
            "nogroup",
            "--clear-groups",
            "--",
        ])
        .arg(&fetter_exe)
        .arg("--root")
        .arg(&root)
        .args(["scan", "--format", "json"])
        .env_clear()
        .env("HOME", &home)
        .env("PATH", "/usr/bin:/bin")
        .env("NO_COLOR", "1"));
    for p in [&closed, &root.join("locked")] {
        chmod(p, 0o755); // let the scratch dir be removed
    }
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let inv = json(&out.stdout);
    let w = warnings(&inv);
    for needle in [
        "closed-2.0.dist-info",
        "hidden-3.0.dist-info/METADATA",
        "tree/locked",
    ] {
        assert!(
            w.iter().any(|m| m.contains(needle)),
            "no warning naming {needle}: {w:#?}"
        );
    }
    let prefix = root.join("env");
    let got = visible_set(&inv, &prefix);
    assert!(got.contains(&("good".into(), "1.0".into())), "{got:?}");
}

/// As `nobody`, a named scope that cannot be read is an error that says
/// "permission denied", and one that does not exist says so: the two have
/// different fixes, and neither is an empty, passing scan.
#[test]
fn unprivileged_named_scope_tells_unreadable_from_missing() {
    if !can_drop_to_nobody() {
        return;
    }
    let s = scratch();
    chmod(&s.path, 0o755);
    let root = s.path.join("tree");
    // A venv nobody may not list, and one behind a directory nobody may not enter.
    let closed_site = fake_venv(&root, "closed");
    write_dist(&closed_site, "good-1.0.dist-info", "good", "1.0");
    let inner_site = fake_venv(&root, "locked/inner");
    write_dist(&inner_site, "good-1.0.dist-info", "good", "1.0");
    let home = s.path.join("home");
    fs::create_dir_all(&home).unwrap();
    chmod(&home, 0o777);
    run_ok(Command::new("chmod").args(["-R", "a+rX"]).arg(&root));
    chmod(&root.join("closed"), 0o700);
    chmod(&root.join("locked"), 0o700);
    let fetter_exe = s.path.join("fetter");
    fs::copy(fetter_bin(), &fetter_exe).unwrap();
    let as_nobody = |args: &[&OsStr]| {
        run(Command::new("/usr/bin/setpriv")
            .args([
                "--reuid",
                "nobody",
                "--regid",
                "nogroup",
                "--clear-groups",
                "--",
            ])
            .arg(&fetter_exe)
            .args(args)
            .env_clear()
            .env("HOME", &home)
            .env("PATH", "/usr/bin:/bin")
            .env("NO_COLOR", "1"))
    };
    let closed = root.join("closed");
    let inner = root.join("locked/inner");
    let missing = root.join("missing");
    let cases: [(&str, &Path, &str); 5] = [
        ("--exe", &closed, "permission denied"),
        ("--exe", &inner, "permission denied"),
        ("--exe", &inner.join("bin/python3"), "permission denied"),
        ("--exe", &missing, "does not exist"),
        ("--root", &root.join("locked"), "permission denied"),
    ];
    let mut problems = Vec::new();
    for (flag, path, needle) in cases {
        for cmd in [&["scan"][..], &["count"], &["unpack-files"]] {
            let mut args: Vec<&OsStr> = vec![OsStr::new(flag), path.as_os_str()];
            args.extend(cmd.iter().map(OsStr::new));
            let out = as_nobody(&args);
            let err = String::from_utf8_lossy(&out.stderr);
            let other = if needle == "does not exist" {
                "permission denied"
            } else {
                "does not exist"
            };
            if out.status.code() != Some(1) || !err.contains(needle) || err.contains(other) {
                problems.push(format!(
                    "{flag} {} {cmd:?}: exit {:?}, stderr: {err}",
                    path.display(),
                    out.status.code()
                ));
            }
        }
    }
    for p in [&root.join("closed"), &root.join("locked")] {
        chmod(p, 0o755); // let the scratch dir be removed
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// A tree built to hang or exhaust a scanner: it finishes in seconds and
/// its peak RSS stays far below the 64 MiB file it must not read.
#[test]
fn hostile_tree_terminates_with_bounded_memory() {
    if !alone("hostile_tree_terminates_with_bounded_memory") {
        return;
    }
    let s = scratch();
    let root = s.path.join("tree");
    let site = fake_venv(&root, "env");
    write_dist(&site, "good-1.0.dist-info", "good", "1.0");
    let huge = site.join("huge-1.0.dist-info");
    fs::create_dir_all(&huge).unwrap();
    {
        // In 1 MiB chunks: the test process's own peak RSS must stay small,
        // since a spawned child's `ru_maxrss` starts from it (vfork + exec).
        use std::io::Write;
        let mut f = fs::File::create(huge.join("METADATA")).unwrap();
        let chunk = vec![b'a'; 1 << 20];
        for _ in 0..64 {
            f.write_all(&chunk).unwrap();
        }
    }
    let fifo = site.join("fifo-1.0.dist-info");
    fs::create_dir_all(&fifo).unwrap();
    let c = std::ffi::CString::new(fifo.join("METADATA").as_os_str().as_bytes()).unwrap();
    // SAFETY: valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
    let zero = site.join("zero-1.0.dist-info");
    fs::create_dir_all(&zero).unwrap();
    std::os::unix::fs::symlink("/dev/zero", zero.join("METADATA")).unwrap();
    // pip's uninstall stash, caught while still empty (regression: it was
    // reported as a distribution named "~tash-pkg").
    fs::create_dir_all(site.join("~tash_pkg-1.0.dist-info")).unwrap();
    std::os::unix::fs::symlink("/", site.join("root-link")).unwrap();
    std::os::unix::fs::symlink("/", root.join("root-link")).unwrap();
    std::os::unix::fs::symlink("loop-b", root.join("loop-a")).unwrap();
    std::os::unix::fs::symlink("loop-a", root.join("loop-b")).unwrap();
    std::os::unix::fs::symlink(".", root.join("self")).unwrap();
    fs::create_dir_all(root.join(OsStr::from_bytes(b"bad-\xff\xfe-name/lib"))).unwrap();
    let mut deep = root.join("deep");
    for i in 0..300 {
        deep.push(format!("d{i}"));
    }
    fs::create_dir_all(&deep).unwrap();
    fake_venv(&deep, "buried");

    let home = s.path.join("home");
    fs::create_dir_all(&home).unwrap();
    let (code, stdout, rss_kib, elapsed) = run_measured(
        fetter(&home)
            .arg("--root")
            .arg(&root)
            .args(["scan", "--format", "json"]),
        &s.path.join("out.json"),
        Duration::from_secs(60),
    );
    eprintln!(
        "hostile tree: exit {code}, {elapsed:?}, peak RSS {} MiB",
        rss_kib / 1024
    );
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&stdout));
    assert!(elapsed < Duration::from_secs(30), "took {elapsed:?}");
    assert!(rss_kib < 48 * 1024, "peak RSS {rss_kib} KiB");
    let inv = json(&stdout);
    let got = visible_set(&inv, &root.join("env"));
    assert!(got.contains(&("good".into(), "1.0".into())), "{got:?}");
    assert!(!got.iter().any(|(n, _)| n.starts_with('~')), "{got:?}");
    let w = warnings(&inv);
    for needle in [
        "huge-1.0.dist-info",
        "fifo-1.0.dist-info",
        "zero-1.0.dist-info",
        "~tash_pkg-1.0.dist-info",
    ] {
        assert!(w.iter().any(|m| m.contains(needle)), "{needle}: {w:#?}");
    }
}

/// pip installs and removes packages while fetter scans in a loop: every
/// scan exits cleanly with a well-formed report whose packages are ones
/// that existed at some point.
#[test]
fn scans_stay_consistent_while_pip_churns() {
    let Some(py) = python() else { return };
    let s = scratch();
    let home = s.path.join("home");
    fs::create_dir_all(&home).unwrap();
    let venv = Venv::create(&py, &s.path.join("work/churn"));
    let wheels = s.path.join("wheels");
    let a = build_wheel(
        &py,
        &tiny_project(&s.path, "churn-a", "1.0", Some("churn-a")),
        &wheels,
    );
    let b = build_wheel(&py, &tiny_project(&s.path, "churn-b", "2.0", None), &wheels);
    let mut known: Vec<String> = venv.pip_list().into_iter().map(|(n, _)| n).collect();
    known.extend(["churn-a".to_string(), "churn-b".to_string()]);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let churn = {
        let (python, stop) = (venv.python(), stop.clone());
        std::thread::spawn(move || {
            let pip = |args: &[&OsStr]| {
                run_ok(
                    Command::new(&python)
                        .args(["-m", "pip", "-q", "--disable-pip-version-check"])
                        .args(args),
                )
            };
            let s = |x: &'static str| OsStr::new(x);
            for _ in 0..3 {
                if stop.load(std::sync::atomic::Ordering::SeqCst) {
                    break;
                }
                pip(&[s("install"), s("--no-index"), a.as_os_str(), b.as_os_str()]);
                pip(&[s("uninstall"), s("-y"), s("churn-a"), s("churn-b")]);
            }
        })
    };
    let mut scans = 0;
    while !churn.is_finished() || scans < 3 {
        let out = run(fetter(&home)
            .arg("--root")
            .arg(s.path.join("work"))
            .args(["scan", "--format", "json"]));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "scan {scans}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        let inv = json(&out.stdout);
        for (name, version) in visible_set(&inv, &venv.prefix) {
            assert!(known.contains(&name), "unknown {name} {version}");
        }
        scans += 1;
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    churn.join().unwrap();
    eprintln!("pip churn: {scans} scans during install/remove cycles");
}
