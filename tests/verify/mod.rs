//! `fetter verify` on real venvs, compared with what Python's own
//! `importlib.metadata` RECORD hashes say, and on the machine's Debian
//! site compared with `dpkg --verify`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

mod os_audit;

use super::{assert_valid, ours, sarif};
use crate::common::*;
use serde_json::Value;

/// Python's view: per distribution, the hashed RECORD entries and those
/// whose file is missing or hashes differently (hashlib over
/// `importlib.metadata`'s `files`, as `pip` would write them).
const PY_VERIFY: &str = r#"
import base64, hashlib, json, importlib.metadata as m
out = {}
for d in m.distributions():
    checked, bad = 0, []
    for f in d.files or []:
        if not f.hash:
            continue
        checked += 1
        p = f.locate()
        try:
            data = open(p, 'rb').read()
        except OSError:
            bad.append(str(p)); continue
        h = base64.urlsafe_b64encode(hashlib.new(f.hash.mode, data).digest()).rstrip(b'=').decode()
        if h != f.hash.value or (f.size is not None and f.size != len(data)):
            bad.append(str(p))
    out[d.metadata['Name'].lower()] = {'checked': checked, 'bad': sorted(bad)}
print(json.dumps(out))
"#;

struct Fixture {
    _s: Scratch,
    home: PathBuf,
    venv: Venv,
}

fn fixture() -> Option<Fixture> {
    let Some(py) = python() else {
        skip_or_fail("no python3 that can create venvs");
        return None;
    };
    let s = scratch();
    let home = s.path.join("home");
    fs::create_dir_all(&home).unwrap();
    let venv = Venv::create(&py, &s.path.join("venv"));
    let project = tiny_project(&s.path, "tiny-pkg", "1.0", Some("tiny-pkg"));
    fs::write(project.join("tiny_pkg/extra.py"), "X = 1\n").unwrap();
    let wheel = build_wheel(&venv.python(), &project, &s.path.join("dist"));
    venv.pip(&["install", wheel.to_str().unwrap()]);
    Some(Fixture { _s: s, home, venv })
}

fn verify(f: &Fixture, extra: &[&str]) -> (i32, Value) {
    let out = run(fetter(&f.home)
        .args(["-q", "--exe"])
        .arg(f.venv.python())
        .args(["verify", "--format", "json"])
        .args(extra));
    let doc = json(&out.stdout);
    assert_valid(
        &ours("fetter.verify-1"),
        &doc,
        "fetter verify --format json",
    );
    (out.status.code().unwrap(), doc)
}

fn python_view(f: &Fixture) -> BTreeMap<String, (u64, BTreeSet<PathBuf>)> {
    let text = f.venv.run_py(PY_VERIFY);
    let v: Value = serde_json::from_str(&text).unwrap();
    v.as_object()
        .unwrap()
        .iter()
        .map(|(k, x)| {
            let bad = x["bad"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| PathBuf::from(p.as_str().unwrap()))
                .collect();
            (normalize(k), (x["checked"].as_u64().unwrap(), bad))
        })
        .collect()
}

/// fetter's view in the same shape: hashed entries and the files it found
/// modified, resized or missing.
fn fetter_view(doc: &Value) -> BTreeMap<String, (u64, BTreeSet<PathBuf>)> {
    doc["distributions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let bad = d["problems"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|p| {
                    matches!(
                        p["kind"].as_str(),
                        Some("modified" | "size-changed" | "missing")
                    )
                })
                .map(|p| PathBuf::from(p["path"].as_str().unwrap()))
                .collect();
            (
                d["normalized_name"].as_str().unwrap().to_string(),
                (d["files_checked"].as_u64().unwrap(), bad),
            )
        })
        .collect()
}

fn problems(doc: &Value, kind: &str) -> BTreeSet<PathBuf> {
    doc["distributions"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["problems"].as_array().unwrap())
        .filter(|p| p["kind"] == kind)
        .map(|p| PathBuf::from(p["path"].as_str().unwrap()))
        .collect()
}

#[test]
fn a_fresh_venv_verifies_clean_as_python_sees_it() {
    let Some(f) = fixture() else { return };
    let (code, doc) = verify(&f, &[]);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(fetter_view(&doc), python_view(&f));
    assert!(doc["distributions"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["status"] == "ok" && d["verified_against"] == "record"));
    // pip's byte-code and RECORD itself have no hash: counted, not checked.
    assert!(doc["summary"]["files_checked"].as_u64().unwrap() > 100);
}

