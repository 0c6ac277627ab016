//! A distribution's version is parsed once, by the scan; bounds, derive
//! and audit compare that parse and reach the verdicts they reached when
//! each parsed the raw string itself.

use std::fs;

use crate::audit::osv::Record;
use crate::audit::ranges::is_affected;
use crate::audit::Database;
use crate::bounds::derive::{requirement_line, PinStyle};
use crate::bounds::matching::{satisfies, version_satisfies};
use crate::bounds::spec::{BoundRequirement, Origin};
use crate::inventory::site::list_site;
use crate::inventory::{Distribution, Inventory, INVENTORY_SCHEMA};

/// Not PEP 440: pep440_rs, pip and `packaging` all refuse it.
const ODD: &str = "1.0-custom+?";

/// The distributions a scan of a site holding `foo` `version` finds.
fn scanned(version: &str) -> Distribution {
    let dir = tempfile::tempdir().unwrap();
    let info = dir.path().join("foo-1.0.dist-info");
    fs::create_dir(&info).unwrap();
    fs::write(
        info.join("METADATA"),
        format!("Metadata-Version: 2.1\nName: foo\nVersion: {version}\n"),
    )
    .unwrap();
    let mut listing = list_site(dir.path());
    assert_eq!(listing.distributions.len(), 1, "{:?}", listing.warnings);
    listing.distributions.pop().unwrap()
}

fn req(s: &str) -> BoundRequirement {
    BoundRequirement::parse(s, Origin::file("t")).unwrap_or_else(|e| panic!("{e}"))
}

fn record(json: &str) -> Record {
    serde_json::from_str(json).unwrap()
}

#[test]
fn the_scan_parses_the_version_once() {
    let d = scanned("2.31.0");
    assert_eq!(d.parsed_version, Some("2.31.0".parse().unwrap()));
    assert!(d.version_valid);
    assert_eq!(d.version_problem(), None);

    let d = scanned(ODD);
    assert_eq!(d.version, ODD);
    assert_eq!(d.parsed_version, None);
    assert!(!d.version_valid);
    assert!(d.version_problem().is_some());
}

#[test]
fn an_unparsable_version_meets_bounds_as_the_string_did() {
    let d = scanned(ODD);
    for spec in [
        "foo",
        "foo>=1",
        "foo<2",
        "foo==1.0",
        "foo===1.0-custom+?",
        "foo===1.0",
        "foo>=1,===1.0-custom+?",
    ] {
        let r = req(spec);
        // The string route parses `d.version` itself, as bounds did before.
        assert_eq!(
            satisfies(&r, &d),
            version_satisfies(&r, &d.version),
            "{spec}"
        );
    }
    assert!(satisfies(&req("foo"), &d).is_ok());
    assert!(satisfies(&req("foo===1.0-custom+?"), &d).is_ok());
    let why = satisfies(&req("foo>=1"), &d).unwrap_err();
    assert!(
        matches!(
            why,
            crate::bounds::matching::Unsatisfied::NotComparable { .. }
        ),
        "{why}"
    );
    let why = why.to_string();
    assert!(
        why.starts_with("installed version \"1.0-custom+?\" is not a valid PEP 440 version ("),
        "{why}"
    );
    assert!(why.ends_with(", so it cannot satisfy >=1"), "{why}");

    // A valid version: the parse and the string agree too.
    let ok = scanned("1.5");
    for spec in ["foo>=1", "foo<1.5", "foo~=1.4", "foo===1.5"] {
        let r = req(spec);
        assert_eq!(
            satisfies(&r, &ok),
            version_satisfies(&r, &ok.version),
            "{spec}"
        );
    }
}

#[test]
fn an_unparsable_version_derives_arbitrary_equality() {
    let d = scanned(ODD);
    for pin in [PinStyle::Exact, PinStyle::Lower, PinStyle::Compatible] {
        assert_eq!(requirement_line(&d, pin), "foo===1.0-custom+?");
    }
    assert_eq!(
        requirement_line(&scanned("1.5"), PinStyle::Compatible),
        "foo~=1.5"
    );
}

#[test]
fn an_unparsable_version_is_audited_as_the_string_was() {
    let listed = record(
        r#"{"id": "PYSEC-1", "affected": [{"package": {"ecosystem": "PyPI", "name": "foo"},
            "versions": ["1.0-custom+?"],
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0"}]}]}]}"#,
    );
    let ranged = record(
        r#"{"id": "PYSEC-2", "affected": [{"package": {"ecosystem": "PyPI", "name": "foo"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0"}]}]}]}"#,
    );
    // The string route, as audit parsed before.
    assert!(is_affected(ODD, &listed.affected[0]).unwrap());
    assert!(!is_affected(ODD, &ranged.affected[0]).unwrap());

    let db = Database::new(vec![listed, ranged], "test".into(), None);
    let inv = |d: Distribution| Inventory {
        schema: INVENTORY_SCHEMA.into(),
        distributions: vec![d],
        ..Inventory::default()
    };
    let vulns = crate::audit::audit(&inv(scanned(ODD)), &db);
    let ids: Vec<&str> = vulns.iter().map(|v| v.id.as_str()).collect();
    assert_eq!(ids, ["PYSEC-1"]);
    assert_eq!(vulns[0].installed_version, None);
    assert_eq!(
        crate::audit::diags::fixed_suggestion(None, &vulns[0].fixed).as_deref(),
        Some("upgrade to 2.0 or later")
    );

    // A valid version in both: ordered by the parse.
    let vulns = crate::audit::audit(&inv(scanned("2.5")), &db);
    let ids: Vec<&str> = vulns.iter().map(|v| v.id.as_str()).collect();
    assert_eq!(ids, ["PYSEC-2"]);
    assert_eq!(vulns[0].installed_version, Some("2.5".parse().unwrap()));
}

#[test]
fn json_is_unchanged_and_reading_it_back_parses_the_version() {
    for version in ["2.31.0", ODD] {
        let d = scanned(version);
        let json = serde_json::to_value(&d).unwrap();
        assert!(json.get("parsed_version").is_none(), "{json}");
        assert_eq!(json["version"], version);
        let back: Distribution = serde_json::from_value(json).unwrap();
        assert_eq!(back.parsed_version, d.parsed_version);
        assert_eq!(back.version, d.version);
    }
}

#[test]
fn new_derives_what_the_scan_derives() {
    let d = Distribution::new("Jaraco.Classes", "3.2", "/s", "/s/x.dist-info");
    assert_eq!(d.normalized_name.as_str(), "jaraco-classes");
    assert_eq!(d.parsed_version, Some("3.2".parse().unwrap()));
    assert!(d.version_valid);
    let d = Distribution::new("x", ODD, "/s", "/s/x.dist-info");
    assert_eq!((d.parsed_version, d.version_valid), (None, false));
}
