//! uv.lock and pylock.toml on the fixtures: duplicate names with disjoint
//! markers, markers per environment, extras and groups.

use std::path::{Path, PathBuf};

use super::uv::parse;
use super::{pylock, BoundRequirement};
use crate::bounds::check::applicable;
use crate::inventory::{Environment, EnvironmentKind};
use fetter_packaging::bound::Selection;

fn fixture(name: &str) -> (String, PathBuf) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/bounds");
    (std::fs::read_to_string(dir.join(name)).unwrap(), dir)
}

fn env(version: &str) -> Environment {
    Environment {
        prefix: "/e".into(),
        kind: EnvironmentKind::Venv,
        python_version: Some(version.into()),
        interpreters: vec!["/e/bin/python3".into()],
        sites: vec![],
        externally_managed: false,
        base_prefix: None,
        base_missing: false,
    }
}

/// (name, text, required) of what applies in an environment of `version`.
fn applies(reqs: &[BoundRequirement], version: &str) -> Vec<(String, String, bool)> {
    let by_name = applicable(&env(version), reqs).unwrap();
    let mut v: Vec<_> = by_name
        .values()
        .flatten()
        .map(|r| {
            (
                r.name.clone(),
                r.text.split(" ; ").next().unwrap().to_string(),
                r.required,
            )
        })
        .collect();
    v.sort();
    v
}

fn t(name: &str, text: &str, required: bool) -> (String, String, bool) {
    (name.into(), text.into(), required)
}

#[test]
fn uv_lock_duplicates_resolve_per_environment() {
    let (text, dir) = fixture("uv.lock");
    let reqs = parse(&text, "uv.lock", &dir, &Selection::default())
        .unwrap()
        .requirements;
    let git =
        "gitdep @ git+https://github.com/example/gitdep@0123456789abcdef0123456789abcdef01234567";
    let expected_311 = vec![
        t("demo-app", "demo-app", false),
        t("gitdep", git, false),
        t("iniconfig", "iniconfig==2.0.0", false),
        t("pyflakes", "pyflakes==3.2.0", true),
        t("tqdm", "tqdm==4.66.4", true),
    ];
    assert_eq!(applies(&reqs, "3.11.7"), expected_311);
    let on_38 = applies(&reqs, "3.8.18");
    assert!(
        on_38.contains(&t("pyflakes", "pyflakes==3.0.1", true)),
        "{on_38:?}"
    );
    assert!(!on_38.iter().any(|x| x.1 == "pyflakes==3.2.0"));
    // colorama only on Windows (edge marker from tqdm).
    #[cfg(not(windows))]
    assert!(!on_38.iter().any(|x| x.0 == "colorama"));
}

#[test]
fn uv_lock_selected_extras_and_groups_are_required() {
    let (text, dir) = fixture("uv.lock");
    let sel = Selection {
        extras: vec!["git".into()],
        groups: vec!["test".into()],
        ..Default::default()
    };
    let reqs = parse(&text, "uv.lock", &dir, &sel).unwrap().requirements;
    let got = applies(&reqs, "3.11.7");
    assert!(got.iter().any(|x| x.0 == "gitdep" && x.2), "{got:?}");
    assert!(got.iter().any(|x| x.0 == "iniconfig" && x.2), "{got:?}");
}

#[test]
fn uv_lock_errors_name_the_file() {
    let e = parse("version = 1\n[[package]]\nname = \"a\"\nversion = \"1\"\ndependencies = [{ name = \"ghost\" }]\n", "uv.lock", Path::new("/"), &Selection::default()).unwrap_err();
    assert!(
        e[0].to_string()
            .contains("uv.lock [[package]] a: dependency ghost is not a locked package"),
        "{}",
        e[0]
    );
    let e = parse(
        "version = 1\n[[package\n",
        "uv.lock",
        Path::new("/"),
        &Selection::default(),
    )
    .unwrap_err();
    assert!(e[0].to_string().contains("invalid uv.lock"), "{}", e[0]);
}

