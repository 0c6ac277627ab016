//! The installed dependency graph of each environment: every visible
//! distribution's `Requires-Dist`, markers evaluated for that environment,
//! extras followed (`requests[socks]` pulls in `requests`' `socks`
//! requirements), resolved against what is installed.
//!
//! Problems are what `pip check` reports, with its rules: a requirement
//! of the distribution itself (extras aside) whose marker holds and that
//! nothing installed provides, or whose installed version it excludes.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::path::{Path, PathBuf};

use pep508_rs::{ExtraName, MarkerEnvironment};
use rayon::prelude::*;
use serde::Serialize;

use crate::bounds::markers::marker_environment;
use crate::bounds::matching::dist_version_satisfies;
use crate::bounds::spec::{BoundRequirement, Origin};
use crate::inventory::details::{self, Details, DetailsError};
use crate::inventory::{Distribution, Environment, Inventory};

/// Schema tag of `fetter tree --format json`.
pub const TREE_SCHEMA: &str = "fetter.tree/1";

/// The details of every distribution of `inv`, read in parallel, keyed by
/// metadata path.
pub fn read_details(inv: &Inventory) -> HashMap<PathBuf, Result<Details, DetailsError>> {
    inv.distributions
        .par_iter()
        .map(|d| (d.metadata_path.clone(), details::read(d)))
        .collect()
}

/// The graphs of every environment of `inv`.
#[derive(Debug, Clone, Serialize)]
pub struct Tree {
    /// Always [`TREE_SCHEMA`].
    pub schema: &'static str,
    /// One graph per environment, by prefix.
    pub environments: Vec<EnvGraph>,
}

/// One environment's graph.
#[derive(Debug, Clone, Serialize)]
pub struct EnvGraph {
    /// The environment's prefix.
    #[serde(with = "crate::pathjson")]
    pub prefix: PathBuf,
    /// Its visible distributions (the first of each name in `sys.path`
    /// order), sorted by name.
    pub distributions: Vec<Node>,
    /// What `pip check` would report.
    pub problems: Vec<Problem>,
}

/// A distribution and what it requires.
#[derive(Debug, Clone, Serialize)]
pub struct Node {
    /// Name as the metadata spells it.
    pub name: String,
    /// PEP 503 normalised name.
    pub normalized_name: String,
    /// Installed version.
    pub version: String,
    /// Its metadata directory.
    #[serde(with = "crate::pathjson")]
    pub metadata_path: PathBuf,
    /// Extras of it that some installed distribution requires.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extras_requested: Vec<String>,
    /// Requirements whose marker holds here.
    pub requires: Vec<Edge>,
    /// How many visible distributions require it.
    pub required_by: usize,
}

/// One requirement of a distribution, resolved.
#[derive(Debug, Clone, Serialize)]
pub struct Edge {
    /// The requirement as written.
    pub requirement: String,
    /// The normalised name it requires.
    pub name: String,
    /// The extra of the requiring distribution it comes from, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via_extra: Option<String>,
    /// The installed version that provides it, if one does.
    pub installed: Option<String>,
    /// Whether the installed version satisfies it.
    pub satisfied: bool,
}

/// What kind of problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProblemKind {
    /// Nothing installed provides it.
    Missing,
    /// The installed version does not satisfy it.
    Conflict,
    /// The requirement, the metadata or the markers could not be read or
    /// evaluated: the check did not run for it.
    Unchecked,
}

/// One problem.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    /// What kind.
    pub kind: ProblemKind,
    /// The requiring distribution's name.
    pub name: String,
    /// Its version.
    pub version: String,
    /// The requirement (empty for a metadata problem).
    pub requirement: String,
    /// The installed version of the required name, for a conflict.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub installed: Option<String>,
    /// A sentence, worded as `pip check` words it where it has one.
    pub message: String,
}

impl Tree {
    /// Exit code of `tree --check`: 1 when something could not be
    /// checked, 3 when something is missing or conflicts, else 0.
    pub fn exit_code(&self) -> u8 {
        let kinds: BTreeSet<ProblemKind> = self
            .environments
            .iter()
            .flat_map(|e| e.problems.iter().map(|p| p.kind))
            .collect();
        if kinds.contains(&ProblemKind::Unchecked) {
            1
        } else if kinds.is_empty() {
            0
        } else {
            3
        }
    }
}

