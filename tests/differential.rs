//! Differential tests: fetter's answers against implementations nobody here
//! wrote. PyPA's `packaging` (installed from PyPI into a tools venv under the
//! target dir, once) judges versions, specifiers, markers and names; pip's
//! own `parse_requirements`, and the `InstallRequirement` pip builds from
//! each line (where it refuses bad editables and wheel names), judge
//! requirements files. Cases are batched through one Python process per
//! category (JSON in, JSON out).
//!
//! Every disagreement fails the test unless `deliberate` explains it; the
//! deliberate ones are listed, with counts, in docs/reliability.md.
//! `FETTER_DIFF_SEED` changes the random cases, `FETTER_DIFF_SCALE`
//! multiplies their number (longer runs than CI's).

use crate::common;
#[path = "differential/gen.rs"]
mod gen;

use std::cmp::Ordering;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::str::FromStr;

use common::*;
use fetter::bounds::markers::marker_environment;
use fetter::bounds::matching::version_satisfies;
use fetter::bounds::requirements::Parser;
use fetter::bounds::source::Location;
use fetter::bounds::{BoundRequirement, Origin};
use fetter::inventory::Environment;
use gen::Rng;
use pep440_rs::Version;
use pep508_rs::{ExtraName, MarkerEnvironment};
use serde_json::{json, Value};

const ORACLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/differential/oracle.py"
);
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures");

/// A Python with `packaging` (and pip) installed, from a venv under the
/// target dir created once; `None` with the reason when PyPI is unreachable.
fn packaging_python() -> Option<PathBuf> {
    static PY: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    PY.get_or_init(|| {
        tools_python(
            "packaging",
            &["packaging>=24", "pip>=23.1"],
            // pip's requirements-file parser is the oracle; it knows
            // `--config-settings` from 23.1 (Debian 12 ships 23.0.1).
            "import packaging.markers, pip, sys; \
             sys.exit(tuple(map(int, pip.__version__.split('.')[:2])) < (23, 1))",
        )
    })
    .clone()
}

/// Ask the oracle (one Python process) about a batch of cases.
/// The variable the requirements corpus expands, and its value.
const SUFFIX_VAR: (&str, &str) = ("FETTER_TEST_VERSION_SUFFIX", "suffix");

