//! Measured quality of the typosquat detector, with the thresholds of
//! issue 4 as assertions:
//!
//! - recall >= 90% on `quality/typosquats.tsv` (real incidents and other
//!   detectors' test pairs, each with its source);
//! - at most 5% of 1,000 sampled top-PyPI names flagged when each is checked
//!   against the *other* protected names (leave-one-out);
//! - nothing flagged in a fresh `python3 -m venv`.
//!
//! Run with `cargo test --release -p fetter-plugin-typosquat --test quality -- --nocapture`
//! to see the figures (`docs/typosquat.md` records them).

use std::collections::BTreeMap;

use fetter_plugin_typosquat::corpus::{self, Protected};
use fetter_plugin_typosquat::forms::normalize;
use fetter_plugin_typosquat::Detector;

const LABELLED: &str = include_str!("../quality/typosquats.tsv");

fn detector() -> (Vec<Protected>, Detector) {
    let top = corpus::top_pypi();
    let detector = Detector::new(top.clone(), &[]);
    (top, detector)
}

/// `(squat, imitated, source)` rows of the labelled list.
fn labelled() -> Vec<(&'static str, &'static str, &'static str)> {
    LABELLED
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            assert_eq!(cols.len(), 3, "malformed labelled row {l:?}");
            (cols[0], cols[1], cols[2])
        })
        .collect()
}

#[test]
fn recall_on_known_typosquats_is_at_least_90_percent() {
    let (top, detector) = detector();
    let rows = labelled();
    let mut caught = 0;
    let mut by_source: BTreeMap<&str, (u32, u32)> = BTreeMap::new();
    for (squat, imitated, source) in &rows {
        assert!(
            top.iter().any(|p| p.normalized == normalize(imitated)),
            "label {imitated} of {squat} is not a protected name"
        );
        let hit = detector
            .check(squat)
            .is_some_and(|f| normalize(&f.target) == normalize(imitated));
        let entry = by_source.entry(source).or_default();
        entry.1 += 1;
        if hit {
            caught += 1;
            entry.0 += 1;
        } else {
            println!(
                "missed: {squat} (imitates {imitated}) -> {:?}",
                detector.check(squat)
            );
        }
    }
    let recall = caught as f64 / rows.len() as f64;
    println!("recall: {caught}/{} = {:.1}%", rows.len(), recall * 100.0);
    for (source, (hit, n)) in &by_source {
        println!("  {source:<10} {hit}/{n}");
    }
    assert!(recall >= 0.90, "recall {:.1}% < 90%", recall * 100.0);
}

/// A deterministic sample of `n` distinct indices below `len` (xorshift,
/// fixed seed), so the figure is reproducible run to run.
fn sample(len: usize, n: usize) -> Vec<usize> {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut picked = std::collections::BTreeSet::new();
    while picked.len() < n {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        picked.insert((state % len as u64) as usize);
    }
    picked.into_iter().collect()
}

#[test]
fn at_most_5_percent_of_popular_names_flagged_against_the_others() {
    let (top, detector) = detector();
    let indices = sample(top.len(), 1000);
    let mut flagged = 0;
    for &i in &indices {
        if let Some(f) = detector.check_against_others(&top[i].name) {
            flagged += 1;
            println!(
                "leave-one-out flag: {} -> {} ({})",
                top[i].name,
                f.target,
                f.rule.id()
            );
        }
    }
    let all = top
        .iter()
        .filter(|p| detector.check_against_others(&p.name).is_some())
        .count();
    println!(
        "leave-one-out: {flagged}/1000 sampled = {:.1}%; whole list {all}/{} = {:.2}%",
        flagged as f64 / 10.0,
        top.len(),
        all as f64 * 100.0 / top.len() as f64
    );
    assert!(
        flagged <= 50,
        "{flagged} of 1000 popular names flagged (> 5%)"
    );
}

#[test]
fn popular_and_fresh_venv_names_never_flag() {
    let (_, detector) = detector();
    for name in [
        "pip",
        "setuptools",
        "wheel",
        "requests",
        "numpy",
        "Django",
        "PyYAML",
    ] {
        assert_eq!(detector.check(name), None, "{name}");
    }
    for name in fresh_venv_distributions() {
        assert_eq!(detector.check(&name), None, "{name} from a fresh venv");
    }
}

/// Names of the distributions `python3 -m venv` installs (pip, and
/// setuptools on older Pythons), read from the dist-info directories of a
/// venv created for the test; empty when no `python3` is available.
fn fresh_venv_distributions() -> Vec<String> {
    let dir = std::env::temp_dir().join(format!("fetter-typosquat-venv-{}", std::process::id()));
    let ok = std::process::Command::new("python3")
        .args(["-m", "venv"])
        .arg(&dir)
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        println!("python3 -m venv unavailable: checked the static names only");
        return Vec::new();
    }
    let mut names = Vec::new();
    for lib in ["lib", "lib64", "Lib"] {
        let Ok(pythons) = std::fs::read_dir(dir.join(lib)) else {
            continue;
        };
        for python in pythons.flatten() {
            let site = python.path().join("site-packages");
            for entry in std::fs::read_dir(&site).into_iter().flatten().flatten() {
                let file = entry.file_name().to_string_lossy().to_string();
                if let Some(stem) = file.strip_suffix(".dist-info") {
                    names.push(stem.split('-').next().unwrap_or(stem).to_string());
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    names.sort();
    names.dedup();
    assert!(!names.is_empty(), "a fresh venv has at least pip");
    println!("fresh venv distributions: {names:?}");
    names
}
