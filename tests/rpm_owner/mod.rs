//! rpm owners (issue 20): a real rpm database, made by Debian's `rpm`
//! (`rpmbuild` a noarch package holding a dist-info and a module, `rpm -i
//! --root` it), read by fetter without running rpm: `scan --root` names
//! the package, its EVR and source package as `rpm -qf` does, in the
//! inventory JSON, the CycloneDX SBOM and the long table; a corrupted
//! database is a warning naming the file, never a panic.

use std::fs;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use serde_json::Value;

use super::{assert_valid, cyclonedx, ours};
use crate::common::*;

mod audit;
mod bdb;
mod verify;

const SITE: &str = "usr/lib/python3.12/site-packages";

/// The spec: the source package `python-rpmdemo`, its binary package
/// `python3-rpmdemo` (as Fedora names them), with an epoch.
const SPEC: &str = r#"Name: python-rpmdemo
Epoch: 2
Version: 1.2.3
Release: 4.el9
Summary: fetter test package
License: MIT
BuildArch: noarch
%description
fetter test package

%package -n python3-rpmdemo
Summary: fetter test package
%description -n python3-rpmdemo
fetter test package

%install
d=%{buildroot}/usr/lib/python3.12/site-packages
mkdir -p $d/rpmdemo-1.2.3.dist-info
printf 'Metadata-Version: 2.1\nName: rpmdemo\nVersion: 1.2.3\n' > $d/rpmdemo-1.2.3.dist-info/METADATA
printf 'rpm\n' > $d/rpmdemo-1.2.3.dist-info/INSTALLER
echo 'x = 1' > $d/rpmdemo.py

%files -n python3-rpmdemo
/usr/lib/python3.12/site-packages/rpmdemo-1.2.3.dist-info
/usr/lib/python3.12/site-packages/rpmdemo.py
"#;

/// `rpm` and `rpmbuild` (Debian's `rpm` package, installed with apt-get
/// as root when missing: it runs only from its installed paths), or
/// `false` with the reason through `skip_or_fail`.
fn rpm_tools() -> bool {
    static OK: OnceLock<bool> = OnceLock::new();
    *OK.get_or_init(|| {
        let have =
            || Path::new("/usr/bin/rpm").is_file() && Path::new("/usr/bin/rpmbuild").is_file();
        if !have() {
            let root = Command::new("id")
                .arg("-u")
                .output()
                .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
            let get = || {
                Command::new("apt-get")
                    .args(["install", "-y", "-q", "--no-install-recommends", "rpm"])
                    .env("DEBIAN_FRONTEND", "noninteractive")
                    .stdout(Stdio::null())
                    .status()
                    .is_ok_and(|s| s.success())
            };
            if root && !get() {
                let _ = Command::new("apt-get").args(["update", "-qq"]).status();
                get();
            }
        }
        if !have() {
            skip_or_fail(
                "no /usr/bin/rpm and rpmbuild, and `apt-get install rpm` did not provide them",
            );
        }
        have()
    })
}

/// `rpm` with a private HOME (no `~/.rpmmacros`) over `root`'s database
/// at `/var/lib/rpm`, in SQLite whatever the build defaults to.
fn rpm(home: &Path, root: &Path) -> Command {
    let mut c = Command::new("/usr/bin/rpm");
    c.env("HOME", home).arg("--root").arg(root).args([
        "--dbpath",
        "/var/lib/rpm",
        "--define",
        "_db_backend sqlite",
    ]);
    c
}

/// A root with python3-rpmdemo installed by rpm (and an interpreter and
/// os-release, as an AlmaLinux image has), and a pip-installed
/// distribution beside it.
fn rpm_root(s: &Scratch) -> std::path::PathBuf {
    let home = s.path.join("home");
    let top = s.path.join("rpmbuild");
    let root = s.path.join("root");
    fs::create_dir_all(top.join("SPECS")).unwrap();
    fs::create_dir_all(&home).unwrap();
    fs::write(top.join("SPECS/demo.spec"), SPEC).unwrap();
    run_ok(
        Command::new("/usr/bin/rpmbuild")
            .env("HOME", &home)
            .arg("-bb")
            .arg("--define")
            .arg(format!("_topdir {}", top.display()))
            .args(["--define", "__os_install_post %{nil}"])
            .args(["--define", "_binary_payload w.ufdio"])
            .arg(top.join("SPECS/demo.spec")),
    );
    let pkg = top.join("RPMS/noarch/python3-rpmdemo-1.2.3-4.el9.noarch.rpm");
    assert!(pkg.is_file(), "rpmbuild made no {}", pkg.display());
    fs::create_dir_all(root.join("usr/bin")).unwrap();
    fs::create_dir_all(root.join("etc")).unwrap();
    run_ok(rpm(&home, &root).arg("--initdb"));
    run_ok(
        rpm(&home, &root)
            .args(["-i", "--nodeps", "--noscripts", "--nosignature"])
            .arg(&pkg),
    );
    // A native executable with an interpreter's name and a standard
    // library make `/usr` a prefix fetter finds (never run).
    fs::copy("/bin/true", root.join("usr/bin/python3.12")).unwrap();
    fs::write(root.join("usr/lib/python3.12/os.py"), "").unwrap();
    fs::write(
        root.join("etc/os-release"),
        "NAME=\"AlmaLinux\"\nID=\"almalinux\"\nVERSION_ID=\"9.4\"\n",
    )
    .unwrap();
    write_dist(
        &root.join(SITE),
        "piponly-1.0.dist-info",
        "Name: piponly\nVersion: 1.0\n",
    );
    root
}

