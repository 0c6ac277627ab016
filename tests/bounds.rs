//! End-to-end tests of `fetter validate` and `fetter derive` on real venvs
//! created here, with tiny packages built offline and installed with pip.

mod common;

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use common::*;

/// Two venvs shared by the tests (creating venvs is the slow part):
/// `a` holds Jaraco.Tiny 3.2.1, tiny-pkg 1.0.1, Local.Ver 1.0+cpu,
/// pre-rel 2.0rc1 (from a find-links directory, as from an index) and
/// dir-pkg 0.1 (from its source directory: PEP 610 `dir_info`); `b` holds
/// tiny-pkg 2.0.
struct World {
    _scratch: Scratch,
    root: PathBuf,
    home: PathBuf,
    a: Venv,
    b: Venv,
    dir_pkg_src: PathBuf,
}

fn world() -> Option<&'static World> {
    static WORLD: OnceLock<Option<World>> = OnceLock::new();
    WORLD
        .get_or_init(|| {
            let py = python()?;
            let s = scratch();
            let root = s.path.clone();
            let home = root.join("home");
            fs::create_dir_all(&home).unwrap();
            let wheels = root.join("wheels");
            for (name, version) in [
                ("Jaraco.Tiny", "3.2.1"),
                ("tiny-pkg", "1.0.1"),
                ("tiny-pkg", "2.0"),
                ("Local.Ver", "1.0+cpu"),
                ("pre-rel", "2.0rc1"),
            ] {
                let dir = root.join(format!("src-{name}-{version}"));
                let project = tiny_project(&dir, name, version, None);
                build_wheel(&py, &project, &wheels);
            }
            let dir_pkg_src = tiny_project(&root.join("src-dir"), "dir-pkg", "0.1", None)
                .canonicalize()
                .unwrap();
            let links = wheels.to_str().unwrap();
            let a = Venv::create(&py, &root.join("envs/a"));
            a.pip(&[
                "install",
                "--find-links",
                links,
                "jaraco.tiny",
                "tiny-pkg==1.0.1",
                "local-ver",
                "pre-rel==2.0rc1",
            ]);
            a.pip(&[
                "install",
                "--no-build-isolation",
                dir_pkg_src.to_str().unwrap(),
            ]);
            let b = Venv::create(&py, &root.join("envs/b"));
            b.pip(&["install", "--find-links", links, "tiny-pkg==2.0"]);
            Some(World {
                _scratch: s,
                root,
                home,
                a,
                b,
                dir_pkg_src,
            })
        })
        .as_ref()
}

fn fetter_in(w: &World, envs: &[&Venv]) -> Command {
    let mut c = fetter(&w.home);
    for e in envs {
        c.arg("--exe").arg(&e.prefix);
    }
    c
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("exit code")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Requirements for what `python -m venv` itself installed besides pip
/// (setuptools before Python 3.12, nothing after), one per line.
fn baseline(w: &World) -> String {
    let ours = [
        "jaraco-tiny",
        "tiny-pkg",
        "local-ver",
        "pre-rel",
        "dir-pkg",
        "pip",
    ];
    w.a.pip_list()
        .into_iter()
        .filter(|(n, _)| !ours.contains(&n.as_str()))
        .map(|(n, _)| format!("{n}\n"))
        .collect()
}

/// A bound file under the world's root.
fn bound(w: &World, name: &str, content: &str) -> PathBuf {
    let dir = w.root.join("bounds");
    fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    fs::write(&p, content).unwrap();
    p
}

fn validate_json(w: &World, envs: &[&Venv], args: &[&str]) -> (i32, serde_json::Value) {
    let out = run(fetter_in(w, envs)
        .arg("validate")
        .args(args)
        .args(["--format", "json"]));
    (code(&out), json(&out.stdout))
}

/// (code, distribution or requirement name) of every diagnostic.
fn diag_set(report: &serde_json::Value) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = report["environments"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|e| e["diagnostics"].as_array().unwrap().iter())
        .map(|d| {
            let name = d["distribution"]["name"]
                .as_str()
                .map(normalize)
                .unwrap_or_else(|| d["requirement"].as_str().unwrap().to_string());
            (d["code"].as_str().unwrap().to_string(), name)
        })
        .collect();
    v.sort();
    v
}

