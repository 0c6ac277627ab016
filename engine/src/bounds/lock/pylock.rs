//! PEP 751 `pylock.toml`.
//!
//! Markers may test `'name' in extras` and `'name' in dependency_groups`
//! (PEP 751 additions `pep508_rs` does not know): they are decided here from
//! `--extra`/`--group` and the file's `default-groups` before parsing.

use std::path::Path;

use crate::bounds::cfg::Selection;
use crate::bounds::lock::{self, str_of, Pin};
use crate::bounds::spec::{BoundError, BoundRequirement, Origin};
use crate::names::normalize;

/// Parse a `pylock.toml` named `source`, in directory `base`.
pub fn parse(
    text: &str,
    source: &str,
    base: &Path,
    sel: &Selection,
) -> Result<Vec<BoundRequirement>, Vec<BoundError>> {
    let doc = lock::toml_doc(text, source)?;
    let top = Origin::file(source);
    match doc.get("lock-version").and_then(|v| v.as_str()) {
        Some(v) if v.starts_with("1.") || v == "1" => {}
        Some(v) => {
            return Err(vec![BoundError::new(
                top,
                format!("unsupported lock-version {v:?} (fetter reads 1.x)"),
            )])
        }
        None => {
            return Err(vec![BoundError::new(
                top,
                "missing lock-version: not a PEP 751 lock file",
            )])
        }
    }
    let extras: Vec<String> = sel.extras.iter().map(|e| normalize(e)).collect();
    let mut groups: Vec<String> = sel.groups.iter().map(|g| normalize(g)).collect();
    if let Some(d) = doc.get("default-groups").and_then(|d| d.as_array()) {
        groups.extend(d.iter().filter_map(|g| g.as_str()).map(normalize));
    }
    let Some(packages) = doc.get("packages").and_then(|p| p.as_array()) else {
        return Err(vec![BoundError::new(top, "no [[packages]] array")]);
    };
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (i, pkg) in packages.iter().enumerate() {
        match package(pkg, i, source, base, &extras, &groups) {
            Ok(r) => out.push(r),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

fn package(
    pkg: &toml::Value,
    i: usize,
    source: &str,
    base: &Path,
    extras: &[String],
    groups: &[String],
) -> Result<BoundRequirement, BoundError> {
    let origin = Origin::file(format!("{source} [[packages]][{i}]"));
    let name = str_of(pkg, "name")
        .ok_or_else(|| BoundError::new(origin.clone(), "package without name"))?;
    let origin = Origin::file(format!("{source} [[packages]] {name}"));
    let pin = if let Some(vcs) = pkg.get("vcs") {
        let kind = str_of(vcs, "type").unwrap_or("git");
        let url = str_of(vcs, "url")
            .map(str::to_string)
            .or_else(|| str_of(vcs, "path").map(|p| lock::path_url(base, p)))
            .ok_or_else(|| BoundError::new(origin.clone(), "vcs without url or path"))?;
        let commit = str_of(vcs, "commit-id")
            .ok_or_else(|| BoundError::new(origin.clone(), "vcs without commit-id"))?;
        Pin::Url(with_subdirectory(format!("{kind}+{url}@{commit}"), vcs))
    } else if let Some(dir) = pkg.get("directory") {
        let path = str_of(dir, "path")
            .ok_or_else(|| BoundError::new(origin.clone(), "directory without path"))?;
        Pin::Url(with_subdirectory(lock::path_url(base, path), dir))
    } else if let Some(archive) = pkg.get("archive") {
        let url = str_of(archive, "url")
            .map(str::to_string)
            .or_else(|| str_of(archive, "path").map(|p| lock::path_url(base, p)))
            .ok_or_else(|| BoundError::new(origin.clone(), "archive without url or path"))?;
        let hash = archive
            .get("hashes")
            .and_then(|h| h.get("sha256"))
            .and_then(|h| h.as_str())
            .map(|h| format!("#sha256={h}"))
            .unwrap_or_default();
        Pin::Url(format!("{url}{hash}"))
    } else if let Some(v) = str_of(pkg, "version") {
        Pin::Version(v.to_string())
    } else {
        Pin::Any
    };
    let marker = match str_of(pkg, "marker") {
        Some(m) => lock::marker(&decide_pep751_sets(m, extras, groups), &origin)?,
        None => pep508_rs::MarkerTree::TRUE,
    };
    lock::requirement(name, &pin, marker, true, origin)
}

fn with_subdirectory(url: String, table: &toml::Value) -> String {
    match str_of(table, "subdirectory") {
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
