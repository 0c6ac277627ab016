//! `pyproject.toml` bounds: `[project].dependencies`, optional dependencies
//! selected with `--extra`, and PEP 735 `[dependency-groups]` selected with
//! `--group` (with `{include-group = "…"}` expanded in place).
//!
//! The project itself is allowed (any version, not required): it is usually
//! installed in its own environment.

use std::collections::BTreeMap;

use crate::bounds::cfg::Selection;
use crate::bounds::spec::{BoundError, BoundRequirement, Origin};
use crate::names::normalize;

/// Parse a `pyproject.toml` named `source`.
pub fn parse(
    text: &str,
    source: &str,
    sel: &Selection,
) -> Result<Vec<BoundRequirement>, Vec<BoundError>> {
    let err = |m: String| vec![BoundError::new(Origin::file(source), m)];
    let doc: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| err(format!("invalid TOML: {}", e.to_string().trim())))?;
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let project = doc.get("project").and_then(|p| p.as_table());
    if let Some(p) = project {
        if p.get("dynamic")
            .and_then(|d| d.as_array())
            .is_some_and(|d| d.iter().any(|x| x.as_str() == Some("dependencies")))
        {
            errors.push(BoundError::new(
                Origin::file(source),
                "[project] declares its dependencies `dynamic`, so they are not in the file; use a requirements or lock file instead",
            ));
        }
        if let Some(name) = p.get("name").and_then(|n| n.as_str()) {
            match BoundRequirement::parse(name, Origin::file(source)) {
                Ok(r) => out.push(r.as_constraint()),
                Err(e) => errors.push(e),
            }
        }
        strings(
            p.get("dependencies"),
            source,
            "[project].dependencies",
            &mut out,
            &mut errors,
        );
    }
    let optional: BTreeMap<String, &toml::Value> = project
        .and_then(|p| p.get("optional-dependencies"))
        .and_then(|o| o.as_table())
        .map(|t| t.iter().map(|(k, v)| (normalize(k), v)).collect())
        .unwrap_or_default();
    for extra in &sel.extras {
        match optional.get(&normalize(extra)) {
            Some(v) => strings(
                Some(v),
                source,
                &format!("[project.optional-dependencies].{extra}"),
                &mut out,
                &mut errors,
            ),
            None => errors.push(BoundError::new(
                Origin::file(source),
                format!(
                    "no extra {extra:?} in [project.optional-dependencies] (extras: {})",
                    list(optional.keys())
                ),
            )),
        }
    }
    let groups: BTreeMap<String, &toml::Value> = doc
        .get("dependency-groups")
        .and_then(|g| g.as_table())
        .map(|t| t.iter().map(|(k, v)| (normalize(k), v)).collect())
        .unwrap_or_default();
    for g in &sel.groups {
        let mut stack = Vec::new();
        if let Err(m) = expand_group(&normalize(g), &groups, source, &mut stack, &mut out) {
            errors.push(BoundError::new(Origin::file(source), m));
        }
    }
    if project.is_none() && groups.is_empty() {
        errors.push(BoundError::new(
            Origin::file(source),
            "neither [project] nor [dependency-groups]: nothing to check against",
        ));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

fn list<'a>(names: impl Iterator<Item = &'a String>) -> String {
    let v: Vec<&str> = names.map(String::as_str).collect();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

/// Parse an array of PEP 508 strings at `what`.
fn strings(
    value: Option<&toml::Value>,
    source: &str,
    what: &str,
    out: &mut Vec<BoundRequirement>,
    errors: &mut Vec<BoundError>,
) {
    let Some(value) = value else { return };
    let Some(items) = value.as_array() else {
        return errors.push(BoundError::new(
            Origin::file(source),
            format!("{what} must be an array of strings"),
        ));
    };
    for (i, item) in items.iter().enumerate() {
        let origin = Origin::file(format!("{source} {what}[{i}]"));
        match item.as_str() {
            Some(s) => match BoundRequirement::parse(s, origin) {
                Ok(r) => out.push(r),
                Err(e) => errors.push(e),
            },
            None => errors.push(BoundError::new(origin, "expected a requirement string")),
        }
    }
}

/// Expand PEP 735 group `name` in place, following `include-group` with
/// cycle detection.
fn expand_group(
    name: &str,
    groups: &BTreeMap<String, &toml::Value>,
    source: &str,
    stack: &mut Vec<String>,
    out: &mut Vec<BoundRequirement>,
) -> Result<(), String> {
    if let Some(pos) = stack.iter().position(|g| g == name) {
        let mut chain = stack[pos..].to_vec();
        chain.push(name.to_string());
        return Err(format!("dependency group cycle: {}", chain.join(" -> ")));
    }
    let items = groups
        .get(name)
        .ok_or_else(|| {
            format!(
                "no dependency group {name:?} in [dependency-groups] (groups: {})",
                list(groups.keys())
            )
        })?
        .as_array()
        .ok_or_else(|| format!("[dependency-groups].{name} must be an array"))?;
    stack.push(name.to_string());
    for (i, item) in items.iter().enumerate() {
        let origin = Origin::file(format!("{source} [dependency-groups].{name}[{i}]"));
        if let Some(s) = item.as_str() {
            out.push(BoundRequirement::parse(s, origin).map_err(|e| e.to_string())?);
        } else if let Some(inc) = item.get("include-group").and_then(|v| v.as_str()) {
            expand_group(&normalize(inc), groups, source, stack, out)?;
        } else {
            return Err(format!(
                "{origin}: expected a requirement string or {{include-group = \"…\"}}"
            ));
        }
    }
    stack.pop();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"
[project]
name = "demo"
version = "1.0"
dependencies = ["requests>=2", "tomli; python_version < '3.11'"]
[project.optional-dependencies]
Socks = ["pysocks"]
[dependency-groups]
test = ["pytest", {include-group = "Lint"}]
lint = ["ruff"]
loop-a = [{include-group = "loop-b"}]
loop-b = [{include-group = "loop-a"}]
"#;

    fn names(r: &[BoundRequirement]) -> Vec<&str> {
        r.iter().map(|r| r.name.as_str()).collect()
    }

    #[test]
    fn dependencies_extras_and_groups() {
        let r = parse(DOC, "pyproject.toml", &Selection::default()).unwrap();
        assert_eq!(names(&r), ["demo", "requests", "tomli"]);
        assert!(!r[0].required);
        let sel = Selection {
            extras: vec!["socks".into()],
            groups: vec!["test".into()],
            ..Default::default()
        };
        let r = parse(DOC, "pyproject.toml", &sel).unwrap();
        assert_eq!(
            names(&r),
            ["demo", "requests", "tomli", "pysocks", "pytest", "ruff"]
        );
    }

    #[test]
    fn group_errors() {
        let sel = Selection {
            extras: vec!["nope".into()],
            groups: vec!["loop-a".into(), "missing".into()],
            ..Default::default()
        };
        let e = parse(DOC, "pyproject.toml", &sel).unwrap_err();
        let all: Vec<String> = e.iter().map(|e| e.to_string()).collect();
        assert!(all[0].contains("no extra \"nope\""), "{all:?}");
        assert!(
            all[1].contains("cycle: loop-a -> loop-b -> loop-a"),
            "{all:?}"
        );
        assert!(
            all[2].contains("no dependency group \"missing\""),
            "{all:?}"
        );
    }

    #[test]
    fn invalid_toml_is_an_error() {
        let e = parse("[project\n", "p.toml", &Selection::default()).unwrap_err();
        assert!(e[0].to_string().contains("invalid TOML"));
    }
}
