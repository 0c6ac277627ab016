//! Wheel file names, by the binary distribution format specification:
//! `{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl`.
//!
//! A requirement naming a wheel by URL or path takes its project name from
//! the file name, so a name that does not fit the format must not be
//! guessed at: pip refuses it ("Invalid wheel filename") before installing
//! anything, and so does fetter. The file name is the URL's last path
//! segment *after* percent-decoding, as pip reads it; one that decodes to a
//! path (`..%2F..%2Ftarget.whl`) is refused outright rather than cut at the
//! decoded `/` (pip would take `target.whl`, also refused).

use std::str::FromStr;

use pep440_rs::Version;

use crate::pep508::shorten;

/// A wheel file name split into its fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WheelFilename {
    /// The project name as written (`_` for `-`, per the spec's escaping).
    pub name: String,
    /// The version.
    pub version: Version,
    /// The optional build tag (starts with a digit).
    pub build: Option<String>,
    /// Python tags (`py3`, `cp311`; `py2.py3` is two).
    pub python: Vec<String>,
    /// ABI tags (`none`, `abi3`, `cp311`).
    pub abi: Vec<String>,
    /// Platform tags (`any`, `manylinux_2_17_x86_64`).
    pub platform: Vec<String>,
}

/// Why a file name is not a wheel file name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid wheel filename {:?}: {reason} (expected NAME-VERSION[-BUILD]-PYTHON-ABI-PLATFORM.whl)",
    shorten(file)
)]
pub struct InvalidWheelFilename {
    /// The file name as read (after percent-decoding).
    pub file: String,
    /// Which field is wrong.
    pub reason: WheelNameProblem,
}

/// The field of a wheel file name that is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WheelNameProblem {
    /// It holds `/`, `\` or NUL once decoded.
    #[error("the file name decodes to a path")]
    DecodesToPath,
    /// Not `.whl`.
    #[error("the extension must be `.whl`")]
    Extension,
    /// Not 5 or 6 fields.
    #[error("{0} dash-separated fields, not 5 or 6")]
    FieldCount(usize),
    /// The name is not an escaped project name.
    #[error("{0:?} is not a project name")]
    Name(String),
    /// The version is not PEP 440.
    #[error("{0:?} is not a PEP 440 version")]
    Version(String),
    /// The build tag does not start with a digit.
    #[error("build tag {0:?} must start with a digit")]
    BuildTag(String),
    /// A python, abi or platform tag is malformed.
    #[error("{field} tag {tag:?} is not a tag")]
    Tag {
        /// `python`, `abi` or `platform`.
        field: &'static str,
        /// The tag as written.
        tag: String,
    },
}

impl FromStr for WheelFilename {
    type Err = InvalidWheelFilename;

    fn from_str(file: &str) -> Result<Self, Self::Err> {
        let bad = |reason: WheelNameProblem| InvalidWheelFilename {
            file: file.to_string(),
            reason,
        };
        if file.contains(['/', '\\', '\0']) {
            return Err(bad(WheelNameProblem::DecodesToPath));
        }
        let stem = file
            .strip_suffix(".whl")
            .ok_or_else(|| bad(WheelNameProblem::Extension))?;
        let parts: Vec<&str> = stem.split('-').collect();
        let (name, version, build, tags) = match parts.as_slice() {
            [n, v, p, a, pl] => (*n, *v, None, [*p, *a, *pl]),
            [n, v, b, p, a, pl] => (*n, *v, Some(*b), [*p, *a, *pl]),
            _ => return Err(bad(WheelNameProblem::FieldCount(parts.len()))),
        };
        // Escaped names use `_` for every run of `-`, `_` and `.`; `__`
        // cannot come out of that escaping.
        if name.contains("__")
            || !name
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.'))
            || !crate::names::is_valid(name)
        {
            return Err(bad(WheelNameProblem::Name(name.to_string())));
        }
        let version = Version::from_str(version)
            .map_err(|_| bad(WheelNameProblem::Version(version.to_string())))?;
        if let Some(b) = build {
            if !b.starts_with(|c: char| c.is_ascii_digit()) {
                return Err(bad(WheelNameProblem::BuildTag(b.to_string())));
            }
        }
        let [python, abi, platform]: [Vec<String>; 3] =
            tags.map(|t| t.split('.').map(str::to_string).collect());
        for (field, set) in [("python", &python), ("abi", &abi), ("platform", &platform)] {
            check_tags(field, set).map_err(bad)?;
        }
        Ok(WheelFilename {
            name: name.to_string(),
            version,
            build: build.map(str::to_string),
            python,
            abi,
            platform,
        })
    }
}

/// Each tag of a (possibly compressed, `py2.py3`) tag set is a non-empty
/// run of ASCII letters, digits and `_` (platform tags are
/// `sysconfig.get_platform()` with `-` and `.` made `_`); Python tags
/// start with a letter or `_`, as `packaging` requires.
fn check_tags(field: &'static str, set: &[String]) -> Result<(), WheelNameProblem> {
    for tag in set {
        let ok = !tag.is_empty()
            && tag.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
            && (field != "python" || !tag.starts_with(|c: char| c.is_ascii_digit()));
        if !ok {
            return Err(WheelNameProblem::Tag {
                field,
                tag: tag.clone(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<WheelFilename, InvalidWheelFilename> {
        s.parse()
    }

    #[test]
    fn valid_names_split_into_fields() {
        let w = parse("foo_bar-1.0-py3-none-any.whl").unwrap();
        assert_eq!(w.name, "foo_bar");
        assert_eq!(w.version.to_string(), "1.0");
        assert_eq!(w.build, None);
        let w = parse("Pkg.Name-2.0rc1-7local-py2.py3-cp311_x-manylinux_2_17_x86_64.whl").unwrap();
        assert_eq!(w.build.as_deref(), Some("7local"));
        assert_eq!(w.python, ["py2", "py3"]);
        assert_eq!(w.platform, ["manylinux_2_17_x86_64"]);
    }

    #[test]
    fn names_that_do_not_fit_are_refused_with_the_field() {
        for (file, why) in [
            ("pkg-1.0-py3-none-../../../target.whl", "decodes to a path"),
            ("target.whl", "1 dash-separated fields"),
            ("pkg-1.0-py3-none-any-x-y.whl", "7 dash-separated"),
            ("pkg-1.0-py3-none-any.WHL", "extension"),
            ("pkg__x-1.0-py3-none-any.whl", "not a project name"),
            ("_pkg-1.0-py3-none-any.whl", "not a project name"),
            ("pkg-one-py3-none-any.whl", "not a PEP 440 version"),
            ("pkg-1.0-b1-py3-none-any.whl", "must start with a digit"),
            ("pkg-1.0-py3..py2-none-any.whl", "python tag \"\""),
            ("pkg-1.0-3py-none-any.whl", "python tag \"3py\""),
            ("pkg-1.0-py3-none-linux+x.whl", "platform tag"),
            ("pkg-1.0-py3--any.whl", "abi tag \"\""),
        ] {
            let e = parse(file).unwrap_err();
            assert!(e.to_string().contains(why), "{file}: {e}");
            assert!(e.to_string().starts_with("invalid wheel filename"), "{e}");
        }
    }
}
