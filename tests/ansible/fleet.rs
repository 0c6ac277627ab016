//! The audit role and the purge/restore modules over a fleet of three hosts.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use super::{sshd, Controller, Recap};
use crate::common::*;

/// One inventory host: its own environment tree (one real venv), install
/// path and fetter data directory, all under the test's scratch dir.
struct Host {
    name: &'static str,
    venv: Venv,
    tree: PathBuf,
    install: PathBuf,
    data: PathBuf,
    tmp: PathBuf,
}

/// What each host has installed besides pip (and setuptools where the
/// Python's ensurepip brings it): web1 and web2 are within the bound, db1
/// is not (alpha 0.9 is below the bound's pin and vulnerable, gamma is not
/// in the bound at all).
const HOSTS: [(&str, &[&str]); 3] = [
    ("web1", &["alpha-1.0", "beta-2.0"]),
    ("web2", &["alpha-1.0"]),
    ("db1", &["alpha-0.9", "gamma-1.0"]),
];

/// The host reached over SSH (when sshd can run here).
const SSH_HOST: &str = "db1";

fn build_hosts(py: &Path, dir: &Path) -> Vec<Host> {
    let wheels = dir.join("wheels");
    let mut built = std::collections::BTreeMap::new();
    for spec in HOSTS.iter().flat_map(|(_, s)| s.iter()) {
        let (name, version) = spec.split_once('-').unwrap();
        built.entry(*spec).or_insert_with(|| {
            let src = dir.join("src").join(spec);
            fs::create_dir_all(&src).unwrap();
            build_wheel(py, &tiny_project(&src, name, version, None), &wheels)
        });
    }
    HOSTS
        .iter()
        .map(|(name, specs)| {
            let root = dir.join("hosts").join(name);
            let tree = root.join("tree");
            let venv = Venv::create(py, &tree.join("app/.venv"));
            let files: Vec<&str> = specs.iter().map(|s| built[s].to_str().unwrap()).collect();
            venv.pip(&[&["install"], files.as_slice()].concat());
            fs::create_dir_all(root.join("tmp")).unwrap();
            Host {
                name,
                venv,
                tree: tree.canonicalize().unwrap(),
                install: root.join("bin/fetter"),
                data: root.join("data"),
                tmp: root.join("tmp"),
            }
        })
        .collect()
}

/// The inventory: every host's own tree, install path and data dir; the
/// SSH host over loopback when sshd runs, else local like the others.
fn inventory(py: &Path, hosts: &[Host], ssh: Option<&sshd::Sshd>) -> Value {
    let mut all = serde_json::Map::new();
    for h in hosts {
        let mut vars = json!({
            "ansible_connection": "local",
            "ansible_python_interpreter": py,
            "ansible_remote_tmp": h.tmp,
            "fetter_root": [h.tree],
            "fetter_install_path": h.install,
            "fetter_data_dir": h.data,
        });
        if let (Some(s), true) = (ssh, h.name == SSH_HOST) {
            let v = vars.as_object_mut().unwrap();
            v.insert("ansible_connection".into(), json!("ssh"));
            v.insert("ansible_host".into(), json!("127.0.0.1"));
            v.insert("ansible_port".into(), json!(s.port));
            v.insert("ansible_user".into(), json!(s.user));
            v.insert("ansible_ssh_private_key_file".into(), json!(s.key));
            v.insert("ansible_ssh_executable".into(), json!(s.ssh));
            v.insert(
                "ansible_sftp_executable".into(),
                json!(s.ssh.with_file_name("sftp")),
            );
            // No compression (Ansible's default `-C`): the binary is copied
            // over loopback, where compressing it only costs time.
            v.insert(
                "ansible_ssh_args".into(),
                json!("-o ControlMaster=auto -o ControlPersist=60s"),
            );
            v.insert(
                "ansible_ssh_common_args".into(),
                json!(
                    "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"
                ),
            );
        }
        all.insert(h.name.to_string(), vars);
    }
    json!({"all": {"hosts": all}})
}

/// The playbook a team copies (README, "Fleets"), pointed at this test's
/// bound, OSV data and report directory.
fn site_playbook(dir: &Path) -> String {
    format!(
        "- name: Audit every Python environment with fetter\n  hosts: all\n  gather_facts: false\n  \
         roles:\n    - role: fetter.fetter.audit\n      vars:\n        fetter_binary: {bin}\n        \
         fetter_bounds: [{dir}/requirements.txt]\n        fetter_subset: true\n        \
         fetter_audit: true\n        fetter_osv_db: {dir}/osv\n        \
         fetter_reports_dir: {dir}/reports\n",
        bin = super::host_binary().display(),
        dir = dir.display()
    )
}

/// Every host's recap: nothing failed, and changed (or not) as wanted.
fn all_changed(run: &(std::collections::BTreeMap<String, Recap>, String), want_changed: bool) {
    let (recap, out) = run;
    assert_eq!(recap.len(), HOSTS.len(), "{recap:?}");
    for (host, r) in recap {
        assert_eq!(r.failed, 0, "{host}: {r:?}\n{out}");
        assert_eq!(r.changed > 0, want_changed, "{host}: {r:?}\n{out}");
    }
}

