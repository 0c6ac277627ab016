//! `pylock.toml` (PEP 751) against `packaging.pylock`, PyPA's reference:
//! each lock below is refused by both or by neither for a real venv
//! (issue 22, causes 12–15). packaging refuses when it reads the lock
//! (`Pylock.from_dict`) or selects for the environment (`select`); fetter
//! refuses with an error (exit 1), or, for `requires-python`, with a
//! `bounds/requires-python` finding.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::*;

/// A Python with `packaging >= 25` (which has `packaging.pylock`), from the
/// tools venv the differential tests also use; `None` (skipped, or failed
/// under CI) when PyPI is unreachable.
fn packaging_python() -> Option<PathBuf> {
    tools_python(
        "packaging",
        &["packaging>=25", "pip>=23.1"],
        "import packaging.pylock",
    )
}

/// packaging's verdict on `lock` for its own interpreter: `None` when it
/// accepts it, else the error.
fn packaging_verdict(py: &Path, lock: &Path) -> Option<String> {
    let code = "import sys, tomllib\n\
                from packaging.pylock import Pylock\n\
                try:\n    \
                    lock = Pylock.from_dict(tomllib.load(open(sys.argv[1], 'rb')))\n    \
                    list(lock.select())\n\
                except Exception as e:\n    \
                    print(type(e).__name__, e)\n";
    let out = run_ok(Command::new(py).arg("-c").arg(code).arg(lock));
    let out = out.trim();
    (!out.is_empty()).then(|| out.to_string())
}

const WHEEL: &str = "wheels = [{ url = \"https://example.invalid/a-1.0-py3-none-any.whl\", hashes = { sha256 = \"0000000000000000000000000000000000000000000000000000000000000000\" } }]";

fn lock(requires_python: &str, packages: &str) -> String {
    format!("lock-version = \"1.0\"\ncreated-by = \"fetter-tests\"\nrequires-python = \"{requires_python}\"\n\n{packages}")
}

/// `[[packages]]` entries named `a` with `extra` lines each.
fn a(extra: &str) -> String {
    format!("[[packages]]\nname = \"a\"\nversion = \"1.0\"\n{extra}\n")
}

/// What packaging and fetter must both say of a lock.
#[derive(Debug, PartialEq)]
enum Expect {
    Accepted,
    /// A `bounds/requires-python` finding naming the range.
    Outside(&'static str),
    /// An error whose message contains this.
    Refused(&'static str),
}

/// Check each (name, lock text, expectation) with packaging and with
/// `fetter validate` on a venv of packaging's own interpreter.
fn agree(cases: &[(&str, String, Expect)]) {
    let Some(py) = packaging_python() else { return };
    let s = scratch();
    let home = s.path.join("home");
    fs::create_dir_all(&home).unwrap();
    // A venv of the interpreter packaging runs on: same markers, same version.
    let venv = Venv::create(&py, &s.path.join("env"));
    for (name, text, expect) in cases {
        let path = s.path.join(format!("{name}.pylock.toml"));
        fs::write(&path, text).unwrap();
        let reference = packaging_verdict(&py, &path);
        assert_eq!(
            reference.is_none(),
            *expect == Expect::Accepted,
            "{name}: packaging says {reference:?}"
        );
        let out = run(fetter(&home)
            .arg("--exe")
            .arg(&venv.prefix)
            .args([
                "validate",
                "--subset",
                "--superset",
                "--format",
                "json",
                "--bound",
            ])
            .arg(&path));
        let code = out.status.code().unwrap();
        let r = json(&out.stdout);
        let f = findings(&r);
        match expect {
            Expect::Accepted => assert_eq!(code, 0, "{name}: {r}"),
            Expect::Outside(range) => {
                assert_eq!(code, 3, "{name}: {r}");
                assert_eq!(f.len(), 1, "{name}: {r}");
                assert_eq!(f[0].0, "bounds/requires-python", "{name}: {r}");
                assert!(f[0].1.contains(range) && f[0].1.contains(name), "{r}");
            }
            Expect::Refused(why) => {
                assert_eq!(code, 1, "{name}: {r}");
                assert!(f[0].1.contains(why), "{name}: {r}");
            }
        }
    }
}

/// Cause 12: an environment outside the lock's `requires-python`.
#[test]
fn pylock_requires_python_bounds_the_environment() {
    agree(&[
        ("inside", lock(">=3.8", &a(WHEEL)), Expect::Accepted),
        (
            "outside",
            lock("==3.6.*", &a(WHEEL)),
            Expect::Outside("==3.6.*"),
        ),
    ]);
}

/// Cause 13: a `requires-python` that is not a specifier, at the top or
/// on a package, is refused naming the key.
#[test]
fn pylock_invalid_requires_python_is_refused() {
    agree(&[
        (
            "invalid",
            lock(">=3.12.[X]", &a(WHEEL)),
            Expect::Refused("invalid requires-python"),
        ),
        (
            "invalid-package",
            lock(
                ">=3.8",
                &a(&format!("requires-python = \">=3.[\"\n{WHEEL}")),
            ),
            Expect::Refused("invalid requires-python"),
        ),
    ]);
}

/// Cause 14: `archive` together with `wheels` (or `sdist`).
#[test]
fn pylock_archive_with_wheels_is_refused() {
    let archive = "archive = { url = \"https://example.invalid/a-1.0.tar.gz\", hashes = { sha256 = \"00\" } }";
    let sdist =
        "sdist = { url = \"https://example.invalid/a-1.0.tar.gz\", hashes = { sha256 = \"00\" } }";
    agree(&[
        (
            "archive-and-wheels",
            lock(">=3.8", &a(&format!("{archive}\n{WHEEL}"))),
            Expect::Refused("mutually exclusive"),
        ),
        (
            "archive-and-sdist",
            lock(">=3.8", &a(&format!("{archive}\n{sdist}"))),
            Expect::Refused("mutually exclusive"),
        ),
        (
            "sdist-and-wheels",
            lock(">=3.8", &a(&format!("{sdist}\n{WHEEL}"))),
            Expect::Accepted,
        ),
    ]);
}

/// Cause 15: two entries of one name both selected for the environment;
/// disjoint ones (how a lock pins per platform) are fine.
#[test]
fn pylock_two_selected_entries_of_one_name_are_refused() {
    let m = |marker: &str| a(&format!("marker = \"{marker}\"\n{WHEEL}"));
    agree(&[
        (
            "both-selected",
            lock(">=3.8", &format!("{}{}", a(WHEEL), a(WHEEL))),
            Expect::Refused("both selected"),
        ),
        (
            "overlapping",
            lock(
                ">=3.8",
                &format!(
                    "{}{}",
                    m("python_version >= '3.0'"),
                    m("sys_platform != 'nonesuch'")
                ),
            ),
            Expect::Refused("both selected"),
        ),
        (
            "disjoint",
            lock(
                ">=3.8",
                &format!(
                    "{}{}",
                    m("python_version >= '3.0'"),
                    m("python_version < '3.0'")
                ),
            ),
            Expect::Accepted,
        ),
        (
            // Overlapping only where this environment is not.
            "overlap-elsewhere",
            lock(
                ">=3.8",
                &format!(
                    "{}{}",
                    m("python_version >= '3.0'"),
                    m("python_version < '3.0' or sys_platform == 'nonesuch'")
                ),
            ),
            Expect::Accepted,
        ),
    ]);
}
