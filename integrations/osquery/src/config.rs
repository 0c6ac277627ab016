//! The extension's config file (TOML): what to scan, how often, and which
//! bounds and policies judge the inventory.
//!
//! osqueryd starts an extension with only `--socket`, `--timeout`,
//! `--interval` and `--verbose`, so the file is found by `--config`, then
//! `$FETTER_OSQUERY_CONFIG`, then [`DEFAULT_PATH`]; without any, the
//! defaults below apply (the whole machine, every home, no checks).
//!
//! ```toml
//! refresh-seconds = 3600        # rescan every hour (and on SIGHUP / refresh = 1)
//! store = "/var/lib/fetter/policies"  # the policy store bundles run from
//!                               # (default: fetter's, `$FETTER_DATA_DIR/policies`)
//! trust = "/etc/fetter/osquery-trust.toml"  # the user trust file (default as
//!                               # fetter's; /etc/fetter/trust.toml always applies)
//!
//! [scope]
//! all-users = true              # every home under /home and /root
//! roots = []                    # instead of the machine: these trees
//! exes = []                     # or only these interpreters / prefixes
//!
//! [bounds]
//! files = ["requirements.txt"]  # relative to this file; local files only
//! subset = true
//!
//! [[policy]]
//! manifest = "policies/org.toml"  # its plugins are sha256-pinned inside
//! sha256 = "…"                    # optional: pin the manifest itself
//!
//! [[policy]]
//! plugin = "plugins/allow-list.wasm"
//! sha256 = "…"                    # required for a plugin file
//! settings = { allow = ["requests"] }
//!
//! [[policy]]
//! builtin = "typosquat"
//!
//! [[policy]]                      # a bundle pulled into the store
//! bundle = "oci://registry.example/org/policy@sha256:…"  # (`fetter policy pull`)
//! ```
//!
//! A bundle runs only from the local store, never fetched: pinned by its
//! digest, every blob checked against it, and accepted by the trust rules
//! on the signatures the store keeps.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

/// Where the config file is looked for when neither `--config` nor
/// `$FETTER_OSQUERY_CONFIG` names one.
pub const DEFAULT_PATH: &str = "/etc/fetter/osquery.toml";
/// The environment variable naming the config file.
pub const ENV_VAR: &str = "FETTER_OSQUERY_CONFIG";
/// The shortest refresh interval accepted: a scan is not free.
pub const MIN_REFRESH: Duration = Duration::from_secs(10);

/// A config file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{path}: cannot read: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML or has unknown or mistyped keys.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// toml's message, with line and column.
        message: String,
    },
    /// A value is out of range or a `[[policy]]` entry is ambiguous.
    #[error("{path}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong and what to do.
        message: String,
    },
}

/// The parsed, validated config.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it came from (`None`: defaults).
    pub path: Option<PathBuf>,
    /// Time between scans.
    pub refresh: Duration,
    /// What to scan.
    pub scope: ScopeConfig,
    /// Bound files and how to compare.
    pub bounds: BoundsConfig,
    /// Policies, in file order.
    pub policies: Vec<PolicySource>,
    /// The policy store `bundle` entries run from (`None`: fetter's default).
    pub store: Option<PathBuf>,
    /// The user trust file for bundles (`None`: as fetter finds it).
    pub trust: Option<PathBuf>,
    /// Plugin limits and cache.
    pub limits: PluginLimits,
}

/// `[scope]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ScopeConfig {
    /// Walk every home under `/home` and `/root` (default true: osqueryd runs as root).
    #[serde(default = "yes")]
    pub all_users: bool,
    /// Scan these trees instead of the machine.
    #[serde(default)]
    pub roots: Vec<PathBuf>,
    /// Scan only these interpreters or prefixes.
    #[serde(default)]
    pub exes: Vec<PathBuf>,
}

