//! End-to-end: `fetter purge --bound` and `fetter purge --audit` on a real
//! venv, restored afterwards; both fail closed.

use crate::common;

use std::collections::BTreeSet;
use std::fs;

use common::snap;
use common::*;

fn names(set: &BTreeSet<(String, String)>) -> BTreeSet<String> {
    set.iter().map(|(n, _)| n.clone()).collect()
}

#[test]
fn purge_by_bound_and_by_audit_then_restore() {
    let Some(py) = python() else { return };
    let s = scratch();
    let home = s.path.join("home");
    fs::create_dir_all(&home).unwrap();
    let venv = Venv::create(&py, &s.path.join("work/venv"));
    for (name, version) in [("keep-me", "1.0"), ("drop-me", "2.0"), ("Vuln.Pkg", "0.5")] {
        let wheel = build_wheel(
            &py,
            &tiny_project(
                &s.path,
                name,
                version,
                Some(&format!("{}-cli", name.replace('.', "-").to_lowercase())),
            ),
            &s.path.join("wheels"),
        );
        venv.pip(&["install", wheel.to_str().unwrap()]);
    }
    let before = venv.pip_list();
    let bound = s.path.join("allowed.txt");
    fs::write(&bound, "keep-me==1.0\nvuln-pkg>=0.1\n").unwrap();
    let prefix = venv.prefix.to_str().unwrap();

    // A bound that cannot be read selects nothing and removes nothing.
    let mut t = snap::Transcript::new();
    let out = t.run(
        "an unreadable bound",
        fetter(&home).args([
            "--exe",
            prefix,
            "purge",
            "--yes",
            "--bound",
            "/nonexistent/req.txt",
        ]),
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(venv.pip_list(), before);

    // --bound removes what the bound does not allow; pip and setuptools are
    // outside the bound but pip is never removed unless named.
    let out = run(fetter(&home)
        .args([
            "--exe",
            prefix,
            "purge",
            "--yes",
            "--ignore",
            "pip",
            "--ignore",
            "setuptools",
            "--bound",
        ])
        .arg(&bound));
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let after = names(&venv.pip_list());
    assert!(
        !after.contains("drop-me")
            && after.contains("keep-me")
            && after.contains("vuln-pkg")
            && after.contains("pip"),
        "{after:?}"
    );
    assert!(
        !venv.prefix.join("bin/drop-me-cli").exists(),
        "console script removed with its RECORD"
    );

    // --audit with no database refuses; with one, removes the vulnerable package.
    let out = t.run(
        "--audit without a database",
        fetter(&home).args(["--exe", prefix, "purge", "--yes", "--audit"]),
    );
    assert_eq!(out.status.code(), Some(1));
    let osv = s.path.join("osv");
    fs::create_dir_all(&osv).unwrap();
    fs::write(
        osv.join("PYSEC-2099-9.json"),
        r#"{"id":"PYSEC-2099-9","summary":"bad","affected":[{"package":{"ecosystem":"PyPI","name":"vuln-pkg"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"0.6"}]}]}]}"#,
    )
    .unwrap();
    let out = t.run(
        "--audit removes the vulnerable package, suggesting the fixed version",
        fetter(&home).args([
            "--exe",
            prefix,
            "purge",
            "--yes",
            "--audit",
            "--osv-db",
            osv.to_str().unwrap(),
        ]),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    snap::redacted(&s.path)
        .bind(|| insta::assert_snapshot!("purge_select_bound_and_audit", t.text()));
    let after = names(&venv.pip_list());
    assert!(
        !after.contains("vuln-pkg") && after.contains("keep-me"),
        "{after:?}"
    );

    // Both purges are undone, newest first.
    for _ in 0..2 {
        run_ok(fetter(&home).arg("restore"));
    }
    assert_eq!(venv.pip_list(), before);
    venv.run_py("import drop_me, vuln_pkg, keep_me");
}

/// The first-party plugins through the real CLI on a real venv: a package
/// named like a typosquat and a deprecated name are reported by validate,
/// purged by `purge --policy`, and restored.
#[test]
fn policy_plugins_report_purge_and_restore() {
    let Some(py) = python() else { return };
    let s = scratch();
    let home = s.path.join("home");
    fs::create_dir_all(&home).unwrap();
    let venv = Venv::create(&py, &s.path.join("work/venv"));
    for (name, version) in [
        ("reqeusts", "1.0"),
        // A deprecated name with a security reason: denied by default
        // (plain deprecations only warn, see tests/plugins.rs).
        ("pycrypto", "2.6.1"),
        ("fine-local-tool", "1.0"),
    ] {
        let wheel = build_wheel(
            &py,
            &tiny_project(&s.path, name, version, None),
            &s.path.join("wheels"),
        );
        venv.pip(&["install", wheel.to_str().unwrap()]);
    }
    let before = venv.pip_list();
    let prefix = venv.prefix.to_str().unwrap();
    let policies = ["--policy", "typosquat", "--policy", "deprecated-names"];

    let out = run(fetter(&home)
        .args(["--exe", prefix, "validate", "--format", "json"])
        .args(policies));
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = json(&out.stdout);
    let mut denied: Vec<(String, String)> = report["environments"][0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["action"] == "deny")
        .map(|d| {
            (
                d["distribution"]["name"].as_str().unwrap().to_string(),
                d["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    denied.sort();
    assert_eq!(denied.len(), 2, "{denied:?}");
    assert_eq!(denied[1].0, "reqeusts");
    assert!(denied[1].1.starts_with("typosquat/"), "{denied:?}");
    assert_eq!(
        denied[0],
        (
            "pycrypto".to_string(),
            "deprecated-names/deprecated".to_string()
        )
    );

    // The table for people carries severity, rule and the suggestion too.
    let mut t = snap::Transcript::new();
    let out = t.run(
        "the validate table",
        fetter(&home)
            .args(["--exe", prefix, "validate"])
            .args(policies),
    );
    assert_eq!(out.status.code(), Some(3));

    let out = run(fetter(&home)
        .args(["--exe", prefix, "purge", "--yes"])
        .args(policies));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = names(&venv.pip_list());
    assert!(
        !after.contains("reqeusts")
            && !after.contains("pycrypto")
            && after.contains("fine-local-tool"),
        "{after:?}"
    );
    let out = run(fetter(&home)
        .args(["--exe", prefix, "validate"])
        .args(policies));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    run_ok(fetter(&home).arg("restore"));
    assert_eq!(venv.pip_list(), before);

    // The start-up hook enforces policies too: after restore the deprecated
    // name is back, and every interpreter start says so.
    run_ok(fetter(&home).args([
        "--exe",
        prefix,
        "site-install",
        "--policy",
        "deprecated-names",
    ]));
    let out = run(std::process::Command::new(venv.python())
        .args(["-c", "import sys"])
        .env("HOME", &home));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success()
            && err.contains("deprecated-names/deprecated")
            && err.contains("pycrypto"),
        "{err}"
    );
    run_ok(fetter(&home).args(["--exe", prefix, "site-uninstall"]));

    // A plugin that cannot run stops the purge: nothing is removed.
    let out = t.run(
        "a plugin that cannot run stops the purge",
        fetter(&home).args([
            "--exe",
            prefix,
            "purge",
            "--yes",
            "--policy",
            "no-such-plugin",
        ]),
    );
    assert_eq!(out.status.code(), Some(1));
    snap::redacted(&s.path).bind(|| insta::assert_snapshot!("purge_select_policies", t.text()));
    assert_eq!(venv.pip_list(), before);
}
