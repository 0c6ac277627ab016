//! Benchmark: policy plugins over a synthetic inventory of 30,000
//! distributions (30 environments of 1,000), cold (empty compile cache)
//! then warm, against two references measured in the same run:
//! - `baseline`: a plugin that returns nothing (the cost of the sandbox and
//!   of passing 30,000 records in);
//! - `native`: example-custom's rule called as plain Rust, next to the
//!   same rule run as a sandboxed plugin.
//!
//! ```text
//! cargo run --release -p fetter --example plugin_bench [-- POLICY...]
//! ```
//!
//! POLICY is anything `--policy` takes; by default every first-party plugin
//! built into fetter (allow-list gets an allow list of 50 globs).
//!
//! A plugin that takes the inventory in columns (`evaluate-columns`: the
//! Python and JavaScript SDKs) is measured both ways in the same run:
//! columns, then records (`evaluate`, what it was given before).
//!
//! Besides wall time it prints the process's CPU time per warm run (all
//! threads: steadier than wall time on a loaded machine), each plugin's
//! linear memory after its run, and the process's peak RSS during the cold
//! run (compiling) and during the warm runs alone.

use std::time::{Duration, Instant};

use fetter::diag::Sink;
use fetter::inventory::*;
use fetter::plugins::{self, Cache, LogMode, Options, PolicySpec};

