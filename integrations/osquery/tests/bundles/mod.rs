//! `[[policy]] bundle = "oci://…@sha256:…"` end to end: a policy bundle is
//! pushed to a real OCI registry (Debian's `docker-registry` on loopback)
//! and pulled into a store as `fetter policy push` and `pull` do; the
//! registry is then stopped, and the extension runs the bundle from that
//! store over a real venv. A reference the store lacks, one the trust
//! rules refuse, and a store blob changed on disk are `error` rows that
//! name the reference and the reason.

use std::fs;
use std::path::Path;
use std::time::Duration;

use fetter::oci::client::{Client, ClientOptions};
use fetter::oci::store::Store;
use fetter::oci::{bundle, fetch, signatures, Reference};
use fetter::trust::TrustPolicy;
use serde_json::{json, Value};

use crate::common::registry::{Registry, Setup};
use crate::support::*;
use crate::{col, rows};

/// A policy directory: `acme.toml` running the allow-list plugin file
/// (copied beside it) allowing only pip and alpha, and the first-party
/// deprecated-names by name.
fn write_policy(dir: &Path) -> std::path::PathBuf {
    fs::create_dir_all(dir.join("plugins")).unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    fs::copy(
        repo.join("plugins/allow-list.wasm"),
        dir.join("plugins/allow-list.wasm"),
    )
    .unwrap();
    let path = dir.join("acme.toml");
    fs::write(
        &path,
        "name = \"acme\"\nversion = \"1.0.0\"\nfail-on = \"high\"\n\n\
         [[plugin]]\npath = \"plugins/allow-list.wasm\"\n[plugin.settings]\nallow = [\"pip\", \"alpha\"]\n\n\
         [[plugin]]\nname = \"deprecated-names\"\n",
    )
    .unwrap();
    path
}

/// Publish `manifest` as `reference` (`oci://HOST/REPO:TAG`), as
/// `fetter policy push` does; the manifest digest.
fn push(manifest: &Path, reference: &str) -> String {
    let r = Reference::parse(reference).unwrap();
    let artifact = bundle::build(manifest, None).unwrap();
    let client = Client::connect(&r, &ClientOptions::default()).unwrap();
    fetch::upload(
        &client,
        artifact.blobs(),
        &artifact.manifest,
        r.tag_or_latest(),
    )
    .unwrap()
}

/// Pull `reference` into `store`, as `fetter policy pull` does (checked
/// completely, under no trust rules); the manifest digest.
fn pull(store: &Store, reference: &str) -> String {
    let r = Reference::parse(reference).unwrap();
    let client = Client::connect(&r, &ClientOptions::default()).unwrap();
    let manifest = client.get_manifest(r.manifest_ref()).unwrap();
    let trust = TrustPolicy::load(&[]).unwrap();
    let (pulled, _) =
        signatures::pull_trusted(store, &client, &r, manifest, &trust, r.digest.is_some()).unwrap();
    pulled.digest
}

/// The `error` rows of a `fetter_findings` answer, by `source`.
fn errors(f: &Value) -> Vec<(String, String)> {
    rows(f)
        .iter()
        .filter(|r| col(r, "outcome") == "error")
        .map(|r| (col(r, "source").to_string(), col(r, "message").to_string()))
        .collect()
}

