//! Policy bundles through a real OCI registry (Debian's `docker-registry`,
//! started per test on loopback), end to end through the CLI: push → pull
//! → validate a real venv from the store; tampered blobs, moved tags under
//! `--locked`, basic auth, TLS with a self-signed CA, save → load across
//! an "air gap", mirrors keeping digests, and hostile registries; a single
//! plugin pushed in the CNCF wasm layout; registry settings in the config file.

mod airgap;
mod auth;
mod bad_input;
mod referrers;
mod registry_config;
mod signing;
mod wasm_artifact;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use super::{codes, failure_messages, fetter_at, repo_path, text, venv_with_tiny};
use crate::common::registry::{Registry, Setup};
use crate::common::*;

/// A policy directory: `acme.toml` running a plugin file (allow-list,
/// copied beside it) with `allow`, and the first-party deprecated-names by
/// name (small: the debug build compiles it fast; typosquat is 5.6 MB).
fn write_policy(dir: &Path, allow: &[&str]) -> PathBuf {
    fs::create_dir_all(dir.join("plugins")).unwrap();
    fs::copy(
        repo_path("plugins/allow-list.wasm"),
        dir.join("plugins/allow-list.wasm"),
    )
    .unwrap();
    let allow: Vec<String> = allow.iter().map(|a| format!("{a:?}")).collect();
    let path = dir.join("acme.toml");
    fs::write(
        &path,
        format!(
            "name = \"acme\"\nversion = \"1.0.0\"\nfail-on = \"high\"\n\n[[plugin]]\npath = \"plugins/allow-list.wasm\"\n[plugin.settings]\nallow = [{}]\n\n[[plugin]]\nname = \"deprecated-names\"\n",
            allow.join(", ")
        ),
    )
    .unwrap();
    path
}

/// A registry set up as `setup`, a policy (allowing pip) and an empty
/// home, in `s`; `None` when the registry cannot be had.
fn start(s: &Scratch, setup: &Setup) -> Option<(Registry, PathBuf, PathBuf)> {
    let reg = Registry::start(&s.path.join("reg"), setup)?;
    let manifest = write_policy(&s.path.join("policy"), &["pip"]);
    let home = s.path.join("home");
    fs::create_dir_all(&home).unwrap();
    Some((reg, manifest, home))
}

/// `fetter policy ARGS` with `home` as its home (store, Docker config).
fn policy(home: &Path, args: &[&str]) -> Output {
    let mut c = fetter_at(home);
    c.env_remove("DOCKER_CONFIG").arg("policy").args(args);
    run(&mut c)
}

/// [`policy`], which must succeed; its stdout.
fn policy_ok(home: &Path, args: &[&str]) -> String {
    let out = policy(home, args);
    let (o, e) = text(&out);
    assert!(
        out.status.success(),
        "fetter policy {args:?} failed ({}):\n{o}\n{e}",
        out.status
    );
    o
}

/// `fetter --exe ENV validate --format json --policy P EXTRA…`.
fn validate_with(
    home: &Path,
    env: &Venv,
    policy: &str,
    extra: &[&str],
) -> (Output, serde_json::Value) {
    let mut c = fetter_at(home);
    c.env_remove("DOCKER_CONFIG")
        .arg("--exe")
        .arg(&env.prefix)
        .args(["validate", "--format", "json", "--policy", policy])
        .args(extra);
    let out = run(&mut c);
    let report = json(&out.stdout);
    (out, report)
}

/// The manifest digest in `HOST/REPO@sha256:…`.
fn digest_in(pinned: &str) -> String {
    pinned.trim().rsplit_once('@').unwrap().1.to_string()
}

/// The store's directory under `home`.
fn store_dir(home: &Path) -> PathBuf {
    home.join(".local/share/fetter/policies")
}

/// Whether anything was recorded in the store under `home`.
fn store_is_empty(home: &Path) -> bool {
    !store_dir(home).join("index.json").exists()
}

/// `fetter plugin info --json` sha256 of a plugin.
fn plugin_sha256(home: &Path, plugin: &str) -> String {
    let out = run_ok(fetter_at(home).args(["plugin", "info", "--json", plugin]));
    json(out.as_bytes())["sha256"].as_str().unwrap().to_string()
}