#[test]
fn tampering_is_found_as_python_finds_it_and_exits_3() {
    let Some(f) = fixture() else { return };
    let site = f.venv.site();
    let pkg = site.join("tiny_pkg");
    // Same size, other bytes; longer; gone; a module dropped in; byte-code
    // Python itself would write (not reported); a start-up file that runs code.
    let init = fs::read_to_string(pkg.join("__init__.py")).unwrap();
    fs::write(pkg.join("__init__.py"), init.replace("VERSION", "VERSIOM")).unwrap();
    fs::write(pkg.join("extra.py"), "X = 1\nimport os\n").unwrap();
    fs::remove_file(site.join("pip/__main__.py")).unwrap();
    fs::write(pkg.join("evil.py"), "import os\n").unwrap();
    fs::create_dir_all(pkg.join("sub")).unwrap();
    fs::write(pkg.join("sub/hidden.py"), "").unwrap();
    Command::new(f.venv.python())
        .args(["-m", "compileall", "-q"])
        .arg(&pkg)
        .status()
        .unwrap();
    fs::write(site.join("zz-persist.pth"), "import os; os.getpid()\n").unwrap();

    let (code, doc) = verify(&f, &[]);
    assert_eq!(code, 3, "{doc:#}");
    assert_eq!(
        fetter_view(&doc),
        python_view(&f),
        "fetter and Python disagree"
    );
    assert_eq!(problems(&doc, "modified"), [pkg.join("__init__.py")].into());
    assert_eq!(
        problems(&doc, "size-changed"),
        [pkg.join("extra.py")].into()
    );
    assert_eq!(
        problems(&doc, "missing"),
        [site.join("pip/__main__.py")].into()
    );
    // compileall wrote byte-code for evil.py and sub/hidden.py beside
    // their sources: what Python writes on import is not reported.
    assert_eq!(
        problems(&doc, "unlisted"),
        [pkg.join("evil.py"), pkg.join("sub/hidden.py")].into()
    );
    let startup: Vec<&str> = doc["unowned_startup"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["path"].as_str().unwrap())
        .collect();
    assert_eq!(startup, [site.join("zz-persist.pth").to_str().unwrap()]);

    // The table names every file; SARIF carries them as results.
    let table = run(fetter(&f.home)
        .args(["-q", "--exe"])
        .arg(f.venv.python())
        .arg("verify"));
    let text = String::from_utf8_lossy(&table.stdout);
    for needle in [
        "modified",
        "size changed",
        "missing",
        "unlisted",
        "evil.py",
        "zz-persist.pth",
        "2 modified",
    ] {
        assert!(text.contains(needle), "{needle} not in:\n{text}");
    }
    let s = run(fetter(&f.home)
        .args(["-q", "--exe"])
        .arg(f.venv.python())
        .args(["verify", "--format", "sarif"]));
    assert_eq!(s.status.code(), Some(3));
    let sarif_doc = json(&s.stdout);
    assert_valid(&sarif(), &sarif_doc, "fetter verify --format sarif");
    assert_eq!(sarif_doc["runs"][0]["results"].as_array().unwrap().len(), 6);
}

#[test]
fn what_cannot_be_verified_fails_closed() {
    let Some(f) = fixture() else { return };
    let site = f.venv.site();
    let dist_info = fs::read_dir(&site)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().contains("tiny_pkg-1.0.dist-info"))
        .unwrap();
    let record = fs::read(dist_info.join("RECORD")).unwrap();
    fs::remove_file(dist_info.join("RECORD")).unwrap();
    let (code, doc) = verify(&f, &[]);
    assert_eq!(
        code, 1,
        "no RECORD outside an OS site is not clean: {doc:#}"
    );
    let tiny = doc["distributions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["normalized_name"] == "tiny-pkg")
        .unwrap();
    assert_eq!(tiny["status"], "cannot-verify");
    assert_eq!(tiny["verified_against"], "nothing");
    let (code, _) = verify(&f, &["--allow-unverifiable"]);
    assert_eq!(code, 0);

    // A RECORD naming a hash the spec forbids is an error, not a pass.
    let text = String::from_utf8(record)
        .unwrap()
        .replacen("sha256=", "md5=", 1);
    fs::write(dist_info.join("RECORD"), text).unwrap();
    let (code, doc) = verify(&f, &[]);
    assert_eq!(code, 1, "{doc:#}");
    assert!(doc.to_string().contains("md5"), "{doc:#}");
}

