//! One test per way a `uv.lock` says what to install (issue 22, causes
//! 6–11), each checked against a venv real `uv sync` made.

use std::fs;
use std::path::{Path, PathBuf};

use super::*;

/// tqdm needs colorama on Windows only; anyio needs idna.
const WHEELS: &[(&str, &str, &[&str])] = &[
    ("tqdm", "1.0", &["colorama ; sys_platform == 'win32'"]),
    ("colorama", "1.0", &[]),
    ("exceptiongroup", "1.0", &[]),
    ("iniconfig", "1.0", &[]),
    ("devtool", "1.0", &[]),
    ("other", "1.0", &[]),
    ("idna", "3.5", &[]),
    ("idna", "3.6", &[]),
    ("anyio", "1.0", &["idna"]),
];

/// Lock `script` of `dir` with `uv lock --script`, sync it into a fresh
/// venv with `uv sync --script --active`; returns (lock, venv).
fn lock_and_sync_script(w: &World, dir: &Path, script: &str) -> (PathBuf, PathBuf) {
    run_ok(&mut w.uv.cmd(dir, &["lock", "--script", script], None));
    let env = w.s.path.join(format!("env-{script}"));
    w.uv.venv(&w.py, &env);
    let mut sync =
        w.uv.cmd(dir, &["sync", "--active", "--script", script], None);
    run_ok(sync.env("VIRTUAL_ENV", &env));
    (dir.join(format!("{script}.lock")), env)
}

/// Cause 6: the lock of a script without dependencies has no
/// `[[package]]` at all: a valid, empty bound.
#[test]
fn empty_script_lock_is_an_empty_bound() {
    let Some(w) = world(WHEELS) else { return };
    let dir = w.s.path.join("scripts");
    write(
        &dir,
        &[("empty.py", "# /// script\n# dependencies = []\n# ///\n")],
    );
    let (lock, env) = lock_and_sync_script(&w, &dir, "empty.py");
    let text = fs::read_to_string(&lock).unwrap();
    assert!(!text.contains("[[package]]"), "{text}");
    assert!(installed(&env).is_empty());
    let (code, r) = validate(&w.home, &env, &lock, &[]);
    assert_eq!(code, 0, "{r}");
    // Renamed, it is still read as a uv.lock (detected by content).
    let renamed = w.s.path.join("bound");
    fs::copy(&lock, &renamed).unwrap();
    let (code, r) = validate(&w.home, &env, &renamed, &[]);
    assert_eq!(code, 0, "{r}");
    // And it allows nothing.
    let mut install = w.uv.cmd(&dir, &["pip", "install", "tqdm"], None);
    run_ok(install.env("VIRTUAL_ENV", &env));
    let (code, r) = validate(&w.home, &env, &lock, &[]);
    assert_eq!(code, 3, "{r}");
    assert_eq!(findings(&r)[0].0, "bounds/unrequired", "{r}");
}

/// Cause 7: a script's lock has no project, only `[manifest]
/// requirements`. What `uv sync --script` installs is valid: a package
/// reached only on Windows, or only on Python < 3, is not required.
#[test]
fn script_lock_requires_what_uv_sync_installs() {
    let Some(w) = world(WHEELS) else { return };
    let dir = w.s.path.join("scripts");
    write(
        &dir,
        &[(
            "tool.py",
            "# /// script\n# requires-python = \">=3.8\"\n# dependencies = [\"tqdm\", \"exceptiongroup ; python_version < '3.0'\"]\n# ///\n",
        )],
    );
    let (lock, env) = lock_and_sync_script(&w, &dir, "tool.py");
    assert_eq!(installed(&env), set(&["tqdm"]));
    let text = fs::read_to_string(&lock).unwrap();
    assert!(text.contains("name = \"colorama\""), "{text}");
    let (code, r) = validate(&w.home, &env, &lock, &[]);
    assert_eq!(code, 0, "{r}");
    // What the script needs is still required.
    run_ok(&mut w.uv.plain(&["pip", "uninstall", "tqdm"], &env));
    let (code, r) = validate(&w.home, &env, &lock, &[]);
    assert_eq!(code, 3, "{r}");
    assert_eq!(findings(&r)[0].0, "bounds/missing", "{r}");
}

