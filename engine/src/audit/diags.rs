//! Diagnostics of the audit check, with stable codes, and its failures.

use std::path::PathBuf;

use crate::audit::check::Vulnerability;
use crate::audit::db::DbError;
use crate::diag::{Action, CheckFailure, CheckId, Diagnostic, Sink};

/// What the audit reports about an installed distribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Code {
    /// A known vulnerability affects the installed version (`audit/vulnerability`).
    Vulnerability,
    /// The package is known to be malicious (`MAL-` records: `audit/malicious`).
    Malicious,
}

impl Code {
    /// The stable text users grep for and SARIF shows.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Vulnerability => "audit/vulnerability",
            Code::Malicious => "audit/malicious",
        }
    }

    /// The code whose text is `s`.
    pub fn from_text(s: &str) -> Option<Self> {
        [Code::Vulnerability, Code::Malicious]
            .into_iter()
            .find(|c| c.as_str() == s)
    }
}

/// The OSV data at `source` could not be used: the audit cannot run.
pub fn failure(source: &str, e: &DbError) -> CheckFailure {
    CheckFailure {
        check: CheckId::Audit,
        source: source.into(),
        message: e.to_string(),
        environment: None,
    }
}

/// Report vulnerabilities as diagnostics (deny), one per environment that
/// sees the distribution (or one without environment for orphan sites).
pub fn to_diagnostics(vulns: &[Vulnerability], sink: &Sink) {
    for v in vulns {
        let (code, what) = if v.malicious {
            (Code::Malicious, "is a known malicious package")
        } else {
            (Code::Vulnerability, "has a known vulnerability")
        };
        let mut message = format!(
            "{} {} {} {what}: {}",
            v.distribution.name,
            v.distribution.version,
            v.id,
            v.summary.as_deref().unwrap_or("")
        );
        if !v.aliases.is_empty() {
            message.push_str(&format!(" (also {})", v.aliases.join(", ")));
        }
        let mut action = Action::Deny;
        if let Some(p) = &v.os_package {
            let pkg = match &p.version {
                Some(ver) => format!("{} {ver}", p.name),
                None => p.name.clone(),
            };
            match &v.os_advisory {
                Some(a) if !a.affected => {
                    // The OS fixed it in the installed package: a backport
                    // the PyPI version does not show. Shown, not denied.
                    action = Action::Warn;
                    message.push_str(&format!(
                        "; installed by the OS package {pkg}, which {} says is fixed ({})",
                        a.ids.join(", "),
                        a.ecosystem
                    ));
                }
                Some(a) => message.push_str(&format!(
                    "; installed by the OS package {pkg}, affected per {} ({}{})",
                    a.ids.join(", "),
                    a.ecosystem,
                    if a.fixed.is_empty() {
                        String::new()
                    } else {
                        format!(", fixed in {}", a.fixed.join(", "))
                    }
                )),
                None => message.push_str(&format!(
                    "; installed by the OS package {pkg}: its vendor may have backported the fix, and no OS advisory in the database names it"
                )),
            }
        }
        let os_fix = v
            .os_package
            .as_ref()
            .zip(v.os_advisory.as_ref())
            .filter(|(_, a)| a.affected)
            .map(|(p, a)| match a.fixed.last() {
                Some(f) => format!(
                    "upgrade the OS package: `{}` (fixed in {f})",
                    upgrade_command(p)
                ),
                None => format!(
                    "no fixed {} package yet: remove {} or mitigate",
                    a.ecosystem, p.name
                ),
            });
        let suggestion = if v.malicious {
            Some(
                "remove it now and treat the machine as compromised: `fetter purge --audit`"
                    .to_string(),
            )
        } else if os_fix.is_some() {
            os_fix
        } else if v.os_package.is_some() {
            // pip must not replace what the OS package manager installed.
            None
        } else {
            fixed_suggestion(v.installed_version.as_ref(), &v.fixed)
        };
        let envs: Vec<PathBuf> = if v.environments.is_empty() {
            vec![PathBuf::new()]
        } else {
            v.environments.clone()
        };
        for env in envs {
            sink.push(Diagnostic {
                code: code.into(),
                check: CheckId::Audit,
                severity: v.severity,
                action,
                environment: env,
                distribution: Some(v.distribution.clone()),
                requirement: None,
                message: message.trim_end_matches([':', ' ']).to_string(),
                suggestion: suggestion.clone(),
            });
        }
    }
}

/// The command that upgrades the OS package `p` with its manager's
/// front end (`apt-get`, `dnf`; `urpmi` on Mageia).
fn upgrade_command(p: &crate::osowner::OsPackage) -> String {
    use crate::osowner::Manager;
    match p.manager {
        Manager::Rpm if p.distro.as_deref().is_some_and(|d| d.starts_with("Mageia")) => {
            format!("urpmi --auto-update {}", p.name)
        }
        Manager::Rpm => format!("dnf upgrade {}", p.name),
        Manager::Conda => format!("conda update {}", p.name),
        Manager::Dpkg => format!("apt-get install --only-upgrade {}", p.name),
    }
}

/// "upgrade to 2.32.0" — the lowest fixed version above the installed one
/// (`installed`: [`Vulnerability::installed_version`]; every fixed version
/// when it is `None`).
pub fn fixed_suggestion(
    installed: Option<&pep440_rs::Version>,
    fixed: &[String],
) -> Option<String> {
    use std::str::FromStr;
    let mut candidates: Vec<pep440_rs::Version> = fixed
        .iter()
        .filter_map(|f| pep440_rs::Version::from_str(f).ok())
        .filter(|f| installed.is_none_or(|v| f > v))
        .collect();
    candidates.sort();
    candidates
        .first()
        .map(|f| format!("upgrade to {f} or later"))
}
