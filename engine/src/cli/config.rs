//! The config file: defaults for bounds, policies, ignores and output
//! formats, so a team can commit `fetter.toml` next to its lock file and
//! run plain `fetter validate`.
//!
//! Looked up in order, the first found wins (files are not merged, so what
//! applies is always one file you can read): `$FETTER_CONFIG` (empty: no
//! file at all), `./fetter.toml`, `$XDG_CONFIG_HOME/fetter/config.toml`
//! (`~/.config/fetter/config.toml`). Command-line flags override it.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, Subcommand, ValueEnum};
use serde::{Deserialize, Serialize};

/// The file's contents. Unknown keys are errors: a typo must not silently
/// drop a policy.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Config {
    /// Default `--format` of every command that has this format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// `fetter scan` defaults.
    #[serde(default, skip_serializing_if = "FormatOnly::is_empty")]
    pub scan: FormatOnly,
    /// `fetter count` defaults.
    #[serde(default, skip_serializing_if = "FormatOnly::is_empty")]
    pub count: FormatOnly,
    /// `fetter search` defaults.
    #[serde(default, skip_serializing_if = "FormatOnly::is_empty")]
    pub search: FormatOnly,
    /// `fetter validate` defaults.
    #[serde(default)]
    pub validate: ValidateConfig,
    /// How to reach OCI registries (`fetter policy …`, `fetter plugin
    /// push`, `--policy oci://…`).
    #[serde(default, skip_serializing_if = "RegistryConfig::is_empty")]
    pub registry: RegistryConfig,
}

/// `[registry]`: TLS and plain-HTTP settings for every registry. The
/// flags override it: `--ca-cert` replaces `ca-cert`, `--insecure` adds
/// the registry named on the command line to `insecure`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RegistryConfig {
    /// A CA certificate (PEM) trusted beside the system roots, for every
    /// registry (relative to the config file's directory).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_cert: Option<String>,
    /// Registries (`HOST` or `HOST:PORT`) that may be spoken to over plain
    /// HTTP although they are not on loopback.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub insecure: Vec<String>,
}

impl RegistryConfig {
    fn is_empty(&self) -> bool {
        *self == RegistryConfig::default()
    }
}

/// A section holding only a default format.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FormatOnly {
    /// Default `--format` of this command.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
}

impl FormatOnly {
    fn is_empty(&self) -> bool {
        self.format.is_none()
    }
}

/// `[validate]`: what to check against when the command line names nothing.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ValidateConfig {
    /// Default `--bound`s (paths relative to the config file's directory).
    #[serde(default)]
    pub bounds: Vec<String>,
    /// Default `--policy`s: embedded plugin names or `.wasm` paths.
    #[serde(default)]
    pub policies: Vec<String>,
    /// Default `--ignore` list (replaces the built-in `pip`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore: Option<Vec<String>>,
    /// Default `--format` of validate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
}

/// A loaded config and where it came from.
#[derive(Debug, Clone, Default)]
pub(super) struct Loaded {
    /// The file read, if any.
    pub path: Option<PathBuf>,
    /// Its contents, with relative paths resolved against its directory.
    pub config: Config,
}

impl Loaded {
    /// The default format for `section`: the section's own, else the
    /// top-level one when `F` has it. A section format `F` lacks is an error.
    pub(super) fn format<F: ValueEnum>(&self, section: Option<&str>) -> anyhow::Result<Option<F>> {
        if let Some(s) = section {
            return F::from_str(s, true).map(Some).map_err(|_| {
                anyhow::anyhow!(
                    "{}: format {s:?} is not one of {}; fix the file or override it with --format",
                    self.shown(),
                    names::<F>()
                )
            });
        }
        Ok(self
            .config
            .format
            .as_deref()
            .and_then(|s| F::from_str(s, true).ok()))
    }

    /// The config file's path for messages (`config` when there is none).
    pub(super) fn shown(&self) -> String {
        self.path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "config".into())
    }
}

