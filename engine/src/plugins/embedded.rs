//! First-party plugins built into the binary, so `--policy NAME` works from
//! an installed fetter with no files around.
//!
//! The table is the `fetter-plugins` crate (`plugins/`: the committed
//! `plugins/<name>.wasm`, built by `cargo run -p fetter-plugin-build`), so
//! the engine reads no file outside its own package when it is built.

pub use fetter_plugins::{Embedded, EMBEDDED};

/// The example plugin, which is not built in: `examples/example-custom/`,
/// built to `examples/example-custom.wasm`.
pub const EXAMPLE: &str = "example-custom";

/// The embedded plugin called `name`.
pub fn find(name: &str) -> Option<Embedded> {
    EMBEDDED.iter().copied().find(|e| e.name == name)
}

/// The names of every embedded plugin, for error messages.
pub fn names() -> Vec<&'static str> {
    EMBEDDED.iter().map(|e| e.name).collect()
}

/// Why `name` is not a first-party plugin, for an error message that
/// starts with what the user wrote (`--policy "x"`, a manifest's plugin):
/// the built-in names, and for the example plugin how to load it from its
/// file instead.
pub fn not_built_in(name: &str) -> String {
    if name == EXAMPLE {
        return format!(
            "{EXAMPLE:?} is the example plugin, not a built-in one; load it from its file: \
             build it with `cargo run -p fetter-plugin-build -- {EXAMPLE}` in a fetter checkout, \
             then give `--policy examples/{EXAMPLE}.wasm` (or `path = \"examples/{EXAMPLE}.wasm\"` \
             in a policy manifest) (built in: {})",
            names().join(", ")
        );
    }
    format!(
        "not a first-party plugin (built in: {})",
        names().join(", ")
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_example_is_not_built_in_and_says_how_to_load_it() {
        assert!(super::find(super::EXAMPLE).is_none());
        let e = super::not_built_in(super::EXAMPLE);
        assert!(e.contains("examples/example-custom.wasm"), "{e}");
        assert!(super::not_built_in("nope").contains("typosquat"));
        for e in super::EMBEDDED {
            assert_eq!(e.sha256, crate::plugins::sha256_hex(e.bytes), "{}", e.name);
        }
    }
}