#[test]
fn pylock_markers_extras_and_groups() {
    let (text, dir) = fixture("pylock.toml");
    let reqs = pylock::parse(&text, "pylock.toml", &dir, &Selection::default())
        .unwrap()
        .requirements;
    let got = applies(&reqs, "3.11.7");
    let names: Vec<&str> = got.iter().map(|x| x.0.as_str()).collect();
    assert_eq!(names, ["demo-app", "pyflakes", "tqdm"]);
    assert!(got[1].1 == "pyflakes==3.2.0");
    assert!(got[2]
        .1
        .starts_with("tqdm @ https://files.example/tqdm-4.66.4.tar.gz#sha256="));
    let sel = Selection {
        extras: vec!["git".into()],
        groups: vec!["test".into()],
        ..Default::default()
    };
    let reqs = pylock::parse(&text, "pylock.toml", &dir, &sel)
        .unwrap()
        .requirements;
    let names: Vec<String> = applies(&reqs, "3.8.1").into_iter().map(|x| x.0).collect();
    assert_eq!(
        names,
        ["demo-app", "gitdep", "iniconfig", "pyflakes", "tqdm"]
    );
}

#[test]
fn poetry_lock_fixture() {
    let (text, dir) = fixture("poetry.lock");
    let reqs =
        crate::bounds::lock::poetry::parse(&text, "poetry.lock", &dir, &Selection::default())
            .unwrap();
    let got = applies(&reqs, "3.11.7");
    #[cfg(not(windows))]
    assert_eq!(
        got,
        vec![
            t("iniconfig", "iniconfig==2.0.0", false),
            t("jaraco-classes", "jaraco.classes==3.4.0", true),
            t("more-itertools", "more-itertools==10.2.0", true),
            t("mylib", "mylib @ git+https://github.com/example/mylib.git@89abcdef0123456789abcdef0123456789abcdef", true),
            t("pysocks", "pysocks==1.7.1", false),
        ]
    );
}

/// Files written by uv 0.13.9 (`uv lock`, `uv export --format pylock.toml`)
/// and Poetry 2.5.1 (`poetry lock`) for the projects next to them.
#[test]
fn real_tool_output() {
    let (text, dir) = fixture("real-uv/uv.lock");
    let dir = dir.join("real-uv");
    let reqs = parse(&text, "uv.lock", &dir, &Selection::default())
        .unwrap()
        .requirements;
    assert_eq!(
        applies(&reqs, "3.9.18"),
        vec![
            t("proj", "proj", false),
            t("tiny-a", "tiny-a==1.0", true),
            t("tiny-c", "tiny-c==0.5", false)
        ]
    );
    assert_eq!(
        applies(&reqs, "3.12.1")[1],
        t("tiny-a", "tiny-a==2.0", true)
    );

    let (text, _) = fixture("real-uv/pylock.toml");
    let reqs = pylock::parse(&text, "pylock.toml", &dir, &Selection::default())
        .unwrap()
        .requirements;
    let names: Vec<(String, String, bool)> = applies(&reqs, "3.9.18");
    assert_eq!(
        names,
        vec![
            t("tiny-a", "tiny-a==1.0", true),
            t("tiny-c", "tiny-c==0.5", true)
        ]
    );

    let (text, dir) = fixture("real-poetry/poetry.lock");
    let dir = dir.join("real-poetry");
    let wheels = std::fs::canonicalize(dir.parent().unwrap())
        .unwrap()
        .join("wheels");
    let wheel = |w: &str| format!("file://{}/{w}", wheels.display());
    let parse_poetry = |sel: &Selection| {
        crate::bounds::lock::poetry::parse(&text, "poetry.lock", &dir, sel).unwrap()
    };
    let got = applies(&parse_poetry(&Selection::default()), "3.11.7");
    assert_eq!(
        got,
        vec![
            t(
                "tiny-a",
                &format!("tiny-a @ {}", wheel("tiny_a-2.0-py3-none-any.whl")),
                true
            ),
            // In `dev` without a marker, in `main` only with extra1: allowed.
            t(
                "tiny-c",
                &format!("tiny-c @ {}", wheel("tiny_c-0.5-py3-none-any.whl")),
                false
            ),
        ]
    );
    for sel in [
        Selection {
            extras: vec![],
            groups: vec!["dev".into()],
            ..Default::default()
        },
        Selection {
            extras: vec!["extra1".into()],
            groups: vec![],
            ..Default::default()
        },
    ] {
        let got = applies(&parse_poetry(&sel), "3.11.7");
        assert!(
            got.iter().any(|x| x.0 == "tiny-c" && x.2),
            "{sel:?}: {got:?}"
        );
    }
}

