//! `fetter verify` of an rpm-owned distribution (issue 20): with no
//! RECORD (as Fedora's packaging leaves none), its files are compared
//! with the digests rpm's database recorded (`FILEDIGESTS`, SHA-256), and
//! what fetter finds modified is what `rpm -V` finds.

use std::fs;
use std::path::Path;

use serde_json::Value;

use super::super::{assert_valid, ours};
use super::{rpm, rpm_root, rpm_tools, SITE};
use crate::common::*;

fn verify(home: &Path, root: &Path, format: &str) -> (i32, String) {
    let out = run(fetter(home)
        .arg("-q")
        .arg("--root")
        .arg(root)
        .args(["verify", "-p", "rpmdemo", "--format", format]));
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// The files `rpm -V` says differ in content or size, sorted.
fn rpm_v(home: &Path, root: &Path) -> Vec<String> {
    let out = run(rpm(home, root).args(["-V", "python3-rpmdemo"]));
    let mut files: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let (flags, path) = l.split_once(' ')?;
            let path = path.trim_start().rsplit(' ').next()?;
            (flags.contains('5') || flags.contains('S') || l.starts_with("missing")).then(|| {
                root.join(path.trim_start_matches('/'))
                    .display()
                    .to_string()
            })
        })
        .collect();
    files.sort();
    files
}

fn problems(d: &Value) -> Vec<String> {
    let mut p: Vec<String> = d["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["path"].as_str().unwrap().to_string())
        .collect();
    p.sort();
    p
}

#[test]
fn rpm_owned_distributions_are_verified_against_rpms_digests() {
    if !rpm_tools() {
        return;
    }
    let s = scratch();
    let root = rpm_root(&s);
    let home = s.path.join("home");
    let site = root.join(SITE);
    assert!(!site.join("rpmdemo-1.2.3.dist-info/RECORD").exists());

    let (code, out) = verify(&home, &root, "json");
    let doc = json(out.as_bytes());
    assert_valid(&ours("fetter.verify-1"), &doc, "verify of an rpm root");
    assert_eq!(code, 0, "{doc:#}");
    let d = &doc["distributions"][0];
    assert_eq!(d["name"], "rpmdemo", "{doc:#}");
    assert_eq!(d["verified_against"], "rpm-file-digests", "{d:#}");
    assert_eq!(d["status"], "ok", "{d:#}");
    assert_eq!(d["os_package"]["name"], "python3-rpmdemo", "{d:#}");
    // METADATA, INSTALLER and the module; the directory has no digest.
    assert_eq!(d["files_checked"], 3, "{d:#}");
    assert!(rpm_v(&home, &root).is_empty());

    // Same size, other bytes; and a different size.
    fs::write(site.join("rpmdemo.py"), "x = 2\n").unwrap();
    fs::write(site.join("rpmdemo-1.2.3.dist-info/INSTALLER"), "pip-23\n").unwrap();
    let (code, out) = verify(&home, &root, "json");
    let doc = json(out.as_bytes());
    assert_valid(
        &ours("fetter.verify-1"),
        &doc,
        "verify of a modified rpm root",
    );
    assert_eq!(code, 3, "{doc:#}");
    let d = &doc["distributions"][0];
    assert_eq!(d["status"], "modified", "{d:#}");
    let expected = rpm_v(&home, &root);
    assert_eq!(expected.len(), 2, "rpm -V: {expected:?}");
    assert_eq!(problems(d), expected, "{d:#}");
    let module = d["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["path"].as_str().unwrap().ends_with("rpmdemo.py"))
        .unwrap();
    assert_eq!(module["kind"], "modified", "{module}");
    assert!(
        module["expected_hash"]
            .as_str()
            .unwrap()
            .starts_with("sha256="),
        "{module}"
    );
    let installer = d["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["path"].as_str().unwrap().ends_with("INSTALLER"))
        .unwrap();
    assert_eq!(installer["kind"], "size-changed", "{installer}");
    let (_, table) = verify(&home, &root, "table");
    assert!(table.contains("per rpm file digests"), "{table}");

    // A file gone.
    fs::remove_file(site.join("rpmdemo.py")).unwrap();
    let (code, out) = verify(&home, &root, "json");
    let doc = json(out.as_bytes());
    assert_eq!(code, 3, "{doc:#}");
    let kinds: Vec<&str> = doc["distributions"][0]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"missing"), "{doc:#}");
}

#[test]
fn a_corrupt_digest_tag_is_an_error_naming_the_package_never_clean() {
    if !rpm_tools() {
        return;
    }
    let s = scratch();
    let root = rpm_root(&s);
    let home = s.path.join("home");
    // Cut the header's FILEDIGESTS count to zero: owners still parse, the
    // digests do not.
    let db = root.join("var/lib/rpm/rpmdb.sqlite");
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        let blob: Vec<u8> = c
            .query_row("SELECT blob FROM Packages", [], |r| r.get(0))
            .unwrap();
        let il = u32::from_be_bytes(blob[0..4].try_into().unwrap()) as usize;
        let mut blob = blob;
        let mut cut = false;
        for i in 0..il {
            let at = 8 + i * 16;
            if u32::from_be_bytes(blob[at..at + 4].try_into().unwrap()) == 1035 {
                blob[at + 12..at + 16].copy_from_slice(&1u32.to_be_bytes());
                cut = true;
            }
        }
        assert!(cut, "no FILEDIGESTS in the header rpm wrote");
        c.execute("UPDATE Packages SET blob = ?1", [blob]).unwrap();
        c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").unwrap();
    }
    let (code, out) = verify(&home, &root, "json");
    let doc = json(out.as_bytes());
    assert_valid(&ours("fetter.verify-1"), &doc, "verify, corrupt digests");
    let d = &doc["distributions"][0];
    assert_eq!(d["os_package"]["name"], "python3-rpmdemo", "{doc:#}");
    assert_eq!(d["status"], "error", "{d:#}");
    assert_eq!(code, 1, "{doc:#}");
    let detail = d["problems"][0]["detail"].as_str().unwrap();
    assert!(
        detail.contains("rpm header of python3-rpmdemo") && detail.contains("file digests"),
        "{detail}"
    );
}
