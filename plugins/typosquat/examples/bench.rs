//! Speed of the typosquat detector, natively, against a reference measured
//! in the same run: the straightforward approach of computing the edit
//! distance from the query to each of the ~15,000 protected names.
//!
//! `cargo run --release -p fetter-plugin-typosquat --example bench`

use std::hint::black_box;
use std::time::Instant;

use fetter_plugin_typosquat::corpus::top_pypi;
use fetter_plugin_typosquat::edit::distance_within;
use fetter_plugin_typosquat::forms::{normalize, skeleton};
use fetter_plugin_typosquat::Detector;

fn main() {
    let top = top_pypi();
    let started = Instant::now();
    black_box(Detector::new(top.clone(), &[]));
    let build = started.elapsed();
    // What the plugin does: load the tables build.rs made.
    let started = Instant::now();
    let detector = Detector::with_top_pypi(vec![], &[]).expect("embedded index");
    let load = started.elapsed();

    // Queries: every popular name checked against the others (the costly
    // case: many near neighbours), plus the same names reversed (unknown
    // names with no neighbours).
    let mut queries: Vec<String> = top.iter().map(|p| p.name.to_string()).collect();
    queries.extend(top.iter().map(|p| p.name.chars().rev().collect::<String>()));

    let started = Instant::now();
    let mut flagged = 0usize;
    for q in &queries {
        flagged += usize::from(black_box(detector.check_against_others(q)).is_some());
    }
    let indexed = started.elapsed();

    // The reference: a linear scan with the same distance bound.
    let skeletons: Vec<String> = top.iter().map(|p| skeleton(&p.normalized)).collect();
    let sample = &queries[..queries.len().min(2_000)];
    let started = Instant::now();
    let mut near = 0usize;
    for q in sample {
        let q = skeleton(&normalize(q));
        near += skeletons
            .iter()
            .filter(|t| black_box(distance_within(q.as_bytes(), t.as_bytes(), 2)).is_some())
            .count();
    }
    let linear = started.elapsed();

    let per = |d: std::time::Duration, n: usize| d.as_secs_f64() * 1e6 / n as f64;
    println!("protected names: {}", detector.len());
    println!(
        "index build: {:.1} ms; loading the prebuilt index (what the plugin does): {:.1} ms",
        build.as_secs_f64() * 1e3,
        load.as_secs_f64() * 1e3
    );
    println!(
        "indexed detector: {:.2} µs/name over {} names ({flagged} flagged)",
        per(indexed, queries.len()),
        queries.len()
    );
    println!(
        "reference linear scan (distance <= 2 to every protected name): {:.2} µs/name over {} names ({near} near pairs)",
        per(linear, sample.len()),
        sample.len()
    );
    println!(
        "speed-up: {:.0}x",
        per(linear, sample.len()) / per(indexed, queries.len())
    );
}
