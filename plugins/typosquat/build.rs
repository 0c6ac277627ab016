//! Build the lookup tables over the embedded top-PyPI list once, here,
//! with the same index code the plugin runs (the `fetter-typosquat-index`
//! crate, a dependency and a build-dependency), so the plugin loads them instead of
//! building them in the sandbox on every run (see `src/prebuilt.rs`).

use fetter_typosquat_index::{corpus, index, packed};

fn main() {
    // The index crate is a build-dependency: cargo reruns this when it
    // changes; otherwise only when this file does.
    println!("cargo:rerun-if-changed=build.rs");
    let top = corpus::top_pypi();
    let index = index::Index::build(top, &[]);
    // Magic, then the name count as a u64 so the tables start 8-byte
    // aligned: the plugin reads them in place (see index/src/table.rs).
    let mut out = b"FTSQTB03".to_vec();
    out.extend_from_slice(&(index.protected.len() as u64).to_le_bytes());
    index.tables.encode(&mut out);
    let dir = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
    };
    write("top-pypi-tables.bin", &out);
    // The names with their derived strings, packed, so the plugin
    // borrows them instead of normalising 15,000 names per run.
    let (records, text) = packed::encode(&index.protected, &index.skeletons, &index.forms);
    write("top-pypi-corpus.bin", &records);
    write("top-pypi-corpus.txt", text.as_bytes());
}
