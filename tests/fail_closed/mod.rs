//! Issue 14's slips around the commands, each as a user or a script would
//! meet it: a named scope that finds nothing, a closed pipe, a `--fetter`
//! that cannot run, misleading messages, scope options in `--help`.
//!
//! Environments here are venv-shaped trees (`pyvenv.cfg` and a site), so
//! these tests need no Python.

use std::ffi::OsStr;
use std::fs;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::common::snap;
use crate::common::*;

/// A venv-shaped environment at `root/name`; returns (prefix, site).
pub fn fake_venv(root: &Path, name: &str) -> (PathBuf, PathBuf) {
    let prefix = root.join(name);
    fs::create_dir_all(&prefix).unwrap();
    fs::write(
        prefix.join("pyvenv.cfg"),
        "home = /nonexistent/bin\nversion = 3.12.1\n",
    )
    .unwrap();
    let site = prefix.join("lib/python3.12/site-packages");
    fs::create_dir_all(&site).unwrap();
    (prefix, site)
}

/// A distribution with a module and a RECORD listing both, as pip leaves it.
pub fn installed(site: &Path, name: &str, version: &str) {
    let info = format!("{name}-{version}.dist-info");
    fs::create_dir_all(site.join(&info)).unwrap();
    fs::create_dir_all(site.join(name)).unwrap();
    fs::write(site.join(name).join("__init__.py"), "x = 1\n").unwrap();
    fs::write(
        site.join(&info).join("METADATA"),
        format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"),
    )
    .unwrap();
    fs::write(
        site.join(&info).join("RECORD"),
        format!("{name}/__init__.py,,\n{info}/METADATA,,\n{info}/RECORD,,\n"),
    )
    .unwrap();
}

struct Tree {
    _s: Scratch,
    home: PathBuf,
    root: PathBuf,
    venv: PathBuf,
    site: PathBuf,
}

fn tree() -> Tree {
    let s = scratch();
    let home = s.path.join("home");
    fs::create_dir_all(&home).unwrap();
    let root = s.path.clone();
    let (venv, site) = fake_venv(&root, "venv");
    installed(&site, "alpha", "1.0");
    Tree {
        _s: s,
        home,
        root,
        venv,
        site,
    }
}

