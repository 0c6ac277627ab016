//! `fetter report` (issue 18): real scans, validations and audits of real
//! venvs, one per "host", merged into a fleet report; checked against the
//! schema, against what each venv's Python reports, and in Chromium.
//!
//! The fleet, in two rounds (the first is the `--previous` report):
//!
//! | host | round 1 | round 2 | reports |
//! |---|---|---|---|
//! | web1 | alpha 1.0, beta 2.0 | same | scan, validate, audit |
//! | web2 | alpha 1.2, beta 2.0 | + gamma 0.1 | scan, validate, audit |
//! | web3 | alpha 1.0, beta 2.0 | alpha 1.2 | scan, validate, audit |
//! | db1 | alpha 1.0 | same | scan only (`db1.json`) |
//! | old1 | alpha 1.0 | gone | scan only (round 1) |
//!
//! The bound is `alpha>=1.0`, `beta==2.0`; the OSV database knows
//! `alpha < 1.1` as vulnerable.

mod browser;
mod inputs;
mod page;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use jsonschema::Validator;
use serde_json::Value;

use crate::common::*;

/// The venvs and both rounds of reports, built once per test binary.
pub struct Fleet {
    _s: Scratch,
    pub home: PathBuf,
    pub dir: PathBuf,
    /// Round 1's reports.
    pub old: PathBuf,
    /// Round 2's reports.
    pub new: PathBuf,
    /// Each host's venv.
    pub venvs: Vec<(&'static str, Venv)>,
}

pub fn fleet() -> Option<&'static Fleet> {
    static FLEET: OnceLock<Option<Fleet>> = OnceLock::new();
    FLEET.get_or_init(build).as_ref()
}

fn build() -> Option<Fleet> {
    let py = python()?;
    let s = scratch();
    let dir = s.path.clone();
    let home = dir.join("home");
    fs::create_dir_all(&home).unwrap();
    let wheel = |name: &str, version: &str| {
        let src = dir.join(format!("src-{name}-{version}"));
        fs::create_dir_all(&src).unwrap();
        build_wheel(
            &py,
            &tiny_project(&src, name, version, None),
            &dir.join("wheels"),
        )
    };
    let (a10, a12, b20, g01) = (
        wheel("alpha", "1.0"),
        wheel("alpha", "1.2"),
        wheel("beta", "2.0"),
        wheel("gamma", "0.1"),
    );
    // Hosts' venvs without pip (fast to make); the test's own pip installs
    // real wheels into them through `pip --python`.
    let install = |venv: &Venv, wheels: &[&PathBuf]| {
        let mut c = Command::new(&py);
        c.args(["-m", "pip", "--disable-pip-version-check", "-q", "--python"])
            .arg(venv.python())
            .args(["install", "--no-index", "--no-deps"])
            .args(wheels);
        run_ok(&mut c);
    };
    let mut venvs = Vec::new();
    for (host, wheels) in [
        ("web1", vec![&a10, &b20]),
        ("web2", vec![&a12, &b20]),
        ("web3", vec![&a10, &b20]),
        ("db1", vec![&a10]),
        ("old1", vec![&a10]),
    ] {
        let venv = Venv::create_with(&py, &dir.join("hosts").join(host), &["--without-pip"]);
        install(&venv, &wheels);
        venvs.push((host, venv));
    }
    fs::write(dir.join("requirements.txt"), "alpha>=1.0\nbeta==2.0\n").unwrap();
    osv_alpha(&dir);
    let f = Fleet {
        old: dir.join("round1"),
        new: dir.join("round2"),
        home,
        dir,
        venvs,
        _s: s,
    };
    f.reports(&f.old, &["web1", "web2", "web3", "db1", "old1"]);
    let venv = |h: &str| &f.venvs.iter().find(|(n, _)| *n == h).unwrap().1;
    install(venv("web2"), &[&g01]);
    install(venv("web3"), &[&a12]);
    f.reports(&f.new, &["web1", "web2", "web3", "db1"]);
    Some(f)
}