/// Build the graph of every environment of `inv` from `details`.
pub fn build(inv: &Inventory, details: &HashMap<PathBuf, Result<Details, DetailsError>>) -> Tree {
    let mut environments: Vec<EnvGraph> = inv
        .environments
        .iter()
        .map(|env| env_graph(inv, env, details, &[]))
        .collect();
    environments.sort_by(|a, b| a.prefix.cmp(&b.prefix));
    Tree {
        schema: TREE_SCHEMA,
        environments,
    }
}

/// The graph of `env`; `seed_extras` are (normalised name, extra) pairs
/// followed as if an installed distribution required them.
fn env_graph(
    inv: &Inventory,
    env: &Environment,
    details: &HashMap<PathBuf, Result<Details, DetailsError>>,
    seed_extras: &[(String, String)],
) -> EnvGraph {
    let mut visible: BTreeMap<&str, &Distribution> = BTreeMap::new();
    for (_, d) in inv.distributions_of(env) {
        visible.entry(d.normalized_name.as_str()).or_insert(d);
    }
    let mut problems = Vec::new();
    let menv = marker_environment(env);
    // Parsed requirements per distribution; problems for what cannot be read.
    let mut parsed: BTreeMap<&str, Vec<BoundRequirement>> = BTreeMap::new();
    for (name, d) in &visible {
        let reqs = match details.get(&d.metadata_path) {
            Some(Ok(x)) => x
                .requires_dist
                .iter()
                .filter_map(|text| {
                    match BoundRequirement::parse(
                        text,
                        Origin::file(d.metadata_path.display().to_string()),
                    ) {
                        Ok(r) => Some(r),
                        Err(e) => {
                            problems.push(unchecked(d, text, e.to_string()));
                            None
                        }
                    }
                })
                .collect(),
            Some(Err(e)) => {
                problems.push(unchecked(d, "", e.to_string()));
                Vec::new()
            }
            None => Vec::new(),
        };
        parsed.insert(name, reqs);
    }
    // Follow extras breadth-first: (distribution, extra) pairs to expand.
    let mut extras: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    let mut queue: VecDeque<(&str, Option<String>)> = visible.keys().map(|n| (*n, None)).collect();
    for (name, x) in seed_extras {
        if let Some((n, _)) = visible.get_key_value(name.as_str()) {
            if extras.entry(n).or_default().insert(x.clone()) {
                queue.push_back((n, Some(x.clone())));
            }
        }
    }
    let mut edges: BTreeMap<&str, Vec<Edge>> = BTreeMap::new();
    while let Some((name, extra)) = queue.pop_front() {
        let d = visible[name];
        for r in &parsed[name] {
            let holds = match (&menv, r.requirement.marker.is_true()) {
                (_, true) => extra.is_none(),
                (Ok(m), false) => holds(r, m, extra.as_deref()),
                (Err(e), false) => {
                    if extra.is_none() {
                        problems.push(unchecked(
                            d,
                            &r.text,
                            format!("markers cannot be evaluated here: {e}"),
                        ));
                    }
                    false
                }
            };
            if !holds {
                continue;
            }
            let installed = visible.get(r.name.as_str());
            let satisfied = installed.is_some_and(|i| dist_version_satisfies(r, i).is_ok());
            if let Some(i) = installed {
                for x in &r.requirement.extras {
                    let x = x.to_string();
                    if extras
                        .entry(i.normalized_name.as_str())
                        .or_default()
                        .insert(x.clone())
                    {
                        queue.push_back((i.normalized_name.as_str(), Some(x)));
                    }
                }
            }
            if extra.is_none() {
                match installed {
                    None => problems.push(Problem {
                        kind: ProblemKind::Missing,
                        name: d.name.clone(),
                        version: d.version.clone(),
                        requirement: r.text.clone(),
                        installed: None,
                        message: format!(
                            "{} {} requires {}, which is not installed.",
                            d.name,
                            d.version,
                            written_name(&r.text)
                        ),
                    }),
                    Some(i) if !satisfied => problems.push(Problem {
                        kind: ProblemKind::Conflict,
                        name: d.name.clone(),
                        version: d.version.clone(),
                        requirement: r.text.clone(),
                        installed: Some(i.version.clone()),
                        message: format!(
                            "{} {} has requirement {}, but you have {} {}.",
                            d.name, d.version, r.text, i.name, i.version
                        ),
                    }),
                    Some(_) => {}
                }
            }
            edges.entry(name).or_default().push(Edge {
                requirement: r.text.clone(),
                name: r.name.clone(),
                via_extra: extra.clone(),
                installed: installed.map(|i| i.version.clone()),
                satisfied,
            });
        }
    }
    let mut required_by: HashMap<String, BTreeSet<&str>> = HashMap::new();
    for (from, es) in &edges {
        for e in es {
            if visible.contains_key(e.name.as_str()) && e.name != *from {
                required_by.entry(e.name.clone()).or_default().insert(from);
            }
        }
    }
    let distributions = visible
        .iter()
        .map(|(name, d)| Node {
            name: d.name.clone(),
            normalized_name: d.normalized_name.to_string(),
            version: d.version.clone(),
            metadata_path: d.metadata_path.clone(),
            extras_requested: extras
                .get(name)
                .map(|x| x.iter().cloned().collect())
                .unwrap_or_default(),
            requires: edges.remove(name).unwrap_or_default(),
            required_by: required_by.get(*name).map_or(0, BTreeSet::len),
        })
        .collect();
    problems
        .sort_by(|a, b| (&a.name, a.kind, &a.requirement).cmp(&(&b.name, b.kind, &b.requirement)));
    EnvGraph {
        prefix: env.prefix.clone(),
        distributions,
        problems,
    }
}

