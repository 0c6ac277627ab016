//! Diagnostics: the one currency every check (bounds, plugins, audit) pays
//! its results in, and the sink that collects them.
//!
//! Modelled on cargo-deny: each diagnostic carries a stable code
//! (`bounds/unrequired`, `typosquat/omitted-char`) that users can grep for,
//! suppress and see in SARIF; a check that could not run is not a
//! diagnostic but a [`CheckFailure`], and any failure makes the run fail
//! closed ([`Outcome::Error`]).

use std::path::PathBuf;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::inventory::{DistId, Distribution};

mod ids;

pub use ids::{CheckId, Code, UnknownCheck};

/// How serious a diagnostic is.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// For information only.
    #[default]
    Info,
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
    /// Critical.
    Critical,
}

impl Severity {
    /// Lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// A severity name that is not one of the five.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown severity {0:?}: expected info, low, medium, high or critical")]
pub struct UnknownSeverity(pub String);

impl std::str::FromStr for Severity {
    type Err = UnknownSeverity;
    fn from_str(s: &str) -> Result<Self, UnknownSeverity> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "info" => Severity::Info,
            "low" => Severity::Low,
            "medium" => Severity::Medium,
            "high" => Severity::High,
            "critical" => Severity::Critical,
            _ => return Err(UnknownSeverity(s.to_string())),
        })
    }
}

/// What a diagnostic asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Report only; never fails validation.
    Warn,
    /// A violation: validation fails and purge may remove the distribution.
    Deny,
}

/// The distribution a diagnostic is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DistRef {
    /// Name as the metadata spells it.
    pub name: String,
    /// Installed version.
    pub version: String,
    /// Site directory.
    #[serde(with = "crate::pathjson")]
    pub site: PathBuf,
    /// Its metadata directory (identifies it uniquely).
    #[serde(with = "crate::pathjson")]
    pub metadata_path: PathBuf,
    /// Its id in the inventory the check judged; what purge acts on.
    /// Not written to reports (`None` when read back from one).
    #[serde(skip)]
    pub id: Option<DistId>,
}

impl DistRef {
    /// The reference to distribution `id` of an inventory.
    pub fn of(id: DistId, d: &Distribution) -> Self {
        DistRef {
            name: d.name.clone(),
            version: d.version.clone(),
            site: d.site.clone(),
            metadata_path: d.metadata_path.clone(),
            id: Some(id),
        }
    }
}

/// One result of one check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// Stable code: `<check>/<rule>` (`bounds/unrequired`, `typosquat/omitted-char`).
    pub code: Code,
    /// The check that produced it: `bounds`, `plugin:<name>`, `audit`.
    pub check: CheckId,
    /// How serious it is.
    pub severity: Severity,
    /// Warn or deny.
    pub action: Action,
    /// Prefix of the environment concerned.
    #[serde(with = "crate::pathjson")]
    pub environment: PathBuf,
    /// The installed distribution concerned (`None` for a missing requirement).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distribution: Option<DistRef>,
    /// The requirement concerned, as written in the bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requirement: Option<String>,
    /// A sentence for people.
    pub message: String,
    /// What to do about it ("did you mean `requests`?").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<String>,
}

/// A check that could not run (bad bound file, plugin trap, unreachable
/// database). Its presence alone fails the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckFailure {
    /// The check: `bounds`, `plugin:<name>`, `audit`, `policy`, `scope`.
    pub check: CheckId,
    /// The file, plugin or URL concerned.
    pub source: String,
    /// What went wrong and what to do.
    pub message: String,
    /// The one environment the check could not run on (markers that
    /// cannot be evaluated there, a named `--exe` that does not exist);
    /// absent when the check could not run on any environment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<PathBuf>,
}

/// Collects diagnostics and failures from checks that may run in parallel.
#[derive(Debug, Default)]
pub struct Sink {
    inner: Mutex<(Vec<Diagnostic>, Vec<CheckFailure>)>,
}

/// How a run ended, and the exit code it maps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing denied (exit 0).
    Pass,
    /// At least one deny diagnostic at or above the threshold (exit 3).
    Violations,
    /// A check could not run (exit 1): never a pass.
    Error,
}

