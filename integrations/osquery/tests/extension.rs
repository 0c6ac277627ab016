//! fetter-osquery against osqueryd's real Thrift protocol: a test-side
//! extension manager (PyPI's generated `osquery` Thrift code) registers
//! the extension, reads its column schemas, calls `generate` with and
//! without constraints over real venvs, pings it, refreshes it, and goes
//! away; the extension must exit cleanly. `bundles`: policy bundles run
//! from the local store after a pull from a loopback OCI registry.

// Helpers shared by the test modules are `pub` to each other; no test
// crate has an API, so `unreachable_pub` does not apply.
#![allow(unreachable_pub)]

mod bundles;
#[path = "support/common.rs"]
mod common;
mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;
use std::time::Duration;

use serde_json::{json, Value};
use support::*;

/// The schemas the extension must register, written out here rather
/// than taken from the code under test.
fn expected_schemas() -> BTreeMap<&'static str, Vec<(&'static str, &'static str)>> {
    let t = "TEXT";
    let i = "INTEGER";
    let b = "BIGINT";
    BTreeMap::from([
        (
            "fetter_environments",
            vec![
                ("prefix", t),
                ("kind", t),
                ("python_version", t),
                ("externally_managed", i),
                ("interpreters", t),
                ("base_prefix", t),
                ("scanned_at", b),
            ],
        ),
        (
            "fetter_packages",
            vec![
                ("name", t),
                ("normalized_name", t),
                ("version", t),
                ("site", t),
                ("environment", t),
                ("installer", t),
                ("requested", i),
                ("editable", i),
                ("direct_url", t),
                ("vcs", t),
                ("vcs_url", t),
                ("vcs_commit", t),
                ("metadata_path", t),
                ("scanned_at", b),
            ],
        ),
        (
            "fetter_findings",
            vec![
                ("environment", t),
                ("package", t),
                ("version", t),
                ("check_name", t),
                ("rule", t),
                ("severity", t),
                ("action", t),
                ("message", t),
                ("outcome", t),
                ("source", t),
                ("metadata_path", t),
                ("scanned_at", b),
            ],
        ),
        (
            "fetter_startup",
            vec![
                ("environment", t),
                ("kind", t),
                ("path", t),
                ("location", t),
                ("executes", i),
                ("import_lines", t),
                ("owner", t),
                ("flagged", i),
                ("error", t),
                ("scanned_at", b),
            ],
        ),
        (
            "fetter_scan",
            vec![
                ("scanned_at", b),
                ("duration_ms", b),
                ("scanning", i),
                ("scans", b),
                ("next_scan_at", b),
                ("environments", i),
                ("packages", i),
                ("findings", i),
                ("errors", i),
                ("warnings", i),
                ("scan_nice", i),
                ("scan_cpu_ms", b),
                ("scan_peak_kib", b),
                ("refresh", i),
            ],
        ),
    ])
}

fn rows(r: &Value) -> &Vec<Value> {
    r["rows"].as_array().unwrap()
}

fn col<'a>(row: &'a Value, name: &str) -> &'a str {
    row[name]
        .as_str()
        .unwrap_or_else(|| panic!("no column {name} in {row}"))
}

/// (normalised name, version) of the `fetter_packages` rows of `env`.
fn packages_of(r: &Value, env: &Path) -> BTreeSet<(String, String)> {
    rows(r)
        .iter()
        .filter(|p| Path::new(col(p, "environment")) == env)
        .map(|p| {
            (
                col(p, "normalized_name").to_string(),
                col(p, "version").to_string(),
            )
        })
        .collect()
}

