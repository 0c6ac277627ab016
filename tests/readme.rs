//! The README is the manual: every `$ fetter …` line in its ```console
//! blocks is run, and must exit as the README says.
//!
//! Conventions (see docs/ship.md):
//! - Only fenced blocks whose info string starts with `console` are read,
//!   and in them only lines starting with `$ fetter` (pipes allowed:
//!   `$ fetter derive | fetter validate --bound -`). Other lines are output.
//! - A block whose info string contains `no-test` (```` ```console {.no-test} ````)
//!   is skipped: use it for examples whose result depends on the machine
//!   (a real `/usr/bin/python3`, a downloaded OSV database).
//! - Expected exit code: 0, unless the next command in the block is
//!   `$ echo $?`, whose first output line is the expected code.
//! - Commands run with `sh -c` from a directory holding `.venv` (a real venv
//!   with `alpha 1.0` and `beta 2.0` installed), `requirements.txt` (exactly
//!   what `.venv` holds, so validating `.venv` passes), `requirements-old.txt`
//!   (`alpha==0.9`, a violation) and `osv/` (an OSV record for alpha < 1.1),
//!   with `fetter` first on PATH and `HOME` an empty directory.

use crate::common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::*;

/// One command found in the README.
#[derive(Debug, Clone, PartialEq)]
struct Example {
    /// 1-based line in README.md.
    line: usize,
    /// The shell command, without `$ `.
    command: String,
    /// The exit code the README expects.
    expected: i32,
}

/// Extract the runnable examples from a Markdown text.
fn examples(markdown: &str) -> Result<Vec<Example>, String> {
    let mut out = Vec::new();
    let mut block: Option<(bool, Vec<(usize, &str)>)> = None;
    for (i, line) in markdown.lines().enumerate() {
        let trimmed = line.trim_start();
        if let Some(info) = trimmed.strip_prefix("```") {
            match block.take() {
                Some((run, lines)) => {
                    if run {
                        out.extend(from_block(&lines)?);
                    }
                }
                None => {
                    let info = info.trim();
                    let console = info.split([' ', '{']).next() == Some("console");
                    block = Some((console && !info.contains("no-test"), Vec::new()));
                }
            }
            continue;
        }
        if let Some((_, lines)) = block.as_mut() {
            lines.push((i + 1, line));
        }
    }
    if block.is_some() {
        return Err("README.md ends inside a fenced block".into());
    }
    Ok(out)
}

fn from_block(lines: &[(usize, &str)]) -> Result<Vec<Example>, String> {
    let mut out = Vec::new();
    for (k, (line, text)) in lines.iter().enumerate() {
        let Some(command) = text.strip_prefix("$ ") else {
            continue;
        };
        if !(command == "fetter" || command.starts_with("fetter ")) {
            continue;
        }
        // The next command line, if it is `echo $?`, states the exit code.
        let next = lines[k + 1..]
            .iter()
            .position(|(_, t)| t.starts_with("$ "))
            .map(|p| k + 1 + p);
        let mut expected = 0;
        if let Some(n) = next.filter(|&n| lines[n].1.trim() == "$ echo $?") {
            let value = lines.get(n + 1).map(|(_, t)| t.trim()).unwrap_or("");
            expected = value.parse().map_err(|_| {
                format!(
                    "README.md:{}: `$ echo $?` must be followed by the exit code, found {value:?}",
                    lines[n].0
                )
            })?;
        }
        out.push(Example {
            line: *line,
            command: command.to_string(),
            expected,
        });
    }
    Ok(out)
}

/// The directory the examples run in (see the module docs).
fn world(s: &Scratch) -> Option<(PathBuf, PathBuf)> {
    let py = python()?;
    let dir = s.path.join("project");
    let home = s.path.join("home");
    fs::create_dir_all(&home).unwrap();
    let venv = Venv::create(&py, &dir.join(".venv"));
    for (name, version) in [("alpha", "1.0"), ("beta", "2.0")] {
        let wheel = build_wheel(
            &py,
            &tiny_project(&s.path, name, version, None),
            &s.path.join("wheels"),
        );
        venv.pip(&["install", wheel.to_str().unwrap()]);
    }
    let derived = run_ok(
        fetter(&home)
            .env("FETTER_CONFIG", "")
            .arg("--exe")
            .arg(&venv.prefix)
            .arg("derive"),
    );
    fs::write(dir.join("requirements.txt"), derived).unwrap();
    fs::write(dir.join("requirements-old.txt"), "alpha==0.9\nbeta\n").unwrap();
    osv_alpha(&dir);
    Some((dir, home))
}

