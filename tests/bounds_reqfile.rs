//! End-to-end tests of requirements files read the way pip reads them
//! (issue 22, causes 1-5), `--hash` checked against `direct_url.json`
//! (issue 14, item 17) and editables through derive → validate (item 18).
//! A module of the `bounds` area (tests/bounds.rs).

use std::fs;
use std::path::{Path, PathBuf};

use crate::bounds_world::*;
use crate::common::*;

/// The one failure of a run that could not read its bound.
fn failure(r: &serde_json::Value) -> (String, String) {
    let f = &r["failures"];
    assert_eq!(f.as_array().map(Vec::len), Some(1), "{r}");
    (
        f[0]["source"].as_str().unwrap().to_string(),
        f[0]["message"].as_str().unwrap().to_string(),
    )
}

/// `fetter validate --subset --superset --bound FILE` on the world's venv
/// `a`, FILE holding `content`: (exit code, report, FILE).
fn validate_text(name: &str, content: &str) -> Option<(i32, serde_json::Value, PathBuf)> {
    let w = world()?;
    let p = bound(w, name, content);
    let (c, r) = validate_json(
        w,
        &[&w.a],
        &["--bound", p.to_str().unwrap(), "--subset", "--superset"],
    );
    Some((c, r, p))
}

/// Issue 22, cause 1: `url; marker` with the space only after the `;`. The
/// marker is false here, so the URL (an index install would not satisfy
/// it) does not apply.
#[test]
fn marker_right_after_a_url_is_a_marker() {
    let Some((c, r, _)) = validate_text(
        "marker-after-url.txt",
        "tiny-pkg @ https://files.example/tiny_pkg-1.0.1-py3-none-any.whl; python_version < '3'\n",
    ) else {
        return;
    };
    assert_eq!(c, 0, "{r}");
}

/// Issue 22, cause 2: -e with neither a directory nor a VCS URL.
#[test]
fn editable_that_is_not_a_directory_or_vcs_url_is_an_error() {
    for (i, value) in [
        "black==0.1.0",
        "foo/anyio-3.7.0.tar.gz",
        "http://user:secret@example.com/black-1.0.0-py3-none-any.whl",
        "parent",
    ]
    .iter()
    .enumerate()
    {
        let Some((c, r, p)) = validate_text(
            &format!("editable-{i}.txt"),
            &format!("tiny-pkg\n-e {value}\n"),
        ) else {
            return;
        };
        assert_eq!(c, 1, "-e {value}: {r}");
        let (source, message) = failure(&r);
        assert_eq!(source, format!("{}:2", p.display()), "{r}");
        assert!(
            message.contains("is not a valid editable requirement") && !message.contains("secret"),
            "{message}"
        );
    }
    // ... while a directory is one (the test backend's projects are named
    // only in tiny.cfg, so `#egg=` names it).
    let Some(w) = world() else { return };
    let dir_url = url::Url::from_file_path(&w.dir_pkg_src).unwrap();
    let (c, r, _) =
        validate_text("editable-dir.txt", &format!("-e {dir_url}#egg=dir-pkg\n")).unwrap();
    assert_eq!(c, 0, "{r}");
}

/// Issue 22, cause 3: hash algorithms pip refuses.
#[test]
fn unknown_hash_algorithms_are_errors() {
    for (i, hash) in ["foo:abc", "md5:d41d8cd98f00b204e9800998ecf8427e"]
        .iter()
        .enumerate()
    {
        let Some((c, r, p)) = validate_text(
            &format!("hash-{i}.txt"),
            &format!("# pinned\ntiny-pkg==1.0.1 --hash={hash}\n"),
        ) else {
            return;
        };
        assert_eq!(c, 1, "{r}");
        let (source, message) = failure(&r);
        assert_eq!(source, format!("{}:2", p.display()));
        assert!(message.contains("unknown hash algorithm"), "{message}");
    }
}

/// Issue 22, cause 4: every per-file option of pip, in each of its shapes.
#[test]
fn every_pip_option_is_accepted_with_its_shape() {
    let Some((c, r, _)) = validate_text(
        "options.txt",
        "--prefer-binary :all:\n\
         --pypi-url https://pypi.org/simple\n\
         --extra-index https://mirror.example/simple\n\
         --no-require-hashes\n\
         --only-binary=:none: --all-releases tiny-pkg\n\
         -C key=value\n\
         tiny-pkg==1.0.1 --no-binary :all: --global-option=-q\n",
    ) else {
        return;
    };
    assert_eq!(c, 0, "{r}");
}

/// Issue 22, cause 5: a wheel file name that does not fit the wheel spec.
#[test]
fn invalid_wheel_file_names_are_errors() {
    let Some((c, r, p)) = validate_text(
        "bad-wheel.txt",
        "https://example.com/packages/pkg-1.0-py3-none-..%2F..%2F..%2Ftarget.whl\n",
    ) else {
        return;
    };
    assert_eq!(c, 1, "{r}");
    let (source, message) = failure(&r);
    assert_eq!(source, format!("{}:1", p.display()));
    assert!(message.contains("invalid wheel filename"), "{message}");
}