/// Two venvs, one with a typosquat and a bound violation, an unowned
/// executable `.pth`, a policy that cannot run and a bundle the store
/// lacks: every table, constraint, ping, refresh and the shutdown.
#[test]
fn tables_over_real_venvs() {
    let Some(py) = python() else { return };
    let Some(oq) = osquery_python() else { return };
    let dir = scratch();
    let root = dir.path().canonicalize().unwrap();
    let envs = root.join("envs");
    let wheels = root.join("build");
    let a = Venv::create(&py, &envs.join("a"));
    let b = Venv::create(&py, &envs.join("b"));
    a.install(&[&tiny_wheel(&py, &wheels, "alpha", "1.0")]);
    b.install(&[
        &tiny_wheel(&py, &wheels, "alpha", "2.0"),
        &tiny_wheel(&py, &wheels, "reqeusts", "1.0"),
    ]);
    // An executable .pth no distribution owns: a persistence vector.
    fs::write(a.site().join("zz-evil.pth"), "import os; os.getpid()\n").unwrap();
    fs::write(root.join("requirements.txt"), "alpha==1.0\n").unwrap();
    let missing_hash = "0".repeat(64);
    let config = root.join("osquery.toml");
    fs::write(
        &config,
        format!(
            "refresh-seconds = 3600\n[scope]\nroots = [\"envs\"]\n\
             [bounds]\nfiles = [\"requirements.txt\"]\nsubset = true\nsuperset = true\n\
             [[policy]]\nbuiltin = \"typosquat\"\n\
             [[policy]]\nplugin = \"missing.wasm\"\nsha256 = \"{missing_hash}\"\n\
             [[policy]]\nbundle = \"oci://registry.example/org/policy@sha256:{missing_hash}\"\n\
             [plugins]\ncache-dir = \"plugin-cache\"\n"
        ),
    )
    .unwrap();
    // `--scan-once` checks the config as an operator would: exit 1, since
    // two policies cannot run. It also compiles typosquat into the plugin
    // cache at normal priority, so the extension's nice-19 scans (which
    // crawl on a loaded 2-core CI machine) only load it.
    let once = std::process::Command::new(env!("CARGO_BIN_EXE_fetter-osquery"))
        .args(["--scan-once", "--config"])
        .arg(&config)
        .env("HOME", &root)
        .output()
        .unwrap();
    assert_eq!(
        once.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&once.stderr)
    );
    let summary: Value = serde_json::from_slice(&once.stdout).unwrap();
    assert_eq!(summary["environments"], json!(2), "{summary}");
    assert_eq!(summary["errors"].as_array().unwrap().len(), 2, "{summary}");
    let mut run = Running::start(&oq, &root, &config);
    let pid = run.extension.0.id();
    let reg = run.registration.clone();
    let m = &mut run.manager;

    // Registration and the column schemas.
    assert_eq!(reg["name"], json!("fetter"));
    let tables = reg["registry"]["table"].as_object().unwrap();
    let schemas = expected_schemas();
    assert_eq!(
        tables.keys().map(String::as_str).collect::<BTreeSet<_>>(),
        schemas.keys().copied().collect::<BTreeSet<_>>()
    );
    for (table, want) in &schemas {
        let got: Vec<(String, String)> = tables[*table]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (col(c, "name").to_string(), col(c, "type").to_string()))
            .collect();
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect();
        assert_eq!(got, want, "{table}");
        // `columns` over the extension socket says the same.
        let cols = m.send(json!({"cmd": "call", "table": table, "request": {"action": "columns"}}));
        assert_eq!(cols["status"]["code"], json!(0));
        assert_eq!(rows(&cols).len(), want.len(), "{table}: {cols}");
    }
    let hidden: Vec<_> = tables["fetter_scan"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| col(c, "op") == "16")
        .map(|c| col(c, "name"))
        .collect();
    assert_eq!(hidden, ["refresh"], "refresh is a hidden column");

    // Ping, as osqueryd's watcher does. The SDK answers with a default
    // status whose `code` is unset; osqueryd's C++ struct reads that as 0.
    let ping = m.send(json!({"cmd": "ping"}));
    assert!(
        matches!(ping["status"]["code"], Value::Null) || ping["status"]["code"] == json!(0),
        "{ping}"
    );

    // Before the first scan finishes, findings say so rather than look clean.
    let early = m.generate("fetter_findings", None);
    assert!(!rows(&early).is_empty(), "{early}");
    if rows(&early).iter().any(|r| col(r, "outcome") == "pending") {
        assert_eq!(rows(&early).len(), 1, "{early}");
        assert_eq!(col(&rows(&early)[0], "scanned_at"), "0");
    }

    let scan = wait_for_scans(m, 1);
    assert_eq!(col(&scan, "environments"), "2", "{scan}");
    let scanned_at: i64 = col(&scan, "scanned_at").parse().unwrap();
    assert!(scanned_at > 1_600_000_000, "{scan}");

    // fetter_environments: both venvs, as Python reports them.
    let r = m.generate("fetter_environments", None);
    let prefixes: BTreeSet<_> = rows(&r)
        .iter()
        .map(|e| col(e, "prefix").to_string())
        .collect();
    assert_eq!(
        prefixes,
        BTreeSet::from([
            a.prefix.display().to_string(),
            b.prefix.display().to_string()
        ])
    );
    let version = a
        .python()
        .to_str()
        .map(|_| run_py(&a, "import sys; print('%d.%d' % sys.version_info[:2])"))
        .unwrap();
    for e in rows(&r) {
        assert_eq!(col(e, "kind"), "venv");
        assert!(
            col(e, "python_version").starts_with(version.trim()),
            "{e} vs {version}"
        );
        assert_eq!(col(e, "externally_managed"), "0");
        assert_eq!(col(e, "scanned_at"), scanned_at.to_string());
        let interpreters: Vec<String> = serde_json::from_str(col(e, "interpreters")).unwrap();
        assert!(
            interpreters.iter().any(|i| i.ends_with("/bin/python")),
            "{e}"
        );
    }

    // fetter_packages without constraints: what pip lists, per venv.
    let all = m.generate("fetter_packages", None);
    assert_eq!(packages_of(&all, &a.prefix), a.pip_list());
    assert_eq!(packages_of(&all, &b.prefix), b.pip_list());
    let alpha_a = rows(&all)
        .iter()
        .find(|p| col(p, "name") == "alpha" && col(p, "environment") == a.prefix.to_str().unwrap())
        .unwrap();
    assert_eq!(col(alpha_a, "installer"), "pip");
    assert_eq!(col(alpha_a, "requested"), "1");
    assert_eq!(col(alpha_a, "editable"), "0");
    assert_eq!(col(alpha_a, "site"), a.site().to_str().unwrap());
    assert!(
        Path::new(col(alpha_a, "metadata_path"))
            .join("METADATA")
            .is_file(),
        "{alpha_a}"
    );
    assert!(
        col(alpha_a, "direct_url").starts_with("file://"),
        "{alpha_a}"
    );
    assert_eq!(
        col(alpha_a, "vcs_url"),
        "",
        "a wheel file is no VCS checkout"
    );

    // With constraints: only what can match is built.
    let only_a = m.generate(
        "fetter_packages",
        Some(equals(&[("environment", &[a.prefix.to_str().unwrap()])])),
    );
    assert!(!rows(&only_a).is_empty());
    assert!(rows(&only_a).len() < rows(&all).len());
    assert_eq!(packages_of(&only_a, &a.prefix), a.pip_list());
    assert!(rows(&only_a)
        .iter()
        .all(|p| col(p, "environment") == a.prefix.to_str().unwrap()));
    let alpha = m.generate("fetter_packages", Some(equals(&[("name", &["alpha"])])));
    let versions: BTreeSet<_> = rows(&alpha)
        .iter()
        .map(|p| col(p, "version").to_string())
        .collect();
    assert_eq!(
        versions,
        BTreeSet::from(["1.0".to_string(), "2.0".to_string()])
    );
    let either = m.generate(
        "fetter_packages",
        Some(equals(&[("name", &["alpha", "reqeusts"])])),
    );
    assert_eq!(
        rows(&either).len(),
        3,
        "IN (…) values are alternatives: {either}"
    );

    // fetter_findings: the typosquat, the bound violation, and one error
    // row per policy that could not run.
    let f = m.generate("fetter_findings", None);
    let typo = rows(&f)
        .iter()
        .find(|r| col(r, "package") == "reqeusts")
        .unwrap_or_else(|| panic!("{f}"));
    assert_eq!(col(typo, "check_name"), "plugin:typosquat");
    assert_eq!(col(typo, "rule"), "typosquat/swapped-chars");
    assert_eq!(col(typo, "severity"), "high");
    assert_eq!(col(typo, "action"), "deny");
    assert_eq!(col(typo, "outcome"), "violation");
    assert_eq!(col(typo, "environment"), b.prefix.to_str().unwrap());
    assert!(col(typo, "message").contains("requests"), "{typo}");
    let bound = rows(&f)
        .iter()
        .find(|r| col(r, "check_name") == "bounds")
        .unwrap_or_else(|| panic!("{f}"));
    assert_eq!(
        (col(bound, "package"), col(bound, "version")),
        ("alpha", "2.0")
    );
    assert_eq!(col(bound, "environment"), b.prefix.to_str().unwrap());
    let errors: Vec<_> = rows(&f)
        .iter()
        .filter(|r| col(r, "outcome") == "error")
        .collect();
    assert_eq!(errors.len(), 2, "{f}");
    assert!(
        errors
            .iter()
            .any(|e| col(e, "source").ends_with("missing.wasm")),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| col(e, "source").starts_with("oci://")),
        "{errors:?}"
    );
    let high = m.generate("fetter_findings", Some(equals(&[("severity", &["high"])])));
    assert!(!rows(&high).is_empty() && rows(&high).len() < rows(&f).len());
    assert!(rows(&high).iter().all(|r| col(r, "severity") == "high"));
    let in_a = m.generate(
        "fetter_findings",
        Some(equals(&[("environment", &[a.prefix.to_str().unwrap()])])),
    );
    assert!(
        rows(&in_a)
            .iter()
            .all(|r| col(r, "environment") == a.prefix.to_str().unwrap()),
        "{in_a}"
    );

    // fetter_startup: the unowned .pth, flagged.
    let s = m.generate(
        "fetter_startup",
        Some(equals(&[("environment", &[a.prefix.to_str().unwrap()])])),
    );
    let evil = rows(&s)
        .iter()
        .find(|r| col(r, "path").ends_with("zz-evil.pth"))
        .unwrap_or_else(|| panic!("{s}"));
    assert_eq!(col(evil, "kind"), "pth");
    assert_eq!(col(evil, "import_lines"), "import os; os.getpid()");
    assert_eq!(
        (
            col(evil, "executes"),
            col(evil, "flagged"),
            col(evil, "owner")
        ),
        ("1", "1", "UNOWNED")
    );
    assert!(rows(&s)
        .iter()
        .all(|r| col(r, "environment") == a.prefix.to_str().unwrap()));

    // Scans start from the lowest-priority thread (a forked scan process
    // inherits its nice value) and ran at nice 19; queries do not.
    assert_eq!(thread_nice(pid, "fetter-scan"), Some(19));
    assert_eq!(thread_nice(pid, "fetter-osquery"), Some(0));
    assert_eq!(col(&scan, "scan_nice"), "19", "{scan}");
    assert!(
        col(&scan, "scan_cpu_ms").parse::<u64>().unwrap() > 0,
        "{scan}"
    );
    // Idle memory, after a scan that ran the typosquat plugin in wasmtime
    // (in the scan process) and after the queries above.
    let rss = rss_kib(pid);
    eprintln!(
        "idle RSS after scan and queries: {rss} KiB; scan process peak {} KiB",
        col(&scan, "scan_peak_kib")
    );
    assert!(rss <= 30 * 1024, "idle RSS {rss} KiB is over 30 MiB");

    // On demand: a package installed now shows after `refresh = 1`.
    a.install(&[&tiny_wheel(&py, &wheels, "gamma", "3.0")]);
    let r = m.send(json!({"cmd": "call", "table": "fetter_scan",
        "request": {"action": "generate", "context": equals(&[("refresh", &["1"])]).to_string()}}));
    assert_eq!(col(&rows(&r)[0], "refresh"), "1", "{r}");
    wait_for_scans(m, 2);
    let g = m.generate("fetter_packages", Some(equals(&[("name", &["gamma"])])));
    assert_eq!(rows(&g).len(), 1, "{g}");
    assert_eq!(
        packages_of(&m.generate("fetter_packages", None), &a.prefix),
        a.pip_list()
    );

    // The manager goes away: the extension notices and exits cleanly.
    let ext_socket = reg["socket"].as_str().unwrap().to_string();
    m.send(json!({"cmd": "exit"}));
    let status = wait_exit(&mut run.extension.0, Duration::from_secs(15));
    let log_text = run.log_text();
    assert!(
        status.is_some_and(|s| s.success()),
        "exit {status:?}; log:\n{log_text}"
    );
    assert!(
        !Path::new(&ext_socket).exists(),
        "the extension left {ext_socket} behind"
    );
}

