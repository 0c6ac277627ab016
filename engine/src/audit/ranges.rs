//! Does an OSV `affected` entry cover an installed version?
//!
//! Implements the OSV schema's evaluation of `ECOSYSTEM` ranges with PEP 440
//! ordering: events are sorted by version; `introduced` opens the range,
//! `fixed` closes it (exclusive), `last_affected` closes it (inclusive), and
//! `limit` bounds it from above. Explicit `versions` match as well.

use std::str::FromStr;

use pep440_rs::Version;

use crate::audit::osv::{Affected, Event};

/// Why a range could not be evaluated (reported, never silently "not affected").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RangeError(pub String);

/// True when `version` (installed, raw string) is affected by `a`. For an
/// installed distribution, [`is_affected_parsed`] takes the version the
/// scan parsed.
///
/// An invalid installed version is matched only by the explicit `versions`
/// list (string equality), as PEP 440 ordering cannot place it.
pub fn is_affected(version: &str, a: &Affected) -> Result<bool, RangeError> {
    is_affected_parsed(version, Version::from_str(version).ok().as_ref(), a)
}

/// [`is_affected`] with the installed version already parsed: `version` as
/// written, `parsed` its PEP 440 form (`None` when it has none).
pub fn is_affected_parsed(
    version: &str,
    parsed: Option<&Version>,
    a: &Affected,
) -> Result<bool, RangeError> {
    if a.versions.iter().any(|v| {
        v == version || parsed.is_some_and(|p| Version::from_str(v).ok().as_ref() == Some(p))
    }) {
        return Ok(true);
    }
    let Some(v) = parsed else { return Ok(false) };
    for range in &a.ranges {
        // GIT ranges name commits, not versions; SEMVER ranges for PyPI are
        // rare and read as ecosystem versions.
        if range.kind == "GIT" {
            continue;
        }
        if in_range(v, &range.events)? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// What an OSV range event does at its version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// The range opens (inclusive); `0` is the start of time.
    Introduced,
    /// The range closes before this version.
    Fixed,
    /// The range closes after this version.
    LastAffected,
    /// Nothing at or above this version is affected.
    Limit,
}

/// A range's events with their versions parsed by `parse`, sorted by
/// version as the OSV schema evaluates them (`None`, for `0` or `*`,
/// first). The one decoder of events for `audit` and the lookups.
pub fn sorted_events<V: Ord>(
    events: &[Event],
    parse: impl Fn(&str) -> Result<V, RangeError>,
) -> Result<Vec<(Option<V>, EventKind)>, RangeError> {
    let mut sorted: Vec<(Option<V>, EventKind)> = Vec::with_capacity(events.len());
    for e in events {
        let (raw, kind) = match e {
            Event {
                introduced: Some(x),
                ..
            } => (x, EventKind::Introduced),
            Event { fixed: Some(x), .. } => (x, EventKind::Fixed),
            Event {
                last_affected: Some(x),
                ..
            } => (x, EventKind::LastAffected),
            Event { limit: Some(x), .. } => (x, EventKind::Limit),
            _ => continue,
        };
        // "0" is the start of time; "*" as a limit is no limit.
        let parsed = if raw == "0" || raw == "*" {
            None
        } else {
            Some(parse(raw)?)
        };
        sorted.push((parsed, kind));
    }
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(sorted)
}

fn in_range(v: &Version, events: &[Event]) -> Result<bool, RangeError> {
    in_range_by(v, events, |raw| {
        Version::from_str(raw)
            .map_err(|e| RangeError(format!("invalid version {raw:?} in range: {e}")))
    })
}

/// True when the Debian package version `version` (the installed source
/// version) is affected by `a`, an entry of a `Debian:N` record. Versions
/// order as dpkg orders them (`debversion`, as `dpkg --compare-versions`).
pub fn is_affected_deb(version: &str, a: &Affected) -> Result<bool, RangeError> {
    is_affected_by(version, a, "Debian", |raw| {
        raw.parse::<debversion::Version>()
            .map_err(|e| format!("{e:?}"))
    })
}

/// True when the rpm package version `version` (the installed
/// `[epoch:]version-release`) is affected by `a`, an entry of an rpm
/// distribution's record (`AlmaLinux:9`, `Rocky Linux:9`, `Mageia:9`).
/// Versions order as rpm orders them ([`crate::audit::rpmver`]).
pub fn is_affected_rpm(version: &str, a: &Affected) -> Result<bool, RangeError> {
    is_affected_by(version, a, "rpm", |raw| {
        raw.parse::<crate::audit::rpmver::Evr>()
            .map_err(|e| e.to_string())
    })
}

/// An OS package's version against `a`, ordered by `parse`'s type.
fn is_affected_by<V: Ord, E: std::fmt::Display>(
    version: &str,
    a: &Affected,
    what: &str,
    parse: impl Fn(&str) -> Result<V, E>,
) -> Result<bool, RangeError> {
    let v = parse(version)
        .map_err(|e| RangeError(format!("installed {what} version {version:?}: {e}")))?;
    if a.versions
        .iter()
        .any(|x| parse(x).ok().as_ref() == Some(&v))
    {
        return Ok(true);
    }
    for range in &a.ranges {
        if range.kind == "GIT" {
            continue;
        }
        let hit = in_range_by(&v, &range.events, |raw| {
            parse(raw)
                .map_err(|e| RangeError(format!("invalid {what} version {raw:?} in range: {e}")))
        })?;
        if hit {
            return Ok(true);
        }
    }
    Ok(false)
}

/// OSV's range evaluation over any ordered version type.
fn in_range_by<V: Ord>(
    v: &V,
    events: &[Event],
    parse: impl Fn(&str) -> Result<V, RangeError>,
) -> Result<bool, RangeError> {
    let sorted = sorted_events(events, parse)?;
    let mut affected = false;
    for (ev, kind) in &sorted {
        match kind {
            EventKind::Introduced => {
                if ev.as_ref().is_none_or(|e| v >= e) {
                    affected = true;
                }
            }
            EventKind::Fixed => {
                if ev.as_ref().is_some_and(|e| v >= e) {
                    affected = false;
                }
            }
            EventKind::LastAffected => {
                if ev.as_ref().is_some_and(|e| v > e) {
                    affected = false;
                }
            }
            EventKind::Limit => {}
        }
    }
    let limits: Vec<&V> = sorted
        .iter()
        .filter(|(_, k)| matches!(k, EventKind::Limit))
        .filter_map(|(e, _)| e.as_ref())
        .collect();
    if !limits.is_empty() && !limits.iter().any(|l| v < *l) {
        return Ok(false);
    }
    Ok(affected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::osv::Range;

    fn ev(kind: &str, v: &str) -> Event {
        let s = Some(v.to_string());
        match kind {
            "i" => Event {
                introduced: s,
                ..Default::default()
            },
            "f" => Event {
                fixed: s,
                ..Default::default()
            },
            "l" => Event {
                last_affected: s,
                ..Default::default()
            },
            _ => Event {
                limit: s,
                ..Default::default()
            },
        }
    }

    fn aff(events: Vec<Event>, versions: &[&str]) -> Affected {
        Affected {
            package: None,
            ranges: vec![Range {
                kind: "ECOSYSTEM".into(),
                events,
            }],
            versions: versions.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn introduced_fixed() {
        let a = aff(vec![ev("f", "2.0"), ev("i", "1.0")], &[]);
        assert!(!is_affected("0.9", &a).unwrap());
        assert!(is_affected("1.0", &a).unwrap());
        assert!(is_affected("1.9.9", &a).unwrap());
        assert!(
            is_affected("2.0rc1", &a).unwrap(),
            "a pre-release of the fix is still before it"
        );
        assert!(!is_affected("2.0", &a).unwrap());
        assert!(!is_affected("2.0.post1", &a).unwrap());
    }

    #[test]
    fn zero_last_affected_limit_and_reintroduced() {
        let a = aff(vec![ev("i", "0"), ev("l", "1.4")], &[]);
        assert!(is_affected("0.0.1", &a).unwrap());
        assert!(is_affected("1.4", &a).unwrap());
        assert!(!is_affected("1.4.1", &a).unwrap());
        let a = aff(
            vec![ev("i", "0"), ev("f", "1.0"), ev("i", "2.0"), ev("f", "2.2")],
            &[],
        );
        assert!(is_affected("0.5", &a).unwrap());
        assert!(!is_affected("1.5", &a).unwrap());
        assert!(is_affected("2.1", &a).unwrap());
        assert!(!is_affected("3.0", &a).unwrap());
        let a = aff(vec![ev("i", "1.0"), ev("x", "1.5")], &[]);
        assert!(is_affected("1.2", &a).unwrap());
        assert!(!is_affected("1.6", &a).unwrap());
    }

    #[test]
    fn explicit_versions_epochs_and_locals() {
        let a = aff(vec![], &["1.0", "1.1.0"]);
        assert!(
            is_affected("1.0.0", &a).unwrap(),
            "1.0.0 == 1.0 under PEP 440"
        );
        assert!(is_affected("1.1", &a).unwrap());
        assert!(!is_affected("1.2", &a).unwrap());
        let a = aff(vec![ev("i", "0"), ev("f", "1!0.5")], &[]);
        assert!(
            is_affected("9.0", &a).unwrap(),
            "epoch 0 sorts before epoch 1"
        );
        let a = aff(vec![ev("i", "1.0"), ev("f", "1.0.1")], &[]);
        assert!(is_affected("1.0+local.7", &a).unwrap());
        assert!(is_affected("not-a-version", &aff(vec![], &["not-a-version"])).unwrap());
        assert!(is_affected("1.0", &aff(vec![ev("i", "x.y")], &[])).is_err());
    }

    #[test]
    fn rpm_ranges_order_as_rpm_does() {
        let a = aff(vec![ev("i", "0"), ev("f", "2:1.2.3-4.el9_2")], &[]);
        assert!(is_affected_rpm("2:1.2.3-4.el9", &a).unwrap());
        assert!(!is_affected_rpm("2:1.2.3-4.el9_2", &a).unwrap());
        assert!(!is_affected_rpm("2:1.2.3-4.el9_2.1", &a).unwrap());
        assert!(is_affected_rpm("2:1.2.3~rc1-9", &a).unwrap(), "tilde");
        assert!(is_affected_rpm("1:9.0-1", &a).unwrap(), "epoch first");
        // A fix without an epoch is epoch 0: below any epoch-2 package.
        let a = aff(vec![ev("i", "0"), ev("f", "1.2.4-1.el9")], &[]);
        assert!(!is_affected_rpm("2:1.2.3-4.el9", &a).unwrap());
        assert!(is_affected_rpm("1.2.3^git1-1", &a).unwrap(), "caret");
        let a = aff(vec![], &["1.0-1.el9"]);
        assert!(is_affected_rpm("0:1.0-1.el9", &a).unwrap());
        assert!(is_affected_rpm(":1", &a).is_err());
        assert!(is_affected_rpm("1.0-1", &aff(vec![ev("f", "x:1")], &[])).is_err());
    }
}