fn oracle(py: &Path, mode: &str, cases: &Value) -> Value {
    let mut child = Command::new(py)
        .arg(ORACLE)
        .arg(mode)
        .env(SUFFIX_VAR.0, SUFFIX_VAR.1)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the oracle");
    let input = serde_json::to_vec(cases).unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(
        out.status.success(),
        "oracle {mode} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn seed() -> u64 {
    std::env::var("FETTER_DIFF_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_fe77e4)
}

fn scale(n: usize) -> usize {
    n * std::env::var("FETTER_DIFF_SCALE")
        .ok()
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(1)
}

/// Fail with every undocumented disagreement (first 40 shown), and print
/// the figures docs/reliability.md quotes.
fn verdict(category: &str, compared: usize, deliberate: usize, bad: Vec<String>) {
    eprintln!(
        "differential {category}: {compared} cases compared, {deliberate} documented differences, {} undocumented (seed {})",
        bad.len(),
        seed()
    );
    assert!(
        bad.is_empty(),
        "{category}: {} disagreements with the reference:\n{}",
        bad.len(),
        bad.iter().take(40).cloned().collect::<Vec<_>>().join("\n")
    );
}

/// True for a version string that has a decimal number past `u64`:
/// pep440_rs stores release numbers as u64, `packaging` has big integers.
/// Documented: no real release uses such numbers; fetter refuses them
/// (the version is reported as invalid, never silently misordered).
fn huge_number(s: &str) -> bool {
    s.split(|c: char| !c.is_ascii_digit())
        .any(|d| d.trim_start_matches('0').len() > 19 && u64::from_str(d).is_err())
}

#[test]
fn versions_match_packaging() {
    let Some(py) = packaging_python() else { return };
    let mut r = Rng::new(seed());
    let mut versions: Vec<String> = (0..scale(20_000)).map(|_| gen::version(&mut r)).collect();
    versions.extend(real_versions());
    let ours: Vec<Option<Version>> = versions.iter().map(|v| Version::from_str(v).ok()).collect();
    let valid: Vec<&String> = versions
        .iter()
        .zip(&ours)
        .filter(|(_, p)| p.is_some())
        .map(|(v, _)| v)
        .collect();
    // Pairs: random, and each valid version with its neighbour after a
    // sort by string (close spellings: 1.0 / 1.0.0 / 1.0a1).
    let mut pairs: Vec<(String, String)> = (0..scale(20_000))
        .map(|_| {
            let a = valid[r.below(valid.len())];
            let b = valid[r.below(valid.len())];
            (a.clone(), b.clone())
        })
        .collect();
    let mut sorted = valid.clone();
    sorted.sort();
    pairs.extend(sorted.windows(2).map(|w| (w[0].clone(), w[1].clone())));
    let answers = oracle(
        &py,
        "versions",
        &json!({"versions": versions, "pairs": pairs}),
    );

    let mut bad = Vec::new();
    let mut deliberate = 0;
    for ((v, mine), theirs) in versions
        .iter()
        .zip(&ours)
        .zip(answers["parsed"].as_array().unwrap())
    {
        let mine = mine.as_ref().map(|m| m.to_string());
        let theirs = theirs.as_str().map(str::to_string);
        if mine != theirs {
            if mine.is_none() && huge_number(v) {
                deliberate += 1;
            } else {
                bad.push(format!(
                    "Version({v:?}): fetter {mine:?}, packaging {theirs:?}"
                ));
            }
        }
    }
    for ((a, b), theirs) in pairs.iter().zip(answers["cmp"].as_array().unwrap()) {
        let mine = match Version::from_str(a)
            .unwrap()
            .cmp(&Version::from_str(b).unwrap())
        {
            Ordering::Less => -1,
            Ordering::Equal => 0,
            Ordering::Greater => 1,
        };
        if mine != theirs.as_i64().unwrap() && (huge_number(a) || huge_number(b)) {
            deliberate += 1;
        } else if mine != theirs.as_i64().unwrap() {
            bad.push(format!(
                "cmp({a:?}, {b:?}): fetter {mine}, packaging {theirs}"
            ));
        }
    }
    verdict("versions", versions.len() + pairs.len(), deliberate, bad);
}

/// Versions of real distributions: every `==` pin of the fixtures.
fn real_versions() -> Vec<String> {
    real_requirements()
        .iter()
        .flat_map(|l| l.split([',', ';']).map(str::to_string).collect::<Vec<_>>())
        .filter_map(|c| c.split_once("==").map(|(_, v)| v.trim().to_string()))
        .filter(|v| !v.is_empty() && !v.starts_with('='))
        .collect()
}

/// Real requirement strings: `Requires-Dist` of the distributions on the
/// machine this corpus was collected from, and the requirements corpus.
fn real_requirements() -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_to_string(format!("{FIXTURES}/requires-dist.txt"))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    for f in corpus_files() {
        for line in std::fs::read_to_string(f).unwrap().lines() {
            let line = line.split(" #").next().unwrap().trim();
            if !line.is_empty() && !line.starts_with(['#', '-']) {
                out.push(line.to_string());
            }
        }
    }
    out
}

/// The requirement part of a requirement string: its specifier set.
fn specifier_of(req: &str) -> Option<String> {
    let head = req.split(';').next()?;
    let at = head.find(['<', '>', '=', '!', '~'])?;
    Some(head[at..].trim().trim_end_matches(')').to_string())
}

#[test]
fn specifiers_match_packaging() {
    let Some(py) = packaging_python() else { return };
    let mut r = Rng::new(seed() ^ 1);
    let mut cases: Vec<(String, String)> = (0..scale(30_000))
        .map(|_| gen::specifier_case(&mut r))
        .collect();
    // Real specifier sets, each against versions around its operands.
    for req in real_requirements() {
        let Some(spec) = specifier_of(&req) else {
            continue;
        };
        let spec = spec.trim_start_matches('(').to_string();
        for clause in spec.split(',') {
            let v = clause
                .trim_start_matches(['<', '>', '=', '!', '~', ' '])
                .trim();
            for _ in 0..4 {
                cases.push((spec.clone(), gen::near(&mut r, v)));
            }
        }
    }
    let answers = oracle(&py, "specifiers", &json!(cases));
    let mut bad = Vec::new();
    let mut deliberate = 0;
    let mut follows_pip = 0;
    for ((spec, v), both) in cases.iter().zip(answers.as_array().unwrap()) {
        let parsed = BoundRequirement::parse(&format!("x {spec}"), Origin::file("diff"));
        let mine = parsed.ok().map(|req| version_satisfies(&req, v).is_ok());
        let (theirs, pips) = (both[0].as_bool(), both[1].as_bool());
        if mine == theirs {
            continue;
        }
        if huge_number(spec) || huge_number(v) {
            deliberate += 1;
        } else if mine.is_some() && mine == pips {
            // packaging 26 and pip's vendored packaging disagree here;
            // fetter answers as pip does. Documented in docs/reliability.md.
            follows_pip += 1;
        } else {
            bad.push(format!(
                "SpecifierSet({spec:?}).contains({v:?}): fetter {mine:?}, packaging {theirs:?}, pip's packaging {pips:?}"
            ));
        }
    }
    eprintln!("differential specifiers: {follows_pip} where packaging and pip's vendored packaging disagree and fetter follows pip");
    verdict("specifiers", cases.len(), deliberate + follows_pip, bad);
}

/// Marker environments: fetter's own for several Python versions (as a scan
/// builds them), and the same re-targeted at Windows and macOS.
fn environments() -> Vec<(MarkerEnvironment, Option<&'static str>)> {
    let env = |version: &str, prefix: &str| -> Environment {
        serde_json::from_value(json!({
            "prefix": prefix, "kind": "venv", "python_version": version,
            "interpreters": [format!("{prefix}/bin/python3")], "sites": [],
            "externally_managed": false,
        }))
        .unwrap()
    };
    let m = |v: &str, p: &str| marker_environment(&env(v, p)).unwrap();
    vec![
        (m("3.8.10", "/e"), None),
        (m("3.12.1", "/e"), Some("test")),
        (m("3.13.0", "/e"), None),
        (m("3.10.4", "/opt/pypy3.10"), Some("Test_Extra")),
        (
            m("3.11.9", "/e")
                .with_sys_platform("win32")
                .with_os_name("nt")
                .with_platform_system("Windows")
                .with_platform_machine("AMD64"),
            None,
        ),
        (
            m("3.12.3", "/e")
                .with_sys_platform("darwin")
                .with_platform_system("Darwin")
                .with_platform_machine("arm64"),
            Some("docs"),
        ),
    ]
}

/// True when a Python-version marker names a pre-, post- or dev-release
/// or a local version: pep508_rs compares Python versions by their release
/// segments only (`python_full_version == '3.12.1rc1'` holds on 3.12.1),
/// `packaging` by full PEP 440 order. Documented in docs/reliability.md.
fn python_prerelease(marker: &str) -> bool {
    (marker.contains("python_") || marker.contains("implementation_version"))
        && marker.split(['\'', '"']).skip(1).step_by(2).any(|q| {
            q.starts_with(|c: char| c.is_ascii_digit())
                && q.contains(|c: char| c.is_ascii_alphabetic() || c == '+')
        })
}

/// An environment as the dict `Marker.evaluate` takes.
fn env_json(m: &MarkerEnvironment, extra: Option<&str>) -> Value {
    json!({
        "implementation_name": m.implementation_name(),
        "implementation_version": m.implementation_version().to_string(),
        "os_name": m.os_name(),
        "platform_machine": m.platform_machine(),
        "platform_python_implementation": m.platform_python_implementation(),
        "platform_release": m.platform_release(),
        "platform_system": m.platform_system(),
        "platform_version": m.platform_version(),
        "python_full_version": m.python_full_version().to_string(),
        "python_version": m.python_version().to_string(),
        "sys_platform": m.sys_platform(),
        "extra": extra.unwrap_or(""),
    })
}

#[test]
fn markers_match_packaging() {
    let Some(py) = packaging_python() else { return };
    let mut r = Rng::new(seed() ^ 2);
    let mut markers: Vec<String> = (0..scale(8_000)).map(|_| gen::marker(&mut r, 3)).collect();
    let random = markers.len();
    markers.extend(
        real_requirements()
            .iter()
            .filter_map(|l| l.split_once(';').map(|(_, m)| m.trim().to_string())),
    );
    let envs = environments();
    let envs_json: Vec<Value> = envs.iter().map(|(m, e)| env_json(m, *e)).collect();
    let answers = oracle(
        &py,
        "markers",
        &json!({"envs": envs_json, "markers": markers}),
    );
    let mut bad = Vec::new();
    let mut compared = 0;
    let mut deliberate = 0;
    for (i, (marker, theirs)) in markers.iter().zip(answers.as_array().unwrap()).enumerate() {
        let parsed = BoundRequirement::parse(&format!("x ; {marker}"), Origin::file("diff"));
        compared += envs.len();
        // packaging refuses to parse, or raises when evaluating in some environment.
        let theirs_refuses = theirs
            .as_array()
            .is_none_or(|row| row.iter().any(|v| !v.is_boolean()));
        match parsed {
            Err(_) if theirs_refuses => {}
            Ok(_) if theirs_refuses => bad.push(format!(
                "{marker:?}: fetter accepts, packaging refuses ({theirs})"
            )),
            Err(e) => {
                // Deliberate: fetter refuses what implementations answer
                // differently (bounds/marker_guard.rs) and `===` in markers.
                // Real markers (from published packages) must never be refused.
                let m = e.to_string();
                if i < random
                    && (m.contains("string order")
                        || m.contains("cannot be evaluated reliably")
                        || m.contains("`in` on the version variable")
                        || m.contains("`~=` cannot compare")
                        || m.contains("`~=` must have the marker variable")
                        || m.contains("found `===`"))
                {
                    deliberate += 1;
                } else {
                    bad.push(format!(
                        "{marker:?}: fetter refuses ({m}), packaging accepts"
                    ));
                }
            }
            Ok(req) => {
                for ((m, extra), theirs) in envs.iter().zip(theirs.as_array().unwrap()) {
                    let extras: Vec<ExtraName> = extra
                        .iter()
                        .map(|e| ExtraName::from_str(e).unwrap())
                        .collect();
                    let mine = req.requirement.evaluate_markers(m, &extras);
                    if Some(mine) != theirs.as_bool() && python_prerelease(marker) {
                        deliberate += 1;
                    } else if Some(mine) != theirs.as_bool() {
                        bad.push(format!(
                            "{marker:?} in {} (extra {extra:?}): fetter {mine}, packaging {theirs}",
                            m.python_full_version()
                        ));
                    }
                }
            }
        }
    }
    verdict("markers", compared, deliberate, bad);
}

#[test]
fn names_match_packaging() {
    let Some(py) = packaging_python() else { return };
    let mut r = Rng::new(seed() ^ 3);
    let mut names: Vec<String> = (0..scale(20_000)).map(|_| gen::name(&mut r)).collect();
    names.extend(real_requirements().iter().filter_map(|l| {
        let end = l.find(|c: char| !(c.is_ascii_alphanumeric() || "-_.".contains(c)))?;
        Some(l[..end].to_string())
    }));
    let answers = oracle(&py, "names", &json!(names));
    let mut bad = Vec::new();
    for (n, theirs) in names.iter().zip(answers.as_array().unwrap()) {
        let mine = fetter::names::normalize(n);
        if Some(mine.as_str()) != theirs.as_str() {
            bad.push(format!(
                "canonicalize_name({n:?}): fetter {mine:?}, packaging {theirs}"
            ));
        }
    }
    verdict("names", names.len(), 0, bad);
}

/// The requirements-file corpus: real files (tests/fixtures/reqcorpus, from
/// public projects), the bounds fixtures, and tests/differential/tricky.
fn corpus_files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in [
        "reqcorpus",
        "bounds",
        "bounds/includes",
        "../differential/tricky",
    ] {
        let Ok(rd) = std::fs::read_dir(format!("{FIXTURES}/{dir}")) else {
            continue;
        };
        let mut files: Vec<PathBuf> = rd
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "txt" || e == "in"))
            .collect();
        files.sort();
        out.extend(files);
    }
    out
}

