//! End-to-end tests of policy plugins through the real CLI on real venvs:
//! hostile plugins are contained and fail closed, the ABI 1.0.0 fixture
//! still runs, the compile cache hits, misses and survives corruption,
//! manifests pin hashes, and `validate --policy` reports verdicts. ABI
//! versions, the sandbox's counts and deprecated-names have their own modules.

use crate::common;
mod plugin_abi;
mod plugin_deprecated;
mod plugin_langs;
mod plugin_sandbox;
mod policy_oci;
mod policy_trust;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::diagnostic_codes as codes;
use common::snap;
use common::*;
use sha2::{Digest, Sha256};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .unwrap()
}

fn hostile_wasm() -> PathBuf {
    repo().join("tests/plugins/hostile.wasm")
}

fn abi1_fixture() -> PathBuf {
    repo().join("tests/fixtures/plugins/abi-1.0.0/example-custom.wasm")
}

fn sha256(path: &Path) -> String {
    Sha256::digest(fs::read(path).unwrap())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `fetter` with a home, and a compile cache shared by one test's runs.
fn fetter_at(home: &Path) -> Command {
    let mut c = fetter(home);
    c.env("FETTER_CACHE_DIR", home.join("cache"));
    c
}

/// A venv holding one tiny package, or `None` (and why) without Python.
fn venv_with_tiny(s: &Scratch) -> Option<Venv> {
    let py = python()?;
    let env = Venv::create(&py, &s.path.join("env"));
    let wheel = build_wheel(
        &py,
        &tiny_project(&s.path.join("src"), "tiny-pkg", "1.0", None),
        &s.path.join("wheels"),
    );
    env.pip(&["install", "--no-deps", wheel.to_str().unwrap()]);
    Some(env)
}

/// A manifest running the hostile plugin in `mode`.
fn hostile_manifest(dir: &Path, mode: &str) -> PathBuf {
    let path = dir.join(format!("hostile-{mode}.toml"));
    fs::write(
        &path,
        format!(
            "name = \"hostile-{mode}\"\n[[plugin]]\npath = {:?}\n[plugin.settings]\nmode = \"{mode}\"\n",
            hostile_wasm().to_str().unwrap()
        ),
    )
    .unwrap();
    path
}

fn validate(
    home: &Path,
    env: &Venv,
    policies: &[&Path],
    extra: &[&str],
) -> (Output, serde_json::Value) {
    let mut c = fetter_at(home);
    c.arg("--exe")
        .arg(&env.prefix)
        .args(["validate", "--format", "json"])
        .args(extra);
    for p in policies {
        c.arg("--policy").arg(p);
    }
    let out = run(&mut c);
    let report = json(&out.stdout);
    (out, report)
}

fn failure_messages(report: &serde_json::Value) -> Vec<String> {
    report["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{}: {}",
                f["check"].as_str().unwrap(),
                f["message"].as_str().unwrap()
            )
        })
        .collect()
}