#[test]
fn extractor_follows_the_conventions() {
    let md = "text\n```console\n$ fetter scan\nout\n$ fetter validate -b x\nbad\n$ echo $?\n3\n$ pip install .\n```\n\
              ```console {.no-test}\n$ fetter --exe /usr/bin/python3 scan\n```\n```sh\n$ fetter count\n```\n";
    let ex = examples(md).unwrap();
    assert_eq!(
        ex,
        vec![
            Example {
                line: 3,
                command: "fetter scan".into(),
                expected: 0
            },
            Example {
                line: 5,
                command: "fetter validate -b x".into(),
                expected: 3
            },
        ]
    );
    assert!(examples("```console\n$ fetter x\n$ echo $?\nthree\n```\n").is_err());
    assert!(examples("```console\n$ fetter x\n").is_err());
}

#[test]
fn readme_examples_run_as_written() {
    let readme = Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md");
    let text = fs::read_to_string(&readme).expect("README.md");
    let ex = examples(&text).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        !ex.is_empty(),
        "README.md has no runnable `$ fetter` example in a console block"
    );
    let s = scratch();
    let Some((dir, home)) = world(&s) else { return };
    let bin_dir = fetter_bin().parent().unwrap().to_path_buf();
    let path = std::env::join_paths(std::iter::once(bin_dir).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .unwrap();
    let mut failures = Vec::new();
    for e in &ex {
        let out = Command::new("sh")
            .arg("-c")
            .arg(&e.command)
            .current_dir(&dir)
            .env("PATH", &path)
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .env("XDG_CACHE_HOME", home.join(".cache"))
            .env("NO_COLOR", "1")
            .env_remove("FETTER_CONFIG")
            .stdin(Stdio::null())
            .output()
            .expect("sh");
        let code = out.status.code().unwrap_or(-1);
        let stderr = String::from_utf8_lossy(&out.stderr);
        if code != e.expected || stderr.contains("panicked") {
            failures.push(format!(
                "README.md:{}: `{}` exited {code}, README expects {}\nstderr: {}",
                e.line,
                e.command,
                e.expected,
                stderr.trim()
            ));
        }
    }
    eprintln!("ran {} README examples", ex.len());
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The README's test command (`scripts/test`) with a `cargo` that builds
/// and tests nothing and cannot install cargo-fuzz: locally the fuzz step
/// is SKIPPED and the command passes; under `CI=true` it fails, as a test
/// whose tool is missing does (`skip_or_fail`).
#[test]
fn test_command_fails_under_ci_when_fuzzing_could_not_run() {
    let s = scratch();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    // A copy of the scripts, so their `cd` and logs stay in the scratch dir.
    fs::create_dir_all(s.path.join("scripts")).unwrap();
    fs::create_dir_all(s.path.join("target")).unwrap();
    for script in ["test", "fuzz"] {
        let to = s.path.join("scripts").join(script);
        fs::copy(repo.join("scripts").join(script), &to).unwrap();
        make_executable(&to);
    }
    let bin = s.path.join("bin");
    fs::create_dir_all(&bin).unwrap();
    fs::write(
        bin.join("cargo"),
        "#!/bin/sh\ncase \"$1\" in fuzz|install) echo \"no registry\" >&2; exit 101;; esac\nexit 0\n",
    )
    .unwrap();
    make_executable(&bin.join("cargo"));
    let run_test = |ci: Option<&str>| {
        let mut c = Command::new(s.path.join("scripts/test"));
        c.env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
            .env("FETTER_FUZZ_SECONDS", "1")
            .env_remove("CI")
            .stdin(Stdio::null());
        if let Some(ci) = ci {
            c.env("CI", ci);
        }
        let out = run(&mut c);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.code(), text)
    };
    let (code, text) = run_test(None);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("fuzz: SKIPPED"), "{text}");
    for ci in ["true", "1"] {
        let (code, text) = run_test(Some(ci));
        assert_eq!(code, Some(1), "CI={ci}: {text}");
        assert!(
            text.contains("fuzz: FAILED: cargo-fuzz could not be installed"),
            "CI={ci}: {text}"
        );
    }
}
