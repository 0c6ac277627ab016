//! fetter's `allow-list` policy plugin: denies (or warns about) every
//! installed distribution that no entry of the allow list names, or names
//! only at other versions.
//!
//! Entries are PEP 503 name globs with optional PEP 440 specifiers
//! (`django>=4.2,<6`), compared with `pep440_rs`.

pub mod glob;
pub mod rules;
pub mod settings;

use fetter_plugin_sdk::{Action, Inventory, Policy, Severity, Verdict};

pub use fetter_plugin_sdk::normalize;

use crate::rules::{AllowList as List, Judgement, RULE_NOT_ALLOWED, RULE_VERSION};
use crate::settings::Settings;

/// The configured plugin.
pub struct AllowList {
    list: List,
    action: Action,
    severity: Severity,
}

impl Policy for AllowList {
    fn configure(json: &str) -> Result<Self, String> {
        let (settings, list) = Settings::parse(json)?;
        Ok(AllowList {
            list,
            action: match settings.action {
                settings::Action::Deny => Action::Deny,
                settings::Action::Warn => Action::Warn,
            },
            severity: Severity::parse(&settings.severity).expect("validated by Settings::parse"),
        })
    }

    fn evaluate(&self, inventory: &Inventory) -> Result<Vec<Verdict>, String> {
        let mut verdicts = Vec::new();
        for (index, dist) in inventory.iter() {
            let (rule, message, suggestion) =
                match self.list.judge(&dist.normalized_name, &dist.version) {
                    Judgement::Allowed => continue,
                    Judgement::NotAllowed => (
                        RULE_NOT_ALLOWED,
                        format!("{} {} is not on the allow list", dist.name, dist.version),
                        format!("remove {} or add it to the allow list", dist.name),
                    ),
                    Judgement::VersionNotAllowed(entries) => (
                        RULE_VERSION,
                        format!(
                            "{} {} is not an allowed version (allowed: {})",
                            dist.name,
                            dist.version,
                            entries.join("; ")
                        ),
                        format!("install a version of {} the allow list permits", dist.name),
                    ),
                };
            verdicts.push(
                Verdict::deny(index, rule, message)
                    .with_action(self.action)
                    .with_severity(self.severity)
                    .with_suggestion(suggestion),
            );
        }
        Ok(verdicts)
    }
}

// One instance judges one inventory and is dropped: a bump allocator makes
// the host's lowering of 30,000 records (and our per-name strings) cheaper
// than the default allocator (see the SDK's `BumpAllocator`).
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOC: fetter_plugin_sdk::BumpAllocator = fetter_plugin_sdk::BumpAllocator::new();

fetter_plugin_sdk::export_plugin! {
    name: "allow-list",
    description: "Deny every installed distribution that is not on the allow list",
    settings_help: settings::HELP,
    policy: AllowList,
}

#[cfg(test)]
mod tests {
    use super::*;
    use fetter_plugin_sdk::Distribution;

    fn inventory(dists: &[(&str, &str)]) -> Inventory {
        Inventory {
            environments: vec![],
            distributions: dists
                .iter()
                .map(|(n, v)| Distribution {
                    name: n.to_string(),
                    normalized_name: normalize(n),
                    version: v.to_string(),
                    environments: vec![],
                    site: "/venv/lib/python3.12/site-packages".into(),
                    installer: Some("pip".into()),
                    requested: true,
                    direct_url: None,
                })
                .collect(),
        }
    }

    #[test]
    fn denies_what_is_not_allowed() {
        let plugin =
            AllowList::configure(r#"{"allow": ["requests", "Django>=4.2,<6", "azure-*"]}"#)
                .unwrap();
        let inv = inventory(&[
            ("pip", "24.0"),
            ("requests", "2.32.3"),
            ("Django", "3.2.25"),
            ("azure-core", "1.30.0"),
            ("leftpad", "0.1"),
            ("setuptools", "69.0"),
        ]);
        let v = plugin.evaluate(&inv).unwrap();
        let got: Vec<(u32, &str)> = v
            .iter()
            .map(|v| (v.distribution, v.rule.as_str()))
            .collect();
        assert_eq!(got, vec![(2, RULE_VERSION), (4, RULE_NOT_ALLOWED)]);
        assert!(v[0].message.contains("Django>=4.2,<6"), "{}", v[0].message);
        assert!(v
            .iter()
            .all(|v| v.action == Action::Deny && v.severity == Severity::High));
    }

    #[test]
    fn settings_can_warn() {
        let plugin =
            AllowList::configure(r#"{"allow": [], "action": "warn", "severity": "low"}"#).unwrap();
        let v = plugin.evaluate(&inventory(&[("leftpad", "0.1")])).unwrap();
        assert_eq!((v[0].action, v[0].severity), (Action::Warn, Severity::Low));
    }

    #[test]
    fn bad_settings_are_rejected() {
        assert!(AllowList::configure("{}").is_err());
        assert!(AllowList::configure(r#"{"allow": ["dj ango"]}"#).is_err());
    }
}