#[test]
fn push_pull_validate_from_the_store_and_fall_back_when_the_registry_is_down() {
    let s = scratch();
    let Some(env) = venv_with_tiny(&s) else {
        return;
    };
    let Some(mut reg) = Registry::start(&s.path.join("reg"), &Setup::default()) else {
        return;
    };
    let manifest = write_policy(&s.path.join("policy"), &["pip"]);
    let home = s.path.join("home");
    fs::create_dir_all(&home).unwrap();

    let pinned = policy_ok(
        &home,
        &[
            "push",
            manifest.to_str().unwrap(),
            &reg.oci("security/acme:v1"),
        ],
    );
    let digest = digest_in(&pinned);
    assert_eq!(
        pinned.trim(),
        format!("{}/security/acme@{digest}", reg.host()),
        "{}",
        reg.log()
    );
    // Pushing the same manifest again gives the same digest.
    let again = policy_ok(
        &home,
        &[
            "push",
            manifest.to_str().unwrap(),
            &reg.oci("security/acme:v1"),
        ],
    );
    assert_eq!(again, pinned);

    let lock = s.path.join("fetter.lock");
    let pulled = policy_ok(
        &home,
        &[
            "pull",
            &reg.oci("security/acme:v1"),
            "--lock",
            lock.to_str().unwrap(),
        ],
    );
    assert_eq!(pulled.trim(), pinned.trim());
    let lock_text = fs::read_to_string(&lock).unwrap();
    let locked: toml::Table = toml::from_str(&lock_text).unwrap();
    let b = &locked["bundle"].as_array().unwrap()[0];
    assert_eq!(
        b["source"].as_str(),
        Some(reg.oci("security/acme:v1").as_str())
    );
    assert_eq!(b["manifest-digest"].as_str(), Some(digest.as_str()));
    // Every layer is locked; each plugin layer's digest is what
    // `fetter plugin info` prints, first-party plugins packed too.
    let layers: Vec<(String, String, String)> = b["layer"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["path"].as_str().unwrap().to_string(),
                l["media-type"].as_str().unwrap().to_string(),
                l["digest"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let file_sha = plugin_sha256(
        &home,
        s.path
            .join("policy/plugins/allow-list.wasm")
            .to_str()
            .unwrap(),
    );
    let builtin_sha = plugin_sha256(&home, "deprecated-names");
    assert_eq!(
        layers,
        vec![
            (
                "policy.toml".into(),
                "application/vnd.fetter.policy.v1+toml".into(),
                format!("sha256:{}", sha256_hex(&fs::read(&manifest).unwrap()))
            ),
            (
                "plugins/allow-list.wasm".into(),
                "application/wasm".into(),
                format!("sha256:{file_sha}")
            ),
            (
                "builtin/deprecated-names.wasm".into(),
                "application/wasm".into(),
                format!("sha256:{builtin_sha}")
            ),
        ]
    );
    // The store is an OCI image layout.
    assert!(store_dir(&home).join("oci-layout").is_file());
    let list = policy_ok(&home, &["list", "--json"]);
    crate::common::schemas::assert_matches(
        "fetter.policy-list-1",
        &json(list.as_bytes()),
        "policy list --json",
    );
    assert!(
        list.contains(&format!("{}/security/acme:v1", reg.host())),
        "{list}"
    );
    let inspect = policy_ok(&home, &["inspect", &reg.oci("security/acme:v1"), "--json"]);
    let inspect = json(inspect.as_bytes());
    crate::common::schemas::assert_matches(
        "fetter.policy-inspect-1",
        &inspect,
        "policy inspect --json",
    );
    assert_eq!(inspect["config"]["name"], "acme");
    assert_eq!(inspect["plugins"][0]["settings"]["allow"][0], "pip");

    // The same verdicts as the manifest on local files.
    let (local_out, local) = validate_with(&home, &env, manifest.to_str().unwrap(), &[]);
    assert_eq!(local_out.status.code(), Some(3), "{local:#}");
    let (out, report) = validate_with(&home, &env, &reg.oci("security/acme:v1"), &[]);
    assert_eq!(out.status.code(), Some(3), "{report:#}");
    assert_eq!(codes(&report), codes(&local));
    assert!(
        codes(&report).iter().any(|(_, dist)| dist == "tiny-pkg"),
        "{report:#}"
    );
    let inputs = report["inputs"].to_string();
    assert!(
        inputs.contains(&digest) && !inputs.contains("unreachable"),
        "{inputs}"
    );
    // A lock file names the same bundle.
    let (out, by_lock) = validate_with(&home, &env, lock.to_str().unwrap(), &[]);
    assert_eq!(out.status.code(), Some(3), "{by_lock:#}");
    assert_eq!(codes(&by_lock), codes(&local));

    // `purge --policy` takes the same bundles: the dry run plans to remove what it denies.
    let acme = reg.oci("security/acme:v1");
    let purge = |extra: &[&str]| {
        let mut c = fetter_at(&home);
        c.env_remove("DOCKER_CONFIG")
            .arg("--exe")
            .arg(&env.prefix)
            .args(["purge", "--dry-run", "--format", "json", "--policy", &acme])
            .args(extra);
        run(&mut c)
    };
    let out = purge(&[]);
    let (o, e) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{o}\n{e}");
    assert!(o.contains("tiny-pkg"), "{o}");

    // Registry down: the last verified copy runs, and the report says how old it is.
    reg.stop();
    let (out, report) = validate_with(&home, &env, &reg.oci("security/acme:v1"), &[]);
    assert_eq!(out.status.code(), Some(3), "{report:#}");
    assert_eq!(codes(&report), codes(&local));
    let inputs = report["inputs"].to_string();
    assert!(
        inputs.contains("registry unreachable")
            && inputs.contains("last verified")
            && inputs.contains(" ago"),
        "{inputs}"
    );
    // --max-age turns an old copy into a failure (exit 1, never a pass).
    // Ages are whole seconds: 2.1 s later the copy is at least 2 s old.
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let (out, report) = validate_with(
        &home,
        &env,
        &reg.oci("security/acme:v1"),
        &["--max-age", "1s"],
    );
    assert_eq!(out.status.code(), Some(1), "{report:#}");
    assert!(
        failure_messages(&report)
            .iter()
            .any(|m| m.contains("--max-age 1s")),
        "{report:#}"
    );
    let (out, _) = validate_with(
        &home,
        &env,
        &reg.oci("security/acme:v1"),
        &["--max-age", "1h"],
    );
    assert_eq!(out.status.code(), Some(3));
    let out = purge(&["--max-age", "1s"]);
    let (o, e) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{o}\n{e}");
    assert!(
        e.contains("--max-age 1s") && !o.contains("tiny-pkg"),
        "{o}\n{e}"
    );

    // No store copy and no registry: fail closed.
    let empty_home = s.path.join("empty-home");
    fs::create_dir_all(&empty_home).unwrap();
    let (out, report) = validate_with(&empty_home, &env, &reg.oci("security/acme:v1"), &[]);
    assert_eq!(out.status.code(), Some(1), "{report:#}");
    let msgs = failure_messages(&report).join("\n");
    assert!(
        msgs.contains("not in the local store") && msgs.contains("cannot be reached"),
        "{msgs}"
    );
    assert!(store_is_empty(&empty_home));
}

#[test]
fn a_tampered_blob_in_the_registry_is_refused_naming_both_digests() {
    let s = scratch();
    let Some(reg) = Registry::start(&s.path.join("reg"), &Setup::default()) else {
        return;
    };
    let manifest = write_policy(&s.path.join("policy"), &["pip"]);
    let home = s.path.join("home");
    fs::create_dir_all(&home).unwrap();
    policy_ok(
        &home,
        &[
            "push",
            manifest.to_str().unwrap(),
            &reg.oci("security/acme:v1"),
        ],
    );
    let toml_digest = format!("sha256:{}", sha256_hex(&fs::read(&manifest).unwrap()));
    let blob = reg.blob_file(&toml_digest);
    let mut bytes = fs::read(&blob).unwrap();
    // Same length, one setting changed: `pip` → `pop`.
    let at = bytes.windows(5).position(|w| w == b"\"pip\"").unwrap();
    bytes[at + 2] = b'o';
    fs::write(&blob, &bytes).unwrap();
    let out = policy(
        &home,
        &[
            "pull",
            &reg.oci("security/acme:v1"),
            "--lock",
            s.path.join("l").to_str().unwrap(),
        ],
    );
    let (_, err) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let actual = format!("sha256:{}", sha256_hex(&bytes));
    assert!(
        err.contains(&format!("expected {toml_digest}")) && err.contains(&format!("got {actual}")),
        "{err}"
    );
    assert!(
        store_is_empty(&home),
        "nothing may be stored from a tampered pull"
    );
    assert!(!s.path.join("l").exists(), "nor locked");
}

#[test]
fn a_moved_tag_is_refused_under_locked_naming_both_digests() {
    let s = scratch();
    let Some(reg) = Registry::start(&s.path.join("reg"), &Setup::default()) else {
        return;
    };
    let home = s.path.join("home");
    fs::create_dir_all(&home).unwrap();
    let lock = s.path.join("fetter.lock");
    let lock = lock.to_str().unwrap();
    let first = write_policy(&s.path.join("v1"), &["pip"]);
    let old = digest_in(&policy_ok(
        &home,
        &["push", first.to_str().unwrap(), &reg.oci("sec/p:stable")],
    ));
    policy_ok(&home, &["pull", &reg.oci("sec/p:stable"), "--lock", lock]);
    // Same tag as locked: fine.
    policy_ok(
        &home,
        &["pull", &reg.oci("sec/p:stable"), "--lock", lock, "--locked"],
    );
    let second = write_policy(&s.path.join("v2"), &["pip", "tiny-pkg"]);
    let new = digest_in(&policy_ok(
        &home,
        &["push", second.to_str().unwrap(), &reg.oci("sec/p:stable")],
    ));
    assert_ne!(old, new);
    let out = policy(
        &home,
        &["pull", &reg.oci("sec/p:stable"), "--lock", lock, "--locked"],
    );
    let (_, err) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&old) && err.contains(&new) && err.contains("--locked"),
        "{err}"
    );
    assert!(fs::read_to_string(lock).unwrap().contains(&old));
    // A tag never locked is refused under --locked too.
    let out = policy(
        &home,
        &["pull", &reg.oci("sec/other:v1"), "--lock", lock, "--locked"],
    );
    assert_eq!(out.status.code(), Some(1));
    // Without --locked the lock moves.
    policy_ok(&home, &["pull", &reg.oci("sec/p:stable"), "--lock", lock]);
    assert!(fs::read_to_string(lock).unwrap().contains(&new));
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
