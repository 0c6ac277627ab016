//! PEP 440 / PEP 508 edge cases, and the reference bugs of fetter 4.0.1.

use super::*;
use crate::bounds::spec::Origin;
use crate::inventory::DirectUrl;

fn req(s: &str) -> BoundRequirement {
    BoundRequirement::parse(s, Origin::file("t")).unwrap_or_else(|e| panic!("{e}"))
}

fn ok(spec: &str, installed: &str) -> bool {
    version_satisfies(&req(spec), installed).is_ok()
}

fn dist(name: &str, version: &str, direct_url: Option<DirectUrl>) -> Distribution {
    Distribution {
        normalized_name: crate::names::PackageName::new(name),
        installer: Some("pip".into()),
        requested: true,
        direct_url,
        ..Distribution::new(
            name,
            version,
            "/s",
            format!("/s/{name}-{version}.dist-info"),
        )
    }
}

#[test]
fn wildcard_matches_longer_releases() {
    // Reference bug: `==4.*` failed for 4.0.1.
    assert!(ok("a==4.*", "4.0.1"));
    assert!(ok("a==4.*", "4"));
    assert!(ok("a==4.0.*", "4.0.1.dev3"));
    assert!(!ok("a==4.*", "5.0"));
    assert!(!ok("a!=4.*", "4.2"));
    assert!(ok("a!=4.*", "3.9"));
}

#[test]
fn compatible_release() {
    assert!(ok("a~=2.2", "2.9"));
    assert!(!ok("a~=2.2", "3.0"));
    assert!(!ok("a~=2.2", "2.1"));
    assert!(ok("a~=1.4.5", "1.4.9"));
    assert!(!ok("a~=1.4.5", "1.5.0"));
    assert!(ok("a~=2.2.post3", "2.2.post4"));
}

#[test]
fn arbitrary_equality_is_string_equality() {
    assert!(ok("a===1.0", "1.0"));
    assert!(!ok("a===1.0", "1.0.0"));
    assert!(ok("a===foobar", "foobar"));
    assert!(!ok("a===foobar", "1.0"));
}

#[test]
fn local_versions() {
    assert!(ok("a==1.0", "1.0+ubuntu.1"));
    assert!(ok("a==1.0+ubuntu.1", "1.0+ubuntu.1"));
    assert!(!ok("a==1.0+ubuntu.1", "1.0+ubuntu.2"));
    assert!(ok("a>=1.0", "1.0+cpu"));
    assert!(ok("a==2!1.0+Ubuntu-1", "2!1.0+ubuntu.1"));
}

#[test]
fn epochs() {
    assert!(ok("a>=1!0.1", "1!0.2"));
    assert!(!ok("a>=1!0.1", "2.0"));
    assert!(ok("a>2.0", "1!1.0"));
    assert!(!ok("a==1.0", "1!1.0"));
}

#[test]
fn pre_post_dev_releases() {
    // An installed pre-release is allowed when it is in the set.
    assert!(ok("a>=1.0a1", "1.0b2"));
    assert!(ok("a>=1.0", "1.1rc1"));
    // `<V` excludes pre-releases of V (PEP 440).
    assert!(!ok("a<1.0", "1.0rc1"));
    assert!(ok("a<1.0", "0.9"));
    // `>V` excludes V's post-releases; `>=V` includes them.
    assert!(!ok("a>1.7", "1.7.post1"));
    assert!(ok("a>=1.7", "1.7.post1"));
    assert!(ok("a>1.7", "1.7.1"));
    assert!(ok("a==1.0.post1", "1.0-1"));
    assert!(ok("a==1.0.dev0", "1.0dev"));
    assert!(!ok("a==1.0", "1.0.dev0"));
    assert!(ok("a==1.0rc1", "1.0-RC1"));
    assert!(ok("a==1.0.0", "1.0"));
    assert!(ok("a<=1.0", "1.0.dev1"));
}

#[test]
fn invalid_installed_versions_only_match_arbitrary_equality() {
    assert!(!ok("a>=1", "not-a-version"));
    assert!(ok("a", "not-a-version"));
    assert!(ok("a===not-a-version", "not-a-version"));
}

#[test]
fn extras_and_markers_parse() {
    let r = req("requests[security, socks]>=2.8.1,==2.8.* ; python_version > '3.6'");
    assert_eq!(r.requirement.extras.len(), 2);
    assert!(ok("requests[security]>=2", "2.31.0"));
}

#[test]
fn name_normalization() {
    // Reference bug: `jaraco-classes` did not match installed `jaraco.classes`.
    assert_eq!(
        req("jaraco-classes").name,
        dist("jaraco.classes", "3.2", None).normalized_name
    );
    assert_eq!(req("Jaraco_Classes").name, "jaraco-classes");
    assert_eq!(req("PyYAML==6.0").name, "pyyaml");
}

#[test]
fn direct_url_requirements() {
    let du = DirectUrl {
        url: "https://files.example/x-1.0.tar.gz".into(),
        archive_hashes: vec!["sha256=00ff".into()],
        ..Default::default()
    };
    let d = dist("x", "1.0", Some(du));
    // Reference bug: an sdist URL was read as a wheel; it is just a URL here.
    assert!(satisfies(&req("x @ https://files.example/x-1.0.tar.gz"), &d).is_ok());
    assert!(satisfies(&req("x @ https://files.example/x-1.1.tar.gz"), &d).is_err());
    assert!(satisfies(
        &req("x @ https://files.example/x-1.0.tar.gz"),
        &dist("x", "1.0", None)
    )
    .is_err());
    assert!(satisfies(&req("x==1.0"), &d).is_ok());
    let git = DirectUrl {
        url: "https://git.example/x.git".into(),
        vcs: Some("git".into()),
        commit_id: Some("a".repeat(40)),
        ..Default::default()
    };
    let d = dist("x", "1.0", Some(git));
    assert!(satisfies(
        &req(&format!(
            "x @ git+https://git.example/x.git@{}",
            "a".repeat(40)
        )),
        &d
    )
    .is_ok());
    assert!(satisfies(
        &req(&format!(
            "x @ git+https://git.example/x.git@{}",
            "b".repeat(40)
        )),
        &d
    )
    .is_err());
}

/// Regression (tests/differential.rs against `packaging`): `<V` with a
/// pre-release V admits earlier pre-releases of the same release.
#[test]
fn less_than_a_pre_release_admits_earlier_pre_releases() {
    assert!(version_satisfies(&req("x<2.0rc1"), "2.0b1").is_ok());
    assert!(version_satisfies(&req("x<2.0a0,>=1.21.0"), "2.0a0.dev0").is_ok());
    assert!(version_satisfies(&req("x<2.0rc1"), "2.0rc1").is_err());
    assert!(version_satisfies(&req("x<2.0rc1"), "2.0").is_err());
    // Unchanged for a final V: its pre-releases stay excluded.
    assert!(version_satisfies(&req("x<2.0"), "2.0b1").is_err());
    assert!(version_satisfies(&req("x<2.0"), "1.9").is_ok());
}