#[test]
fn derive_then_validate_round_trips() {
    let Some(w) = world() else { return };
    let req = w.root.join("derived-a.txt");
    let out = run(fetter_in(w, &[&w.a]).args(["derive", "-o"]).arg(&req));
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let derived = fs::read_to_string(&req).unwrap();
    assert!(derived.starts_with("# Derived by fetter"), "{derived}");
    // Every package pip lists, except pip itself, is pinned exactly.
    let lines: Vec<&str> = derived.lines().filter(|l| !l.starts_with('#')).collect();
    let pip_list = w.a.pip_list();
    assert_eq!(lines.len(), pip_list.len() - 1, "{derived}");
    for (name, version) in pip_list.iter().filter(|(n, _)| n != "pip") {
        let found = lines.iter().any(|l| {
            let (n, rest) = l.split_once(['=', ' ']).unwrap();
            normalize(n) == *name && (rest.contains(version.as_str()) || rest.contains("file://"))
        });
        assert!(found, "{name} {version} not in:\n{derived}");
    }
    // The directory install is written as a URL, so the source is checked too.
    let src_url = format!("dir-pkg @ file://{}", w.dir_pkg_src.display());
    assert!(lines.contains(&src_url.as_str()), "{derived}");

    let out = run(fetter_in(w, &[&w.a])
        .args(["validate", "--bound"])
        .arg(&req));
    assert_eq!(code(&out), 0, "{}{}", text(&out.stdout), text(&out.stderr));
    assert!(text(&out.stdout).contains(&format!("site {}", w.a.site().display())));
    let (c, report) = validate_json(w, &[&w.a], &["--bound", req.to_str().unwrap()]);
    assert_eq!(c, 0);
    assert_eq!(report["schema"], "fetter.validate/1");
    assert_eq!(report["outcome"], "pass");
    assert_eq!(report["environments"][0]["ok"], true);

    // Through a pipe: `fetter derive | fetter validate --bound -`.
    let mut derive = fetter_in(w, &[&w.a])
        .arg("derive")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let out = run(fetter_in(w, &[&w.a])
        .args(["validate", "--bound", "-"])
        .stdin(derive.stdout.take().unwrap()));
    assert_eq!(code(&out), 0, "{}", text(&out.stdout));
    assert!(derive.wait().unwrap().success());

    for pin in ["lower", "upper", "compatible"] {
        let p = w.root.join(format!("derived-{pin}.txt"));
        run_ok(
            fetter_in(w, &[&w.a])
                .args(["derive", "--pin", pin, "-o"])
                .arg(&p),
        );
        let out = run(fetter_in(w, &[&w.a]).args(["validate", "--bound"]).arg(&p));
        assert_eq!(code(&out), 0, "--pin {pin}: {}", text(&out.stdout));
    }
}

#[test]
fn derive_reports_conflicts_across_environments() {
    let Some(w) = world() else { return };
    let exact = w.root.join("derived-both.txt");
    let out = run(fetter_in(w, &[&w.a, &w.b])
        .args(["derive", "-o"])
        .arg(&exact));
    assert_eq!(code(&out), 0);
    let err = text(&out.stderr);
    assert!(
        err.contains("tiny-pkg is installed in several versions"),
        "{err}"
    );
    let file = fs::read_to_string(&exact).unwrap();
    assert!(file.contains("# conflict: tiny-pkg"), "{file}");
    assert_eq!(
        file.lines().filter(|l| l.starts_with("tiny-pkg==")).count(),
        1,
        "deduplicated"
    );
    // Exact pins cannot hold for both: a is misdefined.
    let (c, report) = validate_json(w, &[&w.a, &w.b], &["--bound", exact.to_str().unwrap()]);
    assert_eq!(c, 3);
    assert!(diag_set(&report).contains(&("bounds/misdefined".into(), "tiny-pkg".into())));
    // A lower bound holds for both; b lacks a's other packages, so they are
    // missing there unless the bound may list more (--subset).
    let lower = w.root.join("derived-both-lower.txt");
    run_ok(
        fetter_in(w, &[&w.a, &w.b])
            .args(["derive", "--pin", "lower", "-o"])
            .arg(&lower),
    );
    let (c, r) = validate_json(w, &[&w.a, &w.b], &["--bound", lower.to_str().unwrap()]);
    assert_eq!(c, 3);
    assert!(
        diag_set(&r)
            .iter()
            .all(|(code, _)| code == "bounds/missing"),
        "{r}"
    );
    let out = run(fetter_in(w, &[&w.a, &w.b])
        .args(["validate", "--subset", "--bound"])
        .arg(&lower));
    assert_eq!(code(&out), 0, "{}", text(&out.stdout));
}

