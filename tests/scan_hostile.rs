//! A site full of broken and hostile entries: every one is a warning that
//! names it, the good distributions are still reported, and the scan ends
//! within a deadline (split from tests/scan.rs).

mod common;

use std::ffi::OsStr;
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

#[test]
fn broken_site_warns_and_completes() {
    let s = scratch();
    let home = s.path.join("home");
    let venv = s.path.join("tree/broken");
    fs::create_dir_all(&venv).unwrap();
    fs::write(
        venv.join("pyvenv.cfg"),
        "home = /nonexistent/bin\nversion = 3.11.9\n",
    )
    .unwrap();
    let site = venv.join("lib/python3.11/site-packages");
    write_dist(&site, "good-1.0.dist-info", "Name: good\nVersion: 1.0\n");
    fs::create_dir_all(site.join("nometa-2.0.dist-info")).unwrap();
    write_dist(&site, "empty-3.0.dist-info", "");
    write_dist_bytes(&site, "binary-1.0.dist-info", b"Name: binary\0\0\0\x01\x02");
    write_dist_bytes(
        &site,
        "latin-1.0.dist-info",
        b"Name: caf\xe9\nVersion: 1.0\n",
    );
    write_dist(
        &site,
        "badver-1.0.dist-info",
        "Name: badver\nVersion: not a version!\n",
    );
    write_dist(&site, "noversion.dist-info", "Name: noversion\n");
    write_dist(
        &site,
        "badurl-1.0.dist-info",
        "Name: badurl\nVersion: 1.0\n",
    );
    fs::write(
        site.join("badurl-1.0.dist-info/direct_url.json"),
        "{not json",
    )
    .unwrap();
    fs::create_dir_all(site.join("fifo-1.0.dist-info")).unwrap();
    mkfifo(&site.join("fifo-1.0.dist-info/METADATA"));
    fs::create_dir_all(site.join("zero-1.0.dist-info")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", site.join("zero-1.0.dist-info/METADATA")).unwrap();
    fs::create_dir_all(site.join("huge-1.0.dist-info")).unwrap();
    fs::write(
        site.join("huge-1.0.dist-info/METADATA"),
        vec![b'x'; 8 << 20],
    )
    .unwrap();
    std::os::unix::fs::symlink("loop-b.dist-info", site.join("loop-a.dist-info")).unwrap();
    std::os::unix::fs::symlink("loop-a.dist-info", site.join("loop-b.dist-info")).unwrap();
    std::os::unix::fs::symlink("/", site.join("rootlink")).unwrap();
    write_dist(&site, "Dup-1.0.dist-info", "Name: Dup\nVersion: 1.0\n");
    write_dist(&site, "dup-2.0.dist-info", "Name: dup\nVersion: 2.0\n");
    fs::write(site.join("evil.pth"), "import os; os.system('true')\n").unwrap();
    {
        use std::os::unix::ffi::OsStrExt;
        fs::create_dir_all(site.join(OsStr::from_bytes(b"caf\xe9-dir"))).unwrap();
    }

    let start = Instant::now();
    let child = fetter(&home)
        .args(["--root"])
        .arg(s.path.join("tree"))
        .args(["scan", "--format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = wait_with_deadline(child, Duration::from_secs(30));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(start.elapsed() < Duration::from_secs(30));
    let inv = json(&out.stdout);
    let warnings: Vec<(String, String)> = inv["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["path"].as_str().unwrap().to_string(),
                w["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let warned = |needle: &str, what: &str| {
        assert!(
            warnings
                .iter()
                .any(|(p, m)| p.contains(needle) && m.contains(what)),
            "no warning for {needle} containing {what:?}: {warnings:#?}"
        )
    };
    warned("nometa-2.0.dist-info/METADATA", "missing");
    warned("empty-3.0.dist-info/METADATA", "no Name header");
    warned("binary-1.0.dist-info/METADATA", "binary");
    warned("latin-1.0.dist-info/METADATA", "UTF-8");
    warned("badver-1.0.dist-info/METADATA", "not a valid PEP 440");
    warned("noversion.dist-info", "no version");
    warned(
        "badurl-1.0.dist-info/direct_url.json",
        "invalid direct_url.json",
    );
    warned("fifo-1.0.dist-info/METADATA", "FIFO");
    warned("zero-1.0.dist-info/METADATA", "device");
    warned("huge-1.0.dist-info/METADATA", "first");
    warned("loop-a.dist-info", "cannot read");
    warned("pyvenv.cfg", "base interpreter");

    let env = find_env(&inv, &venv.canonicalize().unwrap());
    assert_eq!(env["base_missing"], true);
    let got = visible_set(&inv, &venv.canonicalize().unwrap());
    for want in [
        ("good", "1.0"),
        ("nometa", "2.0"),
        ("empty", "3.0"),
        ("badver", "not a version!"),
        ("badurl", "1.0"),
    ] {
        assert!(
            got.contains(&(want.0.to_string(), want.1.to_string())),
            "{want:?} missing from {got:?}"
        );
    }
    let dists = inv["distributions"].as_array().unwrap();
    let latin = dists
        .iter()
        .find(|d| {
            d["metadata_path"]
                .as_str()
                .unwrap()
                .ends_with("latin-1.0.dist-info")
        })
        .unwrap();
    assert_eq!(latin["version"], "1.0");
    for absent in ["binary", "noversion", "fifo", "zero", "huge"] {
        assert!(
            !got.iter().any(|(n, _)| n == absent) || absent != "noversion",
            "{absent}"
        );
    }
    let findings = inv["findings"].as_array().unwrap();
    assert!(findings
        .iter()
        .any(|f| f["kind"] == "duplicate-distribution"
            && f["message"].as_str().unwrap().contains("2 times")));
    assert!(findings.iter().any(
        |f| f["kind"] == "executable-pth" && f["path"].as_str().unwrap().ends_with("evil.pth")
    ));
    // Nothing was written to the scanned tree.
    assert!(!site.join("__pycache__").exists());
}

/// An installation prefix carrying PEP 668's marker is reported as externally managed.

fn mkfifo(p: &Path) {
    let status = Command::new("mkfifo").arg(p).status().expect("mkfifo");
    assert!(status.success());
}

fn wait_with_deadline(child: std::process::Child, limit: Duration) -> std::process::Output {
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(child.wait_with_output()));
    match rx.recv_timeout(limit) {
        Ok(out) => out.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            panic!("fetter did not finish within {limit:?}");
        }
    }
}
