//! An installed version string as PEP 440 sees it, telling a version that
//! is not PEP 440 from one that is but that fetter cannot represent.
//!
//! pep440_rs stores each release, pre, post and dev number in a `u64`;
//! PEP 440 sets no limit. `99999999999999999999999.0` is a valid version
//! that pip and `packaging` accept: calling it "not a valid PEP 440
//! version" would send the user after the wrong problem.

use std::fmt;
use std::str::FromStr;

use pep440_rs::Version;

/// Why a version string cannot be compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionProblem {
    /// Not a PEP 440 version at all; the parser's reason.
    Invalid(String),
    /// Valid PEP 440, but a number in it exceeds what fetter can compare.
    TooLarge,
}

impl fmt::Display for VersionProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VersionProblem::Invalid(why) => write!(f, "not a valid PEP 440 version ({why})"),
            VersionProblem::TooLarge => write!(
                f,
                "a valid PEP 440 version, but with a number larger than {} that fetter cannot compare",
                u64::MAX
            ),
        }
    }
}

/// Parse `text` as PEP 440, saying why it cannot be compared when it cannot.
pub fn parse(text: &str) -> Result<Version, VersionProblem> {
    Version::from_str(text).map_err(|e| {
        if fits_once_numbers_shrink(text) {
            VersionProblem::TooLarge
        } else {
            VersionProblem::Invalid(e.to_string())
        }
    })
}

/// True when `text` has a digit run too long for a `u64` and parses once
/// every such run is replaced by `1`: the only obstacle was a number's size.
fn fits_once_numbers_shrink(text: &str) -> bool {
    const U64_DIGITS: usize = 20;
    let mut shrunk = String::with_capacity(text.len());
    let mut run = String::new();
    let mut any_long = false;
    let mut flush = |run: &mut String, out: &mut String| {
        // A 20-digit run may still exceed u64::MAX: treat every run that
        // long as too large and shrink it; shorter runs always fit.
        if run.len() >= U64_DIGITS {
            any_long = true;
            out.push('1');
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if c.is_ascii_digit() {
            run.push(c);
        } else {
            flush(&mut run, &mut shrunk);
            shrunk.push(c);
        }
    }
    flush(&mut run, &mut shrunk);
    any_long && Version::from_str(&shrunk).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn too_large_is_not_invalid() {
        assert_eq!(
            parse("99999999999999999999999.0"),
            Err(VersionProblem::TooLarge)
        );
        assert_eq!(
            parse("1.0.post99999999999999999999999"),
            Err(VersionProblem::TooLarge)
        );
        assert!(parse("18446744073709551615.1").is_ok());
        assert!(matches!(
            parse("99999999999999999999999.0-foo!"),
            Err(VersionProblem::Invalid(_))
        ));
        assert!(matches!(
            parse("not-a-version"),
            Err(VersionProblem::Invalid(_))
        ));
    }
}
