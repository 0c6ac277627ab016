//! Judging one installed name against the table.

use std::collections::{HashMap, HashSet};

use fetter_plugin_sdk::Action;

use crate::normalize;
use crate::settings::{self, Settings};
use crate::table::{Entry, Kind};

/// Why a distribution is flagged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding<'a> {
    /// The table row.
    pub entry: &'a Entry,
    /// The stable rule id.
    pub rule: &'static str,
    /// A sentence for people.
    pub message: String,
    /// What to do instead.
    pub suggestion: String,
    /// Deny or warn, from the row's security reason and the settings.
    pub action: Action,
}

/// Rule id for a renamed project.
pub const RULE_RENAMED: &str = "deprecated-names/renamed";
/// Rule id for a deprecated or unmaintained project.
pub const RULE_DEPRECATED: &str = "deprecated-names/deprecated";
/// Rule id for a backport installed where the standard library has the module.
pub const RULE_BACKPORT: &str = "deprecated-names/stdlib-backport";

/// The table plus what the settings say about it.
#[derive(Debug, Clone)]
pub struct Checker {
    table: HashMap<String, Entry>,
    ignore: HashSet<String>,
    deny: HashSet<String>,
    action: settings::Action,
}

fn version(v: (u32, u32)) -> String {
    format!("{}.{}", v.0, v.1)
}

impl Checker {
    /// A checker over `table` (keyed by normalized name) that never flags
    /// `settings.ignore` and acts as `settings.action` and `settings.deny` say.
    pub fn new(table: HashMap<String, Entry>, settings: &Settings) -> Self {
        let set = |names: &[String]| names.iter().map(|n| normalize(n)).collect();
        Checker {
            table,
            ignore: set(&settings.ignore),
            deny: set(&settings.deny),
            action: settings.action,
        }
    }

    /// Deny or warn on `entry` (under normalized name `key`). A deprecation
    /// alone only warns, so a healthy machine's first run passes; a security
    /// reason denies unless the settings lower everything to `warn`.
    fn action(&self, key: &str, entry: &Entry) -> Action {
        if self.deny.contains(key) {
            return Action::Deny;
        }
        match (self.action, entry.security) {
            (settings::Action::Deny, _) | (settings::Action::BySecurity, Some(_)) => Action::Deny,
            (settings::Action::Warn, _) | (settings::Action::BySecurity, None) => Action::Warn,
        }
    }

