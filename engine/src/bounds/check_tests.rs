//! The comparison on synthetic inventories: codes, options, fail-closed.

use super::*;
use crate::bounds::spec::Origin;
use crate::diag::CheckFailure;
use crate::inventory::{Distribution, SiteRef, SiteScope};

fn dist(name: &str, version: &str) -> Distribution {
    Distribution {
        normalized_name: crate::names::PackageName::new(name),
        installer: Some("pip".into()),
        requested: true,
        // As found on disk: a capitalised dist-info is matched by its normalized name.
        ..Distribution::new(
            name,
            version,
            "/e/site",
            format!("/e/site/{name}-{version}.dist-info"),
        )
    }
}

fn inventory(python: Option<&str>) -> Inventory {
    Inventory {
        environments: vec![Environment {
            prefix: "/e".into(),
            kind: crate::inventory::EnvironmentKind::Venv,
            python_version: python.map(str::to_string),
            interpreters: vec!["/e/bin/python".into()],
            sites: vec![SiteRef {
                path: "/e/site".into(),
                scope: SiteScope::Own,
            }],
            externally_managed: false,
            base_prefix: None,
            base_missing: false,
        }],
        distributions: vec![
            dist("PyYAML", "6.0"),
            dist("jaraco.classes", "3.2.1"),
            dist("pip", "24.0"),
            dist("stray", "1.0"),
        ],
        ..Default::default()
    }
}

fn bound(lines: &[&str]) -> Vec<BoundRequirement> {
    lines
        .iter()
        .map(|l| BoundRequirement::parse(l, Origin::file("b")).unwrap())
        .collect()
}

fn paths(inv: &Inventory, ids: &[crate::inventory::DistId]) -> Vec<std::path::PathBuf> {
    ids.iter()
        .map(|&i| inv.dist(i).metadata_path.clone())
        .collect()
}

/// What `purge --bound` removes: the bounds check alone through the
/// pipeline, or the failures when it could not run completely.
fn purge_targets(
    inv: &Inventory,
    cfg: &BoundsConfig,
) -> Result<Vec<std::path::PathBuf>, Vec<CheckFailure>> {
    let verdicts =
        crate::pipeline::Pipeline::over_scope(crate::diag::Severity::Info).run_on(inv, &[], &[cfg]);
    match verdicts.deny_targets() {
        Ok(ids) => Ok(paths(inv, &ids)),
        Err(failures) => Err(failures.to_vec()),
    }
}

fn run(
    inv: &Inventory,
    b: &[BoundRequirement],
    cfg: &BoundsConfig,
) -> (
    Vec<(String, String)>,
    Vec<CheckFailure>,
    Vec<std::path::PathBuf>,
) {
    let sink = Sink::new();
    let bound = crate::bounds::Bound {
        requirements: b.to_vec(),
        ..Default::default()
    };
    check(inv, &bound, cfg, &sink);
    let (d, f) = sink.finish();
    let v = paths(
        inv,
        &crate::pipeline::deny_targets(&d, crate::diag::Severity::Info),
    );
    let mut codes: Vec<(String, String)> = d
        .iter()
        .map(|d| {
            let who = d
                .distribution
                .as_ref()
                .map(|x| x.name.clone())
                .or(d.requirement.clone())
                .unwrap();
            (d.code.to_string(), who)
        })
        .collect();
    codes.sort();
    (codes, f, v)
}

fn pair(c: &str, n: &str) -> (String, String) {
    (c.into(), n.into())
}

#[test]
fn every_kind_and_the_purge_list() {
    let inv = inventory(Some("3.11.4"));
    let b = bound(&["pyyaml==6.*", "jaraco-classes>=4", "absent", "optional-dep"]);
    let mut b2 = b.clone();
    b2[3].required = false;
    let (codes, failures, violators) = run(&inv, &b2, &BoundsConfig::default());
    assert!(failures.is_empty());
    assert_eq!(
        codes,
        vec![
            pair("bounds/misdefined", "jaraco.classes"),
            pair("bounds/missing", "absent"),
            pair("bounds/unrequired", "stray"),
        ]
    );
    assert_eq!(
        violators,
        vec![
            std::path::PathBuf::from("/e/site/jaraco.classes-3.2.1.dist-info"),
            "/e/site/stray-1.0.dist-info".into()
        ]
    );
    let cfg = BoundsConfig {
        subset: true,
        superset: true,
        ..Default::default()
    };
    let (codes, _, _) = run(&inv, &b2, &cfg);
    assert_eq!(codes, vec![pair("bounds/misdefined", "jaraco.classes")]);
    // --ignore replaces the default: pip is then checked.
    let cfg = BoundsConfig {
        ignore: vec!["Stray".into()],
        subset: true,
        ..Default::default()
    };
    let (codes, _, _) = run(&inv, &b2, &cfg);
    assert!(codes.contains(&pair("bounds/unrequired", "pip")));
    assert!(!codes.iter().any(|(_, n)| n == "stray"));
}

#[test]
fn every_applicable_entry_must_hold() {
    let inv = inventory(Some("3.11.4"));
    let b = bound(&[
        "pyyaml>=5",
        "pyyaml<6",
        "jaraco.classes",
        "stray",
        "PyYAML==9 ; python_version < '3.8'",
    ]);
    let (codes, _, _) = run(&inv, &b, &BoundsConfig::default());
    assert_eq!(codes, vec![pair("bounds/misdefined", "PyYAML")]);
}

#[test]
fn unknown_python_version_fails_closed_only_when_markers_need_it() {
    let inv = inventory(None);
    let b = bound(&["pyyaml", "jaraco.classes", "stray"]);
    let (codes, failures, _) = run(&inv, &b, &BoundsConfig::default());
    assert!(codes.is_empty() && failures.is_empty());
    let b = bound(&[
        "pyyaml ; python_version >= '3.8'",
        "jaraco.classes",
        "stray",
    ]);
    let (codes, failures, violators) = run(&inv, &b, &BoundsConfig::default());
    assert!(codes.is_empty() && violators.is_empty());
    assert_eq!(failures.len(), 1);
    assert!(
        failures[0]
            .message
            .contains("Python version of /e is unknown"),
        "{failures:?}"
    );
}

#[test]
fn purge_targets_fail_closed() {
    let inv = inventory(Some("3.11.4"));
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("allowed.in");
    std::fs::write(&good, "PyYAML==6.0\njaraco.classes==9\n").unwrap();
    let cfg = |p: &std::path::Path| BoundsConfig {
        sources: vec![crate::bounds::BoundSource::Path(p.to_path_buf())],
        ..Default::default()
    };
    let targets = purge_targets(&inv, &cfg(&good)).unwrap();
    assert_eq!(
        targets,
        vec![
            std::path::PathBuf::from("/e/site/jaraco.classes-3.2.1.dist-info"),
            "/e/site/stray-1.0.dist-info".into()
        ],
        "pip is never a target by default"
    );
    let bad = dir.path().join("broken.txt");
    std::fs::write(&bad, "PyYAML==6.0\nnot a requirement !!\n").unwrap();
    let failures = purge_targets(&inv, &cfg(&bad)).unwrap_err();
    assert_eq!(failures.len(), 1);
    assert!(failures[0].source.ends_with("broken.txt:2"), "{failures:?}");
    let missing = dir.path().join("missing.txt");
    assert!(purge_targets(&inv, &cfg(&missing)).is_err());
}