impl Default for ScopeConfig {
    fn default() -> Self {
        ScopeConfig {
            all_users: true,
            roots: Vec::new(),
            exes: Vec::new(),
        }
    }
}

fn yes() -> bool {
    true
}

/// `[bounds]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct BoundsConfig {
    /// Requirement, pyproject or lock files (local paths).
    #[serde(default)]
    pub files: Vec<PathBuf>,
    /// The bound may list more than is installed.
    #[serde(default)]
    pub subset: bool,
    /// Environments may hold more than the bound.
    #[serde(default)]
    pub superset: bool,
    /// Names not to check (absent: only pip; `[]`: check everything).
    pub ignore: Option<Vec<String>>,
}

/// Plugin limits (`[plugins]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PluginLimits {
    /// Memory per plugin, MiB.
    #[serde(default = "default_memory")]
    pub memory_mib: u64,
    /// Time per plugin, seconds.
    #[serde(default = "default_timeout")]
    pub timeout_seconds: f64,
    /// Compiled-plugin cache directory (default: fetter's, from the environment).
    pub cache_dir: Option<PathBuf>,
}

impl Default for PluginLimits {
    fn default() -> Self {
        PluginLimits {
            memory_mib: default_memory(),
            timeout_seconds: default_timeout(),
            cache_dir: None,
        }
    }
}

fn default_memory() -> u64 {
    fetter::plugins::DEFAULT_MEMORY_MIB
}

fn default_timeout() -> f64 {
    fetter::plugins::DEFAULT_TIMEOUT_SECS
}

/// Where a policy comes from. Only local, pinned sources run: files
/// pinned by sha256, built-ins, and bundles pinned by digest in the
/// local policy store.
#[derive(Debug, Clone, PartialEq)]
pub enum PolicySource {
    /// A policy manifest; its plugin files are pinned by sha256 inside it.
    Manifest {
        /// The manifest file.
        path: PathBuf,
        /// The manifest's own sha256, when pinned.
        sha256: Option<String>,
    },
    /// A plugin file, pinned.
    Plugin {
        /// The `.wasm` file.
        path: PathBuf,
        /// Its sha256 (lowercase hex).
        sha256: String,
        /// Settings for `configure`, as JSON.
        settings: String,
    },
    /// A first-party plugin built into fetter.
    Builtin {
        /// Its name.
        name: String,
        /// Settings for `configure`, as JSON.
        settings: String,
    },
    /// A locked OCI bundle (`oci://…@sha256:…`), run from the store.
    Bundle {
        /// The reference as written.
        reference: String,
    },
}