    /// Judge distribution `name`, seen by environments running the Python
    /// versions `pythons` (`(major, minor)`; unknown versions left out).
    pub fn check(&self, name: &str, pythons: &[(u32, u32)]) -> Option<Finding<'_>> {
        let key = normalize(name);
        if self.ignore.contains(&key) {
            return None;
        }
        let entry = self.table.get(&key)?;
        let action = self.action(&key, entry);
        let (rule, mut message, suggestion) = match entry.kind {
            Kind::Renamed => (
                RULE_RENAMED,
                format!(
                    "`{name}` was renamed to `{}`: {}",
                    entry.replacement, entry.reason
                ),
                format!("install `{}` instead", entry.replacement),
            ),
            Kind::Deprecated => (
                RULE_DEPRECATED,
                format!("`{name}` is deprecated: {}", entry.reason),
                format!("use {} instead", entry.replacement),
            ),
            Kind::Backport { stdlib_since } => {
                // Only where the standard library has the module: on older
                // Pythons the backport is what provides it.
                let shadowed = pythons
                    .iter()
                    .copied()
                    .filter(|v| *v >= stdlib_since)
                    .max()?;
                (
                    RULE_BACKPORT,
                    format!(
                        "`{name}` duplicates {} on Python {} (in the standard library since {}): {}",
                        entry.replacement,
                        version(shadowed),
                        version(stdlib_since),
                        entry.reason
                    ),
                    format!("uninstall `{name}` and use {}", entry.replacement),
                )
            }
        };
        if let Some(security) = entry.security {
            message.push_str(&format!(" ({})", security.describe()));
        }
        Some(Finding {
            entry,
            rule,
            message,
            suggestion,
            action,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::embedded;

    fn checker() -> Checker {
        Checker::new(embedded(), &Settings::default())
    }

    fn with(json: &str) -> Checker {
        Checker::new(embedded(), &Settings::parse(json).unwrap())
    }

    #[test]
    fn renamed_and_deprecated_names_name_the_replacement() {
        let c = checker();
        let f = c.check("sklearn", &[(3, 12)]).unwrap();
        assert_eq!(f.rule, RULE_RENAMED);
        assert!(f.message.contains("`scikit-learn`"), "{}", f.message);
        assert_eq!(f.suggestion, "install `scikit-learn` instead");
        let f = c.check("pycrypto", &[]).unwrap();
        assert_eq!(f.rule, RULE_DEPRECATED);
        assert!(f.suggestion.contains("pycryptodome"));
        assert_eq!(
            c.check("PEP8", &[]).unwrap().entry.replacement,
            "pycodestyle"
        );
        assert_eq!(
            c.check("python_Levenshtein", &[]).unwrap().rule,
            RULE_RENAMED
        );
    }

    #[test]
    fn backports_flag_only_where_the_stdlib_has_the_module() {
        let c = checker();
        assert_eq!(c.check("enum34", &[(3, 12)]).unwrap().rule, RULE_BACKPORT);
        assert!(
            c.check("enum34", &[(2, 7)]).is_none(),
            "enum34 is the enum on 2.7"
        );
        assert!(
            c.check("dataclasses", &[(3, 6)]).is_none(),
            "the backport is for 3.6"
        );
        assert!(c.check("dataclasses", &[(3, 7)]).is_some());
        assert!(
            c.check("typing", &[]).is_none(),
            "unknown Python: not flagged"
        );
        let f = c.check("pathlib", &[(2, 7), (3, 11), (3, 9)]).unwrap();
        assert!(
            f.message.contains("Python 3.11") && f.message.contains("since 3.4"),
            "{}",
            f.message
        );
    }

    #[test]
    fn fresh_venv_and_maintained_names_pass() {
        let c = checker();
        for name in [
            "pip",
            "setuptools",
            "wheel",
            "scikit-learn",
            "pycryptodome",
            "configparser",
            "bs4",
            "deprecated",
        ] {
            assert!(c.check(name, &[(3, 12)]).is_none(), "{name}");
        }
    }

    #[test]
    fn ignored_names_pass() {
        let c = with(r#"{"ignore": ["Toml"]}"#);
        assert!(c.check("toml", &[]).is_none());
        assert!(c.check("nose", &[]).is_some());
    }

    fn action(c: &Checker, name: &str) -> Action {
        c.check(name, &[(3, 12)]).unwrap().action
    }

    /// A deprecation only warns by default; a security reason denies.
    #[test]
    fn only_security_reasons_deny_by_default() {
        let c = checker();
        for name in ["toml", "py", "sklearn", "pytorch", "nose", "dataclasses"] {
            assert_eq!(action(&c, name), Action::Warn, "{name}");
        }
        for name in ["pycrypto", "PIL", "enum34", "typing"] {
            assert_eq!(action(&c, name), Action::Deny, "{name}");
        }
        let f = c.check("pycrypto", &[]).unwrap();
        assert!(
            f.message.ends_with("(known unfixed vulnerabilities)"),
            "{}",
            f.message
        );
        let f = c.check("enum34", &[(3, 12)]).unwrap();
        assert!(
            f.message.ends_with("(shadows the standard library)"),
            "{}",
            f.message
        );
        assert!(!c.check("toml", &[]).unwrap().message.ends_with(')'));
    }

    #[test]
    fn settings_raise_one_name_or_all_to_deny() {
        let c = with(r#"{"deny": ["TOML"]}"#);
        assert_eq!(action(&c, "toml"), Action::Deny);
        assert_eq!(action(&c, "py"), Action::Warn);
        assert_eq!(action(&c, "pycrypto"), Action::Deny);
        let c = with(r#"{"action": "deny"}"#);
        for name in ["toml", "py", "pycrypto", "sklearn"] {
            assert_eq!(action(&c, name), Action::Deny, "{name}");
        }
        // `warn` lowers everything, security rows too; `deny` still raises.
        let c = with(r#"{"action": "warn", "deny": ["py"]}"#);
        assert_eq!(action(&c, "pycrypto"), Action::Warn);
        assert_eq!(action(&c, "py"), Action::Deny);
    }
}
