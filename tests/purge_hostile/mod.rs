//! Purge removes only what is the distribution's own (issue 14, items 5-8
//! and 16): hostile RECORD lines naming another distribution's files or the
//! environment itself are refused, shared namespace files are kept, the
//! files are shown before the question, inherited sites are out of reach,
//! dropping a quarantine needs a confirmation, and names match one way.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::common::snap;
use crate::common::*;
use crate::purge_support::*;

/// Append `line` to the RECORD of `dist_info`; returns its line number.
fn append_record(fx: &Fixture, dist_info: &str, line: &str) -> usize {
    let record = fx.record_of(dist_info);
    let mut f = fs::OpenOptions::new().append(true).open(&record).unwrap();
    writeln!(f, "{line}").unwrap();
    drop(f);
    fs::read_to_string(&record).unwrap().lines().count()
}

/// The refusal reason fetter gave for `name` in a JSON plan.
fn reason_of(report: &serde_json::Value, name: &str) -> String {
    report["plan"]["refused"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("{name} not refused: {report:#}"))["reason"]
        .as_str()
        .unwrap()
        .to_string()
}

/// A RECORD naming another distribution's file or metadata, the venv's
/// pyvenv.cfg or interpreter, or a file of an environment nested inside
/// it is refused, naming the RECORD line and the owner; nothing moves, and
/// the innocent owner can still be purged alone.
#[test]
fn record_naming_others_or_the_environment_is_refused() {
    let Some(fx) = fixture(&[("gamma", "1.0", None, 0), ("delta", "1.0", None, 0)]) else {
        return;
    };
    let nested = fx.venv.prefix.join("share/inner");
    fs::create_dir_all(nested.join("lib")).unwrap();
    fs::write(nested.join("pyvenv.cfg"), "home = /usr/bin\n").unwrap();
    fs::write(nested.join("lib/tool.py"), "x").unwrap();
    let lines = [
        (
            "alpha_one-1.0.dist-info",
            "alpha-one",
            "beta_keep/__init__.py,,",
        ),
        (
            "alpha_two-2.1.dist-info",
            "alpha-two",
            "../../../pyvenv.cfg,,",
        ),
        ("gamma-1.0.dist-info", "gamma", "../../../bin/python,,"),
        (
            "Cap_Pkg-1.0.dist-info",
            "Cap.Pkg",
            "beta_keep-0.5.dist-info/METADATA,,",
        ),
        (
            "delta-1.0.dist-info",
            "delta",
            "../../../share/inner/lib/tool.py,,",
        ),
    ];
    let numbered: Vec<(&str, usize, &str)> = lines
        .iter()
        .map(|(info, name, line)| (*name, append_record(&fx, info, line), *line))
        .collect();
    let pip_before = fx.venv.pip_list();
    let before = snapshot(&fx.venv.prefix);
    let out = fx.fetter(&[
        "purge-pattern",
        "-p",
        "alpha-*",
        "-p",
        "gamma",
        "-p",
        "cap-pkg",
        "-p",
        "delta",
        "--yes",
        "--format",
        "json",
    ]);
    assert_eq!(code(&out), 1, "{}", text(&out));
    let report = json(&out.stdout);
    assert_eq!(report["plan"]["environments"], serde_json::json!([]));
    for (name, n, _) in &numbered {
        let why = reason_of(&report, name);
        assert!(why.contains(&format!("RECORD line {n} ")), "{name}: {why}");
    }
    // The table says the same, on stdout before anything else happens:
    // each reason names the owner, the RECORD line, what it claims.
    let mut t = snap::Transcript::new();
    let out = fx.logged(
        &mut t,
        "RECORDs claiming others' files or the environment",
        &[
            "purge-pattern",
            "-p",
            "alpha-*",
            "-p",
            "gamma",
            "-p",
            "cap-pkg",
            "-p",
            "delta",
            "--yes",
        ],
    );
    assert_eq!(code(&out), 1, "{}", text(&out));
    let out = fx.logged(
        &mut t,
        "one of them alone",
        &["purge-pattern", "-p", "gamma", "--yes"],
    );
    assert_eq!(code(&out), 1, "{}", text(&out));
    snap::redacted(&fx.root).bind(|| insta::assert_snapshot!("purge_hostile_claims", t.text()));
    assert_same(&before, &snapshot(&fx.venv.prefix));
    assert_eq!(fx.venv.pip_list(), pip_before);

    // beta-keep's own files are its own: alpha-one's false claim on them
    // (no hash, while the file matches beta-keep's RECORD) does not block it.
    let out = fx.fetter(&["purge-pattern", "-p", "beta-keep", "--yes"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert!(!fx.site().join("beta_keep").exists());
    assert!(!fx.venv.pip_list().iter().any(|(n, _)| n == "beta-keep"));
}

/// Build and install a distribution `name` whose package `nsroot` holds
/// the shared `__init__.py` and its own module `own`.
fn install_namespace_part(fx: &Fixture, name: &str, own: &str) {
    let py = python().unwrap();
    let project = fx.root.join(format!("{name}-src"));
    fs::create_dir_all(project.join("nsroot")).unwrap();
    fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures/backend/fetter_test_backend.py"),
        project.join("fetter_test_backend.py"),
    )
    .unwrap();
    fs::write(
        project.join("pyproject.toml"),
        "[build-system]\nrequires = []\nbuild-backend = \"fetter_test_backend\"\nbackend-path = [\".\"]\n",
    )
    .unwrap();
    fs::write(
        project.join("tiny.cfg"),
        format!("name = {name}\nversion = 1.0\nmodule = nsroot\n"),
    )
    .unwrap();
    fs::write(
        project.join("nsroot/__init__.py"),
        "__path__ = __import__('pkgutil').extend_path(__path__, __name__)\n",
    )
    .unwrap();
    fs::write(project.join(format!("nsroot/{own}.py")), "X = 1\n").unwrap();
    let wheel = build_wheel(&py, &project, &fx.root.join("wheels"));
    fx.venv
        .pip(&["install", "--no-deps", wheel.to_str().unwrap()]);
}

/// Decision (docs/purge.md): a file two RECORDs list identically (a
/// namespace package's `__init__.py`) is kept while one of its owners
/// stays, unlike pip, which removes it and breaks the other; it goes with
/// the last one, and the plan says which files are kept and why.
#[test]
fn identically_shared_files_stay_while_an_owner_stays() {
    let Some(fx) = fixture(&[]) else { return };
    install_namespace_part(&fx, "ns-a", "a");
    install_namespace_part(&fx, "ns-b", "b");
    fx.venv.run_py("import nsroot.a, nsroot.b");
    let init = fx.site().join("nsroot/__init__.py");

    let mut t = snap::Transcript::new();
    let out = fx.logged(
        &mut t,
        "the shared file is kept, and said so",
        &["purge", "--name", "ns-a", "--yes"],
    );
    assert_eq!(code(&out), 0, "{}", text(&out));
    snap::redacted(&fx.root)
        .bind(|| insta::assert_snapshot!("purge_hostile_shared_kept", t.text()));
    assert!(init.exists());
    assert!(!fx.site().join("nsroot/a.py").exists());
    fx.venv.run_py("import nsroot.b");

    let out = fx.fetter(&["purge", "--name", "ns-b", "--yes"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert!(
        !fx.site().join("nsroot").exists(),
        "the last owner takes it"
    );
    // Purged together, the shared file goes once.
    let out = fx.fetter(&["restore"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let out = fx.fetter(&["restore"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    fx.venv.run_py("import nsroot.a, nsroot.b");
    let out = fx.fetter(&["purge-pattern", "-p", "ns-*", "--yes"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert!(!fx.site().join("nsroot").exists());
}

/// The files are listed before the question (own directories collapsed,
/// as pip does; every other entry on its own line), so an entry a hostile
/// RECORD slipped in is on screen before the user says yes; `--dry-run`
/// shows the same.
#[test]
fn files_are_shown_before_asking() {
    let Some(fx) = fixture(&[]) else { return };
    let planted = fx.venv.prefix.join("share/doc/settings.conf");
    fs::create_dir_all(planted.parent().unwrap()).unwrap();
    fs::write(&planted, "someone's settings").unwrap();
    append_record(
        &fx,
        "beta_keep-0.5.dist-info",
        "../../../share/doc/settings.conf,,",
    );
    let shown = planted.display().to_string();

    // The planted file on its own line, the own directory collapsed.
    let mut t = snap::Transcript::new();
    let out = fx.logged(
        &mut t,
        "a planted entry is listed",
        &["purge-pattern", "-p", "beta-keep", "--dry-run"],
    );
    assert_eq!(code(&out), 0, "{}", text(&out));
    snap::redacted(&fx.root)
        .bind(|| insta::assert_snapshot!("purge_hostile_files_shown", t.text()));

    let before = snapshot(&fx.venv.prefix);
    let Some(no) = super::ask_on_tty(&fx, "beta-keep", "n") else {
        return;
    };
    assert_eq!(code(&no), 1, "{}", text(&no));
    let screen = String::from_utf8_lossy(&no.stdout);
    let at = |s: &str| {
        screen
            .find(s)
            .unwrap_or_else(|| panic!("{s} not shown:\n{screen}"))
    };
    assert!(at(&shown) < at("Proceed?"), "{screen}");
    assert!(at("beta_keep/ (all") < at("Proceed?"), "{screen}");
    assert_same(&before, &snapshot(&fx.venv.prefix));
}

/// `--exe VENV` with `include-system-site-packages = true`: the base
/// interpreter's site is seen, not in scope; purging from it is refused
/// with the way to target the base. With the base in scope, it is planned.
#[test]
fn inherited_base_site_is_out_of_reach_unless_the_base_is_in_scope() {
    let Some(py) = python() else { return };
    let s = scratch();
    let home = s.path.join("home");
    fs::create_dir_all(&home).unwrap();
    let venv = Venv::create_with(&py, &s.path.join("venv"), &["--system-site-packages"]);
    let base = PathBuf::from(
        venv.run_py("import sys; print(sys.base_prefix)")
            .trim()
            .to_string(),
    )
    .canonicalize()
    .unwrap();
    let purge_pip = |exes: &[&Path]| {
        let mut c = fetter(&home);
        for e in exes {
            c.arg("--exe").arg(e);
        }
        run(c
            .args(["purge", "--name", "pip", "--dry-run", "--format", "json"])
            .stdin(std::process::Stdio::null()))
    };
    let out = purge_pip(&[&venv.prefix]);
    let report = json(&out.stdout);
    let refused: Vec<&serde_json::Value> = report["plan"]["refused"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            r["metadata_path"]
                .as_str()
                .unwrap()
                .starts_with(base.to_str().unwrap())
        })
        .collect();
    assert_eq!(refused.len(), 1, "{report:#}");
    let why = refused[0]["reason"].as_str().unwrap();
    assert!(
        why.contains("include-system-site-packages")
            && why.contains(&format!("--exe {}", base.display())),
        "{why}"
    );
    assert_eq!(code(&out), 1, "{}", text(&out));
    // The venv's own pip is still planned.
    let planned = report["plan"]["environments"].to_string();
    assert!(planned.contains(venv.prefix.to_str().unwrap()), "{planned}");
    assert!(
        !planned.contains(&format!("{}/lib", base.display())),
        "{planned}"
    );

    // Named in scope, the base is a target like any other (dry run only).
    let out = purge_pip(&[&venv.prefix, &base]);
    let report = json(&out.stdout);
    let refused = report["plan"]["refused"].to_string();
    assert!(
        !refused.contains("include-system-site-packages"),
        "{refused}"
    );
}

/// `quarantine drop` deletes the only copy of a purge: without a terminal
/// it needs `--yes`, as purge does.
#[test]
fn dropping_a_quarantine_needs_yes_without_a_terminal() {
    let Some(fx) = fixture(&[]) else { return };
    let out = fx.fetter(&["purge-pattern", "-p", "alpha-two", "--yes"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let id = fx.quarantines()[0]["id"].as_str().unwrap().to_string();
    let mut t = snap::Transcript::new();
    let out = fx.logged(
        &mut t,
        "drop without --yes or a terminal",
        &["quarantine", "drop", &id],
    );
    assert_eq!(code(&out), 1, "{}", text(&out));
    snap::redacted(&fx.root)
        .bind(|| insta::assert_snapshot!("purge_hostile_drop_needs_yes", t.text()));
    assert_eq!(fx.quarantines().as_array().unwrap().len(), 1);
    // On a terminal it asks; anything but yes keeps the quarantine.
    if let Some(no) = super::on_tty(&fx, &format!("quarantine drop {id}"), "n") {
        assert_eq!(code(&no), 1, "{}", text(&no));
        assert!(String::from_utf8_lossy(&no.stdout).contains("for good? [y/N]"));
        assert_eq!(fx.quarantines().as_array().unwrap().len(), 1);
    }
    let out = fx.fetter(&["quarantine", "drop", &id, "--yes"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert_eq!(fx.quarantines().as_array().unwrap().len(), 0);
}

/// One name rule everywhere: `search` and `unpack-files -p` normalise the
/// pattern and the names (PEP 503) as `purge --name` does;
/// `--case-sensitive` keeps case but still folds separators.
#[test]
fn names_match_the_same_way_in_every_command() {
    let Some(fx) = fixture(&[]) else { return };
    let names = |args: &[&str]| -> Vec<String> {
        let out = fx.fetter(args);
        assert_eq!(code(&out), 0, "{}", text(&out));
        json(&out.stdout)["distributions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["name"].as_str().unwrap().to_string())
            .collect()
    };
    for pattern in ["cap_pkg", "CAP-PKG", "cap.pkg", "Cap_*"] {
        assert_eq!(
            names(&["search", pattern, "--format", "json"]),
            ["Cap.Pkg"],
            "search {pattern}"
        );
        assert_eq!(
            names(&["unpack-files", "-p", pattern, "--format", "json"]),
            ["Cap.Pkg"],
            "unpack-files -p {pattern}"
        );
    }
    assert_eq!(
        names(&["search", "Cap_Pkg", "--case-sensitive", "--format", "json"]),
        ["Cap.Pkg"]
    );
    assert!(names(&["search", "cap_pkg", "--case-sensitive", "--format", "json"]).is_empty());
    let mut t = snap::Transcript::new();
    let out = fx.logged(
        &mut t,
        "purge --name folds the same way",
        &["purge", "--name", "cap_pkg", "--dry-run"],
    );
    assert_eq!(code(&out), 0, "{}", text(&out));
    snap::redacted(&fx.root)
        .bind(|| insta::assert_snapshot!("purge_hostile_name_folding", t.text()));
}