impl Outcome {
    /// The process exit code.
    pub fn exit_code(self) -> u8 {
        match self {
            Outcome::Pass => 0,
            Outcome::Error => 1,
            Outcome::Violations => 3,
        }
    }
}

impl Sink {
    /// An empty sink.
    pub fn new() -> Self {
        Self::default()
    }

    /// Record a diagnostic.
    pub fn push(&self, d: Diagnostic) {
        self.inner.lock().expect("sink poisoned").0.push(d);
    }

    /// Record a check that could not run.
    pub fn fail(&self, f: CheckFailure) {
        self.inner.lock().expect("sink poisoned").1.push(f);
    }

    /// Take everything collected, diagnostics sorted by environment, code, name.
    pub fn finish(self) -> (Vec<Diagnostic>, Vec<CheckFailure>) {
        let (mut d, f) = self.inner.into_inner().expect("sink poisoned");
        d.sort_by(|a, b| {
            let an = a.distribution.as_ref().map(|x| x.name.to_ascii_lowercase());
            let bn = b.distribution.as_ref().map(|x| x.name.to_ascii_lowercase());
            (&a.environment, &an, &a.code).cmp(&(&b.environment, &bn, &b.code))
        });
        (d, f)
    }
}

impl CheckFailure {
    /// A named scope entry (`--exe`, `--root`) that found nothing: the
    /// checks could not run on the environment the user meant.
    pub fn unresolved(u: &crate::discover::explicit::Unresolved) -> Self {
        CheckFailure {
            check: CheckId::Scope,
            source: u.source(),
            message: u.explanation(),
            environment: Some(u.path.clone()),
        }
    }

    /// No environment in scope at all: validating nothing is almost always
    /// a wrong scope, so it fails closed.
    pub fn empty_scope() -> Self {
        CheckFailure {
            check: CheckId::Scope,
            source: "scope".into(),
            message: "no Python environment found in scope; name one with --exe PATH or --root DIR"
                .into(),
            environment: None,
        }
    }
}

/// The outcome of a run: failures first (fail closed), then any deny at or
/// above `fail_on`.
pub fn outcome(diags: &[Diagnostic], failures: &[CheckFailure], fail_on: Severity) -> Outcome {
    if !failures.is_empty() {
        Outcome::Error
    } else if diags
        .iter()
        .any(|d| d.action == Action::Deny && d.severity >= fail_on)
    {
        Outcome::Violations
    } else {
        Outcome::Pass
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_severity_is_typed_and_reads_as_before() {
        assert_eq!("HIGH".parse::<Severity>(), Ok(Severity::High));
        let e = "severe".parse::<Severity>().unwrap_err();
        assert_eq!(e, UnknownSeverity("severe".into()));
        assert_eq!(
            e.to_string(),
            "unknown severity \"severe\": expected info, low, medium, high or critical"
        );
    }

    fn diag(action: Action, severity: Severity) -> Diagnostic {
        Diagnostic {
            code: Code::Rule("x/y".into()),
            check: CheckId::Plugin("x".into()),
            severity,
            action,
            environment: "/e".into(),
            distribution: None,
            requirement: None,
            message: String::new(),
            suggestion: None,
        }
    }

    #[test]
    fn fails_closed_and_honours_threshold() {
        let f = CheckFailure {
            check: CheckId::Plugin("t".into()),
            source: "t.wasm".into(),
            message: "trap".into(),
            environment: None,
        };
        assert_eq!(outcome(&[], &[f], Severity::Info), Outcome::Error);
        assert_eq!(
            outcome(&[diag(Action::Deny, Severity::Low)], &[], Severity::High),
            Outcome::Pass
        );
        assert_eq!(
            outcome(&[diag(Action::Deny, Severity::High)], &[], Severity::High),
            Outcome::Violations
        );
        assert_eq!(
            outcome(
                &[diag(Action::Warn, Severity::Critical)],
                &[],
                Severity::Info
            ),
            Outcome::Pass
        );
        assert_eq!(Outcome::Violations.exit_code(), 3);
    }
}
