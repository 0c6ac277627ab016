//! PEP 751 `pylock.toml`.
//!
//! Markers may test `'name' in extras` and `'name' in dependency_groups`
//! (PEP 751 additions `pep508_rs` does not know): they are decided here from
//! `--extra`/`--group` and the file's `default-groups` before parsing.

use std::collections::BTreeMap;
use std::path::Path;

use pep508_rs::MarkerTree;
use serde::de::IgnoredAny;
use serde::Deserialize;

use crate::bound::{BoundError, Origin, Selection};
use crate::lock::{self, Ambiguity, LockBound, LockError, Pin, RequiresPython};
use crate::names::normalize;

/// What is wrong in a `pylock.toml` (beside the errors every lock shares,
/// [`LockError`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PylockError {
    /// A `lock-version` other than 1.x.
    #[error("unsupported lock-version {0:?} (fetter reads 1.x)")]
    UnsupportedVersion(String),
    /// No `lock-version`.
    #[error("missing lock-version: not a PEP 751 lock file")]
    NoVersion,
    /// No `[[packages]]`.
    #[error("no [[packages]] array")]
    NoPackages,
    /// Two of `vcs`, `directory`, `archive`.
    #[error("more than one of vcs, directory, archive: PEP 751 allows exactly one source")]
    SeveralSources,
    /// A direct source beside `sdist` or `wheels`.
    #[error(
        "vcs, directory or archive together with sdist or wheels: PEP 751 makes them \
         mutually exclusive; keep one source"
    )]
    DirectAndIndex,
    /// A required key of a source is missing.
    #[error("{0}")]
    Incomplete(&'static str),
}

impl PylockError {
    fn at(self, origin: Origin) -> BoundError {
        BoundError::new(origin, self.to_string())
    }
}

/// The parts of a `pylock.toml` fetter reads (other keys are ignored).
#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct LockFile {
    lock_version: Option<String>,
    requires_python: Option<String>,
    #[serde(default)]
    default_groups: Vec<String>,
    packages: Option<Vec<Package>>,
}

/// One `[[packages]]` entry.
#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Package {
    name: String,
    version: Option<String>,
    marker: Option<String>,
    requires_python: Option<String>,
    vcs: Option<Vcs>,
    directory: Option<Location>,
    archive: Option<Archive>,
    sdist: Option<IgnoredAny>,
    wheels: Option<Vec<IgnoredAny>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Vcs {
    #[serde(rename = "type")]
    kind: Option<String>,
    url: Option<String>,
    path: Option<String>,
    commit_id: Option<String>,
    subdirectory: Option<String>,
}

#[derive(Deserialize)]
struct Location {
    path: Option<String>,
    subdirectory: Option<String>,
}

#[derive(Deserialize)]
struct Archive {
    url: Option<String>,
    path: Option<String>,
    #[serde(default)]
    hashes: BTreeMap<String, String>,
}

