//! End-to-end tests of `fetter scan`, `count` and `search` on real
//! environments created here, compared with what Python itself reports.

use crate::common;

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

/// Venvs made by pip (plain, with a local wheel, an editable install, and
/// `--system-site-packages`) are seen exactly as `pip list` sees them.
#[test]
fn venvs_match_pip_list() {
    let Some(py) = python() else { return };
    let s = scratch();
    let home = s.path.join("home");
    fs::create_dir_all(&home).unwrap();

    let plain = Venv::create(&py, &s.path.join("work/plain"));
    let wheels = s.path.join("wheels");
    let dotted = tiny_project(&s.path, "Tiny.Dotted_Pkg", "1.0.post1", Some("tiny-cli"));
    let wheel = build_wheel(&py, &dotted, &wheels);
    plain.pip(&["install", wheel.to_str().unwrap()]);
    let editable = tiny_project(&s.path, "edit-me", "0.3.dev1", None);
    plain.pip(&[
        "install",
        "--no-build-isolation",
        "-e",
        editable.to_str().unwrap(),
    ]);

    let inherit = Venv::create_with(
        &py,
        &s.path.join("work/inherit"),
        &["--system-site-packages"],
    );
    inherit.pip(&["install", wheel.to_str().unwrap()]);

    let inv = scan_json(
        &home,
        &[OsStr::new("--root"), s.path.join("work").as_os_str()],
    );
    for v in [&plain, &inherit] {
        let want = v.pip_list();
        assert_eq!(
            visible_set(&inv, &v.prefix),
            want,
            "fetter vs pip list for {}",
            v.prefix.display()
        );
    }
    // The base's sites are inherited, not the venv's own.
    let env = find_env(&inv, &inherit.prefix);
    let scopes: Vec<&str> = env["sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["scope"].as_str().unwrap())
        .collect();
    assert_eq!(scopes[0], "own", "{scopes:?}");
    assert!(scopes.contains(&"inherited"), "{scopes:?}");

    // Editable and local-wheel installs carry their PEP 610 direct URLs.
    let dists = inv["distributions"].as_array().unwrap();
    let ed = dists
        .iter()
        .find(|d| d["normalized_name"] == "edit-me")
        .expect("editable install found");
    assert_eq!(ed["direct_url"]["editable"], true);
    let tiny = dists
        .iter()
        .find(|d| {
            d["normalized_name"] == "tiny-dotted-pkg" && d["site"] == plain.site().to_str().unwrap()
        })
        .unwrap();
    assert_eq!(
        tiny["name"], "Tiny.Dotted_Pkg",
        "the name comes from METADATA, not the directory"
    );
    assert_eq!(tiny["installer"], "pip");
    assert_eq!(tiny["requested"], true);
    assert!(tiny["direct_url"]["url"]
        .as_str()
        .unwrap()
        .starts_with("file://"));

    // --exe with the venv's interpreter (a symlink to the base) selects the
    // venv, not the base interpreter.
    let by_exe = scan_json(&home, &[OsStr::new("--exe"), plain.python().as_os_str()]);
    let envs = by_exe["environments"].as_array().unwrap();
    assert_eq!(envs.len(), 1, "{envs:?}");
    assert_eq!(Path::new(envs[0]["prefix"].as_str().unwrap()), plain.prefix);
    assert_eq!(visible_set(&by_exe, &plain.prefix), plain.pip_list());
}

/// A venv made and filled by uv is seen as `importlib.metadata` sees it.
#[test]
fn uv_venv_matches_importlib() {
    let Some(py) = python() else { return };
    let Some(uv) = uv() else { return };
    let s = scratch();
    let home = s.path.join("home");
    fs::create_dir_all(&home).unwrap();
    let prefix = s.path.join("work/uvenv");
    run_ok(
        Command::new(&uv)
            .args(["venv", "-q", "--python"])
            .arg(&py)
            .arg(&prefix)
            .env("UV_NO_CONFIG", "1"),
    );
    let wheel = build_wheel(
        &py,
        &tiny_project(&s.path, "uv_tiny", "2.1", None),
        &s.path.join("wheels"),
    );
    run_ok(
        Command::new(&uv)
            .args([
                "pip",
                "install",
                "-q",
                "--offline",
                "--no-index",
                "--python",
            ])
            .arg(prefix.join("bin/python"))
            .arg(&wheel)
            .env("UV_NO_CONFIG", "1")
            .env("UV_CACHE_DIR", s.path.join("uv-cache")),
    );
    let inv = scan_json(
        &home,
        &[OsStr::new("--root"), s.path.join("work").as_os_str()],
    );
    let prefix = prefix.canonicalize().unwrap();
    let want = importlib_set(&prefix.join("bin/python"), &home);
    assert!(
        want.contains(&("uv-tiny".to_string(), "2.1".to_string())),
        "{want:?}"
    );
    assert_eq!(visible_set(&inv, &prefix), want);
    let d = inv["distributions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["normalized_name"] == "uv-tiny")
        .unwrap();
    assert_eq!(d["installer"], "uv");
}

/// For every interpreter on this machine and for venvs made from it, the
/// sites fetter derives from the layout equal what `site` reports.
#[test]
fn site_layout_matches_python() {
    let all = pythons();
    if all.is_empty() {
        skip_or_fail("no python3 (3.8+) with venv and ensurepip on this machine");
        return;
    }
    let s = scratch();
    let home = s.path.join("home");
    for (i, py) in all.iter().enumerate() {
        // Give each interpreter a user site so the user-site rule is exercised.
        let xy = run_ok(
            Command::new(py).args(["-c", "import sys; print('%d.%d' % sys.version_info[:2])"]),
        );
        fs::create_dir_all(home.join(format!(".local/lib/python{}/site-packages", xy.trim())))
            .unwrap();
        let plain = Venv::create_with(py, &s.path.join(format!("v{i}")), &["--without-pip"]);
        let inherit = Venv::create_with(
            py,
            &s.path.join(format!("s{i}")),
            &["--without-pip", "--system-site-packages"],
        );
        for exe in [py.clone(), plain.python(), inherit.python()] {
            let want = python_sites(&exe, &home);
            let inv = scan_json(&home, &[OsStr::new("--exe"), exe.as_os_str()]);
            let envs = inv["environments"].as_array().unwrap();
            assert_eq!(envs.len(), 1, "{}: {envs:?}", exe.display());
            let got: Vec<PathBuf> = envs[0]["sites"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| PathBuf::from(s["path"].as_str().unwrap()))
                .collect();
            assert_eq!(got, want, "sites of {}", exe.display());
        }
    }
}

/// A venv under a `--root` that is a home sees that home's user site, in
/// `sys.path` order (own, user, base), as Python does with that HOME.
#[test]
fn user_site_under_a_root_is_in_sys_path_order() {
    let Some(py) = pythons().into_iter().next() else {
        skip_or_fail("no python3 (3.8+) with venv and ensurepip on this machine");
        return;
    };
    let s = scratch();
    let home = s.path.join("home");
    let xy =
        run_ok(Command::new(&py).args(["-c", "import sys; print('%d.%d' % sys.version_info[:2])"]));
    let user = home.join(format!(".local/lib/python{}/site-packages", xy.trim()));
    write_dist(&user, "mine-1.0.dist-info", "Name: mine\nVersion: 1.0\n");
    let venv = Venv::create_with(
        &py,
        &home.join("proj/.venv"),
        &["--without-pip", "--system-site-packages"],
    );
    let want = python_sites(&venv.python(), &home);
    assert!(want.contains(&user.canonicalize().unwrap()), "{want:?}");
    let inv = scan_json(
        &s.path.join("elsewhere"),
        &[OsStr::new("--root"), home.as_os_str()],
    );
    let env = inv["environments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["prefix"] == venv.prefix.canonicalize().unwrap().to_str().unwrap())
        .unwrap_or_else(|| panic!("no venv under the root: {inv:#}"));
    let got: Vec<PathBuf> = env["sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| PathBuf::from(s["path"].as_str().unwrap()))
        .collect();
    assert_eq!(got, want);
    assert!(
        inv["distributions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["name"] == "mine"),
        "{inv:#}"
    );
}

/// A conda environment in an `envs_dirs` directory of `~/.condarc`, and one
/// that only `~/.conda/environments.txt` lists, are found by a machine scan,
/// and a distribution that conda's record
/// (`conda-meta/*.json`) lists is named with its conda package; one pip
/// added beside it is not. conda itself cannot be installed offline, so the
/// record is written as conda writes it, from the wheel's real RECORD.
#[test]
fn conda_env_from_condarc_names_its_conda_packages() {
    let Some(py) = pythons().into_iter().next() else {
        skip_or_fail("no python3 (3.8+) with venv and ensurepip on this machine");
        return;
    };
    let s = scratch();
    let home = s.path.join("home");
    fs::create_dir_all(&home).unwrap();
    let envs = s.path.join("conda-envs");
    fs::write(
        home.join(".condarc"),
        format!(
            "channels:\n  - conda-forge\nenvs_dirs:\n  - {}\n",
            envs.display()
        ),
    )
    .unwrap();
    let prefix = envs.join("ds");
    let xy =
        run_ok(Command::new(&py).args(["-c", "import sys; print('%d.%d' % sys.version_info[:2])"]));
    let rel_site = format!("lib/python{}/site-packages", xy.trim());
    let site = prefix.join(&rel_site);
    fs::create_dir_all(prefix.join("conda-meta")).unwrap();
    fs::write(
        prefix.join("conda-meta/history"),
        "==> 2026-12-05 10:00:00 <==\n",
    )
    .unwrap();
    let tools = Venv::create(&py, &s.path.join("tools"));
    let mut wheels = Vec::new();
    for (name, version) in [("conda-owned", "1.0"), ("pip-added", "2.0")] {
        let project = tiny_project(&s.path, name, version, None);
        wheels.push(build_wheel(&tools.python(), &project, &s.path.join("dist")));
    }
    let mut args = vec!["install", "--no-deps", "--target", site.to_str().unwrap()];
    args.extend(wheels.iter().map(|w| w.to_str().unwrap()));
    tools.pip(&args);
    let record = fs::read_to_string(site.join("conda_owned-1.0.dist-info/RECORD")).unwrap();
    let files: Vec<String> = record
        .lines()
        .filter_map(|l| l.split(',').next())
        .filter(|p| !p.is_empty())
        .map(|p| format!("{rel_site}/{p}"))
        .collect();
    fs::write(
        prefix.join("conda-meta/conda-owned-1.0-pyhd8ed1ab_0.json"),
        serde_json::json!({"name": "conda-owned", "version": "1.0", "build": "pyhd8ed1ab_0",
            "channel": "https://conda.anaconda.org/conda-forge/noarch", "files": files})
        .to_string(),
    )
    .unwrap();
    // A named environment conda knows only from its registry
    // (`~/.conda/environments.txt`, one prefix a line), outside every
    // directory fetter looks in: found through the registry alone.
    let listed = s.path.join("elsewhere/analysis");
    fs::create_dir_all(listed.join("conda-meta")).unwrap();
    fs::write(
        listed.join("conda-meta/history"),
        "==> 2026-12-05 11:00:00 <==\n",
    )
    .unwrap();
    fs::create_dir_all(listed.join(&rel_site)).unwrap();
    fs::create_dir_all(home.join(".conda")).unwrap();
    fs::write(
        home.join(".conda/environments.txt"),
        format!("{}\n\n", listed.display()),
    )
    .unwrap();
    let inv = scan_json(&home, &[]);
    let listed = listed.canonicalize().unwrap();
    assert!(
        inv["environments"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["prefix"] == listed.to_str().unwrap() && e["kind"] == "conda"),
        "the environment ~/.conda/environments.txt lists was not found: {inv:#}"
    );
    let canon = prefix.canonicalize().unwrap();
    let env = inv["environments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["prefix"] == canon.to_str().unwrap())
        .unwrap_or_else(|| panic!("the conda env was not found: {inv:#}"));
    assert_eq!(env["kind"], "conda", "{env}");
    let dist = |name: &str| {
        inv["distributions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["name"] == name)
            .unwrap_or_else(|| panic!("no {name}: {inv:#}"))
            .clone()
    };
    assert_eq!(
        dist("conda-owned")["os_package"],
        serde_json::json!({"manager": "conda", "name": "conda-owned", "version": "1.0"})
    );
    assert!(dist("pip-added").get("os_package").is_none());
}

/// The existing site directories Python puts on `sys.path`, in its order.
fn python_sites(exe: &Path, home: &Path) -> Vec<PathBuf> {
    let code = "import site, sys, json\nu = site.getusersitepackages() if site.ENABLE_USER_SITE else None\nc = set(p for p in [u] + site.getsitepackages() if p)\nprint(json.dumps([p for p in sys.path if p in c]))";
    let text = run_ok(Command::new(exe).args(["-c", code]).env("HOME", home));
    let v: Vec<Option<String>> = serde_json::from_str(&text).unwrap();
    let mut out: Vec<PathBuf> = Vec::new();
    for p in v.into_iter().flatten() {
        if let Ok(c) = Path::new(&p).canonicalize() {
            if c.is_dir() && !out.contains(&c) {
                out.push(c);
            }
        }
    }
    out
}

/// A default scan never executes an interpreter: fake `python3` scripts on
/// PATH, in the home and in a venv would leave a marker if run.
#[test]
fn default_scan_executes_nothing() {
    let s = scratch();
    let home = s.path.join("home");
    let marker = s.path.join("EXECUTED");
    let script = format!("#!/bin/sh\ntouch '{}'\nexit 0\n", marker.display());
    let fake_bin = s.path.join("fakebin");
    let venv = home.join("proj/.venv");
    for dir in [
        &fake_bin,
        &home.join(".local/bin"),
        &home.join(".pyenv/shims"),
        &venv.join("bin"),
    ] {
        fs::create_dir_all(dir).unwrap();
        for name in ["python", "python3", "python3.11"] {
            let p = dir.join(name);
            fs::write(&p, &script).unwrap();
            make_executable(&p);
        }
    }
    fs::write(
        venv.join("pyvenv.cfg"),
        format!("home = {}\nversion = 3.11.4\n", fake_bin.display()),
    )
    .unwrap();
    let site = venv.join("lib/python3.11/site-packages");
    write_dist(&site, "demo-1.0.dist-info", "Name: demo\nVersion: 1.0\n");

    let path = format!(
        "{}:{}",
        fake_bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = run(fetter(&home)
        .env("PATH", &path)
        .args(["scan", "--format", "json"]));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let inv = json(&out.stdout);
    assert!(
        !marker.exists(),
        "a default scan executed a fake interpreter"
    );
    // The venv in the home was still found, from its layout alone.
    assert!(
        visible_set(&inv, &venv.canonicalize().unwrap()).contains(&("demo".into(), "1.0".into()))
    );
    // Even an interpreter named explicitly is not run; a named scope that
    // leads to no environment is an error, saying why.
    let mut t = common::snap::Transcript::new();
    let out = t.run(
        "an interpreter named explicitly is not run",
        fetter(&home)
            .args(["--exe"])
            .arg(fake_bin.join("python3"))
            .args(["scan"]),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(!marker.exists(), "--exe executed the interpreter");
    common::snap::redacted(&s.path)
        .bind(|| insta::assert_snapshot!("scan_fake_interpreter", t.text()));
}

/// Every kind of broken entry yields a warning naming its path, and the
/// scan completes quickly with the good entries reported.
#[test]
fn externally_managed_prefix() {
    let s = scratch();
    let home = s.path.join("home");
    let prefix = s.path.join("tree/opt/py");
    fs::create_dir_all(prefix.join("bin")).unwrap();
    fs::create_dir_all(prefix.join("lib/python3.12")).unwrap();
    fs::write(prefix.join("lib/python3.12/os.py"), "").unwrap();
    fs::write(
        prefix.join("lib/python3.12/EXTERNALLY-MANAGED"),
        "[externally-managed]\n",
    )
    .unwrap();
    write_dist(
        &prefix.join("lib/python3.12/site-packages"),
        "osdist-1.0.dist-info",
        "Name: osdist\nVersion: 1.0\n",
    );
    // A native executable that is never run: a copy of a system binary.
    let exe = prefix.join("bin/python3.12");
    fs::copy(native_binary(), &exe).unwrap();
    make_executable(&exe);
    std::os::unix::fs::symlink("python3.12", prefix.join("bin/python3")).unwrap();

    let inv = scan_json(
        &home,
        &[OsStr::new("--root"), s.path.join("tree").as_os_str()],
    );
    let env = find_env(&inv, &prefix);
    assert_eq!(env["kind"], "system");
    assert_eq!(env["externally_managed"], true);
    assert_eq!(env["python_version"], "3.12");
    assert_eq!(env["interpreters"].as_array().unwrap().len(), 2, "{env}");
    assert!(inv["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["kind"] == "externally-managed"));
    assert!(visible_set(&inv, &prefix).contains(&("osdist".into(), "1.0".into())));
}

/// count, search and the output formats; scope options before or after the
/// subcommand; usage errors exit 2.
#[test]
fn cli_commands_and_formats() {
    let s = scratch();
    let home = s.path.join("home");
    let tree = s.path.join("tree");
    let venv = tree.join("ünïcode venv");
    fs::create_dir_all(&venv).unwrap();
    fs::write(
        venv.join("pyvenv.cfg"),
        "home = /nonexistent\nversion = 3.12.1\n",
    )
    .unwrap();
    let site = venv.join("lib/python3.12/site-packages");
    write_dist(
        &site,
        "Requests-2.0.dist-info",
        "Name: requests\nVersion: 2.0\n",
    );
    write_dist(
        &site,
        "jaraco.classes-3.2.dist-info",
        "Name: jaraco.classes\nVersion: 3.2\n",
    );
    write_dist(
        &site,
        "zope.interface-6.0.egg-info",
        "Name: zope.interface\nVersion: 6.0\n",
    );
    fs::write(
        site.join("legacy-0.1-py3.12.egg-info"),
        "Metadata-Version: 1.0\nName: legacy\nVersion: 0.1\n",
    )
    .unwrap();

    let count = run_ok(
        fetter(&home)
            .args(["count", "--format", "json", "--root"])
            .arg(&tree),
    );
    let c = json(count.as_bytes());
    assert_eq!(
        (c["environments"].as_u64(), c["distributions"].as_u64()),
        (Some(1), Some(4))
    );

    let found = run_ok(
        fetter(&home)
            .arg("--root")
            .arg(&tree)
            .args(["search", "JARACO-*", "--format", "csv"]),
    );
    let mut lines = found.lines();
    assert!(lines
        .next()
        .unwrap()
        .starts_with("name,normalized_name,version"));
    assert!(lines
        .next()
        .unwrap()
        .starts_with("jaraco.classes,jaraco-classes,3.2,"));
    assert_eq!(lines.next(), None);
    let none = run_ok(fetter(&home).arg("--root").arg(&tree).args([
        "search",
        "--case-sensitive",
        "JARACO*",
        "--format",
        "csv",
    ]));
    assert_eq!(none.lines().count(), 1);

    let table = run_ok(
        fetter(&home)
            .args(["scan", "--root"])
            .arg(&tree)
            .env("HOME", &tree),
    );
    // The table people read, whole: the `~` for HOME, a non-ASCII path,
    // the four metadata kinds (a snapshot: tests/snapshots/).
    let search = run_ok(
        fetter(&home)
            .arg("--root")
            .arg(&tree)
            .args(["search", "*a*"]),
    );
    common::snap::settings(&s.path).bind(|| {
        insta::assert_snapshot!("scan_unicode_tree", table);
        insta::assert_snapshot!("search_unicode_tree", search);
    });

    let out_file = s.path.join("inv.json");
    run_ok(
        fetter(&home)
            .args(["scan", "--format", "json", "-o"])
            .arg(&out_file)
            .arg("--root")
            .arg(&tree),
    );
    let inv: serde_json::Value = serde_json::from_slice(&fs::read(&out_file).unwrap()).unwrap();
    assert_eq!(inv["schema"], "fetter.inventory/1");
    let kinds: Vec<&str> = inv["distributions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["metadata_kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"egg-info")
            && kinds.contains(&"egg-info-file")
            && kinds.contains(&"dist-info")
    );

    let bad = run(fetter(&home).args(["scan", "--format", "yaml"]));
    assert_eq!(bad.status.code(), Some(2));
    let mut t = common::snap::Transcript::new();
    let bad = t.run(
        "an invalid pattern",
        fetter(&home)
            .args(["search", "[unclosed"])
            .arg("--root")
            .arg(&tree),
    );
    assert_eq!(bad.status.code(), Some(1));
    common::snap::redacted(&s.path)
        .bind(|| insta::assert_snapshot!("scan_invalid_pattern", t.text()));
}

fn native_binary() -> PathBuf {
    ["/bin/true", "/usr/bin/true", "/bin/ls"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .expect("a native binary")
}
