//! End-to-end tests of `fetter audit` against OSV fixtures written here and
//! real venvs with real installed packages.

use crate::common;
/// `fetter validate --audit`, purge by every check, the library example.
mod validate_audit;

use std::fs;
use std::process::Command;

use common::snap;
use common::*;
use serde_json::json;

/// Records covering every range and event form, aliases, a withdrawn record
/// and a malicious-package record.
fn osv_fixtures() -> Vec<(&'static str, serde_json::Value)> {
    let eco = |name: &str, events: serde_json::Value| json!([{"package": {"ecosystem": "PyPI", "name": name}, "ranges": [{"type": "ECOSYSTEM", "events": events}]}]);
    vec![
        (
            "PYSEC-2099-1.json",
            json!({"id": "PYSEC-2099-1", "aliases": ["CVE-2099-1", "GHSA-aaaa-bbbb-cccc"], "summary": "range hit",
            "affected": eco("Vuln.A", json!([{"introduced": "1.0"}, {"fixed": "2.0"}]))}),
        ),
        // The same vulnerability under its GHSA id: merged with the record above.
        (
            "GHSA-aaaa-bbbb-cccc.json",
            json!({"id": "GHSA-aaaa-bbbb-cccc", "aliases": ["CVE-2099-1"], "summary": "range hit (ghsa)",
            "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"}],
            "affected": eco("vuln-a", json!([{"introduced": "0"}, {"fixed": "2.0"}]))}),
        ),
        (
            "PYSEC-2099-2.json",
            json!({"id": "PYSEC-2099-2", "summary": "last_affected below the installed version",
            "affected": eco("vuln-b", json!([{"introduced": "0"}, {"last_affected": "1.9"}]))}),
        ),
        (
            "PYSEC-2099-3.json",
            json!({"id": "PYSEC-2099-3", "summary": "explicit versions",
            "database_specific": {"severity": "LOW"},
            "affected": [{"package": {"ecosystem": "PyPI", "name": "vuln_c"}, "versions": ["2.9", "3.0.0"]}]}),
        ),
        (
            "PYSEC-2099-4.json",
            json!({"id": "PYSEC-2099-4", "summary": "limit excludes it",
            "affected": eco("vuln-d", json!([{"introduced": "0"}, {"limit": "4.0"}]))}),
        ),
        (
            "PYSEC-2099-5.json",
            json!({"id": "PYSEC-2099-5", "withdrawn": "2099-02-01T00:00:00Z", "summary": "withdrawn",
            "affected": eco("vuln-e", json!([{"introduced": "0"}]))}),
        ),
        (
            "MAL-2099-6.json",
            json!({"id": "MAL-2099-6", "summary": "Malicious code in evil-pkg (PyPI)",
            "affected": [{"package": {"ecosystem": "PyPI", "name": "evil-pkg"}, "versions": ["0.1"]}]}),
        ),
        (
            "PYSEC-2099-7.json",
            json!({"id": "PYSEC-2099-7", "summary": "another ecosystem",
            "affected": [{"package": {"ecosystem": "npm", "name": "vuln-a"}, "versions": ["1.5"]}]}),
        ),
    ]
}

struct Setup {
    _s: Scratch,
    home: std::path::PathBuf,
    venv: Venv,
    db_dir: std::path::PathBuf,
    root: std::path::PathBuf,
}

fn setup() -> Option<Setup> {
    let py = python()?;
    let s = scratch();
    let home = s.path.join("home");
    fs::create_dir_all(&home).unwrap();
    let venv = Venv::create(&py, &s.path.join("work/venv"));
    for (name, version) in [
        ("Vuln.A", "1.5"),
        ("vuln-b", "2.0"),
        ("vuln_c", "3.0"),
        ("vuln-d", "5.0"),
        ("vuln-e", "1.0"),
        ("evil-pkg", "0.1"),
    ] {
        let wheel = build_wheel(
            &py,
            &tiny_project(&s.path, name, version, None),
            &s.path.join("wheels"),
        );
        venv.pip(&["install", wheel.to_str().unwrap()]);
    }
    let db_dir = s.path.join("osv");
    fs::create_dir_all(db_dir.join("nested")).unwrap();
    for (i, (file, record)) in osv_fixtures().into_iter().enumerate() {
        let dir = if i % 2 == 0 {
            db_dir.clone()
        } else {
            db_dir.join("nested")
        };
        fs::write(dir.join(file), serde_json::to_vec_pretty(&record).unwrap()).unwrap();
    }
    let root = s.path.join("work");
    Some(Setup {
        _s: s,
        home,
        venv,
        db_dir,
        root,
    })
}

fn audit(s: &Setup, args: &[&str]) -> std::process::Output {
    run(audit_cmd(s).args(args))
}

