//! The installed dependency graph (`fetter tree`), licences and SPDX, on
//! real venvs: `tree --check` against `pip check`, edges against what
//! pip's own `packaging` says of each Requires-Dist, SPDX validated by
//! `spdx-tools` and CycloneDX by `cyclonedx-python-lib`, both from PyPI.

use std::collections::BTreeSet;
use std::fs;
use std::process::Command;

use super::{assert_valid, cyclonedx, ours};
use crate::common::*;
use serde_json::Value;

/// Edges Python sees: for every distribution, each Requires-Dist whose
/// marker holds (extra "") and whose name is installed, with pip's own
/// vendored `packaging`.
const PY_EDGES: &str = r#"
import json, importlib.metadata as m
from pip._vendor.packaging.requirements import Requirement
from pip._vendor.packaging.utils import canonicalize_name
names = {canonicalize_name(d.metadata['Name']) for d in m.distributions()}
edges = set()
for d in m.distributions():
    for r in d.requires or []:
        req = Requirement(r)
        if req.marker and not req.marker.evaluate({"extra": ""}):
            continue
        n = canonicalize_name(req.name)
        if n in names:
            edges.add((canonicalize_name(d.metadata['Name']), n))
print(json.dumps(sorted(edges)))
"#;

struct World {
    _s: Scratch,
    home: std::path::PathBuf,
    venv: Venv,
}

/// app requires lib>=2 (installed 1.0: a conflict), util (missing on
/// purpose after install), extra-pkg only through `lib[fast]`; licences
/// of each kind.
fn world() -> Option<World> {
    let Some(py) = python() else {
        skip_or_fail("no python3 that can create venvs");
        return None;
    };
    let s = scratch();
    let home = s.path.join("home");
    fs::create_dir_all(&home).unwrap();
    let venv = Venv::create(&py, &s.path.join("venv"));
    let mut wheels = Vec::new();
    for (name, version, extra_cfg) in [
        ("app", "1.0", "requires = lib>=2 | util | lib[fast] | never ; python_version < \"3\"\nlicense_expression = MIT OR Apache-2.0\n"),
        ("lib", "1.0", "extra_fast = extra-pkg\nclassifiers = License :: OSI Approved :: BSD License\nlicense = BSD-3-Clause\n"),
        ("util", "1.0", "classifiers = License :: OSI Approved :: MIT License\n"),
        ("extra-pkg", "1.0", "license = Some custom licence text\n"),
    ] {
        let project = tiny_project(&s.path, name, version, None);
        let cfg = project.join("tiny.cfg");
        let mut text = fs::read_to_string(&cfg).unwrap();
        text.push_str(extra_cfg);
        fs::write(&cfg, text).unwrap();
        wheels.push(build_wheel(&venv.python(), &project, &s.path.join("dist")));
    }
    let mut args = vec!["install", "--no-deps"];
    args.extend(wheels.iter().map(|w| w.to_str().unwrap()));
    venv.pip(&args);
    Some(World { _s: s, home, venv })
}

fn fetter_json(w: &World, args: &[&str]) -> (i32, Value) {
    let out = run(fetter(&w.home)
        .args(["-q", "--exe"])
        .arg(w.venv.python())
        .args(args));
    (out.status.code().unwrap(), json(&out.stdout))
}

