//! End-to-end tests of `fetter validate` and `fetter derive` on real venvs
//! created here, with tiny packages built offline and installed with pip.

use crate::bounds_world;
use crate::common;
#[path = "bounds_reqfile.rs"]
mod reqfile;

use std::fs;
use std::path::Path;
use std::process::Stdio;

use bounds_world::*;
use common::snap;
use common::*;

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

    let mut t = snap::Transcript::new();
    let out = t.run(
        "validate against the derived bound passes",
        fetter_in(w, &[&w.a])
            .args(["validate", "--bound"])
            .arg(&req),
    );
    assert_eq!(code(&out), 0, "{}{}", text(&out.stdout), text(&out.stderr));
    snap::redacted(&w.root).bind(|| insta::assert_snapshot!("bounds_validate_pass", t.text()));
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
    let mut t = snap::Transcript::new();
    let out = t.run(
        "derive over two environments with a conflict",
        fetter_in(w, &[&w.a, &w.b])
            .args(["derive", "-o"])
            .arg(&exact),
    );
    assert_eq!(code(&out), 0);
    snap::redacted(&w.root).bind(|| insta::assert_snapshot!("bounds_derive_conflict", t.text()));
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
    let mut t = snap::Transcript::new();
    let out = t.run(
        "the violations table",
        fetter_in(w, &[&w.a]).args(["validate", "--bound"]).arg(&p),
    );
    assert_eq!(code(&out), 3);
    snap::redacted(&w.root).bind(|| insta::assert_snapshot!("bounds_violations_table", t.text()));
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
    let mut t = snap::Transcript::new();
    for format in ["table", "json"] {
        let out = run(fetter_in(w, &[&w.a])
            .args(["validate", "--format", format, "--bound"])
            .arg(&missing));
        assert_eq!(code(&out), 1, "{format}: {}", text(&out.stdout));
    }
    let out = t.run(
        "a missing bound",
        fetter_in(w, &[&w.a])
            .args(["validate", "--bound"])
            .arg(&missing),
    );
    assert_eq!(code(&out), 1);
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
    let out = t.run(
        "an include cycle",
        fetter_in(w, &[&w.a])
            .args(["validate", "--bound"])
            .arg(&cyc),
    );
    assert_eq!(code(&out), 1);
    snap::redacted(&w.root).bind(|| insta::assert_snapshot!("bounds_unreadable", t.text()));
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