impl Fleet {
    /// Each host's reports under `out`: `HOST/{scan,validate,audit}.json`
    /// for the web hosts, `HOST.json` (a scan) for the others.
    fn reports(&self, out: &Path, hosts: &[&str]) {
        for host in hosts {
            let venv = &self.venvs.iter().find(|(n, _)| n == host).unwrap().1;
            let web = host.starts_with("web");
            let hdir = out.join(host);
            fs::create_dir_all(if web { &hdir } else { out }).unwrap();
            let scan = if web {
                hdir.join("scan.json")
            } else {
                out.join(format!("{host}.json"))
            };
            self.fetter_ok(venv, &["scan", "--format", "json", "-o"], &scan, &[0]);
            if web {
                let bound = self.dir.join("requirements.txt");
                let args = [
                    "validate",
                    "--bound",
                    bound.to_str().unwrap(),
                    "--format",
                    "json",
                    "-o",
                ];
                self.fetter_ok(venv, &args, &hdir.join("validate.json"), &[0, 3]);
                let osv = self.dir.join("osv");
                let args = [
                    "audit",
                    "--osv-db",
                    osv.to_str().unwrap(),
                    "--format",
                    "json",
                    "-o",
                ];
                self.fetter_ok(venv, &args, &hdir.join("audit.json"), &[0, 3]);
            }
        }
    }

    fn fetter_ok(&self, venv: &Venv, args: &[&str], out: &Path, codes: &[i32]) {
        let o = run(fetter(&self.home)
            .arg("--exe")
            .arg(&venv.prefix)
            .args(args)
            .arg(out));
        let code = o.status.code().unwrap_or(-1);
        assert!(
            codes.contains(&code),
            "{args:?} exited {code}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }

    /// `fetter report ARGS`: (exit code, stdout, stderr).
    pub fn report(&self, args: &[&std::ffi::OsStr]) -> (i32, String, String) {
        report_cmd(&self.home, args)
    }
}

/// `fetter report ARGS` with `home` as HOME.
pub fn report_cmd(home: &Path, args: &[&std::ffi::OsStr]) -> (i32, String, String) {
    let o = run(fetter(home).arg("report").args(args));
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// The `fetter.fleet/1` schema (with the diagnostics schema it refers to).
pub fn schema() -> Validator {
    crate::common::schemas::schema("fetter.fleet-1")
}

#[track_caller]
pub fn assert_schema(doc: &Value) {
    let errors: Vec<String> = schema()
        .iter_errors(doc)
        .take(5)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "not a valid fetter.fleet/1 document:\n{}",
        errors.join("\n")
    );
}

fn host<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["name"] == name)
        .unwrap_or_else(|| panic!("no host {name}"))
}

/// (host, code, package, version) of every finding.
fn findings(doc: &Value, key: &str) -> Vec<(String, String, String, String)> {
    doc[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap_or("").to_string();
            (s("host"), s("code"), s("package"), s("version"))
        })
        .collect()
}