const ENVIRONMENTS: usize = 30;
const PER_ENVIRONMENT: usize = 1000;
const WARM_RUNS: usize = 15;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let inventory = synthetic_inventory();
    let specs: Vec<PolicySpec> = if args.is_empty() {
        plugins::embedded::EMBEDDED
            .iter()
            .map(|e| PolicySpec::embedded(e.name).with_settings(settings_for(e.name)))
            .collect()
    } else {
        args.iter()
            .flat_map(|a| plugins::parse_policy_arg(a).unwrap_or_else(|e| panic!("{e}")))
            .map(|s| {
                let name = s.provisional_name();
                if s.settings == "{}" {
                    s.with_settings(settings_for(&name))
                } else {
                    s
                }
            })
            .collect()
    };
    let names: Vec<String> = specs.iter().map(|s| s.provisional_name()).collect();
    println!(
        "inventory: {} distributions in {} environments; plugins: {}",
        inventory.distributions.len(),
        inventory.environments.len(),
        names.join(", ")
    );
    let cache_dir = tempdir();
    let options = Options {
        cache: Cache::at(&cache_dir),
        log: LogMode::Quiet,
        // A benchmark on a loaded machine: time is measured, not limited.
        timeout: Duration::from_secs(120),
        ..Options::default()
    };

    let (cold, _) = timed_run(&inventory, &specs, &options);
    let cold_rss = peak_rss_mib();
    // The warm runs' own peak, without the compile's: give the compile's
    // freed heap back, then reset VmHWM (Linux: "5").
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory.
    unsafe {
        libc::malloc_trim(0);
    }
    let hwm_reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let mut warm = Vec::new();
    let mut cpu = Vec::new();
    let mut last = None;
    for _ in 0..WARM_RUNS {
        let before = cpu_time();
        let (t, reports) = timed_run(&inventory, &specs, &options);
        cpu.push(cpu_time().saturating_sub(before));
        warm.push(t);
        last = Some(reports);
    }
    let warm_rss = if hwm_reset { vm_hwm_mib() } else { None };
    // Plugins that take the inventory in columns (Python, JavaScript), run
    // the old way too, interleaved with the same number of runs: records.
    let any_columns = last.iter().flatten().any(|r| r.columns);
    let records = Options {
        columns: false,
        ..options.clone()
    };
    let mut old_wall = Vec::new();
    let mut old_cpu = Vec::new();
    if any_columns {
        timed_run(&inventory, &specs, &records);
        for _ in 0..WARM_RUNS {
            let before = cpu_time();
            let (t, reports) = timed_run(&inventory, &specs, &records);
            old_cpu.push(cpu_time().saturating_sub(before));
            old_wall.push(t);
            assert!(reports.iter().all(|r| !r.columns));
        }
        old_wall.sort();
        old_cpu.sort();
    }
    warm.sort();
    cpu.sort();
    println!("| what | time |\n|---|---|");
    println!("| cold: compile + run, all plugins | {} |", ms(cold));
    println!(
        "| warm (cache hit): all plugins, median of {WARM_RUNS} | {} |",
        ms(warm[WARM_RUNS / 2])
    );
    println!("| warm: all plugins, best | {} |", ms(warm[0]));
    println!(
        "| warm: CPU time of the process (all threads), median of {WARM_RUNS} | {} |",
        ms(cpu[WARM_RUNS / 2])
    );
    if any_columns {
        println!(
            "| warm, records instead of columns (`evaluate`, the path before columns), median of {WARM_RUNS} | {} |",
            ms(old_wall[WARM_RUNS / 2])
        );
        println!(
            "| warm, records instead of columns: CPU time of the process, median of {WARM_RUNS} | {} |",
            ms(old_cpu[WARM_RUNS / 2])
        );
    }
    for r in last.unwrap_or_default() {
        println!(
            "| warm: {} alone (in the parallel run), {} verdicts, {} | {} |",
            r.name,
            r.verdicts,
            if r.columns { "columns" } else { "records" },
            ms(r.elapsed)
        );
        println!(
            "| {}: linear memory after the run | {:.1} MiB |",
            r.name,
            r.memory_bytes as f64 / (1024.0 * 1024.0)
        );
    }
    println!("| peak RSS of this process: cold run (compiling) | {cold_rss:.0} MiB |");
    match warm_rss {
        Some(rss) => println!("| peak RSS of this process: warm runs | {rss:.0} MiB |"),
        None => println!("| peak RSS of this process: warm runs | not measured |"),
    }

    let hostile = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/plugins/hostile.wasm");
    let baseline = [PolicySpec::file(hostile).with_settings(r#"{"mode":"nothing"}"#)];
    timed_run(&inventory, &baseline, &options);
    let base = median(|| timed_run(&inventory, &baseline, &options).0);
    println!(
        "| reference: baseline plugin returning nothing (sandbox + 30,000 records in) | {} |",
        ms(base)
    );

    let example = [PolicySpec::file(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/example-custom.wasm"
    ))];
    timed_run(&inventory, &example, &options);
    let sandboxed = median(|| timed_run(&inventory, &example, &options).0);
    let sdk_inventory = sdk_inventory(&inventory);
    let native = median(|| {
        let t = Instant::now();
        std::hint::black_box(example_custom::evaluate(std::hint::black_box(
            &sdk_inventory,
        )));
        t.elapsed()
    });
    println!(
        "| reference: example-custom rule as native Rust | {} |",
        ms(native)
    );
    println!(
        "| reference: example-custom rule as a sandboxed plugin | {} |",
        ms(sandboxed)
    );
    let _ = std::fs::remove_dir_all(cache_dir);
}

fn timed_run(
    inv: &Inventory,
    specs: &[PolicySpec],
    options: &Options,
) -> (Duration, Vec<plugins::PluginReport>) {
    let sink = Sink::new();
    let t = Instant::now();
    let reports = plugins::evaluate(inv, specs, options, &sink);
    let elapsed = t.elapsed();
    let (_, failures) = sink.finish();
    assert!(failures.is_empty(), "a plugin failed: {failures:#?}");
    (elapsed, reports)
}

/// User + system CPU time of this process so far (all threads).
fn cpu_time() -> Duration {
    // SAFETY: getrusage writes into the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return Duration::ZERO;
    }
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// The most resident memory this process has used so far, in MiB.
fn peak_rss_mib() -> f64 {
    // SAFETY: as above.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return 0.0;
    }
    usage.ru_maxrss as f64 / 1024.0 // kilobytes on Linux
}

