//! Measured quality of the typosquat detector, with the thresholds of
//! issues 4 and 21 as assertions:
//!
//! - recall >= 90% on `quality/typosquats.tsv` (real incidents and other
//!   detectors' test pairs, each with its source), and on both halves of the
//!   second labelled set (`quality/typosquats-tuning.tsv`,
//!   `quality/typosquats-evaluation.tsv`: real malicious packages the rules
//!   were not first written against);
//! - at most 3% of 1,000 sampled top-PyPI names flagged when each is
//!   checked against the *other* protected names (leave-one-out);
//! - a bounded flag rate on 2,000 random PyPI names outside the top 15,000
//!   (`quality/pypi-random-2000.txt`);
//! - nothing flagged in a fresh `python3 -m venv`, nor any name fetter's own
//!   tests install.
//!
//! Run with `cargo test --release -p fetter-plugin-typosquat --test quality -- --nocapture`
//! to see the figures (`docs/typosquat.md` records them).

use std::collections::BTreeMap;

use fetter_plugin_typosquat::corpus::{self, Protected};
use fetter_plugin_typosquat::forms::normalize;
use fetter_plugin_typosquat::Detector;

const LABELLED: &str = include_str!("../quality/typosquats.tsv");
const TUNING: &str = include_str!("../quality/typosquats-tuning.tsv");
const EVALUATION: &str = include_str!("../quality/typosquats-evaluation.tsv");
const RANDOM_NAMES: &str = include_str!("../quality/pypi-random-2000.txt");

fn detector() -> (Vec<Protected>, Detector) {
    let top = corpus::top_pypi();
    let detector = Detector::new(top.clone(), &[]);
    (top, detector)
}

/// `(squat, imitated, source)` rows of a labelled list.
fn labelled(tsv: &'static str) -> Vec<(&'static str, &'static str, &'static str)> {
    tsv.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            assert_eq!(cols.len(), 3, "malformed labelled row {l:?}");
            (cols[0], cols[1], cols[2])
        })
        .collect()
}

/// True when a finding naming `found` names the labelled project: the
/// same name, or one is the other's former name (`index/data/former-names.tsv`).
/// The labels disagree on renamed projects (the first list labels
/// `BeautifulSoup` misspellings `beautifulsoup4`, the second
/// `beautifulsoup`), and a finding naming either points at the same
/// project.
fn same_project(found: &str, labelled: &str) -> bool {
    let (a, b) = (normalize(found), normalize(labelled));
    a == b
        || corpus::aliases().iter().any(|&(kind, alias, project)| {
            let (alias, project) = (normalize(alias), normalize(project));
            kind == corpus::AliasKind::Former
                && ((alias == a && project == b) || (alias == b && project == a))
        })
}

/// Recall on one labelled list, with the misses and per-source figures
/// printed; asserts every label is a protected name.
fn recall(tsv: &'static str, what: &str) -> f64 {
    let (top, detector) = detector();
    let rows = labelled(tsv);
    let (mut caught, mut strict) = (0, 0);
    let mut by_source: BTreeMap<&str, (u32, u32)> = BTreeMap::new();
    for (squat, imitated, source) in &rows {
        assert!(
            top.iter().any(|p| p.normalized == normalize(imitated)),
            "label {imitated} of {squat} is not a protected name"
        );
        let finding = detector.check(squat);
        strict += usize::from(
            finding
                .as_ref()
                .is_some_and(|f| normalize(&f.target) == normalize(imitated)),
        );
        let hit = finding.is_some_and(|f| same_project(&f.target, imitated));
        let entry = by_source.entry(source).or_default();
        entry.1 += 1;
        if hit {
            caught += 1;
            entry.0 += 1;
        } else {
            println!(
                "{what} missed: {squat} (imitates {imitated}) -> {:?}",
                detector.check(squat)
            );
        }
    }
    let recall = caught as f64 / rows.len() as f64;
    println!(
        "{what} recall: {caught}/{} = {:.1}% (naming exactly the labelled name: {strict} = {:.1}%)",
        rows.len(),
        recall * 100.0,
        strict as f64 * 100.0 / rows.len() as f64
    );
    for (source, (hit, n)) in &by_source {
        println!("  {source:<11} {hit}/{n}");
    }
    recall
}

#[test]
fn recall_on_known_typosquats_is_at_least_90_percent() {
    let r = recall(LABELLED, "first list");
    assert!(r >= 0.90, "recall {:.1}% < 90%", r * 100.0);
}

#[test]
fn recall_on_the_tuning_half_is_at_least_90_percent() {
    let r = recall(TUNING, "tuning half");
    assert!(r >= 0.90, "recall {:.1}% < 90%", r * 100.0);
}

#[test]
fn recall_on_the_evaluation_half_is_at_least_90_percent() {
    let r = recall(EVALUATION, "evaluation half");
    assert!(r >= 0.90, "recall {:.1}% < 90%", r * 100.0);
}

#[test]
fn the_labelled_sets_do_not_overlap() {
    let first: Vec<String> = labelled(LABELLED).iter().map(|r| normalize(r.0)).collect();
    let tuning: Vec<String> = labelled(TUNING).iter().map(|r| normalize(r.0)).collect();
    for (squat, _, _) in labelled(EVALUATION) {
        let n = normalize(squat);
        assert!(!tuning.contains(&n), "{squat} is in both halves");
        assert!(!first.contains(&n), "{squat} is in the first list too");
    }
    assert!(tuning.iter().all(|n| !first.contains(n)));
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
fn at_most_3_percent_of_popular_names_flagged_against_the_others() {
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
        flagged <= 30,
        "{flagged} of 1000 popular names flagged (> 3%)"
    );
}