/// Parse a `pylock.toml` named `source`, in directory `base`.
pub fn parse(
    text: &str,
    source: &str,
    base: &Path,
    sel: &Selection,
) -> Result<LockBound, Vec<BoundError>> {
    let top = Origin::file(source);
    let doc: LockFile =
        toml::from_str(text).map_err(|e| LockError::toml("pylock.toml", &e, source))?;
    match doc.lock_version.as_deref() {
        Some(v) if v.starts_with("1.") || v == "1" => {}
        Some(v) => return Err(vec![PylockError::UnsupportedVersion(v.to_string()).at(top)]),
        None => return Err(vec![PylockError::NoVersion.at(top)]),
    }
    let requires_python = RequiresPython::of_lock(doc.requires_python.as_deref(), source)?;
    let extras: Vec<String> = sel.extras.iter().map(|e| normalize(e)).collect();
    let mut groups: Vec<String> = sel.groups.iter().map(|g| normalize(g)).collect();
    groups.extend(doc.default_groups.iter().map(|g| normalize(g)));
    let Some(packages) = doc.packages else {
        return Err(vec![PylockError::NoPackages.at(top)]);
    };
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (i, pkg) in packages.iter().enumerate() {
        match package(pkg, i, source, base, &extras, &groups) {
            Ok(r) => out.push(r),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(LockBound {
        ambiguities: ambiguities(&out, source),
        requirements: out.into_iter().map(|(_, r)| r).collect(),
        requires_python,
    })
}

/// PEP 751: an installer MUST refuse two entries of one name selected for
/// the same environment. Where two entries' markers can both hold, the
/// environments where they do are recorded and refused at check time.
fn ambiguities(entries: &[(usize, lock::BoundRequirement)], source: &str) -> Vec<Ambiguity> {
    let mut by_name: BTreeMap<&str, Vec<&(usize, lock::BoundRequirement)>> = BTreeMap::new();
    for e in entries {
        by_name.entry(e.1.name.as_str()).or_default().push(e);
    }
    let mut out = Vec::new();
    for (name, same) in by_name.into_iter().filter(|(_, v)| v.len() > 1) {
        for (a, (ia, ra)) in same.iter().map(|e| (e.0, &e.1)).enumerate() {
            for (ib, rb) in same[a + 1..].iter().map(|e| (e.0, &e.1)) {
                let mut both = ra.requirement.marker.clone();
                both.and(rb.requirement.marker.clone());
                if !both.is_false() {
                    out.push(Ambiguity {
                        marker: both,
                        message: format!(
                            "{source}: packages[{ia}] and packages[{ib}] are both {name} and both \
                             selected for this environment (their markers overlap); PEP 751 makes \
                             this an error: fix the lock's markers"
                        ),
                    });
                }
            }
        }
    }
    out
}

fn package(
    pkg: &Package,
    i: usize,
    source: &str,
    base: &Path,
    extras: &[String],
    groups: &[String],
) -> Result<(usize, lock::BoundRequirement), BoundError> {
    let name = pkg.name.as_str();
    let origin = Origin::file(format!("{source} [[packages]] {name}"));
    let direct = [
        pkg.vcs.is_some(),
        pkg.directory.is_some(),
        pkg.archive.is_some(),
    ]
    .iter()
    .filter(|x| **x)
    .count();
    if direct > 1 {
        return Err(PylockError::SeveralSources.at(origin));
    }
    if direct == 1 && (pkg.sdist.is_some() || pkg.wheels.is_some()) {
        return Err(PylockError::DirectAndIndex.at(origin));
    }
    let pin = if let Some(vcs) = &pkg.vcs {
        let kind = vcs.kind.as_deref().unwrap_or("git");
        let url = vcs
            .url
            .clone()
            .or_else(|| vcs.path.as_deref().map(|p| lock::path_url(base, p)))
            .ok_or_else(|| PylockError::Incomplete("vcs without url or path").at(origin.clone()))?;
        let commit = vcs
            .commit_id
            .as_deref()
            .ok_or_else(|| PylockError::Incomplete("vcs without commit-id").at(origin.clone()))?;
        Pin::Url(with_subdirectory(
            format!("{kind}+{url}@{commit}"),
            vcs.subdirectory.as_deref(),
        ))
    } else if let Some(dir) = &pkg.directory {
        let path = dir
            .path
            .as_deref()
            .ok_or_else(|| PylockError::Incomplete("directory without path").at(origin.clone()))?;
        Pin::Url(with_subdirectory(
            lock::path_url(base, path),
            dir.subdirectory.as_deref(),
        ))
    } else if let Some(archive) = &pkg.archive {
        let url = archive
            .url
            .clone()
            .or_else(|| archive.path.as_deref().map(|p| lock::path_url(base, p)))
            .ok_or_else(|| {
                PylockError::Incomplete("archive without url or path").at(origin.clone())
            })?;
        let hash = archive
            .hashes
            .get("sha256")
            .map(|h| format!("#sha256={h}"))
            .unwrap_or_default();
        Pin::Url(format!("{url}{hash}"))
    } else if let Some(v) = &pkg.version {
        Pin::Version(v.clone())
    } else {
        Pin::Any
    };
    let marker = match &pkg.marker {
        Some(m) => lock::marker(&decide_pep751_sets(m, extras, groups), &origin)?,
        None => MarkerTree::TRUE,
    };
    if let Some(rp) = &pkg.requires_python {
        // A package's own requires-python: validated like the lock's.
        RequiresPython::parse(
            rp,
            Origin::file(format!("{source} [[packages]][{i}] requires-python")),
        )?;
    }
    lock::requirement(name, &pin, marker, true, origin).map(|r| (i, r))
}

fn with_subdirectory(url: String, subdirectory: Option<&str>) -> String {
    match subdirectory {
        Some(s) => format!("{url}#subdirectory={s}"),
        None => url,
    }
}

/// Replace `'x' in extras`, `'x' not in dependency_groups` (either quote)
/// with an always-true or always-false comparison.
pub fn decide_pep751_sets(marker: &str, extras: &[String], groups: &[String]) -> String {
    // Contradiction and tautology on one variable: the marker algebra
    // reduces them to false/true, so no environment value is needed.
    const TRUE: &str = "(extra == 'fetter-decided' or extra != 'fetter-decided')";
    const FALSE: &str = "(extra == 'fetter-decided' and extra != 'fetter-decided')";
    let mut out = String::new();
    let mut rest = marker;
    while let Some(q) = rest.find(['\'', '"']) {
        let quote = rest.as_bytes()[q] as char;
        let Some(len) = rest[q + 1..].find(quote) else {
            break;
        };
        let value = &rest[q + 1..q + 1 + len];
        let after = &rest[q + 2 + len..];
        let t = after.trim_start();
        let (negated, t2) = match t.strip_prefix("not") {
            Some(x) if x.starts_with(char::is_whitespace) => (true, x.trim_start()),
            _ => (false, t),
        };
        let set = t2
            .strip_prefix("in")
            .filter(|x| x.starts_with(char::is_whitespace))
            .map(str::trim_start);
        let hit = set.and_then(|s| {
            if let Some(r) = s.strip_prefix("extras") {
                Some((extras, r))
            } else {
                s.strip_prefix("dependency_groups").map(|r| (groups, r))
            }
        });
        match hit {
            Some((members, r)) if !r.starts_with(|c: char| c.is_alphanumeric() || c == '_') => {
                let present = members.contains(&normalize(value));
                out.push_str(&rest[..q]);
                out.push_str(if present != negated { TRUE } else { FALSE });
                rest = r;
            }
            _ => {
                out.push_str(&rest[..q + 2 + len]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decides_extras_and_groups() {
        let m = decide_pep751_sets(
            "'socks' in extras and sys_platform == \"linux\"",
            &["socks".into()],
            &[],
        );
        assert_eq!(
            m,
            "(extra == 'fetter-decided' or extra != 'fetter-decided') and sys_platform == \"linux\""
        );
        let m = decide_pep751_sets("\"dev\" not in dependency_groups", &[], &["dev".into()]);
        assert_eq!(
            m,
            "(extra == 'fetter-decided' and extra != 'fetter-decided')"
        );
        // The replacements simplify away, so no Python version is needed to evaluate them.
        let origin = Origin::file("t");
        let t = decide_pep751_sets("'a' in extras", &["a".into()], &[]);
        assert!(lock::marker(&t, &origin).unwrap().is_true());
        let f = decide_pep751_sets("'a' in extras", &[], &[]);
        assert!(lock::marker(&f, &origin).unwrap().is_false());
    }
}