/// Cause 7: a workspace whose root is not a project. `uv sync` installs
/// every member, their default (`dev`) groups and the root's; a `lint`
/// group only when asked; markers per environment.
#[test]
fn non_project_workspace_requires_its_members_closure() {
    let Some(w) = world(WHEELS) else { return };
    let ws = w.s.path.join("ws");
    write(
        &ws,
        &[
            (
                "pyproject.toml",
                "[tool.uv.workspace]\nmembers = [\"packages/*\"]\n\n[dependency-groups]\nlint = [\"iniconfig\"]\ndev = [\"colorama\"]\n",
            ),
            (
                "packages/m1/pyproject.toml",
                "[project]\nname = \"m1\"\nversion = \"0.1\"\nrequires-python = \">=3.8\"\ndependencies = [\"tqdm\", \"exceptiongroup ; python_version < '3.0'\"]\n[dependency-groups]\ndev = [\"devtool\"]\n",
            ),
            (
                "packages/m2/pyproject.toml",
                "[project]\nname = \"m2\"\nversion = \"0.1\"\nrequires-python = \">=3.8\"\ndependencies = [\"anyio\"]\n",
            ),
        ],
    );
    run_ok(&mut w.uv.cmd(&ws, &["lock"], None));
    let lock = ws.join("uv.lock");
    let env = w.s.path.join("env");
    let got = w.uv.sync(&ws, &w.py, &env, &[]);
    assert_eq!(got, set(&["anyio", "colorama", "devtool", "idna", "tqdm"]));
    let (code, r) = validate(&w.home, &env, &lock, &[]);
    assert_eq!(code, 0, "{r}");
    // The lint group is allowed; asked for, it is required.
    let (code, r) = validate(&w.home, &env, &lock, &["--group", "lint"]);
    assert_eq!(code, 3, "{r}");
    assert!(
        findings(&r)[0].1.starts_with("iniconfig is required"),
        "{r}"
    );
    w.uv.sync(&ws, &w.py, &env, &["--group", "lint"]);
    let (code, r) = validate(&w.home, &env, &lock, &["--group", "lint"]);
    assert_eq!(code, 0, "{r}");
    // A member's dependency is required.
    run_ok(&mut w.uv.plain(&["pip", "uninstall", "anyio"], &env));
    let (code, r) = validate(&w.home, &env, &lock, &[]);
    assert_eq!(code, 3, "{r}");
}

/// Cause 8: conflicting extras and groups (`[tool.uv] conflicts`). A fork
/// reached only through an unselected extra is not enforced; the selected
/// one is; a default group counts as selected.
#[test]
fn conflicting_extras_follow_the_selection() {
    let Some(w) = world(WHEELS) else { return };
    let p = w.s.path.join("proj");
    write(
        &p,
        &[(
            "pyproject.toml",
            "[project]\nname = \"proj\"\nversion = \"0.1\"\nrequires-python = \">=3.8\"\ndependencies = [\"anyio\"]\n\
             [project.optional-dependencies]\na = [\"idna==3.5\"]\nb = [\"idna==3.6\"]\n\
             [tool.uv]\nconflicts = [[{ extra = \"a\" }, { extra = \"b\" }]]\npackage = false\n",
        )],
    );
    run_ok(&mut w.uv.cmd(&p, &["lock"], None));
    let lock = p.join("uv.lock");
    let env = w.s.path.join("env");
    let idna = |env: &std::path::Path| {
        fs::read_dir(env.join("lib"))
            .unwrap()
            .flatten()
            .flat_map(|d| fs::read_dir(d.path().join("site-packages")).unwrap())
            .flatten()
            .map(|d| d.file_name().to_string_lossy().into_owned())
            .find(|n| n.starts_with("idna-"))
            .unwrap()
    };
    for (args, version) in [
        (&[][..], "3.6"),
        (&["--extra", "a"][..], "3.5"),
        (&["--extra", "b"][..], "3.6"),
    ] {
        w.uv.sync(&p, &w.py, &env, args);
        assert_eq!(idna(&env), format!("idna-{version}.dist-info"), "{args:?}");
        let (code, r) = validate(&w.home, &env, &lock, args);
        assert_eq!(code, 0, "{args:?}: {r}");
    }
    // The env of `--extra a` holds idna 3.5; without the extra, uv would
    // install 3.6: misdefined.
    w.uv.sync(&p, &w.py, &env, &["--extra", "a"]);
    let (code, r) = validate(&w.home, &env, &lock, &[]);
    assert_eq!(code, 3, "{r}");
    assert!(findings(&r)[0].1.contains("does not satisfy ==3.6"), "{r}");

    // Conflicting groups, one of them a default group.
    fs::write(
        p.join("pyproject.toml"),
        "[project]\nname = \"proj\"\nversion = \"0.1\"\nrequires-python = \">=3.8\"\ndependencies = [\"anyio\"]\n\
         [dependency-groups]\ng1 = [\"idna==3.5\"]\ng2 = [\"idna==3.6\"]\n\
         [tool.uv]\nconflicts = [[{ group = \"g1\" }, { group = \"g2\" }]]\npackage = false\ndefault-groups = [\"g1\"]\n",
    )
    .unwrap();
    run_ok(&mut w.uv.cmd(&p, &["lock"], None));
    w.uv.sync(&p, &w.py, &env, &[]);
    assert_eq!(idna(&env), "idna-3.5.dist-info");
    let (code, r) = validate(&w.home, &env, &lock, &[]);
    assert_eq!(code, 0, "{r}");
}