#[test]
fn bundles_run_from_the_local_store_only() {
    let Some(py) = python() else { return };
    let Some(oq) = osquery_python() else { return };
    let dir = scratch();
    let root = dir.path().canonicalize().unwrap();
    let Some(mut reg) = Registry::start(&root.join("reg"), &Setup::default()) else {
        return;
    };
    let env = Venv::create(&py, &root.join("envs/a"));
    let wheels = root.join("build");
    env.install(&[
        &tiny_wheel(&py, &wheels, "alpha", "1.0"),
        &tiny_wheel(&py, &wheels, "beta", "1.0"),
    ]);

    // Publish, then pull into the store the extension reads. The same
    // bundle also goes to a repository the trust rules want signed.
    let manifest = write_policy(&root.join("policy"));
    let digest = push(&manifest, &reg.oci("security/acme:v1"));
    assert_eq!(push(&manifest, &reg.oci("security/signed:v1")), digest);
    let store = Store::at(root.join("store"));
    let acme = format!("{}@{digest}", reg.oci("security/acme"));
    let signed = format!("{}@{digest}", reg.oci("security/signed"));
    assert_eq!(pull(&store, &acme), digest);
    assert_eq!(pull(&store, &signed), digest);
    // Nothing from here on may need the registry.
    reg.stop();

    let missing = format!("{}@sha256:{}", reg.oci("security/acme"), "0".repeat(64));
    fs::write(root.join("allowed_signers"), "# nobody signs yet\n").unwrap();
    fs::write(
        root.join("trust.toml"),
        format!(
            "[[rule]]\nscope = \"*\"\nrequire = [\"pin\"]\n\n\
             [[rule]]\nscope = \"{}/security/signed\"\nrequire = [\"signature\"]\nallowed-signers = \"allowed_signers\"\n",
            reg.host()
        ),
    )
    .unwrap();
    let config = root.join("osquery.toml");
    fs::write(
        &config,
        format!(
            "refresh-seconds = 3600\nstore = \"store\"\ntrust = \"trust.toml\"\n\
             [scope]\nroots = [\"envs\"]\n\
             [[policy]]\nbundle = \"{acme}\"\n\
             [[policy]]\nbundle = \"{missing}\"\n\
             [[policy]]\nbundle = \"{signed}\"\n\
             [plugins]\ncache-dir = \"plugin-cache\"\n"
        ),
    )
    .unwrap();

    // `--scan-once` first: exit 1 for the two bundles that cannot run (it
    // also compiles the plugins into the cache at normal priority).
    let once = std::process::Command::new(env!("CARGO_BIN_EXE_fetter-osquery"))
        .args(["--scan-once", "--config"])
        .arg(&config)
        .env("HOME", &root)
        .output()
        .unwrap();
    let summary: Value = serde_json::from_slice(&once.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&once.stderr));
    });
    assert_eq!(once.status.code(), Some(1), "{summary}");
    assert_eq!(summary["errors"].as_array().unwrap().len(), 2, "{summary}");

    let mut run = Running::start(&oq, &root, &config);
    let m = &mut run.manager;
    wait_for_scans(m, 1);
    let f = m.generate("fetter_findings", None);

    // The bundle's plugins judged the venv: beta is not on the allow-list.
    let beta = rows(&f)
        .iter()
        .find(|r| col(r, "package") == "beta")
        .unwrap_or_else(|| panic!("{f}"));
    assert_eq!(col(beta, "check_name"), "plugin:allow-list", "{beta}");
    assert_eq!(col(beta, "rule"), "allow-list/not-allowed", "{beta}");
    assert_eq!(col(beta, "outcome"), "violation", "{beta}");
    assert_eq!(col(beta, "environment"), env.prefix.to_str().unwrap());
    assert!(
        !rows(&f).iter().any(|r| col(r, "package") == "alpha"),
        "alpha is allowed: {f}"
    );

    // Not in the store, and refused by trust: error rows, by reference.
    let errs = errors(&f);
    assert_eq!(errs.len(), 2, "{f}");
    let reason = |reference: &str| -> &str {
        &errs
            .iter()
            .find(|(s, _)| s == reference)
            .unwrap_or_else(|| panic!("no error row for {reference}: {errs:?}"))
            .1
    };
    assert!(
        reason(&missing).contains("not in the local store")
            && reason(&missing).contains(root.join("store").to_str().unwrap()),
        "{errs:?}"
    );
    assert!(
        reason(&signed).contains("refused by trust") && reason(&signed).contains("unsigned"),
        "{errs:?}"
    );

    // A store blob changed on disk: the bundle is refused, not skipped.
    let manifest_blob = store.blob_path(&digest).unwrap();
    let mut bytes = fs::read(&manifest_blob).unwrap();
    bytes.push(b'\n');
    fs::write(&manifest_blob, bytes).unwrap();
    let r = m.send(json!({"cmd": "call", "table": "fetter_scan",
        "request": {"action": "generate", "context": equals(&[("refresh", &["1"])]).to_string()}}));
    assert_eq!(col(&rows(&r)[0], "refresh"), "1", "{r}");
    wait_for_scans(m, 2);
    let f = m.generate("fetter_findings", None);
    let errs = errors(&f);
    assert_eq!(errs.len(), 3, "{f}");
    let tampered = &errs
        .iter()
        .find(|(s, _)| *s == acme)
        .unwrap_or_else(|| panic!("{errs:?}"))
        .1;
    assert!(tampered.contains("digest mismatch"), "{tampered}");
    assert!(
        !rows(&f).iter().any(|r| col(r, "outcome") == "violation"),
        "{f}"
    );

    m.send(json!({"cmd": "exit"}));
    let status = wait_exit(&mut run.extension.0, Duration::from_secs(15));
    assert!(
        status.is_some_and(|s| s.success()),
        "exit {status:?}; log:\n{}",
        run.log_text()
    );
}
