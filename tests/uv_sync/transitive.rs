//! A `pyproject.toml` names direct dependencies only; `uv sync` installs
//! what they pull in. `validate --bound pyproject.toml` accepts exactly
//! that (issue 20), `--transitive deny` keeps the strict check, and
//! requirements files still have to list everything unless asked.

use std::fs;

use super::*;

/// httpish needs anyio and certs, and socksy with its `socks` extra;
/// anyio needs idna; socksy needs pysocks; winonly is never reached here.
const WHEELS: &[(&str, &str, &[&str])] = &[
    (
        "httpish",
        "1.0",
        &[
            "anyio",
            "certs>=1",
            "socksy ; extra == 'socks'",
            "winonly ; sys_platform == 'win32'",
        ],
    ),
    ("anyio", "1.0", &["idna"]),
    ("idna", "3.6", &[]),
    ("certs", "1.0", &[]),
    ("socksy", "1.0", &["pysocks"]),
    ("pysocks", "1.0", &[]),
    ("winonly", "1.0", &[]),
    ("other", "1.0", &[]),
];

/// The names of the `bounds/unrequired` findings of a report, sorted.
fn unrequired(r: &serde_json::Value) -> BTreeSet<String> {
    findings(r)
        .into_iter()
        .filter(|(code, _)| code == "bounds/unrequired")
        .map(|(_, message)| normalize(message.split_whitespace().next().unwrap()))
        .collect()
}

#[test]
fn pyproject_bound_accepts_what_uv_sync_pulls_in() {
    let Some(w) = world(WHEELS) else { return };
    let app = w.s.path.join("app");
    write(
        &app,
        &[(
            "pyproject.toml",
            "[project]\nname = \"app\"\nversion = \"0.1\"\nrequires-python = \">=3.8\"\ndependencies = [\"httpish[socks]\"]\n",
        )],
    );
    let bound = app.join("pyproject.toml");
    let env = w.s.path.join("env");
    let synced = w.uv.sync(&app, &w.py, &env, &[]);
    assert_eq!(
        synced,
        set(&["anyio", "certs", "httpish", "idna", "pysocks", "socksy"])
    );

    // What uv installed for the project is valid.
    let (code, r) = validate(&w.home, &env, &bound, &[]);
    assert_eq!(code, 0, "{r}");
    // The strict check calls every dependency unrequired.
    let (code, r) = validate(&w.home, &env, &bound, &["--transitive", "deny"]);
    assert_eq!(code, 3, "{r}");
    assert_eq!(
        unrequired(&r),
        set(&["anyio", "certs", "idna", "pysocks", "socksy"])
    );

    // Something the project does not pull in is still unrequired.
    let mut install = w.uv.cmd(&app, &["pip", "install", "other"], None);
    run_ok(install.env("VIRTUAL_ENV", &env));
    let (code, r) = validate(&w.home, &env, &bound, &[]);
    assert_eq!(code, 3, "{r}");
    assert_eq!(unrequired(&r), set(&["other"]));

    // Without the extra, what only the extra pulls in is not required.
    let plain = w.s.path.join("plain");
    write(
        &plain,
        &[(
            "pyproject.toml",
            "[project]\nname = \"app\"\nversion = \"0.1\"\ndependencies = [\"httpish\"]\n",
        )],
    );
    let (code, r) = validate(&w.home, &env, &plain.join("pyproject.toml"), &[]);
    assert_eq!(code, 3, "{r}");
    assert_eq!(unrequired(&r), set(&["other", "pysocks", "socksy"]));

    // A requirements file must list everything, unless --transitive allow.
    let reqs = w.s.path.join("requirements.txt");
    fs::write(&reqs, "httpish[socks]\n").unwrap();
    let (code, r) = validate(&w.home, &env, &reqs, &[]);
    assert_eq!(code, 3, "{r}");
    assert_eq!(
        unrequired(&r),
        set(&["anyio", "certs", "idna", "other", "pysocks", "socksy"])
    );
    let (code, r) = validate(&w.home, &env, &reqs, &["--transitive", "allow"]);
    assert_eq!(code, 3, "{r}");
    assert_eq!(unrequired(&r), set(&["other"]));

    // Purge by the pyproject removes the stray package and keeps what uv
    // installed for the project.
    let out = run(fetter(&w.home)
        .arg("--exe")
        .arg(&env)
        .args(["purge", "--yes", "--bound"])
        .arg(&bound));
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(installed(&env), synced);
}