/// Whether `r`'s marker holds in `m` for the distribution's own
/// requirements (`extra` `None`: `extra == ""`, as pip evaluates them) or
/// for one extra of it.
fn holds(r: &BoundRequirement, m: &MarkerEnvironment, extra: Option<&str>) -> bool {
    let extras: Vec<ExtraName> = extra
        .and_then(|x| ExtraName::new(x.to_string()).ok())
        .into_iter()
        .collect();
    let with = r.requirement.evaluate_markers(m, &extras);
    match extra {
        None => with,
        // An extra's own requirements: those that hold with the extra and
        // not without it (the base ones were expanded already).
        Some(_) => with && !r.requirement.evaluate_markers(m, &[]),
    }
}

/// The name as the requirement writes it (pip's message keeps its case).
fn written_name(text: &str) -> &str {
    let t = text.trim_start();
    let end = t
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(t.len());
    &t[..end]
}

fn unchecked(d: &Distribution, requirement: &str, why: String) -> Problem {
    Problem {
        kind: ProblemKind::Unchecked,
        name: d.name.clone(),
        version: d.version.clone(),
        requirement: requirement.to_string(),
        installed: None,
        message: format!("{} {}: {why}", d.name, d.version),
    }
}

/// The normalised names of `env`'s visible distributions that `roots`
/// pull in as installed (the roots included): each root is a normalised
/// name and the extras requested of it. Reads only `env`'s metadata.
/// A distribution whose metadata cannot be read pulls in nothing.
pub fn dependencies_of(
    inv: &Inventory,
    env: &Environment,
    roots: &[(String, Vec<String>)],
) -> BTreeSet<String> {
    let details: HashMap<PathBuf, Result<Details, DetailsError>> = inv
        .distributions_of(env)
        .map(|(_, d)| (d.metadata_path.clone(), details::read(d)))
        .collect();
    let seeds: Vec<(String, String)> = roots
        .iter()
        .flat_map(|(n, xs)| xs.iter().map(move |x| (n.clone(), x.clone())))
        .collect();
    let g = env_graph(inv, env, &details, &seeds);
    closure(&g, roots.iter().map(|(n, _)| n.as_str()))
        .into_iter()
        .map(str::to_string)
        .collect()
}

/// The names reachable from `roots` in `g` (the roots included), for
/// bounds that accept what their requirements pull in.
pub fn closure<'a>(g: &'a EnvGraph, roots: impl IntoIterator<Item = &'a str>) -> BTreeSet<&'a str> {
    let by_name: HashMap<&str, &Node> = g
        .distributions
        .iter()
        .map(|n| (n.normalized_name.as_str(), n))
        .collect();
    let mut seen = BTreeSet::new();
    let mut stack: Vec<&str> = roots.into_iter().collect();
    while let Some(n) = stack.pop() {
        if !seen.insert(n) {
            continue;
        }
        if let Some(node) = by_name.get(n) {
            stack.extend(
                node.requires
                    .iter()
                    .filter(|e| e.installed.is_some())
                    .map(|e| e.name.as_str()),
            );
        }
    }
    seen
}

/// The graph of the environment with `prefix`.
pub fn of_environment<'a>(t: &'a Tree, prefix: &Path) -> Option<&'a EnvGraph> {
    t.environments.iter().find(|e| e.prefix == prefix)
}
