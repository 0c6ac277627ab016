//! The deprecated-names plugin end to end: a deprecation warns by default,
//! settings raise it to deny (issue 21).

use super::*;

/// A venv with tiny look-alikes of `toml` 0.10.2 and `py` 1.11.0 (deprecated
/// but harmless, common on healthy machines), or `None` without Python.
fn venv_with_deprecations(s: &Scratch) -> Option<Venv> {
    let py = python()?;
    let env = Venv::create(&py, &s.path.join("env"));
    for (name, version) in [("toml", "0.10.2"), ("py", "1.11.0")] {
        let wheel = build_wheel(
            &py,
            &tiny_project(&s.path.join("src"), name, version, None),
            &s.path.join("wheels"),
        );
        env.pip(&["install", "--no-deps", wheel.to_str().unwrap()]);
    }
    Some(env)
}

/// `(name, action)` of each diagnostic of the first environment.
fn actions(report: &serde_json::Value) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = report["environments"][0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["distribution"]["name"].as_str().unwrap().to_string(),
                d["action"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

/// A manifest running deprecated-names with `settings` (TOML lines).
fn deprecated_manifest(dir: &Path, name: &str, settings: &str) -> PathBuf {
    let path = dir.join(format!("{name}.toml"));
    fs::write(
        &path,
        format!("name = \"{name}\"\n[[plugin]]\nname = \"deprecated-names\"\n[plugin.settings]\n{settings}\n"),
    )
    .unwrap();
    path
}

/// Issue 21: a deprecation warns (exit 0, shown in the report); settings
/// raise one name or all to deny (exit 3); a security reason (pycrypto's
/// unfixed CVEs) denies by default; a `deny` name the plugin cannot flag is
/// refused (exit 1, naming it).
#[test]
fn deprecated_names_warn_by_default_and_settings_raise_to_deny() {
    let s = scratch();
    let Some(env) = venv_with_deprecations(&s) else {
        return;
    };
    let warn = |who: &str| (who.to_string(), "warn".to_string());
    let deny = |who: &str| (who.to_string(), "deny".to_string());
    let bare = Path::new("deprecated-names");

    let (out, report) = validate(&s.path, &env, &[bare], &[]);
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    assert_eq!(actions(&report), vec![warn("py"), warn("toml")]);
    assert_eq!(report["summary"]["warned"], 2, "{report:#}");
    assert_eq!(
        codes(&report),
        vec![
            ("deprecated-names/deprecated".to_string(), "py".to_string()),
            (
                "deprecated-names/deprecated".to_string(),
                "toml".to_string()
            ),
        ]
    );
    // The table for people shows the warnings, with the replacement.
    let out = run(fetter_at(&s.path).arg("--exe").arg(&env.prefix).args([
        "validate",
        "--policy",
        "deprecated-names",
    ]));
    let (stdout, _) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let row = stdout
        .lines()
        .find(|l| l.contains("toml") && l.contains("deprecated-names/deprecated"))
        .unwrap_or_else(|| panic!("no toml row:\n{stdout}"));
    assert!(row.starts_with("warn") && row.contains("tomllib"), "{row}");

    // Settings raise one name, or every finding, to deny.
    let one = deprecated_manifest(&s.path, "one", "deny = [\"TOML\"]");
    let (out, report) = validate(&s.path, &env, &[&one], &[]);
    assert_eq!(out.status.code(), Some(3), "{report:#}");
    assert_eq!(actions(&report), vec![warn("py"), deny("toml")]);
    let all = deprecated_manifest(&s.path, "all", "action = \"deny\"");
    let (out, report) = validate(&s.path, &env, &[&all], &[]);
    assert_eq!(out.status.code(), Some(3), "{report:#}");
    assert_eq!(actions(&report), vec![deny("py"), deny("toml")]);

    // A name the plugin could never flag is a mistake, refused by name.
    let typo = deprecated_manifest(&s.path, "typo", "deny = [\"tomll\"]");
    let (out, report) = validate(&s.path, &env, &[&typo], &[]);
    assert_eq!(out.status.code(), Some(1), "{report:#}");
    let f = failure_messages(&report);
    assert!(
        f.len() == 1 && f[0].contains("rejected its settings") && f[0].contains("\"tomll\""),
        "{f:?}"
    );

    // A security reason denies without any settings.
    let py = python().unwrap();
    let wheel = build_wheel(
        &py,
        &tiny_project(&s.path.join("src"), "pycrypto", "2.6.1", None),
        &s.path.join("wheels"),
    );
    env.pip(&["install", "--no-deps", wheel.to_str().unwrap()]);
    let (out, report) = validate(&s.path, &env, &[bare], &[]);
    assert_eq!(out.status.code(), Some(3), "{report:#}");
    assert_eq!(
        actions(&report),
        vec![warn("py"), deny("pycrypto"), warn("toml")]
    );
}
