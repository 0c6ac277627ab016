//! End-to-end: the commands users of the public fetter expect (unpack,
//! inspect, lookups, the start-up hook), on a real venv shared by the
//! assertions and an OSV fixture directory.

use crate::common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use sha2::{Digest, Sha256};

/// Every file under `dir` with the SHA-256 of its bytes (symlinks by their target).
fn tree_hashes(dir: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            let t = e.file_type().unwrap();
            if t.is_dir() {
                out.insert(p.clone(), "dir".into());
                stack.push(p);
            } else if t.is_symlink() {
                out.insert(
                    p.clone(),
                    format!("link:{}", fs::read_link(&p).unwrap().display()),
                );
            } else {
                let h = Sha256::digest(fs::read(&p).unwrap());
                out.insert(p, h.iter().map(|b| format!("{b:02x}")).collect());
            }
        }
    }
    out
}

fn record_lines(dist_info: &Path) -> usize {
    fs::read_to_string(dist_info.join("RECORD"))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .count()
}

#[test]
fn unpack_inspect_and_site_hook_on_a_real_venv() {
    let Some(py) = python() else { return };
    let s = scratch();
    let home = s.path.join("home");
    fs::create_dir_all(&home).unwrap();
    let venv = Venv::create(&py, &s.path.join("venv"));
    let site = venv.site();
    let wheels = s.path.join("wheels");
    for (name, version) in [("PyYAML", "6.0"), ("keep-me", "1.0")] {
        let w = build_wheel(&py, &tiny_project(&s.path, name, version, None), &wheels);
        venv.pip(&["install", w.to_str().unwrap()]);
    }
    let prefix = venv.prefix.to_str().unwrap();

    // unpack-count: every distribution's count is its RECORD's line count,
    // the capitalised PyYAML-6.0.dist-info included.
    assert!(site.join("PyYAML-6.0.dist-info").is_dir());
    let out = json(
        &run_ok(fetter(&home).args(["--exe", prefix, "unpack-count", "--format", "json"]))
            .into_bytes(),
    );
    crate::common::schemas::assert_matches(
        "fetter.unpack-count-1",
        &out,
        "unpack-count --format json",
    );
    let dists = out["distributions"].as_array().unwrap();
    assert_eq!(dists.len(), venv.pip_list().len(), "{out}");
    for d in dists {
        let info = PathBuf::from(d["metadata_path"].as_str().unwrap());
        assert_eq!(
            d["count"].as_u64().unwrap() as usize,
            record_lines(&info),
            "{}",
            info.display()
        );
    }
    // unpack-files -p lists the files themselves, resolved, existing.
    let out = json(
        &run_ok(fetter(&home).args([
            "--exe",
            prefix,
            "unpack-files",
            "-p",
            "pyyaml",
            "--format",
            "json",
        ]))
        .into_bytes(),
    );
    let files = out["distributions"][0]["files"].as_array().unwrap();
    assert_eq!(
        files.len(),
        record_lines(&site.join("PyYAML-6.0.dist-info"))
    );
    assert!(
        files
            .iter()
            .any(|f| f["path"].as_str() == Some(site.join("pyyaml/__init__.py").to_str().unwrap())),
        "{out}"
    );
    let csv = run_ok(fetter(&home).args(["--exe", prefix, "unpack-count", "--format", "csv"]));
    assert!(csv.lines().any(|l| l.starts_with("PyYAML,6.0,")), "{csv}");

    // inspect: a dropped-in .pth with an import line is flagged unowned; one
    // listed in a distribution's RECORD is attributed to it.
    fs::write(
        site.join("zz_dropped.pth"),
        "import os; os.environ.setdefault('X', '1')\n",
    )
    .unwrap();
    fs::write(site.join("keep_me_hook.pth"), "import keep_me\n").unwrap();
    let info = site.join("keep_me-1.0.dist-info");
    let mut record = fs::read_to_string(info.join("RECORD")).unwrap();
    record.push_str("keep_me_hook.pth,,\n");
    fs::write(info.join("RECORD"), record).unwrap();
    let out = run(fetter(&home).args([
        "--exe",
        prefix,
        "inspect",
        "--format",
        "json",
        "--fail-unowned",
    ]));
    assert_eq!(out.status.code(), Some(3));
    let report = json(&out.stdout);
    let hooks = report["environments"][0]["startup_files"]
        .as_array()
        .unwrap();
    let by_name = |n: &str| {
        hooks
            .iter()
            .find(|h| h["path"].as_str().unwrap().ends_with(n))
            .unwrap_or_else(|| panic!("{n} not in {report}"))
    };
    let dropped = by_name("zz_dropped.pth");
    assert_eq!(dropped["flagged"], true);
    assert_eq!(dropped["owner"]["kind"], "none");
    assert_eq!(
        dropped["import_lines"][0],
        "import os; os.environ.setdefault('X', '1')"
    );
    let owned = by_name("keep_me_hook.pth");
    assert_eq!(owned["flagged"], false);
    assert_eq!(owned["owner"]["name"], "keep-me");
    let table = run_ok(fetter(&home).args(["--exe", prefix, "inspect"]));
    assert!(table.contains("UNOWNED (persistence vector)"), "{table}");
    fs::remove_file(site.join("zz_dropped.pth")).unwrap();
    fs::remove_file(site.join("keep_me_hook.pth")).unwrap();

    // site-install: quiet while the bound holds; the violation on stderr once
    // an unrequired package is added; site-uninstall restores every byte.
    let bound = s.path.join("allowed.txt");
    fs::write(&bound, "pyyaml==6.0\nkeep-me\nsetuptools\n").unwrap();
    let before = tree_hashes(&venv.prefix);
    run_ok(fetter(&home).args([
        "--exe",
        prefix,
        "site-install",
        "--bound",
        bound.to_str().unwrap(),
    ]));
    // inspect attributes the hook's .pth to fetter, not flagged.
    let report = json(
        &run_ok(fetter(&home).args(["--exe", prefix, "inspect", "--format", "json"])).into_bytes(),
    );
    crate::common::schemas::assert_matches("fetter.inspect-1", &report, "inspect --format json");
    let hook = report["environments"][0]["startup_files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| {
            h["path"]
                .as_str()
                .unwrap()
                .ends_with("_fetter_site_hook.pth")
        })
        .unwrap_or_else(|| panic!("{report}"))
        .clone();
    assert_eq!(hook["owner"]["kind"], "fetter-site-hook", "{hook}");
    assert_eq!(hook["flagged"], false);
    let py_env = |c: &mut Command| {
        c.env("HOME", &home)
            .env("XDG_CACHE_HOME", home.join(".cache"))
            .env_remove("FETTER_CACHE_DIR")
            // Let Python write the hook's bytecode, as it does by default:
            // site-uninstall must remove that too.
            .env_remove("PYTHONDONTWRITEBYTECODE");
    };
    let start = |code: &str| {
        let mut c = Command::new(venv.python());
        c.args(["-c", code]);
        py_env(&mut c);
        run(&mut c)
    };
    let o = start("import sys");
    assert!(
        o.status.success() && o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let pyc_written = fs::read_dir(site.join("__pycache__"))
        .map(|rd| {
            rd.flatten().any(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with("_fetter_site_hook.")
            })
        })
        .unwrap_or(false);
    assert!(pyc_written, "Python compiled no bytecode for the hook");
    let verdicts = home.join(".cache/fetter/site-hook");
    let verdict_file = || {
        fs::read_dir(&verdicts)
            .unwrap()
            .flatten()
            .next()
            .unwrap()
            .path()
    };
    assert_eq!(
        fs::read_to_string(verdict_file()).unwrap().lines().nth(1),
        Some("0")
    );
    let w = build_wheel(&py, &tiny_project(&s.path, "drop-me", "2.0", None), &wheels);
    venv.pip(&["install", w.to_str().unwrap()]);
    for _ in 0..2 {
        // The second start answers from the cached verdict, and says the same.
        let o = start("import sys");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success(), "{err}");
        assert!(
            err.contains("violates its bound")
                && err.contains("drop-me")
                && err.contains("unrequired"),
            "{err}"
        );
    }
    // Nothing changed: the start answers from the cache without running
    // fetter (a planted verdict text is what it prints).
    let cached = fs::read_to_string(verdict_file()).unwrap();
    let mut parts = cached.splitn(3, '\n');
    let (stamp, code) = (parts.next().unwrap(), parts.next().unwrap());
    assert_eq!(code, "3");
    fs::write(verdict_file(), format!("{stamp}\n3\nPLANTED VERDICT\n")).unwrap();
    let err = String::from_utf8_lossy(&start("import sys").stderr).into_owned();
    assert!(err.contains("PLANTED VERDICT"), "{err}");
    venv.pip(&["uninstall", "-y", "drop-me"]);
    let o = start("import sys");
    assert!(
        o.status.success() && o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    run_ok(fetter(&home).args(["--exe", prefix, "site-uninstall"]));
    let after = tree_hashes(&venv.prefix);
    assert_eq!(before, after, "the venv differs after site-uninstall");

    // A fetter path that does not exist is refused at install time.
    let install_with = |fetter_path: &str| {
        run(fetter(&home).args([
            "--exe",
            prefix,
            "site-install",
            "--strict",
            "--fetter",
            fetter_path,
            "--bound",
            bound.to_str().unwrap(),
        ]))
    };
    let refused = install_with("/nonexistent/fetter");
    assert_eq!(refused.status.code(), Some(1));
    assert_eq!(before, tree_hashes(&venv.prefix));
    // Strict, with a fetter that disappears after install: fails open, says so.
    let doomed = s.path.join("doomed-fetter");
    fs::copy(fetter_bin(), &doomed).unwrap();
    let out = install_with(doomed.to_str().unwrap());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    fs::remove_file(&doomed).unwrap();
    let o = start("print('alive')");
    assert!(o.status.success());
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "alive");
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("could not check"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    run_ok(fetter(&home).args(["--exe", prefix, "site-uninstall"]));
    assert_eq!(before, tree_hashes(&venv.prefix));

    // Strict with the real binary: a violation exits the interpreter with 3.
    run_ok(fetter(&home).args([
        "--exe",
        prefix,
        "site-install",
        "--strict",
        "--bound",
        bound.to_str().unwrap(),
    ]));
    venv.pip(&["install", w.to_str().unwrap()]);
    let o = start("print('alive')");
    assert_eq!(
        o.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(o.stdout.is_empty());
    let o = run(Command::new(venv.python())
        .args(["-c", "pass"])
        .env("FETTER_SITE_HOOK", "off")
        .env("HOME", &home));
    assert!(o.status.success());
    run_ok(fetter(&home).args(["--exe", prefix, "site-uninstall"]));
    venv.pip(&["uninstall", "-y", "drop-me"]);
    assert_eq!(before, tree_hashes(&venv.prefix));

    // A hook file changed since install is kept unless --force; installing
    // twice is refused; nothing installed is an error.
    run_ok(fetter(&home).args([
        "--exe",
        prefix,
        "site-install",
        "--bound",
        bound.to_str().unwrap(),
    ]));
    let again = run(fetter(&home).args([
        "--exe",
        prefix,
        "site-install",
        "--bound",
        bound.to_str().unwrap(),
    ]));
    assert_eq!(again.status.code(), Some(1));
    let module = site.join("_fetter_site_hook.py");
    let mut text = fs::read_to_string(&module).unwrap();
    text.push_str("# edited\n");
    fs::write(&module, text).unwrap();
    let out = run(fetter(&home).args(["--exe", prefix, "site-uninstall"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("changed since site-install"));
    assert!(module.exists());
    run_ok(fetter(&home).args(["--exe", prefix, "site-uninstall", "--force"]));
    assert_eq!(before, tree_hashes(&venv.prefix));
    let out = run(fetter(&home).args(["--exe", prefix, "site-uninstall"]));
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn site_install_refuses_an_externally_managed_environment() {
    let Some(py) = python() else { return };
    let s = scratch();
    let home = s.path.join("home");
    fs::create_dir_all(&home).unwrap();
    // The PEP 668 marker in the environment's lib/pythonX.Y (as purge's test does).
    let venv = Venv::create_with(&py, &s.path.join("sys"), &["--without-pip"]);
    let lib = venv.site().parent().unwrap().to_path_buf();
    fs::write(lib.join("EXTERNALLY-MANAGED"), "[externally-managed]\n").unwrap();
    let bound = s.path.join("b.txt");
    fs::write(&bound, "").unwrap();
    let before = tree_hashes(&venv.prefix);
    let out = run(fetter(&home).args([
        "--exe",
        venv.prefix.to_str().unwrap(),
        "site-install",
        "--bound",
        bound.to_str().unwrap(),
    ]));
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("externally managed"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(before, tree_hashes(&venv.prefix));
}

#[test]
fn lookups_against_an_osv_fixture() {
    let s = scratch();
    let home = s.path.join("home");
    fs::create_dir_all(&home).unwrap();
    let osv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/osv");
    let osv = osv.to_str().unwrap();

    let out = run(fetter(&home).args([
        "lookup-name",
        "TINY_vuln",
        "--osv-db",
        osv,
        "--format",
        "json",
    ]));
    assert_eq!(out.status.code(), Some(3));
    let v = json(&out.stdout);
    crate::common::schemas::assert_matches("fetter.lookup-name-1", &v, "lookup-name --format json");
    let ids: Vec<&str> = v["lookup"]["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["GHSA-test-0001", "GHSA-test-0003", "PYSEC-test-0002"]);
    assert_eq!(v["lookup"]["records"][0]["fixed"][0], "1.5");
    assert_eq!(v["lookup"]["records"][1]["withdrawn"], true);
    let out = run(fetter(&home).args(["lookup-name", "unknown-pkg", "--osv-db", osv]));
    assert_eq!(out.status.code(), Some(0));

    // Each requirement: which records' affected versions its specifier admits.
    let bound = s.path.join("req.txt");
    fs::write(
        &bound,
        "tiny-vuln>=1.5,<2.0\nTiny.Vuln~=2.1\nother==1.0\ntiny_vuln>1.4\n",
    )
    .unwrap();
    let out = run(fetter(&home).args([
        "lookup-bound",
        bound.to_str().unwrap(),
        "--osv-db",
        osv,
        "--format",
        "json",
    ]));
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out.stdout);
    crate::common::schemas::assert_matches(
        "fetter.lookup-bound-1",
        &v,
        "lookup-bound --format json",
    );
    let reqs = v["requirements"].as_array().unwrap();
    let ids = |i: usize| -> Vec<String> {
        reqs[i]["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(ids(0).is_empty(), "{v}");
    assert_eq!(ids(1), ["PYSEC-test-0002"]);
    assert!(ids(2).is_empty());
    // >1.4 admits 1.4.x releases below the 1.5 fix, and 2.0-2.3.
    assert_eq!(ids(3), ["GHSA-test-0001", "PYSEC-test-0002"]);
    fs::write(&bound, "tiny-vuln>=2.3.1\n").unwrap();
    let out = run(fetter(&home).args(["lookup-bound", bound.to_str().unwrap(), "--osv-db", osv]));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // No database: exit 1 with the hint.
    let out = run(fetter(&home).args(["lookup-name", "x"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("audit db update"));
    let out = run(fetter(&home).args(["lookup-bound", bound.to_str().unwrap()]));
    assert_eq!(out.status.code(), Some(1));
    let out = run(fetter(&home).args(["lookup-bound", "/nonexistent/req.txt", "--osv-db", osv]));
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/req.txt"));
}
