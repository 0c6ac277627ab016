//! The modules on their own, as tasks of one playbook on localhost:
//! violations are results (the task succeeds with `fetter_rc` 3), a check
//! that could not run fails the task saying why, and misuse is refused.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use serde_json::{json, Value};

use super::Controller;
use crate::common::*;

/// Run each (module, args) as a task of one playbook on localhost (local
/// connection), errors ignored; each task's result, with whether it failed.
fn tasks(ctl: &Controller, calls: &[(&str, Value)]) -> Vec<(bool, Value)> {
    let python = python().unwrap();
    let mut play = Vec::new();
    for (i, (module, args)) in calls.iter().enumerate() {
        // Purges run in check mode with --diff: these calls remove nothing.
        let check = *module == "fetter_purge";
        play.push(json!({
            "name": format!("call {i}"),
            format!("fetter.fetter.{module}"): args,
            "register": format!("r{i}"),
            "ignore_errors": true,
            "check_mode": check,
            "diff": check,
        }));
    }
    let all: Vec<String> = (0..calls.len()).map(|i| format!("r{i}")).collect();
    play.push(json!({
        "name": "record the results",
        "ansible.builtin.copy": {
            "content": format!("{{{{ [{}] | to_json }}}}", all.join(", ")),
            "dest": ctl.dir.join("results.json"),
            "mode": "0644",
        },
    }));
    let playbook = json!([{
        "hosts": "localhost",
        "gather_facts": false,
        "vars": {"ansible_python_interpreter": python},
        "tasks": play,
    }]);
    fs::write(ctl.dir.join("calls.yml"), playbook.to_string()).unwrap();
    let out =
        run(ctl
            .command("ansible-playbook")
            .args(["-i", "localhost,", "-c", "local", "calls.yml"]));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let results: Vec<Value> =
        serde_json::from_str(&fs::read_to_string(ctl.dir.join("results.json")).unwrap()).unwrap();
    assert_eq!(results.len(), calls.len());
    results
        .into_iter()
        .map(|r| (r["failed"].as_bool().unwrap_or(false), r))
        .collect()
}

/// The collection's modules.
const MODULES: [&str; 5] = [
    "fetter_facts",
    "fetter_validate",
    "fetter_purge",
    "fetter_restore",
    "fetter_policy",
];

fn msg(r: &Value) -> &str {
    r["msg"].as_str().unwrap_or("")
}

