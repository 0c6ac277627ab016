//! End-to-end tests of `fetter purge-pattern`, `purge`, `restore` and
//! `quarantine` on real venvs with real wheels installed by pip, checked
//! against `pip list` and a byte-level snapshot of the environment.

use crate::common;
mod purge_hostile;
use crate::purge_support;

use std::fs;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Stdio;

use common::snap;
use common::*;
use purge_support::*;

/// purge-pattern removes exactly the matching distributions (pip list
/// agrees), leaves the rest importable and no emptied directory behind,
/// removes a symlink as a link; restore puts back every byte and mode.
#[test]
fn purge_pattern_removes_matches_and_restore_puts_everything_back() {
    let Some(fx) = fixture(&[]) else { return };
    let site = fx.site();
    // A symlink inside the package pointing outside the venv, listed in
    // RECORD: removed as a link, its target untouched.
    let outside = fx.root.join("outside.txt");
    fs::write(&outside, "not yours").unwrap();
    std::os::unix::fs::symlink(&outside, site.join("alpha_one/link")).unwrap();
    let mut rec = fs::OpenOptions::new()
        .append(true)
        .open(fx.record_of("alpha_one-1.0.dist-info"))
        .unwrap();
    writeln!(rec, "alpha_one/link,,").unwrap();
    drop(rec);

    let pip_before = fx.venv.pip_list();
    fx.venv
        .run_py("import alpha_one, alpha_two, beta_keep, cap_pkg");
    let before = snapshot(&fx.venv.prefix);

    let mut t = snap::Transcript::new();
    let out = fx.logged(
        &mut t,
        "a purge says how to undo it",
        &["purge-pattern", "-p", "ALPHA*", "--yes"],
    );
    assert_eq!(code(&out), 0, "{}", text(&out));

    assert_eq!(
        fx.venv.pip_list(),
        without(&pip_before, &["alpha-one", "alpha-two"])
    );
    fx.venv.run_py("import beta_keep, cap_pkg");
    let after = snapshot(&fx.venv.prefix);
    let leftovers: Vec<&PathBuf> = after
        .keys()
        .filter(|p| p.to_string_lossy().contains("alpha"))
        .collect();
    assert!(leftovers.is_empty(), "left behind: {leftovers:?}");
    assert!(!fx.venv.prefix.join("bin/alpha").exists());
    assert!(fx.venv.prefix.join("bin/beta").exists());
    assert_eq!(fs::read_to_string(&outside).unwrap(), "not yours");
    assert_eq!(
        empty_dirs(&after),
        empty_dirs(&before),
        "the purge left empty directories"
    );

    let q = fx.quarantines();
    assert_eq!(q.as_array().unwrap().len(), 1, "{q}");
    assert_eq!(q[0]["state"], "complete");
    assert_eq!(q[0]["distributions"].as_array().unwrap().len(), 2);

    let out = fx.fetter(&["restore"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert_same(&before, &snapshot(&fx.venv.prefix));
    assert_eq!(fx.venv.pip_list(), pip_before);
    fx.venv.run_py("import alpha_one, alpha_two");
    assert_eq!(fx.quarantines()[0]["state"], "restored");

    // Nothing left to restore: an error, not a silent pass.
    let out = fx.logged(&mut t, "nothing left to restore", &["restore"]);
    assert_eq!(code(&out), 1, "{}", text(&out));
    snap::redacted(&fx.root)
        .bind(|| insta::assert_snapshot!("purge_pattern_and_restore", t.text()));
}

/// A capitalised dist-info is found; pip survives wildcards but goes when
/// named; `*` needs `--all`.
#[test]
fn capitalised_names_pip_kept_and_star_needs_all() {
    let Some(fx) = fixture(&[]) else { return };
    let cap = fx.site().join("Cap_Pkg-1.0.dist-info");
    assert!(cap.is_dir(), "the wheel keeps the capitalised name");
    let mut t = snap::Transcript::new();
    let out = fx.logged(
        &mut t,
        "a capitalised dist-info",
        &["purge-pattern", "-p", "cap.pkg", "--yes"],
    );
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert!(!cap.exists());
    assert!(!fx.venv.pip_list().iter().any(|(n, _)| n == "cap-pkg"));

    let before = snapshot(&fx.venv.prefix);
    let out = fx.logged(
        &mut t,
        "`*` without --all",
        &["purge-pattern", "-p", "*", "--yes"],
    );
    assert_eq!(code(&out), 2, "{}", text(&out));
    assert_same(&before, &snapshot(&fx.venv.prefix));

    // What else the venv holds (setuptools, pip's version) is the host
    // Python's: only the kept pip is asserted.
    let out = fx.fetter(&["purge-pattern", "-p", "*", "--all", "--yes"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("pip is kept"));
    snap::redacted(&fx.root)
        .bind(|| insta::assert_snapshot!("purge_capitalised_and_star", t.text()));
    let left: Vec<String> = fx.venv.pip_list().into_iter().map(|(n, _)| n).collect();
    assert_eq!(left, vec!["pip".to_string()]);

    // Named outright, pip is planned (dry run: the test still needs it).
    let out = fx.fetter(&["purge-pattern", "-p", "pip", "--dry-run"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let plan = String::from_utf8_lossy(&out.stdout);
    assert!(plan.contains("site-packages/pip/ (all"), "{plan}");
    let out = fx.fetter(&["purge", "--name", "PIP", "--dry-run", "--format", "json"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let report = json(&out.stdout);
    crate::common::schemas::assert_matches(
        "fetter.purge-1",
        &report,
        "purge --dry-run --format json",
    );
    assert_eq!(
        report["plan"]["environments"][0]["distributions"][0]["name"],
        "pip"
    );
}

/// Hostile RECORDs, a missing RECORD and an EXTERNALLY-MANAGED
/// environment are refused with the file and reason named; nothing moves.
#[test]
fn refuses_hostile_records_missing_record_and_externally_managed() {
    let Some(fx) = fixture(&[("gamma", "1.0", None, 0)]) else {
        return;
    };
    let site = fx.site();
    // An escape by `..`, and an absolute path.
    let mut rec = fs::OpenOptions::new()
        .append(true)
        .open(fx.record_of("beta_keep-0.5.dist-info"))
        .unwrap();
    writeln!(rec, "../../../../../../../../../../etc/passwd,,").unwrap();
    drop(rec);
    let mut rec = fs::OpenOptions::new()
        .append(true)
        .open(fx.record_of("gamma-1.0.dist-info"))
        .unwrap();
    writeln!(rec, "/etc/hostname,,").unwrap();
    drop(rec);
    // A directory inside the site that is a symlink leading outside.
    let outside = fx.root.join("outside");
    fs::create_dir_all(&outside).unwrap();
    fs::write(outside.join("secret"), "keep me").unwrap();
    std::os::unix::fs::symlink(&outside, site.join("alpha_one/evil")).unwrap();
    let mut rec = fs::OpenOptions::new()
        .append(true)
        .open(fx.record_of("alpha_one-1.0.dist-info"))
        .unwrap();
    writeln!(rec, "alpha_one/evil/secret,,").unwrap();
    drop(rec);
    // No RECORD at all.
    fs::remove_file(fx.record_of("alpha_two-2.1.dist-info")).unwrap();

    let pip_before = fx.venv.pip_list();
    let before = snapshot(&fx.venv.prefix);
    let out = fx.fetter(&[
        "purge-pattern",
        "-p",
        "beta*",
        "-p",
        "gamma",
        "-p",
        "alpha-*",
        "--yes",
    ]);
    assert_eq!(code(&out), 1, "{}", text(&out));
    // Each refusal names the file and the reason (the whole report).
    let mut t = snap::Transcript::new();
    t.record(
        "hostile RECORDs and a missing one",
        &fx.command(&[
            "purge-pattern",
            "-p",
            "beta*",
            "-p",
            "gamma",
            "-p",
            "alpha-*",
            "--yes",
        ]),
        &out,
    );
    assert_same(&before, &snapshot(&fx.venv.prefix));
    assert_eq!(
        fs::read_to_string(outside.join("secret")).unwrap(),
        "keep me"
    );
    assert_eq!(fx.venv.pip_list(), pip_before);

    // PEP 668: the whole environment is the OS package manager's.
    let lib = site.parent().unwrap();
    fs::write(
        lib.join("EXTERNALLY-MANAGED"),
        "[externally-managed]\nError=use apt\n",
    )
    .unwrap();
    let before = snapshot(&fx.venv.prefix);
    let out = fx.logged(
        &mut t,
        "an EXTERNALLY-MANAGED environment",
        &["purge-pattern", "-p", "cap-pkg", "--yes"],
    );
    assert_eq!(code(&out), 1, "{}", text(&out));
    snap::redacted(&fx.root).bind(|| insta::assert_snapshot!("purge_refusals", t.text()));
    assert_same(&before, &snapshot(&fx.venv.prefix));
}

/// Without --yes and without a terminal nothing moves; --dry-run lists the
/// files; --no-quarantine deletes without a quarantine.
#[test]
fn confirmation_dry_run_and_no_quarantine() {
    let Some(fx) = fixture(&[]) else { return };
    let before = snapshot(&fx.venv.prefix);
    let mut t = snap::Transcript::new();
    let out = fx.logged(
        &mut t,
        "no --yes and no terminal",
        &["purge-pattern", "-p", "beta-keep"],
    );
    assert_eq!(code(&out), 1, "{}", text(&out));
    let out = fx.logged(
        &mut t,
        "a dry run lists the files",
        &["purge-pattern", "-p", "beta-keep", "--dry-run"],
    );
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert_same(&before, &snapshot(&fx.venv.prefix));

    // On a terminal (a pty from util-linux `script`), fetter asks.
    if let Some(no) = ask_on_tty(&fx, "beta-keep", "n") {
        assert_eq!(code(&no), 1, "{}", text(&no));
        assert!(String::from_utf8_lossy(&no.stdout).contains("Proceed?"));
        assert_same(&before, &snapshot(&fx.venv.prefix));
        let yes = ask_on_tty(&fx, "alpha-two", "y").unwrap();
        assert_eq!(code(&yes), 0, "{}", text(&yes));
        assert!(!fx.venv.pip_list().iter().any(|(n, _)| n == "alpha-two"));
    }

    let out = fx.fetter(&[
        "purge-pattern",
        "-p",
        "beta-keep",
        "--no-quarantine",
        "--yes",
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert!(!fx.venv.pip_list().iter().any(|(n, _)| n == "beta-keep"));
    assert!(!fx.site().join("beta_keep").exists());
    // Only the confirmed alpha-two (if a terminal was available) was
    // quarantined; beta-keep was deleted outright.
    let quarantined = fx.quarantines().to_string();
    assert!(!quarantined.contains("beta-keep"), "{quarantined}");

    let out = fx.logged(
        &mut t,
        "a pattern matching nothing",
        &["purge-pattern", "-p", "no-such-*", "--yes"],
    );
    assert_eq!(code(&out), 0, "{}", text(&out));
    snap::redacted(&fx.root)
        .bind(|| insta::assert_snapshot!("purge_confirmation_and_dry_run", t.text()));
}

/// A file that reappeared (a reinstall) blocks restore, named, unless
/// --force; a tampered quarantine is refused.
#[test]
fn restore_refuses_conflicts_and_tampering_unless_forced() {
    let Some(fx) = fixture(&[]) else { return };
    let pip_before = fx.venv.pip_list();
    let before = snapshot(&fx.venv.prefix);
    let out = fx.fetter(&["purge-pattern", "-p", "alpha-one", "--yes"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let id = fx.quarantines()[0]["id"].as_str().unwrap().to_string();

    fx.venv.pip(&[
        "install",
        "--no-deps",
        fx.wheels["alpha-one"].to_str().unwrap(),
    ]);
    let mut t = snap::Transcript::new();
    let out = fx.logged(&mut t, "a file reappeared", &["restore", &id]);
    assert_eq!(code(&out), 1, "{}", text(&out));

    // Tamper with a quarantined file: refused even with the conflict gone.
    fx.venv.pip(&["uninstall", "-y", "alpha-one"]);
    let qdir = fx.home.join(".local/share/fetter/quarantine").join(&id);
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(qdir.join("manifest.json")).unwrap()).unwrap();
    let init = manifest["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| {
            e["original"]
                .as_str()
                .unwrap()
                .ends_with("alpha_one/__init__.py")
        })
        .unwrap();
    let stored = qdir.join(init["stored"].as_str().unwrap());
    let original = fs::read(&stored).unwrap();
    let mode = fs::metadata(&stored).unwrap().permissions().mode();
    fs::set_permissions(&stored, fs::Permissions::from_mode(0o644)).unwrap();
    fs::write(&stored, "import os  # planted\n").unwrap();
    let out = fx.logged(&mut t, "a tampered quarantine", &["restore", &id]);
    assert_eq!(code(&out), 1, "{}", text(&out));
    snap::redacted(&fx.root).bind(|| insta::assert_snapshot!("purge_restore_refusals", t.text()));
    fs::write(&stored, &original).unwrap();
    fs::set_permissions(&stored, fs::Permissions::from_mode(mode)).unwrap();

    let out = fx.fetter(&["restore", &id, "--force"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert_eq!(fx.venv.pip_list(), pip_before);
    // Every quarantined file is back byte for byte (the reinstall wrote
    // the same paths, so the tree matches apart from directory mtimes).
    let after = snapshot(&fx.venv.prefix);
    for (path, desc) in &before {
        if path.to_string_lossy().contains("alpha_one") && desc.starts_with("file ") {
            let now = after.get(path).map(String::as_str).unwrap_or("missing");
            let digest = |d: &str| d.rsplit(' ').next().unwrap().to_string();
            assert_eq!(digest(now), digest(desc), "{}", path.display());
        }
    }
}

/// SIGKILL half-way through a purge: the manifest is intact, `restore`
/// returns every byte, or `quarantine resume` finishes the purge. A second
/// purge of the same environment meanwhile is refused, not interleaved.
#[test]
fn killed_purge_can_be_restored_or_resumed_and_purges_do_not_interleave() {
    let Some(fx) = fixture(&[("many-files", "3.0", Some("many"), 12)]) else {
        return;
    };
    let pip_before = fx.venv.pip_list();
    let before = snapshot(&fx.venv.prefix);

    // Kill, then restore.
    let (mut child, files) = start_slow_purge(&fx, "many-files", 3);
    // Which files the slow purge had moved (and warnings about them) is
    // timing: only the refusal is asserted.
    let out = fx.fetter(&[
        "purge-pattern",
        "-p",
        "beta-keep",
        "--yes",
        "--lock-wait",
        "0.3",
    ]);
    assert_eq!(code(&out), 1, "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("another fetter purge"), "{err}");
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let moved = files_in(&files);
    assert!(moved >= 3, "{moved} files moved before the kill");
    let q = fx.quarantines();
    assert_eq!(q[0]["state"], "incomplete", "{q}");
    assert!(q[0]["files"].as_u64().unwrap() > moved as u64, "{q}");
    let out = fx.fetter(&["restore"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert_same(&before, &snapshot(&fx.venv.prefix));
    assert_eq!(fx.venv.pip_list(), pip_before);

    // Kill, then finish the purge, then restore it all.
    let (mut child, _) = start_slow_purge(&fx, "many-files", 2);
    child.kill().unwrap();
    child.wait().unwrap();
    let q = fx.quarantines();
    let id = q[1]["id"].as_str().unwrap().to_string();
    assert_eq!(q[1]["state"], "incomplete", "{q}");
    let out = fx.fetter(&["quarantine", "resume", &id]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert_eq!(fx.venv.pip_list(), without(&pip_before, &["many-files"]));
    assert!(!fx.site().join("many_files").exists());
    assert!(!fx.venv.prefix.join("bin/many").exists());
    let out = fx.fetter(&["restore", &id]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert_same(&before, &snapshot(&fx.venv.prefix));
}

/// `FETTER_DATA_DIR` moves the quarantine (tests and dedicated volumes).
#[test]
fn data_dir_override_is_honoured() {
    let Some(fx) = fixture(&[]) else { return };
    let data = fx.root.join("data");
    let out = run(fetter(&fx.home)
        .env("FETTER_DATA_DIR", &data)
        .arg("--exe")
        .arg(&fx.venv.prefix)
        .args([
            "purge-pattern",
            "-p",
            "alpha-two",
            "--yes",
            "--format",
            "json",
        ])
        .stdin(Stdio::null()));
    assert_eq!(code(&out), 0, "{}", text(&out));
    let done = json(&out.stdout);
    crate::common::schemas::assert_matches("fetter.purge-1", &done, "purge-pattern --format json");
    assert!(
        done["outcome"]["files_removed"].as_u64().unwrap() > 0,
        "{done:#}"
    );
    assert_eq!(files_in(&data.join("quarantine")), 1);
    assert!(!fx.home.join(".local/share/fetter/quarantine").exists());

    // Dropping deletes the quarantine for good; restore then has nothing.
    let with_data = |args: &[&str]| {
        run(fetter(&fx.home)
            .env("FETTER_DATA_DIR", &data)
            .args(args)
            .stdin(Stdio::null()))
    };
    let list = json(&with_data(&["quarantine", "list", "--format", "json"]).stdout);
    crate::common::schemas::assert_matches(
        "fetter.quarantine-list-1",
        &list,
        "quarantine list --format json",
    );
    let id = list[0]["id"].as_str().unwrap().to_string();
    assert_eq!(done["outcome"]["quarantine_id"], id);
    let out = with_data(&["quarantine", "drop", &id, "--yes"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert_eq!(files_in(&data.join("quarantine")), 0);
    let out = with_data(&["restore"]);
    assert_eq!(code(&out), 1, "{}", text(&out));
    let out = with_data(&["quarantine", "drop", "../../etc"]);
    assert_eq!(code(&out), 1, "{}", text(&out));
}

/// A quarantine on another filesystem (tmpfs) takes the copy + fsync +
/// remove path both ways; bytes, modes and times still come back.
#[test]
fn cross_device_quarantine_round_trips() {
    let Some(fx) = fixture(&[]) else { return };
    // A writable directory on another filesystem than the venv: /dev/shm
    // (a tmpfs almost everywhere), else another usual tmpfs.
    let venv_dev = fs::metadata(&fx.venv.prefix).unwrap().dev();
    let Some(data) = ["/dev/shm", "/run/shm", "/tmp", "/var/tmp", "/run"]
        .iter()
        .filter(|d| fs::metadata(d).is_ok_and(|m| m.dev() != venv_dev))
        .find_map(|d| tempfile::tempdir_in(d).ok())
    else {
        // Which filesystems a machine mounts is not a tool to install.
        skip_for_machine(
            "no writable filesystem other than the venv's to force a cross-device move",
        );
        return;
    };
    let pip_before = fx.venv.pip_list();
    let before = snapshot(&fx.venv.prefix);
    let with_data = |args: &[&str]| {
        run(fx
            .command(args)
            .env("FETTER_DATA_DIR", data.path())
            .stdin(Stdio::null()))
    };
    let out = with_data(&[
        "purge-pattern",
        "-p",
        "alpha-one",
        "-p",
        "beta-keep",
        "--yes",
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert_eq!(
        fx.venv.pip_list(),
        without(&pip_before, &["alpha-one", "beta-keep"])
    );
    let out = with_data(&["restore"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert_same(&before, &snapshot(&fx.venv.prefix));
    assert_eq!(fx.venv.pip_list(), pip_before);
}

/// Kill points across a whole purge (as soon as the quarantine directory
/// exists, then after 1, 4, 8 and 13 files): every time, `restore` brings back
/// the environment byte for byte.
#[test]
fn sigkill_at_every_stage_is_restorable() {
    let Some(fx) = fixture(&[("many-files", "3.0", Some("many"), 12)]) else {
        return;
    };
    let pip_before = fx.venv.pip_list();
    let before = snapshot(&fx.venv.prefix);
    for moved in [0, 1, 4, 8, 13] {
        let (mut child, _) = start_slow_purge(&fx, "many-files", moved);
        child.kill().unwrap();
        child.wait().unwrap();
        let out = fx.fetter(&["restore"]);
        // Killed before the manifest landed, nothing had moved: there is
        // nothing to restore, and that is said (exit 1), not hidden.
        let unborn = moved == 0
            && code(&out) == 1
            && String::from_utf8_lossy(&out.stderr).contains("nothing to restore");
        assert!(
            code(&out) == 0 || unborn,
            "kill after {moved}: {}",
            text(&out)
        );
        assert_same(&before, &snapshot(&fx.venv.prefix));
    }
    assert_eq!(fx.venv.pip_list(), pip_before);

    // A file changed while the purge was interrupted is not moved by
    // resume (its hash no longer matches); restore still works.
    let (mut child, files) = start_slow_purge(&fx, "many-files", 2);
    child.kill().unwrap();
    child.wait().unwrap();
    let qdir = files.parent().unwrap();
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(qdir.join("manifest.json")).unwrap()).unwrap();
    let pending = manifest["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "file" && !qdir.join(e["stored"].as_str().unwrap()).exists())
        .expect("a file not yet moved");
    let changed = PathBuf::from(pending["original"].as_str().unwrap());
    fs::OpenOptions::new()
        .append(true)
        .open(&changed)
        .unwrap()
        .write_all(b"# edited\n")
        .unwrap();
    let id = manifest["id"].as_str().unwrap();
    let mut t = snap::Transcript::new();
    let out = fx.logged(
        &mut t,
        "a file changed meanwhile",
        &["quarantine", "resume", id],
    );
    assert_eq!(code(&out), 1, "{}", text(&out));
    // Which file was still pending depends on when the kill landed.
    let said = t
        .text()
        .replace(&*changed.to_string_lossy(), "[CHANGED FILE]");
    assert!(said.contains("[CHANGED FILE]: it changed since"), "{said}");
    snap::redacted(&fx.root).bind(|| insta::assert_snapshot!("purge_resume_changed_file", said));
    assert!(changed.exists());
    let out = fx.fetter(&["restore", id]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let mut after = snapshot(&fx.venv.prefix);
    let mut expected = before.clone();
    let rel = changed.strip_prefix(&fx.venv.prefix).unwrap();
    after.remove(rel);
    expected.remove(rel);
    assert_same(&expected, &after);
}

/// Run `purge-pattern -p PATTERN` on a pseudo-terminal (util-linux
/// `script`) and type `answer`; `None` where `script` is missing.
fn ask_on_tty(fx: &Fixture, pattern: &str, answer: &str) -> Option<std::process::Output> {
    let args = format!(
        "--exe {} purge-pattern -p {pattern}",
        fx.venv.prefix.display()
    );
    on_tty(fx, &args, answer)
}

/// Run `fetter ARGS` (fx's home) on a pseudo-terminal (util-linux
/// `script`) and type `answer`; `None` where `script` is missing.
fn on_tty(fx: &Fixture, args: &str, answer: &str) -> Option<std::process::Output> {
    let script = Path::new("/usr/bin/script");
    if !script.is_file() {
        skip_or_fail("no /usr/bin/script (util-linux) to provide a terminal");
        return None;
    }
    let fetter_cmd = fetter(&fx.home);
    let mut cmd = std::process::Command::new(script);
    for (k, v) in fetter_cmd.get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    let line = format!("{} {args}", fetter_bin().display());
    let mut child = cmd
        .args(["-qec", &line, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(format!("{answer}\n").as_bytes()).unwrap();
    drop(stdin);
    Some(child.wait_with_output().unwrap())
}