/// The format to use: the flag if given, else the config's for `section`
/// (see [`Loaded::format`]), else `F`'s default. The file is only read when
/// no flag was given.
pub(super) fn format_or<F: ValueEnum + Default>(
    flag: Option<F>,
    section: impl Fn(&Config) -> Option<String>,
) -> anyhow::Result<F> {
    if let Some(f) = flag {
        return Ok(f);
    }
    let loaded = load()?;
    let own = section(&loaded.config);
    Ok(loaded.format(own.as_deref())?.unwrap_or_default())
}

fn names<F: ValueEnum>() -> String {
    F::value_variants()
        .iter()
        .filter_map(|v| v.to_possible_value())
        .map(|v| v.get_name().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Where the config file is looked for, in order.
pub(super) fn candidates() -> Vec<PathBuf> {
    if let Some(p) = std::env::var_os("FETTER_CONFIG") {
        return if p.is_empty() {
            Vec::new()
        } else {
            vec![PathBuf::from(p)]
        };
    }
    let mut out = vec![PathBuf::from("fetter.toml")];
    let xdg = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|x| !x.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".config")));
    if let Some(dir) = xdg {
        out.push(dir.join("fetter").join("config.toml"));
    }
    out
}

/// Load the first config file that exists (none: defaults). A file named by
/// `$FETTER_CONFIG` must exist.
pub(super) fn load() -> anyhow::Result<Loaded> {
    let explicit = std::env::var_os("FETTER_CONFIG").is_some_and(|p| !p.is_empty());
    for path in candidates() {
        if !explicit && !path.exists() {
            continue;
        }
        check_owner(&path)?;
        let text = fs::read_to_string(&path).with_context(|| {
            format!(
                "cannot read the config file {}; fix it, or run with FETTER_CONFIG= to use none",
                path.display()
            )
        })?;
        let mut config: Config = toml::from_str(&text).with_context(|| {
            format!(
                "invalid config file {}; `fetter config --help` lists the keys",
                path.display()
            )
        })?;
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        resolve(&mut config, &dir);
        check_registry(&config.registry).map_err(|e| {
            anyhow::anyhow!(
                "invalid config file {}: {e}; `fetter config --help` lists the keys",
                path.display()
            )
        })?;
        return Ok(Loaded {
            path: Some(path),
            config,
        });
    }
    Ok(Loaded::default())
}

/// Relative file bounds, policy paths and the registry CA are relative to
/// the config file; `insecure` registries are lower-cased.
fn resolve(config: &mut Config, dir: &Path) {
    if let Some(ca) = &mut config.registry.ca_cert {
        if !ca.is_empty() && !Path::new(ca.as_str()).is_absolute() {
            *ca = dir.join(&*ca).to_string_lossy().into_owned();
        }
    }
    for entry in &mut config.registry.insecure {
        *entry = entry.to_ascii_lowercase();
    }
    let is_path = |s: &str| !(s == "-" || s.contains("://") || Path::new(s).is_absolute());
    for b in &mut config.validate.bounds {
        if is_path(b) {
            *b = dir.join(&*b).to_string_lossy().into_owned();
        }
    }
    for p in &mut config.validate.policies {
        // A bare name is an embedded plugin; only paths are resolved.
        if is_path(p) && (p.contains('/') || p.ends_with(".wasm")) {
            *p = dir.join(&*p).to_string_lossy().into_owned();
        }
    }
}

/// `[registry] insecure` entries must be `HOST` or `HOST:PORT` (no
/// scheme, no path, no wildcard): a typo must not silently leave a
/// registry on TLS, nor a pattern open plain HTTP to many. Entries are
/// lower-cased, as references are.
fn check_registry(registry: &RegistryConfig) -> Result<(), String> {
    if registry.ca_cert.as_deref() == Some("") {
        return Err("[registry] ca-cert is empty: name a PEM file or remove the key".into());
    }
    for entry in &registry.insecure {
        if let Err(why) = check_host_port(entry) {
            return Err(format!(
                "[registry] insecure: {:?} {why} (expected HOST or HOST:PORT, e.g. \"registry.lan:5000\")",
                fetter::escape::escape(entry)
            ));
        }
    }
    Ok(())
}