fn run_py(v: &Venv, code: &str) -> String {
    let out = std::process::Command::new(v.python())
        .args(["-c", code])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()
}

/// Hostile or broken peers: garbage bytes, a call cut short, a caller
/// that leaves before the answer, a length prefix of 2 GiB, a malformed
/// context, an unknown table. The extension keeps serving after each,
/// then exits cleanly when the manager dies in the middle of a ping.
#[test]
fn bad_input_never_hangs() {
    let Some(py) = python() else { return };
    let Some(oq) = osquery_python() else { return };
    let dir = scratch();
    let root = dir.path().canonicalize().unwrap();
    let v = Venv::create(&py, &root.join("envs/v"));
    let config = root.join("osquery.toml");
    fs::write(&config, "[scope]\nroots = [\"envs\"]\n").unwrap();
    let mut run = Running::start(&oq, &root, &config);
    let m = &mut run.manager;
    wait_for_scans(m, 1);
    let serving = |m: &mut Manager, after: &str| {
        let r = m.generate(
            "fetter_packages",
            Some(equals(&[("environment", &[v.prefix.to_str().unwrap()])])),
        );
        assert_eq!(
            packages_of(&r, &v.prefix),
            v.pip_list(),
            "after {after}: {r}"
        );
    };
    serving(m, "start");

    let call = m.send(json!({"cmd": "encode_call", "table": "fetter_packages", "request": {"action": "generate"}}));
    let call_hex = col(&call, "hex").to_string();
    let cases: Vec<(&str, String, bool)> = vec![
        ("garbage bytes", "deadbeef".repeat(64), true),
        (
            "a call cut in half",
            call_hex[..call_hex.len() / 2].to_string(),
            false,
        ),
        (
            "a caller that leaves before the answer",
            call_hex.clone(),
            false,
        ),
        // A strict binary-protocol call header, then a method name whose
        // length says 2 GiB follows.
        (
            "a 2 GiB length prefix",
            "80010001".to_string() + "7fffffff" + "63616c6c",
            true,
        ),
        (
            "a negative length prefix",
            "80010001".to_string() + "ffffffff" + "63616c6c",
            true,
        ),
    ];
    for (what, hex, read) in cases {
        let r = m.send(json!({"cmd": "raw", "hex": hex, "read": read}));
        assert!(r.get("error").is_none(), "{what}: {r}");
        serving(m, what);
    }

    let bad = m.send(json!({"cmd": "call", "table": "fetter_packages",
        "request": {"action": "generate", "context": "{not json"}}));
    assert_eq!(bad["status"]["code"], json!(1), "{bad}");
    assert!(
        rows(&bad)[0]["message"]
            .as_str()
            .unwrap()
            .contains("malformed query context"),
        "{bad}"
    );
    let unknown =
        m.send(json!({"cmd": "call", "table": "fetter_packages", "request": {"action": "drop"}}));
    assert_eq!(unknown["status"]["code"], json!(1), "{unknown}");
    let no_table =
        m.send(json!({"cmd": "call", "table": "no_such_table", "request": {"action": "generate"}}));
    assert!(no_table.get("error").is_some(), "{no_table}");
    serving(m, "malformed requests");

    // The manager dies while the extension waits for its ping answer.
    m.send(json!({"cmd": "die_on_next_ping"}));
    assert_eq!(m.read()["died"], json!("mid-ping"));
    let status = wait_exit(&mut run.extension.0, Duration::from_secs(15));
    let log_text = run.log_text();
    assert!(
        status.is_some_and(|s| s.success()),
        "exit {status:?}; log:\n{log_text}"
    );
    assert!(
        log_text.contains("Ping failed") || log_text.contains("Shutting down"),
        "{log_text}"
    );
}
