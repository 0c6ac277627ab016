//! A plugin project on disk: which language it is written in, and the
//! metadata its own manifest declares (`pyproject.toml`, `package.json`,
//! `Cargo.toml`), which the build embeds in the component.

use std::path::{Path, PathBuf};

use fetter_plugin_abi::{PluginMeta, ABI_VERSION};

use super::BuildError;

/// The language a plugin is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// A crate using `fetter-plugin-sdk` (`Cargo.toml`).
    Rust,
    /// A module using `fetter_policy` (`pyproject.toml`), built with componentize-py.
    Python,
    /// A module using `fetter-policy.js` (`package.json`), built with componentize-js.
    Js,
}

impl Lang {
    /// Parse `rust`, `python`/`py`, `js`/`javascript`.
    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "rust" => Some(Lang::Rust),
            "python" | "py" => Some(Lang::Python),
            "js" | "javascript" => Some(Lang::Js),
            _ => None,
        }
    }

    /// The manifest file that marks a project of this language.
    pub fn manifest(self) -> &'static str {
        match self {
            Lang::Rust => "Cargo.toml",
            Lang::Python => "pyproject.toml",
            Lang::Js => "package.json",
        }
    }
}

impl std::fmt::Display for Lang {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Lang::Rust => "rust",
            Lang::Python => "python",
            Lang::Js => "js",
        })
    }
}

/// A plugin project: its directory, language, entry module and metadata.
#[derive(Debug, Clone)]
pub struct Project {
    /// The project directory.
    pub dir: PathBuf,
    /// Its language.
    pub lang: Lang,
    /// The metadata to embed (for Rust, what `export_plugin!` embeds itself).
    pub meta: PluginMeta,
    /// The module holding the rule: `policy` (Python module name) or
    /// `policy.js` (a file in the directory); empty for Rust.
    pub entry: String,
}

/// Which language `dir` holds, from the one manifest it has.
pub fn detect(dir: &Path) -> Result<Lang, BuildError> {
    let found: Vec<Lang> = [Lang::Rust, Lang::Python, Lang::Js]
        .into_iter()
        .filter(|l| dir.join(l.manifest()).is_file())
        .collect();
    match found.as_slice() {
        [one] => Ok(*one),
        [] => Err(BuildError::NoProject { dir: dir.into() }),
        many => Err(BuildError::Ambiguous {
            dir: dir.into(),
            manifests: many.iter().map(|l| l.manifest()).collect(),
        }),
    }
}

/// Read the project in `dir`.
pub fn read(dir: &Path) -> Result<Project, BuildError> {
    let lang = detect(dir)?;
    let path = dir.join(lang.manifest());
    let text = std::fs::read_to_string(&path).map_err(|source| BuildError::Io {
        path: path.clone(),
        source,
    })?;
    let bad = |problem: String| BuildError::Manifest {
        path: path.clone(),
        problem,
    };
    let (meta, entry) = match lang {
        Lang::Rust => (PluginMeta::default(), String::new()),
        Lang::Python => {
            let doc: toml::Table = toml::from_str(&text).map_err(|e| bad(e.to_string()))?;
            let project = doc.get("project").and_then(|p| p.as_table());
            let tool = doc
                .get("tool")
                .and_then(|t| t.get("fetter"))
                .and_then(|t| t.as_table());
            let get = |t: Option<&toml::Table>, k: &str| {
                t.and_then(|t| t.get(k))
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
            };
            let meta = PluginMeta {
                name: get(project, "name").ok_or_else(|| bad("no `[project] name`".into()))?,
                version: get(project, "version")
                    .ok_or_else(|| bad("no `[project] version`".into()))?,
                abi: ABI_VERSION.to_string(),
                description: get(project, "description").unwrap_or_default(),
                settings_help: get(tool, "settings-help").unwrap_or_default(),
            };
            let entry = get(tool, "module").unwrap_or_else(|| "policy".into());
            if !entry.split('.').all(is_identifier) {
                return Err(bad(format!(
                    "`[tool.fetter] module = {entry:?}` is not a Python module name"
                )));
            }
            (meta, entry)
        }
        Lang::Js => {
            let doc: serde_json::Value =
                serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
            let get = |k: &str| doc.get(k).and_then(|v| v.as_str()).map(str::to_string);
            let meta = PluginMeta {
                name: get("name").ok_or_else(|| bad("no `name`".into()))?,
                version: get("version").ok_or_else(|| bad("no `version`".into()))?,
                abi: ABI_VERSION.to_string(),
                description: get("description").unwrap_or_default(),
                settings_help: doc
                    .pointer("/fetter/settingsHelp")
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string(),
            };
            let entry = get("main").unwrap_or_else(|| "policy.js".into());
            if entry.contains("..") || entry.starts_with('/') || !entry.ends_with(".js") {
                return Err(bad(format!(
                    "`main` {entry:?} must be a .js file inside the project"
                )));
            }
            (meta, entry)
        }
    };
    if lang != Lang::Rust && !valid_name(&meta.name) {
        return Err(bad(format!(
            "plugin name {:?} must be kebab-case: lowercase letters, digits and `-` (it becomes `plugin:<name>` in reports)",
            meta.name
        )));
    }
    Ok(Project {
        dir: dir.to_path_buf(),
        lang,
        meta,
        entry,
    })
}

/// A plugin name fit for `plugin:<name>`: lowercase kebab-case, 1–64 bytes.
pub fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name.as_bytes()[0].is_ascii_lowercase()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_python_and_js_metadata() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(
            d.path().join("pyproject.toml"),
            "[project]\nname = \"no-git\"\nversion = \"1.2.0\"\ndescription = \"Deny git\"\n[tool.fetter]\nsettings-help = \"none\"\n",
        )
        .unwrap();
        let p = read(d.path()).unwrap();
        assert_eq!(p.lang, Lang::Python);
        assert_eq!(
            (p.meta.name.as_str(), p.meta.version.as_str()),
            ("no-git", "1.2.0")
        );
        assert_eq!(p.meta.settings_help, "none");
        assert_eq!(p.entry, "policy");
        std::fs::write(d.path().join("package.json"), "{}").unwrap();
        assert!(matches!(read(d.path()), Err(BuildError::Ambiguous { .. })));
        std::fs::remove_file(d.path().join("pyproject.toml")).unwrap();
        std::fs::write(
            d.path().join("package.json"),
            r#"{"name": "No Git", "version": "1.0.0"}"#,
        )
        .unwrap();
        let e = read(d.path()).unwrap_err().to_string();
        assert!(e.contains("kebab-case"), "{e}");
    }
}
