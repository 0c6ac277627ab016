//! Judging one installed name against the table.

use std::collections::{HashMap, HashSet};

use crate::normalize;
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
}

/// Rule id for a renamed project.
pub const RULE_RENAMED: &str = "deprecated-names/renamed";
/// Rule id for a deprecated or unmaintained project.
pub const RULE_DEPRECATED: &str = "deprecated-names/deprecated";
/// Rule id for a backport installed where the standard library has the module.
pub const RULE_BACKPORT: &str = "deprecated-names/stdlib-backport";

/// The table plus the names the settings ignore.
#[derive(Debug, Clone)]
pub struct Checker {
    table: HashMap<String, Entry>,
    ignore: HashSet<String>,
}

fn version(v: (u32, u32)) -> String {
    format!("{}.{}", v.0, v.1)
}

impl Checker {
    /// A checker over `table` (keyed by normalized name) that never flags
    /// the names in `ignore`.
    pub fn new(table: HashMap<String, Entry>, ignore: &[String]) -> Self {
        Checker {
            table,
            ignore: ignore.iter().map(|n| normalize(n)).collect(),
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
        let (rule, message, suggestion) = match entry.kind {
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
        Some(Finding {
            entry,
            rule,
            message,
            suggestion,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::embedded;

    fn checker() -> Checker {
        Checker::new(embedded(), &[])
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
        let c = Checker::new(embedded(), &["Toml".to_string()]);
        assert!(c.check("toml", &[]).is_none());
        assert!(c.check("nose", &[]).is_some());
    }
}
