//! `fetter validate --audit`: bounds, policy plugins and known
//! vulnerabilities in one report, one SARIF run and one exit code, on the
//! real venv and OSV fixtures of `setup()`; purge selecting by all three
//! through one rule; and the library example, which must say what the
//! command says.

use std::fs;
use std::path::{Path, PathBuf};

use super::common::snap;
use super::common::*;
use super::{setup, Setup};
use serde_json::Value;

/// The library alone, as `engine/examples/pipeline.rs` drives it.
#[path = "../../engine/examples/pipeline.rs"]
mod example;

/// A bound that lists everything but `evil-pkg` and pins `vuln-d` to a
/// version other than the installed 5.0.
fn bound(s: &Setup) -> PathBuf {
    let path = s.root.join("requirements.txt");
    fs::write(
        &path,
        "vuln-a==1.5\nvuln-b==2.0\nvuln-c==3.0\nvuln-d==4.0\nvuln-e==1.0\n",
    )
    .unwrap();
    path
}

/// A policy manifest whose allow list leaves out `vuln-b`.
fn policy(s: &Setup) -> PathBuf {
    let path = s.root.join("policy.toml");
    fs::write(
        &path,
        "name = \"t\"\nversion = \"1.0.0\"\n\n[[plugin]]\nname = \"allow-list\"\n\n\
         [plugin.settings]\nallow = [\"vuln-a\", \"vuln-c\", \"vuln-d\", \"vuln-e\", \"evil-pkg\"]\n",
    )
    .unwrap();
    path
}