impl PolicySource {
    /// How rows and messages name it.
    pub fn label(&self) -> String {
        match self {
            PolicySource::Manifest { path, .. } | PolicySource::Plugin { path, .. } => {
                path.display().to_string()
            }
            PolicySource::Builtin { name, .. } => format!("builtin:{name}"),
            PolicySource::Bundle { reference } => reference.clone(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawFile {
    refresh_seconds: Option<u64>,
    store: Option<PathBuf>,
    trust: Option<PathBuf>,
    #[serde(default)]
    scope: ScopeConfig,
    #[serde(default)]
    bounds: BoundsConfig,
    #[serde(default)]
    policy: Vec<RawPolicy>,
    #[serde(default)]
    plugins: PluginLimits,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    manifest: Option<PathBuf>,
    plugin: Option<PathBuf>,
    builtin: Option<String>,
    bundle: Option<String>,
    sha256: Option<String>,
    settings: Option<toml::Table>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            path: None,
            refresh: Duration::from_secs(3600),
            scope: ScopeConfig::default(),
            bounds: BoundsConfig::default(),
            policies: Vec::new(),
            store: None,
            trust: None,
            limits: PluginLimits::default(),
        }
    }
}

impl Config {
    /// The config named by `explicit`, else `$FETTER_OSQUERY_CONFIG`, else
    /// [`DEFAULT_PATH`] when it exists, else the defaults. A file that is
    /// named but cannot be used is an error (never the defaults).
    pub fn locate(explicit: Option<&Path>) -> Result<Config, ConfigError> {
        if let Some(p) = explicit {
            return Config::load(p);
        }
        if let Some(p) = std::env::var_os(ENV_VAR).filter(|v| !v.is_empty()) {
            return Config::load(Path::new(&p));
        }
        let default = Path::new(DEFAULT_PATH);
        if default.exists() {
            return Config::load(default);
        }
        Ok(Config::default())
    }

    /// Read and validate `path`; relative paths in it are relative to its folder.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::parse(&text, path)
    }

    /// Parse `text`, read from `path`.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().to_string(),
        })?;
        let invalid = |message: String| ConfigError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        let base = path.parent().unwrap_or(Path::new("."));
        let resolve = |p: &Path| base.join(p);
        let refresh = match raw.refresh_seconds {
            None => Config::default().refresh,
            Some(s) if Duration::from_secs(s) < MIN_REFRESH => {
                return Err(invalid(format!(
                    "refresh-seconds = {s} is too short: a scan reads every site on the machine; use at least {}",
                    MIN_REFRESH.as_secs()
                )))
            }
            Some(s) => Duration::from_secs(s),
        };
        let limits = &raw.plugins;
        if !(1..=4096).contains(&limits.memory_mib) {
            return Err(invalid(format!(
                "[plugins] memory-mib = {} is outside 1..=4096",
                limits.memory_mib
            )));
        }
        if !(limits.timeout_seconds > 0.0 && limits.timeout_seconds <= 86_400.0) {
            return Err(invalid(format!(
                "[plugins] timeout-seconds = {} must be more than 0 and at most 86400",
                limits.timeout_seconds
            )));
        }
        let mut policies = Vec::new();
        for (i, p) in raw.policy.into_iter().enumerate() {
            policies.push(
                policy(p, &resolve).map_err(|m| invalid(format!("[[policy]] #{}: {m}", i + 1)))?,
            );
        }
        let mut scope = raw.scope;
        scope.roots = scope.roots.iter().map(|p| resolve(p)).collect();
        scope.exes = scope.exes.iter().map(|p| resolve(p)).collect();
        let mut bounds = raw.bounds;
        bounds.files = bounds.files.iter().map(|p| resolve(p)).collect();
        let mut limits = raw.plugins;
        limits.cache_dir = limits.cache_dir.map(|p| resolve(&p));
        Ok(Config {
            path: Some(path.to_path_buf()),
            refresh,
            scope,
            bounds,
            policies,
            store: raw.store.map(|p| resolve(&p)),
            trust: raw.trust.map(|p| resolve(&p)),
            limits,
        })
    }
}