fn outcome(c: &mut Command) -> (i32, String, String) {
    let out = run(c.env("FETTER_CONFIG", ""));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Every command that reads the inventory, with the arguments that make it
/// run: none of them may pass over a named scope that holds nothing.
const INVENTORY_COMMANDS: &[&[&str]] = &[
    &["scan"],
    &["count"],
    &["search", "alpha"],
    &["inspect", "--fail-unowned"],
    &["unpack-count"],
    &["unpack-files"],
    &["derive"],
    &["validate", "--policy", "deprecated-names"],
    &["audit", "--osv-db", "OSV"],
    &["purge", "-n", "alpha", "--dry-run"],
    &["purge-pattern", "-p", "alpha", "--dry-run"],
];

#[test]
fn a_named_scope_that_finds_nothing_fails_every_command() {
    let t = tree();
    let empty = t.root.join("empty");
    fs::create_dir_all(&empty).unwrap();
    let text = t.root.join("notes.txt");
    fs::write(&text, "not python\n").unwrap();
    let osv = t.root.join("osv");
    fs::create_dir_all(&osv).unwrap();
    let missing = t.root.join("no/such/bin/python3");
    let scopes: [(&str, &Path, &str); 4] = [
        ("--exe", &missing, "a missing --exe"),
        ("--exe", &text, "an --exe that is a text file"),
        ("--root", &empty, "a --root holding no environment"),
        ("--root", &t.root.join("no-such-dir"), "a missing --root"),
    ];
    let mut said = snap::Transcript::new();
    for cmd in INVENTORY_COMMANDS {
        let args: Vec<&str> = cmd
            .iter()
            .map(|a| {
                if *a == "OSV" {
                    osv.to_str().unwrap()
                } else {
                    a
                }
            })
            .collect();
        // The same command on the venv runs: the failures below are the scope's.
        let (code, _, err) = outcome(fetter(&t.home).arg("--exe").arg(&t.venv).args(&args));
        assert!(
            code == 0 || code == 3,
            "{args:?} on the venv: {code}\n{err}"
        );
        for (flag, path, what) in scopes {
            // Before and after the subcommand: the same failure, said the
            // same way (the snapshot holds it once).
            let mut c = fetter(&t.home);
            c.arg(flag).arg(path).args(&args);
            let (code, out, err) = outcome(&mut c);
            assert_eq!(
                code,
                1,
                "{flag} {} {args:?} must fail\nstdout:\n{out}\nstderr:\n{err}",
                path.display()
            );
            let shown: Vec<_> = c.get_args().map(|a| a.to_string_lossy()).collect();
            said.push(what, &shown.join(" "), code, &out, &err);
            let mut c = fetter(&t.home);
            c.args(&args).arg(flag).arg(path);
            assert_eq!(
                outcome(&mut c),
                (code, out, err),
                "{flag} {} after {args:?}",
                path.display()
            );
        }
        // One good scope does not excuse a bad one.
        let (code, out, err) = outcome(
            fetter(&t.home)
                .arg("--exe")
                .arg(&t.venv)
                .arg("--exe")
                .arg(&missing)
                .args(&args),
        );
        assert_eq!(
            code, 1,
            "{args:?} with one good and one missing --exe\n{out}\n{err}"
        );
    }
    // The start-up hook names exactly one --exe: it says why that one is unusable.
    for cmd in [
        &["site-uninstall"][..],
        &["site-install", "--policy", "typosquat"],
    ] {
        let mut c = fetter(&t.home);
        c.arg("--exe").arg(&missing).args(cmd);
        let (code, out, err) = outcome(&mut c);
        assert_eq!(code, 1, "{cmd:?}");
        let shown: Vec<_> = c.get_args().map(|a| a.to_string_lossy()).collect();
        said.push(
            "the start-up hook's one --exe is missing",
            &shown.join(" "),
            code,
            &out,
            &err,
        );
    }
    snap::redacted(&t.root)
        .bind(|| insta::assert_snapshot!("fail_closed_named_scopes", said.text()));
}

/// Spawn `c` with stdout a pipe whose reader is already gone; returns the
/// exit code and stderr.
fn into_closed_pipe(c: &mut Command) -> (i32, String) {
    let mut child = c
        .env("FETTER_CONFIG", "")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    (status.code().unwrap_or(-1), err)
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let t = tree();
    let venv = t.venv.to_str().unwrap();
    for args in [
        &["completions", "bash"][..],
        &["man"],
        &["config", "show"],
        &["--help"],
        &["--exe", venv, "scan"],
        &["--exe", venv, "scan", "--format", "json"],
        &["--exe", venv, "unpack-files"],
        &["--exe", venv, "purge", "-n", "alpha", "--dry-run"],
        &["--exe", venv, "purge-pattern", "-p", "alpha", "--dry-run"],
    ] {
        let (code, err) = into_closed_pipe(fetter(&t.home).args(args));
        assert_eq!(code, 0, "{args:?} into a closed pipe: {err}");
        assert!(
            !err.contains("error") && !err.contains("panicked") && !err.contains("Broken pipe"),
            "{args:?} into a closed pipe: {err}"
        );
    }
    // A dry run removed nothing; a confirmed purge carries on and says so
    // through its exit code, whatever happened to its reader.
    assert!(t.site.join("alpha/__init__.py").is_file());
    let (code, err) =
        into_closed_pipe(fetter(&t.home).args(["--exe", venv, "purge", "-n", "alpha", "--yes"]));
    assert_eq!(code, 0, "{err}");
    assert!(!t.site.join("alpha/__init__.py").exists(), "{err}");
}

#[test]
fn site_install_refuses_a_fetter_that_cannot_run() {
    let t = tree();
    let bound = t.root.join("requirements.txt");
    fs::write(&bound, "alpha==1.0\n").unwrap();
    let not_exec = t.root.join("fetter-copy");
    fs::write(&not_exec, "#!/bin/sh\n").unwrap();
    fs::set_permissions(&not_exec, fs::Permissions::from_mode(0o644)).unwrap();
    let install = |fetter_arg: &Path| {
        outcome(
            fetter(&t.home)
                .arg("--exe")
                .arg(&t.venv)
                .arg("site-install")
                .arg("--bound")
                .arg(&bound)
                .arg("--fetter")
                .arg(fetter_arg),
        )
    };
    let hook_files = || -> Vec<String> {
        fs::read_dir(&t.site)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("fetter"))
            .collect()
    };
    let mut said = snap::Transcript::new();
    for (path, what) in [
        (Path::new("/nonexistent/fetter"), "a missing --fetter"),
        (not_exec.as_path(), "a --fetter that is not executable"),
        (t.root.as_path(), "a --fetter that is a directory"),
    ] {
        let (code, out, err) = install(path);
        assert_eq!(code, 1, "--fetter {}: {err}", path.display());
        said.push(
            what,
            &format!(
                "--exe [SCRATCH]/venv site-install --bound [SCRATCH]/requirements.txt --fetter {}",
                path.display()
            ),
            code,
            &out,
            &err,
        );
        assert!(hook_files().is_empty(), "{:?}", hook_files());
    }
    // A URL bound: the hook runs offline, so say that, not "No such file".
    let mut c = fetter(&t.home);
    c.arg("--exe").arg(&t.venv).args([
        "site-install",
        "--bound",
        "https://example.invalid/requirements.txt",
    ]);
    let (code, out, err) = outcome(&mut c);
    assert_eq!(code, 1);
    let shown: Vec<_> = c.get_args().map(|a| a.to_string_lossy()).collect();
    said.push("a URL bound", &shown.join(" "), code, &out, &err);
    snap::redacted(&t.root)
        .bind(|| insta::assert_snapshot!("fail_closed_site_install_fetter", said.text()));
    // The real binary is accepted.
    let (code, _, err) = install(&fetter_bin());
    assert_eq!(code, 0, "{err}");
    assert!(!hook_files().is_empty());
}

