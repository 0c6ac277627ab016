//! Poetry's `poetry.lock` (lock-version 1.x and 2.x).
//!
//! Poetry does not record the project's own dependencies in the lock, so
//! every package is in the bound where its `markers` hold. Packages marked
//! `optional`, or only in groups other than `main` (2.x `groups`, 1.x
//! `category = "dev"`) and not selected with `--group`, are allowed but not
//! required.

use std::path::Path;

use pep508_rs::MarkerTree;

use crate::bounds::cfg::Selection;
use crate::bounds::lock::{self, str_of, Pin};
use crate::bounds::spec::{BoundError, BoundRequirement, Origin};
use crate::names::normalize;

/// Parse a `poetry.lock` named `source`, in directory `base`.
pub fn parse(
    text: &str,
    source: &str,
    base: &Path,
    sel: &Selection,
) -> Result<Vec<BoundRequirement>, Vec<BoundError>> {
    let doc = lock::toml_doc(text, source)?;
    let Some(packages) = doc.get("package").and_then(|p| p.as_array()) else {
        return Err(vec![BoundError::new(
            Origin::file(source),
            "no [[package]] array",
        )]);
    };
    let groups: Vec<String> = sel.groups.iter().map(|g| normalize(g)).collect();
    let extras: Vec<String> = sel.extras.iter().map(|e| normalize(e)).collect();
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (i, pkg) in packages.iter().enumerate() {
        match package(pkg, i, source, base, &groups, &extras) {
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
    pkg: &toml::Value,
    i: usize,
    source: &str,
    base: &Path,
    groups: &[String],
    extras: &[String],
) -> Result<Vec<BoundRequirement>, BoundError> {
    let origin = Origin::file(format!("{source} [[package]][{i}]"));
    let name = str_of(pkg, "name")
        .ok_or_else(|| BoundError::new(origin.clone(), "package without name"))?;
    let version = str_of(pkg, "version");
    let origin = Origin::file(format!(
        "{source} [[package]] {name} {}",
        version.unwrap_or("")
    ));
    let pin = match pkg.get("source") {
        Some(src) => {
            let url = str_of(src, "url").unwrap_or("");
            match str_of(src, "type").unwrap_or("") {
                "git" => {
                    let rev = str_of(src, "resolved_reference")
                        .or_else(|| str_of(src, "reference"))
                        .ok_or_else(|| {
                            BoundError::new(origin.clone(), "git source without reference")
                        })?;
                    let sub = str_of(src, "subdirectory")
                        .map(|s| format!("#subdirectory={s}"))
                        .unwrap_or_default();
                    Pin::Url(format!("git+{url}@{rev}{sub}"))
                }
                "url" => Pin::Url(url.to_string()),
                "file" | "directory" => Pin::Url(lock::path_url(base, url)),
                // `legacy` and other private indexes pin a version.
                _ => version
                    .map(|v| Pin::Version(v.to_string()))
                    .unwrap_or(Pin::Any),
            }
        }
        None => version
            .map(|v| Pin::Version(v.to_string()))
            .unwrap_or(Pin::Any),
    };
    // Groups the package belongs to: 2.x `groups`, 1.x `category`, else main.
    let member_of: Vec<String> = match (
        pkg.get("groups").and_then(|g| g.as_array()),
        str_of(pkg, "category"),
    ) {
        (Some(gs), _) => gs
            .iter()
            .filter_map(|g| g.as_str())
            .map(normalize)
            .collect(),
        (None, Some(cat)) => vec![normalize(cat)],
        (None, None) => vec!["main".into()],
    };
    // The marker under which each group needs it: one string for all, or
    // 2.x `markers = { main = "…" }` per group (a group not listed: always).
    let per_group: Vec<(String, MarkerTree)> = match pkg.get("markers") {
        None => member_of
            .iter()
            .map(|g| (g.clone(), MarkerTree::TRUE))
            .collect(),
        Some(toml::Value::String(m)) => {
            let m = lock::marker(m, &origin)?;
            member_of.iter().map(|g| (g.clone(), m.clone())).collect()
        }
        Some(toml::Value::Table(t)) => {
            let mut v = Vec::new();
            for g in &member_of {
                let m = match t.iter().find(|(k, _)| normalize(k) == *g) {
                    Some((_, toml::Value::String(m))) => lock::marker(m, &origin)?,
                    Some(_) => {
                        return Err(BoundError::new(origin, "markers values must be strings"))
                    }
                    None => MarkerTree::TRUE,
                };
                v.push((g.clone(), m));
            }
            v
        }
        Some(_) => {
            return Err(BoundError::new(
                origin,
                "markers must be a string or a table",
            ))
        }
    };
    let optional = pkg
        .get("optional")
        .and_then(|o| o.as_bool())
        .unwrap_or(false);
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
