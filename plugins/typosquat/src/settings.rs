//! The plugin's JSON settings, validated before any evaluation.

use serde::Deserialize;

use crate::forms::normalize;

/// What the policy does with a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Fail validation (the default).
    #[default]
    Deny,
    /// Report only.
    Warn,
}

/// Settings, e.g. `{"protect": ["acme-billing"], "exempt": ["reqeusts"], "action": "warn"}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Extra names to protect (an organisation's internal packages), on top
    /// of the top-PyPI list; checked first, so they win ties.
    pub protect: Vec<String>,
    /// Names never flagged (a known-good package that happens to look like
    /// a popular one).
    pub exempt: Vec<String>,
    /// `deny` (default) or `warn`.
    pub action: Action,
    /// Severity of findings: `info`, `low`, `medium`, `high` (default) or
    /// `critical`.
    pub severity: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            protect: Vec::new(),
            exempt: Vec::new(),
            action: Action::Deny,
            severity: "high".to_string(),
        }
    }
}

/// Documentation of the settings, shown by `fetter plugin info`.
pub const HELP: &str = "JSON object, every key optional: \
\"protect\": [names] extra names to protect (e.g. internal packages); \
\"exempt\": [names] names never flagged; \
\"action\": \"deny\" (default) or \"warn\"; \
\"severity\": \"info\" | \"low\" | \"medium\" | \"high\" (default) | \"critical\". \
Example: {\"protect\": [\"acme-billing\"], \"exempt\": [\"reqeusts\"], \"action\": \"warn\"}";

const SEVERITIES: [&str; 5] = ["info", "low", "medium", "high", "critical"];

impl Settings {
    /// Parse and validate `json` (an empty document means defaults).
    pub fn parse(json: &str) -> Result<Settings, String> {
        let json = if json.trim().is_empty() { "{}" } else { json };
        let settings: Settings =
            serde_json::from_str(json).map_err(|e| format!("invalid settings: {e}"))?;
        for (key, names) in [("protect", &settings.protect), ("exempt", &settings.exempt)] {
            if let Some(bad) = names.iter().find(|n| !is_project_name(n)) {
                return Err(format!(
                    "invalid settings: {key}: {bad:?} is not a project name"
                ));
            }
        }
        if !SEVERITIES.contains(&settings.severity.as_str()) {
            return Err(format!(
                "invalid settings: severity {:?}: expected one of {}",
                settings.severity,
                SEVERITIES.join(", ")
            ));
        }
        Ok(settings)
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
        && !normalize(name).is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_deny_with_high_severity() {
        for empty in ["", "{}", "  "] {
            let s = Settings::parse(empty).unwrap();
            assert_eq!((s.action, s.severity.as_str()), (Action::Deny, "high"));
        }
    }

    #[test]
    fn parses_every_key() {
        let s = Settings::parse(
            r#"{"protect": ["acme-billing"], "exempt": ["reqeusts"], "action": "warn", "severity": "critical"}"#,
        )
        .unwrap();
        assert_eq!(s.protect, ["acme-billing"]);
        assert_eq!(s.exempt, ["reqeusts"]);
        assert_eq!(s.action, Action::Warn);
        assert_eq!(s.severity, "critical");
    }

    #[test]
    fn rejects_bad_settings_with_a_clear_message() {
        for (json, needle) in [
            (r#"{"protct": []}"#, "unknown field `protct`"),
            (r#"{"action": "block"}"#, "unknown variant `block`"),
            (r#"{"severity": "urgent"}"#, "severity \"urgent\""),
            (
                r#"{"protect": ["-bad-"]}"#,
                "protect: \"-bad-\" is not a project name",
            ),
            (r#"{"exempt": "reqeusts"}"#, "invalid type"),
            ("[1]", "invalid settings"),
        ] {
            let err = Settings::parse(json).unwrap_err();
            assert!(err.contains(needle), "{json}: {err}");
        }
    }
}