/// Each misbehaviour is stopped with an error naming the plugin and the
/// reason; fetter exits 1 (fail closed), not killed by a signal; a
/// well-behaved plugin in the same run still reports.
#[test]
fn hostile_plugins_are_contained_and_fail_closed() {
    let s = scratch();
    let Some(env) = venv_with_tiny(&s) else {
        return;
    };
    let cases: &[(&str, &[&str], &str)] = &[
        (
            "loop",
            &["--plugin-timeout", "1"],
            "timed out after 1 s during evaluate",
        ),
        (
            "alloc",
            &[],
            "exceeded its memory limit of 256 MiB during evaluate",
        ),
        ("panic", &[], "hostile plugin panicked on purpose"),
        (
            "bad-index",
            &[],
            "distribution #1000000000, but the inventory has",
        ),
        ("flood", &[], "returned 1000000 verdicts"),
        ("fail", &[], "could not evaluate: could not decide"),
        ("bad-rule", &[], "invalid rule id"),
    ];
    let mut said = String::new();
    for (mode, extra, expected) in cases {
        let manifest = hostile_manifest(&s.path, mode);
        let good = hostile_manifest(&s.path, "behave");
        let started = std::time::Instant::now();
        let (out, report) = validate(&s.path, &env, &[&manifest, &good], extra);
        let (_, stderr) = text(&out);
        assert_eq!(
            out.status.code(),
            Some(1),
            "mode {mode}: {stderr}\n{report:#}"
        );
        assert_eq!(report["outcome"], "error", "mode {mode}");
        let failures = failure_messages(&report);
        assert_eq!(failures.len(), 1, "mode {mode}: {failures:?}");
        assert!(
            failures[0].starts_with("plugin:hostile: plugin `hostile` "),
            "{failures:?}"
        );
        assert!(
            failures[0].contains(expected),
            "mode {mode}: expected {expected:?} in {failures:?}"
        );
        said.push_str(&format!("# mode {mode}\n{}\n\n", failures[0]));
        // The other plugin still reported.
        assert!(
            codes(&report).contains(&("hostile/seen".into(), "tiny-pkg".into())),
            "mode {mode}: {report:#}"
        );
        assert!(
            started.elapsed().as_secs() < 60,
            "mode {mode} took {:?}",
            started.elapsed()
        );
    }

    // Each failure message whole; the panic message reaches the error.
    snap::redacted(&s.path).bind(|| insta::assert_snapshot!("plugins_hostile_failures", said));
    // A terminal escape in a rule id does not reach the terminal.
    let (out, _) = validate(
        &s.path,
        &env,
        &[&hostile_manifest(&s.path, "bad-rule")],
        &[],
    );
    assert!(!out.stdout.contains(&0x1b) && !out.stderr.contains(&0x1b));

    // A flood of log lines is cut short; the plugin still reports.
    let (out, report) = validate(
        &s.path,
        &env,
        &[&hostile_manifest(&s.path, "log-flood")],
        &["--plugin-timeout", "120"],
    );
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.lines().count() < 400,
        "{} log lines shown",
        stderr.lines().count()
    );
    assert!(stderr.contains("further log lines suppressed"));
    assert!(codes(&report).contains(&("hostile/seen".into(), "tiny-pkg".into())));
}

/// Settings the plugin rejects, a component importing WASI, another ABI
/// major, a core module and a non-wasm file are each refused at load with
/// a clear error, and fail closed.
#[test]
fn unusable_plugins_are_refused_at_load() {
    let s = scratch();
    let Some(env) = venv_with_tiny(&s) else {
        return;
    };

    // Each refusal as the table run prints it: exit 1, the reason named.
    let mut t = snap::Transcript::new();
    let mut refused = |what: &str, policies: &[&Path]| {
        let mut c = fetter_at(&s.path);
        c.arg("--exe").arg(&env.prefix).arg("validate");
        for p in policies {
            c.arg("--policy").arg(p);
        }
        let out = t.run(what, &mut c);
        assert_eq!(out.status.code(), Some(1), "{what}: {:?}", text(&out));
    };
    refused(
        "settings the plugin rejects",
        &[&hostile_manifest(&s.path, "nonsense")],
    );

    let wasi = s.path.join("wasi.wasm");
    fs::write(&wasi, component_from_wit(WASI_WORLD)).unwrap();
    refused("a component importing WASI", &[&wasi]);

    let abi2 = s.path.join("abi2.wasm");
    fs::write(
        &abi2,
        component_from_wit(&policy_wit().replace("fetter:policy@1.0.0", "fetter:policy@2.0.0")),
    )
    .unwrap();
    refused("another ABI major", &[&abi2]);

    let core = s.path.join("core.wasm");
    fs::write(&core, b"\0asm\x01\0\0\0").unwrap();
    let junk = s.path.join("junk.wasm");
    fs::write(&junk, b"#!/bin/sh\necho hi\n").unwrap();
    let missing = s.path.join("missing.wasm");
    refused(
        "a core module, a shell script, a missing file",
        &[&core, &junk, &missing],
    );
    let out = t.run(
        "plugin info on another ABI major",
        fetter_at(&s.path).args(["plugin", "info"]).arg(&abi2),
    );
    assert_eq!(out.status.code(), Some(1));
    snap::redacted(&s.path).bind(|| insta::assert_snapshot!("plugins_refused_at_load", t.text()));
}

