//! uv's `uv.lock`.
//!
//! A universal lock: it holds packages for every platform, and one name can
//! appear several times with disjoint `resolution-markers`. Which packages
//! an environment needs is what `uv sync` installs, computed as a marker
//! per package by walking the dependency graph from the roots
//! ([`super::uv_walk`]):
//!
//! - the roots are the workspace root project (`editable`/`virtual` at
//!   `.`), or every workspace member with `--all-packages` or when the
//!   workspace root is not a project; plus the `[manifest]` requirements
//!   and dependency groups (a script lock, a non-project root);
//! - main dependencies, and the selected extras and groups of the roots, are
//!   required; everything reachable through their other extras and groups
//!   is allowed but not required; members not synced are not in the bound;
//! - conflict markers (`[tool.uv] conflicts`) are decided by the selection,
//!   default groups included;
//! - workspace members are allowed, never required; other local projects
//!   (`editable`/`directory`/`path` outside the workspace) are required when
//!   reached, pinned to their path;
//! - `requires-python` bounds the environment's Python.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use pep508_rs::MarkerTree;
use serde::Deserialize;

use crate::bound::{BoundError, BoundRequirement, Origin, Selection};
use crate::lock::uv_walk::{Active, Edge, Graph, Key};
use crate::lock::{self, LockBound, LockError, Pin, RequiresPython};
use crate::names::normalize;

/// What is wrong in a `uv.lock` (beside the errors every lock shares,
/// [`LockError`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UvError {
    /// A `git` source whose URL has no `#commit`.
    #[error("git source {0:?} has no #commit")]
    GitWithoutCommit(String),
    /// A dependency naming no `[[package]]`.
    #[error("dependency {0} is not a locked package")]
    NotLocked(String),
    /// The dependency walk did not settle.
    #[error(transparent)]
    Unsettled(#[from] super::uv_walk::Unsettled),
}

impl UvError {
    fn at(self, origin: Origin) -> BoundError {
        BoundError::new(origin, self.to_string())
    }
}

/// The parts of `uv.lock` fetter reads (other keys are ignored).
#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct LockFile {
    requires_python: Option<String>,
    #[serde(default)]
    package: Vec<Package>,
    #[serde(default)]
    manifest: Manifest,
}

/// `[manifest]`: the workspace members, and the requirements of a script or
/// of a workspace root that is not a project.
#[derive(Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
struct Manifest {
    #[serde(default)]
    members: Vec<String>,
    #[serde(default)]
    requirements: Vec<Requirement>,
    #[serde(default)]
    dependency_groups: BTreeMap<String, Vec<Requirement>>,
}

/// An unresolved requirement of the manifest.
#[derive(Deserialize)]
struct Requirement {
    name: String,
    marker: Option<String>,
    #[serde(default, alias = "extra")]
    extras: Vec<String>,
}

/// One `[[package]]`.
#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Package {
    name: String,
    version: Option<String>,
    source: Option<Source>,
    #[serde(default)]
    resolution_markers: Vec<String>,
    #[serde(default)]
    dependencies: Vec<Dependency>,
    #[serde(default)]
    optional_dependencies: BTreeMap<String, Vec<Dependency>>,
    #[serde(default)]
    dev_dependencies: BTreeMap<String, Vec<Dependency>>,
    default_groups: Option<DefaultGroups>,
}

/// `default-groups` of a root: a list, or `"all"`.
#[derive(Deserialize)]
#[serde(untagged)]
enum DefaultGroups {
    List(Vec<String>),
    Keyword(String),
}

/// A package's `source`: exactly one of these is set.
#[derive(Deserialize, Debug, Clone, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
struct Source {
    registry: Option<String>,
    git: Option<String>,
    url: Option<String>,
    subdirectory: Option<String>,
    path: Option<String>,
    directory: Option<String>,
    editable: Option<String>,
    #[serde(rename = "virtual")]
    virtual_: Option<String>,
}

impl Source {
    /// The path of a project built from a local directory.
    fn local_project(&self) -> Option<&str> {
        self.editable
            .as_deref()
            .or(self.virtual_.as_deref())
            .or(self.directory.as_deref())
    }
}

