//! Loading bounds: read each source, detect its format, parse it.

use crate::bounds::cfg::{BoundSource, Selection};
use crate::bounds::lock::{Ambiguity, LockBound, RequiresPython};
use crate::bounds::requirements::{Parsed, Parser};
use crate::bounds::source::Location;
use crate::bounds::spec::{BoundError, Origin};
use crate::bounds::{lock, pyproject};

/// The formats a bound can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// pip's requirements file (any file name).
    Requirements,
    /// `pyproject.toml`: `[project]` dependencies and PEP 735 groups.
    Pyproject,
    /// PEP 751 `pylock.toml` / `pylock.NAME.toml`.
    Pylock,
    /// uv's `uv.lock`.
    UvLock,
    /// Poetry's `poetry.lock`.
    PoetryLock,
}

/// Detect the format from the file name, else from the content (stdin,
/// URLs and renamed files): TOML with the tables a format requires, else a
/// requirements file.
pub fn detect(file_name: &str, text: &str) -> Format {
    let lower = file_name.to_ascii_lowercase();
    if lower == "pyproject.toml" {
        return Format::Pyproject;
    }
    if lower == "pylock.toml" || (lower.starts_with("pylock.") && lower.ends_with(".toml")) {
        return Format::Pylock;
    }
    // `uv lock --script s.py` writes `s.py.lock`.
    if lower == "uv.lock" || lower.ends_with(".py.lock") {
        return Format::UvLock;
    }
    if lower == "poetry.lock" {
        return Format::PoetryLock;
    }
    let Ok(doc) = text.parse::<toml::Table>() else {
        return Format::Requirements;
    };
    if doc.contains_key("lock-version") && doc.contains_key("packages") {
        Format::Pylock
    } else if doc.contains_key("package")
        && doc
            .get("metadata")
            .is_some_and(|m| m.get("content-hash").is_some())
    {
        Format::PoetryLock
    } else if doc.get("version").is_some_and(|v| v.is_integer())
        && ["package", "revision", "requires-python", "manifest"]
            .iter()
            .any(|k| doc.contains_key(*k))
    {
        // uv.lock: an integer `version`; a lock with no package (a script
        // without dependencies) has only `revision` and `requires-python`.
        Format::UvLock
    } else if doc.contains_key("project") || doc.contains_key("dependency-groups") {
        Format::Pyproject
    } else {
        Format::Requirements
    }
}

/// One bound, read and parsed.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Its requirements (empty when `errors` is not).
    pub requirements: Vec<crate::bounds::spec::BoundRequirement>,
    /// A lock's `requires-python`.
    pub requires_python: Option<RequiresPython>,
    /// A lock's entries that would be selected together.
    pub ambiguities: Vec<Ambiguity>,
    /// Why it could not be read.
    pub errors: Vec<BoundError>,
    /// Its format, once read.
    pub format: Option<Format>,
}

impl From<Parsed> for Loaded {
    fn from(p: Parsed) -> Self {
        Loaded {
            requirements: p.requirements,
            errors: p.errors,
            ..Loaded::default()
        }
    }
}

impl From<Result<LockBound, Vec<BoundError>>> for Loaded {
    fn from(r: Result<LockBound, Vec<BoundError>>) -> Self {
        match r {
            Ok(b) => Loaded {
                requirements: b.requirements,
                requires_python: b.requires_python,
                ambiguities: b.ambiguities,
                errors: Vec::new(),
                format: None,
            },
            Err(errors) => Loaded {
                errors,
                ..Loaded::default()
            },
        }
    }
}

/// The selection as the parsers take it.
fn parser_selection(s: &Selection) -> fetter_packaging::bound::Selection {
    fetter_packaging::bound::Selection {
        extras: s.extras.clone(),
        groups: s.groups.clone(),
        all_packages: s.all_packages,
    }
}

/// Read and parse one bound.
pub fn load(source: &BoundSource, selection: &Selection) -> Loaded {
    let selection = &parser_selection(selection);
    let location = match source {
        BoundSource::Path(p) => {
            Location::Path(std::fs::canonicalize(p).unwrap_or_else(|_| p.clone()))
        }
        BoundSource::Url(u) => Location::Url(u.clone()),
        BoundSource::Stdin => Location::Stdin,
    };
    let name = location.display();
    let text = match location.read_named() {
        Ok(t) => t,
        Err(e) => {
            let hint = match source {
                // Not "--bound": lookup-bound takes the bound as an argument.
                BoundSource::Path(_) => "check the path",
                BoundSource::Url(_) => "check the URL and that the server is reachable",
                BoundSource::Stdin => "pipe the bound into fetter",
            };
            return Loaded {
                errors: vec![BoundError::new(
                    Origin::file(source.to_string()),
                    format!("cannot read the bound: {e}; {hint}"),
                )],
                ..Loaded::default()
            };
        }
    };
    let base = location.base_dir();
    let one = |r: Result<Vec<_>, Vec<BoundError>>| match r {
        Ok(requirements) => Parsed {
            requirements,
            errors: Vec::new(),
        },
        Err(errors) => Parsed {
            requirements: Vec::new(),
            errors,
        },
    };
    let format = detect(&location.file_name(), &text);
    let loaded: Loaded = match format {
        Format::Requirements => {
            let env = |k: &str| std::env::var(k).ok();
            Parser::new(&env).parse(&text, &location, false).into()
        }
        Format::Pyproject => one(pyproject::parse(&text, &name, selection)).into(),
        Format::Pylock => lock::pylock::parse(&text, &name, &base, selection).into(),
        Format::UvLock => lock::uv::parse(&text, &name, &base, selection).into(),
        Format::PoetryLock => one(lock::poetry::parse(&text, &name, &base, selection)).into(),
    };
    Loaded {
        format: Some(format),
        ..loaded
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_name_then_content() {
        assert_eq!(detect("pylock.dev.toml", ""), Format::Pylock);
        assert_eq!(detect("uv.lock", ""), Format::UvLock);
        assert_eq!(detect("deps.in", "requests==2\n"), Format::Requirements);
        assert_eq!(
            detect("", "lock-version = \"1.0\"\n[[packages]]\nname = \"a\"\n"),
            Format::Pylock
        );
        assert_eq!(
            detect("", "version = 1\n[[package]]\nname = \"a\"\n"),
            Format::UvLock
        );
        assert_eq!(
            detect(
                "",
                "[[package]]\nname = \"a\"\n[metadata]\ncontent-hash = \"x\"\n"
            ),
            Format::PoetryLock
        );
        assert_eq!(
            detect("x.toml", "[project]\nname = \"a\"\n"),
            Format::Pyproject
        );
        assert_eq!(detect("", ""), Format::Requirements);
        assert_eq!(detect("s.py.lock", ""), Format::UvLock);
        assert_eq!(
            detect(
                "",
                "version = 1\nrevision = 3\nrequires-python = \">=3.11\"\n"
            ),
            Format::UvLock
        );
    }
}
