//! fetter's JSON Schemas (`schemas/`), every one registered under its
//! `$id` (`urn:fetter:schema:<file stem>`), so a schema's `$ref`s to
//! another resolve with no network, as they do for a user who loads the
//! directory into their validator.

use std::fs;
use std::path::Path;

use jsonschema::{Registry, Validator};
use serde_json::Value;

fn dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas")
}

fn load(path: &Path) -> Value {
    serde_json::from_slice(&fs::read(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()))
}

/// The validator of `schemas/<stem>.schema.json` (formats checked).
pub fn schema(stem: &str) -> Validator {
    let mut registry = Registry::new();
    for entry in fs::read_dir(dir()).unwrap() {
        let path = entry.unwrap().path();
        let doc = load(&path);
        let id = doc["$id"]
            .as_str()
            .unwrap_or_else(|| panic!("{}: no $id", path.display()))
            .to_string();
        registry = registry.add(id, doc).expect("register schema");
    }
    let registry = registry.prepare().expect("prepare registry");
    let path = dir().join(format!("{stem}.schema.json"));
    jsonschema::options()
        .with_registry(&registry)
        .should_validate_formats(true)
        .build(&load(&path))
        .unwrap_or_else(|e| panic!("{}: invalid schema: {e}", path.display()))
}

/// Panic listing every violation when `doc` does not match the schema
/// `stem`; `what` names the command in the message.
#[track_caller]
pub fn assert_matches(stem: &str, doc: &Value, what: &str) {
    assert_valid(
        &schema(stem),
        doc,
        &format!("{what} (schemas/{stem}.schema.json)"),
    );
}

/// Panic listing the first violations when `doc` does not match `v`.
#[track_caller]
pub fn assert_valid(v: &Validator, doc: &Value, what: &str) {
    let errors: Vec<String> = v
        .iter_errors(doc)
        .take(10)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} does not match its schema:\n{}\n{}",
        errors.join("\n"),
        serde_json::to_string_pretty(doc).unwrap()
    );
}