/// One entry of `dependencies`, `optional-dependencies`, `dev-dependencies`.
#[derive(Deserialize)]
struct Dependency {
    name: String,
    version: Option<String>,
    source: Option<Source>,
    marker: Option<String>,
    #[serde(default)]
    extra: Vec<String>,
}

/// Parse a `uv.lock` named `source`, in directory `base`.
pub fn parse(
    text: &str,
    source: &str,
    base: &Path,
    sel: &Selection,
) -> Result<LockBound, Vec<BoundError>> {
    let top = Origin::file(source);
    let doc: LockFile = toml::from_str(text).map_err(|e| LockError::toml("uv.lock", &e, source))?;
    let requires_python = RequiresPython::of_lock(doc.requires_python.as_deref(), source)?;
    let packages: Vec<Package> = doc
        .package
        .into_iter()
        .map(|mut p| {
            p.name = normalize(&p.name);
            p
        })
        .collect();
    let mut errors = Vec::new();
    let graph = build(&packages, &doc.manifest, source, &mut errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    let members = members(&packages, &doc.manifest);
    if members.is_empty() && !has_manifest(&doc.manifest) {
        // Neither a project nor a manifest: nothing to walk from, every
        // package is required where its fork applies.
        let forks = &graph.forks[..packages.len()];
        let none = vec![MarkerTree::FALSE; packages.len()];
        return emit(&packages, &[], forks, &none, source, base).map(|requirements| LockBound {
            requirements,
            requires_python,
            ambiguities: Vec::new(),
        });
    }
    let root_project = members.iter().copied().find(|&i| {
        packages[i]
            .source
            .as_ref()
            .and_then(Source::local_project)
            .is_some_and(|p| p == ".")
    });
    let manifest = packages.len();
    let synced: Vec<usize> = match root_project {
        Some(r) if !sel.all_packages => vec![r],
        _ => members.clone(),
    };
    let extras: Vec<String> = sel.extras.iter().map(|e| normalize(e)).collect();
    let groups: Vec<String> = sel.groups.iter().map(|g| normalize(g)).collect();

    // Required: the synced roots' main dependencies and selected extras and
    // groups. Conflict markers see the selection plus the default groups
    // (which `uv sync` installs unless told not to).
    let mut start = Vec::new();
    let mut active = HashSet::new();
    for &r in synced.iter().chain([&manifest]) {
        start.push((r, Key::Base));
        let name = packages.get(r).map_or("", |p| p.name.as_str());
        for e in &extras {
            start.push((r, Key::Extra(e.clone())));
            active.insert(conflict_name("extra", name, e));
        }
        for g in groups.iter().chain(&default_groups(packages.get(r))) {
            active.insert(conflict_name("group", name, g));
        }
        for g in &groups {
            start.push((r, Key::Group(g.clone())));
        }
    }
    let required = reach(&graph, &start, &Active::Only(&active), &top)?;
    // Allowed: everything any selection of the synced roots' extras and
    // groups reaches.
    let mut start = Vec::new();
    for r in synced.iter().copied().chain([manifest]) {
        start.extend(graph.edges.keys().filter(|(i, _)| *i == r).cloned());
        start.push((r, Key::Base));
    }
    let mut allowed = reach(&graph, &start, &Active::All, &top)?;
    for (a, r) in allowed.iter_mut().zip(&required) {
        a.or(r.clone());
    }
    emit(&packages, &members, &required, &allowed, source, base).map(|requirements| LockBound {
        requirements,
        requires_python,
        ambiguities: Vec::new(),
    })
}

fn has_manifest(m: &Manifest) -> bool {
    !m.requirements.is_empty() || !m.dependency_groups.is_empty()
}

fn reach(
    graph: &Graph,
    start: &[(usize, Key)],
    active: &Active,
    top: &Origin,
) -> Result<Vec<MarkerTree>, Vec<BoundError>> {
    graph
        .reach(start, active)
        .map_err(|e| vec![UvError::from(e).at(top.clone())])
}

/// uv's name for an extra or group in conflict markers: `extra-4-proj-a`.
fn conflict_name(kind: &str, package: &str, item: &str) -> String {
    format!("{kind}-{}-{package}-{item}", package.len())
}

/// The groups `uv sync` installs from `root` when none is named.
fn default_groups(root: Option<&Package>) -> Vec<String> {
    match root.and_then(|p| p.default_groups.as_ref()) {
        None => vec!["dev".into()],
        Some(DefaultGroups::List(l)) => l.iter().map(|g| normalize(g)).collect(),
        // `default-groups = "all"`.
        Some(DefaultGroups::Keyword(k)) if k == "all" => root
            .map(|p| p.dev_dependencies.keys().map(|g| normalize(g)).collect())
            .unwrap_or_default(),
        Some(DefaultGroups::Keyword(_)) => Vec::new(),
    }
}

/// The workspace members: the `[manifest] members` (a workspace of several
/// projects), else the project at `.`.
fn members(packages: &[Package], manifest: &Manifest) -> Vec<usize> {
    let names: HashSet<String> = manifest.members.iter().map(|m| normalize(m)).collect();
    packages
        .iter()
        .enumerate()
        .filter(|(_, p)| {
            let local = p.source.as_ref().and_then(Source::local_project);
            if names.is_empty() {
                local == Some(".")
            } else {
                local.is_some() && names.contains(&p.name)
            }
        })
        .map(|(i, _)| i)
        .collect()
}

/// One requirement per package and region: required where `required`
/// holds; allowed where only `allowed` does. Where another version of the
/// name is required, the allowed one does not apply (the sync installs the
/// required one); where two versions are each only allowed (conflicting
/// extras, neither selected), either is.
fn emit(
    packages: &[Package],
    members: &[usize],
    required: &[MarkerTree],
    allowed: &[MarkerTree],
    source: &str,
    base: &Path,
) -> Result<Vec<BoundRequirement>, Vec<BoundError>> {
    let mut by_name: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, p) in packages.iter().enumerate() {
        by_name.entry(p.name.as_str()).or_default().push(i);
    }
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (name, idx) in by_name {
        let mut pins = Vec::new();
        for &i in &idx {
            let p = &packages[i];
            let origin = Origin::file(format!(
                "{source} [[package]] {} {}",
                p.name,
                p.version.as_deref().unwrap_or("")
            ));
            let pin = if members.contains(&i) {
                Ok(Pin::Any)
            } else {
                pin_of(p, base)
            };
            match pin {
                Ok(pin) => pins.push((i, pin, origin)),
                Err(e) => errors.push(e.at(origin)),
            }
        }
        let mut required_anywhere = MarkerTree::FALSE;
        for &(i, _, _) in &pins {
            if !members.contains(&i) {
                required_anywhere.or(required[i].clone());
            }
        }
        // Allowed-only regions, then where two different pins overlap.
        let only: Vec<MarkerTree> = pins
            .iter()
            .map(|(i, _, _)| {
                let mut m = allowed[*i].clone();
                if !members.contains(i) {
                    m.and(required_anywhere.negate());
                }
                m
            })
            .collect();
        let mut overlap = MarkerTree::FALSE;
        for a in 0..pins.len() {
            for b in a + 1..pins.len() {
                if pins[a].1 != pins[b].1 {
                    let mut both = only[a].clone();
                    both.and(only[b].clone());
                    overlap.or(both);
                }
            }
        }
        let mut push = |pin: &Pin, m: MarkerTree, req: bool, origin: &Origin| {
            if m.is_false() {
                return;
            }
            match lock::requirement(name, pin, m, req, origin.clone()) {
                Ok(r) => out.push(r),
                Err(e) => errors.push(e),
            }
        };
        for ((i, pin, origin), only) in pins.iter().zip(only) {
            if !members.contains(i) {
                push(pin, required[*i].clone(), true, origin);
            }
            let mut m = only;
            m.and(overlap.negate());
            push(pin, m, false, origin);
        }
        if let Some((_, _, origin)) = pins.first() {
            push(&Pin::Any, overlap, false, origin);
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The pin of a locked package from its `source`.
fn pin_of(p: &Package, base: &Path) -> Result<Pin, UvError> {
    let src = p.source.clone().unwrap_or_default();
    if let Some(git) = &src.git {
        // `https://host/repo?rev=v1&subdirectory=x#<commit>`
        let (body, commit) = git
            .split_once('#')
            .ok_or_else(|| UvError::GitWithoutCommit(git.clone()))?;
        let (url, query) = body.split_once('?').unwrap_or((body, ""));
        let sub = query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == "subdirectory")
            .map(|(_, v)| format!("#subdirectory={v}"))
            .unwrap_or_default();
        return Ok(Pin::Url(format!("git+{url}@{commit}{sub}")));
    }
    if let Some(url) = &src.url {
        return Ok(Pin::Url(url.clone()));
    }
    if let Some(path) = src.path.as_deref().or(src.local_project()) {
        return Ok(Pin::Url(lock::path_url(base, path)));
    }
    Ok(p.version.clone().map(Pin::Version).unwrap_or(Pin::Any))
}

/// The dependency graph: edges of every package, extra and group, and of
/// the manifest (index `packages.len()`).
fn build(
    packages: &[Package],
    manifest: &Manifest,
    source: &str,
    errors: &mut Vec<BoundError>,
) -> Graph {
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, p) in packages.iter().enumerate() {
        by_name.entry(p.name.as_str()).or_default().push(i);
    }
    let mut forks = Vec::new();
    for p in packages {
        let origin = Origin::file(format!("{source} [[package]] {}", p.name));
        let mut fork = if p.resolution_markers.is_empty() {
            MarkerTree::TRUE
        } else {
            MarkerTree::FALSE
        };
        for m in &p.resolution_markers {
            match lock::marker(m, &origin) {
                Ok(m) => fork.or(m),
                Err(e) => errors.push(e),
            }
        }
        forks.push(fork);
    }
    forks.push(MarkerTree::TRUE);
    let edge = |name: &str,
                version: Option<&str>,
                src: Option<&Source>,
                marker: Option<&str>,
                extras: &[String],
                origin: &Origin,
                manifest: bool,
                errors: &mut Vec<BoundError>|
     -> Option<Edge> {
        let name = normalize(name);
        let targets: Vec<usize> = by_name
            .get(name.as_str())
            .into_iter()
            .flatten()
            .copied()
            .filter(|j| version.is_none() || packages[*j].version.as_deref() == version)
            .filter(|j| src.is_none() || packages[*j].source.as_ref() == src)
            .collect();
        if targets.is_empty() {
            if manifest {
                // A manifest requirement uv did not lock is one no
                // supported Python reaches (`x ; python_version < '3'`
                // under `requires-python = ">=3.8"`): nothing to install.
                return None;
            }
            errors.push(UvError::NotLocked(name).at(origin.clone()));
            return None;
        }
        let marker = match marker {
            Some(m) => match lock::marker(m, origin) {
                Ok(m) => m,
                Err(e) => {
                    errors.push(e);
                    return None;
                }
            },
            None => MarkerTree::TRUE,
        };
        Some(Edge {
            targets,
            marker,
            extras: extras.iter().map(|e| normalize(e)).collect(),
        })
    };
    let mut edges = HashMap::new();
    for (i, p) in packages.iter().enumerate() {
        let origin = Origin::file(format!("{source} [[package]] {}", p.name));
        let list = |deps: &[Dependency], errors: &mut Vec<BoundError>| -> Vec<Edge> {
            deps.iter()
                .filter_map(|d| {
                    edge(
                        &d.name,
                        d.version.as_deref(),
                        d.source.as_ref(),
                        d.marker.as_deref(),
                        &d.extra,
                        &origin,
                        false,
                        errors,
                    )
                })
                .collect()
        };
        edges.insert((i, Key::Base), list(&p.dependencies, errors));
        for (k, deps) in &p.optional_dependencies {
            edges.insert((i, Key::Extra(normalize(k))), list(deps, errors));
        }
        for (k, deps) in &p.dev_dependencies {
            edges.insert((i, Key::Group(normalize(k))), list(deps, errors));
        }
    }
    let origin = Origin::file(format!("{source} [manifest]"));
    let list = |reqs: &[Requirement], errors: &mut Vec<BoundError>| -> Vec<Edge> {
        reqs.iter()
            .filter_map(|r| {
                edge(
                    &r.name,
                    None,
                    None,
                    r.marker.as_deref(),
                    &r.extras,
                    &origin,
                    true,
                    errors,
                )
            })
            .collect()
    };
    let m = packages.len();
    edges.insert((m, Key::Base), list(&manifest.requirements, errors));
    for (g, reqs) in &manifest.dependency_groups {
        edges.insert((m, Key::Group(normalize(g))), list(reqs, errors));
    }
    Graph { edges, forks }
}