/// A manifest pinning another sha256 is refused, naming both hashes; the
/// right pin runs; a broken manifest names its file and line.
#[test]
fn manifests_pin_hashes_and_report_their_errors() {
    let s = scratch();
    let Some(env) = venv_with_tiny(&s) else {
        return;
    };
    let actual = sha256(&hostile_wasm());
    let wrong = "0".repeat(64);
    let write = |name: &str, pin: &str| {
        let p = s.path.join(name);
        fs::write(
            &p,
            format!(
                "name = \"pinned\"\nfail-on = \"medium\"\n[[plugin]]\npath = {:?}\nsha256 = \"{pin}\"\n[plugin.settings]\nmode = \"behave\"\n",
                hostile_wasm().to_str().unwrap()
            ),
        )
        .unwrap();
        p
    };
    let (out, report) = validate(&s.path, &env, &[&write("wrong.toml", &wrong)], &[]);
    assert_eq!(out.status.code(), Some(1));
    let f = failure_messages(&report);
    // Both hashes, by value (the snapshot below redacts them).
    assert!(f[0].contains(&wrong) && f[0].contains(&actual), "{f:?}");
    let mut t = snap::Transcript::new();
    let table = |t: &mut snap::Transcript, what: &str, policy: &Path| {
        t.run(
            what,
            fetter_at(&s.path)
                .arg("--exe")
                .arg(&env.prefix)
                .arg("validate")
                .arg("--policy")
                .arg(policy),
        )
    };
    let out = table(
        &mut t,
        "a manifest pinning another sha256",
        &s.path.join("wrong.toml"),
    );
    assert_eq!(out.status.code(), Some(1));

    let (out, report) = validate(&s.path, &env, &[&write("right.toml", &actual)], &[]);
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    assert!(codes(&report).contains(&("hostile/seen".into(), "tiny-pkg".into())));

    let broken = s.path.join("broken.toml");
    fs::write(
        &broken,
        "name = \"b\"\n[[plugin]]\nname = \"typosquat\"\nsettngs = 1\n",
    )
    .unwrap();
    let out = table(&mut t, "a broken manifest", &broken);
    assert_eq!(out.status.code(), Some(1));
    let out = table(&mut t, "an unknown name", Path::new("no-such-plugin"));
    assert_eq!(out.status.code(), Some(1));
    snap::redacted(&s.path).bind(|| insta::assert_snapshot!("plugins_manifest_errors", t.text()));
}