#[test]
fn a_fifo_planted_for_a_module_is_reported_without_hanging() {
    let Some(f) = fixture() else { return };
    let module = f.venv.site().join("tiny_pkg/extra.py");
    fs::remove_file(&module).unwrap();
    let c = std::ffi::CString::new(module.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
    let (code, doc) = verify(&f, &["-p", "tiny-pkg"]);
    assert_eq!(code, 3, "{doc:#}");
    assert_eq!(problems(&doc, "not-regular"), [module].into());
}

/// On a Debian machine, the distributions of `/usr/lib/python3/dist-packages`
/// are verified against their dpkg packages' md5sums: what fetter finds
/// modified there is what `dpkg --verify` finds.
#[test]
fn debian_site_agrees_with_dpkg_verify() {
    let site = Path::new("/usr/lib/python3/dist-packages");
    if !Path::new("/var/lib/dpkg/status").is_file()
        || !site.is_dir()
        || !Path::new("/usr/bin/python3").is_file()
    {
        skip_for_machine("not a Debian system with a python3 package");
        return;
    }
    let s = scratch();
    let out = run(fetter(&s.path).args([
        "-q",
        "--exe",
        "/usr/bin/python3",
        "verify",
        "--format",
        "json",
    ]));
    let doc = json(&out.stdout);
    assert_valid(&ours("fetter.verify-1"), &doc, "fetter verify on Debian");
    let mut packages = BTreeSet::new();
    let mut ours_modified = BTreeSet::new();
    for d in doc["distributions"].as_array().unwrap() {
        if d["site"] != site.to_str().unwrap() {
            continue;
        }
        if d["verified_against"] != "dpkg-md5sums" {
            continue;
        }
        packages.insert(d["os_package"]["name"].as_str().unwrap().to_string());
        for p in d["problems"].as_array().unwrap() {
            ours_modified.insert(PathBuf::from(p["path"].as_str().unwrap()));
        }
    }
    assert!(
        !packages.is_empty(),
        "no distribution verified against dpkg: {doc:#}"
    );
    let dpkg = Command::new("dpkg")
        .arg("--verify")
        .args(&packages)
        .output()
        .unwrap();
    let theirs: BTreeSet<PathBuf> = String::from_utf8_lossy(&dpkg.stdout)
        .lines()
        .filter(|l| l.as_bytes().get(2) == Some(&b'5') || l.starts_with("missing"))
        .filter_map(|l| l.split_whitespace().last().map(PathBuf::from))
        .filter(|p| p.starts_with(site))
        .collect();
    assert_eq!(ours_modified, theirs, "fetter and dpkg --verify disagree");
}

/// The OS package of each distribution in Debian's site is the one
/// `dpkg -S` names for its metadata, in the inventory JSON and the
/// `scan --long` table.
#[test]
fn debian_owners_match_dpkg_search() {
    let site = Path::new("/usr/lib/python3/dist-packages");
    if !Path::new("/var/lib/dpkg/status").is_file()
        || !site.is_dir()
        || !Path::new("/usr/bin/python3").is_file()
    {
        skip_for_machine("not a Debian system with a python3 package");
        return;
    }
    let s = scratch();
    let out = run(fetter(&s.path).args([
        "-q",
        "--exe",
        "/usr/bin/python3",
        "scan",
        "--format",
        "json",
    ]));
    let doc = json(&out.stdout);
    assert_valid(&ours("fetter.inventory-1"), &doc, "scan with OS owners");
    let mut checked = 0;
    for d in doc["distributions"].as_array().unwrap() {
        if d["site"] != site.to_str().unwrap() {
            continue;
        }
        let meta = d["metadata_path"].as_str().unwrap();
        let dpkg = Command::new("dpkg").args(["-S", meta]).output().unwrap();
        let theirs = String::from_utf8_lossy(&dpkg.stdout)
            .split(':')
            .next()
            .map(|s| s.trim().to_string())
            .filter(|s| dpkg.status.success() && !s.is_empty());
        let ours = d["os_package"]["name"].as_str().map(str::to_string);
        assert_eq!(ours, theirs, "{meta}");
        checked += ours.is_some() as usize;
    }
    assert!(
        checked > 0,
        "no distribution of {} is owned by dpkg",
        site.display()
    );
    let table = run(fetter(&s.path).args(["-q", "--exe", "/usr/bin/python3", "scan", "--long"]));
    assert!(String::from_utf8_lossy(&table.stdout).contains("OS package"));
}
