//! A site full of broken and hostile entries: every one is a warning that
//! names it, the good distributions are still reported, and the scan ends
//! within a deadline (split from tests/scan.rs).

use crate::common;

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

/// Control characters (and the bidirectional ones) that must never reach a
/// terminal raw: everything in `text` that is one, other than line ends.
fn raw_controls(text: &[u8]) -> Vec<char> {
    String::from_utf8_lossy(text)
        .chars()
        .filter(|&c| {
            (c.is_control() && c != '\n')
                || matches!(c as u32, 0x061c | 0x200e | 0x200f | 0x202a..=0x202e | 0x2066..=0x2069)
        })
        .collect()
}

/// The scratch directory (kept alive), home, venv prefix and site.
type HostileVenv = (
    Scratch,
    std::path::PathBuf,
    std::path::PathBuf,
    std::path::PathBuf,
);

/// A venv (real, without pip) holding a distribution whose Name, Version,
/// RECORD path and `.pth` file carry terminal escapes. Returns (scratch,
/// home, venv prefix, site).
fn hostile_venv() -> Option<HostileVenv> {
    let py = python()?;
    let s = scratch();
    let home = s.path.join("home");
    fs::create_dir_all(&home).unwrap();
    let venv = Venv::create_with(&py, &s.path.join("venv"), &["--without-pip"]);
    let site = venv.site();
    write_dist(
        &site,
        "evil-1.0.dist-info",
        "Metadata-Version: 2.1\nName: ev\x1b[2Jil\u{202e}\nVersion: 1.0\x1b[31m\n",
    );
    // A RECORD path that would erase its own line and show `innocent.py`.
    fs::write(
        site.join("evil-1.0.dist-info/RECORD"),
        "\"innocent.py\x1b[2K\r\",,\nevil-1.0.dist-info/METADATA,,\n",
    )
    .unwrap();
    fs::write(site.join("innocent.py\x1b[2K\r"), "").unwrap();
    fs::write(
        site.join("evil\x1b[2J.pth"),
        "import os\x1b[31m; print('x')\n",
    )
    .unwrap();
    write_dist(&site, "good-1.0.dist-info", "Name: good\nVersion: 1.0\n");
    let prefix = venv.prefix.clone();
    Some((s, home, prefix, site))
}

/// Issue 14 item 3: nothing a package wrote reaches the terminal raw, in
/// the table and CSV output of every command that shows it; JSON keeps the
/// exact value.
#[test]
fn hostile_names_versions_and_paths_are_escaped_everywhere() {
    let Some((s, home, venv, _site)) = hostile_venv() else {
        return;
    };
    let keep = s.path.join("keep.txt");
    fs::write(&keep, "good==1.0\n").unwrap();
    let keep = keep.to_str().unwrap();
    let runs: Vec<Vec<&str>> = vec![
        vec!["scan"],
        vec!["scan", "--format", "csv"],
        vec!["search", "ev*"],
        vec!["search", "ev*", "--format", "csv"],
        vec!["unpack-files"],
        vec!["unpack-files", "--format", "csv"],
        vec!["unpack-count"],
        vec!["unpack-count", "--format", "csv"],
        vec!["inspect"],
        vec!["validate", "--bound", keep],
        vec!["purge", "--bound", keep, "--dry-run"],
    ];
    let mut shown = String::new();
    for args in &runs {
        let out = run(fetter(&home).arg("--exe").arg(&venv).args(args));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        for (what, text) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
            let raw = raw_controls(text);
            assert!(
                raw.is_empty(),
                "{args:?} wrote {raw:?} raw to {what}:\n{}",
                String::from_utf8_lossy(text)
            );
        }
        shown.push_str(&String::from_utf8_lossy(&out.stdout));
    }
    // Shown, visibly: the name, the version, the RECORD path, the .pth file.
    for visible in [
        "ev\\x1b[2Jil\\u202e",
        "1.0\\x1b[31m",
        "innocent.py\\x1b[2K\\x0d",
        "evil\\x1b[2J.pth",
        "import os\\x1b[31m",
    ] {
        assert!(shown.contains(visible), "{visible} not shown in:\n{shown}");
    }
    // JSON carries the exact value.
    let inv = scan_json(&home, &[OsStr::new("--exe"), venv.as_os_str()]);
    let evil = inv["distributions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| {
            d["metadata_path"]
                .as_str()
                .unwrap()
                .ends_with("evil-1.0.dist-info")
        })
        .expect("evil listed");
    assert_eq!(evil["name"], "ev\x1b[2Jil\u{202e}");
    assert_eq!(evil["version"], "1.0\x1b[31m");
}

