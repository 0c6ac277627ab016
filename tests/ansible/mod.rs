//! The Ansible collection (`integrations/ansible`, `fetter.fetter`) run by
//! real `ansible-playbook` (ansible-core from PyPI) over a fleet of three
//! hosts on this machine, each with its own environment tree of real venvs
//! with tiny wheels pip-installed; one host reached over real SSH on
//! loopback, the others with the local connection.
//!
//! - `fleet`: the audit role in check mode then for real, the reports it
//!   fetches compared with what pip reports in each host's venv, and a
//!   second run that changes nothing; purge then restore through the
//!   modules, round trip checked with pip.
//! - `modules`: violations are results, a check that could not run fails.
//! - `docs`: `ansible-doc` renders every module and role.

mod docs;
mod fleet;
mod modules;
mod policy;
mod sanity;
mod sshd;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::*;

/// ansible-core's `bin/` (`ansible-playbook`, `ansible-doc`, …), installed
/// from PyPI into `target/test-tools` when not on PATH.
pub fn ansible_bin() -> Option<PathBuf> {
    let playbook = tool(
        "ansible-playbook",
        "FETTER_TEST_ANSIBLE",
        "ansible-core==2.19.*",
    )?;
    Some(playbook.parent().unwrap().to_path_buf())
}

/// The fetter binary the tests install on the hosts: the one under test
/// without its debug info (`strip`: a fifth of the size, so copying it to
/// three hosts and checksumming it takes seconds, not minutes), made once
/// per build of it; the binary itself where `strip` is missing.
pub fn host_binary() -> PathBuf {
    static BIN: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BIN.get_or_init(|| {
        let bin = crate::common::fetter_bin();
        let meta = fs::metadata(&bin).unwrap();
        let stamp = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        let name = format!("ansible-fetter-{}-{stamp}", meta.len());
        let out = dir.join(&name);
        if out.is_file() {
            return out;
        }
        let tmp = dir.join(format!("{name}.{}", std::process::id()));
        let stripped = Command::new("strip")
            .arg("-o")
            .arg(&tmp)
            .arg(&bin)
            .status()
            .is_ok_and(|s| s.success());
        if !stripped || fs::rename(&tmp, &out).is_err() {
            let _ = fs::remove_file(&tmp);
            return bin;
        }
        // Copies made from earlier builds are of no further use.
        for e in fs::read_dir(&dir).into_iter().flatten().flatten() {
            let n = e.file_name().to_string_lossy().into_owned();
            if n.starts_with("ansible-fetter-") && n != name && !n.contains('.') {
                let _ = fs::remove_file(e.path());
            }
        }
        out
    })
    .clone()
}

/// The collection's source in the repository.
pub fn collection_src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../integrations/ansible")
}

/// An Ansible controller for one test: a collections path where
/// `fetter.fetter` is the repository's collection (a symlink, so what runs
/// is the source under test), and a home and temp dirs inside `dir`.
pub struct Controller {
    /// ansible-core's `bin/`.
    pub bin: PathBuf,
    /// The controller's working directory (playbooks, inventory, reports).
    pub dir: PathBuf,
}

impl Controller {
    /// Set up in `dir`, or `None` where ansible-core cannot be had.
    pub fn new(dir: &Path) -> Option<Controller> {
        let bin = ansible_bin()?;
        let ns = dir.join("collections/ansible_collections/fetter");
        fs::create_dir_all(&ns).unwrap();
        std::os::unix::fs::symlink(collection_src().canonicalize().unwrap(), ns.join("fetter"))
            .unwrap();
        fs::create_dir_all(dir.join("home")).unwrap();
        // Its own (empty) config, so no ansible.cfg of the machine applies.
        fs::write(dir.join("ansible.cfg"), "[defaults]\n").unwrap();
        Some(Controller {
            bin,
            dir: dir.to_path_buf(),
        })
    }

    /// An ansible-core command (`ansible-playbook`, `ansible-doc`) with the
    /// controller's environment: no user config, no colour, no cowsay.
    pub fn command(&self, program: &str) -> Command {
        let mut c = Command::new(self.bin.join(program));
        c.current_dir(&self.dir)
            .env("HOME", self.dir.join("home"))
            .env("ANSIBLE_COLLECTIONS_PATH", self.dir.join("collections"))
            .env("ANSIBLE_CONFIG", self.dir.join("ansible.cfg"))
            .env("ANSIBLE_LOCAL_TEMP", self.dir.join("home/.ansible/tmp"))
            .env("ANSIBLE_NOCOLOR", "1")
            .env("ANSIBLE_NOCOWS", "1")
            .env("ANSIBLE_HOST_KEY_CHECKING", "False")
            .env("ANSIBLE_RETRY_FILES_ENABLED", "False")
            .env("ANSIBLE_FORCE_COLOR", "0")
            .env_remove("ANSIBLE_STDOUT_CALLBACK");
        c
    }

    /// `ansible-playbook -i inventory.json PLAYBOOK ARGS`; the play recap
    /// per host, and the whole output for messages. Panics (with the
    /// output) when the playbook fails.
    pub fn playbook(&self, playbook: &str, args: &[&str]) -> (BTreeMap<String, Recap>, String) {
        let start = std::time::Instant::now();
        let out = run(self
            .command("ansible-playbook")
            .args(["-i", "inventory.json", playbook])
            .args(args));
        eprintln!(
            "ansible-playbook {playbook} {args:?}: {:.1}s",
            start.elapsed().as_secs_f64()
        );
        let text = text_of(&out);
        assert!(
            out.status.success(),
            "ansible-playbook {playbook} {args:?} failed:\n{text}"
        );
        (recap(&text), text)
    }
}

fn text_of(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// One host's line of the PLAY RECAP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recap {
    pub ok: u32,
    pub changed: u32,
    pub failed: u32,
    pub skipped: u32,
}

/// Parse the PLAY RECAP lines (`h1 : ok=7 changed=2 unreachable=0 failed=0 skipped=1 …`).
pub fn recap(text: &str) -> BTreeMap<String, Recap> {
    let start = text
        .rfind("PLAY RECAP")
        .expect("no PLAY RECAP in the output");
    let mut hosts = BTreeMap::new();
    for line in text[start..].lines().skip(1) {
        let Some((host, counts)) = line.split_once(" : ") else {
            continue;
        };
        let field = |name: &str| -> u32 {
            counts
                .split_whitespace()
                .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
                .unwrap_or_else(|| panic!("no {name}= in {line:?}"))
                .parse()
                .unwrap()
        };
        hosts.insert(
            host.trim().to_string(),
            Recap {
                ok: field("ok"),
                changed: field("changed"),
                failed: field("failed"),
                skipped: field("skipped"),
            },
        );
    }
    hosts
}
