//! One requirement of a bound, parsed with `pep508_rs`, where it came
//! from, and what a bound that cannot be read reports ([`BoundError`]); the
//! extras and groups a bound is read with ([`Selection`]).

use std::fmt;

use pep508_rs::{Requirement, VerbatimUrl, VersionOrUrl};

use crate::hashes::RequirementHash;
use crate::names;
use crate::pep508;

/// Which optional parts of a bound are read: extras, dependency groups,
/// and (`uv.lock`) every workspace member.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Optional-dependency extras to include (`--extra NAME`).
    pub extras: Vec<String>,
    /// Dependency groups to include (`--group NAME`, PEP 735).
    pub groups: Vec<String>,
    /// `uv.lock`: require every workspace member's dependencies, as
    /// `uv sync --all-packages` installs, not only the root project's.
    pub all_packages: bool,
}

/// Where a requirement was written: a file (or URL, or `<stdin>`) and a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The bound file, URL or `<stdin>`.
    pub source: String,
    /// 1-based line number, when the format has lines.
    pub line: Option<usize>,
}

impl Origin {
    /// An origin without a line number.
    pub fn file(source: impl Into<String>) -> Self {
        Origin {
            source: source.into(),
            line: None,
        }
    }

    /// An origin at `line` of `source`.
    pub fn at(source: impl Into<String>, line: usize) -> Self {
        Origin {
            source: source.into(),
            line: Some(line),
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{l}", self.source),
            None => f.write_str(&self.source),
        }
    }
}

/// A bound that could not be read, fetched or parsed: where, and the
/// message of the typed error of the module that found it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}: {message}")]
pub struct BoundError {
    /// Where.
    pub origin: Origin,
    /// What is wrong and what to do.
    pub message: String,
}

impl BoundError {
    /// An error at `origin`.
    pub fn new(origin: Origin, message: impl Into<String>) -> Self {
        BoundError {
            origin,
            message: message.into(),
        }
    }
}

/// One requirement of a bound.
#[derive(Debug, Clone)]
pub struct BoundRequirement {
    /// The PEP 508 requirement: name, extras, versions or URL, marker.
    pub requirement: Requirement<VerbatimUrl>,
    /// PEP 503 normalized name.
    pub name: String,
    /// `===` operands, compared as strings with the installed version
    /// (PEP 440 arbitrary equality; they need not be valid versions).
    pub arbitrary: Vec<String>,
    /// The requirement as written (after joining continuations).
    pub text: String,
    /// Where it was written.
    pub origin: Origin,
    /// False for constraints (`-c`) and other entries that allow a
    /// distribution without requiring it: never `bounds/missing`.
    pub required: bool,
    /// True for `-e` requirements.
    pub editable: bool,
    /// `--hash` values of a requirements-file line: the archives allowed
    /// (checked against `direct_url.json` where it records one).
    pub hashes: Vec<RequirementHash>,
}

impl BoundRequirement {
    /// Parse a PEP 508 requirement string.
    pub fn parse(text: &str, origin: Origin) -> Result<Self, BoundError> {
        let (requirement, arbitrary) = pep508::parse_requirement(text)
            .map_err(|e| BoundError::new(origin.clone(), e.to_string()))?;
        Ok(Self::from_requirement(requirement, arbitrary, text, origin))
    }

    /// Wrap an already parsed requirement.
    pub fn from_requirement(
        requirement: Requirement<VerbatimUrl>,
        arbitrary: Vec<String>,
        text: &str,
        origin: Origin,
    ) -> Self {
        BoundRequirement {
            name: names::normalize(requirement.name.as_ref()),
            requirement,
            arbitrary,
            text: text.trim().to_string(),
            origin,
            required: true,
            editable: false,
            hashes: Vec::new(),
        }
    }

    /// The direct URL, for `name @ url` requirements.
    pub fn url(&self) -> Option<&VerbatimUrl> {
        match &self.requirement.version_or_url {
            Some(VersionOrUrl::Url(u)) => Some(u),
            _ => None,
        }
    }