fn scan(home: &Path, root: &Path, format: &str) -> Output {
    let out = run(fetter(home)
        .arg("scan")
        .arg("--root")
        .arg(root)
        .args(["--format", format]));
    assert!(
        out.status.success(),
        "scan --format {format} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// What is in `root`'s rpm database directory, with sizes (for failures).
fn db_files(root: &Path) -> Vec<(String, u64)> {
    fs::read_dir(root.join("var/lib/rpm"))
        .map(|rd| {
            rd.flatten()
                .map(|e| {
                    let len = e.metadata().map_or(0, |m| m.len());
                    (e.file_name().to_string_lossy().into_owned(), len)
                })
                .collect()
        })
        .unwrap_or_default()
}

fn dist<'a>(inv: &'a Value, name: &str) -> &'a Value {
    inv["distributions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {inv:#}"))
}

#[test]
fn rpm_installed_distribution_names_its_package_as_rpm_qf_does() {
    if !rpm_tools() {
        return;
    }
    let s = scratch();
    let root = rpm_root(&s);
    let home = s.path.join("home");
    let meta = root.join(SITE).join("rpmdemo-1.2.3.dist-info");
    assert!(
        root.join("var/lib/rpm/rpmdb.sqlite").is_file(),
        "rpm made no SQLite database"
    );
    let q = run_ok(
        rpm(&home, &root)
            .args(["-qf", "--qf", "%{NAME}\\n%{EVR}\\n%{SOURCERPM}\\n"])
            .arg(Path::new("/").join(SITE).join("rpmdemo-1.2.3.dist-info")),
    );
    let q: Vec<&str> = q.lines().collect();
    assert_eq!(
        q,
        [
            "python3-rpmdemo",
            "2:1.2.3-4.el9",
            "python-rpmdemo-1.2.3-4.el9.src.rpm"
        ]
    );

    let out = scan(&home, &root, "json");
    let inv = json(&out.stdout);
    assert_valid(&ours("fetter.inventory-1"), &inv, "scan --format json");
    let d = dist(&inv, "rpmdemo");
    assert_eq!(d["metadata_path"], meta.to_str().unwrap());
    assert_eq!(
        d["os_package"],
        serde_json::json!({
            "manager": "rpm",
            "name": q[0],
            "version": q[1],
            "source": "python-rpmdemo",
            "distro": "AlmaLinux:9",
        }),
        "rpm's files {:?}\nscan's stderr: {}\n{inv:#}",
        db_files(&root),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dist(&inv, "piponly").get("os_package").is_none());
    assert_eq!(inv["warnings"], serde_json::json!([]), "{inv:#}");

    let bom = json(&scan(&home, &root, "cyclonedx").stdout);
    assert_valid(&cyclonedx(), &bom, "scan --format cyclonedx");
    let c = bom["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "rpmdemo")
        .unwrap();
    let props: Vec<(&str, &str)> = c["properties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap(), p["value"].as_str().unwrap()))
        .collect();
    for want in [
        ("fetter:os_package", "python3-rpmdemo"),
        ("fetter:os_package_manager", "rpm"),
        ("fetter:os_package_version", "2:1.2.3-4.el9"),
    ] {
        assert!(props.contains(&want), "{want:?} not in {props:?}");
    }

    let table = run_ok(
        fetter(&home)
            .arg("scan")
            .arg("--root")
            .arg(&root)
            .arg("--long"),
    );
    assert!(table.contains("python3-rpmdemo 2:1.2.3-4.el9"), "{table}");
}

#[test]
fn a_corrupt_rpm_database_is_a_warning_naming_it() {
    if !rpm_tools() {
        return;
    }
    let s = scratch();
    let root = rpm_root(&s);
    let home = s.path.join("home");
    let db = root.join("var/lib/rpm/rpmdb.sqlite");
    // A truncated header and a garbage one, in the real database.
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.execute_batch(
            "UPDATE Packages SET blob = substr(blob, 1, 24);
             INSERT INTO Packages (blob) VALUES (x'deadbeefdeadbeef00');
             PRAGMA wal_checkpoint(TRUNCATE);",
        )
        .unwrap();
    }
    let inv = json(&scan(&home, &root, "json").stdout);
    assert_valid(&ours("fetter.inventory-1"), &inv, "scan --format json");
    assert!(dist(&inv, "rpmdemo").get("os_package").is_none(), "{inv:#}");
    let warnings = inv["warnings"].as_array().unwrap();
    let about_db: Vec<&str> = warnings
        .iter()
        .filter(|w| w["path"] == db.to_str().unwrap())
        .map(|w| w["message"].as_str().unwrap())
        .collect();
    assert_eq!(about_db.len(), 2, "{warnings:#?}");
    assert!(
        about_db.iter().all(|m| m.contains("rpm package header")),
        "{about_db:?}"
    );

    // Not a database at all.
    for side in ["rpmdb.sqlite-wal", "rpmdb.sqlite-shm"] {
        let _ = fs::remove_file(root.join("var/lib/rpm").join(side));
    }
    fs::write(&db, b"SQLite format 3\0 but then garbage, garbage, garbage").unwrap();
    let inv = json(&scan(&home, &root, "json").stdout);
    assert!(dist(&inv, "rpmdemo").get("os_package").is_none());
    let w = inv["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["path"] == db.to_str().unwrap())
        .unwrap_or_else(|| panic!("no warning naming {}: {inv:#}", db.display()));
    let m = w["message"].as_str().unwrap();
    assert!(m.contains("rpm package owners unknown"), "{m}");
    assert!(m.contains("rpmdb.sqlite"), "{m}");
}