/// Two conflicting extras pin idna differently: with neither selected
/// either version is allowed; with one selected, its version is required
/// and the other does not apply.
#[test]
fn uv_lock_conflicting_extras() {
    let text = r#"version = 1
revision = 3
requires-python = ">=3.8"
conflicts = [[{ package = "proj", extra = "a" }, { package = "proj", extra = "b" }]]

[[package]]
name = "idna"
version = "3.5"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "idna"
version = "3.6"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "proj"
version = "0.1"
source = { virtual = "." }

[package.optional-dependencies]
a = [{ name = "idna", version = "3.5", source = { registry = "https://pypi.org/simple" } }]
b = [{ name = "idna", version = "3.6", source = { registry = "https://pypi.org/simple" } }]
"#;
    let sel = |extras: &[&str]| Selection {
        extras: extras.iter().map(|e| e.to_string()).collect(),
        ..Default::default()
    };
    let got = |extras: &[&str]| {
        let b = parse(text, "uv.lock", Path::new("/"), &sel(extras)).unwrap();
        applies(&b.requirements, "3.11.7")
    };
    assert_eq!(
        got(&[]),
        vec![t("idna", "idna", false), t("proj", "proj", false)]
    );
    assert_eq!(
        got(&["a"]),
        vec![t("idna", "idna==3.5", true), t("proj", "proj", false)]
    );
    assert_eq!(
        got(&["b"]),
        vec![t("idna", "idna==3.6", true), t("proj", "proj", false)]
    );
}

#[test]
fn uv_lock_requires_python_is_parsed_and_named() {
    let b = parse(
        "version = 1\nrequires-python = \">=3.10\"\n",
        "uv.lock",
        Path::new("/"),
        &Selection::default(),
    )
    .unwrap();
    assert!(b.requirements.is_empty());
    let rp = b.requires_python.unwrap();
    assert!(rp.contains("3.10.0").unwrap() && !rp.contains("3.9.18").unwrap());
    let e = parse(
        "version = 1\nrequires-python = \">=3.12.[X]\"\n",
        "uv.lock",
        Path::new("/"),
        &Selection::default(),
    )
    .unwrap_err();
    assert!(
        e[0].to_string()
            .starts_with("uv.lock requires-python: invalid requires-python \">=3.12.[X]\""),
        "{}",
        e[0]
    );
}

/// A dependency cycle (uv locks them) settles.
#[test]
fn uv_lock_cycles_settle() {
    let text = r#"version = 1
[[package]]
name = "app"
version = "0.1"
source = { editable = "." }
dependencies = [{ name = "a" }]

[[package]]
name = "a"
version = "1"
source = { registry = "r" }
dependencies = [{ name = "b", marker = "python_version >= '3.9'" }]

[[package]]
name = "b"
version = "1"
source = { registry = "r" }
dependencies = [{ name = "a" }]
"#;
    let b = parse(text, "uv.lock", Path::new("/"), &Selection::default()).unwrap();
    let got: Vec<String> = applies(&b.requirements, "3.8.1")
        .into_iter()
        .map(|x| x.1)
        .collect();
    assert_eq!(got, ["a==1", "app"]);
    assert_eq!(applies(&b.requirements, "3.9.0").len(), 3);
}
