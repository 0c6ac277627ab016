//! `ansible-test sanity` over the collection: every test it has (pylint,
//! validate-modules, the argument-spec and documentation checks,
//! yamllint, …), each in the venv ansible-test makes with its pinned
//! requirements from PyPI.

use std::fs;
use std::path::Path;
use std::process::Command;

use super::{collection_src, Controller};
use crate::common::*;

/// ansible-test bootstraps pip in each venv with a get-pip script from
/// ci-files.testing.ansible.com, which this machine cannot reach. It
/// first looks in its cache, so a stand-in goes there: ensurepip, then pip
/// from PyPI installs the pip ansible-test asked for.
const GET_PIP: &str = r#"import subprocess, sys
subprocess.check_call([sys.executable, "-m", "ensurepip"], stdout=subprocess.DEVNULL)
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call([sys.executable, "-m", "pip", "install", "-q"] + args)
"#;

/// The pip version ansible-test bootstraps (`pip='24.2'` in its
/// `python_requirements.py`), read from the installed ansible-test.
fn bootstrap_pip_version(bin: &Path) -> Option<String> {
    let lib = bin.parent()?.join("lib");
    let site = fs::read_dir(&lib)
        .ok()?
        .flatten()
        .map(|e| {
            e.path()
                .join("site-packages/ansible_test/_internal/python_requirements.py")
        })
        .find(|p| p.is_file())?;
    let text = fs::read_to_string(site).ok()?;
    let at = text.find("pip='")? + 5;
    Some(text[at..].split('\'').next()?.to_string())
}

#[test]
fn ansible_test_sanity_passes() {
    let s = scratch();
    let Some(ctl) = Controller::new(&s.path) else {
        return;
    };
    if Command::new("git").arg("--version").output().is_err() {
        skip_or_fail("no git: ansible-test lists a collection's files with git");
        return;
    }
    let Some(pip) = bootstrap_pip_version(&ctl.bin) else {
        skip_or_fail(
            "cannot tell which pip this ansible-test bootstraps (ansible-core not from PyPI?)",
        );
        return;
    };
    let cache = s.path.join("home/.ansible/test/cache");
    fs::create_dir_all(&cache).unwrap();
    fs::write(
        cache.join(format!("get_pip_{}.py", pip.replace('.', "_"))),
        GET_PIP,
    )
    .unwrap();

    // A copy at ansible_collections/NS/NAME (ansible-test writes its
    // results into the collection, which must not be the repository).
    let coll = s.path.join("sanity/ansible_collections/fetter/fetter");
    fs::create_dir_all(&coll).unwrap();
    run_ok(
        Command::new("cp")
            .arg("-r")
            .arg(collection_src().join("."))
            .arg(&coll),
    );
    // The ignore file is named for ansible-core's minor version.
    let version = run_ok(ctl.command("ansible-test").arg("--version"));
    let minor: String = version
        .split_whitespace()
        .last()
        .unwrap_or("")
        .splitn(3, '.')
        .take(2)
        .collect::<Vec<_>>()
        .join(".");
    let ignore = coll.join(format!("tests/sanity/ignore-{minor}.txt"));
    if !ignore.is_file() {
        fs::copy(coll.join("tests/sanity/ignore-2.19.txt"), &ignore).unwrap();
    }
    for args in [&["init", "-q"][..], &["add", "-A"]] {
        run_ok(Command::new("git").args(args).current_dir(&coll));
    }
    let out = run(ctl
        .command("ansible-test")
        .current_dir(&coll)
        .args(["sanity", "--requirements", "--color", "no", "--python"])
        .arg(python_minor()));
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "ansible-test sanity failed:\n{text}");
    assert!(
        text.contains("Running sanity test \"validate-modules\""),
        "{text}"
    );
    assert!(text.contains("Running sanity test \"pylint\""), "{text}");
}

/// `X.Y` of the Python that runs ansible-core (its venv's `python3`).
fn python_minor() -> String {
    let py = super::ansible_bin().unwrap().join("python3");
    run_ok(Command::new(py).args(["-c", "import sys; print('%d.%d' % sys.version_info[:2])"]))
        .trim()
        .to_string()
}
