//! `fetter_policy` and the audit role's policy step against a real OCI
//! registry (Debian's `docker-registry` on loopback, `common::registry`):
//! a bundle pushed with `fetter policy push`, pulled by the module in check
//! mode (nothing written), for real (locked, stored), again (no change, the
//! lock byte for byte as it was); the audit role validating a host against
//! the locked bundle; `locked` refusing a moved tag; a registry that is down
//! failing the task with fetter's message.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use super::Controller;
use crate::common::registry::{Registry, Setup};
use crate::common::*;

/// A policy manifest in `dir` running the allow-list plugin (copied beside
/// it) allowing only `allow`.
fn manifest(dir: &Path, version: &str, allow: &[&str]) -> PathBuf {
    fs::create_dir_all(dir.join("plugins")).unwrap();
    let wasm = Path::new(env!("CARGO_MANIFEST_DIR")).join("../plugins/allow-list.wasm");
    fs::copy(wasm, dir.join("plugins/allow-list.wasm")).unwrap();
    let allow: Vec<String> = allow.iter().map(|a| format!("{a:?}")).collect();
    let path = dir.join("acme.toml");
    fs::write(
        &path,
        format!(
            "name = \"acme\"\nversion = \"{version}\"\n\n[[plugin]]\npath = \"plugins/allow-list.wasm\"\n[plugin.settings]\nallow = [{}]\n",
            allow.join(", ")
        ),
    )
    .unwrap();
    path
}

/// `fetter policy push MANIFEST REF` from the test's own home.
fn push(home: &Path, manifest: &Path, reference: &str) {
    run_ok(
        fetter(home)
            .env_remove("DOCKER_CONFIG")
            .args(["policy", "push"])
            .arg(manifest)
            .arg(reference),
    );
}

/// A playbook on localhost running the module with `args` (errors
/// ignored) and `extra` ansible-playbook flags; the task's result.
fn pull(ctl: &Controller, args: &Value, extra: &[&str]) -> Value {
    let python = python().unwrap();
    let result = ctl.dir.join("r.json");
    let playbook = json!([{
        "hosts": "localhost",
        "gather_facts": false,
        "vars": {"ansible_python_interpreter": python},
        "tasks": [
            {"name": "pull", "fetter.fetter.fetter_policy": args, "register": "r",
             "ignore_errors": true},
            {"name": "record", "ansible.builtin.copy": {"content": "{{ r | to_json }}",
             "dest": result, "mode": "0644"}, "check_mode": false, "diff": false},
        ],
    }]);
    fs::write(ctl.dir.join("pull.yml"), playbook.to_string()).unwrap();
    let out = run(ctl
        .command("ansible-playbook")
        .args(["-i", "localhost,", "-c", "local", "pull.yml"])
        .args(extra));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    serde_json::from_str(&fs::read_to_string(result).unwrap()).unwrap()
}

/// The host's store: what `index.json` names (absent: nothing).
fn store_index(data: &Path) -> Option<String> {
    fs::read_to_string(data.join("policies/index.json")).ok()
}

