//! Air gaps: `save` → stop the registry → `load` on a machine that never
//! saw it → validate offline; `load --push` to a mirror keeps every
//! digest; a tampered tarball changes nothing.

use std::fs;

use super::{codes, digest_in, policy, policy_ok, store_is_empty, validate_with, write_policy};
use crate::common::registry::{Registry, Setup};
use crate::common::*;

#[test]
fn save_stop_load_validate_offline_and_mirror_with_the_same_digests() {
    let s = scratch();
    let Some(env) = super::venv_with_tiny(&s) else {
        return;
    };
    let Some(mut reg) = Registry::start(&s.path.join("reg"), &Setup::default()) else {
        return;
    };
    let manifest = write_policy(&s.path.join("policy"), &["pip"]);
    let online = s.path.join("online");
    fs::create_dir_all(&online).unwrap();
    let lock = s.path.join("fetter.lock");
    let lock = lock.to_str().unwrap();
    let pinned = policy_ok(
        &online,
        &[
            "push",
            manifest.to_str().unwrap(),
            &reg.oci("security/acme:v1"),
        ],
    );
    let digest = digest_in(&pinned);
    policy_ok(
        &online,
        &["pull", &reg.oci("security/acme:v1"), "--lock", lock],
    );
    let tar = s.path.join("policies.tar");
    policy_ok(&online, &["save", "-o", tar.to_str().unwrap()]);

    // A mirror: same tag, same manifest digest, pullable by it.
    let mirror_home = s.path.join("mirror");
    fs::create_dir_all(&mirror_home).unwrap();
    let mirror = format!("oci://{}/mirror/acme", reg.host());
    let pushed = policy_ok(
        &mirror_home,
        &["load", tar.to_str().unwrap(), "--push", &mirror],
    );
    assert_eq!(
        pushed.trim(),
        format!("{}/mirror/acme@{digest}", reg.host()),
        "{pushed}"
    );
    let third = s.path.join("third");
    fs::create_dir_all(&third).unwrap();
    let from_mirror = policy_ok(
        &third,
        &[
            "pull",
            &format!("{mirror}:v1"),
            "--lock",
            s.path.join("m.lock").to_str().unwrap(),
        ],
    );
    assert_eq!(digest_in(&from_mirror), digest);
    // A tag on the mirror needs a repository, not a tag.
    let out = policy(
        &mirror_home,
        &[
            "load",
            tar.to_str().unwrap(),
            "--push",
            &format!("{mirror}:v9"),
        ],
    );
    assert_eq!(out.status.code(), Some(1));

    // The air gap: the registry is gone; a machine that never reached it
    // loads the tarball and runs the bundle, by reference and by lock.
    reg.stop();
    let offline = s.path.join("offline");
    fs::create_dir_all(&offline).unwrap();
    policy_ok(&offline, &["load", tar.to_str().unwrap()]);
    let (local_out, local) = validate_with(&offline, &env, manifest.to_str().unwrap(), &[]);
    assert_eq!(local_out.status.code(), Some(3));
    let (out, report) = validate_with(&offline, &env, &reg.oci("security/acme:v1"), &[]);
    assert_eq!(out.status.code(), Some(3), "{report:#}");
    assert_eq!(codes(&report), codes(&local));
    assert!(
        report["inputs"]
            .to_string()
            .contains("registry unreachable"),
        "{report:#}"
    );
    let (out, report) = validate_with(&offline, &env, lock, &[]);
    assert_eq!(out.status.code(), Some(3), "{report:#}");
    assert_eq!(codes(&report), codes(&local));
    // Pinned by digest: no registry needed, and no staleness to report.
    let by_digest = format!("oci://{}", pinned.trim());
    let (out, report) = validate_with(&offline, &env, &by_digest, &[]);
    assert_eq!(out.status.code(), Some(3), "{report:#}");
    assert!(
        !report["inputs"].to_string().contains("unreachable"),
        "{report:#}"
    );

    // A tarball with one byte changed in a blob loads nothing.
    let mut bytes = fs::read(&tar).unwrap();
    let at = bytes.windows(5).position(|w| w == b"\"pip\"").unwrap();
    bytes[at + 2] = b'o';
    let bad = s.path.join("bad.tar");
    fs::write(&bad, &bytes).unwrap();
    let fresh = s.path.join("fresh");
    fs::create_dir_all(&fresh).unwrap();
    let out = policy(&fresh, &["load", bad.to_str().unwrap()]);
    let (_, err) = super::text(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("digest mismatch") && err.contains("bad.tar"),
        "{err}"
    );
    assert!(store_is_empty(&fresh));
    // Not a tarball at all.
    fs::write(&bad, b"<html>nope</html>").unwrap();
    let out = policy(&fresh, &["load", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(store_is_empty(&fresh));
}