/// Issue 14 item 4: a 200,000-character version does not pad every row of
/// the table, nor make a 200,000-character warning; JSON keeps it whole.
#[test]
fn a_huge_version_does_not_pad_every_row() {
    let Some(py) = python() else { return };
    let s = scratch();
    let home = s.path.join("home");
    fs::create_dir_all(&home).unwrap();
    let venv = Venv::create_with(&py, &s.path.join("venv"), &["--without-pip"]);
    let site = venv.site();
    let huge = format!("1.{}", "1".repeat(200_000));
    write_dist(
        &site,
        "huge-1.0.dist-info",
        &format!("Name: huge\nVersion: {huge}x\n"),
    );
    for i in 0..40 {
        write_dist(
            &site,
            &format!("p{i}-1.0.dist-info"),
            &format!("Name: p{i}\nVersion: 1.0\n"),
        );
    }
    let bound = s.path.join("bound.txt");
    fs::write(&bound, "p0\n").unwrap();
    let bound = bound.to_str().unwrap();
    for args in [
        &["scan"][..],
        &["unpack-count"],
        &["validate", "--bound", bound],
    ] {
        let out = run(fetter(&home).arg("--exe").arg(&venv.prefix).args(args));
        assert!(
            out.stdout.len() < 30_000,
            "{args:?}: {} bytes of stdout",
            out.stdout.len()
        );
        assert!(
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .all(|l| l.chars().count() < 1000),
            "{args:?}: a warning over 1000 characters"
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.lines().all(|l| l.chars().count() < 1300),
            "{args:?}: a line over 1300 characters"
        );
    }
    let out = run(fetter(&home).arg("--exe").arg(&venv.prefix).arg("scan"));
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(
        stdout.contains("huge  ") && stdout.contains('…'),
        "{stdout}"
    );
    assert!(
        stderr.contains("huge-1.0.dist-info/METADATA: version \"1.111") && stderr.contains('…'),
        "{stderr}"
    );
    let inv = scan_json(&home, &[OsStr::new("--exe"), venv.prefix.as_os_str()]);
    let d = inv["distributions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "huge")
        .unwrap();
    assert_eq!(d["version"].as_str().unwrap(), format!("{huge}x"));
}

/// Issue 14 item 11: a `~`-named metadata directory (pip's temporary copy,
/// left by an interrupted install) is never a distribution: it is a finding
/// naming the directory, and a warning on stderr.
#[test]
fn interrupted_pip_leftovers_are_findings_not_distributions() {
    let Some(py) = python() else { return };
    let s = scratch();
    let home = s.path.join("home");
    fs::create_dir_all(&home).unwrap();
    let venv = Venv::create_with(&py, &s.path.join("venv"), &["--without-pip"]);
    let site = venv.site();
    write_dist(
        &site,
        "~atplotlib-3.8.0.dist-info",
        "Metadata-Version: 2.1\nName: matplotlib\nVersion: 3.8.0\n",
    );
    write_dist(&site, "~ldpkg-0.1.egg-info", "Name: oldpkg\nVersion: 0.1\n");
    write_dist(
        &site,
        "matplotlib-3.9.0.dist-info",
        "Name: matplotlib\nVersion: 3.9.0\n",
    );
    let args = [OsStr::new("--exe"), venv.prefix.as_os_str()];
    let inv = scan_json(&home, &args);
    let dists: Vec<(String, String)> = inv["distributions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["name"].as_str().unwrap().to_string(),
                d["version"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        dists,
        vec![("matplotlib".to_string(), "3.9.0".to_string())],
        "only the real install is a distribution"
    );
    for dir in ["~atplotlib-3.8.0.dist-info", "~ldpkg-0.1.egg-info"] {
        assert!(
            inv["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["kind"] == "interrupted-install"
                    && f["path"].as_str().unwrap().ends_with(dir)
                    && f["message"].as_str().unwrap().contains(dir)),
            "no finding for {dir}: {:#}",
            inv["findings"]
        );
    }
    // No duplicate-distribution finding from the leftover's METADATA.
    assert!(!inv["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["kind"] == "duplicate-distribution"));
    let out = run(fetter(&home).args(args).arg("scan"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("~atplotlib-3.8.0.dist-info") && stderr.contains("interrupted"),
        "{stderr}"
    );
}
