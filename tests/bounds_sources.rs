//! End-to-end tests of where bounds come from: URLs served on 127.0.0.1,
//! pyproject and lock files, VCS installs, and locks written by real uv.

use crate::bounds_world;
use crate::common;
mod uv_sync;

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::Command;

use bounds_world::*;
use common::*;

/// Serve `files` on 127.0.0.1 (404 for anything else); returns the base URL.
fn serve(files: Vec<(&'static str, String)>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request = String::new();
            if reader.read_line(&mut request).is_err() {
                continue;
            }
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).map(|n| n == 0).unwrap_or(true) || h == "\r\n" {
                    break;
                }
            }
            let path = request.split_whitespace().nth(1).unwrap_or("").to_string();
            let response = match files.iter().find(|(p, _)| *p == path) {
                Some((_, body)) => format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                ),
                None => "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    .into(),
            };
            let _ = stream.write_all(response.as_bytes());
        }
    });
    base
}

#[test]
fn url_bounds_are_fetched_and_fetch_failures_are_errors() {
    let Some(w) = world() else { return };
    let req = w.root.join("derived-for-url.txt");
    run_ok(fetter_in(w, &[&w.a]).args(["derive", "-o"]).arg(&req));
    let derived = fs::read_to_string(&req).unwrap();
    // The served file includes a sibling URL, resolved against its own URL.
    let (first, rest) = derived.split_once("setuptools").unwrap();
    let base = serve(vec![
        ("/bounds/main.txt", format!("{first}-r extra.txt\n")),
        ("/bounds/extra.txt", format!("setuptools{rest}")),
    ]);
    let out = run(fetter_in(w, &[&w.a]).args([
        "validate",
        "--bound",
        &format!("{base}/bounds/main.txt"),
    ]));
    assert_eq!(code(&out), 0, "{}{}", text(&out.stdout), text(&out.stderr));

    let (c, r) = validate_json(w, &[&w.a], &["--bound", &format!("{base}/bounds/nope.txt")]);
    assert_eq!(c, 1);
    assert!(
        r["failures"][0]["message"]
            .as_str()
            .unwrap()
            .contains("HTTP 404"),
        "{r}"
    );
    // Nothing listening: a connection error is an error, never an empty bound.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let (c, r) = validate_json(
        w,
        &[&w.a],
        &["--bound", &format!("http://127.0.0.1:{port}/r.txt")],
    );
    assert_eq!((c, r["outcome"].as_str()), (1, Some("error")));
}

#[test]
fn pyproject_and_lock_bounds() {
    let Some(w) = world() else { return };
    let base: Vec<String> = baseline(w).lines().map(|l| format!("{l:?}")).collect();
    let pyproject = bound(
        w,
        "pyproject.toml",
        &format!(
            "[project]\nname = \"dir-pkg\"\nversion = \"0.1\"\ndependencies = [\"Jaraco_Tiny>=3\", \"tiny-pkg~=1.0\", {}]\n\
             [project.optional-dependencies]\nlocal = [\"local-ver==1.0\"]\n\
             [dependency-groups]\npre = [\"pre-rel>=2.0rc1\"]\nall = [{{include-group = \"pre\"}}]\n",
            base.join(", ")
        ),
    );
    let path = pyproject.to_str().unwrap();
    let (c, r) = validate_json(w, &[&w.a], &["--bound", path]);
    assert_eq!(c, 3);
    assert_eq!(
        diag_set(&r),
        vec![
            ("bounds/unrequired".into(), "local-ver".into()),
            ("bounds/unrequired".into(), "pre-rel".into()),
        ]
    );
    let (c, r) = validate_json(
        w,
        &[&w.a],
        &["--bound", path, "--extra", "local", "--group", "all"],
    );
    assert_eq!(c, 0, "{r}");
    let (c, _) = validate_json(w, &[&w.a], &["--bound", path, "--group", "nope"]);
    assert_eq!(c, 1);

    let pylock = bound(
        w,
        "pylock.toml",
        &format!(
            "lock-version = \"1.0\"\ncreated-by = \"hand\"\n\
             [[packages]]\nname = \"jaraco.tiny\"\nversion = \"3.2.1\"\n\
             [[packages]]\nname = \"tiny-pkg\"\nversion = \"1.0.1\"\n\
             [[packages]]\nname = \"tiny-pkg\"\nversion = \"9.0\"\nmarker = \"python_version < '3'\"\n\
             [[packages]]\nname = \"local-ver\"\nversion = \"1.0+cpu\"\n\
             [[packages]]\nname = \"pre-rel\"\nversion = \"2.0rc1\"\n\
             [[packages]]\nname = \"dir-pkg\"\ndirectory = {{ path = {:?} }}\n{}",
            w.dir_pkg_src.to_str().unwrap(),
            baseline(w)
                .lines()
                .map(|n| format!("[[packages]]\nname = {n:?}\n"))
                .collect::<String>()
        ),
    );
    let (c, r) = validate_json(w, &[&w.a], &["--bound", pylock.to_str().unwrap()]);
    assert_eq!(c, 0, "{r}");
    // The same lock with the directory elsewhere: misdefined.
    let moved = fs::read_to_string(&pylock)
        .unwrap()
        .replace(w.dir_pkg_src.to_str().unwrap(), "/elsewhere");
    let moved = bound(w, "pylock.moved.toml", &moved);
    let (c, r) = validate_json(w, &[&w.a], &["--bound", moved.to_str().unwrap()]);
    assert_eq!(c, 3);
    assert_eq!(
        diag_set(&r),
        vec![("bounds/misdefined".into(), "dir-pkg".into())]
    );
}

