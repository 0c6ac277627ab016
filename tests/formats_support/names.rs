//! Issue 14 items 9 and 10, part of the `formats` area: file names
//! that are not UTF-8 and Names that are not valid project names, checked
//! against `importlib.metadata` and the schemas.

use std::fs;
use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

use super::{assert_valid, cyclonedx, ours};
use crate::common::*;

/// The path a JSON path field stands for, by the convention documented in
/// the inventory schema: a `file://` URL of percent-encoded bytes, or the
/// path as written. (Decoded here independently of fetter's code.)
fn json_path(value: &Value) -> PathBuf {
    use std::os::unix::ffi::OsStringExt;
    let text = value.as_str().expect("a path is a string");
    let Some(encoded) = text.strip_prefix("file://") else {
        return PathBuf::from(text);
    };
    let mut bytes = Vec::new();
    let mut rest = encoded.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        if b == b'%' {
            let hex = std::str::from_utf8(&tail[..2]).unwrap();
            bytes.push(u8::from_str_radix(hex, 16).unwrap());
            rest = &tail[2..];
        } else {
            bytes.push(b);
            rest = tail;
        }
    }
    PathBuf::from(std::ffi::OsString::from_vec(bytes))
}

/// Issue 14 item 9: a metadata directory, egg-info or `.pth` file whose name
/// is not UTF-8 cannot hide: fetter lists what `importlib.metadata` lists,
/// shows the name escaped in tables, and writes its path losslessly (and
/// schema-valid) in JSON.
#[test]
fn non_utf8_file_names_are_listed_escaped_and_lossless() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let Some(py) = python() else { return };
    let s = scratch();
    let home = s.path.join("home");
    fs::create_dir_all(&home).unwrap();
    let venv = Venv::create_with(&py, &s.path.join("venv"), &["--without-pip"]);
    let site = venv.site();
    let dist_info = site.join(OsStr::from_bytes(b"caf\xe9-1.0.dist-info"));
    fs::create_dir_all(&dist_info).unwrap();
    fs::write(
        dist_info.join("METADATA"),
        "Name: hidden-cafe\nVersion: 1.0\n",
    )
    .unwrap();
    fs::write(
        dist_info.join("RECORD"),
        "hidden_cafe.py,,\ncaf\u{e9}-1.0.dist-info/METADATA,,\n",
    )
    .unwrap();
    let egg_info = site.join(OsStr::from_bytes(b"eg\xff-2.0.egg-info"));
    fs::create_dir_all(&egg_info).unwrap();
    fs::write(
        egg_info.join("PKG-INFO"),
        "Name: hidden-egg\nVersion: 2.0\n",
    )
    .unwrap();
    let pth = site.join(OsStr::from_bytes(b"ev\xe9.pth"));
    fs::write(&pth, "import os\n").unwrap();

    // What Python itself sees in that site.
    let code = "import importlib.metadata as m, sys, json\nprint(json.dumps(sorted([d.metadata['Name'], d.version] for d in m.distributions(path=[sys.argv[1]]))))";
    let python_sees: Vec<(String, String)> =
        serde_json::from_str(&run_ok(Command::new(&py).args(["-c", code]).arg(&site))).unwrap();
    assert!(
        python_sees.contains(&("hidden-cafe".into(), "1.0".into()))
            && python_sees.contains(&("hidden-egg".into(), "2.0".into())),
        "{python_sees:?}"
    );

    let exe = ["--exe", venv.prefix.to_str().unwrap()];
    let out = run(fetter(&home).args(exe).args(["scan", "--format", "json"]));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let inv = json(&out.stdout);
    assert_valid(
        &ours("fetter.inventory-1"),
        &inv,
        "scan with non-UTF-8 names",
    );
    let dists = inv["distributions"].as_array().unwrap();
    let mut fetter_sees: Vec<(String, String)> = dists
        .iter()
        .map(|d| {
            (
                d["name"].as_str().unwrap().to_string(),
                d["version"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    fetter_sees.sort();
    assert_eq!(
        fetter_sees, python_sees,
        "fetter and importlib.metadata differ"
    );
    let paths: Vec<PathBuf> = dists
        .iter()
        .map(|d| json_path(&d["metadata_path"]))
        .collect();
    assert!(paths.contains(&dist_info), "{paths:?}");
    assert!(paths.contains(&egg_info), "{paths:?}");
    assert!(
        inv["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["kind"] == "executable-pth" && json_path(&f["path"]) == pth),
        "{:#}",
        inv["findings"]
    );

    // Tables show the bytes escaped, never a replacement character.
    let table = run_ok(fetter(&home).args(exe).arg("inspect"));
    assert!(table.contains("ev\\xe9.pth"), "{table}");
    let table = run_ok(fetter(&home).args(exe).args(["unpack-files"]));
    assert!(
        table.contains("hidden-cafe") && table.contains("hidden_cafe.py"),
        "{table}"
    );
    let csv_text = run_ok(fetter(&home).args(exe).args(["scan", "--format", "csv"]));
    assert!(csv_text.contains("caf\\xe9-1.0.dist-info"), "{csv_text}");
    assert!(!table.contains('\u{fffd}') && !csv_text.contains('\u{fffd}'));

    // Every JSON document naming these paths stays valid.
    let out = run(fetter(&home)
        .args(exe)
        .args(["inspect", "--format", "json"]));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = json(&out.stdout);
    let files = doc["environments"][0]["startup_files"].as_array().unwrap();
    assert!(
        files.iter().any(|f| json_path(&f["path"]) == pth),
        "{doc:#}"
    );
    let bound = s.path.join("bound.txt");
    fs::write(&bound, "hidden-egg==2.0\n").unwrap();
    let out = run(fetter(&home)
        .args(exe)
        .args(["validate", "--format", "json", "--bound"])
        .arg(&bound));
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = json(&out.stdout);
    assert_valid(
        &ours("fetter.validate-1"),
        &report,
        "validate with non-UTF-8 names",
    );
    let out = run(fetter(&home)
        .args(exe)
        .args(["unpack-files", "--format", "json"]));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    crate::common::schemas::assert_matches(
        "fetter.unpack-files-1",
        &json(&out.stdout),
        "unpack-files with non-UTF-8 names",
    );
    // The purge plan of the hidden dist-info names it losslessly too.
    let out = run(fetter(&home)
        .args(exe)
        .args(["purge", "--dry-run", "--format", "json", "--bound"])
        .arg(&bound));
    let plan = json(&out.stdout);
    crate::common::schemas::assert_matches(
        "fetter.purge-1",
        &plan,
        "purge plan with non-UTF-8 names",
    );
    let planned: Vec<PathBuf> = plan["plan"]["environments"][0]["distributions"]
        .as_array()
        .unwrap_or_else(|| panic!("{plan:#}"))
        .iter()
        .map(|d| json_path(&d["metadata_path"]))
        .collect();
    assert!(planned.contains(&dist_info), "{plan:#}");
    let out = run(fetter(&home)
        .args(exe)
        .args(["scan", "--format", "cyclonedx"]));
    assert_valid(
        &cyclonedx(),
        &json(&out.stdout),
        "cyclonedx with non-UTF-8 names",
    );
}

/// Issue 14 item 10: a Name that is not a valid project name (bytes that
/// are not UTF-8, an escape sequence) gets a warning saying so, and the
/// inventory stays valid against its own `normalized_name` pattern.
#[test]
fn invalid_names_are_warned_and_stay_schema_valid() {
    let Some(py) = python() else { return };
    let s = scratch();
    let home = s.path.join("home");
    fs::create_dir_all(&home).unwrap();
    let venv = Venv::create_with(&py, &s.path.join("venv"), &["--without-pip"]);
    let site = venv.site();
    write_dist_bytes(
        &site,
        "latin-1.0.dist-info",
        b"Name: caf\xe9\nVersion: 1.0\n",
    );
    write_dist(
        &site,
        "esc-1.0.dist-info",
        "Name: req\x1b[2Juests\nVersion: 1.0\n",
    );
    write_dist(
        &site,
        "rtl-1.0.dist-info",
        "Name: requests\u{202e}\nVersion: 1.0\n",
    );
    write_dist(
        &site,
        "requests-2.0.dist-info",
        "Name: requests\nVersion: 2.0\n",
    );
    let exe = ["--exe", venv.prefix.to_str().unwrap()];
    let out = run(fetter(&home).args(exe).args(["scan", "--format", "json"]));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let inv = json(&out.stdout);
    assert_valid(&ours("fetter.inventory-1"), &inv, "scan with invalid names");
    let warnings = inv["warnings"].as_array().unwrap();
    for dir in [
        "latin-1.0.dist-info",
        "esc-1.0.dist-info",
        "rtl-1.0.dist-info",
    ] {
        assert!(
            warnings
                .iter()
                .any(|w| w["path"].as_str().unwrap().contains(dir)
                    && w["message"]
                        .as_str()
                        .unwrap()
                        .contains("not a valid project name")),
            "no warning for {dir}: {warnings:#?}"
        );
    }
    // The look-alike does not take the real name's key: a bound naming
    // `requests` does not admit it.
    let dists = inv["distributions"].as_array().unwrap();
    let keys: Vec<&str> = dists
        .iter()
        .map(|d| d["normalized_name"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys.iter().filter(|k| **k == "requests").count(),
        1,
        "{keys:?}"
    );
    let bound = s.path.join("bound.txt");
    fs::write(&bound, "requests\n").unwrap();
    let out = run(fetter(&home)
        .args(exe)
        .args(["validate", "--format", "json", "--bound"])
        .arg(&bound));
    assert_eq!(out.status.code(), Some(3), "the look-alikes are unrequired");
    let report = json(&out.stdout);
    assert_valid(
        &ours("fetter.validate-1"),
        &report,
        "validate with invalid names",
    );
    assert_eq!(report["summary"]["denied"], 3, "{report:#}");
}
