//! fetter's first-party policy plugins, compiled in, so `--policy NAME`
//! works from an installed fetter with no files around.
//!
//! Each is a committed `<name>.wasm` in this package's directory (built
//! from the crate `<name>/` beside it by `cargo run -p fetter-plugin-build`);
//! `build.rs` lists every such file, so adding a first-party plugin is
//! building it and committing the `.wasm`, with no code change. The engine
//! reads the table as `fetter::plugins::embedded`.

/// A plugin compiled into the binary.
#[derive(Debug, Clone, Copy)]
pub struct Embedded {
    /// The name `--policy` and manifests use.
    pub name: &'static str,
    /// The component.
    pub bytes: &'static [u8],
    /// Lowercase hex sha256 of `bytes`, computed at build time.
    pub sha256: &'static str,
}

/// Every first-party plugin, sorted by name.
pub const EMBEDDED: &[Embedded] = include!(concat!(env!("OUT_DIR"), "/embedded_plugins.rs"));

#[cfg(test)]
mod tests {
    #[test]
    fn every_committed_plugin_is_embedded() {
        let dir = env!("CARGO_MANIFEST_DIR");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .filter_map(|e| {
                e.file_name()
                    .to_string_lossy()
                    .strip_suffix(".wasm")
                    .map(String::from)
            })
            .collect();
        on_disk.sort();
        assert_eq!(on_disk, ["allow-list", "deprecated-names", "typosquat"]);
        let embedded: Vec<&str> = super::EMBEDDED.iter().map(|e| e.name).collect();
        assert_eq!(embedded, on_disk);
        for e in super::EMBEDDED {
            assert!(e.bytes.starts_with(b"\0asm"), "{}", e.name);
        }
    }
}
