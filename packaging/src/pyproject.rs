//! `pyproject.toml` bounds: `[project].dependencies`, optional dependencies
//! selected with `--extra`, and PEP 735 `[dependency-groups]` selected with
//! `--group` (with `{include-group = "…"}` expanded in place).
//!
//! The project itself is allowed (any version, not required): it is usually
//! installed in its own environment.

use std::collections::BTreeMap;

use crate::bound::{BoundError, BoundRequirement, Origin, Selection};
use crate::names::normalize;

/// What is wrong with a `pyproject.toml` (beside its invalid requirements,
/// which are [`BoundError`]s of their own).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PyprojectError {
    /// Not TOML.
    #[error("invalid TOML: {0}")]
    Toml(String),
    /// `dynamic = ["dependencies"]`.
    #[error("[project] declares its dependencies `dynamic`, so they are not in the file; use a requirements or lock file instead")]
    DynamicDependencies,
    /// A selected extra the file does not declare.
    #[error("no extra {extra:?} in [project.optional-dependencies] (extras: {extras})")]
    NoExtra {
        /// The extra as selected.
        extra: String,
        /// The extras there are (`none` when there are none).
        extras: String,
    },
    /// A dependency list that is not an array.
    #[error("{0} must be an array of strings")]
    NotAnArray(String),
    /// An item of a dependency list that is not a string.
    #[error("expected a requirement string")]
    NotAString,
    /// Nothing to read.
    #[error("neither [project] nor [dependency-groups]: nothing to check against")]
    Empty,
    /// `include-group` loops.
    #[error("dependency group cycle: {}", .0.join(" -> "))]
    GroupCycle(Vec<String>),
    /// A selected or included group the file does not declare.
    #[error("no dependency group {name:?} in [dependency-groups] (groups: {groups})")]
    NoGroup {
        /// The group, normalized.
        name: String,
        /// The groups there are (`none` when there are none).
        groups: String,
    },
    /// A group that is not an array.
    #[error("[dependency-groups].{0} must be an array")]
    GroupNotAnArray(String),
    /// A group item that is neither a string nor an include.
    #[error("{0}: expected a requirement string or {{include-group = \"…\"}}")]
    GroupItem(Origin),
    /// An invalid requirement in a group.
    #[error("{0}")]
    Requirement(BoundError),
}

impl PyprojectError {
    fn at(self, origin: Origin) -> BoundError {
        BoundError::new(origin, self.to_string())
    }
}

/// Parse a `pyproject.toml` named `source`.
pub fn parse(
    text: &str,
    source: &str,
    sel: &Selection,
) -> Result<Vec<BoundRequirement>, Vec<BoundError>> {
    let doc: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        vec![PyprojectError::Toml(e.to_string().trim().to_string()).at(Origin::file(source))]
    })?;
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let project = doc.get("project").and_then(|p| p.as_table());
    if let Some(p) = project {
        if p.get("dynamic")
            .and_then(|d| d.as_array())
            .is_some_and(|d| d.iter().any(|x| x.as_str() == Some("dependencies")))
        {
            errors.push(PyprojectError::DynamicDependencies.at(Origin::file(source)));
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
            None => errors.push(
                PyprojectError::NoExtra {
                    extra: extra.clone(),
                    extras: list(optional.keys()),
                }
                .at(Origin::file(source)),
            ),
        }
    }
    let groups: BTreeMap<String, &toml::Value> = doc
        .get("dependency-groups")
        .and_then(|g| g.as_table())
        .map(|t| t.iter().map(|(k, v)| (normalize(k), v)).collect())
        .unwrap_or_default();
    for g in &sel.groups {
        let mut stack = Vec::new();
        if let Err(e) = expand_group(&normalize(g), &groups, source, &mut stack, &mut out) {
            errors.push(e.at(Origin::file(source)));
        }
    }
    if project.is_none() && groups.is_empty() {
        errors.push(PyprojectError::Empty.at(Origin::file(source)));
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
        return errors.push(PyprojectError::NotAnArray(what.to_string()).at(Origin::file(source)));
    };
    for (i, item) in items.iter().enumerate() {
        let origin = Origin::file(format!("{source} {what}[{i}]"));
        match item.as_str() {
            Some(s) => match BoundRequirement::parse(s, origin) {
                Ok(r) => out.push(r),
                Err(e) => errors.push(e),
            },
            None => errors.push(PyprojectError::NotAString.at(origin)),
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
) -> Result<(), PyprojectError> {
    if let Some(pos) = stack.iter().position(|g| g == name) {
        let mut chain = stack[pos..].to_vec();
        chain.push(name.to_string());
        return Err(PyprojectError::GroupCycle(chain));
    }
    let items = groups
        .get(name)
        .ok_or_else(|| PyprojectError::NoGroup {
            name: name.to_string(),
            groups: list(groups.keys()),
        })?
        .as_array()
        .ok_or_else(|| PyprojectError::GroupNotAnArray(name.to_string()))?;
    stack.push(name.to_string());
    for (i, item) in items.iter().enumerate() {
        let origin = Origin::file(format!("{source} [dependency-groups].{name}[{i}]"));
        if let Some(s) = item.as_str() {
            out.push(BoundRequirement::parse(s, origin).map_err(PyprojectError::Requirement)?);
        } else if let Some(inc) = item.get("include-group").and_then(|v| v.as_str()) {
            expand_group(&normalize(inc), groups, source, stack, out)?;
        } else {
            return Err(PyprojectError::GroupItem(origin));
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
