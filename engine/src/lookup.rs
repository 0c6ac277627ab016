//! What the local OSV database knows, without anything installed: every
//! record of a name, or, for each requirement of a bound, the affected
//! versions its specifier still admits.
//!
//! Both sides become [`Ranges`] of PEP 440 versions (the specifier through
//! `pep440_rs`, an OSV `affected` entry from its events and explicit
//! versions), so "admits a vulnerable version" is an exact intersection,
//! not a sample of candidate versions.

use std::ops::Bound;
use std::str::FromStr;

use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::VersionOrUrl;
use serde::Serialize;
use version_ranges::Ranges;

use crate::audit::osv::{Affected, Record};
use crate::audit::ranges::{sorted_events, EventKind, RangeError};
use crate::audit::Database;
use crate::bounds::BoundRequirement;
use crate::diag::Severity;
use crate::names;

/// One OSV record as seen for one package.
#[derive(Debug, Clone, Serialize)]
pub struct RecordView {
    /// OSV id (`GHSA-…`, `PYSEC-…`, `MAL-…`).
    pub id: String,
    /// Other ids (CVE, …).
    pub aliases: Vec<String>,
    /// One-line summary, when given.
    pub summary: Option<String>,
    /// fetter's severity (critical for malware).
    pub severity: Severity,
    /// True for a malicious-package record.
    pub malicious: bool,
    /// True when OSV withdrew the record (shown, never counted).
    pub withdrawn: bool,
    /// The affected versions, as ranges (`>=1.0, <2.0 | 3.1`).
    pub affected: String,
    /// Versions that fix it.
    pub fixed: Vec<String>,
    /// Why part of the record could not be read, when it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// `fetter lookup-name`: every record of one name.
#[derive(Debug, Clone, Serialize)]
pub struct NameLookup {
    /// The name as given.
    pub name: String,
    /// Its PEP 503 form.
    pub normalized_name: String,
    /// Every record naming it, sorted by id.
    pub records: Vec<RecordView>,
}

/// `fetter lookup-bound`: one requirement and the records it admits.
#[derive(Debug, Clone, Serialize)]
pub struct RequirementLookup {
    /// The requirement as written.
    pub requirement: String,
    /// Where (`file:line`).
    pub origin: String,
    /// The normalized name.
    pub name: String,
    /// What the requirement admits, as ranges (`*` for any version).
    pub admits: String,
    /// Records with affected versions the requirement admits.
    pub records: Vec<AdmittedRecord>,
    /// Why the versions could not be compared (a direct URL), when so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A record and the affected versions a requirement lets in.
#[derive(Debug, Clone, Serialize)]
pub struct AdmittedRecord {
    /// The record.
    #[serde(flatten)]
    pub record: RecordView,
    /// Affected versions the requirement admits, as ranges.
    pub admitted: String,
}

/// Every record naming `name`.
pub fn lookup_name(db: &Database, name: &str) -> NameLookup {
    let normalized = names::normalize(name);
    let mut records: Vec<RecordView> = db
        .lookup(&normalized)
        .map(|r| view(r, &normalized).0)
        .collect();
    records.sort_by(|a, b| a.id.cmp(&b.id));
    NameLookup {
        name: name.to_string(),
        normalized_name: normalized,
        records,
    }
}

/// For one requirement, the live records whose affected versions it admits.
pub fn lookup_requirement(db: &Database, req: &BoundRequirement) -> RequirementLookup {
    let (admits, note) = requirement_ranges(req);
    let mut records = Vec::new();
    for r in db.lookup(&req.name) {
        if r.withdrawn.is_some() {
            continue;
        }
        let (record, affected) = view(r, &req.name);
        let admitted = affected.intersection(&admits);
        // A record whose ranges cannot be read is kept: never silently safe.
        if !admitted.is_empty() || record.error.is_some() {
            records.push(AdmittedRecord {
                admitted: admitted.to_string(),
                record,
            });
        }
    }
    records.sort_by(|a, b| a.record.id.cmp(&b.record.id));
    RequirementLookup {
        requirement: req.text.clone(),
        origin: req.origin.to_string(),
        name: req.name.clone(),
        admits: admits.to_string(),
        records,
        note,
    }
}

/// The versions a requirement admits (every version for a direct URL,
/// with a note: the version behind a URL is not known without fetching it).
fn requirement_ranges(req: &BoundRequirement) -> (Ranges<Version>, Option<String>) {
    let mut ranges = match &req.requirement.version_or_url {
        Some(VersionOrUrl::VersionSpecifier(s)) => Ranges::from(s.clone()),
        Some(VersionOrUrl::Url(_)) => {
            return (
                Ranges::full(),
                Some("a direct URL: every version is assumed".to_string()),
            )
        }
        None => Ranges::full(),
    };
    for operand in &req.arbitrary {
        // `===` compares strings; where the operand is a version it is that version.
        ranges = match Version::from_str(operand) {
            Ok(v) => ranges.intersection(&Ranges::singleton(v)),
            Err(_) => Ranges::empty(),
        };
    }
    (ranges, None)
}

/// A record's view for one package, and the versions it affects.
fn view(r: &Record, normalized: &str) -> (RecordView, Ranges<Version>) {
    let mut affected = Ranges::empty();
    let mut error = None;
    for a in r.affected_for(normalized) {
        match affected_ranges(a) {
            Ok(x) => affected = affected.union(&x),
            Err(e) => error = Some(e.0),
        }
    }
    let view = RecordView {
        id: r.id.clone(),
        aliases: r.aliases.clone(),
        summary: r.summary.clone(),
        severity: r.fetter_severity(),
        malicious: r.is_malicious(),
        withdrawn: r.withdrawn.is_some(),
        affected: affected.to_string(),
        fixed: r.fixed_versions(normalized),
        error,
    };
    (view, affected)
}

/// The versions one OSV `affected` entry covers: its explicit versions,
/// and each ECOSYSTEM/SEMVER range walked in version order (`introduced`
/// opens, `fixed` closes exclusively, `last_affected` inclusively, `limit`
/// caps everything).
pub fn affected_ranges(a: &Affected) -> Result<Ranges<Version>, RangeError> {
    let mut out = Ranges::empty();
    for v in &a.versions {
        if let Ok(v) = Version::from_str(v) {
            out = out.union(&Ranges::singleton(v));
        }
    }
    for range in a.ranges.iter().filter(|r| r.kind != "GIT") {
        let sorted = sorted_events(&range.events, |raw| {
            Version::from_str(raw)
                .map_err(|e| RangeError(format!("invalid version {raw:?} in a range: {e}")))
        })?;
        let mut limit = Ranges::full();
        let mut events = Vec::with_capacity(sorted.len());
        for (v, kind) in sorted {
            match (kind, v) {
                (EventKind::Limit, Some(v)) => {
                    limit = limit.intersection(&Ranges::strictly_lower_than(v));
                }
                (EventKind::Limit, None) => {}
                (kind, v) => events.push((v, kind)),
            }
        }
        let mut open: Option<Bound<Version>> = None;
        let mut covered = Ranges::empty();
        for (v, kind) in events {
            match (kind, open.take()) {
                (EventKind::Introduced, None) => {
                    open = Some(v.map_or(Bound::Unbounded, Bound::Included));
                }
                (EventKind::Introduced, Some(start)) => open = Some(start),
                (EventKind::Fixed | EventKind::LastAffected, Some(start)) => {
                    let end = match (kind, v) {
                        (EventKind::Fixed, Some(v)) => Bound::Excluded(v),
                        (_, Some(v)) => Bound::Included(v),
                        (_, None) => Bound::Unbounded,
                    };
                    covered = covered.union(&Ranges::from_range_bounds((start, end)));
                }
                _ => {}
            }
        }
        if let Some(start) = open {
            covered = covered.union(&Ranges::from_range_bounds((start, Bound::Unbounded)));
        }
        out = out.union(&covered.intersection(&limit));
    }
    Ok(out)
}

/// Parse a specifier string (tests and callers without a requirement).
pub fn specifier_ranges(
    s: &str,
) -> Result<Ranges<Version>, pep440_rs::VersionSpecifiersParseError> {
    VersionSpecifiers::from_str(s).map(Ranges::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::osv::{Event, Range};

    fn ev(i: Option<&str>, f: Option<&str>, l: Option<&str>) -> Event {
        Event {
            introduced: i.map(String::from),
            fixed: f.map(String::from),
            last_affected: l.map(String::from),
            limit: None,
        }
    }

    fn affected(events: Vec<Event>, versions: &[&str]) -> Affected {
        Affected {
            package: None,
            ranges: vec![Range {
                kind: "ECOSYSTEM".into(),
                events,
            }],
            versions: versions.iter().map(|v| v.to_string()).collect(),
        }
    }

    fn v(s: &str) -> Version {
        Version::from_str(s).unwrap()
    }

    #[test]
    fn ranges_follow_osv_events() {
        let a = affected(
            vec![
                ev(Some("0"), None, None),
                ev(None, Some("1.5"), None),
                ev(Some("2.0"), None, None),
                ev(None, None, Some("2.3")),
            ],
            &["9.9"],
        );
        let r = affected_ranges(&a).unwrap();
        for (version, hit) in [
            ("0.1", true),
            ("1.4.9", true),
            ("1.5", false),
            ("1.9", false),
            ("2.0", true),
            ("2.3", true),
            ("2.3.1", false),
            ("9.9", true),
        ] {
            assert_eq!(r.contains(&v(version)), hit, "{version}");
        }
    }

    #[test]
    fn exclusive_lower_bound_is_an_exact_intersection() {
        // >1.0 against [1.0, 1.0.1): 1.0.0.5 is in both; sampling boundaries would miss it.
        let a = affected(
            vec![ev(Some("1.0"), None, None), ev(None, Some("1.0.1"), None)],
            &[],
        );
        let aff = affected_ranges(&a).unwrap();
        assert!(!aff
            .intersection(&specifier_ranges(">1.0").unwrap())
            .is_empty());
        assert!(aff
            .intersection(&specifier_ranges(">=1.0.1").unwrap())
            .is_empty());
        assert!(aff
            .intersection(&specifier_ranges("~=0.9").unwrap())
            .is_empty());
    }
}
