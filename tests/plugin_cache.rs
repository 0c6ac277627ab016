//! The compile cache where the cache directory cannot hold code: a
//! `noexec` mount, as hardened servers use for home directories. wasmtime
//! cannot map such an entry as code, so fetter reads it into memory
//! instead; the entry must still be a hit, not recompiled on every run.

use crate::common;

use std::fs;
use std::process::Command;

use common::snap;
use common::*;

/// Runs `fetter plugin check` twice inside a private mount namespace
/// (`unshare -rm`) with the cache on a `noexec` tmpfs. Skipped where the
/// kernel allows no user namespaces (even under CI: no tool changes
/// that); without `unshare`, or failing for another reason, it fails
/// under `CI=true`.
#[test]
fn cache_on_a_noexec_mount_is_read_instead_of_mapped() {
    let s = scratch();
    let mnt = s.path.join("noexec");
    fs::create_dir(&mnt).unwrap();
    let mount = format!("mount -t tmpfs -o noexec tmpfs '{}'", mnt.display());
    match Command::new("unshare")
        .args(["-rm", "sh", "-c", &mount])
        .output()
    {
        Err(e) => {
            skip_or_fail(&format!("cannot run `unshare` (util-linux): {e}"));
            return;
        }
        Ok(o) if !o.status.success() => {
            match user_namespaces_forbidden() {
                Some(why) => skip_for_machine(&why),
                None => skip_or_fail(&format!(
                    "cannot mount a tmpfs in a user namespace: {}",
                    String::from_utf8_lossy(&o.stderr).trim()
                )),
            }
            return;
        }
        Ok(_) => {}
    }
    let check = format!(
        "'{}' plugin check '{}'",
        fetter_bin().display(),
        example_plugin().display()
    );
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

/// Why the kernel refuses this user a user namespace, if its settings say
/// it does (the sysctls of Linux, Debian and Ubuntu's AppArmor).
fn user_namespaces_forbidden() -> Option<String> {
    let sysctl = |name: &str| {
        fs::read_to_string(format!("/proc/sys/{name}"))
            .ok()
            .map(|v| v.trim().to_string())
    };
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    [
        ("user/max_user_namespaces", "0", true),
        ("kernel/unprivileged_userns_clone", "0", !root),
        ("kernel/apparmor_restrict_unprivileged_userns", "1", !root),
    ]
    .into_iter()
    .find(|(name, value, applies)| *applies && sysctl(name).as_deref() == Some(*value))
    .map(|(name, value, _)| format!("the kernel forbids user namespaces here ({name} = {value})"))
}

/// A cache entry copied over another plugin's key (deprecated-names'
/// compiled code under typosquat's sha256) must not run in its place: the
/// sidecar records the source plugin's sha256, the mismatch is noticed,
/// the entry recompiled and the run says so, naming the entry's file.
#[test]
fn an_entry_copied_over_another_plugins_key_is_recompiled() {
    let s = scratch();
    let cache = s.path.join("cache");
    let t = std::cell::RefCell::new(snap::Transcript::new());
    let check = |plugin: &str| {
        let mut cmd = fetter(&s.path);
        cmd.env("FETTER_CACHE_DIR", &cache)
            .args(["plugin", "check", plugin]);
        let out = t.borrow_mut().run(plugin, &mut cmd);
        assert!(out.status.success(), "{:?}", out);
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let entry_of = |sha: &str| {
        fs::read_dir(cache.join("plugins"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| {
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                name.starts_with(sha) && name.ends_with(".cwasm")
            })
            .unwrap_or_else(|| panic!("no cache entry for {sha}"))
    };
    let sha_of = |out: &str| {
        let at = out.find("sha256 ").expect("plugin check names the sha256") + 7;
        out[at..at + 64].to_string()
    };
    // Compiled and cached, each (the runs: a snapshot below).
    let typo = check("typosquat");
    let deprecated = check("deprecated-names");
    let (typo_entry, deprecated_entry) = (entry_of(&sha_of(&typo)), entry_of(&sha_of(&deprecated)));

    // The swap: artifact and sidecar, as a copy would leave them.
    fs::copy(&deprecated_entry, &typo_entry).unwrap();
    let sum = |p: &std::path::Path| format!("{}.sum", p.display());
    fs::copy(sum(&deprecated_entry), sum(&typo_entry)).unwrap();

    // typosquat runs, not deprecated-names; the entry and the other
    // plugin's sha256 are named (by value here: snapshots redact hashes).
    let out = check("typosquat");
    assert!(
        out.contains(&format!(
            "recompiled: the cache entry {} was compiled from another plugin (sha256 {})",
            typo_entry.display(),
            sha_of(&deprecated)
        )),
        "{out}"
    );
    check("typosquat");
    snap::redacted(&s.path)
        .bind(|| insta::assert_snapshot!("plugin_cache_swapped_entry", t.borrow().text()));

    // `validate --policy` says so too (on stderr), and runs typosquat.
    fs::copy(&deprecated_entry, &typo_entry).unwrap();
    fs::copy(sum(&deprecated_entry), sum(&typo_entry)).unwrap();
    let Some(py) = python() else {
        return;
    };
    let env = Venv::create(&py, &s.path.join("env"));
    let out = run(fetter(&s.path)
        .env("FETTER_CACHE_DIR", &cache)
        .arg("--exe")
        .arg(&env.prefix)
        .args(["validate", "--format", "json", "--policy", "typosquat"]));
    let mut t = snap::Transcript::new();
    t.push(
        "validate --policy says so on stderr",
        "--exe [SCRATCH]/env validate --format json --policy typosquat",
        out.status.code().unwrap_or(-1),
        "[the JSON report]\n",
        &String::from_utf8_lossy(&out.stderr),
    );
    snap::redacted(&s.path)
        .bind(|| insta::assert_snapshot!("plugin_cache_swapped_validate", t.text()));
    let report = json(&out.stdout);
    assert_eq!(
        report["inputs"][0]["check"], "plugin:typosquat",
        "{report:#}"
    );
}