/// A package pip installed from a git repository: derive writes
/// `name @ git+URL@commit`, which validates; another commit is misdefined.
#[test]
fn vcs_installs_round_trip_by_commit() {
    let Some(w) = world() else { return };
    if Command::new("git").arg("--version").output().is_err() {
        skip_or_fail("git is not installed");
        return;
    }
    let Some(py) = python() else { return };
    let repo = tiny_project(&w.root.join("vcs"), "vcs-pkg", "0.2", None);
    let git = |args: &[&str]| {
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
        )
    };
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "tiny"]);
    let commit = git(&["rev-parse", "HEAD"]).trim().to_string();
    let env = Venv::create(&py, &w.root.join("envs/vcs"));
    let url = format!("file://{}", repo.display());
    env.pip(&[
        "install",
        "--no-build-isolation",
        &format!("git+{url}@{commit}"),
    ]);

    let req = w.root.join("derived-vcs.txt");
    run_ok(fetter_in(w, &[&env]).args(["derive", "-o"]).arg(&req));
    let derived = fs::read_to_string(&req).unwrap();
    assert!(
        derived.contains(&format!("vcs-pkg @ git+{url}@{commit}")),
        "{derived}"
    );
    let out = run(fetter_in(w, &[&env])
        .args(["validate", "--bound"])
        .arg(&req));
    assert_eq!(code(&out), 0, "{}", text(&out.stdout));

    // pip-freeze style `-e git+…#egg=` lines name the same source.
    let rest: String = derived
        .lines()
        .filter(|l| !l.starts_with("vcs-pkg") && !l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect();
    let freeze = bound(
        w,
        "vcs-freeze.txt",
        &format!("-e git+{url}@{commit}#egg=vcs_pkg\n{rest}"),
    );
    let (c, r) = validate_json(w, &[&env], &["--bound", freeze.to_str().unwrap()]);
    assert_eq!(c, 0, "{r}");
    let other = bound(
        w,
        "vcs-other.txt",
        &format!("vcs-pkg @ git+{url}@{}\n{rest}", "0".repeat(40)),
    );
    let (c, r) = validate_json(w, &[&env], &["--bound", other.to_str().unwrap()]);
    assert_eq!(c, 3);
    assert_eq!(
        diag_set(&r),
        vec![("bounds/misdefined".into(), "vcs-pkg".into())]
    );
    assert!(
        r.to_string()
            .contains(&format!("installed at commit {commit}")),
        "{r}"
    );
}

/// Build a wheel `name==version` into `wheels`.
fn wheel(
    py: &std::path::Path,
    root: &std::path::Path,
    wheels: &std::path::Path,
    name: &str,
    version: &str,
) {
    let project = tiny_project(
        &root.join(format!("src-{name}-{version}")),
        name,
        version,
        None,
    );
    build_wheel(py, &project, wheels);
}

/// Interpreters below and at/above Python 3.10, when this machine has them.
fn old_and_new() -> (Option<std::path::PathBuf>, Option<std::path::PathBuf>) {
    let minor = |p: &std::path::Path| -> Option<u32> {
        let out = Command::new(p)
            .args(["-c", "import sys; print(sys.version_info[1])"])
            .output()
            .ok()?;
        String::from_utf8_lossy(&out.stdout).trim().parse().ok()
    };
    let all = pythons();
    let old = all
        .iter()
        .find(|p| minor(p).is_some_and(|m| m < 10))
        .cloned();
    let new = all
        .iter()
        .find(|p| minor(p).is_some_and(|m| m >= 10))
        .cloned();
    (old, new)
}