/// Write local projects (directory, name, dependency) built by the test
/// backend, with their dependency in static `[project]` metadata.
fn local_projects(w: &World, projects: &[(&str, &str, &str)]) {
    let backend = "[build-system]\nrequires = []\nbuild-backend = \"fetter_test_backend\"\nbackend-path = [\".\"]\n";
    for (dir, name, dep) in projects {
        let d = tiny_project(&w.s.path.join("src"), name, "1.0", None);
        let to = w.s.path.join(dir);
        fs::create_dir_all(to.parent().unwrap()).unwrap();
        fs::rename(&d, &to).unwrap();
        fs::write(
            to.join("pyproject.toml"),
            format!("[project]\nname = \"{name}\"\nversion = \"1.0\"\ndependencies = [\"{dep}\"]\n{backend}"),
        )
        .unwrap();
    }
}

/// Cause 10: an editable and a directory dependency outside the workspace
/// are installed by `uv sync`, so they (and their dependencies) are
/// required, pinned to their path.
#[test]
fn local_dependencies_outside_the_workspace_are_required() {
    let Some(w) = world(WHEELS) else { return };
    local_projects(
        &w,
        &[("lib1", "lib1", "iniconfig"), ("lib2", "lib2", "other")],
    );
    let root = w.s.path.join("app");
    write(
        &root,
        &[(
            "pyproject.toml",
            "[project]\nname = \"app\"\nversion = \"0.1\"\nrequires-python = \">=3.8\"\ndependencies = [\"lib1\", \"lib2\"]\n\
             [tool.uv.sources]\nlib1 = { path = \"../lib1\", editable = true }\nlib2 = { path = \"../lib2\" }\n\
             [tool.uv]\npackage = false\n",
        )],
    );
    run_ok(&mut w.uv.cmd(&root, &["lock"], None));
    let lock = root.join("uv.lock");
    let env = w.s.path.join("env");
    let got = w.uv.sync(&root, &w.py, &env, &[]);
    assert_eq!(got, set(&["iniconfig", "lib1", "lib2", "other"]));
    let (code, r) = validate(&w.home, &env, &lock, &[]);
    assert_eq!(code, 0, "{r}");
    for name in ["lib1", "iniconfig", "lib2"] {
        run_ok(&mut w.uv.plain(&["pip", "uninstall", name], &env));
        let (code, r) = validate(&w.home, &env, &lock, &[]);
        assert_eq!(code, 3, "{name}: {r}");
        assert!(
            findings(&r)[0]
                .1
                .starts_with(&format!("{name} is required")),
            "{r}"
        );
        w.uv.sync(&root, &w.py, &env, &[]);
    }
    // Installed from elsewhere, the editable is not the locked one.
    local_projects(&w, &[("elsewhere/lib1", "lib1", "iniconfig")]);
    let editable = format!("--editable={}", w.s.path.join("elsewhere/lib1").display());
    let mut install = w.uv.cmd(&root, &["pip", "install", &editable], None);
    install.env("VIRTUAL_ENV", &env);
    run_ok(&mut install);
    let (code, r) = validate(&w.home, &env, &lock, &[]);
    assert_eq!(code, 3, "{r}");
    assert_eq!(findings(&r)[0].0, "bounds/misdefined", "{r}");
}

