//! The three committed first-party plugins (`plugins/<name>.wasm`, built by
//! `cargo run -p fetter-plugin-build`) run in fetter's real sandbox: they
//! describe themselves, reject bad settings in `configure`, and judge a
//! small inventory as their native tests say they should.

use std::time::Duration;

use fetter::plugins::host::{self, wit, Limits, LogMode, RunOutput};
use fetter::plugins::PluginError;
use wasmtime::component::Component;

fn run(plugin: &str, settings: &str, inventory: &wit::Inventory) -> Result<RunOutput, PluginError> {
    let path = format!("{}/../{plugin}.wasm", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let engine = host::engine().unwrap();
    let component = Component::from_binary(&engine, &bytes).unwrap();
    let limits = Limits {
        memory_bytes: 256 << 20,
        timeout: Duration::from_secs(60),
    };
    host::run(
        &engine,
        &component,
        plugin,
        settings,
        Some(inventory),
        limits,
        LogMode::Quiet,
    )
}

fn inventory(dists: &[(&str, &str)]) -> wit::Inventory {
    wit::Inventory {
        environments: vec![wit::Environment {
            prefix: "/venv".into(),
            kind: wit::EnvironmentKind::Venv,
            python_version: Some("3.12.3".into()),
            externally_managed: false,
        }],
        distributions: dists
            .iter()
            .map(|(name, version)| wit::Distribution {
                name: name.to_string(),
                normalized_name: name.to_lowercase().replace(['_', '.'], "-"),
                version: version.to_string(),
                environments: vec![0],
                site: "/venv/lib/python3.12/site-packages".into(),
                installer: Some("pip".into()),
                requested: true,
                direct_url: None,
            })
            .collect(),
    }
}

fn rules(out: &RunOutput) -> Vec<(u32, String)> {
    out.verdicts
        .iter()
        .map(|v| (v.distribution, v.rule.clone()))
        .collect()
}

#[test]
fn typosquat_in_the_sandbox() {
    let inv = inventory(&[
        ("pip", "24.0"),
        ("setuptools", "69.0"),
        ("reqeusts", "1.0"),
        ("numpy", "2.0"),
    ]);
    let out = run("typosquat", "{}", &inv).unwrap();
    assert_eq!(out.info.name, "typosquat");
    assert!(!out.info.settings_help.is_empty());
    assert_eq!(
        rules(&out),
        vec![(2, "typosquat/swapped-chars".to_string())]
    );
    let v = &out.verdicts[0];
    assert_eq!(
        (v.action, v.severity),
        (wit::Action::Deny, wit::Severity::High)
    );
    assert_eq!(v.suggestion.as_deref(), Some("did you mean `requests`?"));
    let err = run("typosquat", r#"{"action": "block"}"#, &inv).unwrap_err();
    assert!(format!("{err}").contains("block"), "{err}");
}

#[test]
fn deprecated_names_in_the_sandbox() {
    let inv = inventory(&[("pip", "24.0"), ("enum34", "1.1.10"), ("sklearn", "0.0")]);
    let out = run("deprecated-names", "{}", &inv).unwrap();
    assert_eq!(out.info.name, "deprecated-names");
    assert_eq!(
        rules(&out),
        vec![
            (1, "deprecated-names/stdlib-backport".to_string()),
            (2, "deprecated-names/renamed".to_string())
        ]
    );
    assert!(run("deprecated-names", r#"{"ignroe": []}"#, &inv).is_err());
}

#[test]
fn allow_list_in_the_sandbox() {
    let inv = inventory(&[
        ("pip", "24.0"),
        ("requests", "2.32.3"),
        ("Django", "3.2"),
        ("leftpad", "0.1"),
    ]);
    let out = run(
        "allow-list",
        r#"{"allow": ["requests", "django>=4.2"]}"#,
        &inv,
    )
    .unwrap();
    assert_eq!(out.info.name, "allow-list");
    assert_eq!(
        rules(&out),
        vec![
            (2, "allow-list/version-not-allowed".to_string()),
            (3, "allow-list/not-allowed".to_string())
        ]
    );
    let err = run("allow-list", "{}", &inv).unwrap_err();
    assert!(format!("{err}").contains("allow"), "{err}");
}