/// Most names on PyPI are not typosquats: the share of a random sample of
/// less popular names that is flagged is what a user with ordinary,
/// unpopular dependencies sees (the flags in it were judged by hand in
/// docs/typosquat.md; some are real imitations).
#[test]
fn few_random_pypi_names_are_flagged() {
    let (_, detector) = detector();
    let names: Vec<&str> = RANDOM_NAMES
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .collect();
    assert_eq!(names.len(), 2000);
    let mut flagged = 0;
    for name in &names {
        if let Some(f) = detector.check(name) {
            flagged += 1;
            println!("random-name flag: {name} -> {} ({})", f.target, f.rule.id());
        }
    }
    println!(
        "random PyPI names outside the top 15,000: {flagged}/2000 = {:.2}% flagged",
        flagged as f64 / 20.0
    );
    assert!(
        flagged <= RANDOM_FLAG_LIMIT,
        "{flagged} of 2000 random names flagged"
    );
}

/// The measured figure (docs/typosquat.md) plus a margin: a rule change
/// that flags noticeably more ordinary names fails here.
const RANDOM_FLAG_LIMIT: usize = 30;

/// Distributions fetter's own tests install into the environments they
/// build or write into fake site-packages (`tests/`: requirement files,
/// fixtures, `common::tiny_project`, `write_dist`, `uv_sync` cases), and
/// the project of a lock-file fixture (`proj`), except `reqeusts`, which
/// the plugin tests install *as* a typosquat. Not `pproj`, the project of
/// `tests/fixtures/bounds/real-poetry` (`package-mode = false`: parsed,
/// never installed): it is `pyproj` (rank #888) with a letter left out
/// inside the name, which the plugin flags, as it should a package of
/// that name from outside PyPI.
const TEST_ENVIRONMENT_NAMES: &[&str] = &[
    "absent-pkg",
    "alpha",
    "alpha-one",
    "alpha-two",
    "alpha_one",
    "alpha_two",
    "anyio",
    "app",
    "appdirs",
    "argparse",
    "attrs",
    "badurl",
    "badver",
    "beta",
    "beta-keep",
    "beta-pkg",
    "Beta.Tools",
    "beta_keep",
    "Beta_Pkg",
    "black",
    "bom-package",
    "Cap.Pkg",
    "Cap_Pkg",
    "certifi",
    "changelist",
    "charset-normalizer",
    "churn-a",
    "churn-b",
    "closed",
    "colorama",
    "coverage",
    "cryptography",
    "cryptography-vectors",
    "delta",
    "demo",
    "demo-app",
    "devtool",
    "dir-pkg",
    "drop-me",
    "edit-me",
    "Edit.Me",
    "empty",
    "emptyver",
    "evil",
    "evil-pkg",
    "evil_name",
    "exceptiongroup",
    "extra-pkg",
    "fine-local-tool",
    "flake8",
    "future",
    "gamma",
    "Git_Pkg",
    "gitdep",
    "good",
    "google-auth",
    "google-cloud-compute",
    "google-cloud-storage",
    "hashed",
    "hidden",
    "hidden-egg",
    "hostile",
    "idna",
    "iniconfig",
    "inside",
    "jaraco-tiny",
    "jaraco.classes",
    "Jaraco.Tiny",
    "Jaraco_Tiny",
    "keep-me",
    "keep_me",
    "lib",
    "local-pin",
    "local-ver",
    "Local.Ver",
    "m1",
    "many-files",
    "maturin",
    "mock",
    "more-itertools",
    "mylib",
    "mypy",
    "myst-parser",
    "nometa",
    "not-installed",
    "other",
    "packaging",
    "pip",
    "piponly",
    "plain",
    "plain-pkg",
    "pre-rel",
    "proj",
    "py",
    "py-partiql-parser",
    "pycrypto",
    "pydantic-core",
    "pyflakes",
    "pygments-github-lexers",
    "PySocks",
    "pytest",
    "pytest-cov",
    "pytest-forked",
    "pytest-httpbin",
    "pytest-randomly",
    "pytest-timeout",
    "pytest-xdist",
    "PyYAML",
    "pyyaml",
    "requests",
    "rpmdemo",
    "rsa",
    "ruff",
    "setuptools",
    "simplejson",
    "six",
    "sphinx",
    "still-a-package",
    "tiny",
    "tiny-a",
    "tiny-b",
    "tiny-c",
    "tiny-pkg",
    "tiny-vuln",
    "Tiny.Dotted_Pkg",
    "Tiny.Vuln",
    "tiny_pkg",
    "toml",
    "tomli",
    "tox",
    "tqdm",
    "urllib3",
    "User.Site_Pkg",
    "util",
    "uv",
    "uv_tiny",
    "vcs-pkg",
    "vuln-b",
    "vuln-d",
    "vuln-e",
    "vuln-pkg",
    "Vuln.A",
    "Vuln.Pkg",
    "vuln_c",
    "wheel",
    "yaml",
];

#[test]
fn names_installed_by_fetters_own_tests_never_flag() {
    let (_, detector) = detector();
    let flagged: Vec<String> = TEST_ENVIRONMENT_NAMES
        .iter()
        .filter_map(|n| {
            detector
                .check(n)
                .map(|f| format!("{n} -> {} ({})", f.target, f.rule.id()))
        })
        .collect();
    assert!(flagged.is_empty(), "flagged: {flagged:?}");
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
