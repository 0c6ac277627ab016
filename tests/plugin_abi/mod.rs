//! Plugins of other ABI versions: the first released ABI still runs, a
//! newer minor version of the same major runs.

use super::*;

/// The ABI 1.0.0 fixture (never rebuilt) still loads and runs: this host
/// keeps running plugins of the first released ABI.
#[test]
fn abi_1_0_0_fixture_still_runs() {
    let s = scratch();
    let fixture = abi1_fixture();
    let out = run(fetter_at(&s.path)
        .args(["plugin", "info", "--json"])
        .arg(&fixture));
    let info = json(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{info:#}");
    crate::common::schemas::assert_matches("fetter.plugin-info-1", &info, "plugin info --json");
    assert_eq!(info["abi"], "1.0.0");
    assert_eq!(info["sha256"], sha256(&fixture));
    assert_eq!(info["metadata"]["name"], "example-custom");
    assert_eq!(info["metadata"]["version"], "0.1.0");
    assert_eq!(
        info["metadata"]["description"],
        "Deny anything installed from a git URL"
    );
    assert_eq!(
        info["imports"],
        serde_json::json!(["fetter:policy/host@1.0.0"])
    );

    let out = run(fetter_at(&s.path).args(["plugin", "check"]).arg(&fixture));
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    let out = run(fetter_at(&s.path)
        .args(["plugin", "check"])
        .arg(&fixture)
        .args(["--settings", r#"{"x": 1}"#]));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).1.contains("takes no settings"),
        "{:?}",
        text(&out)
    );

    let Some(env) = venv_with_tiny(&s) else {
        return;
    };
    let (out, report) = validate(&s.path, &env, &[&fixture], &[]);
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    assert_eq!(report["inputs"][0]["check"], "plugin:example-custom");
}

/// A plugin built for a newer minor ABI (1.1.0: same records, perhaps more
/// host functions) is accepted and runs to the end. The host names the
/// interfaces by its own version (`fetter:policy/evaluator@1.0.0`, from
/// fetter-plugin-abi) and wasmtime resolves that to any semver-compatible
/// export; an unversioned name or an exact-version lookup would fail here.
#[test]
fn a_plugin_of_a_newer_minor_abi_runs() {
    let s = scratch();
    let Some(env) = venv_with_tiny(&s) else {
        return;
    };
    // The hostile plugin, its interface names rewritten to ABI 1.1.0 (the
    // same length, so the component stays valid).
    let mut bytes = fs::read(hostile_wasm()).unwrap();
    let mut rewritten = 0;
    for (old, new) in [
        (
            "fetter:policy/evaluator@1.0.0",
            "fetter:policy/evaluator@1.1.0",
        ),
        ("fetter:policy/host@1.0.0", "fetter:policy/host@1.1.0"),
    ] {
        let (old, new) = (old.as_bytes(), new.as_bytes());
        let mut at = 0;
        while let Some(i) = bytes[at..].windows(old.len()).position(|w| w == old) {
            bytes[at + i..at + i + old.len()].copy_from_slice(new);
            at += i + old.len();
            rewritten += 1;
        }
    }
    assert!(rewritten >= 2, "{rewritten}");
    let plugin = s.path.join("abi-1.1.0.wasm");
    fs::write(&plugin, &bytes).unwrap();

    let out = run(fetter_at(&s.path)
        .args(["plugin", "info", "--json"])
        .arg(&plugin));
    let info = json(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{info:#}");
    assert_eq!(info["abi"], "1.1.0");
    assert_eq!(info["abi_compatible"], true);
    assert_eq!(
        info["imports"],
        serde_json::json!(["fetter:policy/host@1.1.0"])
    );

    // configure and evaluate are reached: one warning per distribution.
    let manifest = s.path.join("newer.toml");
    fs::write(
        &manifest,
        format!(
            "name = \"newer\"\n[[plugin]]\npath = {:?}\n[plugin.settings]\nmode = \"behave\"\n",
            plugin.to_str().unwrap()
        ),
    )
    .unwrap();
    let (out, report) = validate(&s.path, &env, &[&manifest], &[]);
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    assert!(failure_messages(&report).is_empty(), "{report:#}");
    assert!(
        report["summary"]["warned"].as_u64().unwrap() >= 1,
        "{report:#}"
    );
}
