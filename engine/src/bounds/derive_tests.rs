use super::*;
use crate::inventory::{DirectUrl, Environment, EnvironmentKind, SiteRef, SiteScope};

fn dist(name: &str, version: &str, site: &str, du: Option<DirectUrl>) -> Distribution {
    Distribution {
        normalized_name: crate::names::PackageName::new(name),
        direct_url: du,
        ..Distribution::new(
            name,
            version,
            site,
            format!("{site}/{name}-{version}.dist-info"),
        )
    }
}

fn env(prefix: &str, site: &str) -> Environment {
    Environment {
        prefix: prefix.into(),
        kind: EnvironmentKind::Venv,
        python_version: Some("3.11.7".into()),
        interpreters: vec![],
        sites: vec![SiteRef {
            path: site.into(),
            scope: SiteScope::Own,
        }],
        externally_managed: false,
        base_prefix: None,
        base_missing: false,
    }
}

#[test]
fn pin_styles() {
    let d = dist("PyYAML", "6.0.1", "/s", None);
    assert_eq!(requirement_line(&d, PinStyle::Exact), "PyYAML==6.0.1");
    assert_eq!(requirement_line(&d, PinStyle::Lower), "PyYAML>=6.0.1");
    assert_eq!(requirement_line(&d, PinStyle::Upper), "PyYAML<=6.0.1");
    assert_eq!(requirement_line(&d, PinStyle::Compatible), "PyYAML~=6.0.1");
    assert_eq!(
        requirement_line(&dist("a", "5", "/s", None), PinStyle::Compatible),
        "a~=5.0"
    );
    assert_eq!(
        requirement_line(&dist("a", "1.0+cpu", "/s", None), PinStyle::Lower),
        "a>=1.0"
    );
    assert_eq!(
        requirement_line(&dist("a", "1.0+cpu", "/s", None), PinStyle::Exact),
        "a==1.0+cpu"
    );
    assert_eq!(
        requirement_line(&dist("a", "weird_ver", "/s", None), PinStyle::Exact),
        "a===weird_ver"
    );
}

#[test]
fn direct_urls_are_written_as_urls() {
    let git = DirectUrl {
        url: "https://github.com/o/r.git".into(),
        vcs: Some("git".into()),
        commit_id: Some("abc".into()),
        ..Default::default()
    };
    assert_eq!(
        requirement_line(&dist("r", "1.0", "/s", Some(git)), PinStyle::Exact),
        "r @ git+https://github.com/o/r.git@abc"
    );
    let archive = DirectUrl {
        url: "file:///w/x-1.0-py3-none-any.whl".into(),
        archive_hashes: vec!["sha256=ff".into()],
        ..Default::default()
    };
    assert_eq!(
        requirement_line(&dist("x", "1.0", "/s", Some(archive)), PinStyle::Lower),
        "x @ file:///w/x-1.0-py3-none-any.whl#sha256=ff"
    );
}

#[test]
fn editable_installs_are_written_as_editables() {
    let editable = DirectUrl {
        url: "file:///src/my%20proj".into(),
        editable: true,
        ..Default::default()
    };
    assert_eq!(
        requirement_line(
            &dist("My.Proj", "0.1", "/s", Some(editable)),
            PinStyle::Exact
        ),
        "-e file:///src/my%20proj#egg=My.Proj"
    );
    // A non-editable directory install keeps `name @ url`.
    let dir = DirectUrl {
        url: "file:///src/p".into(),
        ..Default::default()
    };
    assert_eq!(
        requirement_line(&dist("p", "0.1", "/s", Some(dir)), PinStyle::Exact),
        "p @ file:///src/p"
    );
}

#[test]
fn deduplicates_and_reports_conflicts() {
    let inv = Inventory {
        environments: vec![env("/a", "/a/site"), env("/b", "/b/site")],
        distributions: vec![
            dist("attrs", "23.1.0", "/a/site", None),
            dist("six", "1.16.0", "/a/site", None),
            dist("pip", "23.2.1", "/a/site", None),
            dist("attrs", "23.2.0", "/b/site", None),
            dist("six", "1.16.0", "/b/site", None),
        ],
        ..Default::default()
    };
    let d = derive(&inv, PinStyle::Exact, &["pip".to_string()]);
    assert_eq!(d.lines, ["attrs==23.2.0", "six==1.16.0"]);
    assert_eq!(d.conflicts.len(), 1);
    assert_eq!(d.conflicts[0].variants.len(), 2);
    let low = derive(&inv, PinStyle::Lower, &["pip".to_string()]);
    assert_eq!(low.lines, ["attrs>=23.1.0", "six>=1.16.0"]);
    let text = render(&d, PinStyle::Exact, "2026-01-01T00:00:00Z");
    assert!(text.starts_with("# Derived by fetter"));
    assert!(text.contains("# conflict: attrs"));
    assert!(text.ends_with("attrs==23.2.0\nsix==1.16.0\n"));
}

#[test]
fn utc_now_is_iso() {
    let s = utc_now();
    assert_eq!(s.len(), 20, "{s}");
    assert!(s.ends_with('Z') && s.as_bytes()[10] == b'T');
}
