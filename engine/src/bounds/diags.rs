//! Diagnostics of the bounds check, with stable codes.

use crate::bounds::spec::{BoundError, BoundRequirement};
use crate::diag::{Action, CheckFailure, CheckId, Diagnostic, DistRef, Severity};
use crate::inventory::{DistId, Distribution, Environment};

/// What the bounds check reports about a distribution or a requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Code {
    /// Installed, but the bound does not list it (`bounds/unrequired`).
    Unrequired,
    /// Installed at a version (or from a source) the bound does not allow
    /// (`bounds/misdefined`).
    Misdefined,
    /// Required by the bound, but not installed (`bounds/missing`).
    Missing,
    /// `--hash` values nothing installed recorded a hash to compare with (a
    /// warning, once per run: `bounds/hash-unchecked`).
    HashUnchecked,
    /// The environment's Python is outside a lock's `requires-python`
    /// (`bounds/requires-python`).
    RequiresPython,
}

impl Code {
    /// Every code, for reading reports back.
    pub const ALL: [Code; 5] = [
        Code::Unrequired,
        Code::Misdefined,
        Code::Missing,
        Code::HashUnchecked,
        Code::RequiresPython,
    ];

    /// The stable text users grep for and SARIF shows.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Unrequired => "bounds/unrequired",
            Code::Misdefined => "bounds/misdefined",
            Code::Missing => "bounds/missing",
            Code::HashUnchecked => "bounds/hash-unchecked",
            Code::RequiresPython => "bounds/requires-python",
        }
    }

    /// The code whose text is `s`.
    pub fn from_text(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// `bounds/unrequired`: `dist` is installed in `env` but not in the bound.
pub fn unrequired(env: &Environment, id: DistId, dist: &Distribution) -> Diagnostic {
    Diagnostic {
        code: Code::Unrequired.into(),
        check: CheckId::Bounds,
        severity: Severity::High,
        action: Action::Deny,
        environment: env.prefix.clone(),
        distribution: Some(DistRef::of(id, dist)),
        requirement: None,
        message: format!(
            "{} {} is installed but not in the bound",
            dist.name, dist.version
        ),
        suggestion: Some(format!(
            "add `{}` to the bound, uninstall it (`fetter purge`), or pass --superset",
            dist.name
        )),
    }
}

/// `bounds/misdefined`: `dist` does not satisfy `req` (`why`).
pub fn misdefined(
    env: &Environment,
    id: DistId,
    dist: &Distribution,
    req: &BoundRequirement,
    why: &str,
) -> Diagnostic {
    Diagnostic {
        code: Code::Misdefined.into(),
        check: CheckId::Bounds,
        severity: Severity::High,
        action: Action::Deny,
        environment: env.prefix.clone(),
        distribution: Some(DistRef::of(id, dist)),
        requirement: Some(req.text.clone()),
        message: format!("{} {}: {why} ({})", dist.name, dist.version, req.origin),
        suggestion: Some(format!(
            "install a version allowed by `{}`, or change the bound",
            req.text
        )),
    }
}

/// `bounds/missing`: `req` applies to `env` but nothing installed provides it.
pub fn missing(env: &Environment, req: &BoundRequirement) -> Diagnostic {
    Diagnostic {
        code: Code::Missing.into(),
        check: CheckId::Bounds,
        severity: Severity::High,
        action: Action::Deny,
        environment: env.prefix.clone(),
        distribution: None,
        requirement: Some(req.text.clone()),
        message: format!(
            "{} is required ({}) but not installed",
            req.name, req.origin
        ),
        suggestion: Some(
            "install it, or pass --subset if the bound may list more than is installed".into(),
        ),
    }
}

/// `bounds/hash-unchecked`: the bound's `--hash` values for `names` could not
/// be checked in `environments` environment(s) (reported on the first).
pub fn hash_unchecked(
    env: &Environment,
    names: &std::collections::BTreeSet<&str>,
    environments: usize,
) -> Diagnostic {
    const SHOWN: usize = 5;
    let mut list: Vec<&str> = names.iter().copied().take(SHOWN).collect();
    let more = format!("and {} more", names.len().saturating_sub(SHOWN));
    if names.len() > SHOWN {
        list.push(&more);
    }
    Diagnostic {
        code: Code::HashUnchecked.into(),
        check: CheckId::Bounds,
        severity: Severity::Info,
        action: Action::Warn,
        environment: env.prefix.clone(),
        distribution: None,
        requirement: None,
        message: format!(
            "--hash was not checked for {} installed distribution(s) in {environments} \
             environment(s) ({}): only installs from a direct URL record their archive's hash \
             (direct_url.json)",
            names.len(),
            list.join(", ")
        ),
        suggestion: Some(
            "hashes are checked at install time by `pip install --require-hashes -r FILE`".into(),
        ),
    }
}

/// `bounds/requires-python`: `env` runs Python `version`, outside the
/// range its lock was made for.
pub fn outside_requires_python(
    env: &Environment,
    version: &str,
    rp: &crate::bounds::lock::RequiresPython,
) -> Diagnostic {
    Diagnostic {
        code: Code::RequiresPython.into(),
        check: CheckId::Bounds,
        severity: Severity::High,
        action: Action::Deny,
        environment: env.prefix.clone(),
        distribution: None,
        requirement: Some(format!("requires-python {}", rp.specifiers)),
        message: format!(
            "Python {version} is outside requires-python {} ({}); its packages were not compared with the lock",
            rp.specifiers, rp.origin
        ),
        suggestion: Some(
            "use an interpreter the lock allows, or relock for this Python".into(),
        ),
    }
}

/// A PEP 751 lock selects two entries of one name for `env`.
pub fn ambiguity_failure(env: &Environment, message: &str) -> CheckFailure {
    CheckFailure {
        check: CheckId::Bounds,
        source: env.prefix.display().to_string(),
        message: format!("{message}; this environment was not checked"),
        environment: Some(env.prefix.clone()),
    }
}

/// A bound that could not be read, fetched or parsed: the check cannot run.
pub fn parse_failure(e: &BoundError) -> CheckFailure {
    CheckFailure {
        check: CheckId::Bounds,
        source: e.origin.to_string(),
        message: e.message.clone(),
        environment: None,
    }
}

/// Requirements with markers cannot be evaluated for `env`.
pub fn marker_failure(env: &Environment, why: &str) -> CheckFailure {
    CheckFailure {
        check: CheckId::Bounds,
        source: env.prefix.display().to_string(),
        message: format!(
            "{why}; the bound has environment markers, so this environment was not checked"
        ),
        environment: Some(env.prefix.clone()),
    }
}
