//! uv's `uv.lock`.
//!
//! A universal lock: it holds packages for every platform, and one name can
//! appear several times with disjoint `resolution-markers`. Which packages
//! an environment needs is computed as a marker per package: the OR, over
//! every dependency path from the project (the `editable`/`virtual`
//! packages), of the AND of the edge markers along it. Main dependencies
//! and the selected extras and groups make a package required; extras and
//! groups not selected make it allowed.

use std::collections::HashMap;
use std::path::Path;

use pep508_rs::MarkerTree;

use crate::bounds::cfg::Selection;
use crate::bounds::lock::{self, str_of, Pin};
use crate::bounds::spec::{BoundError, BoundRequirement, Origin};
use crate::names::normalize;

/// Bound on fixpoint rounds: each round adds paths, and markers only grow,
/// so this is never reached on a real lock; it stops a pathological one.
const MAX_ROUNDS: usize = 10_000;

struct Package<'a> {
    name: String,
    table: &'a toml::Value,
    /// OR of `resolution-markers` (TRUE when absent).
    fork: MarkerTree,
    root: bool,
}

/// A dependency edge: target package indices, marker, extras requested.
struct Edge {
    targets: Vec<usize>,
    marker: MarkerTree,
    extras: Vec<String>,
}

/// Parse a `uv.lock` named `source`, in directory `base`.
pub fn parse(
    text: &str,
    source: &str,
    base: &Path,
    sel: &Selection,
) -> Result<Vec<BoundRequirement>, Vec<BoundError>> {
    let doc = lock::toml_doc(text, source)?;
    let top = Origin::file(source);
    let Some(raw) = doc.get("package").and_then(|p| p.as_array()) else {
        return Err(vec![BoundError::new(top, "no [[package]] array")]);
    };
    let mut errors = Vec::new();
    let mut packages = Vec::new();
    for (i, t) in raw.iter().enumerate() {
        let origin = Origin::file(format!("{source} [[package]][{i}]"));
        let Some(name) = str_of(t, "name") else {
            errors.push(BoundError::new(origin, "package without name"));
            continue;
        };
        let mut fork = MarkerTree::TRUE;
        if let Some(ms) = t.get("resolution-markers").and_then(|m| m.as_array()) {
            fork = MarkerTree::FALSE;
            for m in ms.iter().filter_map(|m| m.as_str()) {
                match lock::marker(m, &origin) {
                    Ok(m) => fork.or(m),
                    Err(e) => errors.push(e),
                }
            }
        }
        let src = t.get("source");
        let root = src.is_some_and(|s| s.get("editable").is_some() || s.get("virtual").is_some());
        packages.push(Package {
            name: normalize(name),
            table: t,
            fork,
            root,
        });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let graph = Graph::build(&packages, source, &mut errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    let any_root = packages.iter().any(|p| p.root);
    let extras: Vec<String> = sel.extras.iter().map(|e| normalize(e)).collect();
    let groups: Vec<String> = sel.groups.iter().map(|g| normalize(g)).collect();
    let required = graph.reach(&packages, Some((&extras, &groups)));
    let allowed = graph.reach(&packages, None);
    let mut out = Vec::new();
    for (i, p) in packages.iter().enumerate() {
        let origin = Origin::file(format!(
            "{source} [[package]] {} {}",
            p.name,
            str_of(p.table, "version").unwrap_or("")
        ));
        let (req_m, allow_m) = if any_root {
            (required[i].clone(), allowed[i].clone())
        } else {
            // No project in the lock: every package, where its fork applies.
            (p.fork.clone(), p.fork.clone())
        };
        let pin = match pin_of(p, base) {
            Ok(pin) => pin,
            Err(m) => {
                errors.push(BoundError::new(origin, m));
                continue;
            }
        };
        let required = !p.root && !req_m.is_false();
        if required {
            match lock::requirement(&p.name, &pin, req_m.clone(), true, origin.clone()) {
                Ok(r) => out.push(r),
                Err(e) => errors.push(e),
            }
        }
        if !allow_m.is_false() && (allow_m != req_m || p.root) {
            match lock::requirement(&p.name, &pin, allow_m, false, origin) {
                Ok(r) => out.push(r),
                Err(e) => errors.push(e),
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The pin of a locked package from its `source`.
fn pin_of(p: &Package, base: &Path) -> Result<Pin, String> {
    if p.root {
        return Ok(Pin::Any);
    }
    let src = p.table.get("source");
    let version = str_of(p.table, "version");
    if let Some(git) = src.and_then(|s| str_of(s, "git")) {
        // `https://host/repo?rev=v1&subdirectory=x#<commit>`
        let (body, commit) = git
            .split_once('#')
            .ok_or_else(|| format!("git source {git:?} has no #commit"))?;
        let (url, query) = body.split_once('?').unwrap_or((body, ""));
        let sub = query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == "subdirectory")
            .map(|(_, v)| format!("#subdirectory={v}"))
            .unwrap_or_default();
        return Ok(Pin::Url(format!("git+{url}@{commit}{sub}")));
    }
    if let Some(url) = src.and_then(|s| str_of(s, "url")) {
        return Ok(Pin::Url(url.to_string()));
    }
    if let Some(path) = src.and_then(|s| str_of(s, "path").or_else(|| str_of(s, "directory"))) {
        return Ok(Pin::Url(lock::path_url(base, path)));
    }
    Ok(version
        .map(|v| Pin::Version(v.to_string()))
        .unwrap_or(Pin::Any))
}

/// Dependency edges per node; a node is a package, or a package with one
/// of its extras (whose optional dependencies it brings).
struct Graph {
    /// (package, extra or "") -> edges.
    edges: HashMap<(usize, String), Vec<Edge>>,
    /// (root package, group) -> edges.
    group_edges: HashMap<(usize, String), Vec<Edge>>,
}

impl Graph {
    fn build(packages: &[Package], source: &str, errors: &mut Vec<BoundError>) -> Graph {
        let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, p) in packages.iter().enumerate() {
            by_name.entry(p.name.as_str()).or_default().push(i);
        }
        let mut edges = HashMap::new();
        let mut group_edges = HashMap::new();
        for (i, p) in packages.iter().enumerate() {
            let origin = Origin::file(format!("{source} [[package]] {}", p.name));
            let parse_list = |v: Option<&toml::Value>, errors: &mut Vec<BoundError>| -> Vec<Edge> {
                let mut out = Vec::new();
                for d in v.and_then(|v| v.as_array()).into_iter().flatten() {
                    let Some(name) = str_of(d, "name") else {
                        continue;
                    };
                    let name = normalize(name);
                    let version = str_of(d, "version");
                    let targets: Vec<usize> = by_name
                        .get(name.as_str())
                        .into_iter()
                        .flatten()
                        .copied()
                        .filter(|j| {
                            version.is_none() || str_of(packages[*j].table, "version") == version
                        })
                        .filter(|j| {
                            d.get("source").is_none()
                                || packages[*j].table.get("source") == d.get("source")
                        })
                        .collect();
                    if targets.is_empty() {
                        errors.push(BoundError::new(
                            origin.clone(),
                            format!("dependency {name} is not a locked package"),
                        ));
                        continue;
                    }
                    let marker = match str_of(d, "marker") {
                        Some(m) => match lock::marker(m, &origin) {
                            Ok(m) => m,
                            Err(e) => {
                                errors.push(e);
                                continue;
                            }
                        },
                        None => MarkerTree::TRUE,
                    };
                    let extras = d
                        .get("extra")
                        .and_then(|e| e.as_array())
                        .map(|a| a.iter().filter_map(|x| x.as_str()).map(normalize).collect())
                        .unwrap_or_default();
                    out.push(Edge {
                        targets,
                        marker,
                        extras,
                    });
                }
                out
            };
            edges.insert(
                (i, String::new()),
                parse_list(p.table.get("dependencies"), errors),
            );
            for (key, map) in [
                ("optional-dependencies", &mut edges),
                ("dev-dependencies", &mut group_edges),
            ] {
                if let Some(t) = p.table.get(key).and_then(|t| t.as_table()) {
                    for (k, v) in t {
                        let list = parse_list(Some(v), errors);
                        map.insert((i, normalize(k)), list);
                    }
                }
            }
        }
        Graph { edges, group_edges }
    }

    /// The marker under which each package is reached. `selection` = the
    /// extras and groups of the roots to follow; `None` follows all of them.
    fn reach(
        &self,
        packages: &[Package],
        selection: Option<(&[String], &[String])>,
    ) -> Vec<MarkerTree> {
        let mut node: HashMap<(usize, String), MarkerTree> = HashMap::new();
        let mut start = Vec::new();
        for (i, p) in packages.iter().enumerate().filter(|(_, p)| p.root) {
            start.push(((i, String::new()), None));
            for ((j, key), _) in self
                .edges
                .iter()
                .filter(|((j, k), _)| *j == i && !k.is_empty())
            {
                if selection.is_none_or(|(extras, _)| extras.contains(key)) {
                    start.push(((*j, key.clone()), None));
                }
            }
            for ((j, key), _) in self.group_edges.iter().filter(|((j, _), _)| *j == i) {
                if selection.is_none_or(|(_, groups)| groups.contains(key)) {
                    start.push(((*j, String::new()), Some(key.clone())));
                }
            }
            let _ = p;
        }
        // Roots are reached unconditionally; their groups act as extra edge lists.
        let mut root_groups = Vec::new();
        for (n, group) in start {
            node.insert(n.clone(), MarkerTree::TRUE);
            if let Some(g) = group {
                root_groups.push((n.0, g));
            }
        }
        for _ in 0..MAX_ROUNDS {
            let mut changed = false;
            let current: Vec<((usize, String), MarkerTree)> =
                node.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            for ((i, key), m) in current {
                let mut lists: Vec<&Vec<Edge>> =
                    self.edges.get(&(i, key.clone())).into_iter().collect();
                if key.is_empty() {
                    for (r, g) in root_groups.iter().filter(|(r, _)| *r == i) {
                        lists.extend(self.group_edges.get(&(*r, g.clone())));
                    }
                }
                for e in lists.into_iter().flatten() {
                    for &t in &e.targets {
                        let mut via = m.clone();
                        via.and(e.marker.clone());
                        via.and(packages[t].fork.clone());
                        let keys = std::iter::once(String::new()).chain(e.extras.iter().cloned());
                        for k in keys {
                            let slot = node.entry((t, k)).or_insert(MarkerTree::FALSE);
                            let mut next = slot.clone();
                            next.or(via.clone());
                            if next != *slot {
                                *slot = next;
                                changed = true;
                            }
                        }
                    }
                }
            }
            if !changed {
                break;
            }
        }
        let mut out = vec![MarkerTree::FALSE; packages.len()];
        for ((i, _), m) in node {
            out[i].or(m);
        }
        out
    }
}

#[cfg(test)]
#[path = "uv_tests.rs"]
mod tests;
