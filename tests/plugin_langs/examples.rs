//! `fetter plugin new` in Python and JavaScript, the project's own test,
//! `fetter plugin build`, `plugin info`, and the built rule through
//! `validate` (with and without settings) and `purge --dry-run` on a real
//! venv holding a package pip installed from git.

use std::fs;
use std::process::Command;

use super::super::common::*;
use super::super::{codes, failure_messages, fetter_at, validate};
use super::{build, componentize_js, venv_with_git_install, Lang};

#[test]
fn python_plugin_from_new_to_validate_and_purge() {
    example(Lang::Python);
}

#[test]
fn js_plugin_from_new_to_validate_and_purge() {
    example(Lang::Js);
}

fn example(lang: Lang) {
    let s = scratch();
    let home = &s.path;
    let dir = s.path.join("no-git");
    run_ok(
        fetter(home)
            .args(["plugin", "new", "no-git", "--lang", lang.flag(), "--dir"])
            .arg(&dir),
    );
    for f in ["README.md", "wit/policy.wit"] {
        assert!(dir.join(f).is_file(), "{f} not scaffolded");
    }

    // The scaffolded test runs the rule over a small inventory, outside
    // the sandbox, and passes.
    let own_test = match lang {
        Lang::Python => python().map(|py| {
            let mut c = Command::new(py);
            c.args(["-m", "unittest", "-v"]);
            c
        }),
        Lang::Js => super::node().map(|node| {
            let mut c = Command::new(node);
            c.arg("--test");
            c
        }),
    };
    let Some(mut own_test) = own_test else { return };
    let out = run(own_test.current_dir(&dir));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "the scaffolded test failed:\n{text}");
    assert!(
        text.contains("denies") || text.contains("test_denies"),
        "{text}"
    );

    let Some(wasm) = build(&dir, lang) else {
        return;
    };

    // `plugin info` reads the metadata the build embedded.
    let info =
        json(&run_ok(fetter(home).args(["plugin", "info", "--json"]).arg(&wasm)).into_bytes());
    assert_eq!(info["metadata"]["name"], "no-git", "{info}");
    assert_eq!(info["metadata"]["version"], "0.1.0");
    assert_eq!(info["metadata"]["abi"], "1.0.0");
    assert!(
        info["metadata"]["description"]
            .as_str()
            .unwrap()
            .contains("git URL"),
        "{info}"
    );
    assert!(
        info["metadata"]["settings-help"]
            .as_str()
            .unwrap()
            .contains("allow"),
        "{info}"
    );
    assert_eq!(
        info["imports"],
        serde_json::json!(["fetter:policy/host@1.0.0"])
    );
    assert!(info["problem"].is_null(), "{info}");
    // jco, an independent reader of components, agrees on the imports.
    if let Some((_, jco)) = componentize_js() {
        let world = run_ok(Command::new(jco).arg("wit").arg(&wasm));
        let imports: Vec<&str> = world
            .lines()
            .filter(|l| l.trim_start().starts_with("import "))
            .collect();
        assert_eq!(imports, ["  import fetter:policy/host@1.0.0;"], "{world}");
    }

    let Some(env) = venv_with_git_install(&s) else {
        return;
    };
    let (out, report) = validate(home, &env, &[&wasm], &[]);
    assert_eq!(out.status.code(), Some(3), "{report}");
    assert_eq!(
        codes(&report),
        [("no-git/git-url".to_string(), "Git_Pkg".to_string())],
        "{report}"
    );
    assert_eq!(report["inputs"][0]["check"], "plugin:no-git", "{report}");

    // Settings: an allowed name (any spelling) passes; a typo fails closed.
    let manifest = |settings: &str| {
        let p = s.path.join("policy.toml");
        fs::write(
            &p,
            format!(
                "name = \"t\"\n[[plugin]]\npath = {:?}\n[plugin.settings]\n{settings}\n",
                wasm.to_str().unwrap()
            ),
        )
        .unwrap();
        p
    };
    let (out, report) = validate(home, &env, &[&manifest("allow = [\"git.pkg\"]")], &[]);
    assert_eq!(out.status.code(), Some(0), "{report}");
    let (out, report) = validate(home, &env, &[&manifest("alow = []")], &[]);
    assert_eq!(out.status.code(), Some(1), "{report}");
    let failures = failure_messages(&report);
    assert!(
        failures.len() == 1
            && failures[0].contains("rejected its settings: unknown setting `alow`"),
        "{failures:?}"
    );

    // purge --dry-run selects what the plugin denies and removes nothing.
    let before = env.pip_list();
    let out = run(fetter_at(home)
        .arg("--exe")
        .arg(&env.prefix)
        .args(["purge", "--dry-run", "--policy"])
        .arg(&wasm));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("Git_Pkg") || stdout.contains("git-pkg"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("plain-pkg") && !stdout.contains("plain_pkg"),
        "{stdout}"
    );
    assert_eq!(env.pip_list(), before);
}
