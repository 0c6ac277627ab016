//! Embed every first-party plugin: each `<name>.wasm` in this package's
//! directory (built by `cargo run -p fetter-plugin-build` and committed)
//! becomes an entry of `EMBEDDED`, so adding a plugin needs no code change.
//! Nothing outside the package is read, so it packages alone.

use std::fmt::Write as _;
use std::path::Path;

use sha2::{Digest, Sha256};

fn main() {
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo");
    let plugins = Path::new(&manifest_dir);
    println!("cargo:rerun-if-changed={}", plugins.display());
    let mut names: Vec<String> = std::fs::read_dir(plugins)
        .map(|rd| {
            rd.flatten()
                .filter_map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    let stem = name.strip_suffix(".wasm")?.to_string();
                    e.file_type().ok()?.is_file().then_some(stem)
                })
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut table = String::from("&[\n");
    for name in &names {
        let path = plugins.join(format!("{name}.wasm"));
        println!("cargo:rerun-if-changed={}", path.display());
        let path = path.canonicalize().expect("plugin file exists");
        // Hashed here, not on every run: the cache key of a 5 MB plugin
        // cost ~5 ms of each `validate`.
        let bytes = std::fs::read(&path).expect("plugin file is readable");
        let sha256: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        writeln!(
            table,
            "    Embedded {{ name: {name:?}, bytes: include_bytes!({:?}), sha256: {sha256:?} }},",
            path.display().to_string()
        )
        .unwrap();
    }
    table.push(']');
    let out =
        Path::new(&std::env::var("OUT_DIR").expect("set by cargo")).join("embedded_plugins.rs");
    std::fs::write(out, table).expect("write the embedded plugin table");
}
