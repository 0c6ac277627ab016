//! Registry authentication and transport: htpasswd basic auth with
//! credentials from the Docker config file, and HTTPS with a self-signed
//! CA given by `--ca-cert`.

use std::fs;
use std::path::Path;
use std::process::Command;

use base64::Engine as _;

use super::{policy, policy_ok, store_is_empty};
use crate::common::registry::Setup;
use crate::common::*;

fn docker_config(home: &Path, registry: &str, user: &str, password: &str) {
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    fs::create_dir_all(home.join(".docker")).unwrap();
    fs::write(
        home.join(".docker/config.json"),
        format!(r#"{{"auths": {{"{registry}": {{"auth": "{auth}"}}}}}}"#),
    )
    .unwrap();
}

#[test]
fn basic_auth_against_htpasswd_with_docker_config_credentials() {
    let s = scratch();
    let hash = bcrypt::hash_with_result("s3cret", 4)
        .unwrap()
        .format_for_version(bcrypt::Version::TwoY);
    let htpasswd = s.path.join("htpasswd");
    fs::write(&htpasswd, format!("alice:{hash}\n")).unwrap();
    let setup = Setup {
        htpasswd: Some(htpasswd),
        ..Setup::default()
    };
    let Some((reg, manifest, home)) = super::start(&s, &setup) else {
        return;
    };
    let m = manifest.to_str().unwrap();

    let out = policy(&home, &["push", m, &reg.oci("sec/acme:v1")]);
    let (_, err) = super::text(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("requires credentials") && err.contains(".docker/config.json"),
        "{err}"
    );

    docker_config(&home, &reg.host(), "alice", "wrong");
    let out = policy(&home, &["push", m, &reg.oci("sec/acme:v1")]);
    let (_, err) = super::text(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("refused the credentials"), "{err}");
    assert!(
        !err.contains("wrong"),
        "the password never reaches the terminal: {err}"
    );

    docker_config(&home, &reg.host(), "alice", "s3cret");
    let pinned = policy_ok(&home, &["push", m, &reg.oci("sec/acme:v1")]);
    let lock = s.path.join("fetter.lock");
    let pulled = policy_ok(
        &home,
        &[
            "pull",
            &reg.oci("sec/acme:v1"),
            "--lock",
            lock.to_str().unwrap(),
        ],
    );
    assert_eq!(pulled, pinned);
}

/// A CA and a certificate for 127.0.0.1 signed by it, with openssl.
pub(super) fn make_certs(dir: &Path) -> Option<()> {
    if Command::new("openssl").arg("version").output().is_err() {
        skip_or_fail("openssl is not installed (needed to make a test CA)");
        return None;
    }
    fs::create_dir_all(dir).unwrap();
    fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    for args in [
        "req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=fetter-test-ca -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign",
        "req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=127.0.0.1",
        "x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile ext.cnf",
    ] {
        let out = Command::new("openssl")
            .args(args.split(' '))
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "openssl {args}: {}", String::from_utf8_lossy(&out.stderr));
    }
    Some(())
}

#[test]
fn tls_with_a_self_signed_ca_needs_ca_cert() {
    let s = scratch();
    let certs = s.path.join("certs");
    if make_certs(&certs).is_none() {
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
    let ca = certs.join("ca.pem");
    let ca = ca.to_str().unwrap();

    // Not trusted without the CA: refused, and no plain-HTTP fallback.
    let out = policy(&home, &["push", m, &reg.oci("sec/acme:v1")]);
    let (_, err) = super::text(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("https://") && err.to_lowercase().contains("certificate"),
        "{err}"
    );

    let pinned = policy_ok(
        &home,
        &["push", m, &reg.oci("sec/acme:v1"), "--ca-cert", ca],
    );
    let lock = s.path.join("fetter.lock");
    let out = policy(
        &home,
        &[
            "pull",
            &reg.oci("sec/acme:v1"),
            "--lock",
            lock.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(store_is_empty(&home));
    let pulled = policy_ok(
        &home,
        &[
            "pull",
            &reg.oci("sec/acme:v1"),
            "--lock",
            lock.to_str().unwrap(),
            "--ca-cert",
            ca,
        ],
    );
    assert_eq!(pulled, pinned);
}
