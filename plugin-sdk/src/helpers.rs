//! Typed helpers over the generated types: walking the inventory and
//! building verdicts in one expression.

use crate::{Action, Distribution, Environment, Inventory, Severity, Verdict};

/// The index of a distribution in [`Inventory::distributions`]: what a
/// [`Verdict`] names.
pub type DistIndex = u32;

impl Inventory {
    /// Every distribution with the index a verdict about it must carry.
    pub fn iter(&self) -> impl Iterator<Item = (DistIndex, &Distribution)> + '_ {
        self.distributions
            .iter()
            .enumerate()
            .map(|(i, d)| (i as DistIndex, d))
    }

    /// The environments that see `dist` (most distributions are in one).
    pub fn environments_of<'a>(
        &'a self,
        dist: &'a Distribution,
    ) -> impl Iterator<Item = &'a Environment> + 'a {
        dist.environments
            .iter()
            .filter_map(|&i| self.environments.get(i as usize))
    }
}

impl Distribution {
    /// The version-control system it was installed from (`git`, `hg`, …),
    /// per its PEP 610 `direct_url.json`.
    pub fn vcs(&self) -> Option<&str> {
        self.direct_url.as_ref()?.vcs.as_deref()
    }

    /// True when installed in editable (development) mode.
    pub fn is_editable(&self) -> bool {
        self.direct_url.as_ref().is_some_and(|u| u.editable)
    }

    /// True when installed from a URL or path rather than an index.
    pub fn is_direct(&self) -> bool {
        self.direct_url.is_some()
    }
}

impl Environment {
    /// The Python version as `(major, minor)`, when known (`"3.11.7"` -> `(3, 11)`).
    pub fn python_major_minor(&self) -> Option<(u32, u32)> {
        let v = self.python_version.as_deref()?;
        let mut parts = v.split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts
            .next()?
            .trim_end_matches(|c: char| !c.is_ascii_digit());
        Some((major, minor.parse().ok()?))
    }
}

impl Verdict {
    /// A violation of `rule` (`<plugin>/<rule>`, a stable id users grep for)
    /// by distribution `dist`, severity high. Validation fails on it.
    pub fn deny(dist: DistIndex, rule: impl Into<String>, message: impl Into<String>) -> Self {
        Verdict {
            distribution: dist,
            rule: rule.into(),
            severity: Severity::High,
            action: Action::Deny,
            message: message.into(),
            suggestion: None,
        }
    }

    /// A warning: reported, never fails validation. Severity medium.
    pub fn warn(dist: DistIndex, rule: impl Into<String>, message: impl Into<String>) -> Self {
        Verdict {
            severity: Severity::Medium,
            action: Action::Warn,
            ..Verdict::deny(dist, rule, message)
        }
    }

    /// The same verdict with another severity.
    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    /// The same verdict with another action (settings often turn a deny into a warning).
    pub fn with_action(mut self, action: Action) -> Self {
        self.action = action;
        self
    }

    /// The same verdict with advice for people (`did you mean "requests"?`).
    pub fn with_suggestion(mut self, suggestion: impl Into<String>) -> Self {
        self.suggestion = Some(suggestion.into());
        self
    }
}

impl Severity {
    /// Lowercase name (`high`).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// Parse a lowercase name, as settings spell it.
    pub fn parse(s: &str) -> Option<Severity> {
        Some(match s {
            "info" => Severity::Info,
            "low" => Severity::Low,
            "medium" => Severity::Medium,
            "high" => Severity::High,
            "critical" => Severity::Critical,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DirectUrl, EnvironmentKind};

    pub(crate) fn dist(name: &str, vcs: Option<&str>) -> Distribution {
        Distribution {
            name: name.into(),
            normalized_name: crate::normalize(name),
            version: "1.0".into(),
            environments: vec![0],
            site: "/venv/lib/python3.12/site-packages".into(),
            installer: Some("pip".into()),
            requested: true,
            direct_url: vcs.map(|v| DirectUrl {
                url: "https://example.invalid/x.git".into(),
                vcs: Some(v.into()),
                commit_id: Some("abc".into()),
                editable: false,
            }),
        }
    }

    #[test]
    fn verdict_builders() {
        let v = Verdict::deny(3, "x/y", "bad").with_suggestion("use z");
        assert_eq!(
            (v.distribution, v.action, v.severity),
            (3, Action::Deny, Severity::High)
        );
        assert_eq!(v.suggestion.as_deref(), Some("use z"));
        let w = Verdict::warn(1, "x/y", "meh").with_severity(Severity::Low);
        assert_eq!((w.action, w.severity), (Action::Warn, Severity::Low));
    }

    #[test]
    fn inventory_helpers() {
        let inv = Inventory {
            environments: vec![Environment {
                prefix: "/venv".into(),
                kind: EnvironmentKind::Venv,
                python_version: Some("3.12.1".into()),
                externally_managed: false,
            }],
            distributions: vec![dist("a", None), dist("b", Some("git"))],
        };
        let git: Vec<_> = inv
            .iter()
            .filter(|(_, d)| d.vcs() == Some("git"))
            .map(|(i, _)| i)
            .collect();
        assert_eq!(git, vec![1]);
        let env = inv.environments_of(&inv.distributions[0]).next().unwrap();
        assert_eq!(env.python_major_minor(), Some((3, 12)));
        assert_eq!(Severity::parse("critical"), Some(Severity::Critical));
    }
}