#[test]
fn policy_pull_check_mode_idempotence_role_and_failures() {
    let Some(py) = python() else { return };
    let s = scratch();
    let Some(ctl) = Controller::new(&s.path.join("controller")) else {
        return;
    };
    let Some(mut reg) = Registry::start(&s.path.join("registry"), &Setup::default()) else {
        return;
    };
    let home = s.path.join("home");
    fs::create_dir_all(&home).unwrap();
    let reference = reg.oci("security/base:v1");
    let v1 = manifest(&s.path.join("policy1"), "1.0.0", &["pip"]);
    push(&home, &v1, &reference);

    // The host: a venv holding alpha (which the policy does not allow), its
    // lock and fetter data dir.
    let venv = Venv::create_with(&py, &s.path.join("host/app/.venv"), &["--without-pip"]);
    write_dist(
        &venv.site(),
        "alpha-1.0.dist-info",
        "Metadata-Version: 2.1\nName: alpha\nVersion: 1.0\n",
    );
    let lock = s.path.join("host/etc/fetter.lock");
    let data = s.path.join("host/data");
    fs::create_dir_all(lock.parent().unwrap()).unwrap();
    let args = json!({"executable": fetter_bin(), "data_dir": data, "ref": reference,
                      "lock": lock});

    // Check mode: it would change, says what it would pin; nothing written.
    let r = pull(&ctl, &args, &["--check", "--diff"]);
    assert_eq!(
        (&r["failed"], &r["changed"]),
        (&json!(false), &json!(true)),
        "{r:#}"
    );
    let digest = r["digest"].as_str().unwrap().to_string();
    assert!(digest.starts_with("sha256:") && digest.len() == 71, "{r:#}");
    assert!(
        r["diff"]["after"].as_str().unwrap().contains(&digest),
        "{r:#}"
    );
    assert_eq!(r["pinned"], json!({}), "{r:#}");
    assert!(!lock.exists(), "check mode wrote the lock");
    assert_eq!(store_index(&data), None, "check mode stored the bundle");
    let leftovers: Vec<_> = fs::read_dir(lock.parent().unwrap()).unwrap().collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // For real: the lock pins the digest check mode announced, and the
    // store holds the bundle by that digest.
    let r = pull(&ctl, &args, &[]);
    assert_eq!(
        (&r["failed"], &r["changed"]),
        (&json!(false), &json!(true)),
        "{r:#}"
    );
    assert_eq!(r["digest"], json!(digest), "{r:#}");
    assert_eq!(r["pinned"], json!({ &reference: &digest }), "{r:#}");
    let locked = fs::read(&lock).unwrap();
    assert!(String::from_utf8_lossy(&locked).contains(&digest));
    let index = store_index(&data).expect("the store is empty");
    assert!(index.contains(&digest), "{index}");
    assert_eq!(
        fs::read_dir(lock.parent().unwrap()).unwrap().count(),
        1,
        "temp files left"
    );

    // Again (a second later, so a rewritten pulled-at would show), and in
    // check mode: no change, the lock byte for byte as it was.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    for extra in [&[][..], &["--check"][..]] {
        let r = pull(&ctl, &args, extra);
        assert_eq!(
            (&r["failed"], &r["changed"]),
            (&json!(false), &json!(false)),
            "{extra:?} {r:#}"
        );
        assert_eq!(
            fs::read(&lock).unwrap(),
            locked,
            "{extra:?}: the lock was rewritten"
        );
    }

    // The audit role with the policy: validate.json carries the policy's
    // verdict, the same as fetter gives for the manifest itself; a second
    // run changes nothing.
    let inventory = json!({"all": {"hosts": {"h1": {
        "ansible_connection": "local",
        "ansible_python_interpreter": py,
    }}}});
    fs::write(ctl.dir.join("inventory.json"), inventory.to_string()).unwrap();
    let reports = ctl.dir.join("reports");
    let site = json!([{
        "name": "audit", "hosts": "all", "gather_facts": false,
        "roles": [{"role": "fetter.fetter.audit", "vars": {
            "fetter_install": false,
            "fetter_install_path": fetter_bin(),
            "fetter_data_dir": data,
            "fetter_exe": [venv.prefix],
            "fetter_policy_ref": reference,
            "fetter_policy_lock": lock,
            "fetter_policy_locked": true,
            "fetter_reports_dir": reports,
        }}],
    }]);
    fs::write(ctl.dir.join("site.yml"), site.to_string()).unwrap();
    let (recap, text) = ctl.playbook("site.yml", &[]);
    assert_eq!(recap["h1"].failed, 0, "{text}");
    let validate: Value =
        serde_json::from_str(&fs::read_to_string(reports.join("h1/validate.json")).unwrap())
            .unwrap();
    let direct = run(fetter(&home)
        .arg("--exe")
        .arg(&venv.prefix)
        .args(["validate", "--format", "json", "--policy"])
        .arg(&v1));
    let direct: Value = serde_json::from_slice(&direct.stdout).unwrap();
    assert_eq!(validate["outcome"], "violations", "{validate:#}");
    let codes = diagnostic_codes(&validate);
    assert!(codes.iter().any(|(_, d)| d == "alpha"), "{codes:?}");
    assert_eq!(codes, diagnostic_codes(&direct));
    let (recap, text) = ctl.playbook("site.yml", &[]);
    assert_eq!((recap["h1"].changed, recap["h1"].failed), (0, 0), "{text}");

    // The tag moves: `locked` refuses naming both digests and leaves the
    // lock; without it the lock moves.
    push(
        &home,
        &manifest(&s.path.join("policy2"), "2.0.0", &["alpha"]),
        &reference,
    );
    let mut strict = args.clone();
    strict["locked"] = json!(true);
    let r = pull(&ctl, &strict, &[]);
    let msg = r["msg"].as_str().unwrap_or("");
    assert_eq!(r["failed"], true, "{r:#}");
    assert!(msg.contains(&digest) && msg.contains("--locked"), "{msg}");
    assert!(msg.contains(lock.to_str().unwrap()), "{msg}");
    assert_eq!(fs::read(&lock).unwrap(), locked);
    let r = pull(&ctl, &args, &[]);
    assert_eq!(
        (&r["failed"], &r["changed"]),
        (&json!(false), &json!(true)),
        "{r:#}"
    );
    assert_ne!(r["digest"], json!(digest), "{r:#}");
    assert_eq!(r["pinned"][&reference], r["digest"], "{r:#}");

    // The registry is down: the pull fails the task with fetter's message,
    // in check mode too, and the lock stays as it was.
    let moved = fs::read(&lock).unwrap();
    reg.stop();
    for extra in [&[][..], &["--check"][..]] {
        let r = pull(&ctl, &args, extra);
        let msg = r["msg"].as_str().unwrap_or("");
        assert_eq!(r["failed"], true, "{extra:?} {r:#}");
        assert!(
            msg.starts_with("fetter policy pull could not run (exit 1): "),
            "{msg}"
        );
        assert!(msg.contains(&reg.host()), "{msg}");
    }
    assert_eq!(fs::read(&lock).unwrap(), moved);
}
