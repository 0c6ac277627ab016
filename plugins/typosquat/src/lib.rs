//! fetter's `typosquat` policy plugin: flags installed distributions whose
//! names imitate one of the 15,000 most downloaded PyPI projects (or a name
//! the settings protect).
//!
//! The rule logic ([`Detector`]) does not depend on the SDK and is tested
//! natively; this file only wires it to the plugin contract. See
//! `docs/typosquat.md` for what it detects and how well.

pub mod detect;
pub mod prebuilt;
pub mod settings;

// The index (corpus, forms, tables) is its own crate, which build.rs uses too.
pub use fetter_typosquat_index::{
    corpus, edit, evidence, forms, index, neighbourhood, packed, rules, table,
};

use rustc_hash::FxHashMap as HashMap;

use fetter_plugin_sdk::{Action, Inventory, Policy, Severity, Verdict};

pub use detect::{Detector, Finding};
pub use rules::Rule;
pub use settings::Settings;

/// The configured plugin: the detector over the protected names, and what
/// to do with a finding.
pub struct Typosquat {
    detector: Detector,
    action: Action,
    severity: Severity,
}

impl Policy for Typosquat {
    fn configure(json: &str) -> Result<Self, String> {
        let settings = Settings::parse(json)?;
        let protect = settings.protect.iter().map(|n| corpus::extra(n)).collect();
        Ok(Typosquat {
            detector: Detector::with_top_pypi(protect, &settings.exempt)?,
            action: match settings.action {
                settings::Action::Deny => Action::Deny,
                settings::Action::Warn => Action::Warn,
            },
            severity: Severity::parse(&settings.severity).expect("validated by Settings::parse"),
        })
    }

    fn evaluate(&self, inventory: &Inventory) -> Result<Vec<Verdict>, String> {
        // The same name often appears in many environments: judge it once.
        let mut seen: HashMap<&str, Option<Finding>> = HashMap::default();
        seen.reserve(inventory.distributions.len());
        let mut scratch = detect::Scratch::default();
        let mut verdicts = Vec::new();
        for (index, dist) in inventory.iter() {
            let finding = seen
                .entry(dist.normalized_name.as_str())
                .or_insert_with(|| self.detector.check_with(&dist.name, &mut scratch));
            if let Some(f) = finding {
                verdicts.push(
                    Verdict::deny(index, f.rule.id(), f.message(&dist.name))
                        .with_action(self.action)
                        .with_severity(self.severity)
                        .with_suggestion(f.suggestion()),
                );
            }
        }
        Ok(verdicts)
    }
}

// Each name checked allocates a few short-lived strings: a bump allocator
// makes them nearly free (see the SDK's `BumpAllocator`). The peak is a
// few tens of MiB for 30,000 distributions, within the default limit.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOC: fetter_plugin_sdk::BumpAllocator = fetter_plugin_sdk::BumpAllocator::new();

fetter_plugin_sdk::export_plugin! {
    name: "typosquat",
    description: "Deny installed packages whose names imitate one of the 15,000 most downloaded PyPI projects",
    settings_help: settings::HELP,
    policy: Typosquat,
}

#[cfg(test)]
mod tests {
    use super::*;
    use fetter_plugin_sdk::{Distribution, Inventory};

    fn inventory(names: &[&str]) -> Inventory {
        Inventory {
            environments: vec![],
            distributions: names
                .iter()
                .map(|n| Distribution {
                    name: n.to_string(),
                    normalized_name: fetter_plugin_sdk::normalize(n),
                    version: "1.0".into(),
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
    fn denies_typosquats_by_default() {
        let plugin = Typosquat::configure("{}").unwrap();
        let v = plugin
            .evaluate(&inventory(&["pip", "reqeusts", "setuptools", "jeIlyfish"]))
            .unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!(
            (v[0].distribution, v[0].rule.as_str()),
            (1, "typosquat/swapped-chars")
        );
        assert_eq!((v[0].action, v[0].severity), (Action::Deny, Severity::High));
        assert!(v[0].message.contains("`requests`") && v[0].message.contains("rank #6"));
        assert_eq!(v[0].suggestion.as_deref(), Some("did you mean `requests`?"));
        assert_eq!(
            (v[1].distribution, v[1].rule.as_str()),
            (3, "typosquat/look-alike")
        );
    }

    #[test]
    fn settings_turn_deny_into_warn_and_add_names() {
        let plugin = Typosquat::configure(
            r#"{"action": "warn", "severity": "low", "protect": ["acme-billing"], "exempt": ["reqeusts"]}"#,
        )
        .unwrap();
        let v = plugin
            .evaluate(&inventory(&["reqeusts", "acme-bililng"]))
            .unwrap();
        assert_eq!(v.len(), 1);
        assert_eq!(
            (v[0].distribution, v[0].action, v[0].severity),
            (1, Action::Warn, Severity::Low)
        );
    }

    #[test]
    fn bad_settings_are_rejected() {
        assert!(Typosquat::configure(r#"{"action": "maybe"}"#).is_err());
    }
}
