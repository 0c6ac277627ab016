//! What a plugin's bytes declare, read without compiling or running them:
//! whether it is a component at all, its ABI version (from the version of
//! the `fetter:policy/evaluator` interface it exports), what it imports, and
//! the metadata custom section the SDK writes.

use fetter_plugin_abi::{interface_version, EVALUATOR_INTERFACE, HOST_INTERFACE};
use semver::Version;
use wasmparser::{Parser, Payload};

use super::diags::PluginError;

/// The plugin ABI this host implements (the `fetter-plugin-abi` crate's
/// version, shared with the SDK the plugins are built with).
pub use fetter_plugin_abi::ABI_VERSION as HOST_ABI;
/// The metadata custom section: its name and its JSON object.
pub use fetter_plugin_abi::{PluginMeta, META_SECTION};

/// What the bytes of a plugin declare.
#[derive(Debug, Clone)]
pub struct Declared {
    /// ABI version, from the evaluator export's version.
    pub abi: Version,
    /// Every top-level import name.
    pub imports: Vec<String>,
    /// Every top-level export name (`fetter:policy/evaluator@1.0.0`).
    pub exports: Vec<String>,
    /// The metadata section, when present and readable.
    pub meta: Option<PluginMeta>,
}

/// Read what `bytes` declare and check they are a component this host can
/// run: the evaluator interface exported with an ABI of the host's major
/// version, and nothing imported but the host's `log` interface.
pub fn inspect(bytes: &[u8]) -> Result<Declared, PluginError> {
    let declared = read(bytes)?;
    check_abi(&declared.abi)?;
    for import in &declared.imports {
        let allowed = interface_version(import, HOST_INTERFACE)
            .and_then(|v| Version::parse(v).ok())
            .is_some_and(|v| check_abi(&v).is_ok());
        if !allowed {
            return Err(PluginError::ForbiddenImport {
                import: import.clone(),
                advice: super::imports::removal_advice(import),
            });
        }
    }
    Ok(declared)
}

/// Parse without judging: component-ness, exports, imports, metadata.
pub fn read(bytes: &[u8]) -> Result<Declared, PluginError> {
    if !bytes.starts_with(b"\0asm") {
        return Err(PluginError::NotWasm);
    }
    if !wasmparser::Parser::is_component(bytes) {
        return Err(PluginError::NotAComponent);
    }
    let mut depth = 0usize;
    let mut abi = None;
    let mut imports = Vec::new();
    let mut exports = Vec::new();
    let mut meta = None;
    for payload in Parser::new(0).parse_all(bytes) {
        let payload = payload.map_err(|e| PluginError::Malformed(e.to_string()))?;
        match payload {
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => depth += 1,
            Payload::End(_) => depth = depth.saturating_sub(1),
            Payload::ComponentImportSection(reader) if depth == 0 => {
                for import in reader {
                    let import = import.map_err(|e| PluginError::Malformed(e.to_string()))?;
                    imports.push(import.name.name.to_string());
                }
            }
            Payload::ComponentExportSection(reader) if depth == 0 => {
                for export in reader {
                    let export = export.map_err(|e| PluginError::Malformed(e.to_string()))?;
                    exports.push(export.name.name.to_string());
                    if let Some(v) = interface_version(export.name.name, EVALUATOR_INTERFACE) {
                        let v = Version::parse(v).map_err(|e| {
                            PluginError::Malformed(format!(
                                "bad ABI version {v:?} in its export name: {e}"
                            ))
                        })?;
                        abi = Some(v);
                    }
                }
            }
            // The SDK puts the section in the core module, nested one level down.
            Payload::CustomSection(section) if section.name() == META_SECTION && meta.is_none() => {
                meta = serde_json::from_slice(section.data()).ok();
            }
            _ => {}
        }
    }
    let abi = abi.ok_or(PluginError::NoEvaluator)?;
    Ok(Declared {
        abi,
        imports,
        exports,
        meta,
    })
}

/// Same major as the host: accepted (minor versions only add host
/// functions); any other major: refused, naming both versions.
pub fn check_abi(plugin: &Version) -> Result<(), PluginError> {
    let host = host_abi();
    if plugin.major == host.major {
        Ok(())
    } else {
        Err(PluginError::AbiMismatch {
            plugin: plugin.to_string(),
            host: host.to_string(),
        })
    }
}

/// [`HOST_ABI`] parsed.
pub fn host_abi() -> Version {
    Version::parse(HOST_ABI).expect("HOST_ABI is semver")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_abi_is_the_wit_package_version() {
        // The host's bindings are generated from this file (host.rs).
        let wit = include_str!("../../../plugin-sdk/wit/policy.wit");
        assert!(
            wit.contains(&format!("package fetter:policy@{HOST_ABI};")),
            "HOST_ABI and policy.wit disagree"
        );
    }

    #[test]
    fn reads_an_embedded_plugin() {
        let bytes = super::super::embedded::find("deprecated-names")
            .unwrap()
            .bytes;
        let d = inspect(bytes).unwrap();
        assert_eq!(d.abi.major, 1);
        assert_eq!(d.imports, vec![fetter_plugin_abi::HOST_IMPORT.to_string()]);
        let meta = d.meta.unwrap();
        assert_eq!(meta.name, "deprecated-names");
        assert_eq!(meta.abi, HOST_ABI);
    }

    #[test]
    fn refuses_what_is_not_a_component() {
        assert!(matches!(read(b"hello"), Err(PluginError::NotWasm)));
        let core = b"\0asm\x01\0\0\0";
        assert!(matches!(read(core), Err(PluginError::NotAComponent)));
        assert!(matches!(
            check_abi(&Version::new(2, 0, 0)),
            Err(PluginError::AbiMismatch { .. })
        ));
        assert!(check_abi(&Version::new(1, 7, 0)).is_ok());
    }
}