#[test]
fn violations_are_results_and_a_check_that_cannot_run_fails() {
    let Some(py) = python() else { return };
    let s = scratch();
    let Some(ctl) = Controller::new(&s.path.join("controller")) else {
        return;
    };
    let venv = Venv::create_with(&py, &s.path.join("app/.venv"), &["--without-pip"]);
    write_dist(
        &venv.site(),
        "alpha-1.0.dist-info",
        "Metadata-Version: 2.1\nName: alpha\nVersion: 1.0\n",
    );
    // A distribution whose name would clear the line and reverse the text
    // on a terminal, in its own venv.
    let evil = Venv::create_with(&py, &s.path.join("evil/.venv"), &["--without-pip"]);
    let info = "evil_name-1.0.dist-info";
    write_dist(
        &evil.site(),
        info,
        "Metadata-Version: 2.1\nName: evil\u{1b}[2K\u{202e}name\nVersion: 1.0\n",
    );
    fs::write(
        evil.site().join(info).join("RECORD"),
        format!("{info}/METADATA,,\n{info}/RECORD,,\n"),
    )
    .unwrap();
    fs::write(s.path.join("ok.txt"), "alpha==1.0\n").unwrap();
    fs::write(s.path.join("strict.txt"), "alpha==2.0\n").unwrap();
    let bin = fetter_bin();
    let base = |bound: &Path| {
        json!({
            "executable": bin,
            "data_dir": s.path.join("data"),
            "exe": [venv.prefix],
            "bound": [bound],
        })
    };
    let ok = s.path.join("ok.txt");
    let mut osv = base(&ok);
    osv["audit"] = json!(true);
    osv["osv_db"] = json!(s.path.join("no-osv"));
    let mut typo = base(&ok);
    typo["exe"] = json!([s.path.join("typo")]);
    typo.as_object_mut().unwrap().remove("bound");
    let mut absent = base(&ok);
    absent["executable"] = json!(s.path.join("bin/fetter"));
    let results = tasks(
        &ctl,
        &vec![
            ("fetter_validate", base(&ok)),
            ("fetter_validate", base(&s.path.join("strict.txt"))),
            ("fetter_validate", base(&s.path.join("missing.txt"))),
            ("fetter_validate", osv),
            ("fetter_facts", typo),
            ("fetter_validate", absent),
            (
                "fetter_purge",
                json!({"executable": bin, "exe": [venv.prefix], "name": ["alpha"], "audit": true}),
            ),
            (
                "fetter_restore",
                json!({"executable": bin, "data_dir": s.path.join("data"),
                       "id": "20990101T000000Z-00000000"}),
            ),
            (
                "fetter_purge",
                json!({"executable": bin, "data_dir": s.path.join("data"), "exe": [evil.prefix],
                       "bound": [ok]}),
            ),
        ]
        .into_iter()
        // Each module with an option it does not have: Ansible refuses it,
        // listing the options the argument spec really has (given the
        // required ones of each, which Ansible checks first).
        .chain(MODULES.iter().map(|m| {
            (
                *m,
                json!({"not_an_option": 1, "id": "x", "ref": "x", "lock": "x"}),
            )
        }))
        .collect::<Vec<_>>(),
    );

    let (failed, r) = &results[0];
    assert!(!failed, "{r:#}");
    assert_eq!(
        (&r["fetter_rc"], &r["violations"]),
        (&json!(0), &json!(false))
    );
    assert_eq!(r["changed"], false);

    // Violations: the task succeeds; the code and the findings say what.
    let (failed, r) = &results[1];
    assert!(!failed, "{r:#}");
    assert_eq!(r["fetter_rc"], 3);
    assert_eq!(r["violations"], true);
    assert_eq!(r["findings"][0]["code"], "bounds/misdefined", "{r:#}");
    assert_eq!(r["findings"][0]["package"], "alpha");
    assert_eq!(r["validate"]["schema"], "fetter.validate/1");
    assert!(
        r.get("rc").is_none(),
        "an rc field would make Ansible fail the task"
    );

    // A bound that cannot be read: the check did not run, the task fails,
    // naming the file and why.
    let (failed, r) = &results[2];
    assert!(failed, "{r:#}");
    assert_eq!(r["fetter_rc"], 1);
    assert!(
        msg(r).contains("missing.txt") && msg(r).contains("cannot read"),
        "{r:#}"
    );

    // OSV data that is not there: the audit did not run, the task fails.
    let (failed, r) = &results[3];
    assert!(*failed && msg(r).contains("no-osv"), "{r:#}");
    assert_eq!(r["fetter_rc"], 1);

    // A scope that leads to no environment fails, never passes empty.
    let (failed, r) = &results[4];
    assert!(*failed && msg(r).contains("typo"), "{r:#}");

    // A binary that is not there is named.
    let (failed, r) = &results[5];
    assert!(*failed && msg(r).contains("bin/fetter"), "{r:#}");

    // Misuse: two selections at once, an unknown quarantine.
    let (failed, r) = &results[6];
    assert!(*failed && msg(r).contains("exactly one"), "{r:#}");
    let (failed, r) = &results[7];
    assert!(*failed && msg(r).contains("no quarantine"), "{r:#}");

    // Check mode with --diff: the plan as the diff, nothing removed, and the
    // hostile name shown escaped (Ansible prints a diff as is).
    let (failed, r) = &results[8];
    assert!(!failed && r["changed"] == true, "{r:#}");
    let diff = r["diff"]["before"].as_str().unwrap();
    assert!(diff.contains("evil\\x1b[2K\\u202ename 1.0 in"), "{diff:?}");
    assert!(
        !diff.contains('\u{1b}') && !diff.contains('\u{202e}'),
        "{diff:?}"
    );
    assert_eq!(r["quarantine_id"], Value::Null);
    assert!(
        evil.site().join(info).join("METADATA").is_file(),
        "check mode removed it"
    );

    // The argument specs are what the documentation says (what ansible-test's
    // validate-modules checks), module by module.
    let names: Vec<String> = MODULES
        .iter()
        .map(|m| format!("fetter.fetter.{m}"))
        .collect();
    let docs = run_ok(ctl.command("ansible-doc").arg("--json").args(&names));
    let docs: Value = serde_json::from_str(&docs).unwrap();
    for (i, (m, name)) in MODULES.iter().zip(&names).enumerate() {
        let (failed, r) = &results[9 + i];
        let text = msg(r);
        assert!(
            *failed && text.contains("Unsupported parameters"),
            "{m}: {r:#}"
        );
        let listed = text.split("Supported parameters include: ").nth(1).unwrap();
        let spec: BTreeSet<&str> = listed
            .trim_end_matches('.')
            .split(", ")
            .map(|o| o.split(" (").next().unwrap())
            .collect();
        let documented: BTreeSet<&str> = docs[name]["doc"]["options"]
            .as_object()
            .unwrap_or_else(|| panic!("{name}: no options in {docs:#}"))
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(spec, documented, "{m}: argument spec vs DOCUMENTATION");
    }
}
