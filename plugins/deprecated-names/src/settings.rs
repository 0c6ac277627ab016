//! The plugin's JSON settings, validated before any evaluation.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::table::{Entry, Kind, Level};

/// What the policy does with a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Fail validation (at or above the threshold; the default).
    #[default]
    Deny,
    /// Report only.
    Warn,
}

/// Settings, e.g. `{"ignore": ["toml"], "extra": {"acme-old": "acme-new"}, "action": "warn"}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Names never flagged.
    pub ignore: Vec<String>,
    /// More deprecated names, mapped to their replacement (an
    /// organisation's retired internal packages); severity medium.
    pub extra: BTreeMap<String, String>,
    /// `deny` (default) or `warn`.
    pub action: Action,
}

/// Documentation of the settings, shown by `fetter plugin info`.
pub const HELP: &str = "JSON object, every key optional: \
\"ignore\": [names] never flagged; \
\"extra\": {name: replacement} more deprecated names (severity medium); \
\"action\": \"deny\" (default) or \"warn\". \
Example: {\"ignore\": [\"toml\"], \"extra\": {\"acme-old\": \"acme-new\"}}";

impl Settings {
    /// Parse and validate `json` (an empty document means defaults).
    pub fn parse(json: &str) -> Result<Settings, String> {
        let json = if json.trim().is_empty() { "{}" } else { json };
        let settings: Settings =
            serde_json::from_str(json).map_err(|e| format!("invalid settings: {e}"))?;
        let names = settings.ignore.iter().chain(settings.extra.keys());
        if let Some(bad) = names.into_iter().find(|n| !is_project_name(n)) {
            return Err(format!("invalid settings: {bad:?} is not a project name"));
        }
        if let Some((name, _)) = settings.extra.iter().find(|(_, r)| r.trim().is_empty()) {
            return Err(format!(
                "invalid settings: extra: {name:?} needs a replacement"
            ));
        }
        Ok(settings)
    }

    /// The `extra` names as table rows.
    pub fn extra_entries(&self) -> impl Iterator<Item = Entry> + '_ {
        self.extra.iter().map(|(name, replacement)| Entry {
            name: name.clone(),
            kind: Kind::Deprecated,
            replacement: format!("`{replacement}`"),
            severity: Level::Medium,
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
        let s = Settings::parse(
            r#"{"ignore": ["toml"], "extra": {"acme-old": "acme-new"}, "action": "warn"}"#,
        )
        .unwrap();
        assert_eq!((s.ignore.len(), s.action), (1, Action::Warn));
        assert_eq!(s.extra_entries().next().unwrap().replacement, "`acme-new`");
    }

    #[test]
    fn rejects_bad_settings() {
        for (json, needle) in [
            (r#"{"ignored": []}"#, "unknown field `ignored`"),
            (r#"{"action": "drop"}"#, "unknown variant `drop`"),
            (r#"{"extra": {"acme-old": " "}}"#, "needs a replacement"),
            (r#"{"ignore": ["--"]}"#, "not a project name"),
        ] {
            let e = Settings::parse(json).unwrap_err();
            assert!(e.contains(needle), "{json}: {e}");
        }
    }
}
