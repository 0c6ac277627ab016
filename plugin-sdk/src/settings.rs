//! Reading a plugin's JSON settings with errors a user can act on.

use serde::de::DeserializeOwned;

/// Parse settings JSON into `T` (derive `serde::Deserialize`, and
/// `#[serde(deny_unknown_fields)]` so typos are rejected rather than
/// ignored). An empty document counts as `{}`.
///
/// The error names the problem and where it is:
/// `invalid settings: unknown field "allwo", expected "allow" at line 1 column 8`.
pub fn parse_settings<T: DeserializeOwned>(json: &str) -> Result<T, String> {
    let json = if json.trim().is_empty() { "{}" } else { json };
    serde_json::from_str(json).map_err(|e| format!("invalid settings: {e}"))
}

/// For a plugin that takes no settings: accept `{}` (or nothing) and reject
/// anything else, naming the keys that were given.
pub fn reject_settings(json: &str) -> Result<(), String> {
    let value: serde_json::Value = parse_settings(json)?;
    match value {
        serde_json::Value::Object(map) if map.is_empty() => Ok(()),
        serde_json::Value::Object(map) => Err(format!(
            "this plugin takes no settings, but got: {}",
            map.keys()
                .map(|k| format!("{k:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        other => Err(format!("settings must be a JSON object, got {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    struct S {
        #[allow(dead_code)]
        allow: Vec<String>,
    }

    #[test]
    fn errors_name_the_problem() {
        assert!(parse_settings::<S>(r#"{"allow": ["a"]}"#).is_ok());
        let e = parse_settings::<S>(r#"{"allwo": []}"#).unwrap_err();
        assert!(e.contains("unknown field") && e.contains("allwo"), "{e}");
        assert!(reject_settings("").is_ok());
        assert!(reject_settings("{}").is_ok());
        assert!(reject_settings(r#"{"x":1}"#).unwrap_err().contains("\"x\""));
        assert!(reject_settings("[1]").is_err());
    }
}
