//! The artifact: one OCI image manifest per policy bundle.
//!
//! - config `application/vnd.fetter.policy.config.v1+json`: name,
//!   version, `requires-fetter`, the plugin ABI, an optional revision;
//! - one `application/vnd.fetter.policy.v1+toml` layer: the manifest TOML,
//!   byte for byte (settings, `fail-on` and pins travel unchanged);
//! - one `application/wasm` layer per plugin, titled with its `path` in
//!   the manifest; first-party plugins are packed too (titled
//!   `builtin/NAME.wasm`, annotated with their name), so every machine runs
//!   the same code whatever fetter it has. A layer's digest is the sha256
//!   `fetter plugin info` prints.
//!
//! [`build`] makes one from a manifest file; [`check`] vets a manifest from
//! a registry or a tarball before any blob is fetched; [`plugins_of`] maps
//! the manifest's plugins onto the layers, for checking a pulled bundle and
//! for running a stored one.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use oci_spec::image::{Descriptor, ImageManifest, ImageManifestBuilder, MediaType};
use serde::{Deserialize, Serialize};

use super::{
    digest_of, OciError, BUILTIN_ANNOTATION, BUNDLE_LIMIT, CONFIG_MEDIA_TYPE, POLICY_MEDIA_TYPE,
    SMALL_BLOB_LIMIT, TITLE_ANNOTATION, WASM_LIMIT, WASM_MEDIA_TYPE,
};
use crate::plugins::{cfg, embedded, PluginSource, PolicySpec};

/// The title of the manifest TOML layer.
pub const POLICY_TITLE: &str = "policy.toml";

/// The config blob.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct BundleConfig {
    /// The policy's name.
    pub name: String,
    /// The policy's version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The manifest's semver requirement on fetter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requires_fetter: Option<String>,
    /// The plugin ABI of the fetter that packed it.
    pub abi: String,
    /// Where the policy came from (a VCS revision), if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
}

/// One layer, as `fetter.lock` and `inspect` describe it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct LayerInfo {
    /// Its path in the bundle (`policy.toml`, `plugins/no-git.wasm`, `builtin/typosquat.wasm`).
    pub path: String,
    /// Its media type.
    pub media_type: String,
    /// `sha256:…`.
    pub digest: String,
    /// Its size in bytes.
    pub size: u64,
}

/// A bundle ready to push: the manifest and every blob it names.
#[derive(Debug, Clone)]
pub struct Artifact {
    /// The manifest JSON (its digest pins the bundle).
    pub manifest: Vec<u8>,
    /// The config blob.
    pub config: Vec<u8>,
    /// The layers' descriptions and bytes, in manifest order.
    pub layers: Vec<(LayerInfo, Cow<'static, [u8]>)>,
}

impl Artifact {
    /// The manifest's digest.
    pub fn digest(&self) -> String {
        digest_of(&self.manifest)
    }

