//! A real sshd on loopback for one inventory host: Debian's
//! `openssh-server`, unpacked with `dpkg -x` (never installed), started on a
//! free port with a generated host key and user key, `UsePAM no`, no
//! system service.
//!
//! sshd running as root insists on its privilege-separation user (`sshd`)
//! and on `/run/sshd`, which only a system install creates. Rather than
//! change the machine, sshd runs in a private mount namespace (`unshare
//! --mount`) where a copy of `/etc/passwd` with that user is bound over the
//! real one and `/run` is an empty tmpfs. That needs root; as another
//! user the host is reached with the local connection instead.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::common::deb::deb_root;
use crate::common::server::{free_port, wait_for_port, ChildGuard};
use crate::common::{run_ok, skip_for_machine, skip_or_fail};

/// A running sshd and what a client needs to log in to it.
pub struct Sshd {
    _child: ChildGuard,
    /// The loopback port it listens on.
    pub port: u16,
    /// The user to log in as (the one running the tests).
    pub user: String,
    /// The private key `authorized_keys` accepts.
    pub key: PathBuf,
    /// The `ssh` client to use (Debian's, from the same unpacked tree).
    pub ssh: PathBuf,
}

fn is_root() -> bool {
    run_ok(Command::new("id").arg("-u")).trim() == "0"
}

/// The directory holding the unpacked packages' shared libraries
/// (`usr/lib/<triplet>`): sshd needs libwrap, which a machine without
/// openssh-server may lack.
fn lib_dir(root: &Path) -> Option<PathBuf> {
    fs::read_dir(root.join("usr/lib"))
        .ok()?
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().ends_with("-linux-gnu"))
        })
}

/// Start sshd in `dir`, or `None` (having said why) where it cannot run.
pub fn start(dir: &Path) -> Option<Sshd> {
    if !is_root() {
        skip_for_machine(
            "sshd in a private mount namespace needs root; the SSH host uses the local connection",
        );
        return None;
    }
    let root = deb_root(
        "openssh",
        &[
            "openssh-server",
            "openssh-client",
            "openssh-sftp-server",
            "libwrap0",
        ],
    )?;
    let sshd = root.join("usr/sbin/sshd");
    let ssh = root.join("usr/bin/ssh");
    let keygen = root.join("usr/bin/ssh-keygen");
    fs::create_dir_all(dir).unwrap();
    for key in ["host_key", "user_key"] {
        run_ok(
            Command::new(&keygen)
                .args(["-q", "-t", "ed25519", "-N", ""])
                .arg("-f")
                .arg(dir.join(key)),
        );
    }
    fs::copy(dir.join("user_key.pub"), dir.join("authorized_keys")).unwrap();
    let mut passwd = fs::read_to_string("/etc/passwd").unwrap();
    if !passwd.lines().any(|l| l.starts_with("sshd:")) {
        passwd.push_str("sshd:x:65534:65534:sshd privsep:/run/sshd:/usr/sbin/nologin\n");
    }
    fs::write(dir.join("passwd"), passwd).unwrap();
    let port = free_port();
    let d = dir.display();
    fs::write(
        dir.join("sshd_config"),
        format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {d}/host_key\n\
             AuthorizedKeysFile {d}/authorized_keys\nUsePAM no\nStrictModes no\n\
             PidFile {d}/sshd.pid\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n\
             PermitRootLogin prohibit-password\nSubsystem sftp {}\n",
            root.join("usr/lib/openssh/sftp-server").display()
        ),
    )
    .unwrap();
    let script = format!(
        "set -e\nmount -t tmpfs -o mode=755 fetter-test-sshd /run\nmkdir -m 755 /run/sshd\n\
         mount --bind {d}/passwd /etc/passwd\nexec {} -D -e -f {d}/sshd_config\n",
        sshd.display()
    );
    let log = fs::File::create(dir.join("sshd.log")).unwrap();
    let mut cmd = Command::new("unshare");
    cmd.args(["--mount", "--propagation", "private", "sh", "-c", &script])
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log);
    if let Some(lib) = lib_dir(&root) {
        cmd.env("LD_LIBRARY_PATH", lib);
    }
    let child = match cmd.spawn() {
        Ok(c) => ChildGuard(c),
        Err(e) => {
            skip_or_fail(&format!("cannot run unshare for sshd: {e}"));
            return None;
        }
    };
    if !wait_for_port(port, Duration::from_secs(10)) {
        let log = fs::read_to_string(dir.join("sshd.log")).unwrap_or_default();
        if log.contains("unshare failed") {
            // A container without the right to make a mount namespace: no
            // tool fixes that.
            skip_for_machine(&format!("no private mount namespace for sshd here: {log}"));
        } else {
            skip_or_fail(&format!("sshd did not start on port {port}: {log}"));
        }
        return None;
    }
    Some(Sshd {
        _child: child,
        port,
        user: run_ok(Command::new("id").arg("-un")).trim().to_string(),
        key: dir.join("user_key"),
        ssh,
    })
}
