//! End-to-end: `fetter purge --bound` and `fetter purge --audit` on a real
//! venv, restored afterwards; both fail closed.

mod common;

use std::collections::BTreeSet;
use std::fs;

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
    let out = run(fetter(&home).args([
        "--exe",
        prefix,
        "purge",
        "--yes",
        "--bound",
        "/nonexistent/req.txt",
    ]));
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing removed"));
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
    let out = run(fetter(&home).args(["--exe", prefix, "purge", "--yes", "--audit"]));
    assert_eq!(out.status.code(), Some(1));
    let osv = s.path.join("osv");
    fs::create_dir_all(&osv).unwrap();
    fs::write(
        osv.join("PYSEC-2099-9.json"),
        r#"{"id":"PYSEC-2099-9","summary":"bad","affected":[{"package":{"ecosystem":"PyPI","name":"vuln-pkg"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"0.6"}]}]}]}"#,
    )
    .unwrap();
    let out = run(fetter(&home).args([
        "--exe",
        prefix,
        "purge",
        "--yes",
        "--audit",
        "--osv-db",
        osv.to_str().unwrap(),
    ]));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("upgrade to 0.6"),
        "the fixed version is suggested"
    );
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
