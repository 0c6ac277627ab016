//! Tuning aid (not part of the plugin): every quality figure of
//! `tests/quality.rs` in one run, judging "known" against a whole index
//! snapshot rather than the embedded list, so the rules can be changed
//! without regenerating `index/data/pypi-near-names.txt` each time.
//!
//! ```text
//! zcat pypi-names.txt.gz > /tmp/pypi-names.txt
//! cargo run -p fetter-plugin-typosquat --example tune -- /tmp/pypi-names.txt [names-to-check.txt]
//! ```
//!
//! Only the tuning half's misses are printed: the evaluation half's figure
//! is shown, never its names.

use std::collections::HashSet;

use fetter_plugin_typosquat::corpus::top_pypi;
use fetter_plugin_typosquat::evidence::Signals;
use fetter_plugin_typosquat::forms::normalize;
use fetter_plugin_typosquat::Detector;

fn rows(path: &str) -> Vec<(String, String)> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            (c[0].to_string(), c[1].to_string())
        })
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let pypi: HashSet<String> = std::fs::read_to_string(&args[1])
        .expect("index snapshot names")
        .lines()
        .map(normalize)
        .collect();
    let detector = Detector::new(top_pypi(), &[]);
    let former: Vec<(String, String)> = fetter_plugin_typosquat::corpus::aliases()
        .into_iter()
        .filter(|a| a.0 == fetter_plugin_typosquat::corpus::AliasKind::Former)
        .map(|(_, a, p)| (normalize(a), normalize(p)))
        .collect();
    let same = |a: &str, b: &str| {
        let (a, b) = (normalize(a), normalize(b));
        a == b
            || former
                .iter()
                .any(|(f, p)| (*f == a && *p == b) || (*f == b && *p == a))
    };
    let check = |name: &str| {
        let unknown = !pypi.contains(&normalize(name));
        detector.check_with_signals(name, Signals { unknown })
    };
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/quality/");
    for (file, show) in [
        ("typosquats.tsv", true),
        ("typosquats-tuning.tsv", true),
        ("typosquats-evaluation.tsv", false),
    ] {
        let rows = rows(&format!("{dir}{file}"));
        let (mut hit, mut strict) = (0, 0);
        for (squat, target) in &rows {
            let f = check(squat);
            strict += usize::from(
                f.as_ref()
                    .is_some_and(|f| normalize(&f.target) == normalize(target)),
            );
            if f.as_ref().is_some_and(|f| same(&f.target, target)) {
                hit += 1;
            } else if show {
                println!(
                    "  miss {squat} ({target}) -> {:?}",
                    f.map(|f| (f.rule.id(), f.target))
                );
            }
        }
        println!(
            "{file}: {hit}/{} = {:.1}% (strict: {strict})",
            rows.len(),
            hit as f64 * 100.0 / rows.len() as f64
        );
    }
    let top = top_pypi();
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut picked = std::collections::BTreeSet::new();
    while picked.len() < 1000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        picked.insert((state % top.len() as u64) as usize);
    }
    let mut loo = 0;
    for &i in &picked {
        if let Some(f) = detector.check_against_others(&top[i].name) {
            loo += 1;
            println!("  loo {} -> {} ({})", top[i].name, f.target, f.rule.id());
        }
    }
    println!("leave-one-out: {loo}/1000");
    let random = std::fs::read_to_string(format!("{dir}pypi-random-2000.txt")).unwrap();
    let (mut known, mut unknown) = (0, 0);
    for name in random
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        if let Some(f) = check(name) {
            known += 1;
            println!("  random {name} -> {} ({})", f.target, f.rule.id());
        }
        if detector
            .check_with_signals(name, Signals { unknown: true })
            .is_some()
        {
            unknown += 1;
        }
    }
    println!("random 2000: {known} flagged; {unknown} if none were on PyPI");
    if let Some(path) = args.get(2) {
        for name in std::fs::read_to_string(path).unwrap().lines() {
            if let Some(f) = check(name) {
                println!(
                    "  test-name {name} -> {} ({}) unknown={}",
                    f.target,
                    f.rule.id(),
                    !pypi.contains(&normalize(name))
                );
            }
        }
    }
}
