//! What running a policy from the store adds over running local files:
//! the work before the plugins run, side by side in one process.
//!
//! - reference: `--policy acme.toml` — parse the manifest on disk;
//! - store: `--policy oci://…@sha256:…` — read and re-check the stored
//!   manifest, config and TOML against their digests, map the plugins
//!   onto their layers;
//! - lock: `--policy fetter.lock` — read the lock, then as the store.
//!
//! The plugins then run from the same bytes either way (the compile cache
//! is keyed by their sha256), so this difference is the whole cost.
//!
//! `cargo run --release -p fetter --example policy_store_bench [-- ITERATIONS]`

use std::path::Path;
use std::time::Instant;

use fetter::oci::lock::{Lock, Locked};
use fetter::oci::store::{Entry, Store};
use fetter::oci::{bundle, source, Reference};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(500);
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = tempfile::tempdir().unwrap();
    let pol = dir.path().join("policy");
    std::fs::create_dir_all(pol.join("plugins")).unwrap();
    for p in ["typosquat", "deprecated-names", "allow-list"] {
        std::fs::copy(
            repo.join(format!("plugins/{p}.wasm")),
            pol.join(format!("plugins/{p}.wasm")),
        )
        .unwrap();
    }
    let manifest = pol.join("acme.toml");
    std::fs::write(
        &manifest,
        "name = \"acme\"\nversion = \"1\"\n[[plugin]]\npath = \"plugins/typosquat.wasm\"\n[[plugin]]\npath = \"plugins/deprecated-names.wasm\"\n[[plugin]]\npath = \"plugins/allow-list.wasm\"\n[plugin.settings]\nallow = [\"requests>=2\", \"django*\"]\n",
    )
    .unwrap();

    // A store holding the bundle, as `fetter policy pull` leaves it.
    let artifact = bundle::build(&manifest, None).unwrap();
    let store = Store::at(dir.path().join("store"));
    for b in artifact.blobs() {
        store.put_blob(b).unwrap();
    }
    store.put_blob(&artifact.manifest).unwrap();
    let digest = artifact.digest();
    let reference = Reference::parse(&format!("oci://registry.example/sec/acme@{digest}")).unwrap();
    store
        .record(&[Entry {
            name: reference.pinned(&digest),
            digest: digest.clone(),
            size: artifact.manifest.len() as u64,
            verified_at: Some(0),
        }])
        .unwrap();
    let lock_path = dir.path().join("fetter.lock");
    let mut lock = Lock::load(&lock_path).unwrap();
    lock.upsert(Locked {
        source: "oci://registry.example/sec/acme:v1".into(),
        manifest_digest: digest.clone(),
        pulled_at: "2026-01-01T00:00:00Z".into(),
        signer: None,
        key_fingerprint: None,
        layers: artifact.layers.iter().map(|(l, _)| l.clone()).collect(),
    });
    lock.save(&lock_path).unwrap();

    let (mut local, mut stored, mut locked) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..n {
        let t = Instant::now();
        let specs = fetter::plugins::cfg::load(&manifest).unwrap().plugins;
        local.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(specs.len(), 3);

        let t = Instant::now();
        let r = source::run_from(&store, &reference, &digest, None).unwrap();
        stored.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(r.specs.len(), 3);

        let t = Instant::now();
        let lock = Lock::load_existing(&lock_path).unwrap();
        let b = &lock.bundles[0];
        let r = source::run_from(
            &store,
            &Reference::parse(&b.source).unwrap(),
            &b.manifest_digest,
            None,
        )
        .unwrap();
        locked.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(r.specs.len(), 3);
    }
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    println!("| resolving the policy before the plugins run ({profile} build, {n} runs) | median (ms) | added (ms) |");
    println!("|---|---:|---:|");
    let base = median(local.clone());
    for (name, v) in [
        ("--policy acme.toml (local files, reference)", local),
        ("--policy oci://…@sha256 (from the store)", stored),
        ("--policy fetter.lock (lock, then the store)", locked),
    ] {
        let m = median(v);
        println!("| {name} | {m:.3} | {:+.3} |", m - base);
    }
}
