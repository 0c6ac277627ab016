//! The plugin metadata custom section, so `fetter plugin info` can describe
//! a plugin without running it.
//!
//! [`export_plugin!`](crate::export_plugin) emits a custom section named
//! [`META_SECTION`](crate::META_SECTION) (`fetter-plugin`) into the core
//! module, holding one JSON object:
//!
//! ```json
//! {"name":"typosquat","version":"0.1.0","abi":"1.0.0",
//!  "description":"…","settings-help":"…"}
//! ```
//!
//! The JSON is built at compile time by the `const fn`s below, because a
//! `#[link_section]` static must be a plain byte array; its shape is
//! [`PluginMeta`], which the host deserializes.

pub use fetter_plugin_abi::PluginMeta;

/// The keys of the metadata object, in the order of the `fields` arguments:
/// those of the host's [`PluginMeta`], which reads it back.
pub const KEYS: [&str; 5] = PluginMeta::KEYS;

/// Length in bytes of the JSON object [`encode`] writes for `fields`.
pub const fn encoded_len(fields: &[&str; 5]) -> usize {
    // `{` + `}` + separating commas, then `"key":"value"` per field.
    let mut len = 2 + (KEYS.len() - 1);
    let mut i = 0;
    while i < KEYS.len() {
        len += escaped_len(KEYS[i]) + 3 + escaped_len(fields[i]) + 2;
        i += 1;
    }
    len
}

/// The JSON object for `fields` (`N` must be [`encoded_len`]`(fields)`).
pub const fn encode<const N: usize>(fields: &[&str; 5]) -> [u8; N] {
    let mut out = [0u8; N];
    let mut at = 0;
    out[at] = b'{';
    at += 1;
    let mut i = 0;
    while i < KEYS.len() {
        if i > 0 {
            out[at] = b',';
            at += 1;
        }
        at = write_string(&mut out, at, KEYS[i]);
        out[at] = b':';
        at += 1;
        at = write_string(&mut out, at, fields[i]);
        i += 1;
    }
    out[at] = b'}';
    at += 1;
    assert!(at == N, "encode: N is not encoded_len(fields)");
    out
}

const fn escaped_len(s: &str) -> usize {
    let b = s.as_bytes();
    let mut len = 0;
    let mut i = 0;
    while i < b.len() {
        len += match b[i] {
            b'"' | b'\\' | b'\n' | b'\r' | b'\t' => 2,
            c if c < 0x20 => 6,
            _ => 1,
        };
        i += 1;
    }
    len
}

const fn write_string<const N: usize>(out: &mut [u8; N], mut at: usize, s: &str) -> usize {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out[at] = b'"';
    at += 1;
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let escape = match c {
            b'"' => b'"',
            b'\\' => b'\\',
            b'\n' => b'n',
            b'\r' => b'r',
            b'\t' => b't',
            _ => 0,
        };
        if escape != 0 {
            out[at] = b'\\';
            out[at + 1] = escape;
            at += 2;
        } else if c < 0x20 {
            let u = *b"\\u00";
            out[at] = u[0];
            out[at + 1] = u[1];
            out[at + 2] = u[2];
            out[at + 3] = u[3];
            out[at + 4] = HEX[(c >> 4) as usize];
            out[at + 5] = HEX[(c & 15) as usize];
            at += 6;
        } else {
            out[at] = c;
            at += 1;
        }
        i += 1;
    }
    out[at] = b'"';
    at + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_valid_json() {
        const F: [&str; 5] = [
            "t\"q",
            "0.1.0",
            "1.0.0",
            "line\nnext\\ é",
            "tab\there \u{1}",
        ];
        const LEN: usize = encoded_len(&F);
        static BYTES: [u8; LEN] = encode::<LEN>(&F);
        // Read back as the host reads it: every field where it belongs.
        let meta: PluginMeta = serde_json::from_slice(&BYTES).unwrap();
        assert_eq!(
            meta,
            PluginMeta {
                name: "t\"q".into(),
                version: "0.1.0".into(),
                abi: "1.0.0".into(),
                description: "line\nnext\\ é".into(),
                settings_help: "tab\there \u{1}".into(),
            }
        );
    }

    #[test]
    fn abi_version_is_the_wit_package_version() {
        // The bindings (bindings.rs) are generated from this file; the
        // metadata's `abi` and the host's check come from ABI_VERSION.
        let wit = include_str!("../wit/policy.wit");
        assert!(
            wit.contains(&format!(
                "\npackage fetter:policy@{};\n",
                crate::ABI_VERSION
            )),
            "ABI_VERSION (fetter-plugin-abi) and wit/policy.wit disagree"
        );
    }
}
