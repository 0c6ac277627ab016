//! fetter's `deprecated-names` policy plugin: flags installed distributions
//! that are deprecated, renamed, or PyPI copies of standard-library modules
//! on Pythons whose standard library has them. A finding warns unless its
//! row has a security reason or the settings raise it to deny.
//!
//! The table is `data/deprecated.tsv` (provenance in `data/PROVENANCE.md`);
//! the rules ([`check::Checker`]) are tested natively.

pub mod check;
pub mod settings;
pub mod table;

use fetter_plugin_sdk::{Inventory, Policy, Severity, Verdict};

pub use fetter_plugin_sdk::normalize;

use crate::check::Checker;
use crate::settings::Settings;
use crate::table::Level;

/// The configured plugin.
pub struct DeprecatedNames {
    checker: Checker,
}

fn severity(level: Level) -> Severity {
    match level {
        Level::Info => Severity::Info,
        Level::Low => Severity::Low,
        Level::Medium => Severity::Medium,
        Level::High => Severity::High,
        Level::Critical => Severity::Critical,
    }
}

impl Policy for DeprecatedNames {
    fn configure(json: &str) -> Result<Self, String> {
        let settings = Settings::parse(json)?;
        let mut table = table::embedded();
        table.extend(settings.extra_entries().map(|e| (normalize(&e.name), e)));
        settings.check_deny(&table)?;
        Ok(DeprecatedNames {
            checker: Checker::new(table, &settings),
        })
    }

    fn evaluate(&self, inventory: &Inventory) -> Result<Vec<Verdict>, String> {
        let mut verdicts = Vec::new();
        for (index, dist) in inventory.iter() {
            let pythons: Vec<(u32, u32)> = inventory
                .environments_of(dist)
                .filter_map(|env| env.python_major_minor())
                .collect();
            if let Some(f) = self.checker.check(&dist.name, &pythons) {
                verdicts.push(
                    Verdict::deny(index, f.rule, f.message)
                        .with_action(f.action)
                        .with_severity(severity(f.entry.severity))
                        .with_suggestion(f.suggestion),
                );
            }
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
    name: "deprecated-names",
    description: "Warn on deprecated and renamed PyPI packages and stdlib backports on Pythons that have the module; deny vulnerable or stdlib-shadowing ones",
    settings_help: settings::HELP,
    policy: DeprecatedNames,
}

#[cfg(test)]
mod tests {
    use super::*;
    use fetter_plugin_sdk::{Action, Distribution, Environment, EnvironmentKind};

    fn env(version: Option<&str>) -> Environment {
        Environment {
            prefix: "/venv".into(),
            kind: EnvironmentKind::Venv,
            python_version: version.map(str::to_string),
            externally_managed: false,
        }
    }

    fn dist(name: &str, envs: Vec<u32>) -> Distribution {
        Distribution {
            name: name.into(),
            normalized_name: normalize(name),
            version: "1.0".into(),
            environments: envs,
            site: "/venv/lib/python3.12/site-packages".into(),
            installer: Some("pip".into()),
            requested: true,
            direct_url: None,
        }
    }

    /// Warns (deprecations) or denies (security reasons) with the table's
    /// severity, backports only where the Python has the module.
    #[test]
    fn acts_with_the_table_severity_and_python_awareness() {
        let plugin = DeprecatedNames::configure("{}").unwrap();
        let inv = Inventory {
            environments: vec![env(Some("3.12.1")), env(Some("2.7.18")), env(None)],
            distributions: vec![
                dist("pip", vec![0]),
                dist("sklearn", vec![0]),
                dist("enum34", vec![1]),
                dist("enum34", vec![0]),
                dist("typing", vec![2]),
                dist("toml", vec![0]),
                dist("py", vec![0]),
                dist("pycrypto", vec![0]),
            ],
        };
        let v = plugin.evaluate(&inv).unwrap();
        let got: Vec<(u32, &str, Severity, Action)> = v
            .iter()
            .map(|v| (v.distribution, v.rule.as_str(), v.severity, v.action))
            .collect();
        use check::{RULE_BACKPORT, RULE_DEPRECATED, RULE_RENAMED};
        use Action::{Deny, Warn};
        assert_eq!(
            got,
            vec![
                (1, RULE_RENAMED, Severity::High, Warn),
                (3, RULE_BACKPORT, Severity::High, Deny),
                (5, RULE_DEPRECATED, Severity::Low, Warn),
                (6, RULE_DEPRECATED, Severity::Low, Warn),
                (7, RULE_DEPRECATED, Severity::High, Deny),
            ]
        );
        assert!(v.iter().all(|v| v.suggestion.is_some()));
    }

    #[test]
    fn settings_raise_ignore_and_extend() {
        let plugin = DeprecatedNames::configure(
            r#"{"deny": ["toml", "acme-old"], "extra": {"acme-old": "acme-new", "acme-older": "acme-new"}}"#,
        )
        .unwrap();
        let inv = Inventory {
            environments: vec![env(Some("3.12"))],
            distributions: vec![
                dist("toml", vec![0]),
                dist("py", vec![0]),
                dist("acme_old", vec![0]),
                dist("acme-older", vec![0]),
            ],
        };
        let got: Vec<(u32, Action)> = (plugin.evaluate(&inv).unwrap().iter())
            .map(|v| (v.distribution, v.action))
            .collect();
        use Action::{Deny, Warn};
        assert_eq!(got, vec![(0, Deny), (1, Warn), (2, Deny), (3, Warn)]);
        let all = DeprecatedNames::configure(r#"{"action": "deny"}"#).unwrap();
        assert!((all.evaluate(&inv).unwrap().iter()).all(|v| v.action == Deny));
        let e = DeprecatedNames::configure(r#"{"deny": ["tomll"]}"#)
            .err()
            .unwrap();
        assert!(e.contains("\"tomll\"") && e.contains("extra"), "{e}");
    }

    #[test]
    fn settings_warn_ignore_and_extend() {
        let plugin = DeprecatedNames::configure(
            r#"{"action": "warn", "ignore": ["toml"], "extra": {"acme-old": "acme-new"}}"#,
        )
        .unwrap();
        let inv = Inventory {
            environments: vec![env(Some("3.12"))],
            distributions: vec![dist("toml", vec![0]), dist("acme_old", vec![0])],
        };
        let v = plugin.evaluate(&inv).unwrap();
        assert_eq!(v.len(), 1);
        assert_eq!((v[0].distribution, v[0].action), (1, Action::Warn));
        assert!(v[0].suggestion.as_deref().unwrap().contains("acme-new"));
        assert!(DeprecatedNames::configure(r#"{"extra": ["x"]}"#).is_err());
    }
}
