//! The inventory in columns (`evaluate-columns`, what the Python and
//! JavaScript SDKs export) gives the same verdicts as records
//! (`evaluate`): the built example rule and an echo of every field, on a
//! real venv and on the same inventory with hostile metadata added (the
//! separator and the escape character in names and versions, an absent
//! installer, a site path that is not UTF-8, sites in alternating runs).

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use fetter::diag::Sink;
use fetter::inventory::{DirectUrl, Inventory};
use fetter::plugins::{self, Cache, LogMode, Options, PolicySpec};

use super::super::common::*;
use super::{build, venv_with_git_install, Lang};

#[test]
fn python_columns_give_the_verdicts_records_give() {
    same_both_ways(Lang::Python, "hostile-py");
}

#[test]
fn js_columns_give_the_verdicts_records_give() {
    same_both_ways(Lang::Js, "hostile-js");
}

fn same_both_ways(lang: Lang, echo: &str) {
    let s = scratch();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/plugin_langs");
    let Some(echo_wasm) = build(&src.join(echo), lang) else {
        return;
    };
    let no_git = s.path.join("no-git");
    run_ok(
        fetter(&s.path)
            .args(["plugin", "new", "no-git", "--lang", lang.flag(), "--dir"])
            .arg(&no_git),
    );
    let Some(no_git_wasm) = build(&no_git, lang) else {
        return;
    };
    let Some(env) = venv_with_git_install(&s) else {
        return;
    };
    let scanned = run_ok(
        fetter(&s.path)
            .arg("--exe")
            .arg(&env.prefix)
            .args(["scan", "--format", "json", "-q"]),
    );
    let real: Inventory = serde_json::from_str(&scanned).expect("scan --format json");
    assert!(
        real.distributions.iter().any(|d| d.name == "Git_Pkg"),
        "{scanned}"
    );
    let hostile = with_hostile_distributions(&real);
    let specs = [
        PolicySpec::file(&echo_wasm).with_settings(r#"{"mode":"echo"}"#),
        PolicySpec::file(&no_git_wasm),
    ];
    // Compiled once per test (18 MB components; the compile cache is
    // keyed by their hash), removed with the scratch directory.
    let cache = Cache::at(s.path.join("compiled"));
    for inv in [&real, &hostile] {
        let (columns, used) = evaluate(inv, &specs, &cache, true);
        assert_eq!(used, [true, true], "both plugins export evaluate-columns");
        let (records, used) = evaluate(inv, &specs, &cache, false);
        assert_eq!(used, [false, false]);
        assert_eq!(columns, records, "{lang:?}: columns and records disagree");
        check_echo(inv, &columns);
        let git: Vec<&str> = columns
            .iter()
            .filter(|d| d["code"] == "no-git/git-url")
            .map(|d| d["distribution"]["name"].as_str().unwrap())
            .collect();
        let expected = inv
            .distributions
            .iter()
            .filter(|d| d.direct_url.as_ref().and_then(|u| u.vcs.as_deref()) == Some("git"))
            .count();
        assert!(git.contains(&"Git_Pkg"), "{git:?}");
        assert_eq!(git.len(), expected, "{git:?}");
    }
}

/// Run `specs` over `inv`; the diagnostics as JSON, and per plugin
/// whether it was given columns.
fn evaluate(
    inv: &Inventory,
    specs: &[PolicySpec],
    cache: &Cache,
    columns: bool,
) -> (Vec<serde_json::Value>, Vec<bool>) {
    let options = Options {
        cache: cache.clone(),
        log: LogMode::Quiet,
        timeout: std::time::Duration::from_secs(60),
        columns,
        ..Options::default()
    };
    let sink = Sink::new();
    let reports = plugins::evaluate(inv, specs, &options, &sink);
    let (diagnostics, failures) = sink.finish();
    assert!(failures.is_empty(), "{failures:#?}");
    (
        diagnostics
            .iter()
            .map(|d| serde_json::to_value(d).unwrap())
            .collect(),
        reports.iter().map(|r| r.columns).collect(),
    )
}

/// `real` with distributions whose metadata is what a text column must
/// survive, in a site that is not UTF-8 and in no environment, placed so
/// the sites alternate.
fn with_hostile_distributions(real: &Inventory) -> Inventory {
    let mut inv = real.clone();
    let template = real.distributions[0].clone();
    let odd_site = PathBuf::from(OsStr::from_bytes(b"/tmp/odd\xff\n\0site"));
    let values = [
        ("", ""),
        ("new\nline", "1.0\n"),
        ("nul\0name", "\0"),
        ("\0n", "\u{0}0"),
        ("\\0n", "\n\n"),
        ("tab\tand\u{202e}bidi", "ünïcode"),
        ("\0", "2"),
    ];
    for (i, (name, version)) in values.iter().enumerate() {
        let mut d = template.clone();
        d.name = name.to_string();
        d.normalized_name = fetter::names::PackageName::new(&format!("n{i}\n{name}"));
        d.version = version.to_string();
        d.installer = match i % 3 {
            0 => None,
            1 => Some("\0".into()),
            _ => Some(format!("pip\n{i}")),
        };
        d.requested = i % 2 == 0;
        d.direct_url = (i % 2 == 1).then(|| DirectUrl {
            url: format!("git+file:///x\n{i}\0"),
            vcs: Some("git".into()),
            commit_id: (i == 3).then(|| "\0\n".into()),
            editable: i == 5,
            ..Default::default()
        });
        if i % 2 == 0 {
            d.site = odd_site.clone();
        }
        inv.distributions.push(d);
    }
    inv
}

/// Every field the echo plugin saw is the inventory's (the record path is
/// compared with the columns path separately: this checks both decode).
fn check_echo(inv: &Inventory, diagnostics: &[serde_json::Value]) {
    let mut seen = 0;
    for d in diagnostics {
        let code = d["code"].as_str().unwrap();
        if !code.ends_with("/echo") {
            continue;
        }
        let message = d["message"].as_str().unwrap();
        let echo: serde_json::Value = serde_json::from_str(message)
            .unwrap_or_else(|e| panic!("echo is not JSON ({e}): {message}"));
        let i = echo[0].as_u64().unwrap() as usize;
        let dist = &inv.distributions[i];
        let site = dist.site.to_string_lossy();
        let url = dist
            .direct_url
            .as_ref()
            .map(|u| serde_json::json!([u.url, u.vcs, u.commit_id, u.editable]));
        let expected = serde_json::json!([
            i,
            dist.name,
            dist.normalized_name,
            dist.version,
            echo[4],
            site,
            dist.installer,
            dist.requested,
            url,
            dist.direct_url.as_ref().and_then(|u| u.vcs.clone()),
            dist.direct_url.as_ref().is_some_and(|u| u.editable),
        ]);
        assert_eq!(echo, expected, "distribution {i}");
        seen += 1;
    }
    // One per distribution and environment that sees it (at least one).
    assert!(seen >= inv.distributions.len(), "{seen} echoes");
}