/// A venv holding `hashed` 1.0 installed from its wheel file (pip records
/// the archive's sha256 in direct_url.json) and `plain` 1.0 installed as
/// from an index (no direct_url.json). Returns (venv, wheel sha256).
fn hash_venv(root: &Path, py: &Path, name: &str) -> (Venv, String) {
    let wheels = root.join("wheels");
    let hashed = build_wheel(
        py,
        &tiny_project(&root.join("src-hashed"), "hashed", "1.0", None),
        &wheels,
    );
    build_wheel(
        py,
        &tiny_project(&root.join("src-plain"), "plain", "1.0", None),
        &wheels,
    );
    let v = Venv::create(py, &root.join(name));
    v.pip(&["install", hashed.to_str().unwrap()]);
    v.pip(&["install", "--find-links", wheels.to_str().unwrap(), "plain"]);
    let sha = v.run_py(&format!(
        "import hashlib; print(hashlib.sha256(open({:?}, 'rb').read()).hexdigest())",
        hashed.to_str().unwrap()
    ));
    (v, sha.trim().to_string())
}

#[test]
fn hashes_are_checked_against_direct_url_json() {
    let Some(py) = python() else { return };
    let s = scratch();
    let root = s.path.clone();
    let (v1, sha) = hash_venv(&root, &py, "v1");
    let v2 = Venv::create(&py, &root.join("v2"));
    v2.pip(&[
        "install",
        "--find-links",
        root.join("wheels").to_str().unwrap(),
        "plain",
    ]);
    let home = root.join("home");
    fs::create_dir_all(&home).unwrap();
    let write = |name: &str, text: String| -> PathBuf {
        let p = root.join(name);
        fs::write(&p, text).unwrap();
        p
    };
    let validate = |bound: &Path| {
        let out = run(fetter(&home)
            .args(["--exe"])
            .arg(&v1.prefix)
            .args(["--exe"])
            .arg(&v2.prefix)
            .args([
                "validate",
                "--superset",
                "--subset",
                "--format",
                "json",
                "--bound",
            ])
            .arg(bound));
        (out.status.code().unwrap(), json(&out.stdout))
    };
    let other = "0".repeat(64);

    // The recorded hash is one of the allowed: pass. `plain` has a --hash
    // in both environments but recorded none: one warning for the run.
    let ok = write(
        "ok.txt",
        format!(
            "hashed==1.0 --hash=sha256:{other} \\\n    --hash=sha256:{}\nplain==1.0 --hash=sha256:{other}\n",
            sha.to_uppercase()
        ),
    );
    let (c, r) = validate(&ok);
    assert_eq!(c, 0, "{r}");
    let warnings: Vec<&serde_json::Value> = r["environments"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|e| e["diagnostics"].as_array().unwrap())
        .collect();
    assert_eq!(warnings.len(), 1, "one warning per run: {r}");
    assert_eq!(warnings[0]["code"], "bounds/hash-unchecked");
    assert_eq!(warnings[0]["action"], "warn");
    let m = warnings[0]["message"].as_str().unwrap();
    assert!(
        m.contains("1 installed distribution(s) in 2 environment(s) (plain)"),
        "{m}"
    );
    assert_eq!(r["summary"]["warned"], 1);

    // A recorded hash none of the --hash values allows: a violation naming both.
    let bad = write("bad.txt", format!("hashed==1.0 --hash=sha256:{other}\n"));
    let (c, r) = validate(&bad);
    assert_eq!(c, 3, "{r}");
    let d = &r["environments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["prefix"] == v1.prefix.to_str().unwrap())
        .unwrap()["diagnostics"][0];
    assert_eq!(d["code"], "bounds/misdefined");
    let m = d["message"].as_str().unwrap();
    assert!(
        m.contains(&format!("sha256:{sha}")) && m.contains(&format!("allows sha256:{other}")),
        "{m}"
    );
    // Without --hash there is nothing to warn about.
    let none = write("none.txt", "hashed==1.0\nplain==1.0\n".into());
    let (c, r) = validate(&none);
    assert_eq!((c, r["summary"]["warned"].as_u64()), (0, Some(0)), "{r}");
}

#[test]
fn derive_writes_editables_so_validate_round_trips_them() {
    let Some(py) = python() else { return };
    let s = scratch();
    let root = s.path.clone();
    // The test backend keeps the name in tiny.cfg, not in pyproject.toml:
    // only `#egg=` tells validate which project the directory is.
    let project = tiny_project(&root.join("src"), "Edit.Me", "0.3", None);
    let v = Venv::create(&py, &root.join("v"));
    v.pip(&[
        "install",
        "--no-build-isolation",
        "-e",
        project.to_str().unwrap(),
    ]);
    let home = root.join("home");
    fs::create_dir_all(&home).unwrap();
    let derived = root.join("derived.txt");
    let out = run(fetter(&home)
        .arg("--exe")
        .arg(&v.prefix)
        .args(["derive", "-o"])
        .arg(&derived));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let file = fs::read_to_string(&derived).unwrap();
    let url = url::Url::from_file_path(&project).unwrap();
    let line = format!("-e {url}#egg=Edit.Me");
    assert!(file.lines().any(|l| l == line), "{line} not in:\n{file}");
    assert!(!file.contains("Edit.Me @"), "{file}");

    let out = run(fetter(&home)
        .arg("--exe")
        .arg(&v.prefix)
        .args(["validate", "--format", "json", "--bound"])
        .arg(&derived));
    let r = json(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{r}");
    // Pointing the editable elsewhere is a violation: the source is compared.
    let elsewhere = root.join("elsewhere.txt");
    let other = root.join("src");
    fs::write(
        &elsewhere,
        file.replace(
            &line,
            &format!(
                "-e {}#egg=Edit.Me",
                url::Url::from_file_path(&other).unwrap()
            ),
        ),
    )
    .unwrap();
    let out = run(fetter(&home)
        .arg("--exe")
        .arg(&v.prefix)
        .args(["validate", "--format", "json", "--bound"])
        .arg(&elsewhere));
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stdout));
}