    /// Every blob (config first), for pushing or storing.
    pub fn blobs(&self) -> impl Iterator<Item = &[u8]> {
        std::iter::once(self.config.as_slice()).chain(self.layers.iter().map(|(_, b)| b.as_ref()))
    }
}

/// Pack the manifest at `path` and the plugins it names.
pub fn build(path: &Path, revision: Option<&str>) -> Result<Artifact, OciError> {
    let text = crate::fsutil::read_small_text(path).map_err(|e| OciError::file(path, e))?;
    let parsed = cfg::parse(path, &text).map_err(OciError::Manifest)?;
    #[derive(Deserialize)]
    struct Top {
        #[serde(rename = "requires-fetter")]
        requires_fetter: Option<String>,
    }
    let top: Top = toml::from_str(&text).map_err(|e| OciError::file(path, e.message()))?;
    let base = path.parent().unwrap_or(Path::new(""));
    let mut layers: Vec<(LayerInfo, Cow<'static, [u8]>)> = vec![(
        LayerInfo {
            path: POLICY_TITLE.into(),
            media_type: POLICY_MEDIA_TYPE.into(),
            digest: digest_of(text.as_bytes()),
            size: text.len() as u64,
        },
        Cow::Owned(text.clone().into_bytes()),
    )];
    for spec in &parsed.plugins {
        let (title, bytes): (String, Cow<'static, [u8]>) = match &spec.source {
            PluginSource::Embedded(n) => {
                let e = embedded::find(n).ok_or_else(|| {
                    OciError::bundle(path.display(), format!("no first-party plugin {n:?}"))
                })?;
                (builtin_title(n), Cow::Borrowed(e.bytes))
            }
            PluginSource::File(p) => {
                let rel = p
                    .strip_prefix(base)
                    .unwrap_or(p)
                    .to_string_lossy()
                    .into_owned();
                let bytes =
                    crate::fsutil::read_capped(p, WASM_LIMIT).map_err(|e| OciError::file(p, e))?;
                (rel, Cow::Owned(bytes))
            }
        };
        let digest = digest_of(&bytes);
        if let Some(pin) = &spec.sha256 {
            if digest != format!("sha256:{pin}") {
                return Err(OciError::Digest {
                    what: format!("{}: plugin {title}", path.display()),
                    expected: format!("sha256:{pin}"),
                    actual: digest,
                });
            }
        }
        // A plugin this fetter could not run must not be published.
        crate::plugins::abi::inspect(&bytes)
            .map_err(|e| OciError::bundle(format!("{}: plugin {title}", path.display()), e))?;
        if layers.iter().any(|(l, _)| l.path == title) {
            continue;
        }
        layers.push((
            LayerInfo {
                path: title,
                media_type: WASM_MEDIA_TYPE.into(),
                digest,
                size: bytes.len() as u64,
            },
            bytes,
        ));
    }
    let config = BundleConfig {
        name: parsed.name.clone(),
        version: Some(parsed.version.clone()).filter(|v| !v.is_empty()),
        requires_fetter: top.requires_fetter,
        abi: crate::plugins::abi::HOST_ABI.to_string(),
        revision: revision.map(String::from),
    };
    let config = serde_json::to_vec(&config).map_err(|e| OciError::file(path, e))?;
    let descriptors = layers
        .iter()
        .map(|(l, _)| descriptor(&l.media_type, &l.digest, l.size, layer_annotations(l)))
        .collect::<Result<Vec<_>, _>>()?;
    let mut annotations = HashMap::new();
    annotations.insert(TITLE_ANNOTATION.to_string(), parsed.name.clone());
    if !parsed.version.is_empty() {
        annotations.insert(
            "org.opencontainers.image.version".to_string(),
            parsed.version.clone(),
        );
    }
    let manifest = ImageManifestBuilder::default()
        .schema_version(2u32)
        .media_type(MediaType::ImageManifest)
        .config(descriptor(
            CONFIG_MEDIA_TYPE,
            &digest_of(&config),
            config.len() as u64,
            HashMap::new(),
        )?)
        .layers(descriptors)
        .annotations(annotations)
        .build()
        .map_err(|e| OciError::file(path, e))?;
    let manifest = super::canonical_json(&manifest).map_err(|e| OciError::file(path, e))?;
    Ok(Artifact {
        manifest,
        config,
        layers,
    })
}

fn builtin_title(name: &str) -> String {
    format!("builtin/{name}.wasm")
}

fn layer_annotations(l: &LayerInfo) -> HashMap<String, String> {
    let mut a = HashMap::new();
    a.insert(TITLE_ANNOTATION.to_string(), l.path.clone());
    if let Some(name) = l
        .path
        .strip_prefix("builtin/")
        .and_then(|n| n.strip_suffix(".wasm"))
    {
        a.insert(BUILTIN_ANNOTATION.to_string(), name.to_string());
    }
    a
}

