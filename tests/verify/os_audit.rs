//! `audit` on the machine's Debian site: distributions that Debian
//! packages own are marked with their package, and Debian's own OSV
//! records for that package (by source package, compared as dpkg compares
//! versions) are matched from the same offline database (issue 20).

use std::fs;
use std::path::Path;
use std::process::Command;

use serde_json::{json, Value};

use super::super::{assert_valid, ours};
use crate::common::*;

/// (binary package, source package, source version, Debian release) as
/// dpkg-query and os-release say, for a distribution of Debian's site.
struct Owned {
    dist: String,
    package: String,
    source: String,
    source_version: String,
    ecosystem: String,
}

/// A dpkg-owned distribution of `/usr/lib/python3/dist-packages` and what
/// dpkg itself says of its package, or `None` (skipped) off Debian.
fn owned_distribution(home: &Path) -> Option<Owned> {
    let site = Path::new("/usr/lib/python3/dist-packages");
    let release = fs::read_to_string("/etc/os-release").unwrap_or_default();
    let field = |k: &str| {
        release
            .lines()
            .find_map(|l| l.strip_prefix(k)?.strip_prefix('='))
            .map(|v| v.trim_matches('"').to_string())
    };
    if field("ID").as_deref() != Some("debian")
        || !site.is_dir()
        || !Path::new("/usr/bin/python3").is_file()
        || Command::new("dpkg-query")
            .arg("--version")
            .output()
            .is_err()
    {
        skip_for_machine("not a Debian release with a python3 package");
        return None;
    }
    let ecosystem = format!("Debian:{}", field("VERSION_ID")?.split('.').next()?);
    let out = run(fetter(home).args([
        "-q",
        "--exe",
        "/usr/bin/python3",
        "scan",
        "--format",
        "json",
    ]));
    let doc = json(&out.stdout);
    let mut owned: Vec<&Value> = doc["distributions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["site"] == site.to_str().unwrap() && d["os_package"].is_object())
        .collect();
    // Prefer a binNMU (binary and source versions differ), the harder case.
    owned.sort_by_key(|d| d["os_package"]["source_version"].is_null());
    let d = owned.first()?;
    let package = d["os_package"]["name"].as_str().unwrap().to_string();
    let q = Command::new("dpkg-query")
        .args([
            "-W",
            "-f",
            "${source:Package}\n${source:Version}\n",
            &package,
        ])
        .output()
        .unwrap();
    let q = String::from_utf8_lossy(&q.stdout);
    let mut lines = q.lines();
    let owned = Owned {
        dist: d["name"].as_str().unwrap().to_string(),
        package,
        source: lines.next().unwrap().to_string(),
        source_version: lines.next().unwrap().to_string(),
        ecosystem,
    };
    // fetter reads the same source package, version and release as dpkg.
    let p = &d["os_package"];
    let ours_source = p["source"].as_str().unwrap_or(&owned.package);
    let ours_version = p["source_version"]
        .as_str()
        .or(p["version"].as_str())
        .unwrap();
    assert_eq!(ours_source, owned.source, "{p}");
    assert_eq!(ours_version, owned.source_version, "{p}");
    assert_eq!(p["distro"], owned.ecosystem.as_str(), "{p}");
    Some(owned)
}

/// `dpkg --compare-versions a op b`: the reference ordering.
fn dpkg_holds(a: &str, op: &str, b: &str) -> bool {
    Command::new("dpkg")
        .args(["--compare-versions", a, op, b])
        .status()
        .unwrap()
        .success()
}

fn pypi_record(id: &str, cve: &str, name: &str) -> Value {
    json!({
        "id": id, "aliases": [cve], "summary": format!("{id} summary"),
        "affected": [{"package": {"ecosystem": "PyPI", "name": name},
                      "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "9999"}]}]}]
    })
}

fn debian_record(id: &str, upstream: &[&str], o: &Owned, fixed: Option<&str>) -> Value {
    let mut events = vec![json!({"introduced": "0"})];
    if let Some(f) = fixed {
        events.push(json!({"fixed": f}));
    }
    json!({
        "id": id, "upstream": upstream, "summary": format!("{id} summary"),
        "affected": [{"package": {"ecosystem": o.ecosystem, "name": o.source},
                      "ranges": [{"type": "ECOSYSTEM", "events": events}]}]
    })
}

fn audit(home: &Path, db: &Path) -> (i32, Value, String) {
    let run_as = |format: &str| {
        run(fetter(home)
            .args(["-q", "--exe", "/usr/bin/python3", "audit", "--osv-db"])
            .arg(db)
            .args(["--format", format]))
    };
    let out = run_as("json");
    let table = run_as("table");
    (
        out.status.code().unwrap(),
        json(&out.stdout),
        String::from_utf8_lossy(&table.stdout).into_owned(),
    )
}

fn write_db(dir: &Path, records: &[Value]) {
    let _ = fs::remove_dir_all(dir);
    fs::create_dir_all(dir).unwrap();
    for r in records {
        let id = r["id"].as_str().unwrap();
        fs::write(dir.join(format!("{id}.json")), r.to_string()).unwrap();
    }
}

fn vuln<'a>(doc: &'a Value, id: &str, dist: &str) -> &'a Value {
    doc["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| {
            v["distribution"]["name"] == dist
                && (v["id"] == id || v["aliases"].as_array().unwrap().iter().any(|a| a == id))
        })
        .unwrap_or_else(|| panic!("no {id} for {dist}: {doc:#}"))
}