#[test]
fn merged_fleet_counts_hosts_packages_and_findings() {
    let Some(f) = fleet() else { return };
    let (code, out, err) = f.report(&[f.new.as_os_str()]);
    assert_eq!(code, 0, "{err}");
    let doc = json(out.as_bytes());
    assert_schema(&doc);
    let s = &doc["summary"];
    assert_eq!(s["hosts"], 4);
    assert_eq!(
        s["hosts_by_status"],
        serde_json::json!({"fail": 2, "pass": 1, "not-checked": 1})
    );
    assert_eq!(s["packages"], 3);
    assert_eq!(s["installs"], 2 + 3 + 2 + 1);
    for (name, status) in [
        ("web1", "fail"),
        ("web2", "fail"),
        ("web3", "pass"),
        ("db1", "not-checked"),
    ] {
        assert_eq!(host(&doc, name)["status"], status, "{name}");
    }
    assert_eq!(host(&doc, "web1")["reports"].as_array().unwrap().len(), 3);
    // Which hosts have alpha, in which versions.
    let alpha = doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "alpha")
        .unwrap();
    assert_eq!(
        alpha["versions"],
        serde_json::json!([{"version": "1.0", "hosts": ["db1", "web1"]}, {"version": "1.2", "hosts": ["web2", "web3"]}])
    );
    assert_eq!(alpha["hosts"], 4);
    // Each host's packages are what its Python sees.
    for (name, venv) in f.venvs.iter().filter(|(n, _)| *n != "old1") {
        let mut fleet_view = std::collections::BTreeSet::new();
        for p in doc["packages"].as_array().unwrap() {
            for v in p["versions"].as_array().unwrap() {
                if v["hosts"].as_array().unwrap().iter().any(|h| h == name) {
                    fleet_view.insert((
                        p["name"].as_str().unwrap().to_string(),
                        v["version"].as_str().unwrap().to_string(),
                    ));
                }
            }
        }
        assert_eq!(fleet_view, importlib_set(&venv.python(), &f.home), "{name}");
    }
    // Which hosts fail which policy.
    let all = findings(&doc, "findings");
    let s = |x: &str| x.to_string();
    assert!(
        all.contains(&(s("web1"), s("audit/vulnerability"), s("alpha"), s("1.0"))),
        "{all:?}"
    );
    assert!(
        all.contains(&(s("web2"), s("bounds/unrequired"), s("gamma"), s("0.1"))),
        "{all:?}"
    );
    assert!(
        all.iter()
            .all(|f| f.0 != "web3" && f.0 != "db1" || f.1.starts_with("inventory/")),
        "{all:?}"
    );
    assert_eq!(doc["summary"]["findings"], all.len());
    assert!(doc.get("changes").is_none());
}

#[test]
fn previous_report_gives_what_changed() {
    let Some(f) = fleet() else { return };
    let old = f.dir.join("old-fleet.json");
    let (code, _, err) = f.report(&[f.old.as_os_str(), "-o".as_ref(), old.as_os_str()]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = f.report(&[f.new.as_os_str(), "--previous".as_ref(), old.as_os_str()]);
    assert_eq!(code, 0, "{err}");
    let doc = json(out.as_bytes());
    assert_schema(&doc);
    let ch = &doc["changes"];
    assert_eq!(ch["hosts_added"], serde_json::json!([]));
    assert_eq!(ch["hosts_removed"], serde_json::json!(["old1"]));
    assert_eq!(
        ch["statuses"],
        serde_json::json!([
            {"host": "web2", "before": "pass", "after": "fail"},
            {"host": "web3", "before": "fail", "after": "pass"}
        ])
    );
    assert_eq!(
        ch["packages"],
        serde_json::json!([
            {"host": "web2", "package": "gamma", "before": [], "after": ["0.1"]},
            {"host": "web3", "package": "alpha", "before": ["1.0"], "after": ["1.2"]}
        ])
    );
    let s = |x: &str| x.to_string();
    assert_eq!(
        findings(ch, "findings_new"),
        vec![(s("web2"), s("bounds/unrequired"), s("gamma"), s("0.1"))]
    );
    assert_eq!(
        findings(ch, "findings_resolved"),
        vec![(s("web3"), s("audit/vulnerability"), s("alpha"), s("1.0"))]
    );
    // A host report is not a fleet report.
    let scan = f.new.join("db1.json");
    let (code, _, err) = f.report(&[f.new.as_os_str(), "--previous".as_ref(), scan.as_os_str()]);
    assert_eq!(code, 1);
    assert!(
        err.contains("db1.json") && err.contains("not a fetter.fleet/1 report"),
        "{err}"
    );
}