/// A descriptor (annotations only when there are any).
pub(crate) fn descriptor(
    media_type: &str,
    digest: &str,
    size: u64,
    annotations: HashMap<String, String>,
) -> Result<Descriptor, OciError> {
    let d = oci_spec::image::Digest::try_from(digest).map_err(|e| OciError::bundle(digest, e))?;
    let mut desc = Descriptor::new(MediaType::from(media_type), size, d);
    if !annotations.is_empty() {
        desc.set_annotations(Some(annotations));
    }
    Ok(desc)
}

/// A manifest that passed [`check`]: what to fetch, and how big it may be.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The parsed manifest.
    pub manifest: ImageManifest,
    /// The config descriptor's digest and size.
    pub config: (String, u64),
    /// The layers.
    pub layers: Vec<LayerInfo>,
}

impl Plan {
    /// Every blob to fetch: (what, digest, size, limit), config first.
    pub fn blobs(&self) -> Vec<(String, String, u64, u64)> {
        let mut out = vec![(
            "config".to_string(),
            self.config.0.clone(),
            self.config.1,
            SMALL_BLOB_LIMIT,
        )];
        for l in &self.layers {
            let limit = if l.media_type == POLICY_MEDIA_TYPE {
                SMALL_BLOB_LIMIT
            } else {
                WASM_LIMIT
            };
            out.push((format!("layer {}", l.path), l.digest.clone(), l.size, limit));
        }
        out
    }

    /// The policy TOML layer's digest.
    pub fn policy_digest(&self) -> &str {
        &self
            .layers
            .iter()
            .find(|l| l.media_type == POLICY_MEDIA_TYPE)
            .expect("checked")
            .digest
    }
}

/// Vet a manifest before fetching anything it names: an OCI image
/// manifest (by `content_type` when the registry gave one, and by its own
/// `mediaType`), a fetter policy config, one TOML layer and wasm layers
/// only, every size within its limit. `what` names it in errors.
pub fn check(what: &str, bytes: &[u8], content_type: Option<&str>) -> Result<Plan, OciError> {
    let media_error = |actual: &str| OciError::MediaType {
        what: what.to_string(),
        expected: super::MANIFEST_MEDIA_TYPE.into(),
        actual: actual.to_string(),
    };
    if let Some(ct) = content_type.filter(|ct| *ct != super::MANIFEST_MEDIA_TYPE) {
        return Err(media_error(ct));
    }
    let manifest: ImageManifest = serde_json::from_slice(bytes)
        .map_err(|e| OciError::bundle(what, format!("not an OCI image manifest: {e}")))?;
    if let Some(mt) = manifest.media_type() {
        if *mt != MediaType::ImageManifest {
            return Err(media_error(mt.as_ref()));
        }
    }
    let config = manifest.config();
    if config.media_type().as_ref() == super::WASM_CONFIG_MEDIA_TYPE {
        return Err(OciError::bundle(
            what,
            format!(
                "not a fetter policy bundle: a single WebAssembly plugin in the CNCF wasm layout (config {}), as `fetter plugin push` publishes it; to run it, name the plugin in a policy manifest and publish that with `fetter policy push`",
                super::WASM_CONFIG_MEDIA_TYPE
            ),
        ));
    }
    if config.media_type().as_ref() != CONFIG_MEDIA_TYPE {
        return Err(OciError::MediaType {
            what: format!("{what}: config (not a fetter policy bundle)"),
            expected: CONFIG_MEDIA_TYPE.into(),
            actual: config.media_type().to_string(),
        });
    }
    let mut total = config.size();
    let mut layers = Vec::new();
    for (i, d) in manifest.layers().iter().enumerate() {
        let path = d
            .annotations()
            .as_ref()
            .and_then(|a| a.get(TITLE_ANNOTATION))
            .cloned()
            .ok_or_else(|| {
                OciError::bundle(
                    what,
                    format!("layer {i} has no {TITLE_ANNOTATION} annotation"),
                )
            })?;
        let (mt, limit) = match d.media_type().as_ref() {
            POLICY_MEDIA_TYPE => (POLICY_MEDIA_TYPE, SMALL_BLOB_LIMIT),
            WASM_MEDIA_TYPE => (WASM_MEDIA_TYPE, WASM_LIMIT),
            other => {
                return Err(OciError::MediaType {
                    what: format!("{what}: layer {path:?}"),
                    expected: format!("{POLICY_MEDIA_TYPE} or {WASM_MEDIA_TYPE}"),
                    actual: other.to_string(),
                })
            }
        };
        if d.size() > limit {
            return Err(OciError::TooLarge {
                what: format!("{what}: layer {path:?}"),
                size: d.size(),
                limit,
            });
        }
        total = total.saturating_add(d.size());
        if !super::is_sha256_digest(d.digest().as_ref()) {
            return Err(OciError::bundle(
                what,
                format!("layer {path:?}: not a sha256 digest"),
            ));
        }
        layers.push(LayerInfo {
            path,
            media_type: mt.to_string(),
            digest: d.digest().to_string(),
            size: d.size(),
        });
    }
    if total > BUNDLE_LIMIT {
        return Err(OciError::TooLarge {
            what: what.to_string(),
            size: total,
            limit: BUNDLE_LIMIT,
        });
    }
    let policies = layers
        .iter()
        .filter(|l| l.media_type == POLICY_MEDIA_TYPE)
        .count();
    if policies != 1 {
        return Err(OciError::bundle(
            what,
            format!("{policies} policy TOML layers; a bundle has exactly one"),
        ));
    }
    let config = (config.digest().to_string(), config.size());
    Ok(Plan {
        manifest,
        config,
        layers,
    })
}