fn read_json(path: &Path) -> Value {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// (name, version) of every distribution a scan report lists.
fn scanned(scan: &Value) -> BTreeSet<(String, String)> {
    scan["distributions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["normalized_name"].as_str().unwrap().to_string(),
                d["version"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// A fleet: three hosts, a controller, sshd for one host.
struct Fleet {
    _s: Scratch,
    _sshd: Option<sshd::Sshd>,
    ctl: Controller,
    hosts: Vec<Host>,
}

fn fleet() -> Option<Fleet> {
    let py = python()?;
    let s = scratch();
    let ctl = Controller::new(&s.path.join("controller"))?;
    let hosts = build_hosts(&py, &s.path);
    let ssh = sshd::start(&s.path.join("sshd"));
    let dir = &ctl.dir;
    fs::write(
        dir.join("inventory.json"),
        serde_json::to_string_pretty(&inventory(&py, &hosts, ssh.as_ref())).unwrap(),
    )
    .unwrap();
    fs::write(
        dir.join("requirements.txt"),
        "alpha==1.0\nbeta==2.0\nsetuptools\n",
    )
    .unwrap();
    fs::create_dir_all(dir.join("osv")).unwrap();
    fs::write(
        dir.join("osv/PYSEC-2099-7.json"),
        r#"{"id": "PYSEC-2099-7", "summary": "alpha before 1.0 is vulnerable",
            "affected": [{"package": {"ecosystem": "PyPI", "name": "alpha"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0"}]}]}]}"#,
    )
    .unwrap();
    fs::write(dir.join("site.yml"), site_playbook(dir)).unwrap();
    Some(Fleet {
        _s: s,
        _sshd: ssh,
        ctl,
        hosts,
    })
}

#[test]
fn audit_role_check_mode_then_real_then_idempotent() {
    let Some(f) = fleet() else { return };
    let reports = f.ctl.dir.join("reports");

    // Check mode: every host would get fetter; nothing is installed, no
    // check runs without its binary, nothing is written on the controller.
    let play = f.ctl.playbook("site.yml", &["--check"]);
    all_changed(&play, true);
    for h in &f.hosts {
        assert!(
            !h.install.exists(),
            "check mode installed {}",
            h.install.display()
        );
    }
    assert!(!reports.exists(), "check mode wrote reports");

    // For real: installed byte-identical, reports fetched per host.
    let play = f.ctl.playbook("site.yml", &[]);
    all_changed(&play, true);
    if f._sshd.is_some() {
        assert!(play.1.contains(&format!("[{SSH_HOST}]")), "{}", play.1);
    }
    let binary = fs::read(super::host_binary()).unwrap();
    for h in &f.hosts {
        assert!(
            fs::read(&h.install).unwrap() == binary,
            "{} differs",
            h.install.display()
        );
        let dir = reports.join(h.name);
        let scan = read_json(&dir.join("scan.json"));
        let validate = read_json(&dir.join("validate.json"));
        let audit = read_json(&dir.join("audit.json"));
        assert_eq!(scan["schema"], "fetter.inventory/1");
        // The fetched inventory is exactly what pip lists in the host's venv.
        assert_eq!(scanned(&scan), h.venv.pip_list(), "{}", h.name);
        assert_eq!(scan["environments"][0]["prefix"], json!(h.venv.prefix));
        let vulnerable: Vec<&str> = audit["vulnerabilities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["id"].as_str().unwrap())
            .collect();
        if h.name == "db1" {
            assert_eq!(validate["outcome"], "violations", "{validate:#}");
            assert_eq!(
                diagnostic_codes(&validate),
                [
                    ("bounds/misdefined".to_string(), "alpha".to_string()),
                    ("bounds/unrequired".to_string(), "gamma".to_string()),
                ],
            );
            assert_eq!(vulnerable, ["PYSEC-2099-7"]);
        } else {
            assert_eq!(validate["outcome"], "pass", "{}: {validate:#}", h.name);
            assert!(vulnerable.is_empty(), "{}: {vulnerable:?}", h.name);
        }
    }

    // A second run, and check mode after it, change nothing.
    let play = f.ctl.playbook("site.yml", &[]);
    all_changed(&play, false);
    let play = f.ctl.playbook("site.yml", &["--check"]);
    all_changed(&play, false);

    // `fetter report` reads the fetched layout (when it exists on this branch).
    let out = run(fetter(&f.ctl.dir.join("home"))
        .args(["report", "--format", "json"])
        .arg(&reports));
    if out.status.code() != Some(2) {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let fleet = json(&out.stdout);
        assert_eq!(
            fleet["hosts"].as_array().unwrap().len(),
            HOSTS.len(),
            "{fleet:#}"
        );
    }
}

const INSTALL: &str = "- name: Install fetter\n  hosts: all\n  gather_facts: false\n  roles:\n    \
    - role: fetter.fetter.install\n      vars:\n        fetter_binary: BIN\n";

/// The last task of PURGE and RESTORE: the registered `task_result` recorded on
/// the controller as `results/HOST.TAG.json` (in check mode too).
const RECORD: &str = r#"    - name: Record the result
      ansible.builtin.copy:
        content: "{{ task_result | to_nice_json }}"
        dest: "{{ playbook_dir }}/results/{{ inventory_hostname }}.{{ tag }}.json"
        mode: "0644"
      delegate_to: localhost
      check_mode: false
      changed_when: false
"#;

/// Purge `alpha` on every host (then [`RECORD`]).
const PURGE: &str = r#"- name: Purge alpha
  hosts: all
  gather_facts: false
  tasks:
    - name: Purge alpha into the quarantine
      fetter.fetter.fetter_purge:
        executable: "{{ fetter_install_path }}"
        data_dir: "{{ fetter_data_dir }}"
        root: "{{ fetter_root }}"
        name: [alpha]
      register: task_result
"#;

/// Restore the quarantine the first real purge recorded (then [`RECORD`]).
const RESTORE: &str = r#"- name: Restore alpha
  hosts: all
  gather_facts: false
  tasks:
    - name: Put the purge back
      fetter.fetter.fetter_restore:
        executable: "{{ fetter_install_path }}"
        data_dir: "{{ fetter_data_dir }}"
        id: "{{ (lookup('ansible.builtin.file', playbook_dir ~ '/results/' ~ inventory_hostname ~ '.purge.json') | from_json).quarantine_id }}"
      register: task_result
"#;

fn alpha_of(h: &Host) -> Option<String> {
    h.venv
        .pip_list()
        .into_iter()
        .find(|(n, _)| n == "alpha")
        .map(|(_, v)| v)
}

#[test]
fn purge_then_restore_round_trip_with_check_mode_and_idempotence() {
    let Some(f) = fleet() else { return };
    let dir = &f.ctl.dir;
    let bin = super::host_binary();
    fs::write(
        dir.join("install.yml"),
        INSTALL.replace("BIN", bin.to_str().unwrap()),
    )
    .unwrap();
    fs::write(dir.join("purge.yml"), format!("{PURGE}{RECORD}")).unwrap();
    fs::write(dir.join("restore.yml"), format!("{RESTORE}{RECORD}")).unwrap();
    fs::create_dir_all(dir.join("results")).unwrap();
    let play = f.ctl.playbook("install.yml", &[]);
    all_changed(&play, true);
    let before: Vec<_> = f.hosts.iter().map(|h| h.venv.pip_list()).collect();
    let versions: Vec<String> = f.hosts.iter().map(|h| alpha_of(h).unwrap()).collect();
    let result =
        |h: &Host, tag: &str| read_json(&dir.join(format!("results/{}.{tag}.json", h.name)));

    // Check mode: the plan as the diff, nothing removed, no quarantine.
    let play = f
        .ctl
        .playbook("purge.yml", &["--check", "--diff", "-e", "tag=check"]);
    all_changed(&play, true);
    for ((h, before), version) in f.hosts.iter().zip(&before).zip(&versions) {
        assert_eq!(
            &h.venv.pip_list(),
            before,
            "check mode removed something on {}",
            h.name
        );
        assert!(
            play.1
                .contains(&format!("alpha {version} in {}", h.venv.prefix.display())),
            "no diff line for {}:\n{}",
            h.name,
            play.1
        );
        let r = result(h, "check");
        assert_eq!(r["changed"], true);
        assert_eq!(r["quarantine_id"], Value::Null);
        assert_eq!(r["removed"][0]["name"], "alpha", "{r:#}");
    }

    // For real: alpha gone as pip sees it, a quarantine id per host.
    let play = f.ctl.playbook("purge.yml", &["-e", "tag=purge"]);
    all_changed(&play, true);
    for h in &f.hosts {
        assert_eq!(alpha_of(h), None, "alpha still installed on {}", h.name);
        let id = result(h, "purge")["quarantine_id"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            h.data.join("quarantine").join(&id).is_dir(),
            "{}: no quarantine {id}",
            h.name
        );
    }

    // Nothing left to purge: no change.
    let play = f.ctl.playbook("purge.yml", &["-e", "tag=again"]);
    all_changed(&play, false);
    for h in &f.hosts {
        assert_eq!(result(h, "again")["removed"], json!([]));
    }

    // Restore in check mode changes nothing; for real it puts back exactly
    // what was there; a second restore reports no change.
    let play = f
        .ctl
        .playbook("restore.yml", &["--check", "-e", "tag=restore-check"]);
    all_changed(&play, true);
    for h in &f.hosts {
        assert_eq!(alpha_of(h), None, "check mode restored on {}", h.name);
    }
    let play = f.ctl.playbook("restore.yml", &["-e", "tag=restore"]);
    all_changed(&play, true);
    for (h, before) in f.hosts.iter().zip(&before) {
        assert_eq!(&h.venv.pip_list(), before, "{} after restore", h.name);
        h.venv.run_py("import alpha");
        assert_eq!(result(h, "restore")["state"], "complete");
    }
    let play = f.ctl.playbook("restore.yml", &["-e", "tag=restore-again"]);
    all_changed(&play, false);
    for h in &f.hosts {
        assert_eq!(result(h, "restore-again")["state"], "restored");
    }
}