/// First run compiles and caches, the next loads from the cache, a
/// corrupted entry is detected and recompiled.
#[test]
fn compile_cache_hits_misses_and_survives_corruption() {
    let s = scratch();
    let t = std::cell::RefCell::new(snap::Transcript::new());
    let check = |what: &str| {
        let out = t.borrow_mut().run(
            what,
            fetter_at(&s.path)
                .args(["plugin", "check"])
                .arg(hostile_wasm())
                .args(["--settings", r#"{"mode":"behave"}"#]),
        );
        let (stdout, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
        stdout
    };
    check("the first run compiles and caches");
    check("the next loads from the cache");
    let entries: Vec<PathBuf> = fs::read_dir(s.path.join("cache/plugins"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "cwasm"))
        .collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert!(entries[0]
        .file_name()
        .unwrap()
        .to_string_lossy()
        .starts_with(&sha256(&hostile_wasm())));
    let mut data = fs::read(&entries[0]).unwrap();
    let at = data.len() * 2 / 3;
    data[at] = data[at].wrapping_add(1);
    fs::write(&entries[0], &data).unwrap();
    check("a corrupted entry is detected and recompiled");
    check("and loaded from the cache again");
    snap::redacted(&s.path)
        .bind(|| insta::assert_snapshot!("plugins_compile_cache", t.borrow().text()));
}

/// The example plugin denies a package pip installed from git (exit 3),
/// by file and by first-party name, alongside a bound; nothing else.
#[test]
fn example_custom_denies_git_installs() {
    let s = scratch();
    let Some(env) = venv_with_tiny(&s) else {
        return;
    };
    if Command::new("git").arg("--version").output().is_err() {
        skip_or_fail("git is not installed");
        return;
    }
    let repo = tiny_project(&s.path.join("vcs"), "vcs-pkg", "0.2", None);
    for args in [
        &["init", "-q"][..],
        &["add", "."],
        &["commit", "-q", "-m", "tiny"],
    ] {
        run_ok(
            Command::new("git")
                .args([
                    "-c",
                    "user.name=t",
                    "-c",
                    "user.email=t@example.invalid",
                    "-c",
                    "init.defaultBranch=main",
                ])
                .args(args)
                .current_dir(&repo),
        );
    }
    env.pip(&[
        "install",
        "--no-build-isolation",
        &format!("git+file://{}", repo.display()),
    ]);

    // The example plugin is not built in: it runs from its file.
    {
        let policy = repo_path("examples/example-custom.wasm");
        let (out, report) = validate(&s.path, &env, &[&policy], &[]);
        assert_eq!(out.status.code(), Some(3), "{report:#}");
        assert_eq!(
            codes(&report),
            vec![("example-custom/git-url".to_string(), "vcs-pkg".to_string())]
        );
        let d = &report["environments"][0]["diagnostics"][0];
        assert_eq!(
            (
                d["check"].as_str(),
                d["action"].as_str(),
                d["severity"].as_str()
            ),
            (Some("plugin:example-custom"), Some("deny"), Some("high"))
        );
        assert!(d["suggestion"]
            .as_str()
            .unwrap()
            .contains("released version"));
    }

    // With a bound too: one report, both checks' inputs; the table names the rule.
    let bound = s.path.join("req.txt");
    run_ok(
        fetter_at(&s.path)
            .arg("--exe")
            .arg(&env.prefix)
            .args(["derive", "-o"])
            .arg(&bound),
    );
    let (out, report) = validate(
        &s.path,
        &env,
        &[&example_plugin()],
        &["--bound", bound.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(3), "{report:#}");
    let checks: Vec<&str> = report["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["check"].as_str().unwrap())
        .collect();
    assert_eq!(checks, vec!["bounds", "plugin:example-custom"]);
    let mut t = snap::Transcript::new();
    let out = t.run(
        "the table names the rule",
        fetter_at(&s.path)
            .arg("--exe")
            .arg(&env.prefix)
            .args(["validate", "--policy"])
            .arg(example_plugin()),
    );
    assert_eq!(out.status.code(), Some(3));
    // The example is not built in: by name it is an error saying how to load it.
    let out = t.run(
        "the example by name",
        fetter_at(&s.path).arg("--exe").arg(&env.prefix).args([
            "validate",
            "--policy",
            "example-custom",
        ]),
    );
    assert_eq!(out.status.code(), Some(1));
    snap::redacted(&s.path).bind(|| insta::assert_snapshot!("plugins_example_custom", t.text()));

    // A manifest's fail-on above the verdict's severity turns the deny into a warning.
    let lenient = s.path.join("lenient.toml");
    fs::write(
        &lenient,
        format!(
            "name = \"lenient\"\nfail-on = \"critical\"\n[[plugin]]\npath = {:?}\n",
            example_plugin().display().to_string()
        ),
    )
    .unwrap();
    let (out, report) = validate(&s.path, &env, &[&lenient], &[]);
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    assert_eq!(report["summary"]["warned"], 1);
}

fn repo_path(rel: &str) -> PathBuf {
    repo().join(rel)
}

fn policy_wit() -> String {
    fs::read_to_string(repo().join("plugin-sdk/wit/policy.wit")).unwrap()
}

/// The policy world, plus an import of a WASI filesystem function.
const WASI_WORLD: &str = r#"
package fetter:policy@1.0.0;
interface evaluator {
    record plugin-info { name: string, version: string, description: string, settings-help: string }
    info: func() -> plugin-info;
}
world policy {
    import wasi:filesystem/types@0.2.0;
    export evaluator;
}
package wasi:filesystem@0.2.0 {
    interface types {
        read-file: func(path: string) -> list<u8>;
    }
}
"#;

/// A component for the `policy` world of `wit` whose functions all trap:
/// enough to be loaded (and refused) by the host.
fn component_from_wit(wit: &str) -> Vec<u8> {
    let mut resolve = wit_parser::Resolve::default();
    let pkg = resolve.push_str("policy.wit", wit).unwrap();
    let world = resolve.select_world(&[pkg], Some("policy")).unwrap();
    let mut module =
        wit_component::dummy_module(&resolve, world, wit_parser::ManglingAndAbi::Standard32);
    wit_component::embed_component_metadata(
        &mut module,
        &resolve,
        world,
        wit_component::StringEncoding::UTF8,
    )
    .unwrap();
    wit_component::ComponentEncoder::default()
        .module(&module)
        .unwrap()
        .validate(true)
        .encode()
        .unwrap()
}
