//! One requirement of a bound, parsed with `pep508_rs`, and where it came from.

use std::fmt;
use std::str::FromStr;

use pep508_rs::{Requirement, VerbatimUrl, VersionOrUrl};

use crate::bounds::hashes::RequirementHash;
use crate::names;

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

/// A bound that could not be read, fetched or parsed.
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
        check_nesting(text).map_err(|m| BoundError::new(origin.clone(), m))?;
        check_name_end(text).map_err(|m| BoundError::new(origin.clone(), m))?;
        let (pep508_text, arbitrary) = extract_arbitrary(text);
        crate::bounds::marker_guard::check_requirement(&pep508_text)
            .map_err(|m| BoundError::new(origin.clone(), m))?;
        let requirement = Requirement::<VerbatimUrl>::from_str(&pep508_text).map_err(|e| {
            BoundError::new(
                origin.clone(),
                format!(
                    "invalid requirement {:?}: {}",
                    shorten(text),
                    pep508_message(&e)
                ),
            )
        })?;
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

/// `text`, cut to 120 characters for messages (a bad line may be huge).
pub fn shorten(text: &str) -> String {
    const MAX: usize = 120;
    match text.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

/// Deepest parenthesis nesting accepted in a requirement or marker.
pub const MAX_NESTING: usize = 64;

/// Refuse markers nested deeper than [`MAX_NESTING`]: the marker parser
/// recurses once per level, and a hostile bound could overflow the stack
/// (an abort, not an error).
pub fn check_nesting(text: &str) -> Result<(), String> {
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '(' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(format!(
                        "parentheses nested deeper than {MAX_NESTING} levels; simplify the marker"
                    ));
                }
            }
            ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// Refuse a leading name that ends in `.`, `-` or `_` before another
/// character (`foo_>=1`, `A- `): pep508_rs 0.9.2 panics on it
/// (`expect` on `PackageName::new`, lib.rs:477) instead of returning an
/// error. Found by tests/properties.rs.
fn check_name_end(text: &str) -> Result<(), String> {
    let t = text.trim_start();
    let end = t
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')))
        .unwrap_or(t.len());
    if let Some(c @ ('.' | '-' | '_')) = t[..end].chars().last() {
        if end < t.len() {
            return Err(format!(
                "package name {:?} must end with a letter or digit, not {c:?}",
                shorten(&t[..end])
            ));
        }
    }
    // Extras too: `x[crt5.]` panicked the same way (`expect` on
    // `ExtraName::new`, lib.rs:658). Found by the `requirement` fuzz target.
    if let Some(inner) = t[end..].trim_start().strip_prefix('[') {
        let inner = inner.split(']').next().unwrap_or_default();
        if let Some(bad) = inner
            .split(|c: char| c == ',' || c.is_whitespace())
            .find(|e| e.ends_with(['.', '-', '_']))
        {
            return Err(format!(
                "extra {:?} must end with a letter or digit",
                shorten(bad)
            ));
        }
    }
    Ok(())
}

/// The first line of a multi-line parser message (pep508_rs underlines the
/// error position on following lines).
fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
}

/// The first line of a pep508_rs error's message, without the input
/// excerpt its `Display` underlines: pep508_rs 0.9.2 cuts that excerpt at
/// character counts used as byte offsets, and panics when they fall inside
/// a multi-byte character (`x[a é]`). Found by the `requirement` fuzz
/// target. The excerpt was never shown (only the first line was kept).
pub(crate) fn pep508_message(e: &pep508_rs::Pep508Error<VerbatimUrl>) -> String {
    first_line(&e.message.to_string()).to_string()
}

/// Replace each `=== OPERAND` with `===0` so `pep508_rs` accepts operands
/// that are not PEP 440 versions, and return the operands as written.
fn extract_arbitrary(text: &str) -> (String, Vec<String>) {
    if !text.contains("===") {
        return (text.to_string(), Vec::new());
    }
    // Only the part before the marker holds specifiers.
    let (head, tail) = match text.find(';') {
        Some(i) => text.split_at(i),
        None => (text, ""),
    };
    let mut out = String::with_capacity(text.len());
    let mut operands = Vec::new();
    let mut rest = head;
    while let Some(i) = rest.find("===") {
        out.push_str(&rest[..i + 3]);
        let after = rest[i + 3..].trim_start();
        let end = after
            .find(|c: char| c == ',' || c == ')' || c.is_whitespace())
            .unwrap_or(after.len());
        operands.push(after[..end].to_string());
        out.push('0');
        rest = &after[end..];
    }
    out.push_str(rest);
    out.push_str(tail);
    (out, operands)
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
