//! The compile cache where the cache directory cannot hold code: a
//! `noexec` mount, as hardened servers use for home directories. wasmtime
//! cannot map such an entry as code, so fetter reads it into memory
//! instead; the entry must still be a hit, not recompiled on every run.

mod common;

use std::fs;
use std::process::Command;

use common::*;

/// Runs `fetter plugin check` twice inside a private mount namespace
/// (`unshare -rm`) with the cache on a `noexec` tmpfs. Skipped where the
/// machine allows no user namespaces.
#[test]
fn cache_on_a_noexec_mount_is_read_instead_of_mapped() {
    let s = scratch();
    let mnt = s.path.join("noexec");
    fs::create_dir(&mnt).unwrap();
    let mount = format!("mount -t tmpfs -o noexec tmpfs '{}'", mnt.display());
    let probe = Command::new("unshare")
        .args(["-rm", "sh", "-c", &mount])
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!("skipped: cannot mount a tmpfs in a user namespace here");
        return;
    }
    let check = format!("'{}' plugin check example-custom", fetter_bin().display());
    let script = format!("{mount} && {check} && echo ---- && {check}");
    // The environment `fetter()` gives, around `unshare` instead.
    let template = fetter(&s.path);
    let mut cmd = Command::new("unshare");
    for (k, v) in template.get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    cmd.env("FETTER_CACHE_DIR", mnt.join("cache"))
        .args(["-rm", "sh", "-c", &script]);
    let out = run_ok(&mut cmd);
    let (first, second) = out.split_once("----").expect("both runs");
    assert!(first.contains("compiled and cached"), "{out}");
    assert!(
        second.contains("loaded from the compile cache") && !second.contains("recompiled"),
        "{out}"
    );
}
