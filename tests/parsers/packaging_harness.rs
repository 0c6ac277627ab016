//! Drive each bound parser of fetter-packaging with arbitrary bytes: the
//! cargo-fuzz targets of fuzz/packaging/ (which build fetter-packaging
//! alone, not the engine) and, through tests/parsers/harness.rs, the
//! property tests. A parser may return errors; it must not panic, hang or
//! abort.
#![allow(dead_code)]

use std::path::Path;

use fetter_packaging::bound::{BoundRequirement, Origin, Selection};
use fetter_packaging::lock::{poetry, pylock, uv};
use fetter_packaging::pep440_rs::Version;
use fetter_packaging::pep508_rs::{MarkerEnvironment, MarkerEnvironmentBuilder, VersionOrUrl};
use fetter_packaging::requirements_txt::{self, Entry};
use fetter_packaging::{pyproject, text::decode};

/// The input as a bound's text: decoded as a bound is, else lossy UTF-8.
pub fn text(data: &[u8]) -> String {
    decode(data).unwrap_or_else(|_| String::from_utf8_lossy(data).into_owned())
}

/// Extras and groups selected, so the selection paths are exercised.
pub fn selection() -> Selection {
    Selection {
        extras: vec!["test".into(), "a".into()],
        groups: vec!["dev".into(), "g".into()],
        ..Default::default()
    }
}

/// A CPython 3.12.1 environment on Linux (what the engine builds for such
/// an environment, with fixed platform values).
pub fn marker_env() -> MarkerEnvironment {
    MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
        implementation_name: "cpython",
        implementation_version: "3.12.1",
        os_name: "posix",
        platform_machine: "x86_64",
        platform_python_implementation: "CPython",
        platform_release: "6.1.0",
        platform_system: "Linux",
        platform_version: "#1 SMP",
        python_full_version: "3.12.1",
        python_version: "3.12",
        sys_platform: "linux",
    })
    .expect("a valid marker environment")
}

/// One PEP 508 requirement line, then its markers evaluated and its
/// specifiers tested (the path a bound takes: this found the pep508_rs
/// `~=` panic). Returns the requirement for callers that test more.
pub fn parse_requirement(data: &[u8]) -> Option<BoundRequirement> {
    let s = std::str::from_utf8(data).ok()?;
    let req = BoundRequirement::parse(s, Origin::at("fuzz", 1)).ok()?;
    let _ = req.requirement.evaluate_markers(&marker_env(), &[]);
    if let Some(VersionOrUrl::VersionSpecifier(specs)) = &req.requirement.version_or_url {
        for v in ["1.0", "2.0rc1+local"] {
            let _ = specs.contains(&v.parse::<Version>().expect("a version"));
        }
    }
    Some(req)
}

/// Fuzz target `requirement`.
pub fn requirement(data: &[u8]) {
    let _ = parse_requirement(data);
}

/// A requirements file, line by line (includes, bare paths and `-e`
/// directories are resolved by the engine: not here).
pub fn requirements_txt(data: &[u8]) {
    let env = |_: &str| None;
    for (origin, entry) in requirements_txt::parse(&text(data), "fuzz.txt", &env) {
        if let Ok(Entry::Requirement(r)) = entry {
            assert_eq!(r.origin, origin, "a requirement keeps its line");
        }
    }
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