/// Each message names what is actually wrong, and only that; the whole
/// transcript is a snapshot (snapshots/messages_say_what_is_actually_wrong.snap),
/// so a message that grows a misleading clause fails too.
#[test]
fn messages_say_what_is_actually_wrong() {
    let t = tree();
    let mut transcript = snap::Transcript::new();
    let mut said = |what: &str, args: &[&OsStr], c: &mut Command| {
        let (code, out, err) = outcome(c.args(args));
        let args: Vec<_> = args.iter().map(|a| a.to_string_lossy()).collect();
        transcript.push(what, &args.join(" "), code, &out, &err);
        code
    };
    fn os<'a>(args: &[&'a str]) -> Vec<&'a OsStr> {
        args.iter().map(|a| OsStr::new(*a)).collect()
    }
    let exe = |extra: &[&'static str]| {
        let mut v = vec![OsStr::new("--exe"), t.venv.as_os_str()];
        v.extend(os(extra));
        v
    };
    // 0 is "between 0 and 86400" to a reader: name the bound it breaks.
    let args = exe(&["validate", "--policy", "typosquat", "--plugin-timeout", "0"]);
    let code = said("a zero timeout", &args, &mut fetter(&t.home));
    assert_eq!(code, 2);
    // Every selection of purge is named, not only --name.
    let code = said(
        "purge selecting nothing",
        &os(&["purge", "--dry-run"]),
        &mut fetter(&t.home),
    );
    assert_eq!(code, 2);
    // lookup-bound takes the bound as an argument: no --bound, said once.
    let mut c = fetter(&t.home);
    c.current_dir(&t.root);
    let code = said(
        "a missing bound",
        &os(&["lookup-bound", "missing.txt"]),
        &mut c,
    );
    assert_eq!(code, 1);
    // Scope failures of validate are the scope's, even with only --policy.
    let empty = t.root.join("empty");
    fs::create_dir_all(&empty).unwrap();
    let args = [OsStr::new("--root"), empty.as_os_str()]
        .into_iter()
        .chain(os(&["validate", "--policy", "deprecated-names"]))
        .collect::<Vec<_>>();
    let code = said("an empty scope, only --policy", &args, &mut fetter(&t.home));
    assert_eq!(code, 1);
    // An empty Version header is not a missing one; a huge number is valid
    // PEP 440, only beyond what fetter compares.
    let info = t.site.join("emptyver-1.0.dist-info");
    fs::create_dir_all(&info).unwrap();
    fs::write(info.join("METADATA"), "Name: emptyver\nVersion: \n").unwrap();
    let info = t.site.join("huge-99999999999999999999999.0.dist-info");
    fs::create_dir_all(&info).unwrap();
    fs::write(
        info.join("METADATA"),
        "Name: huge\nVersion: 99999999999999999999999.0\n",
    )
    .unwrap();
    let code = said(
        "empty and huge versions",
        &exe(&["scan"]),
        &mut fetter(&t.home),
    );
    assert_eq!(code, 0);
    snap::redacted(&t.root).bind(|| {
        insta::assert_snapshot!("messages_say_what_is_actually_wrong", transcript.text());
    });
}