fn check_host_port(entry: &str) -> Result<(), &'static str> {
    if entry.contains("://") || entry.contains('/') {
        return Err("is a URL or has a path");
    }
    let (host, port) = match entry.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (entry, None),
    };
    let host_ok = !host.is_empty()
        && !host.starts_with(['-', '.'])
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
    if !host_ok {
        return Err("is not a host name or IPv4 address");
    }
    if let Some(p) = port {
        if !p.parse::<u16>().is_ok_and(|p| p > 0) {
            return Err("has a port that is not 1-65535");
        }
    }
    Ok(())
}

/// Refuse a config file someone else could have written: fetter runs as
/// root, and a `fetter.toml` planted in a directory root `cd`s into could
/// otherwise empty the bounds or ignore every package.
fn check_owner(path: &Path) -> anyhow::Result<()> {
    match fetter::fsutil::owner_problem(path) {
        Some(problem) => bail!(
            "refusing the config file {}: {problem}, or run with FETTER_CONFIG= to use no config file",
            path.display()
        ),
        None => Ok(()),
    }
}

/// Arguments of `fetter config`.
#[derive(Debug, Args)]
pub(super) struct ConfigArgs {
    #[command(subcommand)]
    action: ConfigAction,
}

#[derive(Debug, Subcommand)]
enum ConfigAction {
    /// Print the effective config (TOML) and the file it came from.
    #[command(
        after_help = "Examples:\n  fetter config show\n  FETTER_CONFIG=ci.toml fetter config show"
    )]
    Show,
    /// Print where config files are looked for, in order.
    #[command(after_help = "Example:\n  fetter config path")]
    Path,
}

/// Run `fetter config`.
pub(super) fn run(args: &ConfigArgs) -> anyhow::Result<ExitCode> {
    match args.action {
        ConfigAction::Show => {
            let loaded = load()?;
            match &loaded.path {
                Some(p) => println!("# from {}", p.display()),
                None => println!("# no config file found; built-in defaults"),
            }
            let mut shown = loaded.config.clone();
            if shown.validate.ignore.is_none() {
                shown.validate.ignore = Some(vec!["pip".into()]);
            }
            print!("{}", toml::to_string_pretty(&shown)?);
        }
        ConfigAction::Path => {
            for p in candidates() {
                let state = if p.exists() { "found" } else { "absent" };
                println!("{state:6}  {}", p.display());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_errors() {
        assert!(toml::from_str::<Config>("[validate]\nbound = ['x']").is_err());
        assert!(toml::from_str::<Config>("fromat = 'json'").is_err());
    }

    #[test]
    fn registry_settings_are_checked() {
        let mut c: Config = toml::from_str(
            "[registry]\nca-cert = 'certs/ca.pem'\ninsecure = ['Cache.LAN:5000', 'mirror']",
        )
        .unwrap();
        resolve(&mut c, Path::new("/etc/team"));
        assert_eq!(
            c.registry.ca_cert.as_deref(),
            Some("/etc/team/certs/ca.pem")
        );
        assert_eq!(c.registry.insecure, ["cache.lan:5000", "mirror"]);
        assert!(check_registry(&c.registry).is_ok());
        for bad in [
            "http://x:5000",
            "x/y",
            "x:0",
            "x:port",
            "",
            "*.lan",
            ":5000",
        ] {
            let r = RegistryConfig {
                insecure: vec![bad.into()],
                ..RegistryConfig::default()
            };
            let e = check_registry(&r).unwrap_err();
            assert!(e.contains("[registry] insecure"), "{bad}: {e}");
        }
        assert!(toml::from_str::<Config>("[registry]\ninsecure = 'x'").is_err());
        assert!(toml::from_str::<Config>("[registry]\nca_cert = 'x'").is_err());
    }

    #[test]
    fn relative_paths_follow_the_file() {
        let mut c: Config = toml::from_str(
            "[validate]\nbounds = ['req.txt', '-', 'https://x/y', '/abs']\npolicies = ['typosquat', 'p/my.wasm']",
        )
        .unwrap();
        resolve(&mut c, Path::new("/etc/team"));
        assert_eq!(
            c.validate.bounds,
            ["/etc/team/req.txt", "-", "https://x/y", "/abs"]
        );
        assert_eq!(c.validate.policies, ["typosquat", "/etc/team/p/my.wasm"]);
    }
}
