//! The plugin's JSON settings, validated before any evaluation.

use serde::Deserialize;

use crate::rules::AllowList;

/// What the policy does with a distribution that is not allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Fail validation (the default).
    #[default]
    Deny,
    /// Report only.
    Warn,
}

fn yes() -> bool {
    true
}

fn high() -> String {
    "high".to_string()
}

/// Settings, e.g. `{"allow": ["requests", "django>=4.2,<6", "azure-*"]}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Settings {
    /// Allowed names or name globs, each with optional PEP 440 specifiers.
    /// Required: an allow list that forgot its list must not run.
    pub allow: Vec<String>,
    /// `deny` (default) or `warn`.
    #[serde(default)]
    pub action: Action,
    /// Severity of verdicts (default `high`).
    #[serde(default = "high")]
    pub severity: String,
    /// Allow pip, setuptools and wheel (what `python -m venv` installs)
    /// without listing them (default true).
    #[serde(default = "yes")]
    pub allow_installer_tooling: bool,
}

/// Documentation of the settings, shown by `fetter plugin info`.
pub const HELP: &str = "JSON object: \
\"allow\" (required): [entries], each a project name or glob (* and ?) with optional PEP 440 \
specifiers, e.g. \"requests\", \"django>=4.2,<6\", \"azure-*\"; \
\"action\": \"deny\" (default) or \"warn\"; \
\"severity\": \"info\" | \"low\" | \"medium\" | \"high\" (default) | \"critical\"; \
\"allow-installer-tooling\": true (default) allows pip, setuptools and wheel without listing them.";

const SEVERITIES: [&str; 5] = ["info", "low", "medium", "high", "critical"];

impl Settings {
    /// Parse and validate `json`, compiling the allow list.
    pub fn parse(json: &str) -> Result<(Settings, AllowList), String> {
        let json = if json.trim().is_empty() { "{}" } else { json };
        let settings: Settings =
            serde_json::from_str(json).map_err(|e| format!("invalid settings: {e}"))?;
        if !SEVERITIES.contains(&settings.severity.as_str()) {
            return Err(format!(
                "invalid settings: severity {:?}: expected one of {}",
                settings.severity,
                SEVERITIES.join(", ")
            ));
        }
        let list = AllowList::new(&settings.allow, settings.allow_installer_tooling)
            .map_err(|e| format!("invalid settings: {e}"))?;
        Ok((settings, list))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_is_required() {
        for json in ["", "{}", r#"{"action": "warn"}"#] {
            let e = Settings::parse(json).unwrap_err();
            assert!(e.contains("missing field `allow`"), "{e}");
        }
    }

    #[test]
    fn defaults() {
        let (s, _) = Settings::parse(r#"{"allow": ["requests"]}"#).unwrap();
        assert_eq!(
            (s.action, s.severity.as_str(), s.allow_installer_tooling),
            (Action::Deny, "high", true)
        );
    }

    #[test]
    fn rejects_bad_settings() {
        for (json, needle) in [
            (r#"{"allow": "requests"}"#, "invalid type"),
            (r#"{"allow": [], "alow": []}"#, "unknown field `alow`"),
            (
                r#"{"allow": [], "severity": "severe"}"#,
                "severity \"severe\"",
            ),
            (r#"{"allow": ["django>=x"]}"#, "bad version specifiers"),
            (
                r#"{"allow": [], "action": "block"}"#,
                "unknown variant `block`",
            ),
        ] {
            let e = Settings::parse(json).unwrap_err();
            assert!(e.contains(needle), "{json}: {e}");
        }
    }
}
