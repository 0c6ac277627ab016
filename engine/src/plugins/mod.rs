//! Policy plugins: sandboxed WebAssembly components that judge the
//! inventory.
//!
//! A plugin is a component exporting `fetter:policy/evaluator` (see
//! `plugin-sdk/wit/policy.wit`, the contract). The host grants it nothing
//! but a `log` function, gives each plugin its own store with a memory
//! limit and a deadline, runs plugins in parallel, and turns their verdicts
//! into [`Diagnostic`](crate::diag::Diagnostic)s (code = rule id, check =
//! `plugin:<name>`). Any way a plugin can fail to run becomes a
//! [`CheckFailure`](crate::diag::CheckFailure) naming the plugin and the
//! reason, so a policy that could not run never passes.
//!
//! One module per concern: [`cfg`] (policy manifests), [`diags`] (errors
//! and diagnostics), [`verdicts`] (checking what a plugin returned),
//! `abi` (what a component declares), `cache` (compiled components), `host`
//! (the sandbox), [`embedded`] (first-party plugins in the binary).
//!
//! The sandbox needs wasmtime: `abi`, `cache`, `host` and running plugins
//! exist only with the `plugins` feature (on by default). Manifests,
//! diagnostics and the verdict checks are always built, so they can be
//! fuzzed without it.

#[cfg(feature = "plugins")]
pub mod abi;
#[cfg(feature = "plugins")]
pub mod build;
#[cfg(feature = "plugins")]
pub mod cache;
pub mod cfg;
#[cfg(feature = "plugins")]
mod check;
#[cfg(feature = "plugins")]
mod columns;
#[cfg(feature = "plugins")]
mod convert;
pub mod diags;
pub mod embedded;
#[cfg(feature = "plugins")]
pub mod host;
pub mod imports;
#[cfg(feature = "plugins")]
mod run;
pub mod verdicts;

use std::path::{Path, PathBuf};

use crate::diag::{CheckFailure, CheckId, Severity, Sink};

pub use diags::PluginError;
#[cfg(feature = "plugins")]
pub use {
    cache::{Cache, CacheStatus},
    check::{PolicyCheck, Resolved},
    host::LogMode,
    run::{evaluate, load, EpochTicker, Loaded, Options, PluginReport},
};

/// Default memory limit per plugin (`--plugin-memory`), in MiB.
pub const DEFAULT_MEMORY_MIB: u64 = 256;
/// Default time limit per plugin (`--plugin-timeout`), in seconds.
pub const DEFAULT_TIMEOUT_SECS: f64 = 10.0;

/// Where a plugin's bytes come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PluginSource {
    /// A `.wasm` file.
    File(PathBuf),
    /// A first-party plugin built into fetter ([`embedded`]).
    Embedded(String),
}

/// One plugin to run, with how to run it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicySpec {
    /// Where the component is.
    pub source: PluginSource,
    /// The sha256 the file must have (lowercase hex), from a manifest.
    pub sha256: Option<String>,
    /// Settings for `configure`, a JSON document.
    pub settings: String,
    /// Deny verdicts below this severity are reported as warnings (a
    /// manifest's `fail-on`).
    pub fail_on: Option<Severity>,
    /// The manifest this came from, if any.
    pub manifest: Option<PathBuf>,
}

impl PolicySpec {
    /// A plugin file, no settings.
    pub fn file(path: impl Into<PathBuf>) -> Self {
        Self::from_source(PluginSource::File(path.into()))
    }

    /// A first-party plugin, no settings.
    pub fn embedded(name: impl Into<String>) -> Self {
        Self::from_source(PluginSource::Embedded(name.into()))
    }

    fn from_source(source: PluginSource) -> Self {
        PolicySpec {
            source,
            sha256: None,
            settings: "{}".into(),
            fail_on: None,
            manifest: None,
        }
    }

    /// The same plugin with these settings (JSON).
    pub fn with_settings(mut self, settings: impl Into<String>) -> Self {
        self.settings = settings.into();
        self
    }

    /// How messages refer to where the plugin came from: its path, or
    /// `builtin:<name>`; with the manifest when there is one.
    pub fn label(&self) -> String {
        let what = match &self.source {
            PluginSource::File(p) => p.display().to_string(),
            PluginSource::Embedded(n) => format!("builtin:{n}"),
        };
        match &self.manifest {
            Some(m) => format!("{what} (from {})", m.display()),
            None => what,
        }
    }

