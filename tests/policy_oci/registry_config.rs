//! Registry settings in fetter's config file (`[registry]` in
//! `~/.config/fetter/config.toml`): a private CA trusted with no flag, the
//! flag overriding the file, a bad value named with the file and the key,
//! and plain HTTP to a registry that is not on loopback refused unless the
//! file lists it under `insecure` (or `--insecure` is given).
//!
//! A non-loopback registry on a test machine: the registry listens on
//! 127.0.0.1 and is reached as `0.0.0.0:PORT`, which Linux connects to
//! this machine but which is not a loopback address to fetter (nor to
//! `IpAddr::is_loopback`).

use std::fs;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::wasm_artifact::get;
use super::{policy, policy_ok, store_is_empty, text};
use crate::common::registry::{Registry, Setup};
use crate::common::snap;
use crate::common::*;

/// Write `body` as the user's config file under `home`; its path.
fn config(home: &Path, body: &str) -> PathBuf {
    let dir = home.join(".config/fetter");
    fs::create_dir_all(&dir).unwrap();
    let path = dir.join("config.toml");
    fs::write(&path, body).unwrap();
    path
}

#[test]
fn a_private_ca_in_the_config_file_needs_no_flag_and_the_flag_overrides_it() {
    let s = scratch();
    let certs = s.path.join("certs");
    let other = s.path.join("other");
    if super::auth::make_certs(&certs).is_none() || super::auth::make_certs(&other).is_none() {
        return;
    }
    let setup = Setup {
        tls: Some((certs.join("server.pem"), certs.join("server.key"))),
        ..Setup::default()
    };
    let Some((reg, manifest, home)) = super::start(&s, &setup) else {
        return;
    };
    let m = manifest.to_str().unwrap();
    let lock = s.path.join("fetter.lock");
    let lock = lock.to_str().unwrap();

    // The CA beside the config file, named relative to it.
    let conf = config(&home, "[registry]\nca-cert = \"ca.pem\"\n");
    fs::copy(certs.join("ca.pem"), conf.parent().unwrap().join("ca.pem")).unwrap();
    let pinned = policy_ok(&home, &["push", m, &reg.oci("sec/acme:v1")]);
    let pulled = policy_ok(&home, &["pull", &reg.oci("sec/acme:v1"), "--lock", lock]);
    assert_eq!(pulled, pinned);
    let shown = run_ok(super::fetter_at(&home).args(["config", "show"]));
    assert!(
        shown.contains("[registry]")
            && shown.contains(&format!(
                "{}",
                conf.parent().unwrap().join("ca.pem").display()
            )),
        "{shown}"
    );

    // --ca-cert replaces the file's CA: another CA does not verify the registry.
    let other_ca = other.join("ca.pem");
    let out = policy(
        &home,
        &[
            "push",
            m,
            &reg.oci("sec/acme:v2"),
            "--ca-cert",
            other_ca.to_str().unwrap(),
        ],
    );
    let (_, err) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.to_lowercase().contains("certificate"), "{err}");

    // The file's CA applies to every registry, so it does not stop plain
    // HTTP to a loopback one (a CA given with --ca-cert does: that flag
    // says the registry speaks TLS).
    let plain = Registry::start(&s.path.join("plain"), &Setup::default()).unwrap();
    policy_ok(&home, &["push", m, &plain.oci("sec/acme:v1")]);
    let out = policy(
        &home,
        &[
            "push",
            m,
            &plain.oci("sec/acme:v1"),
            "--ca-cert",
            certs.join("ca.pem").to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{:?}", text(&out));

    // A bad value: an error naming the file and the key, nothing stored.
    let fresh = s.path.join("fresh");
    let conf = config(&fresh, "[registry]\nca-cert = \"missing.pem\"\n");
    let mut t = snap::Transcript::new();
    let mut said = |what: &str, args: &[&str]| {
        let out = policy(&fresh, args);
        let (o, e) = text(&out);
        assert_eq!(out.status.code(), Some(1), "{what}: {e}");
        t.push(what, &format!("policy {}", args.join(" ")), 1, &o, &e);
    };
    said(
        "a missing CA file",
        &["pull", &reg.oci("sec/acme:v1"), "--lock", lock],
    );
    assert!(store_is_empty(&fresh));
    fs::write(&conf, "[registry]\nca-cert = \"../../notes.txt\"\n").unwrap();
    fs::write(fresh.join("notes.txt"), "not a certificate\n").unwrap();
    said(
        "a CA file with no certificate",
        &["push", m, &reg.oci("sec/acme:v3")],
    );
    fs::write(
        &conf,
        "[registry]\ninsecure = [\"http://registry.lan:5000\"]\n",
    )
    .unwrap();
    said(
        "an insecure entry that is a URL",
        &["push", m, &reg.oci("sec/acme:v3")],
    );
    // Each names the file and the key.
    snap::redacted(&s.path)
        .bind(|| insta::assert_snapshot!("policy_oci_registry_config_errors", t.text()));
}

#[test]
fn plain_http_to_a_registry_off_loopback_only_when_listed_insecure() {
    let s = scratch();
    let Some((reg, manifest, home)) = super::start(&s, &Setup::default()) else {
        return;
    };
    if TcpStream::connect_timeout(
        &format!("0.0.0.0:{}", reg.port).parse().unwrap(),
        Duration::from_secs(2),
    )
    .is_err()
    {
        skip_for_machine("connecting to 0.0.0.0 does not reach this machine (not Linux?)");
        return;
    }
    let m = manifest.to_str().unwrap();
    let target = format!("oci://0.0.0.0:{}/sec/acme:v1", reg.port);
    let no_repo = || get(&reg, "/v2/sec/acme/tags/list", None).0 == 404;

    // Not loopback, not listed: TLS only, and the error says how to allow it.
    let out = policy(&home, &["push", m, &target]);
    let (o, err) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let mut t = snap::Transcript::new();
    t.push(
        "plain HTTP off loopback, not listed",
        "policy push [MANIFEST] oci://0.0.0.0:[PORT]/sec/acme:v1",
        1,
        &o,
        &err,
    );
    snap::redacted(&s.path)
        .bind(|| insta::assert_snapshot!("policy_oci_plain_http_refused", t.text()));
    assert!(no_repo(), "nothing may be pushed over plain HTTP");
    // Another port of the host listed: still refused.
    config(&home, "[registry]\ninsecure = [\"0.0.0.0:1\"]\n");
    let out = policy(&home, &["push", m, &target]);
    assert_eq!(out.status.code(), Some(1), "{:?}", text(&out));
    assert!(no_repo());

    // Listed as HOST:PORT: plain HTTP, push and pull.
    config(
        &home,
        &format!("[registry]\ninsecure = [\"0.0.0.0:{}\"]\n", reg.port),
    );
    let pinned = policy_ok(&home, &["push", m, &target]);
    assert!(
        pinned.starts_with(&format!("0.0.0.0:{}/sec/acme@sha256:", reg.port)),
        "{pinned}"
    );
    let lock = s.path.join("fetter.lock");
    let pulled = policy_ok(&home, &["pull", &target, "--lock", lock.to_str().unwrap()]);
    assert_eq!(pulled, pinned);
    // A bare HOST covers every port.
    config(&home, "[registry]\ninsecure = [\"0.0.0.0\"]\n");
    assert_eq!(policy_ok(&home, &["push", m, &target]), pinned);
    // With no file, --insecure allows it for this command.
    fs::remove_file(home.join(".config/fetter/config.toml")).unwrap();
    assert_eq!(
        policy_ok(&home, &["push", m, &target, "--insecure"]),
        pinned
    );
}
