//! Poetry's `poetry.lock` (lock-version 1.x and 2.x).
//!
//! Poetry does not record the project's own dependencies in the lock, so
//! every package is in the bound where its `markers` hold. Packages marked
//! `optional`, or only in groups other than `main` (2.x `groups`, 1.x
//! `category = "dev"`) and not selected with `--group`, are allowed but not
//! required.
//!
//! The lock is read into the structs below. Poetry has written several
//! shapes over the years, and a value of an unexpected type has always been
//! read as absent (a package without a name, or `markers` of another type,
//! is an error): [`Loose`] keeps that.

use std::collections::BTreeMap;
use std::path::Path;

use pep508_rs::MarkerTree;
use serde::de::IgnoredAny;
use serde::Deserialize;

use crate::bound::{BoundError, BoundRequirement, Origin, Selection};
use crate::lock::{self, LockError, Pin};
use crate::names::normalize;

/// What is wrong in a `poetry.lock` (beside the errors every lock shares,
/// [`LockError`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PoetryError {
    /// No `[[package]]` array.
    #[error("no [[package]] array")]
    NoPackages,
    /// A package without a string `name`.
    #[error("package without name")]
    NoName,
    /// A `git` source without `reference` or `resolved_reference`.
    #[error("git source without reference")]
    GitWithoutReference,
    /// A `markers` table with a value that is not a string.
    #[error("markers values must be strings")]
    MarkerNotAString,
    /// `markers` of another type.
    #[error("markers must be a string or a table")]
    MarkersShape,
}

impl PoetryError {
    fn at(self, origin: Origin) -> BoundError {
        BoundError::new(origin, self.to_string())
    }
}

/// A value of type `T`, or of another type (read as absent).
#[derive(Deserialize)]
#[serde(untagged)]
enum Loose<T> {
    Is(T),
    Other(IgnoredAny),
}

impl<T> Loose<T> {
    fn get(&self) -> Option<&T> {
        match self {
            Loose::Is(t) => Some(t),
            Loose::Other(_) => None,
        }
    }
}

/// The value of an optional loose field, when it has the expected type.
fn get<T>(field: &Option<Loose<T>>) -> Option<&T> {
    field.as_ref().and_then(Loose::get)
}

/// The parts of `poetry.lock` fetter reads (other keys are ignored).
#[derive(Deserialize)]
struct LockFile {
    package: Option<Loose<Vec<Loose<Package>>>>,
}

/// One `[[package]]`.
#[derive(Deserialize)]
struct Package {
    name: Option<Loose<String>>,
    version: Option<Loose<String>>,
    source: Option<Loose<Source>>,
    groups: Option<Loose<Vec<Loose<String>>>>,
    category: Option<Loose<String>>,
    markers: Option<Markers>,
    optional: Option<Loose<bool>>,
}

/// `[package.source]`.
#[derive(Deserialize)]
struct Source {
    #[serde(rename = "type")]
    kind: Option<Loose<String>>,
    url: Option<Loose<String>>,
    reference: Option<Loose<String>>,
    resolved_reference: Option<Loose<String>>,
    subdirectory: Option<Loose<String>>,
}

/// `markers`: one for every group, or 2.x `{ main = "…" }` per group.
#[derive(Deserialize)]
#[serde(untagged)]
enum Markers {
    All(String),
    PerGroup(BTreeMap<String, Loose<String>>),
    Other(IgnoredAny),
}

