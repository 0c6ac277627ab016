//! Hostile plugins in Python and JavaScript: each attempt at a capability
//! the sandbox does not grant, an uncaught exception, an endless loop and
//! unbounded allocation is contained and fails the run closed (exit 1)
//! with a message saying what happened, while a well-behaved plugin in
//! the same run still reports. Their runtimes are seeded at build time:
//! "random" verdicts are the same on every run. Plus the refusals that
//! happen before anything runs: a missing toolchain, WASI imports.

use std::fs;
use std::path::{Path, PathBuf};

use super::super::common::*;
use super::super::{codes, failure_messages, validate};
use super::{build, componentize_py, venv_with_git_install, Lang};

fn manifest(dir: &Path, wasm: &Path, mode: &str) -> PathBuf {
    let p = dir.join(format!("{mode}.toml"));
    fs::write(
        &p,
        format!(
            "name = \"{mode}\"\n[[plugin]]\npath = {:?}\n[plugin.settings]\nmode = \"{mode}\"\n",
            wasm.to_str().unwrap()
        ),
    )
    .unwrap();
    p
}

/// (mode, expected exit, text the failure or stderr must contain).
type Case = (&'static str, i32, &'static str);

const PYTHON: &[Case] = &[
    ("open", 1, "could not evaluate: SandboxError: fetter plugins cannot open files: the sandbox grants only `log` (at hostile.py:"),
    ("socket", 1, "SandboxError: fetter plugins cannot open network connections"),
    ("env", 1, "SandboxError: fetter plugins cannot read environment variables"),
    ("clock", 1, "SandboxError: fetter plugins cannot read the clock"),
    ("urandom", 1, "SandboxError: fetter plugins cannot read the OS's random numbers"),
    ("raise", 1, "could not evaluate: KeyError: 'no-such-key' (at hostile.py:"),
    ("loop", 1, "timed out after 3 s during evaluate"),
    ("alloc", 1, "exceeded its memory limit of 256 MiB during evaluate"),
    ("print", 3, "plugin hostile-py: info: hello from python"),
];

const JS: &[Case] = &[
    ("fetch", 1, "could not evaluate: SandboxError: fetter plugins cannot open network connections: the sandbox grants only `log` (at hostile.js:"),
    ("clock", 1, "SandboxError: fetter plugins cannot read the clock"),
    ("perf", 1, "SandboxError: fetter plugins cannot read the clock"),
    ("env", 1, "could not evaluate: TypeError: can't access property \"env\", globalThis.process is undefined (at hostile.js:"),
    ("raise", 1, "could not evaluate: TypeError: can't access property \"field\" of null (at hostile.js:"),
    ("loop", 1, "timed out after 3 s during evaluate"),
    ("alloc", 1, "exceeded its memory limit of 256 MiB during evaluate"),
    ("print", 3, "plugin hostile-js: info: hello from javascript {\"n\":1}"),
];

#[test]
fn hostile_python_plugins_are_contained() {
    hostile(
        Lang::Python,
        "hostile-py",
        PYTHON,
        "plugin hostile-py: warning: and from stderr",
    );
}

#[test]
fn hostile_js_plugins_are_contained() {
    hostile(
        Lang::Js,
        "hostile-js",
        JS,
        "plugin hostile-js: error: and from console.error",
    );
}

