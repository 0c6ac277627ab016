//! Bad host reports: each is an error naming the file and the problem
//! (exit 1, nothing written), or with `--keep-going` an `unreadable` host
//! in a report that is written, still exiting 1.

use std::ffi::OsStr;
use std::fs;

use super::{assert_schema, fleet, report_cmd};
use crate::common::*;

#[test]
fn bad_reports_are_errors_naming_the_file() {
    let Some(f) = fleet() else { return };
    let s = scratch();
    let good = fs::read_to_string(f.new.join("db1.json")).unwrap();
    let validate = fs::read_to_string(f.new.join("web2/validate.json")).unwrap();
    // The top-level `environments` is the last key of that name (the
    // summary's comes first).
    let at = validate.rfind("\"environments\"").unwrap();
    let shape = format!(
        "{}\"environmentz\"{}",
        &validate[..at],
        &validate[at + 14..]
    );
    let count = run_ok(
        fetter(&f.home)
            .arg("--exe")
            .arg(&f.venvs[0].1.prefix)
            .args(["count", "--format", "json"]),
    );
    let cases: [(&str, String, &str); 6] = [
        (
            "truncated.json",
            good[..good.len() / 2].to_string(),
            "not a complete JSON document",
        ),
        (
            "text.json",
            "hello, not JSON\n".into(),
            "not a complete JSON document",
        ),
        ("count.json", count, "schema tag is fetter.count/1"),
        ("untagged.json", "{\"hosts\": []}".into(), "no schema tag"),
        (
            "future.json",
            good.replace("fetter.inventory/1", "fetter.inventory/2"),
            "schema tag is fetter.inventory/2",
        ),
        (
            "shape.json",
            shape,
            "does not match fetter.validate/1: missing field `environments`",
        ),
    ];
    for (name, text, why) in cases {
        let dir = s.path.join(name.trim_end_matches(".json"));
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("ok.json"), &good).unwrap();
        let bad = dir.join(name);
        fs::write(&bad, text).unwrap();
        let out = dir.join("fleet.json");
        let (code, stdout, err) =
            report_cmd(&f.home, &[dir.as_os_str(), "-o".as_ref(), out.as_os_str()]);
        assert_eq!(code, 1, "{name}: {err}");
        assert!(
            stdout.is_empty() && !out.exists(),
            "{name}: a report was written"
        );
        assert!(
            err.contains(bad.to_str().unwrap()) && err.contains(why),
            "{name}: {err}"
        );
        // --keep-going: the report is written, the host is unreadable, exit 1.
        let (code, stdout, err) = report_cmd(&f.home, &[dir.as_os_str(), "--keep-going".as_ref()]);
        assert_eq!(code, 1, "{name}: {err}");
        let doc = json(stdout.as_bytes());
        assert_schema(&doc);
        assert_eq!(
            doc["summary"]["hosts_by_status"],
            serde_json::json!({"not-checked": 1, "unreadable": 1}),
            "{name}"
        );
        let host = name.trim_end_matches(".json");
        let entry = doc["hosts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["name"] == host)
            .unwrap();
        assert_eq!(entry["status"], "unreadable");
        assert!(entry["error"].as_str().unwrap().contains(why), "{entry}");
        assert!(err.contains(&format!("host {host}:")), "{err}");
    }
}

#[test]
fn layout_errors_name_the_file() {
    let Some(f) = fleet() else { return };
    let s = scratch();
    let scan = f.new.join("db1.json");
    // Two scans of one host.
    let dup = s.path.join("dup");
    fs::create_dir_all(&dup).unwrap();
    fs::copy(&scan, dup.join("h1.json")).unwrap();
    fs::copy(&scan, dup.join("h1.scan.json")).unwrap();
    let (code, _, err) = report_cmd(&f.home, &[dup.as_os_str()]);
    assert_eq!(code, 1);
    assert!(
        err.contains("host h1: two scan reports") && err.contains("h1.scan.json"),
        "{err}"
    );
    // A host directory with nothing in it: the host's reports are missing.
    let empty = s.path.join("empty");
    fs::create_dir_all(empty.join("web9")).unwrap();
    fs::copy(&scan, empty.join("db1.json")).unwrap();
    let (code, _, err) = report_cmd(&f.home, &[empty.as_os_str()]);
    assert_eq!(code, 1);
    assert!(
        err.contains("web9") && err.contains("without scan.json"),
        "{err}"
    );
    // Nothing at all, and a path that does not exist.
    let none = s.path.join("none");
    fs::create_dir_all(&none).unwrap();
    let (code, _, err) = report_cmd(&f.home, &[none.as_os_str()]);
    assert_eq!(code, 1);
    assert!(err.contains("no host report"), "{err}");
    let missing = s.path.join("missing.json");
    let (code, _, err) = report_cmd(&f.home, &[missing.as_os_str()]);
    assert_eq!(code, 1);
    assert!(err.contains("missing.json"), "{err}");
    // No input: usage.
    let (code, _, _) = report_cmd(&f.home, &[] as &[&OsStr]);
    assert_eq!(code, 2);
    // Files given one by one, of one host, are one host.
    let (code, out, err) = report_cmd(
        &f.home,
        &[
            f.new.join("web1/scan.json").as_os_str(),
            f.new.join("web1").as_os_str(),
        ],
    );
    assert_eq!(code, 1, "the same scan twice is a duplicate: {out}");
    assert!(err.contains("two scan reports"), "{err}");
}
