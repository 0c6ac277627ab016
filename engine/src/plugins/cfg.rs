//! Policy manifests (`policies/*.toml`): which plugins to run, pinned by
//! hash, with their settings and the severity that fails validation.
//!
//! ```toml
//! name = "default"
//! version = "1.0.0"
//! requires-fetter = ">=0.1"
//! fail-on = "high"
//!
//! [[plugin]]
//! name = "typosquat"                 # a first-party plugin built into fetter
//!
//! [[plugin]]
//! path = "../plugins/allow-list.wasm"  # relative to this manifest
//! sha256 = "9f2c…"                     # refuse to run anything else
//! [plugin.settings]                    # passed to `configure` as JSON
//! allow = ["requests", "django*"]
//! ```
//!
//! Errors name the file, line and column, as cargo-deny does.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::embedded;
use super::{PluginSource, PolicySpec};
use crate::diag::Severity;

/// A manifest that could not be used: the file, where, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestError {
    /// The manifest.
    pub path: PathBuf,
    /// 1-based line and column, when known.
    pub at: Option<(usize, usize)>,
    /// What is wrong and what to do.
    pub message: String,
}

impl std::fmt::Display for ManifestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.at {
            Some((line, col)) => {
                write!(f, "{}:{line}:{col}: {}", self.path.display(), self.message)
            }
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

impl std::error::Error for ManifestError {}

/// A parsed manifest.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// The manifest's name.
    pub name: String,
    /// The manifest's version.
    pub version: String,
    /// Deny verdicts below this severity are reported as warnings.
    pub fail_on: Severity,
    /// The plugins to run, in order.
    pub plugins: Vec<PolicySpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawManifest {
    name: Spanned<String>,
    #[serde(default)]
    version: Option<Spanned<String>>,
    #[serde(default)]
    requires_fetter: Option<Spanned<String>>,
    #[serde(default)]
    fail_on: Option<Spanned<String>>,
    #[serde(default)]
    plugin: Vec<Spanned<RawPlugin>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlugin {
    #[serde(default)]
    name: Option<Spanned<String>>,
    #[serde(default)]
    path: Option<Spanned<String>>,
    #[serde(default)]
    sha256: Option<Spanned<String>>,
    #[serde(default)]
    settings: Option<Spanned<toml::Table>>,
}

/// Read and check the manifest at `path`.
pub fn load(path: &Path) -> Result<Manifest, ManifestError> {
    let text = std::fs::read_to_string(path).map_err(|e| ManifestError {
        path: path.to_path_buf(),
        at: None,
        message: format!("cannot read the policy manifest: {e}"),
    })?;
    parse(path, &text)
}

/// Parse manifest `text` (read from `path`, for messages and relative paths).
pub fn parse(path: &Path, text: &str) -> Result<Manifest, ManifestError> {
    let err = |span: Option<std::ops::Range<usize>>, message: String| ManifestError {
        path: path.to_path_buf(),
        at: span.map(|s| line_col(text, s.start)),
        message,
    };
    let raw: RawManifest =
        toml::from_str(text).map_err(|e| err(e.span(), e.message().to_string()))?;

    if let Some(req) = &raw.requires_fetter {
        let ours =
            semver::Version::parse(env!("CARGO_PKG_VERSION")).expect("crate version is semver");
        let wanted = semver::VersionReq::parse(req.get_ref()).map_err(|e| {
            err(
                Some(req.span()),
                format!("`requires-fetter` is not a semver requirement: {e}"),
            )
        })?;
        if !wanted.matches(&ours) {
            return Err(err(
                Some(req.span()),
                format!("this policy requires fetter {wanted}, but this is fetter {ours}: upgrade fetter"),
            ));
        }
    }
    let fail_on = match &raw.fail_on {
        None => Severity::Info,
        Some(s) => s
            .get_ref()
            .parse()
            .map_err(|e: crate::diag::UnknownSeverity| err(Some(s.span()), e.to_string()))?,
    };
    if raw.plugin.is_empty() {
        return Err(err(
            None,
            "no `[[plugin]]` entries: a policy must run at least one plugin".into(),
        ));
    }
    let base = path.parent().unwrap_or(Path::new("."));
    let mut plugins = Vec::new();
    for entry in &raw.plugin {
        let span = entry.span();
        let p = entry.get_ref();
        let source = match (&p.name, &p.path) {
            (Some(_), Some(path_)) => {
                return Err(err(
                    Some(path_.span()),
                    "give either `name` (a first-party plugin) or `path`, not both".into(),
                ))
            }
            (None, None) => {
                return Err(err(
                    Some(span),
                    "a `[[plugin]]` needs `name` (a first-party plugin) or `path` (a .wasm file)"
                        .into(),
                ))
            }
            (Some(name), None) => {
                if name.get_ref() == embedded::EXAMPLE {
                    return Err(err(
                        Some(name.span()),
                        embedded::not_built_in(name.get_ref()),
                    ));
                }
                if embedded::find(name.get_ref()).is_none() {
                    return Err(err(
                        Some(name.span()),
                        format!(
                            "no first-party plugin named {:?} (built in: {}); use `path` for your own",
                            name.get_ref(),
                            embedded::names().join(", ")
                        ),
                    ));
                }
                PluginSource::Embedded(name.get_ref().clone())
            }
            (None, Some(rel)) => PluginSource::File(base.join(rel.get_ref())),
        };
        let sha256 = match &p.sha256 {
            None => None,
            Some(s) => {
                let v = s.get_ref().trim().to_ascii_lowercase();
                if v.len() != 64 || !v.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(err(
                        Some(s.span()),
                        "`sha256` must be 64 hex digits (see `fetter plugin info FILE`)".into(),
                    ));
                }
                Some(v)
            }
        };
        let settings = match &p.settings {
            None => "{}".to_string(),
            Some(t) => serde_json::to_string(t.get_ref()).map_err(|e| {
                err(
                    Some(t.span()),
                    format!("settings cannot be passed as JSON: {e}"),
                )
            })?,
        };
        plugins.push(PolicySpec {
            source,
            sha256,
            settings,
            fail_on: Some(fail_on),
            manifest: Some(path.to_path_buf()),
        });
    }
    Ok(Manifest {
        name: raw.name.into_inner(),
        version: raw.version.map(|v| v.into_inner()).unwrap_or_default(),
        fail_on,
        plugins,
    })
}

/// 1-based line and column of byte `offset` in `text`.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<Manifest, ManifestError> {
        parse(Path::new("/p/policies/x.toml"), text)
    }

    #[test]
    fn parses_plugins_settings_and_threshold() {
        let m = parse_str(
            r#"
name = "x"
version = "1.0.0"
requires-fetter = ">=0.1"
fail-on = "medium"

[[plugin]]
name = "allow-list"

[[plugin]]
path = "../plugins/mine.wasm"
sha256 = "AB00000000000000000000000000000000000000000000000000000000000000"
[plugin.settings]
allow = ["requests", "django*"]
level = 3
"#,
        )
        .unwrap();
        assert_eq!(m.fail_on, Severity::Medium);
        assert_eq!(m.plugins.len(), 2);
        assert!(matches!(&m.plugins[0].source, PluginSource::Embedded(n) if n == "allow-list"));
        assert!(
            matches!(&m.plugins[1].source, PluginSource::File(p) if p == Path::new("/p/policies/../plugins/mine.wasm"))
        );
        assert!(m.plugins[1].sha256.as_deref().unwrap().starts_with("ab00"));
        let settings: serde_json::Value = serde_json::from_str(&m.plugins[1].settings).unwrap();
        assert_eq!(settings["allow"][1], "django*");
        assert_eq!(m.plugins[0].settings, "{}");
    }

    #[test]
    fn errors_name_file_line_and_problem() {
        let e = parse_str("name = \"x\"\n[[plugin]]\nnmae = \"typosquat\"\n").unwrap_err();
        assert_eq!(e.at.map(|a| a.0), Some(3), "{e}");
        assert!(e.to_string().starts_with("/p/policies/x.toml:3:"), "{e}");
        assert!(e.message.contains("nmae"), "{e}");

        let e =
            parse_str("name = \"x\"\nfail-on = \"severe\"\n[[plugin]]\nname = \"allow-list\"\n")
                .unwrap_err();
        assert!(
            e.to_string().contains(":2:") && e.message.contains("severe"),
            "{e}"
        );

        let e = parse_str(
            "name = \"x\"\nrequires-fetter = \">=99\"\n[[plugin]]\nname = \"allow-list\"\n",
        )
        .unwrap_err();
        assert!(
            e.message.contains(">=99") && e.message.contains(env!("CARGO_PKG_VERSION")),
            "{e}"
        );

        let e = parse_str("name = \"x\"\n[[plugin]]\nname = \"nope\"\n").unwrap_err();
        assert!(e.message.contains("allow-list"), "{e}");
        let e = parse_str("name = \"x\"\n[[plugin]]\nname = \"example-custom\"\n").unwrap_err();
        assert!(
            e.message.contains("example plugin")
                && e.message
                    .contains("path = \"examples/example-custom.wasm\""),
            "{e}"
        );

        let e = parse_str("name = \"x\"\n[[plugin]]\nname = \"allow-list\"\nsha256 = \"abc\"\n")
            .unwrap_err();
        assert!(e.message.contains("64 hex"), "{e}");

        assert!(parse_str("name = \"x\"\n")
            .unwrap_err()
            .message
            .contains("[[plugin]]"));
        assert!(parse_str("name = \"x\"\n[[plugin]]\n")
            .unwrap_err()
            .message
            .contains("needs `name`"));
    }
}

#[cfg(test)]
mod shipped {
    /// Every manifest in `policies/` parses; one naming a first-party plugin
    /// not built yet on this branch is reported, not failed (the plugins
    /// land separately).
    #[test]
    fn shipped_policies_parse() {
        let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../policies"));
        let mut checked = 0;
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.extension().is_none_or(|x| x != "toml") {
                continue;
            }
            match super::load(&path) {
                Ok(m) => {
                    assert!(!m.plugins.is_empty());
                    checked += 1;
                }
                Err(e) if e.message.starts_with("no first-party plugin named") => {
                    eprintln!("not checked until its plugin is built: {e}")
                }
                Err(e) => panic!("{e}"),
            }
        }
        eprintln!("{checked} shipped policies parsed");
    }
}
