//! A single plugin as an OCI artifact in the CNCF WebAssembly layout
//! (the TAG Runtime Wasm working group's "Wasm OCI Artifact layout"):
//! an OCI image manifest whose config has the media type
//! `application/vnd.wasm.config.v0+json` and whose only layer is the
//! component's bytes, `application/wasm`. Other wasm tooling (wkg, oras,
//! wasmCloud's `oci-wasm`, containerd's runwasi) reads it as a component.
//!
//! fetter writes it (`fetter plugin push`) and recognises it: `policy pull`
//! refuses it as not a policy bundle ([`super::bundle::check`]).

use std::borrow::Cow;
use std::collections::HashMap;

use oci_spec::image::{ImageManifestBuilder, MediaType};
use serde::{Deserialize, Serialize};

use super::bundle::{descriptor, Artifact, LayerInfo};
use super::{
    digest_of, OciError, TITLE_ANNOTATION, WASM_CONFIG_MEDIA_TYPE, WASM_LIMIT, WASM_MEDIA_TYPE,
};

/// The config's `architecture`: always `wasm`.
pub const WASM_ARCHITECTURE: &str = "wasm";
/// The config's `os` for a component (`wasip1` is for core modules, which
/// fetter does not run).
pub const COMPONENT_OS: &str = "wasip2";

/// The config blob (`application/vnd.wasm.config.v0+json`), field names as
/// the CNCF layout spells them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WasmConfig {
    /// When the artifact was made (RFC 3339, UTC).
    pub created: String,
    /// Who made it, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// Always [`WASM_ARCHITECTURE`].
    pub architecture: String,
    /// [`COMPONENT_OS`] for a component.
    pub os: String,
    /// The digest of each layer, in manifest order.
    pub layer_digests: Vec<String>,
    /// What the component exports and imports (required with `wasip2`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component: Option<Component>,
}

/// The component's interface, as its top-level import and export names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Component {
    /// Exported names (`fetter:policy/evaluator@1.0.0`).
    pub exports: Vec<String>,
    /// Imported names (`fetter:policy/host@1.0.0`, or none).
    pub imports: Vec<String>,
    /// The world it targets (`fetter:policy/policy@1.0.0`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

/// Pack one plugin: `bytes` (named `label` in errors, titled `title` in
/// the layer's annotation), made at `created` (RFC 3339) by `author`.
///
/// A plugin fetter could not run is refused here, before anything is
/// uploaded: not a component, no compatible evaluator export, an import
/// other than `fetter:policy/host`, or larger than a pull would accept.
pub fn build(
    label: &str,
    title: &str,
    bytes: Cow<'static, [u8]>,
    created: &str,
    author: Option<&str>,
) -> Result<Artifact, OciError> {
    if bytes.len() as u64 > WASM_LIMIT {
        return Err(OciError::TooLarge {
            what: label.to_string(),
            size: bytes.len() as u64,
            limit: WASM_LIMIT,
        });
    }
    let declared = crate::plugins::abi::inspect(&bytes).map_err(|e| {
        OciError::bundle(
            label,
            format!("{e}; refusing to publish a plugin fetter would not run"),
        )
    })?;
    let layer = LayerInfo {
        path: title.to_string(),
        media_type: WASM_MEDIA_TYPE.into(),
        digest: digest_of(&bytes),
        size: bytes.len() as u64,
    };
    let config = WasmConfig {
        created: created.to_string(),
        author: author.map(String::from),
        architecture: WASM_ARCHITECTURE.into(),
        os: COMPONENT_OS.into(),
        layer_digests: vec![layer.digest.clone()],
        component: Some(Component {
            exports: declared.exports.clone(),
            imports: declared.imports.clone(),
            target: Some(format!("fetter:policy/policy@{}", declared.abi)),
        }),
    };
    let config = serde_json::to_vec(&config).map_err(|e| OciError::bundle(label, e))?;
    let mut layer_annotations = HashMap::new();
    layer_annotations.insert(TITLE_ANNOTATION.to_string(), title.to_string());
    let mut annotations = HashMap::new();
    let meta = declared.meta.clone().unwrap_or_default();
    let name = if meta.name.is_empty() {
        title.trim_end_matches(".wasm").to_string()
    } else {
        meta.name.clone()
    };
    annotations.insert(TITLE_ANNOTATION.to_string(), name);
    annotations.insert(
        "org.opencontainers.image.created".to_string(),
        created.to_string(),
    );
    for (key, value) in [
        ("org.opencontainers.image.version", &meta.version),
        ("org.opencontainers.image.description", &meta.description),
    ] {
        if !value.is_empty() {
            annotations.insert(key.to_string(), value.clone());
        }
    }
    if let Some(a) = author {
        annotations.insert(
            "org.opencontainers.image.authors".to_string(),
            a.to_string(),
        );
    }
    let manifest = ImageManifestBuilder::default()
        .schema_version(2u32)
        .media_type(MediaType::ImageManifest)
        .config(descriptor(
            WASM_CONFIG_MEDIA_TYPE,
            &digest_of(&config),
            config.len() as u64,
            HashMap::new(),
        )?)
        .layers(vec![descriptor(
            &layer.media_type,
            &layer.digest,
            layer.size,
            layer_annotations,
        )?])
        .annotations(annotations)
        .build()
        .map_err(|e| OciError::bundle(label, e))?;
    let manifest = super::canonical_json(&manifest).map_err(|e| OciError::bundle(label, e))?;
    Ok(Artifact {
        manifest,
        config,
        layers: vec![(layer, bytes)],
    })
}

/// The `created` time of a push: `$SOURCE_DATE_EPOCH` when set (so a
/// reproducible build pushes the same digest twice), else now.
pub fn created_now() -> Result<String, OciError> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(v) if !v.is_empty() => v
            .trim()
            .parse::<u64>()
            .map(crate::timefmt::rfc3339)
            .map_err(|_| {
                OciError::bundle(
                    "SOURCE_DATE_EPOCH",
                    format!("{v:?} is not a number of seconds since the epoch"),
                )
            }),
        _ => Ok(crate::timefmt::utc_now()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_core_module_is_refused_before_anything_is_packed() {
        // The smallest core module: magic and version.
        let module = b"\0asm\x01\0\0\0".to_vec();
        let e = build(
            "m.wasm",
            "m.wasm",
            Cow::Owned(module),
            "2026-01-01T00:00:00Z",
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("m.wasm") && e.contains("refusing to publish"),
            "{e}"
        );
    }

    #[test]
    fn the_config_uses_the_cncf_field_names() {
        let c = WasmConfig {
            created: "2026-01-01T00:00:00Z".into(),
            author: None,
            architecture: WASM_ARCHITECTURE.into(),
            os: COMPONENT_OS.into(),
            layer_digests: vec![digest_of(b"x")],
            component: Some(Component {
                exports: vec!["a:b/c@1.0.0".into()],
                imports: vec![],
                target: None,
            }),
        };
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(v["layerDigests"][0], digest_of(b"x"));
        assert_eq!(v["component"]["exports"][0], "a:b/c@1.0.0");
        assert!(v.get("author").is_none() && v["component"].get("target").is_none());
    }
}