/// `fetter --root ROOT audit`, arguments to follow.
fn audit_cmd(s: &Setup) -> Command {
    let mut c = fetter(&s.home);
    c.arg("--root").arg(&s.root).arg("audit");
    c
}

impl Setup {
    /// The scratch directory everything lives in (redacted in snapshots).
    fn scratch(&self) -> &std::path::Path {
        &self._s.path
    }
}

#[test]
fn audit_matches_every_range_form() {
    let Some(s) = setup() else { return };
    let out = audit(
        &s,
        &["--osv-db", s.db_dir.to_str().unwrap(), "--format", "json"],
    );
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = json(&out.stdout);
    assert_eq!(report["schema"], "fetter.audit/1");
    let vulns = report["vulnerabilities"].as_array().unwrap();
    let mut found: Vec<(String, String, String)> = vulns
        .iter()
        .map(|v| {
            (
                v["distribution"]["name"].as_str().unwrap().into(),
                v["id"].as_str().unwrap().into(),
                v["severity"].as_str().unwrap().into(),
            )
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        vec![
            ("Vuln.A".into(), "GHSA-aaaa-bbbb-cccc".into(), "high".into()),
            ("evil-pkg".into(), "MAL-2099-6".into(), "critical".into()),
            ("vuln_c".into(), "PYSEC-2099-3".into(), "low".into()),
        ],
        "withdrawn, last_affected, limit and other-ecosystem records must not match"
    );
    let a = vulns
        .iter()
        .find(|v| v["id"] == "GHSA-aaaa-bbbb-cccc")
        .unwrap();
    assert_eq!(
        a["aliases"],
        json!(["CVE-2099-1", "PYSEC-2099-1"]),
        "aliases merged into one row"
    );
    assert_eq!(a["fixed"], json!(["2.0"]));
    assert_eq!(a["score"], 7.5);
    let mal = vulns.iter().find(|v| v["malicious"] == true).unwrap();
    assert_eq!(mal["distribution"]["name"], "evil-pkg");
    assert_eq!(mal["environments"], json!([s.venv.prefix]));

    // SARIF carries the malware rule id.
    let out = audit(
        &s,
        &["--osv-db", s.db_dir.to_str().unwrap(), "--format", "sarif"],
    );
    assert_eq!(out.status.code(), Some(3));
    let sarif = json(&out.stdout);
    let rules: Vec<&str> = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(rules, vec!["audit/malicious", "audit/vulnerability"]);
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 3);

    // Thresholds: only the malware is critical (the whole table).
    let mut t = snap::Transcript::new();
    let out = t.run(
        "--fail-on critical: only the malware fails",
        audit_cmd(&s).args([
            "--osv-db",
            s.db_dir.to_str().unwrap(),
            "--fail-on",
            "critical",
        ]),
    );
    assert_eq!(out.status.code(), Some(3));
    snap::redacted(s.scratch())
        .bind(|| insta::assert_snapshot!("audit_fail_on_critical", t.text()));
    fs::remove_file(s.db_dir.join("MAL-2099-6.json")).unwrap();
    let out = audit(
        &s,
        &[
            "--osv-db",
            s.db_dir.to_str().unwrap(),
            "--fail-on",
            "critical",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "high and low findings are below --fail-on critical"
    );
}

#[test]
fn audit_reads_the_osv_zip_and_a_local_copy() {
    let Some(s) = setup() else { return };
    let py = python().unwrap();
    let zip = s.db_dir.parent().unwrap().join("PyPI-all.zip");
    let code = format!(
        "import zipfile, pathlib\nz = zipfile.ZipFile({:?}, 'w', zipfile.ZIP_DEFLATED)\nfor p in pathlib.Path({:?}).rglob('*.json'): z.write(p, p.name)\nz.close()",
        zip.to_str().unwrap(),
        s.db_dir.to_str().unwrap()
    );
    run_ok(Command::new(&py).args(["-c", &code]));
    let out = audit(&s, &["--osv-db", zip.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(
        json(&out.stdout)["vulnerabilities"]
            .as_array()
            .unwrap()
            .len(),
        3
    );

    // Import as the local copy; the default audit then uses it.
    let mut t = snap::Transcript::new();
    let out = t.run(
        "import the zip as the local copy",
        fetter(&s.home)
            .args(["audit", "db", "update", "--from"])
            .arg(&zip),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(s.home.join(".local/share/fetter/osv/pypi.json").is_file());
    let out = audit(&s, &["--format", "json", "--max-age", "1d"]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = t.run(
        "what the copy holds",
        fetter(&s.home).args(["audit", "db", "info"]),
    );
    assert_eq!(out.status.code(), Some(0));

    // A copy imported long ago is stale under --max-age: exit 1, not 0 or 3.
    let local = s.home.join(".local/share/fetter/osv/pypi.json");
    let mut copy: serde_json::Value = serde_json::from_slice(&fs::read(&local).unwrap()).unwrap();
    copy["imported_at"] = json!(1_000_000_000u64);
    fs::write(&local, serde_json::to_vec(&copy).unwrap()).unwrap();
    // The suggested command works as written: `db update` needs --from,
    // and the copy remembers where it came from.
    let out = t.run(
        "a stale copy under --max-age",
        audit_cmd(&s).args(["--max-age", "7d"]),
    );
    assert_eq!(out.status.code(), Some(1));
    snap::redacted(s.scratch()).bind(|| insta::assert_snapshot!("audit_local_copy", t.text()));
}

#[test]
fn audit_that_cannot_run_never_passes() {
    let s = scratch();
    let home = s.path.join("home");
    fs::create_dir_all(&home).unwrap();
    let root = s.path.join("tree");
    fs::create_dir_all(&root).unwrap();
    let t = std::cell::RefCell::new(snap::Transcript::new());
    let check = |args: &[&str], what: &str| {
        let mut table_err = None;
        for format in ["table", "json", "sarif"] {
            let out = run(fetter(&home)
                .arg("--root")
                .arg(&root)
                .arg("audit")
                .args(args)
                .args(["--format", format]));
            assert_eq!(
                out.status.code(),
                Some(1),
                "{args:?} {format}: {}",
                String::from_utf8_lossy(&out.stdout)
            );
            // The same error in every format; the table's in the snapshot.
            let err = String::from_utf8_lossy(&out.stderr).into_owned();
            match &table_err {
                None => {
                    t.borrow_mut().push(
                        what,
                        &format!("--root [SCRATCH]/tree audit {}", args.join(" ")),
                        1,
                        &String::from_utf8_lossy(&out.stdout),
                        &err,
                    );
                    table_err = Some(err);
                }
                Some(e) => assert_eq!(&err, e, "{args:?} {format}"),
            }
        }
    };
    // No local copy at all.
    check(&[], "no local copy at all");
    // A corrupt record in a directory: named in the error.
    let dir = s.path.join("osv");
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("good.json"), r#"{"id":"PYSEC-1","affected":[]}"#).unwrap();
    fs::write(dir.join("broken.json"), "{ this is not json").unwrap();
    check(
        &["--osv-db", dir.to_str().unwrap()],
        "a corrupt record, named",
    );
    // A truncated zip.
    let zip = s.path.join("all.zip");
    fs::write(&zip, b"PK\x03\x04truncated").unwrap();
    check(&["--osv-db", zip.to_str().unwrap()], "a truncated zip");
    // Garbage that is neither.
    let junk = s.path.join("junk.bin");
    fs::write(&junk, b"\x00\x01\x02").unwrap();
    check(
        &["--osv-db", junk.to_str().unwrap()],
        "garbage that is neither",
    );
    // A usable database over a named tree that holds no environment: the
    // audit checked nothing, so it is not "No known vulnerabilities".
    let usable = s.path.join("osv-ok");
    fs::create_dir_all(&usable).unwrap();
    fs::write(
        usable.join("good.json"),
        r#"{"id":"PYSEC-1","affected":[]}"#,
    )
    .unwrap();
    check(
        &["--osv-db", usable.to_str().unwrap()],
        "a usable database over a tree with no environment",
    );
    snap::redacted(&s.path).bind(|| insta::assert_snapshot!("audit_cannot_run", t.borrow().text()));
}

/// `--online` against an OSV API stand-in on 127.0.0.1 finds what the
/// offline database finds; an unreachable server is an error, never clean.
#[test]
fn audit_online_and_unreachable() {
    let Some(s) = setup() else { return };
    let py = python().unwrap();
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/osv_server.py");
    let mut server = Command::new(&py)
        .arg(&script)
        .arg(&s.db_dir)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut port = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(server.stdout.take().unwrap()),
        &mut port,
    )
    .unwrap();
    let url = format!("http://127.0.0.1:{}", port.trim());
    let online = audit(&s, &["--online", "--osv-url", &url, "--format", "json"]);
    let offline = audit(
        &s,
        &["--osv-db", s.db_dir.to_str().unwrap(), "--format", "json"],
    );
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(
        online.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&online.stderr)
    );
    let ids = |o: &std::process::Output| -> Vec<String> {
        json(&o.stdout)["vulnerabilities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids(&online), ids(&offline));
    assert_eq!(ids(&online).len(), 3);

    // The server is gone now: exit 1 in every format, with the reason.
    for format in ["table", "json", "sarif"] {
        let out = audit(&s, &["--online", "--osv-url", &url, "--format", format]);
        assert_eq!(out.status.code(), Some(1), "{format}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("cannot reach the server"));
    }
}