#[test]
fn violations_are_reported_by_kind_with_exit_3() {
    let Some(w) = world() else { return };
    // jaraco-tiny matches installed Jaraco.Tiny; ==3.* matches 3.2.1; the
    // pre-release and the local version satisfy their specifiers.
    let p = bound(
        w,
        "mixed.txt",
        &format!(
            "jaraco-tiny==3.*\ntiny_pkg==2.0\nabsent-pkg==1.0\npre-rel>=2.0rc1\n{}",
            baseline(w)
        ),
    );
    let (c, report) = validate_json(w, &[&w.a], &["--bound", p.to_str().unwrap()]);
    assert_eq!(c, 3);
    assert_eq!(report["outcome"], "violations");
    assert_eq!(report["exit_code"], 3);
    assert_eq!(
        diag_set(&report),
        vec![
            ("bounds/misdefined".into(), "tiny-pkg".into()),
            ("bounds/missing".into(), "absent-pkg==1.0".into()),
            ("bounds/unrequired".into(), "dir-pkg".into()),
            ("bounds/unrequired".into(), "local-ver".into()),
        ]
    );
    let env = &report["environments"][0];
    assert_eq!(env["prefix"], w.a.prefix.to_str().unwrap());
    assert_eq!(env["sites"][0]["path"], w.a.site().to_str().unwrap());
    // Each denied distribution names its metadata directory (what purge removes).
    for d in env["diagnostics"].as_array().unwrap() {
        if let Some(path) = d["distribution"]["metadata_path"].as_str() {
            assert!(Path::new(path).is_dir(), "{path}");
            assert_eq!(d["action"], "deny");
        }
    }
    // --subset drops missing, --superset drops unrequired, --ignore drops names.
    let (c, r) = validate_json(
        w,
        &[&w.a],
        &["--bound", p.to_str().unwrap(), "--subset", "--superset"],
    );
    assert_eq!((c, diag_set(&r).len()), (3, 1), "misdefined remains");
    let (c, r) = validate_json(
        w,
        &[&w.a],
        &[
            "--bound",
            p.to_str().unwrap(),
            "--subset",
            "--ignore",
            "dir_pkg",
            "--ignore",
            "Local.Ver",
            "--ignore",
            "tiny-pkg",
            "--ignore",
            "pip",
        ],
    );
    assert_eq!(c, 0, "{r}");
    // Giving --ignore replaces the default, so pip becomes unrequired.
    let (_, r) = validate_json(w, &[&w.a], &["--bound", p.to_str().unwrap(), "--ignore="]);
    assert!(diag_set(&r).contains(&("bounds/unrequired".into(), "pip".into())));
    // The table says the same, with exit 3 as well.
    let out = run(fetter_in(w, &[&w.a]).args(["validate", "--bound"]).arg(&p));
    assert_eq!(code(&out), 3);
    let t = text(&out.stdout);
    assert!(
        t.contains("FAIL")
            && t.contains("bounds/misdefined")
            && t.contains("version 1.0.1 does not satisfy ==2.0"),
        "{t}"
    );
}

