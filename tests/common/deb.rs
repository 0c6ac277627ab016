//! Debian packages as test tools, without installing them system-wide:
//! `apt-get download` + `dpkg -x` into `target/test-tools/deb/<name>`, once
//! per target dir. Servers the tests start (an OCI registry, sshd) come
//! from here, so a clean clone gets them the way it gets uv from PyPI.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::skip_or_fail;

/// The root a set of Debian `packages` is unpacked into (their files under
/// `usr/…`, `etc/…` as in the `.deb`), named `name`; or `None` with the
/// reason given through [`skip_or_fail`]. Unpacked into a temporary
/// directory first and renamed into place, so test binaries running at
/// the same time never see half a tree. `apt-get update` is tried once if
/// a download fails (a fresh machine may have no package lists).
pub fn deb_root(name: &str, packages: &[&str]) -> Option<PathBuf> {
    let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("../test-tools/deb");
    let root = base.join(name);
    if root.join(".complete").is_file() {
        return Some(root);
    }
    if let Err(why) = unpack(&base, &root, packages) {
        skip_or_fail(&format!(
            "Debian package(s) {} could not be had: {why}",
            packages.join(", ")
        ));
        return None;
    }
    Some(root)
}

/// One binary from Debian packages: `rel` inside their unpacked root
/// (e.g. `usr/bin/docker-registry`).
pub fn deb_tool(name: &str, packages: &[&str], rel: &str) -> Option<PathBuf> {
    let bin = deb_root(name, packages)?.join(rel);
    if bin.is_file() {
        Some(bin)
    } else {
        skip_or_fail(&format!("{} has no {rel}", packages.join(", ")));
        None
    }
}

fn unpack(base: &Path, root: &Path, packages: &[&str]) -> Result<(), String> {
    fs::create_dir_all(base).map_err(|e| e.to_string())?;
    let work = tempfile::Builder::new()
        .prefix(".unpack-")
        .tempdir_in(base)
        .map_err(|e| e.to_string())?;
    let debs = work.path().join("debs");
    let tree = work.path().join("tree");
    fs::create_dir_all(&debs).map_err(|e| e.to_string())?;
    fs::create_dir_all(&tree).map_err(|e| e.to_string())?;
    let download = || {
        Command::new("apt-get")
            .arg("download")
            .args(packages)
            .current_dir(&debs)
            .output()
    };
    let mut out = download().map_err(|e| format!("apt-get: {e}"))?;
    if !out.status.success() {
        let _ = Command::new("apt-get").args(["update", "-qq"]).status();
        out = download().map_err(|e| format!("apt-get: {e}"))?;
    }
    if !out.status.success() {
        return Err(format!(
            "apt-get download failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    for deb in fs::read_dir(&debs).map_err(|e| e.to_string())? {
        let deb = deb.map_err(|e| e.to_string())?.path();
        let ok = Command::new("dpkg")
            .arg("-x")
            .arg(&deb)
            .arg(&tree)
            .status()
            .map_err(|e| format!("dpkg: {e}"))?
            .success();
        if !ok {
            return Err(format!("dpkg -x {} failed", deb.display()));
        }
    }
    fs::write(tree.join(".complete"), b"").map_err(|e| e.to_string())?;
    // Another test binary may have won the race: its tree is as good.
    if fs::rename(&tree, root).is_err() && !root.join(".complete").is_file() {
        return Err(format!(
            "could not move the unpacked tree to {}",
            root.display()
        ));
    }
    Ok(())
}