#[test]
fn debian_owned_distributions_are_audited_with_debian_records() {
    let s = scratch();
    let Some(o) = owned_distribution(&s.path) else {
        return;
    };
    let installed = &o.source_version;
    // A Debian fix in exactly the installed version (a backport), one in a
    // later version, and a Debian-only advisory with no fix yet.
    let later = format!("{installed}+deb99u1");
    assert!(dpkg_holds(installed, "ge", installed));
    assert!(dpkg_holds(installed, "lt", &later));
    let db = s.path.join("osv");
    write_db(
        &db,
        &[
            pypi_record("PYSEC-T-1", "CVE-T-1", &o.dist),
            debian_record("DEBIAN-CVE-T-1", &["CVE-T-1"], &o, Some(installed)),
            pypi_record("PYSEC-T-2", "CVE-T-2", &o.dist),
            debian_record("DSA-T-2", &["CVE-T-2"], &o, Some(&later)),
            debian_record("DLA-T-3", &["CVE-T-3"], &o, None),
            // Another release's record is not this machine's.
            json!({"id": "DSA-T-4", "affected": [{"package": {"ecosystem": "Debian:7", "name": o.source},
                   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}]}),
        ],
    );
    let (code, doc, table) = audit(&s.path, &db);
    assert_valid(&ours("fetter.audit-1"), &doc, "audit of Debian's site");
    assert_eq!(code, 3, "{doc:#}");
    // Fixed by Debian in the installed package: marked, not denied.
    let v1 = vuln(&doc, "PYSEC-T-1", &o.dist);
    assert_eq!(v1["os_package"]["name"], o.package.as_str(), "{v1}");
    assert_eq!(v1["os_advisory"]["affected"], false, "{v1}");
    assert_eq!(v1["os_advisory"]["ids"], json!(["DEBIAN-CVE-T-1"]), "{v1}");
    // Not fixed in the installed package: denied, with Debian's fix.
    let v2 = vuln(&doc, "PYSEC-T-2", &o.dist);
    assert_eq!(v2["os_advisory"]["affected"], true, "{v2}");
    assert_eq!(v2["os_advisory"]["fixed"], json!([later]), "{v2}");
    // Debian's own advisory, with no PyPI record.
    let v3 = vuln(&doc, "DLA-T-3", &o.dist);
    assert_eq!(v3["os_advisory"]["affected"], true, "{v3}");
    assert!(doc.to_string().find("DSA-T-4").is_none(), "{doc:#}");
    assert!(
        table.contains(&format!("fixed in {} {}", o.ecosystem, o.package)),
        "{table}"
    );

    // Only the backported one left: a warning, the audit passes.
    write_db(
        &db,
        &[
            pypi_record("PYSEC-T-1", "CVE-T-1", &o.dist),
            debian_record("DEBIAN-CVE-T-1", &["CVE-T-1"], &o, Some(installed)),
        ],
    );
    let (code, doc, _) = audit(&s.path, &db);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(
        doc["vulnerabilities"].as_array().unwrap().len(),
        1,
        "{doc:#}"
    );
    // Without Debian's record, the PyPI advisory denies (fail closed),
    // marked as OS-owned.
    write_db(&db, &[pypi_record("PYSEC-T-1", "CVE-T-1", &o.dist)]);
    let (code, doc, _) = audit(&s.path, &db);
    assert_eq!(code, 3, "{doc:#}");
    let v = vuln(&doc, "PYSEC-T-1", &o.dist);
    assert_eq!(v["os_package"]["name"], o.package.as_str(), "{v}");
    assert!(v.get("os_advisory").is_none(), "{v}");
}
