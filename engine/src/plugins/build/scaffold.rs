//! `fetter plugin new`: a plugin project to start from, in Rust, Python or
//! JavaScript: the WIT contract, an example rule, a README, a test that
//! runs the rule over a small inventory, and (Python, JavaScript) the SDK
//! so that test runs in a plain interpreter.

use std::path::{Path, PathBuf};

use super::{project, sdk, BuildError, Lang};

macro_rules! template {
    ($path:literal) => {
        include_str!(concat!("../../../../plugin-sdk/templates/", $path))
    };
}

/// (path in the project, template) for each language.
fn templates(lang: Lang) -> &'static [(&'static str, &'static str)] {
    match lang {
        Lang::Python => &[
            ("pyproject.toml", template!("python/pyproject.toml")),
            ("policy.py", template!("python/policy.py")),
            ("test_policy.py", template!("python/test_policy.py")),
            ("README.md", template!("python/README.md")),
            (".gitignore", template!("python/gitignore")),
        ],
        Lang::Js => &[
            ("package.json", template!("js/package.json")),
            ("policy.js", template!("js/policy.js")),
            ("policy.test.js", template!("js/policy.test.js")),
            ("README.md", template!("js/README.md")),
            (".gitignore", template!("js/gitignore")),
        ],
        Lang::Rust => &[
            ("Cargo.toml", template!("rust/Cargo.toml")),
            ("src/lib.rs", template!("rust/src/lib.rs")),
            ("README.md", template!("rust/README.md")),
            (".gitignore", template!("rust/gitignore")),
        ],
    }
}

/// Create the project `dir` (which must not exist or be empty) for a
/// plugin called `name`; `sdk_path` is the Rust SDK's directory for the
/// Rust template's `Cargo.toml`. Returns the files written.
pub fn scaffold(
    dir: &Path,
    name: &str,
    lang: Lang,
    sdk_path: &str,
) -> Result<Vec<PathBuf>, BuildError> {
    if !project::valid_name(name) {
        return Err(BuildError::Manifest {
            path: dir.into(),
            problem: format!("plugin name {name:?} must be kebab-case: a lowercase letter, then lowercase letters, digits and `-` (it becomes `plugin:{name}` in reports)"),
        });
    }
    if std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_some()) {
        return Err(BuildError::Manifest {
            path: dir.into(),
            problem: "already exists and is not empty: refusing to write a project over it".into(),
        });
    }
    let mut files: Vec<(String, String)> = templates(lang)
        .iter()
        .map(|(path, text)| {
            (
                path.to_string(),
                text.replace("{{name}}", name)
                    .replace("{{sdk_path}}", sdk_path),
            )
        })
        .collect();
    files.push(("wit/policy.wit".into(), sdk::WIT.into()));
    match lang {
        Lang::Python => files.extend(
            sdk::PYTHON
                .iter()
                .map(|(f, t)| (format!("fetter_policy/{f}"), t.to_string())),
        ),
        Lang::Js => files.push((sdk::JS_NAME.into(), sdk::JS.into())),
        Lang::Rust => {}
    }
    let mut written = Vec::new();
    for (rel, text) in files {
        let path = dir.join(rel);
        super::write(&path, &text)?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_scaffolds_a_project_the_build_reads() {
        for lang in [Lang::Python, Lang::Js, Lang::Rust] {
            let d = tempfile::tempdir().unwrap();
            let dir = d.path().join("no-git");
            scaffold(&dir, "no-git", lang, "/sdk").unwrap();
            let p = project::read(&dir).unwrap();
            assert_eq!(p.lang, lang);
            if lang != Lang::Rust {
                assert_eq!(p.meta.name, "no-git");
                assert!(!p.meta.settings_help.is_empty());
            }
            assert!(dir.join("wit/policy.wit").is_file());
            assert!(
                scaffold(&dir, "no-git", lang, "/sdk").is_err(),
                "overwrote {lang}"
            );
        }
        let d = tempfile::tempdir().unwrap();
        assert!(scaffold(&d.path().join("x"), "No Git", Lang::Python, "").is_err());
    }
}