/// `fetter validate` over the setup's tree. What `python -m venv` installs
/// besides pip depends on the Python (setuptools before 3.12): not checked.
fn validate(s: &Setup, args: &[&str]) -> std::process::Output {
    run(fetter(&s.home)
        .arg("--root")
        .arg(&s.root)
        .args(["validate", "--ignore", "pip", "--ignore", "setuptools"])
        .args(args))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Every (code, package) of a validate report.
fn findings(report: &Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = report["environments"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|e| e["diagnostics"].as_array().unwrap())
        .map(|d| {
            let who = d["distribution"]["name"].as_str().unwrap_or("-");
            (d["code"].as_str().unwrap().into(), who.into())
        })
        .collect();
    out.sort();
    out
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

fn validator() -> jsonschema::Validator {
    crate::common::schemas::schema("fetter.validate-1")
}

#[track_caller]
fn assert_schema_valid(doc: &Value) {
    let v = validator();
    let errors: Vec<String> = v.iter_errors(doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}\n{doc:#}");
}

#[test]
fn validate_audit_gates_all_three_checks_as_the_library_does() {
    let Some(s) = setup() else { return };
    let (req, pol) = (bound(&s), policy(&s));
    let db = s.db_dir.to_str().unwrap();
    let args = |format: &str| {
        vec![
            "--bound".to_string(),
            req.display().to_string(),
            "--policy".into(),
            pol.display().to_string(),
            "--audit".into(),
            "--osv-db".into(),
            db.into(),
            "--format".into(),
            format.into(),
        ]
    };
    let run_format = |format: &str| {
        let a = args(format);
        validate(&s, &a.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let out = run_format("json");
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let report = json(&out.stdout);
    assert_schema_valid(&report);
    assert_eq!(
        findings(&report),
        pairs(&[
            ("allow-list/not-allowed", "vuln-b"),
            ("audit/malicious", "evil-pkg"),
            ("audit/vulnerability", "Vuln.A"),
            ("audit/vulnerability", "vuln_c"),
            ("bounds/misdefined", "vuln-d"),
            ("bounds/unrequired", "evil-pkg"),
        ])
    );
    let checks: Vec<&str> = report["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["check"].as_str().unwrap())
        .collect();
    assert_eq!(checks, ["bounds", "plugin:allow-list", "audit"]);
    assert_eq!(report["inputs"][2]["source"], db);
    assert_eq!(report["audit_database"]["records"], 7);
    assert_eq!(
        (&report["outcome"], &report["exit_code"]),
        (&"violations".into(), &3.into())
    );

    // One SARIF run with every check's rules and results.
    let out = run_format("sarif");
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let sarif = json(&out.stdout);
    assert_eq!(sarif["runs"].as_array().unwrap().len(), 1);
    let run0 = &sarif["runs"][0];
    let rules: Vec<&str> = run0["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        [
            "allow-list/not-allowed",
            "audit/malicious",
            "audit/vulnerability",
            "bounds/misdefined",
            "bounds/unrequired"
        ]
    );
    assert_eq!(run0["results"].as_array().unwrap().len(), 6);
    assert_eq!(run0["invocations"][0]["executionSuccessful"], true);

    // The table names the findings of all three checks.
    let mut t = snap::Transcript::new();
    let table = args("table");
    let out = t.run(
        "the table names the findings of all three checks",
        fetter(&s.home)
            .arg("--root")
            .arg(&s.root)
            .args(["validate", "--ignore", "pip", "--ignore", "setuptools"])
            .args(&table),
    );
    assert_eq!(out.status.code(), Some(3));
    snap::redacted(s.scratch()).bind(|| insta::assert_snapshot!("validate_audit_table", t.text()));

    // The example drives scan → checks → report with the library alone and
    // must print what the command prints, with the same exit code.
    let mut mine = Vec::new();
    let code = example::validate(&s.root, &req, &s.db_dir, &mut mine).unwrap();
    // The example keeps the default `--ignore` (pip only), so the command does too.
    let out = run(fetter(&s.home)
        .arg("--root")
        .arg(&s.root)
        .args([
            "validate",
            "--audit",
            "--osv-db",
            s.db_dir.to_str().unwrap(),
            "--bound",
        ])
        .arg(&req));
    assert_eq!(
        (Some(i32::from(code)), text(&mine)),
        (out.status.code(), text(&out.stdout))
    );
    assert_eq!(code, 3);
    assert!(text(&mine).contains("audit/malicious"), "{}", text(&mine));
}

#[test]
fn validate_audit_that_cannot_run_never_passes() {
    let Some(s) = setup() else { return };
    // A bound everything satisfies: only the audit can fail the run.
    let req = s.root.join("exact.txt");
    fs::write(
        &req,
        "vuln-a==1.5\nvuln-b==2.0\nvuln-c==3.0\nvuln-d==5.0\nvuln-e==1.0\nevil-pkg==0.1\n",
    )
    .unwrap();
    let req = req.to_str().unwrap();
    let clean = s.root.join("osv-clean");
    fs::create_dir_all(&clean).unwrap();
    fs::write(
        clean.join("PYSEC-1.json"),
        r#"{"id":"PYSEC-1","affected":[]}"#,
    )
    .unwrap();
    let out = validate(
        &s,
        &[
            "--bound",
            req,
            "--audit",
            "--osv-db",
            clean.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let report = json(&out.stdout);
    assert_schema_valid(&report);
    let source = report["audit_database"]["source"].as_str().unwrap();
    assert!(source.ends_with("osv-clean"), "{source}");

    let junk = s.root.join("junk.bin");
    fs::write(&junk, b"\x00\x01\x02").unwrap();
    let unreachable = format!("http://127.0.0.1:{}", super::common::server::free_port());
    let cases: [(Vec<&str>, &str); 3] = [
        (
            vec!["--osv-db", junk.to_str().unwrap()],
            "not an OSV zip, directory or fetter database",
        ),
        // No local copy in this HOME.
        (vec![], "no OSV database"),
        (
            vec!["--online", "--osv-url", &unreachable],
            "cannot reach the server",
        ),
    ];
    let mut t = snap::Transcript::new();
    for (extra, needle) in &cases {
        for format in ["table", "json", "sarif"] {
            let mut a = vec!["--bound", req, "--audit", "--format", format];
            a.extend(extra);
            let out = validate(&s, &a);
            assert_eq!(out.status.code(), Some(1), "{a:?}: {}", text(&out.stdout));
            if format == "table" {
                // The whole table run, in the snapshot below.
                t.push(
                    needle,
                    &format!("validate {}", a.join(" ")),
                    1,
                    &text(&out.stdout),
                    &text(&out.stderr),
                );
                continue;
            }
            let all = text(&out.stdout) + &text(&out.stderr);
            assert!(all.contains(needle), "{a:?}: {all}");
            if format == "json" {
                let report = json(&out.stdout);
                assert_schema_valid(&report);
                assert_eq!(report["failures"][0]["check"], "audit");
                assert_eq!(report["outcome"], "error");
            }
            if format == "sarif" {
                let sarif = json(&out.stdout);
                assert_eq!(
                    sarif["runs"][0]["invocations"][0]["executionSuccessful"],
                    false
                );
            }
        }
    }
    // The free port differs each run.
    let said = t.text().replace(&unreachable, "http://127.0.0.1:[PORT]");
    snap::redacted(s.scratch()).bind(|| insta::assert_snapshot!("validate_audit_cannot_run", said));
    // --osv-db means nothing without --audit: a usage error, not a silent pass.
    let out = validate(&s, &["--bound", req, "--osv-db", clean.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
}

/// `purge --bound --policy --audit`: one rule over the verdicts of all
/// three, and nothing at all when one of them cannot run.
#[test]
fn purge_selects_by_every_check_through_one_rule() {
    let Some(s) = setup() else { return };
    let (req, pol) = (bound(&s), policy(&s));
    let purge = |db: &Path| {
        run(fetter(&s.home)
            .arg("--root")
            .arg(&s.root)
            .args(["purge", "--dry-run", "--format", "json"])
            .args(["--ignore", "pip", "--ignore", "setuptools", "--bound"])
            .arg(&req)
            .arg("--policy")
            .arg(&pol)
            .arg("--audit")
            .arg("--osv-db")
            .arg(db))
    };
    let out = purge(&s.db_dir);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let plan = json(&out.stdout);
    let mut names: Vec<&str> = plan["plan"]["environments"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|e| e["distributions"].as_array().unwrap())
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["Vuln.A", "evil-pkg", "vuln-b", "vuln-d", "vuln_c"]);
    // What stderr says beside the plan (stdout: the JSON above).
    let mut t = snap::Transcript::new();
    t.push(
        "the plan over every check",
        "purge --dry-run --format json … --osv-db [SCRATCH]/osv",
        0,
        "[the JSON plan]\n",
        &text(&out.stderr),
    );

    let junk = s.root.join("junk.bin");
    fs::write(&junk, b"\x00\x01\x02").unwrap();
    let out = purge(&junk);
    assert_eq!(out.status.code(), Some(1));
    t.push(
        "a database that cannot be read",
        "purge --dry-run --format json … --osv-db [SCRATCH]/work/junk.bin",
        1,
        &text(&out.stdout),
        &text(&out.stderr),
    );
    snap::redacted(s.scratch()).bind(|| insta::assert_snapshot!("validate_audit_purge", t.text()));
    assert!(
        json_or_empty(&out.stdout).is_null(),
        "no plan: {}",
        text(&out.stdout)
    );
}

fn json_or_empty(b: &[u8]) -> Value {
    serde_json::from_slice(b).unwrap_or(Value::Null)
}
