//! Speed of the built typosquat plugin inside fetter's WebAssembly sandbox,
//! against the same detector run natively in the same process.
//!
//! ```text
//! cargo run -q -p fetter-plugin-build -- typosquat
//! cargo run --release -p fetter-plugin-typosquat --example sandbox_bench
//! ```
//!
//! The inventory is 29,970 distributions: every protected name (the common
//! case: a popular package, one lookup) and every protected name reversed
//! (an unknown name, the full search). The per-name figure subtracts a run
//! over an empty inventory (instantiation, settings and index build).

use std::time::{Duration, Instant};

use fetter::plugins::host::{self, wit, Limits, LogMode};
use fetter_plugin_typosquat::corpus::top_pypi;
use fetter_plugin_typosquat::forms::normalize;
use fetter_plugin_typosquat::Detector;
use wasmtime::component::Component;

fn inventory(names: &[String]) -> wit::Inventory {
    wit::Inventory {
        environments: vec![],
        distributions: names
            .iter()
            .map(|n| wit::Distribution {
                name: n.clone(),
                normalized_name: normalize(n),
                version: "1.0".into(),
                environments: vec![],
                site: "/venv/lib/python3.12/site-packages".into(),
                installer: Some("pip".into()),
                requested: true,
                direct_url: None,
            })
            .collect(),
    }
}

fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut out = None;
    for _ in 0..runs {
        let started = Instant::now();
        out = Some(f());
        best = best.min(started.elapsed());
    }
    (best, out.expect("at least one run"))
}

fn main() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../typosquat.wasm");
    let bytes =
        std::fs::read(path).expect("build it first: cargo run -p fetter-plugin-build -- typosquat");
    let engine = host::engine().expect("wasm engine");
    let component = Component::from_binary(&engine, &bytes).expect("a component");
    let limits = Limits {
        memory_bytes: 256 << 20,
        timeout: Duration::from_secs(60),
    };
    let top = top_pypi();
    let mut names: Vec<String> = top.iter().map(|p| p.name.to_string()).collect();
    names.extend(top.iter().map(|p| p.name.chars().rev().collect::<String>()));
    let full = inventory(&names);
    let empty = inventory(&[]);
    let run = |inv: &wit::Inventory| {
        host::run(
            &engine,
            &component,
            "typosquat",
            "{}",
            Some(inv),
            limits,
            LogMode::Quiet,
        )
        .expect("plugin runs")
        .verdicts
        .len()
    };
    let (fixed, _) = best_of(3, || run(&empty));
    let (total, verdicts) = best_of(3, || run(&full));
    // The same work natively: a fresh detector loading the prebuilt
    // tables, as the plugin does, then every name.
    let (native_total, native_flags) = best_of(3, || {
        let detector = Detector::with_top_pypi(vec![], &[]).expect("embedded index");
        names.iter().filter(|n| detector.check(n).is_some()).count()
    });

    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let per = |d: Duration| d.as_secs_f64() * 1e6 / names.len() as f64;
    println!(
        "distributions: {} ({verdicts} verdicts in the sandbox, {native_flags} natively)",
        names.len()
    );
    println!("sandbox: instantiate + configure: {:.1} ms", ms(fixed));
    println!(
        "sandbox: whole run {:.1} ms; {:.2} µs/name beyond instantiate + configure (indexes included)",
        ms(total),
        per(total.saturating_sub(fixed))
    );
    println!(
        "native reference, same work: {:.1} ms; {:.2} µs/name",
        ms(native_total),
        per(native_total)
    );
}