/// Parse a `poetry.lock` named `source`, in directory `base`.
pub fn parse(
    text: &str,
    source: &str,
    base: &Path,
    sel: &Selection,
) -> Result<Vec<BoundRequirement>, Vec<BoundError>> {
    let doc: LockFile = toml::from_str(text).map_err(|e| LockError::toml("TOML", &e, source))?;
    let Some(packages) = get(&doc.package) else {
        return Err(vec![PoetryError::NoPackages.at(Origin::file(source))]);
    };
    let groups: Vec<String> = sel.groups.iter().map(|g| normalize(g)).collect();
    let extras: Vec<String> = sel.extras.iter().map(|e| normalize(e)).collect();
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (i, pkg) in packages.iter().enumerate() {
        match package(pkg.get(), i, source, base, &groups, &extras) {
            Ok(r) => out.extend(r),
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
    pkg: Option<&Package>,
    i: usize,
    source: &str,
    base: &Path,
    groups: &[String],
    extras: &[String],
) -> Result<Vec<BoundRequirement>, BoundError> {
    let origin = Origin::file(format!("{source} [[package]][{i}]"));
    let Some((pkg, name)) = pkg.and_then(|p| Some((p, get(&p.name)?.as_str()))) else {
        return Err(PoetryError::NoName.at(origin));
    };
    let version = get(&pkg.version).map(String::as_str);
    let origin = Origin::file(format!(
        "{source} [[package]] {name} {}",
        version.unwrap_or("")
    ));
    let by_version = || {
        version
            .map(|v| Pin::Version(v.to_string()))
            .unwrap_or(Pin::Any)
    };
    let pin = match get(&pkg.source) {
        Some(src) => {
            let url = get(&src.url).map_or("", String::as_str);
            match get(&src.kind).map_or("", String::as_str) {
                "git" => {
                    let rev = get(&src.resolved_reference)
                        .or_else(|| get(&src.reference))
                        .ok_or_else(|| PoetryError::GitWithoutReference.at(origin.clone()))?;
                    let sub = get(&src.subdirectory)
                        .map(|s| format!("#subdirectory={s}"))
                        .unwrap_or_default();
                    Pin::Url(format!("git+{url}@{rev}{sub}"))
                }
                "url" => Pin::Url(url.to_string()),
                "file" | "directory" => Pin::Url(lock::path_url(base, url)),
                // `legacy` and other private indexes pin a version.
                _ => by_version(),
            }
        }
        None => by_version(),
    };
    // Groups the package belongs to: 2.x `groups`, 1.x `category`, else main.
    let member_of: Vec<String> = match (get(&pkg.groups), get(&pkg.category)) {
        (Some(gs), _) => gs
            .iter()
            .filter_map(Loose::get)
            .map(|g| normalize(g))
            .collect(),
        (None, Some(cat)) => vec![normalize(cat)],
        (None, None) => vec!["main".into()],
    };
    // The marker under which each group needs it: one string for all, or
    // 2.x `markers = { main = "…" }` per group (a group not listed: always).
    let per_group: Vec<(String, MarkerTree)> = match &pkg.markers {
        None => member_of
            .iter()
            .map(|g| (g.clone(), MarkerTree::TRUE))
            .collect(),
        Some(Markers::All(m)) => {
            let m = lock::marker(m, &origin)?;
            member_of.iter().map(|g| (g.clone(), m.clone())).collect()
        }
        Some(Markers::PerGroup(t)) => {
            let mut v = Vec::new();
            for g in &member_of {
                let m = match t.iter().find(|(k, _)| normalize(k) == *g) {
                    Some((_, Loose::Is(m))) => lock::marker(m, &origin)?,
                    Some((_, Loose::Other(_))) => {
                        return Err(PoetryError::MarkerNotAString.at(origin))
                    }
                    None => MarkerTree::TRUE,
                };
                v.push((g.clone(), m));
            }
            v
        }
        Some(Markers::Other(_)) => return Err(PoetryError::MarkersShape.at(origin)),
    };
    let optional = get(&pkg.optional).copied().unwrap_or(false);
    // Required: in `main` or a selected group, where the marker holds with
    // the selected extras (`extra == "x"` is the project's extra).
    // Allowed: in any group, with any extras.
    let mut required = MarkerTree::FALSE;
    let mut allowed = MarkerTree::FALSE;
    for (g, m) in per_group {
        allowed.or(m.clone().simplify_extras_with(|_| true));
        if !optional && (g == "main" || groups.contains(&g)) {
            required.or(m.simplify_extras_with(|e| extras.contains(&normalize(e.as_ref()))));
        }
    }
    let mut out = Vec::new();
    if !required.is_false() {
        out.push(lock::requirement(
            name,
            &pin,
            required.clone(),
            true,
            origin.clone(),
        )?);
    }
    if !allowed.is_false() && allowed != required {
        out.push(lock::requirement(name, &pin, allowed, false, origin)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_optional_and_sources() {
        let text = r#"
[[package]]
name = "Requests"
version = "2.31.0"
optional = false
python-versions = ">=3.7"
groups = ["main"]
files = [{file = "requests-2.31.0-py3-none-any.whl", hash = "sha256:00"}]

[[package]]
name = "pytest"
version = "8.0.0"
optional = false
python-versions = ">=3.8"
groups = ["dev"]
markers = "sys_platform != 'win32'"

[[package]]
name = "colorama"
version = "0.4.6"
optional = false
python-versions = "*"
markers = {main = "sys_platform == 'win32'"}

[[package]]
name = "mylib"
version = "0.1.0"
optional = false
python-versions = "*"

[package.source]
type = "git"
url = "https://github.com/o/mylib.git"
reference = "main"
resolved_reference = "0123456789abcdef0123456789abcdef01234567"

[metadata]
lock-version = "2.1"
python-versions = "^3.9"
content-hash = "abc"
"#;
        let r = parse(text, "poetry.lock", Path::new("/"), &Selection::default()).unwrap();
        assert_eq!(r.len(), 4);
        assert_eq!(r[0].name, "requests");
        assert!(r[0].required);
        assert!(!r[1].required, "dev group not selected");
        assert!(!r[2].requirement.marker.is_true());
        assert_eq!(
            r[3].url().unwrap().raw().as_str(),
            "git+https://github.com/o/mylib.git@0123456789abcdef0123456789abcdef01234567"
        );
        let sel = Selection {
            extras: vec![],
            groups: vec!["dev".into()],
            ..Default::default()
        };
        let r = parse(text, "poetry.lock", Path::new("/"), &sel).unwrap();
        assert!(r[1].required);
    }
}
