//! `audit` of an rpm-owned distribution (issue 20): the distribution rpm
//! installed (`python3-rpmdemo` 2:1.2.3-4.el9 on an AlmaLinux 9 root) is
//! matched against its distribution's OSV records, by source or binary
//! package, versions ordered as rpm orders them (epoch, tilde, caret),
//! from the same offline database as PyPI's.

use std::fs;
use std::path::Path;
use std::process::Command;

use serde_json::{json, Value};

use super::super::{assert_valid, ours};
use super::{rpm, rpm_root, rpm_tools};
use crate::common::*;

fn pypi(id: &str, cve: &str) -> Value {
    json!({
        "id": id, "aliases": [cve], "summary": format!("{id} summary"),
        "affected": [{"package": {"ecosystem": "PyPI", "name": "rpmdemo"},
                      "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "9999"}]}]}]
    })
}

fn os(id: &str, eco: &str, name: &str, cves: &[&str], fixed: &str) -> Value {
    json!({
        "id": id, "related": cves, "upstream": cves, "summary": format!("{id} summary"),
        "affected": [{"package": {"ecosystem": eco, "name": name},
                      "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}]}]
    })
}

fn write_db(dir: &Path, records: &[Value]) {
    let _ = fs::remove_dir_all(dir);
    fs::create_dir_all(dir).unwrap();
    for r in records {
        let id = r["id"].as_str().unwrap().replace(':', "-");
        fs::write(dir.join(format!("{id}.json")), r.to_string()).unwrap();
    }
}

fn audit(home: &Path, root: &Path, db: &Path, format: &str) -> (i32, String) {
    let out = run(fetter(home)
        .arg("-q")
        .arg("--root")
        .arg(root)
        .arg("audit")
        .arg("--osv-db")
        .arg(db)
        .args(["--format", format]));
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn vuln<'a>(doc: &'a Value, id: &str) -> &'a Value {
    doc["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == id || v["aliases"].as_array().unwrap().iter().any(|a| a == id))
        .unwrap_or_else(|| panic!("no {id}: {doc:#}"))
}

/// `rpm.vercmp(a, b)` as the installed rpm answers it: the reference.
fn rpm_vercmp(a: &str, b: &str) -> i32 {
    let out = Command::new("/usr/bin/rpm")
        .arg("--eval")
        .arg(format!("%{{lua:print(rpm.vercmp(\"{a}\", \"{b}\"))}}"))
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

#[test]
fn rpm_owned_distributions_are_audited_with_their_distributions_records() {
    if !rpm_tools() {
        return;
    }
    let s = scratch();
    let root = rpm_root(&s);
    let home = s.path.join("home");
    let installed = run_ok(rpm(&home, &root).args(["-q", "--qf", "%{EVR}", "python3-rpmdemo"]));
    assert_eq!(installed, "2:1.2.3-4.el9");
    // Each fix's place relative to the installed package, as rpm says.
    let backport = "2:1.2.3-4.el9";
    let later = "2:1.2.3-4.el9_2.1";
    let caret = "2:1.2.3^post1-1.el9";
    let no_epoch = "1.2.4-1.el9";
    let tilde = "2:1.2.3-4.el9~1";
    assert_eq!(rpm_vercmp(&installed, backport), 0);
    assert_eq!(rpm_vercmp(&installed, later), -1);
    assert_eq!(rpm_vercmp(&installed, caret), -1);
    assert_eq!(rpm_vercmp(&installed, no_epoch), 1);
    assert_eq!(rpm_vercmp(&installed, tilde), 1);

    let db = s.path.join("osv");
    write_db(
        &db,
        &[
            // Backported: the binary package named, fixed in the installed EVR.
            pypi("PYSEC-R-1", "CVE-R-1"),
            os(
                "ALSA-R:1",
                "AlmaLinux:9",
                "python3-rpmdemo",
                &["CVE-R-1"],
                backport,
            ),
            // Not yet fixed in the installed one: the source package named.
            pypi("PYSEC-R-2", "CVE-R-2"),
            os(
                "ALSA-R:2",
                "AlmaLinux:9",
                "python-rpmdemo",
                &["CVE-R-2"],
                later,
            ),
            // AlmaLinux's own advisory, no PyPI record: caret after the end.
            os(
                "ALSA-R:3",
                "AlmaLinux:9",
                "python3-rpmdemo",
                &["CVE-R-3"],
                caret,
            ),
            // Fixed below the installed one (no epoch is epoch 0; tilde).
            os(
                "ALSA-R:4",
                "AlmaLinux:9",
                "python3-rpmdemo",
                &["CVE-R-4"],
                no_epoch,
            ),
            os(
                "ALSA-R:5",
                "AlmaLinux:9",
                "python-rpmdemo",
                &["CVE-R-5"],
                tilde,
            ),
            // Another distribution's and another release's records.
            os(
                "RLSA-R:6",
                "Rocky Linux:9",
                "python3-rpmdemo",
                &["CVE-R-6"],
                later,
            ),
            os(
                "ALSA-R:7",
                "AlmaLinux:8",
                "python3-rpmdemo",
                &["CVE-R-7"],
                later,
            ),
        ],
    );
    let (code, out) = audit(&home, &root, &db, "json");
    let doc = json(out.as_bytes());
    assert_valid(&ours("fetter.audit-1"), &doc, "audit of an rpm root");
    assert_eq!(code, 3, "{doc:#}");
    let v1 = vuln(&doc, "PYSEC-R-1");
    assert_eq!(v1["os_package"]["name"], "python3-rpmdemo", "{v1}");
    assert_eq!(v1["os_package"]["version"], installed.as_str(), "{v1}");
    assert_eq!(
        v1["os_advisory"],
        json!({"ecosystem": "AlmaLinux:9", "ids": ["ALSA-R:1"], "affected": false, "fixed": [backport]}),
        "{v1}"
    );
    let v2 = vuln(&doc, "PYSEC-R-2");
    assert_eq!(
        v2["os_advisory"],
        json!({"ecosystem": "AlmaLinux:9", "ids": ["ALSA-R:2"], "affected": true, "fixed": [later]}),
        "{v2}"
    );
    let v3 = vuln(&doc, "ALSA-R:3");
    assert_eq!(v3["os_advisory"]["affected"], true, "{v3}");
    let text = doc.to_string();
    for absent in ["ALSA-R:4", "ALSA-R:5", "RLSA-R:6", "ALSA-R:7"] {
        assert!(!text.contains(absent), "{absent} matched: {doc:#}");
    }
    assert_eq!(
        doc["vulnerabilities"].as_array().unwrap().len(),
        3,
        "{doc:#}"
    );

    let (_, table) = audit(&home, &root, &db, "table");
    assert!(
        table.contains("fixed in AlmaLinux:9 python3-rpmdemo"),
        "{table}"
    );
    let (_, diags) = audit(&home, &root, &db, "sarif");
    assert!(
        diags.contains("dnf upgrade python3-rpmdemo"),
        "no dnf suggestion: {diags}"
    );

    // Only the backported one: a warning, the audit passes.
    write_db(
        &db,
        &[
            pypi("PYSEC-R-1", "CVE-R-1"),
            os(
                "ALSA-R:1",
                "AlmaLinux:9",
                "python3-rpmdemo",
                &["CVE-R-1"],
                backport,
            ),
        ],
    );
    let (code, out) = audit(&home, &root, &db, "json");
    assert_eq!(code, 0, "{out}");
    // A malformed version in AlmaLinux's record counts as affected (fail
    // closed), with a note naming it.
    write_db(
        &db,
        &[os(
            "ALSA-R:8",
            "AlmaLinux:9",
            "python-rpmdemo",
            &["CVE-R-8"],
            "x:1",
        )],
    );
    let (code, out) = audit(&home, &root, &db, "json");
    let doc = json(out.as_bytes());
    assert_eq!(code, 3, "{doc:#}");
    let note = vuln(&doc, "ALSA-R:8")["note"].as_str().unwrap().to_string();
    assert!(note.contains("\"x:1\""), "{note}");
}