#[test]
fn markers_are_evaluated_per_environment() {
    let Some(w) = world() else { return };
    let version =
        w.a.run_py("import sys; print('%d.%d' % sys.version_info[:2])");
    let version = version.trim();
    let p = bound(
        w,
        "markers.txt",
        &format!(
            "tiny-pkg==1.0.1 ; python_version == '{version}'\ntiny-pkg==99 ; python_version != '{version}'\nnever-here ; python_version < '3'\n\
             jaraco.tiny\nlocal-ver==1.0\npre-rel\ndir-pkg\n{}",
            baseline(w)
        ),
    );
    let (c, r) = validate_json(w, &[&w.a], &["--bound", p.to_str().unwrap()]);
    assert_eq!(c, 0, "{r}");
}

#[test]
fn direct_url_requirements_compare_with_direct_url_json() {
    let Some(w) = world() else { return };
    let p = bound(w, "url.txt", "dir-pkg @ file:///somewhere/else\n");
    let (c, r) = validate_json(w, &[&w.a], &["--bound", p.to_str().unwrap(), "--superset"]);
    assert_eq!(c, 3);
    let msg = r["environments"][0]["diagnostics"][0]["message"]
        .as_str()
        .unwrap();
    assert!(
        msg.contains("installed from file://") && msg.contains("somewhere/else"),
        "{msg}"
    );
    // A URL requirement is not satisfied by an index install.
    let p = bound(
        w,
        "url2.txt",
        "tiny-pkg @ https://files.example/tiny_pkg-1.0.1.tar.gz\n",
    );
    let (c, r) = validate_json(w, &[&w.a], &["--bound", p.to_str().unwrap(), "--superset"]);
    assert_eq!(c, 3);
    assert!(r.to_string().contains("installed from an index"), "{r}");
}

#[test]
fn unreadable_bounds_fail_closed_with_exit_1() {
    let Some(w) = world() else { return };
    let missing = w.root.join("no-such-bound.txt");
    for format in ["table", "json"] {
        let out = run(fetter_in(w, &[&w.a])
            .args(["validate", "--format", format, "--bound"])
            .arg(&missing));
        assert_eq!(code(&out), 1, "{format}: {}", text(&out.stdout));
    }
    let (c, r) = validate_json(w, &[&w.a], &["--bound", missing.to_str().unwrap()]);
    assert_eq!((c, r["outcome"].as_str()), (1, Some("error")));
    assert!(r["failures"][0]["message"]
        .as_str()
        .unwrap()
        .contains("cannot read the bound"));
    // A bad line fails the run even though the rest parsed; no diagnostics
    // are produced from a partial bound.
    let bad = bound(w, "bad.txt", "tiny-pkg==1.0.1\nthis is not a requirement\n");
    let (c, r) = validate_json(w, &[&w.a], &["--bound", bad.to_str().unwrap()]);
    assert_eq!(c, 1);
    assert!(
        r["failures"][0]["source"]
            .as_str()
            .unwrap()
            .ends_with("bad.txt:2"),
        "{r}"
    );
    assert_eq!(r["summary"]["denied"], 0);
    // An include cycle.
    bound(w, "cyc-b.txt", "-r cyc-a.txt\n");
    let cyc = bound(w, "cyc-a.txt", "-r cyc-b.txt\n");
    let out = run(fetter_in(w, &[&w.a])
        .args(["validate", "--bound"])
        .arg(&cyc));
    assert_eq!(code(&out), 1);
    assert!(
        text(&out.stdout).contains("include cycle"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn usage_errors_exit_2() {
    let Some(w) = world() else { return };
    let out = run(fetter_in(w, &[&w.a]).arg("validate"));
    assert_eq!(code(&out), 2);
    let out = run(fetter_in(w, &[&w.a]).args(["validate", "--bound", "x", "--format", "xml"]));
    assert_eq!(code(&out), 2);
    let out = run(fetter_in(w, &[&w.a]).args(["derive", "--pin", "loose"]));
    assert_eq!(code(&out), 2);
    let help = run_ok(fetter_in(w, &[]).args(["validate", "--help"]));
    assert!(
        help.contains("only pip is") && help.contains("ignored"),
        "{help}"
    );
}

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
        eprintln!("SKIP: git is not installed");
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
