//! First-party plugins built into the binary, so `--policy NAME` works from
//! an installed fetter with no files around.
//!
//! Each is a committed `plugins/<name>.wasm` (built by
//! `cargo run -p fetter-plugin-build`); `engine/build.rs` lists every such
//! file, so adding a first-party plugin is building it and committing the
//! `.wasm`, with no code change.

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

/// Every first-party plugin, by name.
pub const EMBEDDED: &[Embedded] = include!(concat!(env!("OUT_DIR"), "/embedded_plugins.rs"));

/// The embedded plugin called `name`.
pub fn find(name: &str) -> Option<Embedded> {
    EMBEDDED.iter().copied().find(|e| e.name == name)
}

/// The names of every embedded plugin, for error messages.
pub fn names() -> Vec<&'static str> {
    EMBEDDED.iter().map(|e| e.name).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_committed_plugin_is_embedded() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../plugins");
        let on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .filter_map(|e| {
                e.file_name()
                    .to_string_lossy()
                    .strip_suffix(".wasm")
                    .map(String::from)
            })
            .collect();
        assert!(on_disk.contains(&"example-custom".to_string()));
        for name in &on_disk {
            let e = super::find(name).unwrap_or_else(|| panic!("{name} not embedded"));
            assert!(e.bytes.starts_with(b"\0asm"));
            assert_eq!(e.sha256, crate::plugins::sha256_hex(e.bytes), "{name}");
        }
    }
}
