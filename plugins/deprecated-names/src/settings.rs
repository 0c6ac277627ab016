//! The plugin's JSON settings, validated before any evaluation.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Deserialize;

use crate::normalize;
use crate::table::{Entry, Kind, Level};

/// What the policy does with its findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Deny the rows with a security reason (`data/deprecated.tsv`'s
    /// `security` column) and the names in `deny`; warn on the rest.
    #[default]
    #[serde(rename = "default")]
    BySecurity,
    /// Deny every finding.
    Deny,
    /// Warn on every finding, security rows included; names in `deny` still deny.
    Warn,
}

/// Settings, e.g. `{"ignore": ["toml"], "deny": ["nose"], "extra": {"acme-old": "acme-new"}}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Names never flagged.
    pub ignore: Vec<String>,
    /// Names raised to deny whatever their default (each must be in the
    /// table or in `extra`: a name that can never be flagged is a mistake).
    pub deny: Vec<String>,
    /// More deprecated names, mapped to their replacement (an
    /// organisation's retired internal packages); severity medium, warn
    /// unless in `deny` or `action` is `deny`.
    pub extra: BTreeMap<String, String>,
    /// `default` (security rows deny, the rest warn), `deny` or `warn` (all).
    pub action: Action,
}

/// Documentation of the settings, shown by `fetter plugin info`.
pub const HELP: &str = "JSON object, every key optional: \
\"ignore\": [names] never flagged; \
\"deny\": [names] denied instead of warned (each in the table or in extra); \
\"extra\": {name: replacement} more deprecated names (severity medium); \
\"action\": \"default\" (only names with a security reason, and those in deny, deny; the rest warn), \
\"deny\" (all deny) or \"warn\" (all warn, except those in deny). \
Example: {\"ignore\": [\"py\"], \"deny\": [\"toml\"], \"extra\": {\"acme-old\": \"acme-new\"}}";

impl Settings {
    /// Parse and validate `json` (an empty document means defaults).
    pub fn parse(json: &str) -> Result<Settings, String> {
        let json = if json.trim().is_empty() { "{}" } else { json };
        let settings: Settings =
            serde_json::from_str(json).map_err(|e| format!("invalid settings: {e}"))?;
        let names = (settings.ignore.iter())
            .chain(&settings.deny)
            .chain(settings.extra.keys());
        if let Some(bad) = names.into_iter().find(|n| !is_project_name(n)) {
            return Err(format!("invalid settings: {bad:?} is not a project name"));
        }
        if let Some((name, _)) = settings.extra.iter().find(|(_, r)| r.trim().is_empty()) {
            return Err(format!(
                "invalid settings: extra: {name:?} needs a replacement"
            ));
        }
        let ignored: HashSet<String> = settings.ignore.iter().map(|n| normalize(n)).collect();
        if let Some(both) = settings
            .deny
            .iter()
            .find(|n| ignored.contains(&normalize(n)))
        {
            return Err(format!(
                "invalid settings: {both:?} is in both ignore and deny; keep one"
            ));
        }
        Ok(settings)
    }

    /// Check `deny` against the table the plugin runs with (the embedded
    /// rows plus `extra`, keyed by normalized name).
    pub fn check_deny(&self, table: &HashMap<String, Entry>) -> Result<(), String> {
        match self
            .deny
            .iter()
            .find(|n| !table.contains_key(&normalize(n)))
        {
            Some(unknown) => Err(format!(
                "invalid settings: deny: {unknown:?} is not a deprecated name this plugin knows; \
                 add it to extra (with its replacement) or remove it"
            )),
            None => Ok(()),
        }
    }

    /// The `extra` names as table rows.
    pub fn extra_entries(&self) -> impl Iterator<Item = Entry> + '_ {
        self.extra.iter().map(|(name, replacement)| Entry {
            name: name.clone(),
            kind: Kind::Deprecated,
            replacement: format!("`{replacement}`"),
            severity: Level::Medium,
            security: None,
            reason: "retired by this policy's settings".to_string(),
            source: "settings".to_string(),
        })
    }
}

/// True for a valid PEP 508 project name (letters, digits, `-_.`, starting
/// and ending with a letter or digit).
fn is_project_name(name: &str) -> bool {
    let b = name.as_bytes();
    let alnum = |c: &u8| c.is_ascii_alphanumeric();
    !b.is_empty()
        && alnum(&b[0])
        && alnum(&b[b.len() - 1])
        && b.iter()
            .all(|c| alnum(c) || matches!(c, b'-' | b'_' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_every_key() {
        assert_eq!(Settings::parse("").unwrap(), Settings::default());
        assert_eq!(Settings::default().action, Action::BySecurity);
        let s = Settings::parse(
            r#"{"ignore": ["toml"], "deny": ["py"], "extra": {"acme-old": "acme-new"}, "action": "warn"}"#,
        )
        .unwrap();
        assert_eq!(
            (s.ignore.len(), s.deny.len(), s.action),
            (1, 1, Action::Warn)
        );
        assert_eq!(s.extra_entries().next().unwrap().replacement, "`acme-new`");
        for (json, action) in [
            (r#"{"action": "default"}"#, Action::BySecurity),
            (r#"{"action": "deny"}"#, Action::Deny),
        ] {
            assert_eq!(Settings::parse(json).unwrap().action, action);
        }
    }

    #[test]
    fn rejects_bad_settings() {
        for (json, needle) in [
            (r#"{"ignored": []}"#, "unknown field `ignored`"),
            (r#"{"action": "drop"}"#, "unknown variant `drop`"),
            (r#"{"extra": {"acme-old": " "}}"#, "needs a replacement"),
            (r#"{"ignore": ["--"]}"#, "not a project name"),
            (r#"{"deny": ["to ml"]}"#, "not a project name"),
            (r#"{"deny": "toml"}"#, "expected a sequence"),
            (r#"{"action": "Deny"}"#, "unknown variant `Deny`"),
            (
                r#"{"ignore": ["Toml"], "deny": ["toml"]}"#,
                "in both ignore and deny",
            ),
        ] {
            let e = Settings::parse(json).unwrap_err();
            assert!(e.contains(needle), "{json}: {e}");
        }
    }

    #[test]
    fn deny_names_must_be_known() {
        let mut table = crate::table::embedded();
        let s =
            Settings::parse(r#"{"deny": ["TOML", "acme_old"], "extra": {"acme-old": "acme-new"}}"#)
                .unwrap();
        let e = s.check_deny(&table).unwrap_err();
        assert!(
            e.contains("\"acme_old\"") && e.contains("add it to extra"),
            "{e}"
        );
        table.extend(s.extra_entries().map(|e| (normalize(&e.name), e)));
        assert_eq!(s.check_deny(&table), Ok(()));
    }
}