    /// The plugin's name as far as it is known without reading it.
    pub fn provisional_name(&self) -> String {
        match &self.source {
            PluginSource::Embedded(n) => n.clone(),
            PluginSource::File(p) => p
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| p.display().to_string()),
        }
    }

    /// The component's size in bytes, if known without reading it (0
    /// otherwise): the cost estimate that schedules big plugins first.
    pub fn size_hint(&self) -> u64 {
        match &self.source {
            PluginSource::Embedded(n) => embedded::find(n).map_or(0, |e| e.bytes.len() as u64),
            PluginSource::File(p) => std::fs::metadata(p).map_or(0, |m| m.len()),
        }
    }

    /// The component's bytes and their lowercase hex sha256 (known in
    /// advance for first-party plugins).
    pub fn read_hashed(&self) -> Result<(std::borrow::Cow<'static, [u8]>, String), PluginError> {
        if let PluginSource::Embedded(n) = &self.source {
            if let Some(e) = embedded::find(n) {
                return Ok((std::borrow::Cow::Borrowed(e.bytes), e.sha256.to_string()));
            }
        }
        let bytes = self.read()?;
        let sha256 = sha256_hex(&bytes);
        Ok((bytes, sha256))
    }

    /// The component's bytes.
    pub fn read(&self) -> Result<std::borrow::Cow<'static, [u8]>, PluginError> {
        match &self.source {
            PluginSource::Embedded(n) => embedded::find(n)
                .map(|e| std::borrow::Cow::Borrowed(e.bytes))
                .ok_or_else(|| PluginError::Load(format!("no first-party plugin named {n:?}"))),
            PluginSource::File(p) => {
                std::fs::read(p)
                    .map(std::borrow::Cow::Owned)
                    .map_err(|source| PluginError::Read {
                        path: p.clone(),
                        source,
                    })
            }
        }
    }
}

/// What one `--policy` argument means: a manifest (`*.toml`), a plugin
/// file (`*.wasm`, or any path that exists), or the name of a first-party
/// plugin.
pub fn parse_policy_arg(arg: &str) -> Result<Vec<PolicySpec>, PolicyArgError> {
    let path = Path::new(arg);
    if arg.ends_with(".toml") {
        return Ok(cfg::load(path)?.plugins);
    }
    if arg.ends_with(".wasm") || path.exists() || arg.contains('/') {
        return Ok(vec![PolicySpec::file(path)]);
    }
    if embedded::find(arg).is_some() {
        return Ok(vec![PolicySpec::embedded(arg)]);
    }
    Err(PolicyArgError::Unknown {
        arg: arg.to_string(),
        why: embedded::not_built_in(arg),
    })
}

/// Why a `--policy` argument cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PolicyArgError {
    /// The manifest cannot be loaded.
    #[error(transparent)]
    Manifest(#[from] cfg::ManifestError),
    /// Neither a file nor a first-party plugin.
    #[error(
        "--policy {arg:?}: not a file, and {why}; give a .wasm plugin or a .toml policy manifest"
    )]
    Unknown {
        /// The argument.
        arg: String,
        /// Why no first-party plugin has that name.
        why: String,
    },
}

/// Every `--policy` argument resolved; the ones that cannot be used are
/// recorded in `sink` as failures (check `policy`), so the run fails closed
/// while the others still report.
pub fn resolve_policy_args(args: &[String], sink: &Sink) -> Vec<PolicySpec> {
    let mut specs = Vec::new();
    for arg in args {
        match parse_policy_arg(arg) {
            Ok(s) => specs.extend(s),
            Err(e) => sink.fail(CheckFailure {
                check: CheckId::Policy,
                source: arg.clone(),
                message: e.to_string(),
                environment: None,
            }),
        }
    }
    specs
}

pub use crate::digest::sha256_hex;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_args_resolve_to_files_names_and_errors() {
        assert_eq!(
            parse_policy_arg("x/my.wasm").unwrap(),
            vec![PolicySpec::file("x/my.wasm")]
        );
        assert_eq!(
            parse_policy_arg("typosquat").unwrap(),
            vec![PolicySpec::embedded("typosquat")]
        );
        let e = parse_policy_arg("nope").unwrap_err();
        assert!(matches!(e, PolicyArgError::Unknown { .. }), "{e}");
        let e = e.to_string();
        assert!(
            e.contains("not a first-party plugin") && e.contains("typosquat"),
            "{e}"
        );
        let e = parse_policy_arg("example-custom").unwrap_err().to_string();
        assert!(
            e.contains("example plugin") && e.contains("--policy examples/example-custom.wasm"),
            "{e}"
        );
        let e = parse_policy_arg("/no/such/manifest.toml").unwrap_err();
        assert!(matches!(e, PolicyArgError::Manifest(_)), "{e}");
        assert!(e.to_string().contains("cannot read"), "{e}");
    }
}