/// The peak resident set since the last reset (`VmHWM`), in MiB.
fn vm_hwm_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn median(mut f: impl FnMut() -> Duration) -> Duration {
    let mut v: Vec<Duration> = (0..WARM_RUNS).map(|_| f()).collect();
    v.sort();
    v[WARM_RUNS / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn settings_for(name: &str) -> String {
    match name {
        n if n.ends_with("allow-list") => {
            let globs: Vec<String> = SYLLABLES
                .iter()
                .take(50)
                .map(|s| format!("\"{s}*\""))
                .collect();
            format!("{{\"allow\": [{}]}}", globs.join(", "))
        }
        _ => "{}".into(),
    }
}

const SYLLABLES: &[&str] = &[
    "py", "data", "flask", "net", "cloud", "json", "http", "auth", "log", "yaml", "test", "async",
    "web", "sql", "graph", "tensor", "num", "plot", "crypto", "file", "task", "queue", "cache",
    "image", "text", "time", "config", "schema", "model", "stream", "socket", "parse", "build",
    "deploy", "metric", "trace", "search", "index", "mail", "shell", "form", "path", "proto",
    "rpc", "token", "vault", "storage", "event", "signal", "vector", "learn", "core",
];

/// 30 venvs of 1,000 distributions, names made of common syllables with
/// every separator style, a few installed from git; deterministic.
fn synthetic_inventory() -> Inventory {
    let mut seed: u64 = 0x5eed;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut inv = Inventory {
        schema: INVENTORY_SCHEMA.into(),
        ..Default::default()
    };
    for e in 0..ENVIRONMENTS {
        let prefix = std::path::PathBuf::from(format!("/srv/app{e}/.venv"));
        let site = prefix.join("lib/python3.12/site-packages");
        inv.environments.push(Environment {
            prefix: prefix.clone(),
            kind: EnvironmentKind::Venv,
            python_version: Some("3.12.4".into()),
            interpreters: vec![prefix.join("bin/python")],
            sites: vec![SiteRef {
                path: site.clone(),
                scope: SiteScope::Own,
            }],
            externally_managed: false,
            base_prefix: None,
            base_missing: false,
        });
        for d in 0..PER_ENVIRONMENT {
            let parts = 1 + (next() % 3) as usize;
            let sep = ["-", "_", ".", ""][(next() % 4) as usize];
            let mut name: Vec<&str> = (0..parts)
                .map(|_| SYLLABLES[(next() as usize) % SYLLABLES.len()])
                .collect();
            name.dedup();
            let name = format!(
                "{}{}",
                name.join(sep),
                if d % 7 == 0 {
                    format!("{}", d % 10)
                } else {
                    String::new()
                }
            );
            let version = format!("{}.{}.{}", next() % 5, next() % 30, next() % 10);
            let git = next() % 100 == 0;
            inv.distributions.push(Distribution {
                normalized_name: fetter::names::PackageName::new(&name),
                metadata_path: site.join(format!("{name}-{version}.dist-info")),
                name,
                parsed_version: version.parse().ok(),
                version,
                version_valid: true,
                site: site.clone(),
                metadata_kind: MetadataKind::DistInfo,
                installer: Some("pip".into()),
                requested: next() % 3 == 0,
                direct_url: git.then(|| DirectUrl {
                    url: "https://git.example.invalid/x.git".into(),
                    vcs: Some("git".into()),
                    commit_id: Some("0123456789abcdef".into()),
                    ..Default::default()
                }),
                os_package: None,
            });
        }
    }
    inv
}

/// The same inventory as the SDK's types, for the native reference.
fn sdk_inventory(inv: &Inventory) -> fetter_plugin_sdk::Inventory {
    use fetter_plugin_sdk as sdk;
    sdk::Inventory {
        environments: vec![],
        distributions: inv
            .distributions
            .iter()
            .map(|d| sdk::Distribution {
                name: d.name.clone(),
                normalized_name: d.normalized_name.to_string(),
                version: d.version.clone(),
                environments: vec![0],
                site: d.site.display().to_string(),
                installer: d.installer.clone(),
                requested: d.requested,
                direct_url: d.direct_url.as_ref().map(|u| sdk::DirectUrl {
                    url: u.url.clone(),
                    vcs: u.vcs.clone(),
                    commit_id: u.commit_id.clone(),
                    editable: u.editable,
                }),
            })
            .collect(),
    }
}

fn tempdir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("fetter-plugin-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
