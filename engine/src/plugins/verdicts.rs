//! A plugin's answer checked and turned into diagnostics. Plain data in,
//! diagnostics out, no wasmtime types: the sandbox converts what a plugin
//! returned into [`RawVerdict`]s and hands them here, and the fuzz target
//! `verdicts` (tests/parsers/harness.rs) drives the same function with
//! arbitrary verdicts, without compiling the sandbox.

use std::path::{Path, PathBuf};

use super::diags::{self, PluginError};
use crate::diag::{Action, Diagnostic, DistRef, Severity};
use crate::inventory::{DistId, EnvId, Inventory};

/// One verdict exactly as a plugin returned it: nothing in it is trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawVerdict {
    /// Index into the inventory's distributions (may be out of range).
    pub distribution: u32,
    /// The rule id (may be anything).
    pub rule: String,
    /// How bad the plugin says it is.
    pub severity: Severity,
    /// What the plugin asks for.
    pub action: Action,
    /// Free text for people (may hold control characters, any length).
    pub message: String,
    /// What to do instead, if the plugin says.
    pub suggestion: Option<String>,
}

/// The most verdicts accepted from one plugin: ten per distribution, and
/// at least 1,000. Past that the plugin is broken or hostile.
pub fn verdict_limit(distributions: usize) -> usize {
    distributions.saturating_mul(10).max(1000)
}

/// Refuse the whole answer if any verdict is unusable: a plugin that names
/// distributions that do not exist cannot be trusted about the others.
/// Too many verdicts is checked first, before looking at any of them.
pub fn check(verdicts: &[RawVerdict], distributions: usize) -> Result<(), PluginError> {
    let limit = verdict_limit(distributions);
    if verdicts.len() > limit {
        return Err(PluginError::TooManyVerdicts {
            count: verdicts.len(),
            distributions,
            limit,
        });
    }
    for v in verdicts {
        if v.distribution as usize >= distributions {
            return Err(PluginError::BadDistribution {
                index: v.distribution,
                count: distributions,
            });
        }
        if !diags::valid_rule(&v.rule) {
            return Err(PluginError::BadRule {
                rule: diags::sanitize(&v.rule, 100),
            });
        }
    }
    Ok(())
}

/// [`check`] the answer of plugin `plugin`, then one diagnostic per verdict
/// and environment that sees its distribution, in verdict order. Text is
/// sanitized and capped ([`diags::diagnostic`]); with `fail_on`, denials
/// below that severity are reported as warnings (a manifest's `fail-on`).
pub fn to_diagnostics(
    plugin: &str,
    verdicts: &[RawVerdict],
    inventory: &Inventory,
    fail_on: Option<Severity>,
) -> Result<Vec<Diagnostic>, PluginError> {
    check(verdicts, inventory.distributions.len())?;
    let index = inventory.index();
    let mut out = Vec::with_capacity(verdicts.len());
    for v in verdicts {
        // In range: `check` above refused any index past the inventory.
        let id = DistId::new(v.distribution as usize);
        let dist = inventory.dist(id);
        let action = match v.action {
            Action::Deny if fail_on.is_some_and(|t| v.severity < t) => Action::Warn,
            a => a,
        };
        for env in report_environments(inventory, index.environments_of(id), &dist.site) {
            out.push(diags::diagnostic(
                plugin,
                &v.rule,
                v.severity,
                action,
                &v.message,
                v.suggestion.as_deref(),
                env,
                DistRef::of(id, dist),
            ));
        }
    }
    Ok(out)
}

/// The prefixes a diagnostic about a distribution in `site` is reported
/// under: each environment that sees it, else the site itself.
pub fn report_environments(inv: &Inventory, seen_by: &[EnvId], site: &Path) -> Vec<PathBuf> {
    if seen_by.is_empty() {
        vec![site.to_path_buf()]
    } else {
        seen_by.iter().map(|&i| inv.env(i).prefix.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{Distribution, MetadataKind};

    fn inventory(n: usize) -> Inventory {
        let dist = |i: usize| Distribution {
            name: format!("d{i}"),
            normalized_name: crate::names::PackageName::new(&format!("d{i}")),
            version: "1".into(),
            version_valid: true,
            parsed_version: "1".parse().ok(),
            site: "/site".into(),
            metadata_path: format!("/site/d{i}-1.dist-info").into(),
            metadata_kind: MetadataKind::DistInfo,
            installer: None,
            requested: false,
            direct_url: None,
            os_package: None,
        };
        Inventory {
            distributions: (0..n).map(dist).collect(),
            ..Inventory::default()
        }
    }

    fn verdict(distribution: u32, rule: &str) -> RawVerdict {
        RawVerdict {
            distribution,
            rule: rule.into(),
            severity: Severity::Medium,
            action: Action::Deny,
            message: "m".into(),
            suggestion: None,
        }
    }

    #[test]
    fn refuses_the_whole_answer_for_one_bad_verdict() {
        let inv = inventory(2);
        let bad_index = [verdict(0, "p/r"), verdict(2, "p/r")];
        assert!(matches!(
            to_diagnostics("p", &bad_index, &inv, None),
            Err(PluginError::BadDistribution { index: 2, count: 2 })
        ));
        let bad_rule = [verdict(0, "p/r"), verdict(1, "P R\x1b[2J")];
        match to_diagnostics("p", &bad_rule, &inv, None) {
            Err(PluginError::BadRule { rule }) => assert_eq!(rule, "P R\\x1b[2J"),
            other => panic!("{other:?}"),
        }
        let many = vec![verdict(0, "p/r"); verdict_limit(2) + 1];
        assert!(matches!(
            check(&many, 2),
            Err(PluginError::TooManyVerdicts { count: 1001, .. })
        ));
        assert!(check(&many[1..], 2).is_ok());
    }

    #[test]
    fn fail_on_downgrades_lesser_denials_and_text_is_sanitized() {
        let mut v = verdict(0, "p/r");
        v.message = "bad\x1b[31m\nline".into();
        v.suggestion = Some("\u{9b}2J".into());
        let d = to_diagnostics("p", &[v.clone()], &inventory(1), Some(Severity::High)).unwrap();
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].action, Action::Warn);
        assert_eq!(d[0].message, "bad\\x1b[31m\\x0aline");
        assert_eq!(d[0].suggestion.as_deref(), Some("\\u009b2J"));
        // Reported under the site itself: no environment sees it.
        assert_eq!(d[0].environment, PathBuf::from("/site"));
        let d = to_diagnostics("p", &[v], &inventory(1), Some(Severity::Medium)).unwrap();
        assert_eq!(d[0].action, Action::Deny);
    }
}
