//! Embed a plugin's metadata in a component built by another toolchain:
//! the same `fetter-plugin` custom section the Rust SDK writes (there in
//! the core module), appended here to the component itself, where
//! `abi::read` finds it too.

use fetter_plugin_abi::{PluginMeta, META_SECTION};

/// `component` with a `fetter-plugin` custom section holding `meta`
/// appended (custom sections may appear anywhere in a component).
pub fn append_meta(mut component: Vec<u8>, meta: &PluginMeta) -> Vec<u8> {
    let data = serde_json::to_vec(meta).expect("metadata serializes");
    let mut payload = Vec::new();
    leb128(&mut payload, META_SECTION.len() as u64);
    payload.extend_from_slice(META_SECTION.as_bytes());
    payload.extend_from_slice(&data);
    component.push(0); // custom section id
    leb128(&mut component, payload.len() as u64);
    component.extend_from_slice(&payload);
    component
}

fn leb128(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_host_reads_the_appended_section() {
        // A Rust plugin has its own section: the first one is what counts,
        // so strip nothing and check the reader sees a well-formed
        // component with the section (an embedded plugin).
        let bytes = crate::plugins::embedded::find("deprecated-names")
            .unwrap()
            .bytes
            .to_vec();
        let meta = PluginMeta {
            name: "x".repeat(200),
            version: "1.0.0".into(),
            abi: fetter_plugin_abi::ABI_VERSION.into(),
            description: "d".into(),
            settings_help: String::new(),
        };
        let out = append_meta(bytes, &meta);
        let declared = crate::plugins::abi::inspect(&out).unwrap();
        assert_eq!(declared.meta.unwrap().name, "deprecated-names");
        let mut count = 0;
        for p in wasmparser::Parser::new(0).parse_all(&out) {
            if let wasmparser::Payload::CustomSection(s) = p.unwrap() {
                if s.name() == META_SECTION && s.data().starts_with(b"{\"name\":\"xxx") {
                    count += 1;
                }
            }
        }
        assert_eq!(count, 1);
    }
}