/// The plugins the bundle's manifest TOML (`policy`) names, each mapped to
/// its layer, run from `blob_path(digest)` and pinned to the layer's
/// digest. A plugin with no layer, or a pin that disagrees with its layer,
/// is an error. `what` (the pinned reference) names the bundle in errors
/// and in each plugin's label.
pub fn plugins_of(
    what: &str,
    plan: &Plan,
    policy: &str,
    blob_path: impl Fn(&str) -> Result<PathBuf, OciError>,
) -> Result<Vec<PolicySpec>, OciError> {
    // Parsed as if it sat at `what/policy.toml`, so its relative paths
    // come back as written: they are the layers' titles.
    let label = PathBuf::from(format!("{what}/{POLICY_TITLE}"));
    let base = PathBuf::from(what);
    let parsed = cfg::parse(&label, policy).map_err(OciError::Manifest)?;
    let mut out = Vec::new();
    for mut spec in parsed.plugins {
        let title = match &spec.source {
            PluginSource::Embedded(n) => builtin_title(n),
            PluginSource::File(p) => p
                .strip_prefix(&base)
                .unwrap_or(p)
                .to_string_lossy()
                .into_owned(),
        };
        let layer = plan
            .layers
            .iter()
            .find(|l| l.media_type == WASM_MEDIA_TYPE && l.path == title)
            .ok_or_else(|| {
                OciError::bundle(
                    what,
                    format!(
                        "the manifest names plugin {title:?} but the bundle has no layer for it"
                    ),
                )
            })?;
        let hex = layer.digest["sha256:".len()..].to_string();
        if let Some(pin) = &spec.sha256 {
            if *pin != hex {
                return Err(OciError::Digest {
                    what: format!("{what}: plugin {title}"),
                    expected: format!("sha256:{pin}"),
                    actual: layer.digest.clone(),
                });
            }
        }
        spec.source = PluginSource::File(blob_path(&layer.digest)?);
        spec.sha256 = Some(hex);
        spec.manifest = Some(label.clone());
        out.push(spec);
    }
    Ok(out)
}

/// Read the config blob's JSON.
pub fn parse_config(what: &str, bytes: &[u8]) -> Result<BundleConfig, OciError> {
    serde_json::from_slice(bytes).map_err(|e| {
        OciError::bundle(
            what,
            format!("the config is not a fetter policy config: {e}"),
        )
    })
}