fn policy(p: RawPolicy, resolve: &dyn Fn(&Path) -> PathBuf) -> Result<PolicySource, String> {
    let given = [
        p.manifest.is_some(),
        p.plugin.is_some(),
        p.builtin.is_some(),
        p.bundle.is_some(),
    ];
    if given.iter().filter(|g| **g).count() != 1 {
        return Err("give exactly one of `manifest`, `plugin`, `builtin` or `bundle`".into());
    }
    if let Some(h) = &p.sha256 {
        if h.len() != 64
            || !h
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        {
            return Err(format!("sha256 = {h:?} is not 64 lowercase hex digits"));
        }
    }
    let settings = || -> Result<String, String> {
        serde_json::to_string(&p.settings.clone().unwrap_or_default())
            .map_err(|e| format!("settings: {e}"))
    };
    if let Some(path) = p.manifest {
        if p.settings.is_some() {
            return Err("a manifest carries its plugins' settings; `settings` belongs to `plugin` or `builtin`".into());
        }
        return Ok(PolicySource::Manifest {
            path: resolve(&path),
            sha256: p.sha256,
        });
    }
    if let Some(path) = p.plugin {
        let Some(sha256) = p.sha256.clone() else {
            return Err(format!(
                "plugin = {:?} needs `sha256`: the extension runs only pinned plugin files (`sha256sum` gives it)",
                path.display().to_string()
            ));
        };
        return Ok(PolicySource::Plugin {
            path: resolve(&path),
            sha256,
            settings: settings()?,
        });
    }
    if let Some(name) = p.builtin {
        if p.sha256.is_some() {
            return Err("a builtin plugin is pinned by the binary; drop `sha256`".into());
        }
        return Ok(PolicySource::Builtin {
            name,
            settings: settings()?,
        });
    }
    let reference = p.bundle.unwrap_or_default();
    if !reference.starts_with("oci://") || !reference.contains("@sha256:") {
        return Err(format!(
            "bundle = {reference:?}: a bundle is a locked OCI reference, `oci://HOST/NAME@sha256:DIGEST`"
        ));
    }
    Ok(PolicySource::Bundle { reference })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("/etc/fetter/osquery.toml"))
    }

    #[test]
    fn defaults_scan_every_home_hourly_with_no_checks() {
        let c = parse("").unwrap();
        assert_eq!(c.refresh, Duration::from_secs(3600));
        assert!(c.scope.all_users);
        assert!(c.policies.is_empty() && c.bounds.files.is_empty());
    }

    #[test]
    fn policies_resolve_relative_to_the_file() {
        let h = "a".repeat(64);
        let c = parse(&format!(
            "[[policy]]\nmanifest = \"p/org.toml\"\n[[policy]]\nplugin = \"/x/a.wasm\"\nsha256 = \"{h}\"\nsettings = {{ allow = [\"requests\"] }}\n[[policy]]\nbuiltin = \"typosquat\"\n[[policy]]\nbundle = \"oci://r.example/org/p@sha256:{h}\"\n"
        ))
        .unwrap();
        assert_eq!(
            c.policies[0],
            PolicySource::Manifest {
                path: "/etc/fetter/p/org.toml".into(),
                sha256: None
            }
        );
        assert_eq!(
            c.policies[1],
            PolicySource::Plugin {
                path: "/x/a.wasm".into(),
                sha256: h.clone(),
                settings: r#"{"allow":["requests"]}"#.into()
            }
        );
        assert!(matches!(&c.policies[3], PolicySource::Bundle { .. }));
    }

    #[test]
    fn store_and_trust_resolve_relative_to_the_file() {
        let c = parse("store = \"store\"\ntrust = \"/etc/fetter/t.toml\"\n").unwrap();
        assert_eq!(c.store.as_deref(), Some(Path::new("/etc/fetter/store")));
        assert_eq!(c.trust.as_deref(), Some(Path::new("/etc/fetter/t.toml")));
        let d = parse("").unwrap();
        assert!(d.store.is_none() && d.trust.is_none());
    }

    #[test]
    fn bad_entries_name_the_file_and_the_problem() {
        let cases = [
            ("[[policy]]\nplugin = \"a.wasm\"\n", "needs `sha256`"),
            (
                "[[policy]]\nbuiltin = \"x\"\nmanifest = \"m.toml\"\n",
                "exactly one",
            ),
            (
                "[[policy]]\nbundle = \"oci://r/p:latest\"\n",
                "locked OCI reference",
            ),
            (
                "[[policy]]\nmanifest = \"m.toml\"\nsha256 = \"XYZ\"\n",
                "64 lowercase hex",
            ),
            ("refresh-seconds = 1\n", "too short"),
            ("refresh = 1\n", "unknown field"),
            ("[plugins]\nmemory-mib = 0\n", "1..=4096"),
        ];
        for (text, want) in cases {
            let e = parse(text).unwrap_err().to_string();
            assert!(
                e.starts_with("/etc/fetter/osquery.toml") && e.contains(want),
                "{text:?}: {e}"
            );
        }
    }
}
