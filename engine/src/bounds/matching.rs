//! Whether an installed distribution satisfies a requirement.
//!
//! Versions are compared by PEP 440 set membership with pre-releases
//! allowed (pre-release exclusion is a resolver policy; an installed
//! pre-release satisfies `>=1.0a1` as pip's `check` says). `===` compares
//! strings; direct URLs and `--hash` values compare with `direct_url.json`.

use pep440_rs::{Operator, Version, VersionSpecifier};
use pep508_rs::VersionOrUrl;

use crate::bounds::hashes::{self, HashCheck};
use crate::bounds::spec::BoundRequirement;
use crate::bounds::urls::{self, UrlMismatch};
use crate::inventory::version::{self, VersionProblem};
use crate::inventory::Distribution;

/// Why an installed distribution does not satisfy a requirement. The
/// text is the finding's message (`bounds/misdefined`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unsatisfied {
    /// A `===` operand differs from the installed version string.
    #[error("version {installed} is not ==={operand} (arbitrary equality compares the strings)")]
    ArbitraryEquality {
        /// The installed version, as written.
        installed: String,
        /// The requirement's `===` operand.
        operand: String,
    },
    /// The installed version is not PEP 440, so no specifier can hold.
    #[error("installed version {installed:?} is {problem}, so it cannot satisfy {specifiers}")]
    NotComparable {
        /// The installed version, as written.
        installed: String,
        /// Why it is not a PEP 440 version.
        problem: String,
        /// The requirement's specifiers.
        specifiers: String,
    },
    /// The installed version is outside a specifier.
    #[error("version {installed} does not satisfy {specifier}")]
    Outside {
        /// The installed version, as written.
        installed: String,
        /// The first specifier it is outside.
        specifier: String,
    },
    /// Installed from another URL, VCS or revision than required.
    #[error(transparent)]
    Url(#[from] UrlMismatch),
    /// The recorded archive hash is none of the `--hash` values.
    #[error("{0}")]
    Hash(String),
}

/// `Ok` when `dist` satisfies `req`; `Err` says why not. A `--hash` the
/// installed archive's recorded hash contradicts is a reason; one that
/// nothing recorded can confirm is not (see [`hash_unchecked`]).
pub fn satisfies(req: &BoundRequirement, dist: &Distribution) -> Result<(), Unsatisfied> {
    dist_version_satisfies(req, dist)?;
    if let Some(url) = req.url() {
        let given = url.given().unwrap_or(url.raw().as_str());
        urls::satisfies(&urls::parse(given), dist.direct_url.as_ref())?;
    }
    match hashes::check(&req.hashes, dist.direct_url.as_ref()) {
        HashCheck::Mismatch(why) => Err(Unsatisfied::Hash(why)),
        HashCheck::Match | HashCheck::Unchecked => Ok(()),
    }
}

/// True when `req` lists `--hash` values but `dist` recorded no archive
/// hash to compare them with.
pub fn hash_unchecked(req: &BoundRequirement, dist: &Distribution) -> bool {
    hashes::check(&req.hashes, dist.direct_url.as_ref()) == HashCheck::Unchecked
}

/// `Ok` when the installed version string satisfies the requirement's
/// version specifiers (and `===` operands). For an installed distribution,
/// [`dist_version_satisfies`] uses the version the scan parsed.
pub fn version_satisfies(req: &BoundRequirement, installed: &str) -> Result<(), Unsatisfied> {
    let parsed = version::parse(installed);
    let problem = parsed.as_ref().err().cloned();
    version_matches(req, installed, parsed.as_ref().ok(), || problem)
}

/// [`version_satisfies`] for an installed distribution, comparing its
/// already parsed [`Distribution::parsed_version`].
pub fn dist_version_satisfies(
    req: &BoundRequirement,
    dist: &Distribution,
) -> Result<(), Unsatisfied> {
    version_matches(req, &dist.version, dist.parsed_version.as_ref(), || {
        dist.version_problem()
    })
}

/// The version check proper: `installed` as written (for `===` and
/// messages), `parsed` its PEP 440 form when it has one, and `problem`
/// why it has none (asked only for the message).
fn version_matches(
    req: &BoundRequirement,
    installed: &str,
    parsed: Option<&Version>,
    problem: impl FnOnce() -> Option<VersionProblem>,
) -> Result<(), Unsatisfied> {
    for operand in &req.arbitrary {
        if !operand.eq_ignore_ascii_case(installed.trim()) {
            return Err(Unsatisfied::ArbitraryEquality {
                installed: installed.to_string(),
                operand: operand.clone(),
            });
        }
    }
    let Some(VersionOrUrl::VersionSpecifier(specifiers)) = &req.requirement.version_or_url else {
        return Ok(());
    };
    let checked: Vec<_> = specifiers
        .iter()
        .filter(|s| *s.operator() != Operator::ExactEqual)
        .collect();
    if checked.is_empty() {
        return Ok(());
    }
    let Some(version) = parsed else {
        let problem = problem().map_or_else(|| "not comparable".to_string(), |p| p.to_string());
        return Err(Unsatisfied::NotComparable {
            installed: installed.to_string(),
            problem,
            specifiers: specifiers.to_string(),
        });
    };
    match checked.iter().find(|s| !contains(s, version)) {
        None => Ok(()),
        Some(s) => Err(Unsatisfied::Outside {
            installed: installed.to_string(),
            specifier: s.to_string(),
        }),
    }
}

/// PEP 440 membership of one specifier. pep440_rs 0.7.3 makes `<V` refuse
/// every pre-release of V's release even when V is itself a pre-release
/// (`<2.0rc1` refused `2.0b1`, `<2.0a0` refused `2.0a0.dev0`); PEP 440 and
/// `packaging` exclude them only when V is not a pre-release. Found by
/// tests/differential.rs; for a pre-release V, `<V` is plain ordering.
pub(crate) fn contains(spec: &VersionSpecifier, version: &Version) -> bool {
    if *spec.operator() == Operator::LessThan && spec.version().any_prerelease() {
        return version < spec.version();
    }
    spec.contains(version)
}

#[cfg(test)]
#[path = "matching_tests.rs"]
mod tests;
