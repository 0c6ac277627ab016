//! First-party plugins built into the binary, so `--policy NAME` works from
//! an installed fetter with no files around.
//!
//! Each is the committed `plugins/<name>.wasm` (built by
//! `cargo run -p fetter-plugin-build`). To add one, build it and add a line
//! to [`EMBEDDED`].

/// A plugin compiled into the binary.
#[derive(Debug, Clone, Copy)]
pub struct Embedded {
    /// The name `--policy` and manifests use.
    pub name: &'static str,
    /// The component.
    pub bytes: &'static [u8],
}

/// Every first-party plugin, by name.
pub const EMBEDDED: &[Embedded] = &[Embedded {
    name: "example-custom",
    bytes: include_bytes!("../../../plugins/example-custom.wasm"),
}];

/// The embedded plugin called `name`.
pub fn find(name: &str) -> Option<Embedded> {
    EMBEDDED.iter().copied().find(|e| e.name == name)
}

/// The names of every embedded plugin, for error messages.
pub fn names() -> Vec<&'static str> {
    EMBEDDED.iter().map(|e| e.name).collect()
}
