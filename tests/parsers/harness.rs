//! Drive each fetter parser with arbitrary bytes. Shared by the cargo-fuzz
//! targets (fuzz/fuzz_targets/*.rs) and the property tests
//! (tests/properties.rs), so both exercise exactly the same entry points.
//! A parser may return errors; it must not panic, hang or abort.
#![allow(dead_code)]

use std::path::Path;

use fetter::audit::osv::Record;
use fetter::audit::ranges::is_affected;
use fetter::bounds::lock::{poetry, pylock, uv};
use fetter::bounds::markers::marker_environment;
use fetter::bounds::requirements::Parser;
use fetter::bounds::source::{decode, Location};
use fetter::bounds::{pyproject, BoundRequirement, Origin, Selection};
use fetter::inventory::Environment;

/// Every target, by name (the fuzz binaries and `FETTER_FUZZ_TARGETS`).
pub const TARGETS: &[(&str, fn(&[u8]))] = &[
    ("metadata", metadata),
    ("record", record),
    ("direct_url", direct_url),
    ("pyvenv", pyvenv),
    ("requirement", requirement),
    ("requirements_txt", requirements_txt),
    ("pyproject", pyproject_toml),
    ("uv_lock", uv_lock),
    ("poetry_lock", poetry_lock),
    ("pylock", pylock_toml),
    ("osv", osv),
];

fn text(data: &[u8]) -> String {
    decode(data).unwrap_or_else(|_| String::from_utf8_lossy(data).into_owned())
}

fn selection() -> Selection {
    Selection {
        extras: vec!["test".into(), "a".into()],
        groups: vec!["dev".into(), "g".into()],
    }
}

/// METADATA / PKG-INFO header block.
pub fn metadata(data: &[u8]) {
    let _ = fetter::inventory::metadata::parse_headers(data);
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = fetter::inventory::metadata::parse_stem(s);
    }
}

/// RECORD (CSV), and resolving each entry against a site.
pub fn record(data: &[u8]) {
    if let Ok(entries) = fetter::inventory::record::parse_record(data) {
        for e in entries {
            let _ = e.resolve(Path::new("/site/lib/python3.12/site-packages"));
        }
    }
}

/// direct_url.json (PEP 610).
pub fn direct_url(data: &[u8]) {
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = fetter::inventory::direct_url::parse(s);
    }
}

/// pyvenv.cfg.
pub fn pyvenv(data: &[u8]) {
    let _ = fetter::discover::pyvenv::parse(&String::from_utf8_lossy(data));
}

fn environment(version: &str) -> Environment {
    serde_json::from_value(serde_json::json!({
        "prefix": "/e", "kind": "venv", "python_version": version,
        "interpreters": ["/e/bin/python3"], "sites": [], "externally_managed": false,
    }))
    .unwrap()
}

/// One PEP 508 requirement line, then its markers evaluated (the path a
/// bound takes: this found the pep508_rs `~=` panic).
pub fn requirement(data: &[u8]) {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(req) = BoundRequirement::parse(s, Origin::at("fuzz", 1)) {
        let env = marker_environment(&environment("3.12.1")).unwrap();
        let _ = req.requirement.evaluate_markers(&env, &[]);
        let _ = fetter::bounds::matching::version_satisfies(&req, "1.0");
        let _ = fetter::bounds::matching::version_satisfies(&req, "2.0rc1+local");
    }
}

/// A requirements file. Inputs naming http(s) are skipped: an include
/// would be fetched from the network (fetch.rs has its own tests).
pub fn requirements_txt(data: &[u8]) {
    let t = text(data);
    if t.to_ascii_lowercase().contains("http") {
        return;
    }
    let env = |_: &str| None;
    let _ = Parser::new(&env).parse(&t, &Location::Path("/nonexistent/req.txt".into()), false);
}

/// pyproject.toml.
pub fn pyproject_toml(data: &[u8]) {
    let _ = pyproject::parse(&text(data), "pyproject.toml", &selection());
}

/// uv.lock.
pub fn uv_lock(data: &[u8]) {
    let _ = uv::parse(
        &text(data),
        "uv.lock",
        Path::new("/nonexistent"),
        &selection(),
    );
}

/// poetry.lock.
pub fn poetry_lock(data: &[u8]) {
    let _ = poetry::parse(
        &text(data),
        "poetry.lock",
        Path::new("/nonexistent"),
        &selection(),
    );
}

/// pylock.toml (PEP 751).
pub fn pylock_toml(data: &[u8]) {
    let _ = pylock::parse(
        &text(data),
        "pylock.toml",
        Path::new("/nonexistent"),
        &selection(),
    );
}

/// One OSV record, then every range query the audit makes.
pub fn osv(data: &[u8]) {
    let Ok(rec) = serde_json::from_slice::<Record>(data) else {
        return;
    };
    let _ = rec.cvss_score();
    let _ = rec.fetter_severity();
    let _ = rec.is_malicious();
    for a in &rec.affected {
        for v in ["0", "1.0", "2.0rc1", "1!0.1.post2.dev3+x"] {
            let _ = is_affected(v, a);
        }
        if let Some(p) = &a.package {
            let _ = rec.fixed_versions(&fetter::names::normalize(&p.name));
        }
    }
}
