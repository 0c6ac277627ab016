//! rpm's BerkeleyDB `Packages` (rpm before 4.16: CentOS 7 and 8, RHEL 7
//! and 8), read by fetter without BerkeleyDB (issue 20). Debian's rpm
//! cannot write one (its backends are sqlite and bdb_ro), so the headers
//! `rpm` wrote into `rpmdb.sqlite` are written into a `Packages` hash by
//! Berkeley DB itself (Perl's `DB_File`); rpm's own read-only backend
//! must list them before fetter is asked.

use std::fs;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use super::{rpm_root, rpm_tools, scan};
use crate::common::*;

const WRITER: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/rpm/tools/bdb_packages.pl"
);

fn have_db_file() -> bool {
    let ok = Command::new("perl")
        .args(["-MDB_File", "-e", "1"])
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        skip_or_fail("no perl with DB_File (Berkeley DB) to write a Packages database");
    }
    ok
}

/// The headers of `root`'s SQLite database, as rpm wrote them.
fn sqlite_blobs(root: &Path) -> Vec<Vec<u8>> {
    let c = rusqlite::Connection::open(root.join("var/lib/rpm/rpmdb.sqlite")).unwrap();
    let mut st = c
        .prepare("SELECT blob FROM Packages ORDER BY hnum")
        .unwrap();
    st.query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// Replace `root`'s database with a BerkeleyDB `Packages` of
/// `pagesize` holding its headers (and `copies` more of the first, so the
/// hash splits over many buckets).
fn to_bdb(s: &Scratch, root: &Path, blobs: &[Vec<u8>], pagesize: u32, copies: usize) {
    let dir = root.join("var/lib/rpm");
    assert!(!blobs.is_empty());
    let mut files = Vec::new();
    for (i, b) in blobs.iter().enumerate() {
        let f = s.path.join(format!("header-{i}"));
        fs::write(&f, b).unwrap();
        files.push(f);
    }
    for _ in 0..copies {
        files.push(files[0].clone());
    }
    for f in fs::read_dir(&dir).unwrap().flatten() {
        fs::remove_file(f.path()).unwrap();
    }
    run_ok(
        Command::new("perl")
            .arg(WRITER)
            .arg(dir.join("Packages"))
            .arg(pagesize.to_string())
            .args(&files),
    );
}

/// What rpm's own bdb_ro backend lists, one `NAME EVR` a package.
fn rpm_qa(home: &Path, root: &Path) -> Vec<String> {
    let out = run_ok(
        Command::new("/usr/bin/rpm")
            .env("HOME", home)
            .arg("--root")
            .arg(root)
            .args(["--dbpath", "/var/lib/rpm", "--define", "_db_backend bdb_ro"])
            .args(["-qa", "--qf", "%{NAME} %{EVR}\\n"]),
    );
    out.lines().map(str::to_string).collect()
}

fn rpmdemo(inv: &Value) -> &Value {
    inv["distributions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "rpmdemo")
        .unwrap_or_else(|| panic!("no rpmdemo: {inv:#}"))
}

#[test]
fn berkeley_db_packages_name_owners_and_verify_as_sqlite_does() {
    if !rpm_tools() || !have_db_file() {
        return;
    }
    let s = scratch();
    let root = rpm_root(&s);
    let home = s.path.join("home");
    let from_sqlite = json(&scan(&home, &root, "json").stdout);
    let want = rpmdemo(&from_sqlite)["os_package"].clone();
    assert_eq!(want["manager"], "rpm", "{from_sqlite:#}");

    let blobs = sqlite_blobs(&root);
    for (pagesize, copies) in [(4096, 0), (512, 300)] {
        to_bdb(&s, &root, &blobs, pagesize, copies);
        let qa = rpm_qa(&home, &root);
        assert_eq!(qa.len(), 1 + copies, "rpm -qa: {qa:?}");
        assert!(
            qa.iter().all(|l| l == "python3-rpmdemo 2:1.2.3-4.el9"),
            "{qa:?}"
        );
        let inv = json(&scan(&home, &root, "json").stdout);
        assert_eq!(
            rpmdemo(&inv)["os_package"],
            want,
            "pagesize {pagesize}: {inv:#}"
        );
        assert_eq!(inv["warnings"], serde_json::json!([]), "{inv:#}");
        // verify reads the digests from the same database.
        let out = run(fetter(&home)
            .arg("--root")
            .arg(&root)
            .args(["verify", "-p", "rpmdemo", "--format", "json"]));
        let doc = json(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{doc:#}");
        assert_eq!(
            doc["distributions"][0]["verified_against"],
            "rpm-file-digests"
        );
    }

    // A corrupt page: a warning naming the file, no owner, no panic.
    let db = root.join("var/lib/rpm/Packages");
    let mut bytes = fs::read(&db).unwrap();
    let len = bytes.len();
    bytes.truncate(len / 2);
    fs::write(&db, &bytes).unwrap();
    let inv = json(&scan(&home, &root, "json").stdout);
    assert!(rpmdemo(&inv).get("os_package").is_none(), "{inv:#}");
    let w = inv["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["path"] == db.to_str().unwrap())
        .unwrap_or_else(|| panic!("no warning naming {}: {inv:#}", db.display()));
    let m = w["message"].as_str().unwrap();
    assert!(m.contains("not a readable BerkeleyDB rpm database"), "{m}");
}