/// Cause 9: a workspace with a root project. Plain `uv sync` installs the
/// root's closure, not the other member's dependencies; `--all-packages`
/// adds every member.
#[test]
fn workspace_root_closure_and_all_packages() {
    let Some(w) = world(WHEELS) else { return };
    local_projects(&w, &[("ws/packages/mem", "mem", "devtool")]);
    let root = w.s.path.join("ws");
    write(
        &root,
        &[(
            "pyproject.toml",
            "[project]\nname = \"root\"\nversion = \"0.1\"\nrequires-python = \">=3.8\"\ndependencies = [\"tqdm\"]\n\
             [tool.uv.workspace]\nmembers = [\"packages/*\"]\n[tool.uv]\npackage = false\n",
        )],
    );
    run_ok(&mut w.uv.cmd(&root, &["lock"], None));
    let lock = root.join("uv.lock");
    let env = w.s.path.join("env");
    let got = w.uv.sync(&root, &w.py, &env, &[]);
    assert_eq!(got, set(&["tqdm"]));
    let (code, r) = validate(&w.home, &env, &lock, &[]);
    assert_eq!(code, 0, "{r}");
    // --all-packages: the member and its dependency too.
    let got = w.uv.sync(&root, &w.py, &env, &["--all-packages"]);
    assert_eq!(got, set(&["devtool", "mem", "tqdm"]));
    let (code, r) = validate(&w.home, &env, &lock, &["--all-packages"]);
    assert_eq!(code, 0, "{r}");
    // Not asked for, they are not part of the bound.
    let (code, r) = validate(&w.home, &env, &lock, &[]);
    assert_eq!(code, 3, "{r}");
    let codes: BTreeSet<(String, String)> = findings(&r).into_iter().collect();
    assert!(codes.iter().all(|(c, _)| c == "bounds/unrequired"), "{r}");
    assert_eq!(codes.len(), 2, "{r}");
    // purge keeps them with --all-packages, removes them without.
    let purge = |args: &[&str]| {
        run_ok(
            fetter(&w.home)
                .arg("--exe")
                .arg(&env)
                .args(["purge", "--yes", "--no-quarantine", "--bound"])
                .arg(&lock)
                .args(args),
        );
        installed(&env)
    };
    assert_eq!(purge(&["--all-packages"]), set(&["devtool", "mem", "tqdm"]));
    assert_eq!(purge(&[]), set(&["tqdm"]));
    let (code, r) = validate(&w.home, &env, &lock, &["--all-packages"]);
    assert_eq!(code, 3, "{r}");
    assert!(findings(&r)[0].1.starts_with("devtool is required"), "{r}");
}

/// Cause 11: an environment outside the lock's `requires-python` (which
/// `uv sync` refuses) is a finding naming both.
#[test]
fn uv_lock_requires_python_bounds_the_environment() {
    let Some(mut w) = world(WHEELS) else { return };
    let (old, new) = crate::bounds_sources::old_and_new();
    let (Some(old), Some(new)) = (old, new) else {
        eprintln!("SKIP: needs a Python < 3.10 and one >= 3.10");
        return;
    };
    w.py = new;
    let p = w.s.path.join("proj");
    write(
        &p,
        &[(
            "pyproject.toml",
            "[project]\nname = \"proj\"\nversion = \"0.1\"\nrequires-python = \">=3.10\"\ndependencies = [\"tqdm\"]\n[tool.uv]\npackage = false\n",
        )],
    );
    run_ok(
        &mut w
            .uv
            .cmd(&p, &["lock", "--python", w.py.to_str().unwrap()], None),
    );
    let lock = p.join("uv.lock");
    let env = w.s.path.join("env");
    w.uv.sync(&p, &w.py, &env, &[]);
    let (code, r) = validate(&w.home, &env, &lock, &[]);
    assert_eq!(code, 0, "{r}");
    // uv refuses the old interpreter; the same packages in its venv are
    // outside the lock.
    let refused = run(&mut w.uv.cmd(
        &p,
        &["sync", "--python", old.to_str().unwrap()],
        Some(&w.s.path.join("env-old")),
    ));
    assert!(!refused.status.success());
    let old_env = w.s.path.join("env-old2");
    w.uv.venv(&old, &old_env);
    run_ok(
        w.uv.cmd(&p, &["pip", "install", "tqdm"], None)
            .env("VIRTUAL_ENV", &old_env),
    );
    let (code, r) = validate(&w.home, &old_env, &lock, &[]);
    assert_eq!(code, 3, "{r}");
    let f = findings(&r);
    assert_eq!(f.len(), 1, "{r}");
    assert_eq!(f[0].0, "bounds/requires-python");
    assert!(
        f[0].1.contains(">=3.10") && f[0].1.contains("uv.lock"),
        "{r}"
    );
    assert!(f[0].1.starts_with("Python 3."), "{r}");
}