    /// A copy that allows without requiring (a constraint).
    pub fn as_constraint(mut self) -> Self {
        self.required = false;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arbitrary_equality_keeps_non_pep440_operands() {
        let r = BoundRequirement::parse("foo===foobar", Origin::file("x")).unwrap();
        assert_eq!(r.arbitrary, vec!["foobar".to_string()]);
        assert_eq!(r.name, "foo");
        let r =
            BoundRequirement::parse("foo === 1.0 ; python_version>'3'", Origin::file("x")).unwrap();
        assert_eq!(r.arbitrary, vec!["1.0".to_string()]);
    }

    #[test]
    fn non_ascii_after_extras_is_an_error_not_a_panic() {
        // fuzz/artifacts/requirement/crash-c59c4eab…, and its shortest form.
        for text in [
            "x[a é]",
            "x[a\té]",
            "boto3-stubs[appcnjsojschemasc\t\u{1769e}m\0\0\0fig,s4r2de`\"`",
        ] {
            let e = BoundRequirement::parse(text, Origin::at("r.txt", 1)).unwrap_err();
            assert!(e.to_string().contains("invalid requirement"), "{e}");
        }
    }

    #[test]
    fn invalid_requirement_names_the_origin() {
        let e = BoundRequirement::parse("foo >= ", Origin::at("req.txt", 3)).unwrap_err();
        assert!(
            e.to_string().starts_with("req.txt:3: invalid requirement"),
            "{e}"
        );
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let deep = format!(
            "a ; {}python_version > '3'{}",
            "(".repeat(100_000),
            ")".repeat(100_000)
        );
        let e = BoundRequirement::parse(&deep, Origin::at("deep.txt", 1)).unwrap_err();
        assert!(e.to_string().contains("nested deeper than 64"), "{e}");
        let ok = format!(
            "a ; {}python_version > '3'{}",
            "(".repeat(10),
            ")".repeat(10)
        );
        assert!(BoundRequirement::parse(&ok, Origin::file("x")).is_ok());
    }

    /// Regression: pep508_rs panicked (and poisoned its interner) on a
    /// quoted string `~=` a string variable; found by tests/differential.rs.
    #[test]
    fn inverted_string_tilde_is_an_error_not_a_panic() {
        for text in [
            "x ; 'linux' ~= sys_platform",
            "x ; python_version > '3' and \"cpython\"~=implementation_name",
        ] {
            let e = BoundRequirement::parse(text, Origin::at("t.txt", 1)).unwrap_err();
            assert!(e.to_string().contains("`~=` cannot compare"), "{e}");
        }
        assert!(BoundRequirement::parse("x ; python_version ~= '3.8'", Origin::file("x")).is_ok());
        assert!(BoundRequirement::parse("x ; sys_platform == 'a~=b'", Origin::file("x")).is_ok());
    }

    /// Regression: pep508_rs panicked on a name ending in a separator
    /// followed by more text; found by tests/properties.rs.
    #[test]
    fn name_ending_in_a_separator_is_an_error_not_a_panic() {
        for text in [
            "A- ",
            "foo_>=1",
            "a.[x]",
            "b- ; python_version > '3'",
            "c-{",
        ] {
            let e = BoundRequirement::parse(text, Origin::at("t.txt", 2)).unwrap_err();
            assert!(
                e.to_string().contains("must end with a letter or digit"),
                "{e}"
            );
        }
        assert!(BoundRequirement::parse("a-b.c_d>=1", Origin::file("x")).is_ok());
        // The fuzz input, and other extras ending in a separator.
        for text in [
            "certi023.botocore[crt5.] (<2.0apypy0,>=1.21.0) ; extra ==.\u{2} 'crt'",
            "x[a, b-]",
            "x [ok,c_ ]>=1",
            "x [    i_ oEgg [ dev\"",
        ] {
            let e = BoundRequirement::parse(text, Origin::at("t.txt", 2)).unwrap_err();
            assert!(
                e.to_string().contains("must end with a letter or digit"),
                "{e}"
            );
        }
        assert!(BoundRequirement::parse("x[a-b, c.d]>=1", Origin::file("x")).is_ok());
    }

    #[test]
    fn names_are_normalized() {
        let r = BoundRequirement::parse("Jaraco.Classes==3.2", Origin::file("x")).unwrap();
        assert_eq!(r.name, "jaraco-classes");
    }
}