/// A real `uv lock` (one name twice, with disjoint resolution markers) and
/// its `uv export --format pylock.toml`, checked against venvs `uv sync`
/// made from them: on Python < 3.10 tiny-a 1.0 is required, on >= 3.10
/// tiny-a 2.0; tiny-b only on Windows; tiny-c in the `dev` group.
#[test]
fn real_uv_lock_and_pylock_validate_uv_synced_venvs() {
    let Some(py) = python() else { return };
    let Some(uv) = uv() else { return };
    let (old, new) = old_and_new();
    let Some(new) = new else {
        skip_or_fail("no Python >= 3.10 (with venv and ensurepip) on this machine");
        return;
    };
    let s = scratch();
    let home = s.path.join("home");
    fs::create_dir_all(&home).unwrap();
    let wheels = s.path.join("wheels");
    for (n, v) in [
        ("tiny-a", "1.0"),
        ("tiny-a", "2.0"),
        ("tiny-b", "2.0"),
        ("tiny-c", "0.5"),
    ] {
        wheel(&py, &s.path, &wheels, n, v);
    }
    let proj = s.path.join("proj");
    fs::create_dir_all(&proj).unwrap();
    fs::write(
        proj.join("pyproject.toml"),
        "[project]\nname = \"proj\"\nversion = \"0.1\"\nrequires-python = \">=3.8\"\n\
         dependencies = [\"tiny-a==1.0 ; python_version < '3.10'\", \"tiny-a==2.0 ; python_version >= '3.10'\", \"tiny-b ; sys_platform == 'win32'\"]\n\
         [dependency-groups]\ndev = [\"tiny-c\"]\n[tool.uv]\npackage = false\n",
    )
    .unwrap();
    let offline = [
        "--offline",
        "--no-index",
        "--find-links",
        wheels.to_str().unwrap(),
    ];
    let uv_cmd = |args: &[&str], env_dir: Option<&str>| {
        let mut c = Command::new(&uv);
        c.args(args)
            .args(offline)
            .current_dir(&proj)
            .env("UV_CACHE_DIR", s.path.join("uv-cache"));
        if let Some(e) = env_dir {
            c.env("UV_PROJECT_ENVIRONMENT", proj.join(e));
        }
        run_ok(&mut c)
    };
    uv_cmd(&["lock", "--python", new.to_str().unwrap()], None);
    let lock = fs::read_to_string(proj.join("uv.lock")).unwrap();
    assert_eq!(
        lock.matches("[[package]]\nname = \"tiny-a\"").count(),
        2,
        "{lock}"
    );
    uv_cmd(
        &["sync", "--python", new.to_str().unwrap()],
        Some("env-new"),
    );
    let mut envs = vec![proj.join("env-new")];
    if let Some(old) = &old {
        uv_cmd(
            &["sync", "--python", old.to_str().unwrap()],
            Some("env-old"),
        );
        envs.push(proj.join("env-old"));
    } else {
        skip_or_fail("no Python < 3.10 (with venv and ensurepip) on this machine, so the lock's other fork is not checked");
    }
    uv_cmd(
        &[
            "export",
            "--format",
            "pylock.toml",
            "-o",
            "pylock.toml",
            "--python",
            new.to_str().unwrap(),
        ],
        None,
    );

    let validate = |bound: &str, extra: &[&str]| -> (i32, serde_json::Value) {
        let mut c = fetter(&home);
        for e in &envs {
            c.arg("--exe").arg(e);
        }
        let out = run(c
            .args(["validate", "--format", "json", "--bound"])
            .arg(proj.join(bound))
            .args(extra));
        (out.status.code().unwrap(), json(&out.stdout))
    };
    for bound in ["uv.lock", "pylock.toml"] {
        let (c, r) = validate(bound, &[]);
        assert_eq!(c, 0, "{bound}: {r}");
        assert_eq!(r["summary"]["environments"], envs.len());
    }
    let (c, r) = validate("uv.lock", &["--group", "dev"]);
    assert_eq!(c, 0, "{r}");

    // Without the dev group installed: allowed, not required, unless selected.
    uv_cmd(
        &["sync", "--no-dev", "--python", new.to_str().unwrap()],
        Some("env-new"),
    );
    let (c, _) = validate("uv.lock", &[]);
    assert_eq!(c, 0);
    let (c, r) = validate("uv.lock", &["--group", "dev"]);
    assert_eq!(c, 3);
    let codes: Vec<&str> = r["environments"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|e| e["diagnostics"].as_array().unwrap())
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["bounds/missing"], "{r}");

    // tiny-b is locked for Windows only: on this host it is unrequired.
    let new_py = proj.join("env-new/bin/python");
    let mut c = Command::new(&uv);
    c.args(["pip", "install", "--python"])
        .arg(&new_py)
        .args(offline)
        .arg("tiny-b")
        .env("UV_CACHE_DIR", s.path.join("uv-cache"));
    run_ok(&mut c);
    let (c, r) = validate("uv.lock", &[]);
    #[cfg(not(windows))]
    {
        assert_eq!(c, 3);
        assert!(
            r.to_string()
                .contains("tiny-b 2.0 is installed but not in the bound"),
            "{r}"
        );
    }
    let _ = (c, r);
    if old.is_some() {
        // The other fork's version in the old environment is misdefined.
        let old_py = proj.join("env-old/bin/python");
        let mut c = Command::new(&uv);
        c.args(["pip", "install", "--python"])
            .arg(&old_py)
            .args(offline)
            .arg("tiny-a==2.0")
            .env("UV_CACHE_DIR", s.path.join("uv-cache"));
        run_ok(&mut c);
        let (_, r) = validate("uv.lock", &["--superset"]);
        let env_old = r["environments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["prefix"].as_str().unwrap().ends_with("env-old"))
            .unwrap();
        let d = &env_old["diagnostics"][0];
        assert_eq!(d["code"], "bounds/misdefined", "{r}");
        assert!(
            d["message"]
                .as_str()
                .unwrap()
                .contains("does not satisfy ==1.0"),
            "{r}"
        );
    }
}