#[test]
fn requirements_files_match_pip() {
    let Some(py) = packaging_python() else { return };
    let files = corpus_files();
    let envs = environments();
    let envs_json: Vec<Value> = envs.iter().map(|(m, e)| env_json(m, *e)).collect();
    let theirs = oracle(&py, "reqfiles", &json!({"envs": envs_json, "files": files}));

    // The corpus's `${FETTER_TEST_VERSION_SUFFIX}`: the oracle gets it in its
    // environment (`oracle`), fetter from this lookup; no `set_var`, which
    // would race every thread of the test binary reading the environment.
    let env_lookup = |k: &str| {
        if k == SUFFIX_VAR.0 {
            Some(SUFFIX_VAR.1.to_string())
        } else {
            std::env::var(k).ok()
        }
    };
    let mut mine_text = Vec::new();
    let mut mine_files = Vec::new();
    for f in &files {
        let loc = Location::Path(f.canonicalize().unwrap());
        let text = fetter::bounds::source::decode(&std::fs::read(f).unwrap()).unwrap();
        let parsed = Parser::new(&env_lookup).parse(&text, &loc, false);
        // `===` operands are kept aside (spec.rs); put them back to compare.
        mine_text.extend(parsed.requirements.iter().map(|r| {
            let mut t = r.requirement.to_string();
            for a in &r.arbitrary {
                t = t.replacen("===0", &format!("==={a}"), 1);
            }
            t
        }));
        mine_files.push(parsed);
    }
    let canon = oracle(&py, "canon", &json!({"envs": envs_json, "reqs": mine_text}));
    let mut canon = canon.as_array().unwrap().iter();

    let mut bad = Vec::new();
    let mut compared = 0;
    for ((f, mine), theirs) in files
        .iter()
        .zip(&mine_files)
        .zip(theirs.as_array().unwrap())
    {
        let name = f.file_name().unwrap().to_string_lossy();
        let mine_canon: Vec<&Value> = canon.by_ref().take(mine.requirements.len()).collect();
        let Some(reqs) = theirs["reqs"].as_array() else {
            // pip refuses the file: fetter must report an error too.
            if mine.errors.is_empty() {
                bad.push(format!(
                    "{name}: pip refuses ({}), fetter accepts",
                    theirs["error"]
                ));
            }
            compared += 1;
            continue;
        };
        if !mine.errors.is_empty() {
            bad.push(format!(
                "{name}: fetter refuses ({:?}), pip accepts",
                mine.errors
            ));
        }
        if reqs.len() != mine.requirements.len() {
            bad.push(format!(
                "{name}: pip yields {} requirements, fetter {}",
                reqs.len(),
                mine.requirements.len()
            ));
            continue;
        }
        for ((p, m), mc) in reqs.iter().zip(&mine.requirements).zip(mine_canon) {
            compared += 1;
            let flags_differ =
                p["editable"] != json!(m.editable) || p["constraint"] != json!(!m.required);
            // pip leaves URLs and paths unnamed (its name comes later from the
            // archive or project); fetter resolves it, so only flags compare.
            let differs = if p.get("unnamed").is_some() {
                flags_differ
            } else {
                flags_differ
                    || ["name", "extras", "specs", "url", "marker"]
                        .iter()
                        .any(|k| p[k] != mc[k])
            };
            if differs {
                bad.push(format!("{name}: pip {p}, fetter {mc} ({})", m.text));
            }
        }
    }
    verdict("requirements files", compared, 0, bad);
}
