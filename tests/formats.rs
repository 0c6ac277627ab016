//! Every machine-readable output checked against its schema, on real venvs:
//! our own JSON documents (`schemas/`), CycloneDX 1.6 and SARIF 2.1.0
//! (`tests/schemas/`, copied from PyPI packages, see PROVENANCE.md), and the
//! CSV outputs parsed back.

use crate::common;
/// `fetter tree` against `pip check`; licences; SPDX and CycloneDX validated.
mod depgraph;
/// Non-UTF-8 file names and invalid Names against the schemas.
#[path = "formats_support/names.rs"]
mod names;
/// rpm owners from a real rpm database against `rpm -qf`.
mod rpm_owner;
/// The CLI tables as people see them, as insta snapshots.
mod tables;
/// `fetter verify` against Python's and dpkg's own hashes.
mod verify;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::schemas::assert_valid;
use common::*;
use jsonschema::{Registry, Validator};
use serde_json::{json, Value};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn load(path: &Path) -> Value {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A validator for the schema at `main`, with `others` registered under the
/// URIs its `$ref`s resolve to (no network: every schema is in the tree).
fn validator(main: &Path, others: &[(&str, &Path)]) -> Validator {
    let mut builder = Registry::new();
    for (uri, path) in others {
        builder = builder.add(*uri, load(path)).expect("register schema");
    }
    let registry = builder.prepare().expect("prepare registry");
    jsonschema::options()
        .with_registry(&registry)
        .should_validate_formats(true)
        .build(&load(main))
        .unwrap_or_else(|e| panic!("{}: invalid schema: {e}", main.display()))
}

fn ours(name: &str) -> Validator {
    common::schemas::schema(name)
}

fn cyclonedx() -> Validator {
    let dir = repo().join("tests/schemas/cyclonedx");
    validator(
        &dir.join("bom-1.6.SNAPSHOT.schema.json"),
        &[
            (
                "http://cyclonedx.org/schema/spdx.SNAPSHOT.schema.json",
                &dir.join("spdx.SNAPSHOT.schema.json"),
            ),
            (
                "http://cyclonedx.org/schema/jsf-0.82.SNAPSHOT.schema.json",
                &dir.join("jsf-0.82.SNAPSHOT.schema.json"),
            ),
        ],
    )
}

fn sarif() -> Validator {
    validator(&repo().join("tests/schemas/sarif/sarif-2.1.0.json"), &[])
}

/// One venv with packages installed from wheel files (so `direct_url.json`
/// is present), an egg-info-free, real layout; built once per test binary.
struct World {
    _s: Scratch,
    home: PathBuf,
    venv: PathBuf,
    bound: PathBuf,
    osv: PathBuf,
}

fn world() -> Option<&'static World> {
    static W: OnceLock<Option<World>> = OnceLock::new();
    W.get_or_init(|| {
        let py = python()?;
        let s = scratch();
        let home = s.path.join("home");
        fs::create_dir_all(&home).unwrap();
        let venv = Venv::create(&py, &s.path.join("venv"));
        for (name, version) in [("alpha", "1.0"), ("Beta_Pkg", "2.0+local.1")] {
            let wheel = build_wheel(
                &py,
                &tiny_project(&s.path, name, version, None),
                &s.path.join("wheels"),
            );
            venv.pip(&["install", wheel.to_str().unwrap()]);
        }
        // A bound that alpha violates and that names a missing package.
        let bound = s.path.join("requirements.txt");
        fs::write(&bound, "alpha>=2\nbeta-pkg\ngamma==1\nsetuptools\n").unwrap();
        let osv = s.path.join("osv");
        fs::create_dir_all(&osv).unwrap();
        fs::write(
            osv.join("PYSEC-2099-9.json"),
            json!({"id": "PYSEC-2099-9", "summary": "alpha is bad", "aliases": ["CVE-2099-9"],
                "affected": [{"package": {"ecosystem": "PyPI", "name": "alpha"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.1"}]}]}]})
            .to_string(),
        )
        .unwrap();
        let venv = venv.prefix.clone();
        Some(World {
            _s: s,
            home,
            venv,
            bound,
            osv,
        })
    })
    .as_ref()
}

/// Run fetter on the world's venv; returns (exit code, stdout).
fn fetter_on(w: &World, args: &[&str]) -> (i32, Vec<u8>) {
    let out = run(fetter(&w.home)
        .env("FETTER_CONFIG", "")
        .arg("--exe")
        .arg(&w.venv)
        .args(args));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{args:?} panicked: {stderr}");
    (out.status.code().unwrap_or(-1), out.stdout)
}

#[test]
fn inventory_count_and_search_json_match_their_schemas() {
    let Some(w) = world() else { return };
    let (code, out) = fetter_on(w, &["scan", "--format", "json"]);
    assert_eq!(code, 0);
    let inv = json(&out);
    let v = ours("fetter.inventory-1");
    assert_valid(&v, &inv, "scan --format json");
    // The world exercises the optional parts: a direct_url from a wheel file.
    assert!(
        inv["distributions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["direct_url"].is_object()),
        "no direct_url in {inv}"
    );
    // The schema is strict: an undocumented field or a wrong type is caught.
    let mut bad = inv.clone();
    bad["distributions"][0]["surprise"] = json!(1);
    assert!(!v.is_valid(&bad), "schema accepted an undocumented field");
    let mut bad = inv.clone();
    bad["environments"][0]["kind"] = json!("docker");
    assert!(!v.is_valid(&bad), "schema accepted an unknown kind");

    let (code, out) = fetter_on(w, &["search", "--format", "json", "al*"]);
    assert_eq!(code, 0);
    let found = json(&out);
    assert_valid(&v, &found, "search --format json");
    assert_eq!(found["distributions"].as_array().unwrap().len(), 1);

    let (code, out) = fetter_on(w, &["count", "--format", "json"]);
    assert_eq!(code, 0);
    let counts = json(&out);
    assert_valid(&ours("fetter.count-1"), &counts, "count --format json");
    assert_eq!(
        counts["distributions"].as_u64().unwrap() as usize,
        inv["distributions"].as_array().unwrap().len()
    );
}

#[test]
fn validate_json_and_sarif_match_their_schemas() {
    let Some(w) = world() else { return };
    let bound = w.bound.to_str().unwrap();
    let (code, out) = fetter_on(w, &["validate", "--bound", bound, "--format", "json"]);
    assert_eq!(code, 3, "{}", String::from_utf8_lossy(&out));
    let report = json(&out);
    assert_valid(
        &ours("fetter.validate-1"),
        &report,
        "validate --format json",
    );
    let denied = report["summary"]["denied"].as_u64().unwrap();
    assert!(denied >= 2, "{report}");

    let (code, out) = fetter_on(w, &["validate", "--bound", bound, "--format", "sarif"]);
    assert_eq!(code, 3, "exit code must not depend on the format");
    let doc = json(&out);
    assert_valid(&sarif(), &doc, "validate --format sarif");
    let results = doc["runs"][0]["results"].as_array().unwrap();
    let diags: usize = report["environments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["diagnostics"].as_array().unwrap().len())
        .sum();
    assert_eq!(results.len(), diags, "one SARIF result per diagnostic");
    let ids: Vec<&str> = results
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"bounds/misdefined"), "{ids:?}");
    assert!(ids.contains(&"bounds/missing"), "{ids:?}");
    for r in results {
        let rule =
            &doc["runs"][0]["tool"]["driver"]["rules"][r["ruleIndex"].as_u64().unwrap() as usize];
        assert_eq!(rule["id"], r["ruleId"], "ruleIndex points at its rule");
    }

    let mut bad = doc.clone();
    bad["version"] = json!("2.0.0");
    assert!(
        !sarif().is_valid(&bad),
        "SARIF schema accepted version 2.0.0"
    );

    // A bound that cannot be read: SARIF says the run failed, exit 1.
    let (code, out) = fetter_on(
        w,
        &[
            "validate",
            "--bound",
            "/nonexistent/req.txt",
            "--format",
            "sarif",
        ],
    );
    assert_eq!(code, 1);
    let doc = json(&out);
    assert_valid(&sarif(), &doc, "validate --format sarif (failure)");
    assert_eq!(
        doc["runs"][0]["invocations"][0]["executionSuccessful"],
        false
    );
}

#[test]
fn audit_json_and_sarif_match_their_schemas() {
    let Some(w) = world() else { return };
    let db = w.osv.to_str().unwrap();
    let (code, out) = fetter_on(w, &["audit", "--osv-db", db, "--format", "json"]);
    assert_eq!(code, 3, "{}", String::from_utf8_lossy(&out));
    let report = json(&out);
    assert_valid(&ours("fetter.audit-1"), &report, "audit --format json");
    assert_eq!(report["vulnerabilities"][0]["id"], "PYSEC-2099-9");

    let (code, out) = fetter_on(w, &["audit", "--osv-db", db, "--format", "sarif"]);
    assert_eq!(code, 3);
    assert_valid(&sarif(), &json(&out), "audit --format sarif");

    // No database: the failure document matches the schema too.
    let (code, out) = fetter_on(
        w,
        &["audit", "--osv-db", "/nonexistent", "--format", "json"],
    );
    assert_eq!(code, 1);
    let report = json(&out);
    assert_valid(&ours("fetter.audit-1"), &report, "audit failure");
    assert!(!report["failures"].as_array().unwrap().is_empty());
}

#[test]
fn cyclonedx_sbom_matches_the_cyclonedx_1_6_schema() {
    let Some(w) = world() else { return };
    let (code, out) = fetter_on(w, &["scan", "--format", "cyclonedx"]);
    assert_eq!(code, 0);
    let bom = json(&out);
    assert_valid(&cyclonedx(), &bom, "scan --format cyclonedx");
    assert_eq!(bom["specVersion"], "1.6");
    let (_, inv) = fetter_on(w, &["scan", "--format", "json"]);
    let inv = json(&inv);
    let components = bom["components"].as_array().unwrap();
    assert_eq!(
        components.len(),
        inv["distributions"].as_array().unwrap().len(),
        "one component per distribution"
    );
    let beta = components
        .iter()
        .find(|c| c["name"] == "Beta_Pkg")
        .expect("Beta_Pkg component");
    assert_eq!(beta["purl"], "pkg:pypi/beta-pkg@2.0%2Blocal.1");
    let props: Vec<(&str, &str)> = beta["properties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap(), p["value"].as_str().unwrap()))
        .collect();
    assert!(
        props.contains(&("fetter:environment", w.venv.to_str().unwrap())),
        "{props:?}"
    );
    assert!(props
        .iter()
        .any(|(k, v)| *k == "fetter:site" && v.ends_with("site-packages")));
    // bom-refs are unique, as the spec requires.
    let refs: std::collections::BTreeSet<&str> = components
        .iter()
        .map(|c| c["bom-ref"].as_str().unwrap())
        .collect();
    assert_eq!(refs.len(), components.len());
    // The schema is not vacuous: a purl of the wrong type is rejected.
    let mut bad = bom.clone();
    bad["components"][0]["purl"] = json!(1);
    assert!(!cyclonedx().is_valid(&bad));
}

#[test]
fn csv_outputs_parse_back() {
    let Some(w) = world() else { return };
    let (_, inv) = fetter_on(w, &["scan", "--format", "json"]);
    let n = json(&inv)["distributions"].as_array().unwrap().len();
    for (args, rows, header) in [
        (vec!["scan", "--format", "csv"], n, Some("name")),
        (vec!["search", "--format", "csv", "alpha"], 1, Some("name")),
        (vec!["count", "--format", "csv"], 6, Some("what")),
    ] {
        let (code, out) = fetter_on(w, &args);
        assert_eq!(code, 0, "{args:?}");
        let mut r = csv::ReaderBuilder::new()
            .has_headers(header.is_some())
            .from_reader(out.as_slice());
        if let Some(h) = header {
            assert_eq!(&r.headers().unwrap()[0], h, "{args:?}");
        }
        let records: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
        assert_eq!(records.len(), rows, "{args:?}");
    }
}

/// A check that did not run never reports an environment as ok: the table
/// says "not checked", the JSON `ok: false` with `status: not-checked`, and
/// every document still matches its schema.
#[test]
fn a_check_that_did_not_run_is_never_ok() {
    let Some(w) = world() else { return };
    let venv = w.venv.to_str().unwrap();
    let corrupt = w.home.join("corrupt.wasm");
    fs::write(&corrupt, b"\0asm this is not a component").unwrap();
    let corrupt = corrupt.to_str().unwrap();
    for check in [
        ["--policy", corrupt],
        ["--bound", "/nonexistent/requirements.txt"],
    ] {
        let mut args = vec!["validate"];
        args.extend(check);
        let (code, out) = fetter_on(w, &args);
        let table = String::from_utf8_lossy(&out);
        assert_eq!(code, 1, "{check:?}: {table}");
        assert!(
            table.contains(&format!("not checked  {venv}")),
            "{check:?}: {table}"
        );
        assert!(
            !table.lines().any(|l| l.starts_with("ok ")),
            "{check:?}: {table}"
        );
        args.extend(["--format", "json"]);
        let (code, out) = fetter_on(w, &args);
        assert_eq!(code, 1);
        let report = json(&out);
        assert_valid(
            &ours("fetter.validate-1"),
            &report,
            "validate (not checked)",
        );
        let env = &report["environments"][0];
        assert_eq!(
            (&env["ok"], &env["status"]),
            (&json!(false), &json!("not-checked")),
            "{check:?}: {report}"
        );
        assert_eq!(report["summary"]["environments_not_checked"], 1);
        assert_eq!(report["outcome"], "error");
    }

    // A named scope that does not exist fails the run, names itself, and
    // leaves the environments that were checked with their own verdict.
    let (code, out) = fetter_on(
        w,
        &[
            "validate",
            "--exe",
            "/no/such/venv",
            "--policy",
            "deprecated-names",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 1);
    let report = json(&out);
    assert_valid(
        &ours("fetter.validate-1"),
        &report,
        "validate (scope failure)",
    );
    let failure = &report["failures"][0];
    assert_eq!(failure["check"], "scope", "{report}");
    assert_eq!(failure["source"], "--exe /no/such/venv", "{report}");
    assert_eq!(failure["environment"], "/no/such/venv", "{report}");
    assert_ne!(
        report["environments"][0]["status"], "not-checked",
        "{report}"
    );

    // The audit of a scope that does not exist is not "no vulnerabilities".
    let db = w.osv.to_str().unwrap();
    for format in ["json", "sarif", "table"] {
        let (code, out) = fetter_on(
            w,
            &[
                "audit",
                "--exe",
                "/no/such/venv",
                "--osv-db",
                db,
                "--format",
                format,
            ],
        );
        assert_eq!(code, 1, "{format}");
        match format {
            "json" => {
                let doc = json(&out);
                assert_valid(&ours("fetter.audit-1"), &doc, "audit (scope failure)");
                assert_eq!(doc["failures"][0]["check"], "scope", "{doc}");
            }
            "sarif" => assert_valid(&sarif(), &json(&out), "audit sarif (scope failure)"),
            _ => assert!(String::from_utf8_lossy(&out).contains("AUDIT NOT DONE")),
        }
    }
}