#[test]
fn scope_options_are_grouped_and_only_where_they_apply() {
    let t = tree();
    let scoped = [
        "scan",
        "count",
        "search",
        "validate",
        "derive",
        "audit",
        "purge",
        "purge-pattern",
        "unpack-count",
        "unpack-files",
        "inspect",
        "site-install",
        "site-uninstall",
    ];
    for sub in scoped {
        let help = run_ok(fetter(&t.home).args([sub, "--help"]));
        let (own, scope) = help
            .split_once("\nScope:\n")
            .unwrap_or_else(|| panic!("`{sub} --help` has no Scope heading:\n{help}"));
        for opt in ["--exe", "--root", "--all-users"] {
            assert!(
                !own.contains(opt),
                "`{sub} --help` lists {opt} among its own options:\n{help}"
            );
            assert!(
                scope.contains(opt),
                "`{sub} --help`: {opt} not under Scope:\n{help}"
            );
        }
    }
    let mut said = snap::Transcript::new();
    for args in [
        &["plugin", "info", "typosquat"][..],
        &["config", "path"],
        &["man"],
        &["completions", "bash"],
        &["restore"],
        &["quarantine", "list"],
        &["lookup-name", "alpha"],
        &["lookup-bound", "requirements.txt"],
    ] {
        let sub = args[0];
        let help = run_ok(fetter(&t.home).args([sub, "--help"]));
        for opt in ["--exe", "--root", "--all-users", "Scope:"] {
            assert!(!help.contains(opt), "`{sub} --help` shows {opt}:\n{help}");
        }
        // And they do not accept a scope only to ignore it.
        let (code, out, err) = outcome(fetter(&t.home).args(["--exe", "/x"]).args(args));
        assert_eq!(code, 2, "--exe before {args:?}: {err}");
        said.push(
            "a scope on a command that reads no inventory",
            &format!("--exe /x {}", args.join(" ")),
            code,
            &out,
            &err,
        );
    }
    // `audit db` reads no inventory either.
    let (code, out, err) = outcome(fetter(&t.home).args(["--exe", "/x", "audit", "db", "info"]));
    assert_eq!(code, 2, "{err}");
    said.push(
        "nor does audit db",
        "--exe /x audit db info",
        code,
        &out,
        &err,
    );
    snap::redacted(&t.root)
        .bind(|| insta::assert_snapshot!("fail_closed_scope_refused", said.text()));
    // Counted nouns agree with their numbers.
    let (code, out, _) = outcome(fetter(&t.home).arg("--exe").arg(&t.venv).arg("scan"));
    assert_eq!(code, 0);
    assert!(
        out.ends_with("\n1 distribution in 1 site of 1 environment\n"),
        "{out}"
    );
    // count --format csv has a header row like every other CSV.
    let (_, out, _) = outcome(
        fetter(&t.home)
            .arg("--exe")
            .arg(&t.venv)
            .args(["count", "--format", "csv"]),
    );
    assert!(out.starts_with("what,count\nenvironments,1\n"), "{out}");
}