fn hostile(lang: Lang, name: &str, cases: &[Case], also_logged: &str) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/plugin_langs")
        .join(name);
    let Some(wasm) = build(&src, lang) else {
        return;
    };
    let s = scratch();
    let home = &s.path;
    let Some(env) = venv_with_git_install(&s) else {
        return;
    };
    let builtin = example_plugin();
    let builtin = builtin.as_path();
    for (mode, code, expected) in cases {
        let m = manifest(&s.path, &wasm, mode);
        let (out, report) = validate(home, &env, &[&m, builtin], &["--plugin-timeout", "3"]);
        let failures = failure_messages(&report);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(*code),
            "{mode}: {failures:?}\n{stderr}"
        );
        if *code == 1 {
            assert_eq!(failures.len(), 1, "{mode}: {failures:?}");
            assert!(
                failures[0].starts_with(&format!("plugin:{name}: plugin `{name}` "))
                    && failures[0].contains(expected),
                "{mode}: expected {expected:?} in {failures:?}"
            );
            assert!(
                !failures[0].contains("unreachable"),
                "{mode}: a trap, not an error: {failures:?}"
            );
        } else {
            assert!(
                stderr.contains(expected),
                "{mode}: expected {expected:?} in\n{stderr}"
            );
            assert!(
                stderr.contains(also_logged),
                "{mode}: expected {also_logged:?} in\n{stderr}"
            );
        }
        // The host kept working: the built-in plugin in the same run reported.
        assert!(
            codes(&report).contains(&("example-custom/git-url".into(), "Git_Pkg".into())),
            "{mode}: {report}"
        );
    }

    // Same verdicts on every run: randomness is seeded at build time.
    let m = manifest(&s.path, &wasm, "random");
    let runs: Vec<Vec<String>> = (0..3)
        .map(|_| {
            let (out, report) = validate(home, &env, &[&m], &[]);
            assert_eq!(out.status.code(), Some(0), "{report}");
            report["environments"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|e| e["diagnostics"].as_array().unwrap())
                .map(|d| format!("{} {}", d["distribution"]["name"], d["message"]))
                .collect()
        })
        .collect();
    // One warning per distribution, as pip lists them (pip and, before
    // Python 3.12, setuptools besides the two installed here).
    assert_eq!(runs[0].len(), env.pip_list().len(), "{runs:?}");
    assert!(runs.iter().all(|r| r == &runs[0]), "{runs:?}");
}

/// A missing toolchain is an error saying what to install.
#[test]
fn a_missing_toolchain_says_what_to_install() {
    let s = scratch();
    for (lang, var, hint) in [
        (
            "python",
            "FETTER_COMPONENTIZE_PY",
            "pip install 'componentize-py==0.25.*'",
        ),
        (
            "js",
            "FETTER_COMPONENTIZE_JS",
            "npm install --save-dev @bytecodealliance/componentize-js@0.23",
        ),
    ] {
        let dir = s.path.join(lang);
        run_ok(
            fetter(&s.path)
                .args(["plugin", "new", "p", "--lang", lang, "--dir"])
                .arg(&dir),
        );
        let out = run(fetter(&s.path)
            .args(["plugin", "build"])
            .arg(&dir)
            .env(var, s.path.join("no-such-tool")));
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.contains("not found") && err.contains(hint), "{err}");
    }
}

/// A Python component built without `--stub-wasi` imports WASI: refused
/// at build (a stand-in toolchain drops the flag) and at load, each
/// naming the import and the flag that removes it.
#[test]
fn wasi_imports_are_refused_at_build_and_at_load() {
    let Some(cpy) = componentize_py() else { return };
    let s = scratch();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/plugin_langs/hostile-py");
    let Some(good) = build(&src, Lang::Python) else {
        return;
    };
    let dir = s.path.join("p");
    super::copy_tree(&src, &dir);
    // componentize-py with every argument but --stub-wasi; the component it
    // builds is kept (by sources' hash) for the next run.
    let wasi = good.with_extension("with-wasi.wasm");
    let script = s.path.join("componentize-py-without-stub");
    let body = if wasi.is_file() {
        format!(
            "while [ \"$1\" != -o ]; do shift; done\ncp {:?} \"$2\"",
            wasi.to_str().unwrap()
        )
    } else {
        format!(
            "for a; do shift; [ \"$a\" = --stub-wasi ] || set -- \"$@\" \"$a\"; done\n{:?} \"$@\" || exit 1\nwhile [ \"$1\" != -o ]; do shift; done\ncp \"$2\" {:?}",
            cpy.to_str().unwrap(),
            wasi.to_str().unwrap()
        )
    };
    fs::write(&script, format!("#!/bin/sh\n{body}\n")).unwrap();
    make_executable(&script);
    let out = run(fetter(&s.path)
        .args(["plugin", "build"])
        .arg(&dir)
        .env("FETTER_COMPONENTIZE_PY", &script));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("imports `wasi:") && err.contains("--stub-wasi"),
        "{err}"
    );
    assert!(
        !dir.join("hostile-py.wasm").exists(),
        "a refused build wrote its output"
    );

    let out = run(fetter(&s.path).args(["plugin", "info"]).arg(&wasi));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("imports `wasi:") && text.contains("--stub-wasi"),
        "{text}"
    );
    let Some(env) = venv_with_git_install(&s) else {
        return;
    };
    let (out, report) = validate(&s.path, &env, &[&wasi], &[]);
    assert_eq!(out.status.code(), Some(1));
    let failures = failure_messages(&report);
    assert!(
        failures[0].contains("which the sandbox does not grant")
            && failures[0].contains("--stub-wasi"),
        "{failures:?}"
    );
}