#[test]
fn tree_check_agrees_with_pip_check() {
    let Some(w) = world() else { return };
    // Before: only the conflict (lib 1.0 < 2).
    let pip_check = |w: &World| {
        let out = Command::new(w.venv.python())
            .args(["-m", "pip", "check", "--disable-pip-version-check"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| l.trim().to_lowercase())
            .filter(|l| !l.is_empty() && !l.starts_with("no broken"))
            .collect::<BTreeSet<_>>()
    };
    let ours = |w: &World| {
        let (code, doc) = fetter_json(w, &["tree", "--check", "--format", "json"]);
        assert_valid(&ours("fetter.tree-1"), &doc, "fetter tree --format json");
        let msgs: BTreeSet<String> = doc["environments"][0]["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["message"].as_str().unwrap().to_lowercase())
            .collect();
        (code, msgs)
    };
    let (code, msgs) = ours(&w);
    assert_eq!(code, 3);
    assert_eq!(msgs, pip_check(&w));
    w.venv.pip(&["uninstall", "-y", "util"]);
    let (code, msgs) = ours(&w);
    assert_eq!(code, 3);
    assert_eq!(msgs, pip_check(&w));
    assert_eq!(msgs.len(), 2, "{msgs:?}");
    // Without --check the tree is shown and the run succeeds.
    let out = run(fetter(&w.home)
        .args(["-q", "--exe"])
        .arg(w.venv.python())
        .arg("tree"));
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("app==1.0") && text.contains("MISSING") && text.contains("CONFLICT"),
        "{text}"
    );
}

#[test]
fn edges_match_python_and_extras_are_followed() {
    let Some(w) = world() else { return };
    let (_, doc) = fetter_json(&w, &["tree", "--format", "json"]);
    let env = &doc["environments"][0];
    let mut ours = BTreeSet::new();
    let mut via_extra = BTreeSet::new();
    for n in env["distributions"].as_array().unwrap() {
        for e in n["requires"].as_array().unwrap() {
            if e["installed"].is_null() {
                continue;
            }
            let edge = (
                n["normalized_name"].as_str().unwrap().to_string(),
                e["name"].as_str().unwrap().to_string(),
            );
            if e["via_extra"].is_null() {
                ours.insert(edge);
            } else {
                via_extra.insert(edge);
            }
        }
    }
    let py: Vec<(String, String)> = serde_json::from_str(&w.venv.run_py(PY_EDGES)).unwrap();
    assert_eq!(ours, py.into_iter().collect::<BTreeSet<_>>());
    // lib[fast] pulls in extra-pkg through lib's extra.
    assert_eq!(
        via_extra,
        [("lib".to_string(), "extra-pkg".to_string())].into()
    );
    let lib = env["distributions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["normalized_name"] == "lib")
        .unwrap();
    assert_eq!(lib["extras_requested"], serde_json::json!(["fast"]));
}

fn spdx_validator() -> Option<std::path::PathBuf> {
    tool("pyspdxtools", "FETTER_TEST_PYSPDXTOOLS", "spdx-tools")
}

#[test]
fn spdx_and_cyclonedx_carry_licences_and_dependencies_and_validate() {
    let Some(w) = world() else { return };
    let spdx_path = w.home.join("sbom.spdx.json");
    let out = run(fetter(&w.home)
        .args(["-q", "--exe"])
        .arg(w.venv.python())
        .args(["scan", "--format", "spdx", "-o"])
        .arg(&spdx_path));
    assert_eq!(out.status.code(), Some(0));
    let doc: Value = serde_json::from_str(&fs::read_to_string(&spdx_path).unwrap()).unwrap();
    let declared = |name: &str| {
        doc["packages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap()["licenseDeclared"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(declared("app"), "MIT OR Apache-2.0");
    assert_eq!(
        declared("lib"),
        "BSD-3-Clause",
        "an ambiguous classifier yields to an exact License"
    );
    assert_eq!(declared("util"), "MIT");
    assert_eq!(declared("extra-pkg"), "NOASSERTION");
    let id = |name: &str| {
        doc["packages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap()["SPDXID"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let depends: BTreeSet<(String, String)> = doc["relationships"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["relationshipType"] == "DEPENDS_ON")
        .map(|r| {
            (
                r["spdxElementId"].as_str().unwrap().to_string(),
                r["relatedSpdxElement"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(depends.contains(&(id("app"), id("lib"))));
    assert!(depends.contains(&(id("lib"), id("extra-pkg"))));
    if let Some(pyspdx) = spdx_validator() {
        let v = Command::new(&pyspdx)
            .arg("-i")
            .arg(&spdx_path)
            .output()
            .unwrap();
        assert!(
            v.status.success(),
            "spdx-tools refused fetter's SPDX:\n{}{}",
            String::from_utf8_lossy(&v.stdout),
            String::from_utf8_lossy(&v.stderr)
        );
    }

    let (_, bom) = fetter_json(&w, &["scan", "--format", "cyclonedx"]);
    assert_valid(
        &cyclonedx(),
        &bom,
        "CycloneDX with licences and dependencies",
    );
    let comp = |name: &str| {
        bom["components"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(
        comp("app")["licenses"][0]["expression"],
        "MIT OR Apache-2.0"
    );
    assert_eq!(
        comp("extra-pkg")["licenses"][0]["license"]["name"],
        "Some custom licence text"
    );
    let app_ref = comp("app")["bom-ref"].clone();
    let lib_ref = comp("lib")["bom-ref"].clone();
    let app_deps = bom["dependencies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["ref"] == app_ref)
        .unwrap();
    assert!(app_deps["dependsOn"].as_array().unwrap().contains(&lib_ref));
    if let Some(py) = cyclonedx_python() {
        let file = w.home.join("bom.json");
        fs::write(&file, serde_json::to_vec(&bom).unwrap()).unwrap();
        let check = "import sys\nfrom cyclonedx.validation.json import JsonStrictValidator\nfrom cyclonedx.schema import SchemaVersion\nerr = JsonStrictValidator(SchemaVersion.V1_6).validate_str(open(sys.argv[1]).read())\nprint(err or 'ok')\nsys.exit(1 if err else 0)";
        let v = Command::new(&py)
            .args(["-c", check])
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            v.status.success(),
            "cyclonedx-python-lib refused fetter's SBOM: {}{}",
            String::from_utf8_lossy(&v.stdout),
            String::from_utf8_lossy(&v.stderr)
        );
    }
}

/// The Python of a tools venv with `cyclonedx-python-lib[json-validation]`.
fn cyclonedx_python() -> Option<std::path::PathBuf> {
    tools_python(
        "cyclonedx",
        &["cyclonedx-python-lib[json-validation]"],
        "from cyclonedx.validation.json import JsonStrictValidator; import jsonschema",
    )
}
